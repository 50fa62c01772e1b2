package snmp

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// Session polls one SNMP agent on a schedule: it implements collector.Collector. Create it
// with New (or NewWithClient in tests); Run and Poll must not be called concurrently.
type Session struct {
	cfg        Config
	rt         collector.Runtime // Stats is never nil (New fills a private one)
	log        *slog.Logger
	profiles   []compiledProfile
	base       []collector.Tag
	dial       func(ctx context.Context) (Client, error)
	client     Client
	owned      bool          // the session dialed client (New), so it may drop it after a failure
	rowsHint   [][]int       // per profile, per table: rows seen last poll (preallocation)
	pointsHint int           // points of the last poll (preallocation)
	plans      [][]tablePlan // per profile, per table: how the agent lets it be walked

	failing     bool   // the last poll failed
	lastErr     string // its message, to log once per state change
	overrunning bool   // the last poll overran its interval (logged once per state change)

	conflictLogged map[string]bool // measurement/field whose type conflict was logged

	// Profile matching (match.go): which profiles apply to this device, and why.
	device *deviceID
	active []bool
	why    []string
	polls  int // polls started, for Table.Every
	// phase spreads the periodic full reads of a fleet over the polls (spreadPhase).
	phase int
	// How the agent lets derived tables' column sets be walked (derive.go), by column set.
	derivedPlans map[string]*tablePlan
	// Entity names kept across polls for lookups (meta.go), and the columns they are in.
	meta     metaCache
	metaCols []string
	// eager walks fallback columns and reads looked-up entity names on every poll, as
	// before walkLazy and metaCache (tests compare).
	eager bool
}

// New returns a session for cfg (already checked by cfg.Validate, as targets.Load does),
// run as rt says (counters, once mode, first-poll offset). No packet is sent until the
// first poll.
func New(cfg Config, rt collector.Runtime, log *slog.Logger) (*Session, error) {
	s, err := newSession(cfg, rt, log)
	if err != nil {
		return nil, err
	}
	s.dial = func(ctx context.Context) (Client, error) { return Dial(ctx, &s.cfg) }
	s.owned = true
	return s, nil
}

// NewWithClient is New with a ready Client (a fake in tests, or a shared connection). The
// session keeps it across failed polls (New's sessions redial instead) and closes it when
// Run returns or Close is called.
func NewWithClient(cfg Config, rt collector.Runtime, log *slog.Logger, c Client) (*Session, error) {
	s, err := newSession(cfg, rt, log)
	if err != nil {
		return nil, err
	}
	s.client = c
	s.dial = func(context.Context) (Client, error) { return c, nil }
	return s, nil
}

func newSession(cfg Config, rt collector.Runtime, log *slog.Logger) (*Session, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Profiles) == 0 {
		return nil, errors.New("no profiles: set profiles, e.g. [system, if-mib]")
	}
	if cfg.Interval <= 0 {
		return nil, fmt.Errorf("interval %s must be positive", cfg.Interval)
	}
	rt.Stats = rt.StatsOrNew()
	s := &Session{cfg: cfg, rt: rt, log: log, base: baseTags(cfg.Name, cfg.Tags)}
	for _, p := range cfg.Profiles {
		cp, err := p.compile()
		if err != nil {
			if p.Name == "" {
				return nil, fmt.Errorf("profile: %w", err)
			}
			return nil, fmt.Errorf("profile %s: %w", p.Name, err)
		}
		s.profiles = append(s.profiles, cp)
		s.rowsHint = append(s.rowsHint, make([]int, len(cp.tables)))
		s.plans = append(s.plans, make([]tablePlan, len(cp.tables)))
	}
	s.metaCols = metaLookupColumns(s.profiles)
	s.phase = spreadPhase(cfg.Name)
	s.meta.phase = s.phase
	return s, nil
}

// spreadPhase returns a target's phase in [0, reprobeEvery): where, counted in polls, its
// periodic full reads fall (the full walk of fallback columns, walkLazy; the entity names'
// refresh, meta.go; a table's Every after the first poll). A fleet's targets all make their
// first poll within the first interval, so without a phase each of those reads came for the
// whole fleet in the same interval, every 10th or 20th minute: a third more CPU than the
// minutes between for 20,000 devices. Derived from the name, so a target keeps its phase
// across restarts and reloads.
func spreadPhase(name string) int {
	h := fnv.New32a()
	h.Write([]byte(name))
	return int(h.Sum32() % reprobeEvery)
}

// Poll reads every profile once and returns the points: scalars and tables all carry the
// poll's start time. The poll is bounded by its own budget (Config.PollBudget), not by the
// interval. When part of the poll fails, the points read before the failure are returned
// with the error. Stats are updated (updates, dropped, success or failure); points are
// counted by Run when emitted.
func (s *Session) Poll(ctx context.Context) ([]collector.Point, error) {
	start := time.Now()
	pctx, cancel := context.WithTimeout(ctx, s.cfg.PollBudget())
	defer cancel()
	// The poll computes only while it holds its turn of the process's CPU gate, which it
	// gives back whenever it waits for the agent (collector.Turn); a poll that cannot get it
	// before its deadline fails with that deadline, as one whose agent is slow does.
	turn := s.rt.Work.Turn(start)
	_ = turn.Take(pctx)
	defer turn.Give() // deferred: a poll that panics (the supervisor recovers it) must not keep the slot
	pctx = collector.WithTurn(pctx, turn)
	var ns normStats
	points, updates, err := s.poll(pctx, start, &ns)
	if c, ok := s.client.(idler); ok {
		_ = c.Idle() // nothing is held between polls but the SNMPv3 engine state (client.go)
	}
	st := s.rt.Stats
	st.Updates.Add(int64(updates))
	st.Dropped.Add(int64(ns.dropped + len(ns.conflicts)))
	st.TypeConflicts.Add(int64(len(ns.conflicts)))
	s.logConflicts(ns.conflicts)
	if err != nil {
		if !ended(ctx) {
			// A poll cut short by the caller (shutdown, reload, the once-mode target
			// timeout) is not the agent's failure: the supervisor reports those.
			st.Failure(err)
		}
		if s.owned && s.client != nil {
			// A fresh socket (and SNMPv3 engine discovery) next time: the agent may have
			// restarted with new engine boots, or the socket may have an ICMP error queued.
			_ = s.client.Close()
			s.client = nil
		}
		return points, err
	}
	st.Polls.Add(1)
	st.Success(time.Now(), time.Since(start))
	return points, nil
}

// logConflicts logs each field's first type conflict: once per session and field, since a
// broken agent repeats the same wrong value every poll (the count keeps growing in
// /metrics as netpulse_target_dropped_fields_total{reason="type_conflict"}).
func (s *Session) logConflicts(cs []typeConflict) {
	for _, c := range cs {
		if s.conflictLogged[c.Field] || len(s.conflictLogged) >= 1024 {
			continue
		}
		if s.conflictLogged == nil {
			s.conflictLogged = map[string]bool{}
		}
		s.conflictLogged[c.Field] = true
		s.log.Warn("SNMP value does not fit the field's declared type: field dropped, the rest of the row is written (logged once per field)",
			"target", s.cfg.Name, "field", c.Field, "value", c.Value, "snmp_type", c.SNMPType.String(),
			"declared_type", c.Want.String(), "reason", "type_conflict")
	}
}

func (s *Session) poll(ctx context.Context, start time.Time, st *normStats) ([]collector.Point, int, error) {
	if s.client == nil {
		c, err := s.dial(ctx)
		if err != nil {
			return nil, 0, fmt.Errorf("connect: %w", err)
		}
		s.client = c
	}
	w := &walker{client: s.client, v1: s.cfg.Version == "1", maxReps: s.cfg.MaxRepetitions, log: s.log, stats: s.rt.Stats, eager: s.eager, phase: s.phase}
	if w.maxReps == 0 {
		w.maxReps = DefaultMaxRepetitions
	}
	cache := columnCache{}
	s.meta.beginPoll(len(s.metaCols) > 0 && !s.eager)
	points, updates, err := s.pollProfiles(ctx, w, cache, start, st)
	s.meta.keep(cache, s.metaCols, err == nil)
	return points, updates, err
}

// getScalars is w.getScalars, with the signals of the entity cache (meta.go) added when
// they are still to be read in this poll.
func (s *Session) getScalars(ctx context.Context, w *walker, cache columnCache, oids []string) ([]cell, error) {
	all, sig := s.meta.withSignals(oids)
	cells, err := w.getScalars(ctx, all)
	if !sig {
		return cells, err
	}
	s.meta.took(all, cells, err, cache, s.metaCols)
	if err != nil {
		return nil, err
	}
	return cells[:len(oids)], nil
}

// pollProfiles reads the active profiles.
func (s *Session) pollProfiles(ctx context.Context, w *walker, cache columnCache, start time.Time, st *normStats) ([]collector.Point, int, error) {
	if err := s.matchProfiles(ctx, w, cache); err != nil {
		err = explain(err, &s.cfg, "match profiles")
		return nil, w.updates, err
	}
	s.polls++
	points := make([]collector.Point, 0, s.pointsHint)
	defer func() { s.pointsHint = max(s.pointsHint, len(points)) }()
	var firstErr error
	for pi := range s.profiles {
		p := &s.profiles[pi]
		if !s.active[pi] {
			continue
		}
		for i := range p.scalars {
			spec := &p.scalars[i]
			cells, err := s.getScalars(ctx, w, cache, spec.oids)
			if err != nil {
				err = explain(err, &s.cfg, p.what("get", spec.measurement))
				if fatal(err) {
					return points, w.updates, err
				}
				firstErr = cmpErr(firstErr, err)
				continue
			}
			if pt, ok := scalarPoint(spec, cells, s.base, start, st); ok {
				points = append(points, pt)
			}
		}
		prev := 0 // points of the profile's previous table (Table.Otherwise)
		for i := range p.tables {
			spec := &p.tables[i]
			if spec.ext != nil {
				if s.meta.pending && metaNeeded(spec) {
					// No GET of this poll carried the signals yet: one of their own.
					if _, err := s.getScalars(ctx, w, cache, nil); err != nil && fatal(err) {
						return points, w.updates, explain(err, &s.cfg, p.what("walk", spec.measurement))
					}
				}
				pts, err := s.pollDerived(ctx, w, cache, spec, &s.rowsHint[pi][i], start, prev, st)
				if len(pts) > 0 || !spec.ext.otherwise {
					prev = len(pts) // a chain of otherwise tables stops at the first that wrote
				}
				if err != nil {
					err = explain(err, &s.cfg, p.what("walk", spec.measurement))
					if fatal(err) {
						return points, w.updates, err
					}
					firstErr = cmpErr(firstErr, err)
				}
				points = append(points, pts...)
				continue
			}
			d, err := w.walkLazy(ctx, spec, s.rowsHint[pi][i], &s.plans[pi][i])
			if err != nil {
				err = explain(err, &s.cfg, p.what("walk", spec.measurement))
				if fatal(err) {
					return points, w.updates, err
				}
				firstErr = cmpErr(firstErr, err)
				continue
			}
			s.rowsHint[pi][i] = len(d.indexes)
			points = append(points, tablePoints(spec, d, s.base, start, st)...)
			spec.release(d)
		}
	}
	return points, w.updates, firstErr
}

// what names a request for error messages: "walk interfaces (profile if-mib)".
func (p *compiledProfile) what(verb, measurement string) string {
	if p.name == "" {
		return verb + " " + measurement
	}
	return fmt.Sprintf("%s %s (profile %s)", verb, measurement, p.name)
}

// fatal reports errors after which the rest of the poll cannot succeed either.
func fatal(err error) bool {
	return errors.Is(err, ErrTimeout) || errors.Is(err, ErrAuth) || errors.Is(err, context.Canceled)
}

func cmpErr(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

// Run polls after the runtime's Offset and then every cfg.Interval until ctx ends (then it
// returns nil), or once (after the same offset) in once mode: then it returns that poll's
// error, or ctx's when ctx ended first.
//
// Polls never overlap and are never cut at the interval (DESIGN §6): a poll runs within its
// own budget (Config.PollBudget), and the ticks that passed while it ran are skipped and
// counted in Stats.Skipped; the next poll starts on the next tick of the original schedule,
// so a 780 ms poll every 500 ms polls on every second tick. Poll failures and overruns are
// logged once per change of state, not on every interval.
func (s *Session) Run(ctx context.Context, sink collector.Sink) error {
	defer s.Close()
	once, st := s.rt.Once, s.rt.Stats
	if s.rt.Offset > 0 && !wait(ctx, s.rt.Offset) {
		if once {
			return fmt.Errorf("wait for the first poll: %w", ctx.Err())
		}
		return nil
	}
	interval := s.cfg.Interval
	next := time.Now()
	for {
		began := time.Now()
		points, err := s.Poll(ctx)
		took := time.Since(began)
		if ended(ctx) && !once {
			return nil // a poll cut short by the end of the run is not emitted
		}
		if len(points) > 0 {
			if eerr := sink.Emit(ctx, points); eerr != nil {
				if ended(ctx) && !once {
					return nil
				}
				return fmt.Errorf("emit points: %w", eerr)
			}
			st.Points.Add(int64(len(points)))
		}
		if once {
			return err
		}
		s.logState(err, len(points))

		var missed int64
		next, missed = nextTick(next, interval, time.Now())
		st.Skipped.Add(missed)
		s.logOverrun(missed, interval, took)
		if !wait(ctx, time.Until(next)) {
			return nil
		}
	}
}

// nextTick returns the first tick of the schedule (prev + k·interval, k ≥ 1) that is still
// ahead of now, and how many ticks were skipped because the poll that started at prev was
// still running at them.
func nextTick(prev time.Time, interval time.Duration, now time.Time) (time.Time, int64) {
	next := prev.Add(interval)
	if now.Before(next) {
		return next, 0
	}
	missed := int64(now.Sub(next)/interval) + 1
	return next.Add(time.Duration(missed) * interval), missed
}

// logOverrun warns when polls start overrunning their interval and notes when they stop.
func (s *Session) logOverrun(missed int64, interval, took time.Duration) {
	switch {
	case missed > 0 && !s.overrunning:
		s.log.Warn("snmp poll took longer than the interval; skipping the ticks it overran (counted as skipped polls): raise interval, or read less", "interval", interval, "duration", took.Round(time.Millisecond), "skipped", missed)
		s.overrunning = true
	case missed == 0 && s.overrunning:
		s.log.Info("snmp polls fit their interval again", "interval", interval)
		s.overrunning = false
	}
}

// logState logs a failing poll when the failure starts or its message changes, and the
// recovery once.
func (s *Session) logState(err error, points int) {
	switch {
	case err != nil && (!s.failing || err.Error() != s.lastErr):
		s.log.Warn("snmp poll failed", "err", err, "points", points)
		s.failing, s.lastErr = true, err.Error()
	case err == nil && s.failing:
		s.log.Info("snmp poll recovered", "points", points)
		s.failing, s.lastErr = false, ""
	}
}

// Close releases the client's socket. Run closes on return; CLI callers of Poll call it.
func (s *Session) Close() error {
	if s.client == nil {
		return nil
	}
	err := s.client.Close()
	if s.owned {
		s.client = nil
	}
	return err
}

// ended reports whether ctx ended or reached its deadline. The deadline counts by itself:
// gosnmp sets it on the socket and reports context.DeadlineExceeded when the read times out,
// which can be just before the context's own timer fires (later still on a loaded machine).
func ended(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// wait waits d or until ctx ends; it reports whether d passed.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

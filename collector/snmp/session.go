package snmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// Session polls one SNMP agent on a schedule: it implements collector.Collector. Create it
// with New (or NewWithClient in tests); Run and Poll must not be called concurrently.
type Session struct {
	cfg      Config
	log      *slog.Logger
	profiles []compiledProfile
	base     []collector.Tag
	dial     func(ctx context.Context) (Client, error)
	client   Client
	owned    bool          // the session dialed client (New), so it may drop it after a failure
	rowsHint [][]int       // per profile, per table: rows seen last poll (preallocation)
	plans    [][]tablePlan // per profile, per table: how the agent lets it be walked

	failing bool   // the last poll failed
	lastErr string // its message, to log once per state change
}

// New returns a session for cfg (already checked by cfg.Validate, as targets.Load does). No
// packet is sent until the first poll.
func New(cfg Config, log *slog.Logger) (*Session, error) {
	s, err := newSession(cfg, log)
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
func NewWithClient(cfg Config, log *slog.Logger, c Client) (*Session, error) {
	s, err := newSession(cfg, log)
	if err != nil {
		return nil, err
	}
	s.client = c
	s.dial = func(context.Context) (Client, error) { return c, nil }
	return s, nil
}

func newSession(cfg Config, log *slog.Logger) (*Session, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if len(cfg.Profiles) == 0 {
		return nil, errors.New("no profiles: set profiles, e.g. [system, if-mib]")
	}
	if cfg.Interval <= 0 {
		return nil, fmt.Errorf("interval %s must be positive", cfg.Interval)
	}
	s := &Session{cfg: cfg, log: log, base: baseTags(cfg.Name, cfg.Tags)}
	for _, p := range cfg.Profiles {
		cp, err := compileProfile(p)
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
	return s, nil
}

// pollDeadline bounds one poll: the interval, but never less than one request's full
// timeout with retries (a poll that cannot finish one request is useless).
func (s *Session) pollDeadline() time.Duration {
	d := s.cfg.Interval
	retries := 1
	if s.cfg.Retries != nil {
		retries = *s.cfg.Retries
	}
	timeout := s.cfg.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	if floor := timeout * time.Duration(retries+1); d < floor {
		d = floor
	}
	return d
}

// Poll reads every profile once and returns the points: scalars and tables all carry the
// poll's start time. When part of the poll fails, the points read before the failure are
// returned with the error. Stats are updated (updates, dropped, success or failure); points
// are counted by Run when emitted.
func (s *Session) Poll(ctx context.Context) ([]collector.Point, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.pollDeadline())
	defer cancel()
	points, updates, dropped, err := s.poll(ctx, start)
	if c, ok := s.client.(idler); ok {
		_ = c.Idle() // nothing is held between polls but the SNMPv3 engine state (client.go)
	}
	st := s.cfg.Stats
	if st != nil {
		st.Updates.Add(int64(updates))
		st.Dropped.Add(int64(dropped))
	}
	if err != nil {
		st.Failure(err)
		if s.owned && s.client != nil {
			// A fresh socket (and SNMPv3 engine discovery) next time: the agent may have
			// restarted with new engine boots, or the socket may have an ICMP error queued.
			_ = s.client.Close()
			s.client = nil
		}
		return points, err
	}
	if st != nil {
		st.Polls.Add(1)
	}
	st.Success(time.Now(), time.Since(start))
	return points, nil
}

func (s *Session) poll(ctx context.Context, start time.Time) ([]collector.Point, int, int, error) {
	if s.client == nil {
		c, err := s.dial(ctx)
		if err != nil {
			return nil, 0, 0, fmt.Errorf("connect: %w", err)
		}
		s.client = c
	}
	w := &walker{client: s.client, v1: s.cfg.Version == "1", maxReps: s.cfg.MaxRepetitions, log: s.log, stats: s.cfg.Stats}
	if w.maxReps == 0 {
		w.maxReps = DefaultMaxRepetitions
	}
	var st normStats
	var points []collector.Point
	var firstErr error
	for pi := range s.profiles {
		p := &s.profiles[pi]
		for i := range p.scalars {
			spec := &p.scalars[i]
			cells, err := w.getScalars(ctx, spec.oids)
			if err != nil {
				err = explain(err, &s.cfg, p.what("get", spec.measurement))
				if fatal(err) {
					return points, w.updates, st.dropped, err
				}
				firstErr = cmpErr(firstErr, err)
				continue
			}
			if pt, ok := scalarPoint(spec, cells, s.base, start, &st); ok {
				points = append(points, pt)
			}
		}
		for i := range p.tables {
			spec := &p.tables[i]
			d, err := w.walkTable(ctx, spec, s.rowsHint[pi][i], &s.plans[pi][i])
			if err != nil {
				err = explain(err, &s.cfg, p.what("walk", spec.measurement))
				if fatal(err) {
					return points, w.updates, st.dropped, err
				}
				firstErr = cmpErr(firstErr, err)
				continue
			}
			s.rowsHint[pi][i] = len(d.indexes)
			points = append(points, tablePoints(spec, d, s.base, start, &st)...)
		}
	}
	return points, w.updates, st.dropped, firstErr
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

// Run polls after cfg.Offset and then every cfg.Interval until ctx ends (then it returns
// nil), or once (after the same offset) when cfg.Once is set: then it returns that poll's
// error, or ctx's when ctx ended first. A poll that
// overruns its interval is never overlapped: the ticks that passed meanwhile are skipped and
// counted in Stats.Skipped. Poll failures are logged once per change of state, not on every
// interval.
func (s *Session) Run(ctx context.Context, sink collector.Sink) error {
	defer s.Close()
	if s.cfg.Offset > 0 && !wait(ctx, s.cfg.Offset) {
		if s.cfg.Once {
			return fmt.Errorf("wait for the first poll: %w", ctx.Err())
		}
		return nil
	}
	interval := s.cfg.Interval
	next := time.Now()
	for {
		points, err := s.Poll(ctx)
		if ctx.Err() != nil && !s.cfg.Once {
			return nil
		}
		if len(points) > 0 {
			if eerr := sink.Emit(ctx, points); eerr != nil {
				if ctx.Err() != nil && !s.cfg.Once {
					return nil
				}
				return fmt.Errorf("emit points: %w", eerr)
			}
			if s.cfg.Stats != nil {
				s.cfg.Stats.Points.Add(int64(len(points)))
			}
		}
		if s.cfg.Once {
			return err
		}
		s.logState(err, len(points))

		next = next.Add(interval)
		if now := time.Now(); !now.Before(next) {
			missed := int64(now.Sub(next)/interval) + 1
			if s.cfg.Stats != nil {
				s.cfg.Stats.Skipped.Add(missed)
			}
			next = next.Add(time.Duration(missed) * interval)
		}
		if !wait(ctx, time.Until(next)) {
			return nil
		}
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

package targets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
)

// NewFunc builds the collector for one target, run as rt says (its Stats handle, once mode,
// first-poll offset: what the Manager decides per run, kept out of the target's config).
// cmd/netpulse passes a function that calls snmp.New or gnmi.New; tests pass fakes.
type NewFunc func(t Target, rt collector.Runtime, log *slog.Logger) (collector.Collector, error)

// DefaultHealthyAfter is how long a session must have run before its redial backoff starts
// over. The rule is the one owner's (Manager.supervise): the backoff is reset only after a
// session that lasted this long, never merely because data arrived. A device that sends one
// update and then drops the stream (a crashing line card, a subscription the device cannot
// serve, a proxy that closes idle-looking streams) is therefore redialled ever more slowly
// up to the redial maximum, instead of at the minimum forever. 30 s is long enough to cover
// such a failure after the first updates (several sample intervals of a typical 10 s
// subscription), and when a session does reach it, resetting cannot make a hot loop: it
// costs at most one redial per 30 s plus the minimum wait.
const DefaultHealthyAfter = 30 * time.Second

// ManagerConfig configures a Manager.
type ManagerConfig struct {
	Sink collector.Sink
	New  NewFunc
	// Once runs one cycle per target and returns (the scheduled job); otherwise every target
	// runs until ctx ends and is redialled after session errors.
	Once bool
	// TargetTimeout bounds each target's cycle in once mode (0 = no bound beyond ctx), so a
	// device that accepts a gNMI ONCE subscription but never sends sync_response fails alone
	// instead of holding up the scheduled job.
	TargetTimeout time.Duration
	// HealthyAfter is how long a session must run before its backoff is reset (default
	// DefaultHealthyAfter).
	HealthyAfter time.Duration
	// Redial bounds the backoff between session attempts for targets whose transport does not
	// set its own (SNMP). Default collector.DefaultRedialMin..Max.
	RedialMin, RedialMax time.Duration
	// Behind, when set, reports that the outputs are behind (outputs.Output.Behind): gNMI
	// sessions then wait before decoding more (collector.Gate). SNMP polls do not: a poll's
	// answers are read once and cannot be left waiting on the device.
	Behind func() bool
}

// Result is one target's outcome, for the --once summary and exit code.
type Result struct {
	Name    string `json:"name"`
	Proto   string `json:"proto"`
	Address string `json:"address"`
	OK      bool   `json:"ok"`
	Error   string `json:"error,omitempty"`
	Points  int64  `json:"points"`
	Updates int64  `json:"updates"`
	// Dropped counts fields dropped by reason; "type_conflict": values that do not fit the
	// field's declared type (README "Field types").
	Dropped  map[string]int64 `json:"dropped,omitempty"`
	Duration time.Duration    `json:"-"`
	Seconds  float64          `json:"duration_seconds"`
}

// Manager supervises one collector goroutine per target. One dead or slow target never
// delays another: each has its own goroutine, schedule, deadline and backoff. Apply swaps the
// target set on reload, restarting only targets whose configuration changed.
type Manager struct {
	cfg ManagerConfig
	log *slog.Logger
	// work bounds how many sessions decode and normalize at once (collector.Gate), shared
	// by every target: one fewer than the CPUs (at least one), so that what is decoded can
	// be written. With a slot per CPU, 2,000 gNMI devices syncing at once on 2 cores kept
	// both busy decoding while the output's flush loop waited its turn, and the buffer
	// dropped 96,934 points; with one slot, none, at the same update rate (BENCHMARKS.md,
	// "The fleets"). With ManagerConfig.Behind it also holds decoding back while
	// the outputs are behind. SNMP polls take turns at the same slots while they compute
	// (collector.Turn), earliest poll first.
	work *collector.Gate

	mu      sync.Mutex
	running map[string]*runner
	results []Result
	wg      sync.WaitGroup
}

type runner struct {
	target Target
	stats  *collector.Stats
	cancel context.CancelFunc
	done   chan struct{}
}

// NewManager returns a Manager; call Apply to start targets.
func NewManager(cfg ManagerConfig, log *slog.Logger) (*Manager, error) {
	if cfg.Sink == nil || cfg.New == nil {
		return nil, errors.New("targets: ManagerConfig needs Sink and New")
	}
	if cfg.HealthyAfter == 0 {
		cfg.HealthyAfter = DefaultHealthyAfter
	}
	if cfg.RedialMin == 0 {
		cfg.RedialMin = collector.DefaultRedialMin
	}
	if cfg.RedialMax == 0 {
		cfg.RedialMax = collector.DefaultRedialMax
	}
	return &Manager{cfg: cfg, log: log, work: collector.NewGate(runtime.GOMAXPROCS(0)-1, cfg.Behind), running: map[string]*runner{}}, nil
}

// Apply starts the targets that are new or changed and stops those that are gone or changed.
// Sessions run under ctx (cancelling ctx stops all of them). Targets whose configuration is
// unchanged keep running untouched.
func (m *Manager) Apply(ctx context.Context, targets []Target) {
	d := m.diff(targets)
	for _, name := range d.Removed {
		m.stop(name)
	}
	for _, t := range d.Started {
		m.start(ctx, t)
	}
	if len(d.Removed)+len(d.Started) > 0 {
		m.log.Info("targets applied", "started", len(d.Started), "stopped", len(d.Removed), "total", len(targets))
	}
}

// Diff says what Apply changes: Removed are names to stop (gone or changed), Started are
// targets to (re)start (new or changed).
type Diff struct {
	Removed []string
	Started []Target
}

func (m *Manager) diff(targets []Target) Diff {
	m.mu.Lock()
	defer m.mu.Unlock()
	var d Diff
	want := make(map[string]bool, len(targets))
	for _, t := range targets {
		want[t.Name] = true
		r, ok := m.running[t.Name]
		switch {
		case !ok:
			d.Started = append(d.Started, t)
		case fingerprint(r.target) != fingerprint(t):
			d.Removed = append(d.Removed, t.Name)
			d.Started = append(d.Started, t)
		}
	}
	for name := range m.running {
		if !want[name] {
			d.Removed = append(d.Removed, name)
		}
	}
	return d
}

// fingerprint renders everything that configures a session, for change detection on
// reload only (it never leaves the process). It encodes the whole transport config structs
// (what the user wrote plus what the loader resolved from it), so a key added later is
// covered without touching this function; JSON follows pointers and sorts map keys. Run-time
// state is not in them (collector.Runtime), so nothing is zeroed. Secrets encode as
// "[redacted]", so their values are appended: a new password must restart the session.
func fingerprint(t Target) string {
	var secrets []string
	if c := t.SNMP; c != nil {
		secrets = append(secrets, c.Community.Reveal(), c.AuthPassword.Reveal(), c.PrivPassword.Reveal())
	}
	if c := t.GNMI; c != nil {
		secrets = append(secrets, c.Password.Reveal())
	}
	b, err := json.Marshal(struct {
		Name, Address string
		Tags          map[string]string
		SNMP          *snmp.Config
		GNMI          *gnmi.Config
		Secrets       []string
	}{t.Name, t.Address, t.Tags, t.SNMP, t.GNMI, secrets})
	if err != nil {
		// Not expected (configs hold strings, numbers, maps and slices); restarting the
		// target is the safe answer to a config that cannot be compared.
		return fmt.Sprintf("unencodable %p: %v", &t, err)
	}
	return string(b)
}

// offset spreads first polls over the interval, deterministically per name, so that 1,000
// targets started together do not fire in the same millisecond and a restart keeps each
// target's phase.
func offset(name string, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(interval))
}

func (m *Manager) start(ctx context.Context, t Target) {
	rctx, cancel := context.WithCancel(ctx)
	r := &runner{target: t, stats: &collector.Stats{}, cancel: cancel, done: make(chan struct{})}
	m.mu.Lock()
	m.running[t.Name] = r
	m.mu.Unlock()
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer close(r.done)
		m.supervise(rctx, r)
	}()
}

func (m *Manager) stop(name string) {
	m.mu.Lock()
	r, ok := m.running[name]
	delete(m.running, name)
	m.mu.Unlock()
	if ok {
		r.cancel()
		<-r.done
	}
}

// runtime is what the Manager decides for one run of r's session: where it counts, once
// mode, and (SNMP, not once) the phase offset of its first poll.
func (m *Manager) runtime(r *runner) collector.Runtime {
	rt := collector.Runtime{Stats: r.stats, Once: m.cfg.Once, Work: m.work}
	if c := r.target.SNMP; c != nil && !m.cfg.Once {
		rt.Offset = offset(r.target.Name, c.Interval)
	}
	return rt
}

// supervise runs r's session and is the one owner of redial for every transport: sessions
// return when they break, and only this loop waits, counts and decides the backoff.
//
// The rule: capped exponential backoff with full jitter within the target's redial bounds
// (gNMI `redial:`, else the Manager's), reset only after a session that ran for
// HealthyAfter (see DefaultHealthyAfter for why). Stats.Reconnects counts each redial once,
// when it is made (a wait cut short by ctx is not a redial). Every wait selects on
// ctx.Done(), and the loop ends only with ctx (or after one cycle in once mode).
func (m *Manager) supervise(ctx context.Context, r *runner) {
	t := r.target
	log := m.log.With("target", t.Name, "proto", t.Proto(), "address", t.Address)
	began := time.Now()
	finish := func(err error) {
		res := Result{Name: t.Name, Proto: t.Proto(), Address: t.Address, OK: err == nil,
			Points: r.stats.Points.Load(), Updates: r.stats.Updates.Load(), Duration: time.Since(began)}
		res.Seconds = res.Duration.Seconds()
		if n := r.stats.TypeConflicts.Load(); n > 0 {
			res.Dropped = map[string]int64{"type_conflict": n}
		}
		if err != nil {
			res.Error = err.Error()
		}
		m.mu.Lock()
		m.results = append(m.results, res)
		m.mu.Unlock()
	}
	c, err := m.cfg.New(t, m.runtime(r), log)
	if err != nil {
		// A target that cannot even be built (bad certificate file, …) is a config problem of
		// this one target; the others keep running.
		log.Error("target not started", "err", err)
		r.stats.Failure(err)
		finish(err)
		return
	}
	bo := collector.Backoff{Min: m.cfg.RedialMin, Max: m.cfg.RedialMax}
	if t.GNMI != nil {
		bo.Min, bo.Max = t.GNMI.Redial.Min, t.GNMI.Redial.Max
	}
	runCtx := ctx
	if m.cfg.Once && m.cfg.TargetTimeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, m.cfg.TargetTimeout)
		defer cancel()
	}
	var lastErr string
	for {
		start := time.Now()
		err := runSafely(runCtx, c, m.cfg.Sink)
		if m.cfg.Once {
			if err == nil && runCtx.Err() != nil {
				err = fmt.Errorf("cancelled before the cycle completed: %w", runCtx.Err())
			}
			if err != nil && ctx.Err() == nil && errors.Is(runCtx.Err(), context.DeadlineExceeded) {
				err = fmt.Errorf("no complete answer within the target timeout %s: %w", m.cfg.TargetTimeout, err)
			}
			if err != nil {
				log.Error("target failed", "err", err)
				if r.stats.PollErrors.Load() == 0 {
					// Sessions that record their own failed poll (SNMP) are not counted
					// twice; a timeout or a panic that the session never saw is.
					r.stats.Failure(err)
				}
			}
			finish(err)
			return
		}
		if ctx.Err() != nil {
			finish(nil)
			return
		}
		if err == nil {
			err = errors.New("session ended without an error")
		}
		healthy := time.Since(start) >= m.cfg.HealthyAfter
		if healthy {
			bo.Reset()
		}
		r.stats.Failure(err)
		wait := bo.Next()
		// Warn when a failure starts or changes; the same failure again is a debug line (the
		// reconnects counter keeps the tally), so a flapping device does not flood the log.
		level := slog.LevelDebug
		if healthy || err.Error() != lastErr {
			level = slog.LevelWarn
		}
		lastErr = err.Error()
		log.Log(ctx, level, "session ended, redialling", "err", err, "retry_in", wait.Round(time.Millisecond))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			finish(nil)
			return
		case <-timer.C:
		}
		r.stats.Reconnects.Add(1)
	}
}

// runSafely turns a panic in one target's session into that target's error: a device that
// sends something no one foresaw must not take the fleet down with it.
func runSafely(ctx context.Context, c collector.Collector, sink collector.Sink) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("session panicked (a bug, please report it with the device's reply): %v", p)
		}
	}()
	return c.Run(ctx, sink)
}

// Wait blocks until every target goroutine has returned (after ctx ends, or after one cycle
// each in once mode).
func (m *Manager) Wait() { m.wg.Wait() }

// Results returns the outcomes of finished targets, in finishing order.
func (m *Manager) Results() []Result {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Result(nil), m.results...)
}

// TargetStats is one running target's live state.
type TargetStats struct {
	Target Target
	Stats  *collector.Stats
}

// Stats returns the live state of every running target, for self-metrics and `demo`.
func (m *Manager) Stats() []TargetStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]TargetStats, 0, len(m.running))
	for _, r := range m.running {
		out = append(out, TargetStats{Target: r.target, Stats: r.stats})
	}
	return out
}

// DecodeWaited reports how many times gNMI sessions waited for the outputs before decoding
// (ManagerConfig.Behind) and for how long in all.
func (m *Manager) DecodeWaited() (waits int64, total time.Duration) { return m.work.Waited() }

// TurnWaited reports how many times SNMP polls queued for the CPU gate (collector.Turn)
// and for how long in all.
func (m *Manager) TurnWaited() (waits int64, total time.Duration) { return m.work.TurnWaited() }

package targets

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// NewFunc builds the collector for one target. cmd/netpulse passes a function that calls
// snmp.New or gnmi.New; tests pass fakes.
type NewFunc func(t Target, log *slog.Logger) (collector.Collector, error)

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
	// HealthyAfter is how long a session must run before its backoff is reset (default 30s).
	HealthyAfter time.Duration
	// Redial bounds the backoff between session attempts for targets whose transport does not
	// set its own (SNMP). Default 1s..60s.
	RedialMin, RedialMax time.Duration
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
		cfg.HealthyAfter = 30 * time.Second
	}
	if cfg.RedialMin == 0 {
		cfg.RedialMin = DefaultRedialMin
	}
	if cfg.RedialMax == 0 {
		cfg.RedialMax = DefaultRedialMax
	}
	return &Manager{cfg: cfg, log: log, running: map[string]*runner{}}, nil
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
// reload only (it never leaves the process). It prints whole config structs, so a key added
// later is covered without touching this function; fields the Manager sets per run are
// zeroed, pointers are dereferenced (%+v would print their addresses), and secrets are
// revealed because a new password must restart the session (%v redacts them).
func fingerprint(t Target) string {
	s := fmt.Sprintf("%s|%s|%v|", t.Name, t.Address, t.Tags)
	if t.SNMP != nil {
		c := *t.SNMP
		retries := derefInt(c.Retries)
		secrets := c.Community.Reveal() + "\x00" + c.AuthPassword.Reveal() + "\x00" + c.PrivPassword.Reveal()
		c.Retries, c.Stats, c.Offset, c.Once = nil, nil, 0, false
		s += fmt.Sprintf("snmp|%+v|%d|%s", c, retries, secrets)
	}
	if t.GNMI != nil {
		c := *t.GNMI
		secret := c.Password.Reveal()
		c.Stats, c.Once = nil, false
		s += fmt.Sprintf("gnmi|%+v|%s", c, secret)
	}
	return s
}

func derefInt(p *int) int {
	if p == nil {
		return -1
	}
	return *p
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

// prepare copies the target and fills the per-run fields of its transport config.
func (m *Manager) prepare(r *runner) Target {
	t := r.target
	switch {
	case t.SNMP != nil:
		c := *t.SNMP
		c.Once, c.Stats = m.cfg.Once, r.stats
		if !m.cfg.Once {
			c.Offset = offset(t.Name, c.Interval)
		}
		t.SNMP = &c
	case t.GNMI != nil:
		c := *t.GNMI
		c.Once, c.Stats = m.cfg.Once, r.stats
		t.GNMI = &c
	}
	return t
}

func (m *Manager) supervise(ctx context.Context, r *runner) {
	t := m.prepare(r)
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
	c, err := m.cfg.New(t, log)
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
		if time.Since(start) >= m.cfg.HealthyAfter {
			bo.Reset()
		}
		r.stats.Failure(err)
		r.stats.Reconnects.Add(1)
		wait := bo.Next()
		log.Warn("session ended, redialling", "err", err, "retry_in", wait.Round(time.Millisecond))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			finish(nil)
			return
		case <-timer.C:
		}
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

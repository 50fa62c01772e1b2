package targets

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp"
)

type fakeCollector func(ctx context.Context, sink collector.Sink) error

func (f fakeCollector) Run(ctx context.Context, sink collector.Sink) error { return f(ctx, sink) }

func snmpTarget(name string) Target {
	return Target{Name: name, Address: "127.0.0.1:161", SNMP: &snmp.Config{Version: "2c", Interval: 10 * time.Second}}
}

var discard = collector.SinkFunc(func(context.Context, []collector.Point) error { return nil })

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestManagerOnceResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, err := NewManager(ManagerConfig{Sink: discard, Once: true, New: func(tg Target, rt collector.Runtime, _ *slog.Logger) (collector.Collector, error) {
			if !rt.Once || rt.Stats == nil || rt.Offset != 0 {
				t.Errorf("%s: runtime %+v: want once, a Stats handle and no offset", tg.Name, rt)
			}
			switch tg.Name {
			case "dead":
				return fakeCollector(func(ctx context.Context, _ collector.Sink) error {
					// A dead agent: it answers nothing until its own deadline.
					select {
					case <-time.After(5 * time.Second):
					case <-ctx.Done():
					}
					return errors.New("no response")
				}), nil
			case "broken":
				return nil, errors.New("bad certificate file")
			}
			return fakeCollector(func(ctx context.Context, _ collector.Sink) error {
				rt.Stats.Points.Add(3)
				return nil
			}), nil
		}}, quiet())
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		m.Apply(t.Context(), []Target{snmpTarget("a"), snmpTarget("dead"), snmpTarget("b"), snmpTarget("broken")})
		m.Wait()
		res := map[string]Result{}
		for _, r := range m.Results() {
			res[r.Name] = r
		}
		if !res["a"].OK || !res["b"].OK || res["a"].Points != 3 {
			t.Errorf("live targets: %+v %+v", res["a"], res["b"])
		}
		if res["dead"].OK || res["dead"].Error != "no response" || res["broken"].OK {
			t.Errorf("failed targets: %+v %+v", res["dead"], res["broken"])
		}
		if res["a"].Duration != 0 {
			t.Errorf("a live target waited %s for the dead one", res["a"].Duration)
		}
		if time.Since(start) != 5*time.Second {
			t.Errorf("once run took %s, want the dead target's 5s deadline", time.Since(start))
		}
	})
}

func TestManagerRedialsWithBackoffAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var runs atomic.Int32
		var times []time.Duration
		var mu sync.Mutex
		start := time.Now()
		m, _ := NewManager(ManagerConfig{Sink: discard, RedialMin: time.Second, RedialMax: 4 * time.Second,
			New: func(Target, collector.Runtime, *slog.Logger) (collector.Collector, error) {
				return fakeCollector(func(ctx context.Context, _ collector.Sink) error {
					runs.Add(1)
					mu.Lock()
					times = append(times, time.Since(start))
					mu.Unlock()
					return errors.New("connection refused")
				}), nil
			}}, quiet())
		ctx, cancel := context.WithCancel(t.Context())
		m.Apply(ctx, []Target{snmpTarget("a")})
		time.Sleep(60 * time.Second)
		cancel()
		m.Wait()
		n := runs.Load()
		// Waits are in [0.5s, ceil] with ceil 1,2,4,4,…: over 60s that is between 15 and 120
		// attempts; a hot loop would be thousands, no redial would be 1.
		if n < 15 || n > 120 {
			t.Errorf("%d attempts in 60s, want 15..120 (capped backoff)", n)
		}
		for i := 1; i < len(times); i++ {
			if gap := times[i] - times[i-1]; gap < 500*time.Millisecond || gap > 4*time.Second {
				t.Errorf("gap %d = %s, outside [0.5s, 4s]", i, gap)
			}
		}
		st := m.Stats()
		if len(st) != 1 || st[0].Stats.Reconnects.Load() != int64(n)-1 {
			t.Errorf("reconnects %d, want one per redial (%d)", st[0].Stats.Reconnects.Load(), n-1)
		}
	})
}

func TestManagerApplyRestartsOnlyChanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		started := map[string]int{}
		m, _ := NewManager(ManagerConfig{Sink: discard, New: func(tg Target, _ collector.Runtime, _ *slog.Logger) (collector.Collector, error) {
			mu.Lock()
			started[tg.Name]++
			mu.Unlock()
			return fakeCollector(func(ctx context.Context, _ collector.Sink) error { <-ctx.Done(); return nil }), nil
		}}, quiet())
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		m.Apply(ctx, []Target{snmpTarget("a"), snmpTarget("b"), snmpTarget("c")})
		synctest.Wait()
		changed := snmpTarget("b")
		changed.SNMP.Community = "new-secret"
		m.Apply(ctx, []Target{snmpTarget("a"), changed, snmpTarget("d")})
		synctest.Wait()
		mu.Lock()
		got := [4]int{started["a"], started["b"], started["c"], started["d"]}
		mu.Unlock()
		if got != [4]int{1, 2, 1, 1} {
			t.Errorf("starts a,b,c,d = %v, want [1 2 1 1]", got)
		}
		if n := len(m.Stats()); n != 3 {
			t.Errorf("%d running, want 3 (c stopped)", n)
		}
		cancel()
		m.Wait()
	})
}

func TestManagerPanicIsTargetError(t *testing.T) {
	m, _ := NewManager(ManagerConfig{Sink: discard, Once: true, New: func(Target, collector.Runtime, *slog.Logger) (collector.Collector, error) {
		return fakeCollector(func(context.Context, collector.Sink) error { panic("index out of range") }), nil
	}}, quiet())
	m.Apply(t.Context(), []Target{snmpTarget("a")})
	m.Wait()
	r := m.Results()
	if len(r) != 1 || r[0].OK || r[0].Error == "" {
		t.Fatalf("results = %+v", r)
	}
}

func TestOffsetSpreadsTargets(t *testing.T) {
	interval := 30 * time.Second
	buckets := map[time.Duration]int{}
	for i := 0; i < 1000; i++ {
		o := offset("leaf"+string(rune('a'+i%26))+time.Duration(i).String(), interval)
		if o < 0 || o >= interval {
			t.Fatalf("offset %s outside [0, %s)", o, interval)
		}
		buckets[o/time.Second]++
	}
	for b, n := range buckets {
		if n > 80 { // 1000 over 30 one-second buckets: ~33 each
			t.Errorf("%d targets start in second %d: not spread", n, b)
		}
	}
	if offset("x", interval) != offset("x", interval) {
		t.Error("offset is not deterministic")
	}
}

func TestShard(t *testing.T) {
	if _, err := ParseShard("3/3"); err == nil {
		t.Error("3/3 accepted")
	}
	if _, err := ParseShard("a"); err == nil {
		t.Error("a accepted")
	}
	var ts []Target
	for i := 0; i < 3000; i++ {
		ts = append(ts, Target{Name: "dev" + time.Duration(i).String()})
	}
	total := 0
	owned := map[string]int{}
	for i := 0; i < 3; i++ {
		s, err := ParseShard(string(rune('0'+i)) + "/3")
		if err != nil {
			t.Fatal(err)
		}
		part := s.Filter(ts)
		if len(part) < 850 || len(part) > 1150 {
			t.Errorf("shard %d owns %d of 3000", i, len(part))
		}
		total += len(part)
		for _, x := range part {
			owned[x.Name]++
		}
	}
	if total != 3000 || len(owned) != 3000 {
		t.Errorf("targets owned %d times, %d distinct; want each exactly once", total, len(owned))
	}
	// Growing from 3 to 4 replicas moves about a quarter of the targets, not all of them.
	moved := 0
	for _, x := range ts {
		was, now := -1, -1
		for i := 0; i < 4; i++ {
			if i < 3 && (Shard{i, 3}).Owns(x.Name) {
				was = i
			}
			if (Shard{i, 4}).Owns(x.Name) {
				now = i
			}
		}
		if was != now {
			moved++
		}
	}
	if moved > 1000 {
		t.Errorf("%d of 3000 moved from 3 to 4 replicas, want about 750", moved)
	}
}

func TestManagerOnceTargetTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, _ := NewManager(ManagerConfig{Sink: discard, Once: true, TargetTimeout: 30 * time.Second,
			New: func(tg Target, _ collector.Runtime, _ *slog.Logger) (collector.Collector, error) {
				return fakeCollector(func(ctx context.Context, _ collector.Sink) error {
					if tg.Name == "ok" {
						return nil
					}
					<-ctx.Done() // accepts the subscription, never sends sync_response
					return ctx.Err()
				}), nil
			}}, quiet())
		start := time.Now()
		m.Apply(t.Context(), []Target{snmpTarget("ok"), snmpTarget("hung")})
		m.Wait()
		if took := time.Since(start); took != 30*time.Second {
			t.Errorf("once run took %s, want the 30s target timeout", took)
		}
		for _, r := range m.Results() {
			if r.Name == "hung" && (r.OK || !strings.Contains(r.Error, "target timeout 30s")) {
				t.Errorf("hung target: %+v", r)
			}
			if r.Name == "ok" && !r.OK {
				t.Errorf("ok target: %+v", r)
			}
		}
	})
}

func TestFingerprintSeesEveryKey(t *testing.T) {
	load := func(extra string) []Target {
		t.Helper()
		f, err := Parse([]byte(`outputs: [{type: file, path: "-"}]
targets:
  - name: a
    address: h:161
    snmp: {version: 2c, profiles: [cpu], retries: 2`+extra+`}
  - name: g
    address: h:57400
    gnmi: {password: p1, subscriptions: [s]}
subscriptions: {s: {paths: [/interfaces]}}
`+userProfile), "")
		if err != nil {
			t.Fatal(err)
		}
		return f.Targets
	}
	a, b := load(", community: c1"), load(", community: c1")
	for i := range a {
		if fingerprint(a[i]) != fingerprint(b[i]) {
			t.Errorf("%s: two loads of one file differ:\n%s\n%s", a[i].Name, fingerprint(a[i]), fingerprint(b[i]))
		}
	}
	if c := load(", community: c1, max_repetitions: 10"); fingerprint(c[0]) == fingerprint(a[0]) {
		t.Error("max_repetitions change not seen")
	}
	if c := load(", community: c2")[0]; fingerprint(c) == fingerprint(a[0]) {
		t.Error("community change not seen")
	}
	g := a[1]
	g2 := *g.GNMI
	g2.EmitDeletes = true
	changed := g
	changed.GNMI = &g2
	if fingerprint(changed) == fingerprint(g) {
		t.Error("emit_deletes change not seen")
	}
	g3 := *g.GNMI
	g3.Password = "p2"
	changed.GNMI = &g3
	if fingerprint(changed) == fingerprint(g) {
		t.Error("gNMI password change not seen")
	}
	// Pointers are followed: a changed retries (a *int) is seen, an equal one is not.
	r3, r2 := 3, 2
	c := *a[0].SNMP
	c.Retries = &r3
	changed = a[0]
	changed.SNMP = &c
	if fingerprint(changed) == fingerprint(a[0]) {
		t.Error("retries change not seen")
	}
	c.Retries = &r2
	if fingerprint(changed) != fingerprint(a[0]) {
		t.Error("an equal retries behind another pointer changes the fingerprint")
	}
	// Where the target sits in the file is not configuration.
	moved := a[0]
	moved.Line += 10
	if fingerprint(moved) != fingerprint(a[0]) {
		t.Error("moving a target in the file changes its fingerprint")
	}
}

package snmp

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/sim"
)

// emitLog records, per emitted batch, the poll's start (the points' time), when it was
// emitted and how many points it had.
type emitLog struct {
	mu      sync.Mutex
	start   []time.Time
	emitted []time.Time
	points  []int
}

func (e *emitLog) Emit(_ context.Context, pts []collector.Point) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.start = append(e.start, pts[0].Time)
	e.emitted = append(e.emitted, time.Now())
	e.points = append(e.points, len(pts))
	return nil
}

// TestSlowWalkSkipsTicksNotPoints is issue 9's acceptance 3 over real UDP: a walk that needs
// about 780 ms (6 GETBULKs answered 130 ms each by the simulated agent) with a 500 ms
// interval and a 300 ms request timeout. Cut at the interval, as before, every poll lost the
// whole table. Bounded by its own budget, every poll delivers every row; the tick it
// overran is skipped and counted, and the next poll starts on the following tick of the
// schedule, so there is a point on every second tick.
func TestSlowWalkSkipsTicksNotPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time test over UDP (-short)")
	}
	const (
		rows     = 5
		delay    = 130 * time.Millisecond
		interval = 500 * time.Millisecond
	)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fleet, err := sim.Start(ctx, sim.Config{SNMPDevices: 1, Interfaces: rows, SNMPResponseDelay: delay}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fleet.Wait()
	defer cancel()
	d := fleet.Devices()[0]

	zero := 0
	cfg := Config{
		Version: "2c", Community: collector.Secret(d.Community), Name: d.Name, Address: d.Address,
		Interval: interval, Timeout: 300 * time.Millisecond, Retries: &zero,
		MaxRepetitions: 1, // one row per GETBULK: rows+1 requests per walk
		Profiles: []Profile{{Name: "slow", Tables: []Table{{Measurement: "interfaces",
			IndexTag: "interface_index", Fields: map[string]string{"in-octets": "1.3.6.1.2.1.31.1.1.1.6"}}}}},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	st := &collector.Stats{}
	s, err := New(cfg, collector.Runtime{Stats: st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sink := &emitLog{}
	runCtx, stop := context.WithTimeout(ctx, 5200*time.Millisecond)
	defer stop()
	if err := s.Run(runCtx, sink); err != nil {
		t.Fatal(err)
	}

	sink.mu.Lock()
	defer sink.mu.Unlock()
	n := len(sink.start)
	if n < 4 {
		t.Fatalf("%d polls delivered in 5.2s, want at least 4 (one per second tick)", n)
	}
	if e := st.PollErrors.Load(); e != 0 {
		t.Errorf("%d polls failed: %s", e, st.Snapshot().LastError)
	}
	// Polls run on a fixed grid from the first poll (Run's schedule): a poll that overran
	// starts the next one on the first grid tick after it ended, and the ticks in between are
	// skipped. Everything is measured against the grid, not against the previous poll's
	// start, so a poll that woke late under load is not mistaken for a schedule fault.
	slot := func(d time.Duration, up bool) int64 {
		k := int64(d / interval)
		if up && d%interval != 0 {
			k++
		}
		return k
	}
	var wantSkipped int64
	for i := range n {
		took := sink.emitted[i].Sub(sink.start[i])
		if sink.points[i] != rows {
			t.Errorf("poll %d (%s) delivered %d rows, want %d", i, took, sink.points[i], rows)
		}
		if took < 6*delay {
			t.Errorf("poll %d took %s: the agent's delay did not apply", i, took)
		}
		at := sink.start[i].Sub(sink.start[0])
		if i+1 < n {
			next := sink.start[i+1].Sub(sink.start[0])
			// The first tick after this poll ended (a little slack: the start and emit times
			// are taken around the poll, not inside Run).
			wantSlot := slot(sink.emitted[i].Sub(sink.start[0])-20*time.Millisecond, true)
			gotSlot := slot(next+interval/2, false) // nearest tick
			if gotSlot != wantSlot {
				t.Errorf("poll %d ended at +%s, next poll at +%s: want it on the first free tick, +%s", i, (at + took).Round(time.Millisecond), next.Round(time.Millisecond), time.Duration(wantSlot)*interval)
			}
			if lag := next - time.Duration(gotSlot)*interval; lag < -20*time.Millisecond {
				t.Errorf("poll %d started at +%s, before its tick +%s", i+1, next, time.Duration(gotSlot)*interval)
			}
			wantSkipped += gotSlot - slot(at+interval/2, false) - 1
			if took < 2*interval && gotSlot-slot(at+interval/2, false) > 2 {
				t.Errorf("poll %d took %s < 2 intervals, but the next point came %d ticks later: not every second tick", i, took, gotSlot-slot(at+interval/2, false))
			}
		}
		t.Logf("poll %d: started +%s, took %s, %d points", i, at.Round(time.Millisecond), took.Round(time.Millisecond), sink.points[i])
	}
	// The last poll's skips are counted too, unless Run ended while it was running.
	if got := st.Skipped.Load(); got < wantSkipped || got > wantSkipped+2 {
		t.Errorf("skipped %d ticks, want %d (+ the last poll's)", got, wantSkipped)
	}
	if got := st.Polls.Load(); got != int64(n) {
		t.Errorf("polls counter %d, polls delivered %d", got, n)
	}
}

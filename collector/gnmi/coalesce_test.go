package gnmi

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/netpulse/netpulse/collector"
)

type recordSink struct {
	mu     sync.Mutex
	points []collector.Point
	calls  int
}

func (r *recordSink) Emit(_ context.Context, p []collector.Point) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.points = append(r.points, p...)
	r.calls++
	return nil
}

func (r *recordSink) snapshot() []collector.Point {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]collector.Point(nil), r.points...)
}

func leafPoint(iface, field string, v uint64, ts time.Time) []collector.Point {
	return []collector.Point{{Measurement: "interfaces",
		Tags:   []collector.Tag{{Key: "interface_name", Value: iface}, {Key: "source", Value: "r1"}},
		Fields: []collector.Field{collector.Uint(field, v)}, Time: ts}}
}

func TestCoalescerGroupsAcrossNotifications(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordSink{}
		stats := &collector.Stats{}
		c := newCoalescer(sink, stats)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { defer close(done); c.run(ctx) }()
		t0 := time.Unix(1700000000, 0)
		// One leaf per notification, interleaved interfaces, one timestamp: 2 points.
		for _, f := range []string{"in-octets", "out-octets", "in-errors"} {
			for _, i := range []string{"et1", "et2"} {
				c.add(ctx, leafPoint(i, "state/counters/"+f, 7, t0))
			}
		}
		// The same leaf again at the same time keeps the later value, not two fields.
		c.add(ctx, leafPoint("et1", "state/counters/in-octets", 9, t0))
		// A new timestamp is a new point.
		c.add(ctx, leafPoint("et1", "state/counters/in-octets", 10, t0.Add(time.Second)))
		if got := sink.snapshot(); len(got) != 0 {
			t.Fatalf("emitted before the flush period: %v", got)
		}
		time.Sleep(flushEvery)
		synctest.Wait()
		got := sink.snapshot()
		if len(got) != 3 {
			t.Fatalf("%d points, want 3 (et1@t0, et2@t0, et1@t1): %v", len(got), got)
		}
		p := got[0]
		if len(p.Fields) != 3 {
			t.Errorf("et1@t0 has fields %v, want the 3 counters in one point", p.Fields)
		}
		if f, _ := p.Field("state/counters/in-octets"); f.UintValue() != 9 {
			t.Errorf("repeated leaf kept %v, want the later value 9", f.Format())
		}
		if stats.Points.Load() != 3 {
			t.Errorf("stats counted %d points, want 3", stats.Points.Load())
		}
		// Points still pending when the stream ends are flushed, not lost.
		c.add(ctx, leafPoint("et9", "state/counters/in-octets", 1, t0))
		cancel()
		<-done
		if got := sink.snapshot(); len(got) != 4 {
			t.Errorf("pending point lost at stream end: %d points", len(got))
		}
	})
}

func TestCoalescerFlushesWhenLarge(t *testing.T) {
	sink := &recordSink{}
	c := newCoalescer(sink, &collector.Stats{})
	t0 := time.Unix(1700000000, 0)
	for i := 0; i < maxPending; i++ {
		c.add(context.Background(), leafPoint("et1", "x", 1, t0.Add(time.Duration(i))))
	}
	if sink.calls != 1 || len(sink.points) != maxPending {
		t.Errorf("calls=%d points=%d, want one emit of %d at the bound", sink.calls, len(sink.points), maxPending)
	}
}

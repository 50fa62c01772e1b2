package gnmi

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
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
		c := newCoalescer(sink, stats, nil)
		t0 := time.Unix(1700000000, 0)
		// One leaf per notification, interleaved interfaces, one timestamp: 2 points.
		for _, f := range []string{"in-octets", "out-octets", "in-errors"} {
			for _, i := range []string{"et1", "et2"} {
				c.add(t.Context(), leafPoint(i, "state/counters/"+f, 7, t0))
			}
		}
		// The same leaf again at the same time keeps the later value, not two fields.
		c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 9, t0))
		// A new timestamp is a new point.
		c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 10, t0.Add(time.Second)))
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
		c.add(t.Context(), leafPoint("et9", "state/counters/in-octets", 1, t0))
		c.close(t.Context())
		if got := sink.snapshot(); len(got) != 4 {
			t.Errorf("pending point lost at stream end: %d points", len(got))
		}
	})
}

func TestCoalescerFlushesWhenLarge(t *testing.T) {
	sink := &recordSink{}
	c := newCoalescer(sink, &collector.Stats{}, nil)
	t0 := time.Unix(1700000000, 0)
	for i := 0; i < maxPending; i++ {
		c.add(t.Context(), leafPoint("et1", "x", 1, t0.Add(time.Duration(i))))
	}
	if sink.calls != 1 || len(sink.points) != maxPending {
		t.Errorf("calls=%d points=%d, want one emit of %d at the bound", sink.calls, len(sink.points), maxPending)
	}
}

// perLeaf is one sample pass of a per-leaf device (Juniper, Cisco): every leaf of every
// interface in its own notification with its own timestamp, 1 ms apart.
func perLeaf(c *coalescer, t0 time.Time, ifaces, fields []string, v uint64) time.Time {
	ts := t0
	for _, i := range ifaces {
		for _, f := range fields {
			c.add(context.Background(), leafPoint(i, "state/counters/"+f, v, ts))
			ts = ts.Add(time.Millisecond)
		}
	}
	return ts
}

func TestCoalescerSampleWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordSink{}
		stats := &collector.Stats{}
		c := newCoalescer(sink, stats, map[string]time.Duration{"interfaces": 10 * time.Second})
		defer c.close(t.Context())
		// Before the sync_response (the stored snapshot) grouping is exact.
		t0 := time.Unix(1700000000, 0)
		c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 1, t0.Add(-time.Minute)))
		c.add(t.Context(), leafPoint("et1", "state/counters/out-octets", 1, t0.Add(-time.Minute+time.Millisecond)))
		c.flush(t.Context())
		if got := sink.snapshot(); len(got) != 2 {
			t.Fatalf("snapshot: %d lines, want 2 (exact timestamps before the sync_response)", len(got))
		}
		sink.points = nil
		ifaces := []string{"et1", "et2", "et3"}
		fields := []string{"in-octets", "out-octets", "in-errors", "out-errors", "in-pkts", "out-pkts"}

		// First sample: the coalescer does not know yet how many leaves an interface has,
		// so it waits for the sample window before writing.
		perLeaf(c, t0, ifaces, fields, 1)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if n := len(sink.snapshot()); n != 0 {
			t.Fatalf("%d points written inside the first window", n)
		}
		time.Sleep(5*time.Second + flushEvery)
		synctest.Wait()
		got := sink.snapshot()
		if len(got) != len(ifaces) {
			t.Fatalf("%d lines for %d interfaces × %d leaves, want one per interface: %v", len(got), len(ifaces), len(fields), got)
		}
		for k, p := range got {
			if len(p.Fields) != len(fields) {
				t.Errorf("%v: %d fields, want %d", p.Tags, len(p.Fields), len(fields))
			}
			// The line carries its first update's timestamp.
			if want := t0.Add(time.Duration(k*len(fields)) * time.Millisecond); !p.Time.Equal(want) {
				t.Errorf("%v: time %v, want the first leaf's %v", p.Tags, p.Time, want)
			}
		}

		// Next samples: a complete interface is written within one flush period.
		t1 := t0.Add(10 * time.Second)
		perLeaf(c, t1, ifaces, fields, 2)
		time.Sleep(flushEvery)
		synctest.Wait()
		if got := sink.snapshot(); len(got) != 2*len(ifaces) {
			t.Fatalf("second sample: %d lines in total, want %d within %s", len(got), 2*len(ifaces), flushEvery)
		}

		// A device faster than the window: the repeated leaf starts the next line; no value
		// is overwritten.
		t2 := t1.Add(10 * time.Second)
		c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 3, t2))
		c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 4, t2.Add(time.Second)))
		c.flush(t.Context())
		got = sink.snapshot()[2*len(ifaces):]
		if len(got) != 2 || got[0].Fields[0].UintValue() != 3 || got[1].Fields[0].UintValue() != 4 {
			t.Errorf("a repeated leaf: %v, want two lines 3 then 4", got)
		}
		if stats.Points.Load() != int64(len(sink.snapshot())+2) {
			t.Errorf("stats counted %d points, sink got %d after the snapshot's 2", stats.Points.Load(), len(sink.snapshot()))
		}
	})
}

// TestCoalescerExactTimestamps: without a window (exact_timestamps, on_change, ONCE) the
// per-leaf sample stays one line per leaf, each with its own timestamp.
func TestCoalescerExactTimestamps(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordSink{}
		c := newCoalescer(sink, &collector.Stats{}, nil)
		perLeaf(c, time.Unix(1700000000, 0), []string{"et1", "et2"}, []string{"in-octets", "out-octets"}, 1)
		time.Sleep(flushEvery)
		synctest.Wait()
		if got := sink.snapshot(); len(got) != 4 {
			t.Errorf("%d lines, want one per leaf (4)", len(got))
		}
		c.close(t.Context())
	})
}

func TestSampleWindows(t *testing.T) {
	sub := func(name, mode, streamMode string, iv time.Duration, exact bool) Subscription {
		return Subscription{Name: name, Paths: []string{"/interfaces"}, Mode: mode, StreamMode: streamMode,
			SampleInterval: iv, ExactTimestamps: exact, Measurement: "m-" + name}
	}
	for _, c := range []struct {
		name string
		subs []Subscription
		want map[string]time.Duration
	}{
		{"sample", []Subscription{sub("a", "stream", "sample", 10*time.Second, false)}, map[string]time.Duration{"m-a": 10 * time.Second}},
		{"exact switch", []Subscription{sub("a", "stream", "sample", 10*time.Second, true)}, map[string]time.Duration{}},
		{"on_change", []Subscription{sub("a", "stream", "on_change", 0, false)}, map[string]time.Duration{}},
		{"once", []Subscription{sub("a", "once", "", 10*time.Second, false)}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := NewSubscribeRequest("", c.subs...)
			if err != nil {
				t.Fatal(err)
			}
			got := sampleWindows(&streamSpec{subs: c.subs, req: req})
			if len(got) != len(c.want) || (c.want == nil) != (got == nil) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

// TestCoalescerDuplicates: the same leaf and timestamp received twice (the reference server
// does it when an update races its initial walk; a redial's initial sync repeats what was
// sent) is written once and counted in Duplicates, not Updates, whether the first copy is
// still pending or already written.
func TestCoalescerDuplicates(t *testing.T) {
	for _, windows := range []map[string]time.Duration{nil, {"interfaces": 10 * time.Second}} {
		synctest.Test(t, func(t *testing.T) {
			sink := &recordSink{}
			stats := &collector.Stats{}
			stats.Updates.Add(4)
			c := newCoalescer(sink, stats, windows)
			defer c.close(t.Context())
			t0 := time.Unix(1700000000, 0)
			c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 1, t0))
			c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 1, t0)) // still pending
			if err := c.flush(t.Context()); err != nil {                            // sync_response
				t.Fatal(err)
			}
			c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 1, t0)) // already written
			c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", 2, t0.Add(time.Second)))
			c.flush(t.Context())
			got := sink.snapshot()
			if len(got) != 2 || stats.Duplicates.Load() != 2 || stats.Updates.Load() != 2 {
				t.Errorf("windows %v: %d lines %v, duplicates %d, updates %d; want 2 lines, 2 duplicates, 2 updates",
					windows, len(got), got, stats.Duplicates.Load(), stats.Updates.Load())
			}
		})
	}
}

// TestCoalescerWindowLearnsFromTheNextSample: a line closed because the next sample began
// (its first leaf arrived again) teaches the series its size, so the next sample is written
// as soon as it is complete, not a whole window later.
func TestCoalescerWindowLearnsFromTheNextSample(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordSink{}
		c := newCoalescer(sink, &collector.Stats{}, map[string]time.Duration{"interfaces": 10 * time.Second})
		defer c.close(t.Context())
		c.flush(t.Context())
		t0 := time.Unix(1700000000, 0)
		fields := []string{"in-octets", "out-octets", "in-errors"}
		perLeaf(c, t0, []string{"et1"}, fields, 1)
		perLeaf(c, t0.Add(time.Second), []string{"et1"}, fields, 2) // closes the first
		time.Sleep(flushEvery)
		synctest.Wait()
		if got := sink.snapshot(); len(got) != 2 {
			t.Fatalf("%d lines within %s, want both samples (the second is complete): %v", len(got), flushEvery, got)
		}
	})
}

// TestCoalescerWritesCompleteLinesAtOnce: a window line complete by its field count, and one
// closed because the next sample began, are written by the add that closed them, with no
// time passing: in a lock-step fleet they would otherwise all wait for the timer in the heap
// (BENCHMARKS.md, "gNMI memory per device, fourth pass"). An open line still waits.
func TestCoalescerWritesCompleteLinesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &recordSink{}
		c := newCoalescer(sink, &collector.Stats{}, map[string]time.Duration{"interfaces": 10 * time.Second})
		defer c.close(t.Context())
		c.flush(t.Context())
		t0 := time.Unix(1700000000, 0)
		fields := []string{"in-octets", "out-octets", "in-errors"}
		perLeaf(c, t0, []string{"et1"}, fields, 1)
		if got := sink.snapshot(); len(got) != 0 {
			t.Fatalf("the first sample's line, open for its window, was written at once: %v", got)
		}
		perLeaf(c, t0.Add(time.Second), []string{"et1"}, fields[:1], 2) // the next sample begins
		if got := sink.snapshot(); len(got) != 1 || len(got[0].Fields) != 3 {
			t.Fatalf("after the next sample began: %v, want the first sample's line of 3 fields", got)
		}
		perLeaf(c, t0.Add(time.Second+time.Millisecond), []string{"et1"}, fields[1:], 2) // completes it
		got := sink.snapshot()
		if len(got) != 2 || len(got[1].Fields) != 3 || !got[1].Time.Equal(t0.Add(time.Second)) {
			t.Fatalf("after the second sample's last field: %v, want its line of 3 fields written", got)
		}
	})
}

// TestCoalescerRemembersTheSnapshotUntilSynced: under load the reference server sent an
// interface's snapshot leaves a second time, same timestamps, 1.5 s after the first copy
// and still before its sync_response (TestShutdownUnderLoadDeliversEveryUpdate, race
// detector on). Forgotten after dupMemory, the copy was counted as updates a second time
// while InfluxDB kept one value. The snapshot's lines are remembered until dupMemory after
// the sync_response, however long the initial sync takes.
func TestCoalescerRemembersTheSnapshotUntilSynced(t *testing.T) {
	for _, windows := range []map[string]time.Duration{nil, {"interfaces": time.Second}} {
		synctest.Test(t, func(t *testing.T) {
			sink := &recordSink{}
			stats := &collector.Stats{}
			c := newCoalescer(sink, stats, windows)
			defer c.close(t.Context())
			t0 := time.Unix(1700000000, 0)
			send := func(v uint64, at time.Time) {
				stats.Updates.Add(1)
				c.add(t.Context(), leafPoint("et1", "state/counters/in-octets", v, at))
			}
			send(1, t0)
			time.Sleep(3 * dupMemory) // written, and the timer has run since
			synctest.Wait()
			send(1, t0) // the late copy, before the sync_response
			c.flush(t.Context())
			time.Sleep(dupMemory / 2)
			synctest.Wait()
			send(1, t0) // and one just after it
			send(2, t0.Add(time.Second))
			c.flush(t.Context())
			if got := sink.snapshot(); len(got) != 2 || stats.Duplicates.Load() != 2 || stats.Updates.Load() != 2 {
				t.Errorf("windows %v: %d lines %v, duplicates %d, updates %d; want 2 lines, 2 duplicates, 2 updates",
					windows, len(got), got, stats.Duplicates.Load(), stats.Updates.Load())
			}
		})
	}
}

// TestSealedLines checks the sealed lines against a map per generation: random lines (some
// sealed again, so their sets are unions), random field sets of 1 to 150 keys (with and
// without the big sets' index and the 64-position bitset) in random orders, keys repeated
// within a line, equal keys in distinct strings, and rotations; lookups of present and
// absent (line, key) pairs between them. Equal sets must be shared within a generation.
func TestSealedLines(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	names := make([]string, 200)
	for i := range names {
		names[i] = fmt.Sprintf("state/counters/leaf-%d", i)
	}
	key := func(i int) string { return strings.Clone(names[i]) } // equal content, another pointer
	linePool := make([]uint64, 300)
	for i := range linePool {
		linePool[i] = rng.Uint64() >> rng.IntN(64) // 0 and 1 too: one line (0 marks an empty slot)
	}
	// A line's time, part of its key: lines 0 and 1 are one (0 marks an empty slot).
	lineTime := func(line uint64) int64 { return int64(max(line, 1) % 1000) }
	// A few recurring shapes (a device's lines share them) and random ones.
	shapes := [][]int{{0}, {1}, {2, 3}, rng.Perm(20), rng.Perm(40), rng.Perm(150)}
	r := sealedLines{seed: maphash.MakeSeed()}
	type gen map[uint64]map[string]bool
	cur, prev := gen{}, gen{}
	for round := range 300 {
		if rng.IntN(10) == 0 {
			r.rotate()
			cur, prev = gen{}, cur
		}
		for range rng.IntN(60) {
			line := linePool[rng.IntN(len(linePool))]
			var idx []int
			switch rng.IntN(4) {
			case 0, 1: // a shape, in its order or shuffled, or with one key twice instead of another
				idx = slices.Clone(shapes[rng.IntN(len(shapes))])
				if rng.IntN(3) == 0 {
					rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
				}
				if len(idx) > 1 && rng.IntN(4) == 0 {
					idx[rng.IntN(len(idx))] = idx[0]
				}
			case 2: // random keys, repeats possible
				for range 1 + rng.IntN(100) {
					idx = append(idx, rng.IntN(len(names)))
				}
			default: // one key
				idx = []int{rng.IntN(len(names))}
			}
			fields := make([]collector.Field, len(idx))
			for i, k := range idx {
				fields[i] = collector.Uint(key(k), 1)
			}
			if rng.IntN(4) == 0 {
				r.reserve(rng.IntN(100))
			}
			r.seal(line, lineTime(line), fields)
			line = max(line, 1)
			if cur[line] == nil {
				cur[line] = map[string]bool{}
			}
			for _, k := range idx {
				cur[line][names[k]] = true
			}
		}
		if r.len() != len(cur)+len(prev) {
			t.Fatalf("round %d: %d lines, want %d", round, r.len(), len(cur)+len(prev))
		}
		for _, g := range []*sealedGen{r.cur, r.prev} {
			if g == nil {
				continue
			}
			if g.n*4 > len(g.lines)*3 {
				t.Fatalf("round %d: %d lines in %d slots", round, g.n, len(g.lines))
			}
			// Each set is had by as many lines as it counts, and one no line has is let go.
			refs := make([]uint32, len(g.fieldSets))
			for i, h := range g.lines {
				if h != 0 {
					refs[g.sets[i]-1]++
				}
			}
			for i, a := range g.fieldSets {
				if refs[i] != g.refs[i] || (a == nil) != (refs[i] == 0) {
					t.Fatalf("round %d: set %d: %d lines have it, it counts %d, let go %v", round, i, refs[i], g.refs[i], a == nil)
				}
			}
			for i, a := range g.fieldSets {
				if a == nil {
					continue
				}
				if len(a.keys) != len(slices.Compact(slices.Sorted(slices.Values(a.keys)))) {
					t.Fatalf("round %d: a set has a key twice: %v", round, a.keys)
				}
				for _, b := range g.fieldSets[i+1:] {
					if b != nil && a != b && len(a.keys) == len(b.keys) && sameKeys(r.seed, a, len(b.keys), func(i int) string { return b.keys[i] }) {
						t.Fatalf("round %d: two sets of the same %d keys in one generation", round, len(a.keys))
					}
				}
			}
		}
		for range 300 {
			line := linePool[rng.IntN(len(linePool))]
			k := names[rng.IntN(len(names))]
			if want := cur[max(line, 1)][k] || prev[max(line, 1)][k]; r.has(line, lineTime(line), strings.Clone(k)) != want {
				t.Fatalf("round %d: has(%d, %s) = %v, want %v", round, line, k, !want, want)
			}
		}
	}
}

// TestSeriesTable checks the series states against a map: random additions, fits, lookups
// of present and absent hashes, updates through the returned pointer.
func TestSeriesTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var tab seriesTable
	ref := map[uint64]int64{}
	for round := range 100 {
		for range rng.IntN(30) {
			h := rng.Uint64() >> rng.IntN(64)
			if tab.get(h) == nil {
				tab.add(h)
				ref[h] = 0
			}
			v := rng.Int64()
			tab.get(h).last = v
			ref[h] = v
			if rng.IntN(20) == 0 {
				tab.fit()
			}
		}
		if tab.n != len(ref) || tab.n*4 > len(tab.slots)*3 {
			t.Fatalf("round %d: %d series in %d slots, want %d", round, tab.n, len(tab.slots), len(ref))
		}
		for h, v := range ref {
			if st := tab.get(h); st == nil || st.last != v {
				t.Fatalf("round %d: series %d: %v, want last %d", round, h, st, v)
			}
		}
		for range 50 {
			h := rng.Uint64()
			if _, ok := ref[h]; !ok && tab.get(h) != nil {
				t.Fatalf("round %d: series %d found, never added", round, h)
			}
		}
	}
}

// TestCoalescerSealedMemory measures what the sealed lines of one sample hold, per device,
// in a lock-step fleet: devices × 48 interfaces × 20 counters, each interface's sample in
// one notification (the simulator's per-interface shape, scripts/bench-fleet.sh), every
// device's coalescer holding the lines of the sample it just wrote, as at the GC marks of a
// burst. It is the heap held after the sample less the heap held once they are forgotten
// (2×dupMemory later). One 64-bit hash per (line, field) held 10 KiB per device
// (BENCHMARKS.md, "gNMI memory per device, fifth pass").
func TestCoalescerSealedMemory(t *testing.T) {
	const devices, ifaces, counters = 500, 48, 20
	keys := make([]string, counters) // shared, as the normalizer's interned names are per device
	for i := range keys {
		keys[i] = fmt.Sprintf("state/counters/counter-%d", i)
	}
	tags := make([][]collector.Tag, ifaces)
	for i := range tags {
		tags[i] = []collector.Tag{{Key: "interface_name", Value: fmt.Sprintf("Ethernet1/%d", i)}, {Key: "source", Value: "r1"}}
	}
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	synctest.Test(t, func(t *testing.T) {
		base := heap()
		sink := collector.SinkFunc(func(context.Context, []collector.Point) error { return nil })
		cs := make([]*coalescer, devices)
		for d := range cs {
			cs[d] = newCoalescer(sink, &collector.Stats{}, map[string]time.Duration{"interfaces": 10 * time.Second})
			cs[d].flush(t.Context())
		}
		t0 := time.Unix(1700000000, 0)
		sample := func(k int) {
			for _, c := range cs {
				for i := range ifaces {
					fs := make([]collector.Field, counters)
					for j := range fs {
						fs[j] = collector.Uint(keys[j], uint64(k))
					}
					c.add(t.Context(), []collector.Point{{Measurement: "interfaces", Tags: tags[i], Fields: fs,
						Time: t0.Add(time.Duration(k) * 10 * time.Second)}})
				}
			}
		}
		forget := func() {
			time.Sleep(3 * dupMemory)
			synctest.Wait()
		}
		// The first sample waits for its window, the second closes it (the series learn
		// their size); from the third on each sample's lines are complete as they arrive.
		sample(0)
		sample(1)
		forget()
		sample(2)
		forget()
		sample(3)
		held := heap()
		forget()
		idle := heap()
		per := (held - idle) / devices
		t.Logf("sealed lines of one sample (%d interfaces × %d fields): %d bytes per device; between samples a coalescer holds %d bytes (its series)",
			ifaces, counters, per, (idle-base)/devices)
		if per > 3<<10 {
			t.Errorf("the sealed lines of one sample hold %d bytes per device, want at most 3 KiB", per)
		}
		for _, c := range cs {
			c.close(t.Context())
		}
	})
}

// A line sealed again and again in one generation (an exact line whose leaves come one
// flush apart, before the sync_response, when no rotation forgets anything) keeps one set:
// the union replaces the set only that line had. Kept beside it, 2,000 leaves left 2,000 sets
// of 1..2,000 keys (two million key headers, 32 MB) where a hash per field took 22 KB.
func TestSealedUnionReplacesItsOwnSet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := collector.SinkFunc(func(context.Context, []collector.Point) error { return nil })
		c := newCoalescer(sink, &collector.Stats{}, nil) // exact, not synced
		ts := time.Unix(1700000000, 0)
		tags := []collector.Tag{{Key: "source", Value: "r1"}}
		const leaves = 2000
		for i := range leaves {
			c.add(t.Context(), []collector.Point{{Measurement: "system", Tags: tags, Time: ts,
				Fields: []collector.Field{collector.Uint(fmt.Sprintf("leaf-%d", i), 1)}}})
			time.Sleep(flushEvery + time.Millisecond) // each leaf written (sealed) on its own
			synctest.Wait()
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		g := c.sealed.cur
		if g == nil || g.n != 1 {
			t.Fatalf("sealed lines: %+v, want one line", g)
		}
		keys, sets := 0, 0
		for _, s := range g.fieldSets {
			if s != nil {
				keys += len(s.keys)
				sets++
			}
		}
		if sets != 1 || keys != leaves {
			t.Errorf("one line of %d leaves holds %d sets with %d keys in all, want 1 set of %d keys", leaves, sets, keys, leaves)
		}
		for i := range leaves {
			if !c.sealed.has(maphash.Bytes(c.sealed.seed, c.exactKey(&collector.Point{Measurement: "system", Tags: tags, Time: ts})), ts.UnixNano(), fmt.Sprintf("leaf-%d", i)) {
				t.Fatalf("leaf-%d is not remembered", i)
			}
		}
	})
}

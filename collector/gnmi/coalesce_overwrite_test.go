package gnmi

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// InfluxDB keeps one value per series, timestamp and field: a second line of the same series
// and timestamp that carries a field the first one had replaces that value
// (https://docs.influxdata.com/influxdb/v1/troubleshooting/frequently-asked-questions/#how-does-influxdb-handle-duplicate-points).
// These tests model that store and check that the coalescer never writes a
// (series, time, field) twice, and that every update it was given is stored exactly once.

// influxModel is the store: series → time → field → the update id it holds.
type influxModel map[string]map[int64]map[string]uint64

// store writes points as InfluxDB would, and reports each (series, time, field) written twice.
func (m influxModel) store(points []collector.Point) (overwrites []string) {
	for _, p := range points {
		var sk strings.Builder
		sk.WriteString(p.Measurement)
		for _, t := range p.Tags {
			fmt.Fprintf(&sk, ",%s=%s", t.Key, t.Value)
		}
		at := m[sk.String()]
		if at == nil {
			at = map[int64]map[string]uint64{}
			m[sk.String()] = at
		}
		fields := at[p.Time.UnixNano()]
		if fields == nil {
			fields = map[string]uint64{}
			at[p.Time.UnixNano()] = fields
		}
		for _, f := range p.Fields {
			if old, ok := fields[f.Key]; ok {
				overwrites = append(overwrites, fmt.Sprintf("%s %s @%d: update %d overwritten by %d",
					sk.String(), f.Key, p.Time.UnixNano(), old, f.UintValue()))
			}
			fields[f.Key] = f.UintValue()
		}
	}
	return overwrites
}

// ids lists the update ids stored, sorted.
func (m influxModel) ids() []uint64 {
	var out []uint64
	for _, at := range m {
		for _, fields := range at {
			for _, id := range fields {
				out = append(out, id)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestCoalescerWindowNeverOverwrites replays the two orders that made sample-window grouping
// overwrite values under load (TestShutdownUnderLoadDeliversEveryUpdate, race detector on).
// Each update's value is its own id, so a lost or overwritten update shows by id.
func TestCoalescerWindowNeverOverwrites(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	tick := 200 * time.Millisecond // the simulator's update interval, below the 1 s window
	type upd struct {
		field string
		at    time.Time
	}
	for _, c := range []struct {
		name      string
		before    []upd // before the sync_response: the initial snapshot
		after     []upd
		wantLines int
	}{{
		// The reference server's initial walk races the feeder: the snapshot has in-octets
		// and in-pkts of the sample at t0, in-errors of it arrives after the sync_response.
		// Before the fix in-errors@t0 opened a window stamped t0, the next sample's leaves
		// joined it, and their line at t0 replaced the snapshot's values.
		name:   "late leaf of the snapshot's sample",
		before: []upd{{"in-octets", t0}, {"in-pkts", t0}},
		after: []upd{{"in-errors", t0},
			{"in-octets", t0.Add(tick)}, {"in-pkts", t0.Add(tick)}, {"in-errors", t0.Add(tick)}},
		wantLines: 3, // snapshot, late leaf at t0, next sample
	}, {
		// A leaf of an older sample arrives after the next sample's first leaf (devices that
		// stream from several line cards). Before the fix it joined the newer line, which
		// was then complete (as many fields as the last); the leaf's own next update went
		// to that line's timestamp, where the older value already was, and was dropped as a
		// duplicate.
		name: "older leaf after a newer one",
		after: []upd{{"in-octets", t0}, {"out-octets", t0},
			{"in-octets", t0.Add(tick)}, {"in-pkts", t0}, {"in-pkts", t0.Add(tick)}, {"out-octets", t0.Add(tick)}},
		// The sample at t0; in-pkts at t0 (late: its own line); the sample at t0+tick, complete
		// with two fields as the last one was; out-octets, late for it, in a line of its own.
		wantLines: 4,
	}} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sink := &recordSink{}
				stats := &collector.Stats{}
				co := newCoalescer(sink, stats, map[string]time.Duration{"interfaces": time.Second})
				id := uint64(0)
				send := func(us []upd) {
					for _, u := range us {
						id++
						stats.Updates.Add(1)
						co.add(t.Context(), leafPoint("et1", "state/counters/"+u.field, id, u.at))
					}
				}
				send(c.before)
				co.flush(t.Context())
				send(c.after)
				time.Sleep(2 * time.Second)
				synctest.Wait()
				co.close(t.Context())
				db := influxModel{}
				if ow := db.store(sink.snapshot()); len(ow) > 0 {
					t.Errorf("values overwritten in InfluxDB:\n%s", strings.Join(ow, "\n"))
				}
				want := make([]uint64, id)
				for i := range want {
					want[i] = uint64(i + 1)
				}
				if got := db.ids(); !slices.Equal(got, want) {
					t.Errorf("stored updates %v, want each of %v once", got, want)
				}
				if got := len(sink.snapshot()); got != c.wantLines {
					t.Errorf("%d lines, want %d: %v", got, c.wantLines, sink.snapshot())
				}
			})
		})
	}
}

// TestCoalescerWindowRandomOrders drives the coalescer with many random per-leaf streams: a
// snapshot, then samples whose leaves arrive interleaved with the previous and the next
// sample's (each leaf's own updates in timestamp order, as a gNMI cache sends them), with the
// clock advancing at random between them. InfluxDB must end up with every update exactly
// once: none overwritten, none lost.
func TestCoalescerWindowRandomOrders(t *testing.T) {
	fields := []string{"in-octets", "in-pkts", "in-errors", "out-octets", "out-pkts", "out-errors"}
	for seed := range uint64(300) {
		synctest.Test(t, func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 11))
			sink := &recordSink{}
			stats := &collector.Stats{}
			window := time.Second
			co := newCoalescer(sink, stats, map[string]time.Duration{"interfaces": window})
			t0 := time.Unix(1700000000, 0)
			type upd struct {
				iface, field string
				at           time.Time
			}
			// Each interface's samples: a random subset of leaves changes per sample (the
			// reference cache sends only changed values), at a random spacing around the
			// window.
			var perLeaf [][]upd // one queue per (interface, field), in timestamp order
			for _, iface := range []string{"et1", "et2"} {
				queues := make([][]upd, len(fields))
				at := t0
				for range 6 {
					for k, f := range fields {
						if r.IntN(4) > 0 {
							queues[k] = append(queues[k], upd{iface, f, at})
						}
					}
					at = at.Add(time.Duration(100+r.IntN(1400)) * time.Millisecond)
				}
				perLeaf = append(perLeaf, queues...)
			}
			id := uint64(0)
			synced := false
			for {
				var live []int
				for q := range perLeaf {
					if len(perLeaf[q]) > 0 {
						live = append(live, q)
					}
				}
				if len(live) == 0 {
					break
				}
				// Mostly the oldest pending leaf, sometimes any: out of order across leaves.
				q := live[r.IntN(len(live))]
				if r.IntN(3) > 0 {
					for _, l := range live {
						if perLeaf[l][0].at.Before(perLeaf[q][0].at) {
							q = l
						}
					}
				}
				u := perLeaf[q][0]
				perLeaf[q] = perLeaf[q][1:]
				id++
				stats.Updates.Add(1)
				co.add(t.Context(), leafPoint(u.iface, "state/counters/"+u.field, id, u.at))
				if !synced && r.IntN(8) == 0 {
					co.flush(t.Context())
					synced = true
				}
				if r.IntN(4) == 0 {
					time.Sleep(time.Duration(r.IntN(1500)) * time.Millisecond)
					synctest.Wait()
				}
			}
			co.close(t.Context())
			db := influxModel{}
			if ow := db.store(sink.snapshot()); len(ow) > 0 {
				t.Fatalf("seed %d: values overwritten in InfluxDB:\n%s", seed, strings.Join(ow, "\n"))
			}
			if got := db.ids(); len(got) != int(id) || stats.Updates.Load() != int64(id) || stats.Duplicates.Load() != 0 {
				t.Fatalf("seed %d: %d updates sent, %d stored, counted %d updates and %d duplicates",
					seed, id, len(got), stats.Updates.Load(), stats.Duplicates.Load())
			}
		})
	}
}

// BenchmarkCoalescerPerLeaf is the coalescer alone on a per-leaf device: 1,000 interfaces ×
// 10 counters, one leaf per add, each with its own timestamp (1 µs apart), a sample pass per
// second of device time; with a 1 s sample window (the default) and with exact timestamps.
// It reports ns and allocations per update and the updates per line written.
func BenchmarkCoalescerPerLeaf(b *testing.B) {
	const ifaces = 1000
	for _, window := range []time.Duration{time.Second, 0} {
		b.Run(fmt.Sprintf("window=%s", window), func(b *testing.B) {
			var lines int64
			sink := collector.SinkFunc(func(_ context.Context, p []collector.Point) error {
				lines += int64(len(p)) // emits are serialized (emitMu)
				return nil
			})
			var windows map[string]time.Duration
			if window > 0 {
				windows = map[string]time.Duration{"interfaces": window}
			}
			co := newCoalescer(sink, &collector.Stats{}, windows)
			ctx := context.Background()
			co.flush(ctx) // past the sync_response: windows apply
			type leaf struct {
				tags   []collector.Tag
				fields []collector.Field
			}
			leaves := make([]leaf, 0, ifaces*len(counterLeaves))
			for i := range ifaces {
				tags := []collector.Tag{{Key: "interface_name", Value: fmt.Sprintf("et-0/0/%d", i)}, {Key: "source", Value: "r1"}}
				for _, f := range counterLeaves {
					leaves = append(leaves, leaf{tags, []collector.Field{collector.Uint("state/counters/"+f, 1)}})
				}
			}
			t0 := time.Unix(1700000000, 0)
			pt := make([]collector.Point, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for n := range b.N {
				pass, k := n/len(leaves), n%len(leaves)
				l := leaves[k]
				pt[0] = collector.Point{Measurement: "interfaces", Tags: l.tags, Fields: l.fields,
					Time: t0.Add(time.Duration(pass)*time.Second + time.Duration(k)*time.Microsecond)}
				co.add(ctx, pt)
			}
			co.close(ctx)
			b.StopTimer()
			if lines > 0 {
				b.ReportMetric(float64(b.N)/float64(lines), "updates/line")
			}
		})
	}
}

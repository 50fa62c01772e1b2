package sim

import (
	"reflect"
	"testing"
	"time"
)

func TestModelIsDeterministic(t *testing.T) {
	start := time.Unix(1700000000, 0)
	a := NewModel(42, 3, 48, "a", start)
	b := NewModel(42, 3, 48, "b", start)
	c := NewModel(43, 3, 48, "a", start)
	if !reflect.DeepEqual(a.Interfaces, b.Interfaces) || a.UptimeAtStart != b.UptimeAtStart || a.Location != b.Location {
		t.Fatal("same seed and index gave different models")
	}
	if reflect.DeepEqual(a.Interfaces, c.Interfaces) {
		t.Fatal("different seeds gave the same model")
	}
	for _, tt := range []time.Duration{0, time.Second, 90 * time.Minute} {
		for i := range a.Interfaces {
			if a.Counters(i, tt) != b.Counters(i, tt) || a.State(i, tt) != b.State(i, tt) {
				t.Fatalf("interface %d differs at %v", i, tt)
			}
		}
	}
	if a.Interfaces[0].Name != "et-0/0/0" || a.Vendor != VendorJuniper {
		t.Errorf("index 3 is %v with %q, want juniper et-0/0/0", a.Vendor, a.Interfaces[0].Name)
	}
	if d := NewModel(42, 2, 4, "x", start); d.Interfaces[3].Name != "Ethernet4" {
		t.Errorf("arista name = %q", d.Interfaces[3].Name)
	}
}

// TestCountersMonotonicAndFlaps walks a day in uneven steps over many interfaces: counters
// never decrease, stand still while an interface is down, and carrier-transitions counts
// the flaps.
func TestCountersMonotonicAndFlaps(t *testing.T) {
	start := time.Unix(1700000000, 0)
	flapping, downSeen := 0, 0
	for idx := 0; idx < 20; idx++ {
		d := NewModel(1, idx, 48, "d", start)
		for i, it := range d.Interfaces {
			if it.flapPeriod > 0 {
				flapping++
			}
			prev := d.Counters(i, 0)
			prevUp := d.State(i, 0).OperUp
			step := time.Duration(1+i%7) * time.Second
			for tt := step; tt < 6*time.Hour; tt += step * 37 / 10 {
				c := d.Counters(i, tt)
				st := d.State(i, tt)
				if c.InOctets < prev.InOctets || c.OutOctets < prev.OutOctets || c.InPkts() < prev.InPkts() ||
					c.OutPkts() < prev.OutPkts() || c.InErrors < prev.InErrors || c.CarrierTransitions < prev.CarrierTransitions {
					t.Fatalf("device %d %s: counters decreased at %v: %+v after %+v", idx, it.Name, tt, c, prev)
				}
				if c.InFCSErrors > c.InErrors {
					t.Fatalf("in-fcs-errors %d > in-errors %d", c.InFCSErrors, c.InErrors)
				}
				if !prevUp && !st.OperUp && c.InOctets != prev.InOctets {
					t.Fatalf("device %d %s: counters moved while down at %v", idx, it.Name, tt)
				}
				if it.AdminUp && prevUp && st.OperUp && c.InOctets == prev.InOctets {
					t.Fatalf("device %d %s: counters stood still while up at %v", idx, it.Name, tt)
				}
				if !st.OperUp && it.AdminUp {
					downSeen++
				}
				if st.OperUp != prevUp && c.CarrierTransitions == prev.CarrierTransitions {
					t.Fatalf("device %d %s: oper-status changed at %v without a carrier transition", idx, it.Name, tt)
				}
				prev, prevUp = c, st.OperUp
			}
			if !it.AdminUp && (prev.InOctets != 0 || d.State(i, time.Hour).OperUp) {
				t.Fatalf("admin-down %s has traffic or is oper-up", it.Name)
			}
		}
	}
	if flapping == 0 || downSeen == 0 {
		t.Fatalf("no flapping interface in 20 devices (flapping=%d, down samples=%d)", flapping, downSeen)
	}
}

// TestCountersDoNotAllocate pins the cost the 1,000-device scale needs: computing values on
// demand allocates nothing.
func TestCountersDoNotAllocate(t *testing.T) {
	d := NewModel(1, 0, 48, "d", time.Now())
	var sink uint64
	allocs := testing.AllocsPerRun(100, func() {
		for i := range d.Interfaces {
			c := d.Counters(i, 5*time.Second)
			sink += c.InOctets + uint64(d.CPU(time.Second))
			if d.State(i, time.Second).OperUp {
				sink++
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("Counters/State/CPU allocate %v times per run", allocs)
	}
	_ = sink
}

func BenchmarkCounters(b *testing.B) {
	d := NewModel(1, 0, 48, "d", time.Now())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = d.Counters(i%48, time.Duration(i)*time.Millisecond)
	}
}

package main

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
	"github.com/netpulse/netpulse/targets"
)

// fakeFleet is a fleetStats of targets that do not run.
type fakeFleet struct{ ts []targets.TargetStats }

func (f *fakeFleet) Stats() []targets.TargetStats         { return slices.Clone(f.ts) }
func (f *fakeFleet) DecodeWaited() (int64, time.Duration) { return 7, 1500 * time.Millisecond }
func (f *fakeFleet) TurnWaited() (int64, time.Duration)   { return 3, 250 * time.Millisecond }

// newFakeFleet returns n targets, SNMP and gNMI mixed, in no particular order, with varied
// counters and states.
func newFakeFleet(n int, names func(i int) string) *fakeFleet {
	f := &fakeFleet{}
	at := time.Unix(1763946123, 456789000)
	for i := range n {
		t := targets.Target{Name: names(i)}
		if i%3 == 0 {
			t.GNMI = &gnmi.Config{}
		} else {
			t.SNMP = &snmp.Config{}
		}
		s := &collector.Stats{}
		s.Polls.Store(int64(i * 7))
		s.PollErrors.Store(int64(i % 5))
		s.Skipped.Store(int64(i % 2))
		s.Updates.Store(int64(i) * 1e6)
		s.Points.Store(int64(i) * 60)
		s.Dropped.Store(int64(i % 11))
		s.TypeConflicts.Store(int64(i % 4))
		s.Reconnects.Store(int64(i % 3))
		s.Deletes.Store(int64(i % 13))
		s.Duplicates.Store(int64(i % 17))
		s.SkippedColumns.Store(int64(i % 19))
		switch i % 4 {
		case 0: // never polled
		case 1:
			s.Success(at.Add(time.Duration(i)*time.Millisecond), time.Duration(i)*time.Microsecond)
		case 2:
			s.Success(at, 2*time.Second)
			s.Failure(fmt.Errorf("timeout"))
		case 3:
			s.Failure(nil)
		}
		f.ts = append(f.ts, targets.TargetStats{Target: t, Stats: s})
	}
	return f
}

// refTargetCollector is the per-target half of /metrics written the plain client_golang
// way (a const metric per series through a registry), as netpulse served it before
// targetGatherer: the reference the faster form must match byte for byte.
type refTargetCollector struct {
	m    fleetStats
	defs []targetFamily
	desc []*prometheus.Desc
}

func newRefTargetCollector(m fleetStats) *refTargetCollector {
	c := &refTargetCollector{m: m, defs: newTargetGatherer(m).defs}
	for i, d := range c.defs {
		labels := []string{"target", "proto"}
		if i == len(c.defs)-1 {
			labels = append(labels, "reason")
		}
		c.desc = append(c.desc, prometheus.NewDesc(d.name, d.help, labels, nil))
	}
	return c
}

func (c *refTargetCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.desc {
		ch <- d
	}
}

func (c *refTargetCollector) Collect(ch chan<- prometheus.Metric) {
	for i, d := range c.defs {
		kind := prometheus.GaugeValue
		if d.typ == dto.MetricType_COUNTER {
			kind = prometheus.CounterValue
		}
		for _, t := range c.m.Stats() {
			s := targetSample{s: t.Stats}
			if d.typ == dto.MetricType_GAUGE { // the three families read from Snapshot
				s.snap = t.Stats.Snapshot()
			}
			labels := []string{t.Target.Name, t.Target.Proto()}
			if i == len(c.defs)-1 {
				labels = append(labels, "type_conflict")
			}
			ch <- prometheus.MustNewConstMetric(c.desc[i], kind, d.get(&s), labels...)
		}
	}
}

// exposition encodes what g gathers in format.
func exposition(t testing.TB, g prometheus.Gatherer, format expfmt.Format) []byte {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format)
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// TestTargetGathererMatchesCollector: /metrics built by targetGatherer is byte for byte
// what the same families collected through a client_golang registry give, in the text,
// OpenMetrics and protobuf formats, with names that need escaping or sort unexpectedly,
// merged with the registry's other families, and again after the fleet changed.
func TestTargetGathererMatchesCollector(t *testing.T) {
	odd := []string{`core"1`, `a\b`, "line\nbreak", "zürich-1", "Z", "a", "a-", "a0", "é", " sp", ""}
	fleet := newFakeFleet(200, func(i int) string {
		if i < len(odd) {
			return odd[i]
		}
		return fmt.Sprintf("dev-%d", (i*7919)%1000)
	})
	pipe := &pipeline{}
	ref := prometheus.NewRegistry()
	ref.MustRegister(newSelfCollector(fleet, pipe), newRefTargetCollector(fleet))
	reg := prometheus.NewRegistry()
	reg.MustRegister(newSelfCollector(fleet, pipe))
	got := metricsGatherer{reg: reg, targets: newTargetGatherer(fleet)}
	formats := []expfmt.Format{
		expfmt.NewFormat(expfmt.TypeTextPlain),
		expfmt.NewFormat(expfmt.TypeOpenMetrics),
		expfmt.NewFormat(expfmt.TypeProtoDelim),
	}
	check := func(step string) {
		t.Helper()
		for _, f := range formats {
			want, have := exposition(t, ref, f), exposition(t, got, f)
			if !bytes.Equal(want, have) {
				t.Fatalf("%s, %s: exposition differs\nwant:\n%.3000s\ngot:\n%.3000s", step, f, want, have)
			}
		}
	}
	check("first scrape")
	// The fleet shrinks, then grows past its first size, counters move on.
	fleet.ts = fleet.ts[:50]
	fleet.ts[3].Stats.Polls.Add(5)
	check("fleet shrunk")
	fleet.ts = newFakeFleet(400, func(i int) string { return fmt.Sprintf("n%d", 400-i) }).ts
	check("fleet grown")
	fleet.ts = nil
	check("no targets")
}

// TestTargetGathererLeavesOutNonUTF8: a target name that is not UTF-8 cannot be a label
// value; its series are left out with an error, the others served, as a registry does.
func TestTargetGathererLeavesOutNonUTF8(t *testing.T) {
	fleet := newFakeFleet(3, func(i int) string { return []string{"a", "b\xff", "c"}[i] })
	mfs, err := newTargetGatherer(fleet).Gather()
	if err == nil {
		t.Error("no error for a name that is not UTF-8")
	}
	for _, mf := range mfs {
		if len(mf.Metric) != 2 {
			t.Fatalf("%s has %d series, want 2", mf.GetName(), len(mf.Metric))
		}
	}
}

// BenchmarkMetricsScrape is one /metrics scrape of 20,000 targets in the text format: the
// per-target families as served (targetGatherer) and as a registry of const metrics
// builds them (collector, the form before targetGatherer).
func BenchmarkMetricsScrape(b *testing.B) {
	fleet := newFakeFleet(20000, func(i int) string { return fmt.Sprintf("sw-%05d.dc1.example.net", i) })
	pipe := &pipeline{}
	text := expfmt.NewFormat(expfmt.TypeTextPlain)
	run := func(b *testing.B, g prometheus.Gatherer) {
		var buf bytes.Buffer
		b.ReportAllocs()
		for b.Loop() {
			mfs, err := g.Gather()
			if err != nil {
				b.Fatal(err)
			}
			buf.Reset()
			enc := expfmt.NewEncoder(&buf, text)
			for _, mf := range mfs {
				if err := enc.Encode(mf); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.SetBytes(int64(buf.Len()))
	}
	b.Run("gatherer", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(newSelfCollector(fleet, pipe))
		run(b, metricsGatherer{reg: reg, targets: newTargetGatherer(fleet)})
	})
	b.Run("collector", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(newSelfCollector(fleet, pipe), newRefTargetCollector(fleet))
		run(b, reg)
	})
}

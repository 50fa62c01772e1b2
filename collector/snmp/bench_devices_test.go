package snmp

import (
	"context"
	"github.com/netpulse/netpulse/collector"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector/snmp/snmptest"
)

// The cost of `profiles: [auto]` (issue 10, acceptance 6): one poll of a recorded device with
// about 200 sensors and 113 interfaces (Cisco Catalyst 9500H, iosxe_c9500h-svl) against
// the if-mib poll plus a bare walk of the extra tables auto reads (each table's columns in
// one multi-column GETBULK walk, no joins, no normalization). Both run over the in-process
// replaying agent, so requests are exact and CPU includes the agent's share on both sides.

const costDevice = "iosxe_c9500h-svl"

func costFake(tb testing.TB) *snmptest.Fake {
	tb.Helper()
	pdus, err := snmptest.LoadSnmprecFile(filepath.Join("testdata", "devices-full", costDevice+".snmprec"))
	if err != nil {
		tb.Fatal(err)
	}
	f, err := snmptest.NewFake(pdus)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func costSession(tb testing.TB, fake *snmptest.Fake, profiles []Profile) *Session {
	tb.Helper()
	cfg := Config{Version: "2c", Name: "dev", Interval: time.Minute, Timeout: time.Second, MaxRepetitions: DefaultMaxRepetitions, Profiles: profiles}
	s, err := NewWithClient(cfg, collector.Runtime{}, nil, fake)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// extraTables returns the columns auto's active derived tables read (lookups included),
// grouped by table (the column OID without its last arc). steady leaves out the columns of
// tables read only every Nth poll (inventory), not the lookups other tables need from them.
func extraTables(s *Session, steady bool) [][]string {
	byTable := map[string][]string{}
	add := func(col string) {
		tbl := col[:strings.LastIndexByte(col, '.')]
		if !slices.Contains(byTable[tbl], col) {
			byTable[tbl] = append(byTable[tbl], col)
		}
	}
	for pi := range s.profiles {
		if !s.active[pi] {
			continue
		}
		for i := range s.profiles[pi].tables {
			spec := &s.profiles[pi].tables[i]
			if spec.ext == nil {
				continue
			}
			if !steady || spec.ext.every <= 1 {
				for _, c := range spec.columns {
					add(c)
				}
			}
			for _, l := range spec.ext.lookups {
				add(l.column)
			}
		}
	}
	var out [][]string
	for _, k := range sortedKeys(byTable) {
		out = append(out, byTable[k])
	}
	return out
}

// bareWalk walks each table's columns once, as snmpbulkwalk of the table would.
func bareWalk(tb testing.TB, fake *snmptest.Fake, tables [][]string) {
	w := &walker{client: fake, maxReps: DefaultMaxRepetitions, log: slog.New(slog.DiscardHandler)}
	for _, cols := range tables {
		var plan tablePlan
		if _, err := w.walkTable(context.Background(), &tableSpec{columns: cols}, 0, &plan); err != nil {
			tb.Fatal(err)
		}
	}
}

func ifMIBOnly() []Profile {
	sys, _ := BuiltinProfile("system")
	ifm, _ := BuiltinProfile("if-mib")
	return []Profile{sys, ifm}
}

// TestAutoPollCost checks the request budget: a steady-state auto poll (inventory skipped
// by its every: 10) and the first poll (inventory included) against if-mib + bare walks.
func TestAutoPollCost(t *testing.T) {
	fake := costFake(t)
	auto := costSession(t, fake, AutoProfiles(nil))
	r0 := fake.Requests()
	if _, err := auto.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := fake.Requests() - r0
	r0 = fake.Requests()
	if _, err := auto.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	steady := fake.Requests() - r0

	ifm := costSession(t, fake, ifMIBOnly())
	r0 = fake.Requests()
	if _, err := ifm.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	ifmReq := fake.Requests() - r0
	tables := extraTables(auto, false)
	r0 = fake.Requests()
	bareWalk(t, fake, tables)
	bare := fake.Requests() - r0
	// The steady-state poll skips inventory: compare it with a bare walk without it.
	r0 = fake.Requests()
	bareWalk(t, fake, extraTables(auto, true))
	bareSteady := fake.Requests() - r0
	t.Logf("%s: auto first poll %d requests, steady %d; if-mib %d + bare walk of %d extra tables %d (steady: %d)",
		costDevice, first, steady, ifmReq, len(tables), bare, bareSteady)
	if limit := 1.5 * float64(ifmReq+bare); float64(first) > limit {
		t.Errorf("first auto poll: %d requests, more than 1.5 × %d", first, ifmReq+bare)
	}
	if limit := 1.5 * float64(ifmReq+bareSteady); float64(steady) > limit {
		t.Errorf("steady auto poll: %d requests, more than 1.5 × %d", steady, ifmReq+bareSteady)
	}
}

// BenchmarkAutoPoll is one steady-state auto poll of the recorded device.
func BenchmarkAutoPoll(b *testing.B) {
	fake := costFake(b)
	s := costSession(b, fake, AutoProfiles(nil))
	if _, err := s.Poll(context.Background()); err != nil { // match + inventory poll
		b.Fatal(err)
	}
	b.ReportAllocs()
	r0 := fake.Requests()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		if _, err := s.Poll(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(fake.Requests()-r0)/float64(b.N), "requests/op")
}

// BenchmarkIfMIBPlusBareWalk is the reference: an if-mib poll plus a bare walk of the
// tables a steady-state auto poll reads beyond it.
func BenchmarkIfMIBPlusBareWalk(b *testing.B) {
	fake := costFake(b)
	auto := costSession(b, fake, AutoProfiles(nil))
	if _, err := auto.Poll(context.Background()); err != nil {
		b.Fatal(err)
	}
	tables := extraTables(auto, true)
	s := costSession(b, fake, ifMIBOnly())
	b.ReportAllocs()
	r0 := fake.Requests()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		if _, err := s.Poll(context.Background()); err != nil {
			b.Fatal(err)
		}
		bareWalk(b, fake, tables)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(fake.Requests()-r0)/float64(b.N), "requests/op")
}

package snmp

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/internal/sim"
)

// The steady-state savings (walkLazy's fallback columns) must not change a single point:
// these tests poll the same agent data with two sessions, one as before (eager) and one as
// the daemon runs, poll after poll, and compare the line protocol and the counters.

// pair is an eager and a steady session over two fakes holding the same objects.
type pair struct {
	eager, steady         *Session
	eagerFake, steadyFake *snmptest.Fake
	eagerSt, steadySt     *collector.Stats
}

func newPair(t *testing.T, pdus []gosnmp.SnmpPDU, cfg Config) *pair {
	t.Helper()
	p := &pair{eagerSt: &collector.Stats{}, steadySt: &collector.Stats{}}
	var err error
	if p.eagerFake, err = snmptest.NewFake(pdus); err != nil {
		t.Fatal(err)
	}
	if p.steadyFake, err = snmptest.NewFake(pdus); err != nil {
		t.Fatal(err)
	}
	// Answers cut to what fits an agent's message (~1,472 bytes), so requests count.
	p.eagerFake.MaxVarbinds, p.steadyFake.MaxVarbinds = 64, 64
	if p.eager, err = NewWithClient(cfg, collector.Runtime{Stats: p.eagerSt}, nil, p.eagerFake); err != nil {
		t.Fatal(err)
	}
	p.eager.eager = true
	if p.steady, err = NewWithClient(cfg, collector.Runtime{Stats: p.steadySt}, nil, p.steadyFake); err != nil {
		t.Fatal(err)
	}
	return p
}

// set changes an object on both fakes; del removes it from both.
func (p *pair) set(t *testing.T, v gosnmp.SnmpPDU) {
	t.Helper()
	if err := p.eagerFake.Set(v); err != nil {
		t.Fatal(err)
	}
	if err := p.steadyFake.Set(v); err != nil {
		t.Fatal(err)
	}
}

func (p *pair) del(t *testing.T, oid string) {
	t.Helper()
	if err := p.eagerFake.Delete(oid); err != nil {
		t.Fatal(err)
	}
	if err := p.steadyFake.Delete(oid); err != nil {
		t.Fatal(err)
	}
}

// poll polls both and fails on any difference in points, errors or counters; it returns
// the requests each made.
func (p *pair) poll(t *testing.T, what string) (eagerReqs, steadyReqs int) {
	t.Helper()
	got, want, e, s := p.pollBoth(t, what)
	if got != want {
		t.Fatalf("%s: points differ\n%s", what, lineDiff(got, want))
	}
	return e, s
}

// pollBoth polls both and fails on a difference in errors or counters; it returns both
// polls' line protocol and requests.
func (p *pair) pollBoth(t *testing.T, what string) (steadyLP, eagerLP string, eagerReqs, steadyReqs int) {
	t.Helper()
	e0, s0 := p.eagerFake.Requests(), p.steadyFake.Requests()
	ep, eerr := p.eager.Poll(context.Background())
	sp, serr := p.steady.Poll(context.Background())
	if (eerr == nil) != (serr == nil) || eerr != nil && eerr.Error() != serr.Error() {
		t.Fatalf("%s: errors differ: eager %v, steady %v", what, eerr, serr)
	}
	steadyLP, eagerLP = encodeLP(t, sp), encodeLP(t, ep)
	for _, c := range []struct {
		name string
		e, s int64
	}{
		{"updates are not compared; dropped", p.eagerSt.Dropped.Load(), p.steadySt.Dropped.Load()},
		{"type conflicts", p.eagerSt.TypeConflicts.Load(), p.steadySt.TypeConflicts.Load()},
		{"skipped columns", p.eagerSt.SkippedColumns.Load(), p.steadySt.SkippedColumns.Load()},
	} {
		if c.e != c.s {
			t.Fatalf("%s: %s: eager %d, steady %d", what, c.name, c.e, c.s)
		}
	}
	return steadyLP, eagerLP, p.eagerFake.Requests() - e0, p.steadyFake.Requests() - s0
}

// lineDiff shows the first differing lines.
func lineDiff(got, want string) string {
	gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	shown := 0
	for i := range max(len(gl), len(wl)) {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w && shown < 5 {
			b.WriteString("line " + strconv.Itoa(i+1) + "\n got  " + g + "\n want " + w + "\n")
			shown++
		}
	}
	return b.String()
}

// TestSteadySamePointsDevices polls every recorded device (system + if-mib for the IF-MIB
// recordings, profiles: [auto] for the full ones) reprobeEvery+2 times both ways: the same
// points every poll, across a full walk, the lazy polls and the next full walk.
func TestSteadySamePointsDevices(t *testing.T) {
	polls := 3
	if !testing.Short() {
		polls = reprobeEvery + 2
	}
	var eagerReqs, steadyReqs int
	for _, dir := range []string{"devices", "devices-full"} {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.snmprec"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no recordings in %s: %v", dir, err)
		}
		for _, f := range files {
			name := dir + "/" + strings.TrimSuffix(filepath.Base(f), ".snmprec")
			t.Run(name, func(t *testing.T) {
				pdus, err := snmptest.LoadSnmprecFile(f)
				if err != nil {
					t.Fatal(err)
				}
				cfg := testConfig(t)
				if dir == "devices-full" {
					cfg.Profiles = AutoProfiles(nil)
				}
				p := newPair(t, pdus, cfg)
				for i := range polls {
					e, s := p.poll(t, "poll "+strconv.Itoa(i+1))
					eagerReqs += e
					steadyReqs += s
				}
			})
		}
	}
	t.Logf("%d polls of each recording: %d requests as before, %d now (%.0f %%)", polls, eagerReqs, steadyReqs,
		100*float64(steadyReqs)/float64(eagerReqs))
	if steadyReqs > eagerReqs {
		t.Errorf("the steady sessions made more requests (%d) than the eager ones (%d)", steadyReqs, eagerReqs)
	}
}

// TestLazyFallbacksFollowTheAgent changes which rows need a fallback column between polls:
// a row losing its 64-bit counter, a new row without ifXTable, a row gaining its ifName
// back. Each change shows in the same poll, as with every column walked.
func TestLazyFallbacksFollowTheAgent(t *testing.T) {
	var pdus []gosnmp.SnmpPDU
	for i := 1; i <= 4; i++ {
		idx := "." + strconv.Itoa(i)
		pdus = append(pdus,
			gosnmp.SnmpPDU{Name: oidIfEntry + ".2" + idx, Type: gosnmp.OctetString, Value: []byte("descr" + strconv.Itoa(i))},
			gosnmp.SnmpPDU{Name: oidIfEntry + ".3" + idx, Type: gosnmp.Integer, Value: 6},
			gosnmp.SnmpPDU{Name: oidIfEntry + ".10" + idx, Type: gosnmp.Counter32, Value: uint(100 + i)},
			gosnmp.SnmpPDU{Name: oidIfEntry + ".16" + idx, Type: gosnmp.Counter32, Value: uint(200 + i)},
			gosnmp.SnmpPDU{Name: oidIfXEntry + ".1" + idx, Type: gosnmp.OctetString, Value: []byte("eth" + strconv.Itoa(i))},
			gosnmp.SnmpPDU{Name: oidIfXEntry + ".6" + idx, Type: gosnmp.Counter64, Value: uint64(1000 + i)},
			gosnmp.SnmpPDU{Name: oidIfXEntry + ".10" + idx, Type: gosnmp.Counter64, Value: uint64(2000 + i)},
		)
	}
	p := newPair(t, pdus, testConfig(t, "if-mib"))
	p.eagerFake.MaxVarbinds, p.steadyFake.MaxVarbinds = 12, 12
	p.poll(t, "first poll") // every column (the request count varies with the columns' order)
	e, s := p.poll(t, "second poll")
	if s >= e {
		t.Errorf("second poll: %d requests, want fewer than %d (no row needs a fallback)", s, e)
	}
	steps := []struct {
		what   string
		change func()
	}{
		{"row 2 loses ifHCInOctets", func() { p.del(t, oidIfXEntry+".6.2") }},
		{"row 3's ifHCOutOctets becomes an exception", func() {
			p.set(t, gosnmp.SnmpPDU{Name: oidIfXEntry + ".10.3", Type: gosnmp.NoSuchInstance})
		}},
		{"row 1's ifName becomes empty", func() {
			p.set(t, gosnmp.SnmpPDU{Name: oidIfXEntry + ".1.1", Type: gosnmp.OctetString, Value: []byte{}})
		}},
		{"row 5 appears in ifTable only", func() {
			p.set(t, gosnmp.SnmpPDU{Name: oidIfEntry + ".2.5", Type: gosnmp.OctetString, Value: []byte("descr5")})
			p.set(t, gosnmp.SnmpPDU{Name: oidIfEntry + ".3.5", Type: gosnmp.Integer, Value: 24})
			p.set(t, gosnmp.SnmpPDU{Name: oidIfEntry + ".10.5", Type: gosnmp.Counter32, Value: uint(105)})
		}},
		{"everything has 64-bit counters and names again", func() {
			p.set(t, gosnmp.SnmpPDU{Name: oidIfXEntry + ".6.2", Type: gosnmp.Counter64, Value: uint64(1002)})
			p.set(t, gosnmp.SnmpPDU{Name: oidIfXEntry + ".10.3", Type: gosnmp.Counter64, Value: uint64(2003)})
			p.set(t, gosnmp.SnmpPDU{Name: oidIfXEntry + ".1.1", Type: gosnmp.OctetString, Value: []byte("eth1")})
			for _, c := range []string{".2.5", ".3.5", ".10.5"} {
				p.del(t, oidIfEntry+c)
			}
		}},
	}
	for _, st := range steps {
		st.change()
		p.poll(t, st.what)
		p.poll(t, st.what+", next poll")
	}
	// The columns noted as needed stay read until the next full walk, which notes none.
	for i := 0; i <= reprobeEvery; i++ {
		p.poll(t, "poll after the changes "+strconv.Itoa(i+1))
	}
	e, s = p.poll(t, "after the next full walk")
	if s >= e {
		t.Errorf("after the next full walk: %d requests, want fewer than %d again", s, e)
	}
}

// TestMetaCacheFollowsTheAgent renames a sensor's entity on a recorded Cumulus switch (15
// ENTITY-SENSOR rows named through entPhysicalTable, with entLastChangeTime) in each of the
// ways metaCache (meta.go) watches for, and checks when the new name shows.
func TestMetaCacheFollowsTheAgent(t *testing.T) {
	pdus, err := snmptest.LoadSnmprecFile(filepath.Join("testdata", "devices-full", "cumulus_bgp.snmprec"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.Profiles = AutoProfiles(nil)
	p := newPair(t, pdus, cfg)
	// Phase 0: the first refresh after metaRefreshEvery polls (spreadPhase), on both.
	p.steady.phase, p.steady.meta.phase, p.eager.phase = 0, 0, 0
	const nameOID = "." + oidEntPhysicalEntry + ".7.100000001" // PSU1Temp1, a sensor
	rename := func(name string) {
		p.set(t, gosnmp.SnmpPDU{Name: nameOID, Type: gosnmp.OctetString, Value: []byte(name)})
	}
	p.poll(t, "first poll")
	e, s := p.poll(t, "second poll")
	if s >= e {
		t.Errorf("second poll: %d requests, want fewer than %d (entity names kept)", s, e)
	}
	if got := p.steady.meta.polls; got != 1 {
		t.Errorf("second poll: the cache served %d polls, want 1", got)
	}

	rename("PSU1Temp1-a")
	p.set(t, gosnmp.SnmpPDU{Name: oidEntLastChangeTime, Type: gosnmp.TimeTicks, Value: uint32(275158900)})
	p.poll(t, "renamed, entLastChangeTime moved")

	rename("PSU1Temp1-b")
	p.set(t, gosnmp.SnmpPDU{Name: oidSysUpTime, Type: gosnmp.TimeTicks, Value: uint32(1000)})
	p.poll(t, "renamed, the agent restarted (sysUpTime went back)")

	// No signal at all: the old name stays until the cache is read again, within
	// metaRefreshEvery polls, and then the poll is the eager one's again.
	rename("PSU1Temp1-c")
	stale := 0
	for i := 0; ; i++ {
		got, want, _, _ := p.pollBoth(t, "renamed silently")
		if got == want {
			break
		}
		if !strings.Contains(got, "PSU1Temp1-b") || strings.Contains(got, "PSU1Temp1-c") {
			t.Fatalf("renamed silently, poll %d: not the old name where they differ\n%s", i+1, lineDiff(got, want))
		}
		stale++
		if stale >= metaRefreshEvery {
			t.Fatalf("renamed silently: still the old name after %d polls", stale)
		}
	}
	if stale == 0 {
		t.Errorf("renamed silently: the new name showed at once; the test did not see the cache at work")
	}
	t.Logf("a silent rename showed after %d polls (at most %d)", stale+1, metaRefreshEvery)

	// A new sensor (a lookup the cache cannot answer): its names in the same poll, and
	// everything read afresh in the next, so a silent rename made with it shows then.
	rename("PSU1Temp1-d")
	for _, v := range []gosnmp.SnmpPDU{
		{Name: "." + oidEntPhysicalEntry + ".7.100000099", Type: gosnmp.OctetString, Value: []byte("NewTemp99")},
		{Name: "." + oidEntPhysicalEntry + ".4.100000099", Type: gosnmp.Integer, Value: 1},
		{Name: "." + oidEntPhySensor + ".1.100000099", Type: gosnmp.Integer, Value: 8},
		{Name: "." + oidEntPhySensor + ".2.100000099", Type: gosnmp.Integer, Value: 9},
		{Name: "." + oidEntPhySensor + ".3.100000099", Type: gosnmp.Integer, Value: 0},
		{Name: "." + oidEntPhySensor + ".4.100000099", Type: gosnmp.Integer, Value: 41},
		{Name: "." + oidEntPhySensor + ".5.100000099", Type: gosnmp.Integer, Value: 1},
	} {
		p.set(t, v)
	}
	got, _, _, _ := p.pollBoth(t, "new sensor")
	if !strings.Contains(got, "component_name=NewTemp99") {
		t.Errorf("new sensor: not named in its first poll:\n%s", got)
	}
	p.poll(t, "the poll after the new sensor")
}

// pointShapes renders points without their numbers: measurement, tags, field names, and the
// text and boolean values (names, descriptions, states), for agents whose counters and
// readings move between two polls.
func pointShapes(points []collector.Point) string {
	var b strings.Builder
	for _, p := range points {
		b.WriteString(p.Measurement)
		for _, tg := range p.Tags {
			b.WriteString("," + tg.Key + "=" + tg.Value)
		}
		for _, f := range p.Fields {
			b.WriteString(" " + f.Key)
			switch f.Kind {
			case collector.KindString:
				b.WriteString("=" + strconv.Quote(f.StringValue()))
			case collector.KindBool:
				b.WriteString("=" + strconv.FormatBool(f.BoolValue()))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// steadyAgainst polls a live agent with an eager and a steady session (New: real sockets)
// polls times, alternately, and compares the points' shapes; it returns the requests each
// made (counted by the agent's clients).
func steadyAgainst(t *testing.T, cfg Config, polls int) (eagerReqs, steadyReqs int) {
	t.Helper()
	var cs [2]*countingClient
	var ss [2]*Session
	for i := range ss {
		c, err := Dial(context.Background(), &cfg)
		if err != nil {
			t.Fatal(err)
		}
		cs[i] = &countingClient{Client: c}
		if ss[i], err = NewWithClient(cfg, collector.Runtime{}, nil, cs[i]); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ss[i].Close() })
	}
	ss[0].eager = true
	for i := range polls {
		var shapes [2]string
		for j, s := range ss {
			points, err := s.Poll(context.Background())
			if err != nil {
				t.Fatalf("poll %d (eager %v): %v", i+1, s.eager, err)
			}
			shapes[j] = pointShapes(points)
		}
		if shapes[0] != shapes[1] {
			t.Fatalf("poll %d: points differ\n%s", i+1, lineDiff(shapes[1], shapes[0]))
		}
	}
	return cs[0].n, cs[1].n
}

// TestSteadySimulator polls the simulator (the fleet's profiles, v2c and v3 authPriv) both
// ways, live and from a snapshot of its MIB view (exactly, numbers included).
func TestSteadySimulator(t *testing.T) {
	dev := startSimDevice(t)
	for _, version := range []string{"2c", "3"} {
		t.Run("v"+version, func(t *testing.T) {
			cfg := simBenchConfig(t, dev, version)
			e, s := steadyAgainst(t, cfg, 4)
			t.Logf("4 polls: %d requests as before, %d now", e, s)
			if s >= e {
				t.Errorf("%d requests, want fewer than %d", s, e)
			}
		})
	}
	t.Run("snapshot", func(t *testing.T) {
		cfg := simBenchConfig(t, dev, "2c")
		p := newPair(t, snapshotAgent(t, cfg), cfg)
		for i := range 4 {
			p.poll(t, "poll "+strconv.Itoa(i+1))
		}
	})
}

// TestSteadySnmpd polls net-snmp's snmpd (profiles: [auto]) both ways, live with every
// identity and from a snapshot of its MIB view.
func TestSteadySnmpd(t *testing.T) {
	agent := peers.StartSnmpd(t)
	for _, id := range identities() {
		t.Run(id.name, func(t *testing.T) {
			cfg := agentConfig(t, agent.Addr, id.cfg)
			cfg.Profiles = AutoProfiles(nil)
			steadyAgainst(t, cfg, 3)
		})
	}
	t.Run("snapshot", func(t *testing.T) {
		cfg := agentConfig(t, agent.Addr, identities()[1].cfg)
		cfg.Profiles = AutoProfiles(nil)
		p := newPair(t, snapshotAgent(t, cfg), cfg)
		for i := range 3 {
			p.poll(t, "poll "+strconv.Itoa(i+1))
		}
	})
}

// snapshotAgent walks the agent's whole MIB view (GETBULK from 1.3) into varbinds for a fake.
func snapshotAgent(t *testing.T, cfg Config) []gosnmp.SnmpPDU {
	t.Helper()
	c, err := Dial(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out []gosnmp.SnmpPDU
	cursor := ".1.3"
	for range 100000 {
		pkt, err := c.GetBulk(context.Background(), []string{cursor}, 50)
		if err != nil {
			t.Fatalf("snapshot after %s: %v", cursor, err)
		}
		if len(pkt.Variables) == 0 {
			t.Fatalf("snapshot after %s: empty answer", cursor)
		}
		for _, v := range pkt.Variables {
			if v.Type == gosnmp.EndOfMibView {
				return out
			}
			if b, ok := v.Value.([]byte); ok {
				v.Value = slices.Clone(b)
			}
			out = append(out, v)
			cursor = v.Name
		}
	}
	t.Fatal("snapshot: no end of the MIB view")
	return nil
}

// TestSteadySessionMemory measures what the steady state keeps per session between polls
// (the kept entity names, the walk plans' notes) against an eager session, polling the
// simulator's 48-interface device with the fleet's profiles.
func TestSteadySessionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 2 × 40 sessions")
	}
	cfg := simBenchConfig(t, startSimDevice(t), "2c")
	cfg.Profiles = Share(cfg.Profiles) // as the loader hands them to a fleet's targets
	heap := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc)
	}
	const n = 40
	perSession := func(eager bool) int64 {
		h0 := heap()
		ss := make([]*Session, n)
		for i := range ss {
			s, err := New(cfg, collector.Runtime{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			s.eager = eager
			for range 2 {
				if _, err := s.Poll(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			ss[i] = s
		}
		per := (heap() - h0) / n
		runtime.KeepAlive(ss)
		return per
	}
	eager, steady := perSession(true), perSession(false)
	t.Logf("heap per session after 2 polls: %d bytes eager, %d steady (%+d)", eager, steady, steady-eager)
	if steady-eager > 4<<10 {
		t.Errorf("the steady state keeps %d bytes more per session, want under 4 KiB", steady-eager)
	}
}

// TestSteadyAgentFaults polls a simulated agent that fails columns (genErr for every request
// naming ifMtu, a column every poll reads, and ifInOctets, a fallback no row needs) and cuts
// GETBULK answers with tooBig, both ways: the same points. (The plan steps down to one row
// per request, so leaving columns out saves varbinds here, not requests.)
func TestSteadyAgentFaults(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, sim.Config{SNMPDevices: 1, Interfaces: 12, Seed: 3, SNMPBulkTooBig: true,
		SNMPGenErrColumns: []string{oidIfEntry + ".4", oidIfEntry + ".10"}}, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Wait() })
	d := f.Devices()[0]
	cfg := testConfig(t)
	cfg.Version, cfg.Community, cfg.Address, cfg.Name = "2c", collector.Secret(d.Community), d.Address, d.Name
	e, s := steadyAgainst(t, cfg, 4)
	t.Logf("4 polls: %d requests as before, %d now", e, s)
	if s > e {
		t.Errorf("%d requests, want at most %d", s, e)
	}
}

// startSimDevice serves the fleet's simulated 48-interface device in this process until the
// test ends.
func startSimDevice(t *testing.T) simChildDevice {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, sim.Config{SNMPDevices: 1, Interfaces: 48, Seed: 1}, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Wait() })
	d := f.Devices()[0]
	return simChildDevice{Address: d.Address, Community: d.Community, V3Users: d.V3Users}
}

// TestSpreadPhaseSpreadsAFleet: the phases of 2,000 targets named as `netpulse sim` names
// them fall evenly over the reprobeEvery polls (each within ±30 % of 100), so the fleet's
// periodic full reads come a twentieth at a time; and a name keeps its phase.
func TestSpreadPhaseSpreadsAFleet(t *testing.T) {
	var n [reprobeEvery]int
	for i := range 2000 {
		n[spreadPhase(fmt.Sprintf("sim-snmp-%04d-p%d", i%1000+1, i/1000))]++
	}
	for p, c := range n {
		if c < 70 || c > 130 {
			t.Errorf("phase %d: %d of 2,000 targets, want 70..130: %v", p, c, n)
		}
	}
	if spreadPhase("router1") != spreadPhase("router1") {
		t.Error("a name's phase changed")
	}
}

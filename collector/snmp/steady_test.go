package snmp

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
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
	e0, s0 := p.eagerFake.Requests(), p.steadyFake.Requests()
	ep, eerr := p.eager.Poll(context.Background())
	sp, serr := p.steady.Poll(context.Background())
	if (eerr == nil) != (serr == nil) || eerr != nil && eerr.Error() != serr.Error() {
		t.Fatalf("%s: errors differ: eager %v, steady %v", what, eerr, serr)
	}
	if got, want := encodeLP(t, sp), encodeLP(t, ep); got != want {
		t.Fatalf("%s: points differ\n%s", what, lineDiff(got, want))
	}
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
	return p.eagerFake.Requests() - e0, p.steadyFake.Requests() - s0
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

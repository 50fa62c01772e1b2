package snmp

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
	"github.com/netpulse/netpulse/internal/peers"
)

const oidIfMtu = ".1.3.6.1.2.1.2.2.1.4"

// faulty is an agent with the quirks of issue 9: it answers tooBig to any request whose full
// answer would exceed maxVarbinds varbinds (instead of cutting GETBULK answers, RFC 3416
// §4.2.3), and genErr, error-index at the varbind, to any request naming an OID under
// genErr. It counts the requests it gets.
type faulty struct {
	Client
	maxVarbinds int
	genErr      string
	requests    int
}

func (f *faulty) check(oids []string, n int) *gosnmp.SnmpPacket {
	f.requests++
	if f.genErr != "" {
		for i, o := range oids {
			if o == f.genErr || strings.HasPrefix(o, f.genErr+".") {
				return &gosnmp.SnmpPacket{Error: gosnmp.GenErr, ErrorIndex: uint8(i + 1)}
			}
		}
	}
	if f.maxVarbinds > 0 && n > f.maxVarbinds {
		return &gosnmp.SnmpPacket{Error: gosnmp.TooBig}
	}
	return nil
}

func (f *faulty) GetBulk(ctx context.Context, oids []string, reps uint32) (*gosnmp.SnmpPacket, error) {
	if p := f.check(oids, len(oids)*int(reps)); p != nil {
		return p, nil
	}
	return f.Client.GetBulk(ctx, oids, reps)
}

func (f *faulty) GetNext(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	if p := f.check(oids, len(oids)); p != nil {
		return p, nil
	}
	return f.Client.GetNext(ctx, oids)
}

func (f *faulty) Get(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	if p := f.check(oids, len(oids)); p != nil {
		return p, nil
	}
	return f.Client.Get(ctx, oids)
}

// withoutField removes field name from every line of line protocol lp (what a poll of an
// agent that cannot serve that column must give).
func withoutField(t *testing.T, lp, name string) string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(lp, "\n") {
		if !strings.HasPrefix(line, "interfaces,") {
			out = append(out, line)
			continue
		}
		sp := strings.Index(line, " ")
		end := strings.LastIndex(line, " ")
		var kept []string
		for _, f := range strings.Split(line[sp+1:end], ",") {
			if !strings.HasPrefix(f, name+"=") {
				kept = append(kept, f)
			}
		}
		out = append(out, line[:sp+1]+strings.Join(kept, ",")+line[end:])
	}
	return strings.Join(out, "\n")
}

// TestWalkFallbackTooBig: an agent that answers tooBig to anything over 7 varbinds (less than
// one row of if-mib's 30 columns) still yields exactly the normal output, v2c and v1; the
// second poll starts from what worked and needs fewer requests than the first.
func TestWalkFallbackTooBig(t *testing.T) {
	for _, dev := range []string{"cumulus_bgp", "edgeswitch_8xp", "mni_mx-d"} {
		for _, v1 := range []bool{false, true} {
			cfg := testConfig(t)
			mod := func(f *snmptest.Fake) { f.V1 = v1 }
			if v1 {
				cfg.Version = "1"
			}
			want, err := pollLP(t, cfg, mustFake(t, dev, mod))
			if err != nil {
				t.Fatal(err)
			}
			st := &collector.Stats{}
			agent := &faulty{Client: mustFake(t, dev, mod), maxVarbinds: 7}
			s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, agent)
			if err != nil {
				t.Fatal(err)
			}
			var reqs []int
			for poll := range 2 {
				before := agent.requests
				points, err := s.Poll(context.Background())
				if err != nil {
					t.Fatalf("%s v1=%v poll %d: %v", dev, v1, poll, err)
				}
				if got := encodeLP(t, points); got != want {
					t.Fatalf("%s v1=%v poll %d differs:\n%s", dev, v1, poll, firstDiff(got, want))
				}
				reqs = append(reqs, agent.requests-before)
			}
			if reqs[1] >= reqs[0] {
				t.Errorf("%s v1=%v: requests per poll %v, want the second poll cheaper", dev, v1, reqs)
			}
			if n := st.SkippedColumns.Load(); n != 0 {
				t.Errorf("%s v1=%v: %d columns skipped", dev, v1, n)
			}
			t.Logf("%s v1=%v: requests per poll %v", dev, v1, reqs)
		}
	}
}

// TestWalkFallbackGenErr: an agent that answers genErr to every request naming ifMtu yields
// every interface with state/mtu missing; the skip is counted on every poll and logged once,
// and the second poll no longer asks for the column.
func TestWalkFallbackGenErr(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		cfg := testConfig(t)
		mod := func(f *snmptest.Fake) { f.V1 = v1 }
		if v1 {
			cfg.Version = "1"
		}
		full, err := pollLP(t, cfg, mustFake(t, "cumulus_bgp", mod))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(full, "state/mtu=") {
			t.Fatal("the reference poll has no state/mtu")
		}
		want := withoutField(t, full, "state/mtu")
		st := &collector.Stats{}
		logs := &logCounter{}
		agent := &faulty{Client: mustFake(t, "cumulus_bgp", mod), genErr: oidIfMtu}
		s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, slog.New(logs), agent)
		if err != nil {
			t.Fatal(err)
		}
		var reqs []int
		for poll := range 3 {
			before := agent.requests
			points, err := s.Poll(context.Background())
			if err != nil {
				t.Fatalf("v1=%v poll %d: %v", v1, poll, err)
			}
			if got := encodeLP(t, points); got != want {
				t.Fatalf("v1=%v poll %d differs:\n%s", v1, poll, firstDiff(got, want))
			}
			if n := st.SkippedColumns.Load(); n != int64(poll+1) {
				t.Errorf("v1=%v poll %d: skipped columns %d, want %d", v1, poll, n, poll+1)
			}
			reqs = append(reqs, agent.requests-before)
		}
		if reqs[1] >= reqs[0] || reqs[2] != reqs[1] {
			t.Errorf("v1=%v: requests per poll %v, want the second cheaper than the first, the third as the second", v1, reqs)
		}
		warns := 0
		for _, m := range logs.msgs {
			if strings.HasPrefix(m, "WARN snmp column skipped") {
				warns++
			}
		}
		if warns != 1 {
			t.Errorf("v1=%v: %d warnings about the column, want 1: %v", v1, warns, logs.msgs)
		}
		t.Logf("v1=%v: requests per poll %v", v1, reqs)
	}
}

// TestWalkFallbackReprobe: a plan degraded by a transient error is tried afresh after
// reprobeEvery polls, so the column comes back and its recovery is logged.
func TestWalkFallbackReprobe(t *testing.T) {
	cfg := testConfig(t, "if-mib")
	full, err := pollLP(t, cfg, mustFake(t, "cumulus_bgp", nil))
	if err != nil {
		t.Fatal(err)
	}
	logs := &logCounter{}
	agent := &faulty{Client: mustFake(t, "cumulus_bgp", nil), genErr: oidIfMtu, maxVarbinds: 40}
	s, err := NewWithClient(cfg, collector.Runtime{}, slog.New(logs), agent)
	if err != nil {
		t.Fatal(err)
	}
	for poll := 1; poll <= reprobeEvery+1; poll++ {
		points, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := encodeLP(t, points)
		switch {
		case poll == 1:
			agent.genErr, agent.maxVarbinds = "", 0 // the agent heals
		case poll <= reprobeEvery:
			if got != withoutField(t, full, "state/mtu") {
				t.Fatalf("poll %d: the remembered skip was not applied", poll)
			}
		default:
			if got != full {
				t.Fatalf("poll %d (re-probe) differs:\n%s", poll, firstDiff(got, full))
			}
		}
	}
	if p := s.plans[0][0]; p.reps != cfg.MaxRepetitions || p.width != maxOIDsPerRequest {
		t.Errorf("after the re-probe: max-repetitions %d, width %d", p.reps, p.width)
	}
	if !strings.Contains(strings.Join(logs.msgs, "\n"), "INFO snmp column readable again") {
		t.Errorf("recovery not logged: %v", logs.msgs)
	}
}

// TestWalkV1NoSuchNameColumn: an SNMPv1 agent that rejects one column of a multi-varbind
// GETNEXT with noSuchName (RFC 1157 §4.1.3: error-index names it) loses only that column.
func TestWalkV1NoSuchNameColumn(t *testing.T) {
	cfg := testConfig(t, "if-mib")
	cfg.Version = "1"
	mod := func(f *snmptest.Fake) { f.V1 = true }
	full, err := pollLP(t, cfg, mustFake(t, "edgeswitch_8xp", mod))
	if err != nil {
		t.Fatal(err)
	}
	f := mustFake(t, "edgeswitch_8xp", mod)
	c := &v1Rejecting{Client: f, column: oidIfMtu}
	got, err := pollLP(t, cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	if want := withoutField(t, full, "state/mtu"); got != want {
		t.Fatal(firstDiff(got, want))
	}
}

// v1Rejecting answers noSuchName for column in any GETNEXT naming it.
type v1Rejecting struct {
	Client
	column string
}

func (c *v1Rejecting) GetNext(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	for i, o := range oids {
		if o == c.column || strings.HasPrefix(o, c.column+".") {
			return &gosnmp.SnmpPacket{Error: gosnmp.NoSuchName, ErrorIndex: uint8(i + 1)}, nil
		}
	}
	return c.Client.GetNext(ctx, oids)
}

// TestScalarsFallback: a GET of the six system objects answered tooBig is split, and one
// object answered genErr is left out (counted as dropped) without losing the others.
func TestScalarsFallback(t *testing.T) {
	cfg := testConfig(t, "system")
	full, err := pollLP(t, cfg, mustFake(t, "edgeswitch_8xp", nil))
	if err != nil {
		t.Fatal(err)
	}
	got, err := pollLP(t, cfg, &faulty{Client: mustFake(t, "edgeswitch_8xp", nil), maxVarbinds: 2})
	if err != nil || got != full {
		t.Fatalf("tooBig above 2 varbinds: %v\n%s", err, firstDiff(got, full))
	}
	st := &collector.Stats{}
	got, err = pollLPStats(t, cfg, st, &faulty{Client: mustFake(t, "edgeswitch_8xp", nil), genErr: ".1.3.6.1.2.1.1.4.0"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got, "sysContact") || !strings.Contains(got, "sysLocation") || st.Dropped.Load() != 1 {
		t.Fatalf("genErr for sysContact: dropped %d, %s", st.Dropped.Load(), got)
	}
	_, err = pollLP(t, cfg, &faulty{Client: mustFake(t, "edgeswitch_8xp", nil), genErr: ".1.3.6.1.2.1.1"})
	if err == nil || !strings.Contains(err.Error(), "error-status GenErr") {
		t.Fatalf("genErr for everything: %v", err)
	}
}

// TestSnmpdPlanUnchanged: against net-snmp's snmpd, which cuts GETBULK answers to fit (RFC
// 3416 §4.2.3) and fails no column, the walk never steps down: no column skipped, the plan
// stays at the configured max-repetitions with every column in one request, and every poll
// sends the same number of requests (the normal path's cost, 334 requests for 1,001
// interfaces in BENCHMARKS.md, is unchanged).
func TestSnmpdPlanUnchanged(t *testing.T) {
	agent := peers.StartSnmpd(t)
	for _, id := range identities()[:2] { // v1, v2c
		cfg := agentConfig(t, agent.Addr, id.cfg)
		st := &collector.Stats{}
		c, err := Dial(context.Background(), &cfg)
		if err != nil {
			t.Fatal(err)
		}
		cc := &countingClient{Client: c}
		s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, cc)
		if err != nil {
			t.Fatal(err)
		}
		var reqs []int
		for range 3 { // the first, one after it, and one with the plan as the second left it
			before := cc.n
			points, err := s.Poll(context.Background())
			if err != nil || len(points) < 2 {
				t.Fatalf("%s: %d points, %v", id.name, len(points), err)
			}
			reqs = append(reqs, cc.n-before)
		}
		p := s.plans[1][0]
		if reqs[0] != reqs[1] || reqs[1] != reqs[2] || st.SkippedColumns.Load() != 0 || p.reps != cfg.MaxRepetitions || p.width != maxOIDsPerRequest {
			t.Errorf("%s: requests %v, skipped %d, plan max-repetitions %d width %d", id.name, reqs, st.SkippedColumns.Load(), p.reps, p.width)
		}
		t.Logf("%s: %d requests per poll (first poll %d)", id.name, reqs[1], reqs[0])
		s.Close()
	}
}

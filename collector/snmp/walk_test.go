package snmp

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
)

// scripted wraps a Client to change its answers.
type scripted struct {
	Client
	bulk func(ctx context.Context, oids []string, reps uint32) (*gosnmp.SnmpPacket, error)
	get  func(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error)
}

func (s *scripted) GetBulk(ctx context.Context, oids []string, reps uint32) (*gosnmp.SnmpPacket, error) {
	if s.bulk != nil {
		return s.bulk(ctx, oids, reps)
	}
	return s.Client.GetBulk(ctx, oids, reps)
}

func (s *scripted) Get(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	if s.get != nil {
		return s.get(ctx, oids)
	}
	return s.Client.Get(ctx, oids)
}

func pollLP(t *testing.T, cfg Config, c Client) (string, error) {
	t.Helper()
	return pollLPStats(t, cfg, nil, c)
}

// pollLPStats is pollLP counting into st.
func pollLPStats(t *testing.T, cfg Config, st *collector.Stats, c Client) (string, error) {
	t.Helper()
	s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, c)
	if err != nil {
		t.Fatal(err)
	}
	points, err := s.Poll(context.Background())
	return encodeLP(t, points), err
}

// TestWalkVariants: SNMPv1 GETNEXT walks, truncated GETBULK answers (agents fit one message)
// and max-repetitions 1 all give exactly the golden output.
func TestWalkVariants(t *testing.T) {
	for _, dev := range []string{"cumulus_bgp", "mni_mx-d", "edgeswitch_8xp", "nxos_n9k-c93180yc-fx3"} {
		want, err := pollLP(t, testConfig(t), mustFake(t, dev, nil))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []struct {
			name string
			mod  func(*Config, *snmptest.Fake)
		}{
			{"v1 getnext", func(c *Config, f *snmptest.Fake) { c.Version = "1"; f.V1 = true }},
			{"truncated 7 varbinds", func(c *Config, f *snmptest.Fake) { f.MaxVarbinds = 7 }},
			{"truncated 1 varbind", func(c *Config, f *snmptest.Fake) { f.MaxVarbinds = 1 }},
			{"max-repetitions 1", func(c *Config, f *snmptest.Fake) { c.MaxRepetitions = 1 }},
			{"max-repetitions 1000", func(c *Config, f *snmptest.Fake) { c.MaxRepetitions = 1000 }},
		} {
			t.Run(dev+"/"+v.name, func(t *testing.T) {
				cfg := testConfig(t)
				f := mustFake(t, dev, nil)
				v.mod(&cfg, f)
				got, err := pollLP(t, cfg, f)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Fatalf("output differs from the v2c walk:\n%s", firstDiff(got, want))
				}
			})
		}
	}
}

func mustFake(t *testing.T, dev string, mod func(*snmptest.Fake)) *snmptest.Fake {
	t.Helper()
	f, _ := loadFake(t, dev)
	if mod != nil {
		mod(f)
	}
	return f
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return "got:  " + al[i] + "\nwant: " + bl[i]
		}
	}
	return "lengths differ"
}

// TestWalkTooBig: an agent that answers tooBig until max-repetitions is small enough.
func TestWalkTooBig(t *testing.T) {
	want, _ := pollLP(t, testConfig(t), mustFake(t, "edgeswitch_8xp", nil))
	f := mustFake(t, "edgeswitch_8xp", nil)
	c := &scripted{Client: f}
	c.bulk = func(ctx context.Context, oids []string, reps uint32) (*gosnmp.SnmpPacket, error) {
		if reps > 3 {
			return &gosnmp.SnmpPacket{Error: gosnmp.TooBig}, nil
		}
		return f.GetBulk(ctx, oids, reps)
	}
	got, err := pollLP(t, testConfig(t), c)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatal(firstDiff(got, want))
	}
}

// TestWalkBrokenAgents: answers that would loop or misfile data end the walk with a clear
// error instead of hanging or panicking.
func TestWalkBrokenAgents(t *testing.T) {
	for _, tc := range []struct {
		name string
		bulk func(ctx context.Context, oids []string, reps uint32) (*gosnmp.SnmpPacket, error)
		want string
	}{
		{"same OID again", func(_ context.Context, oids []string, _ uint32) (*gosnmp.SnmpPacket, error) {
			// First answer col.5 for each column, then col.5 again for the request col.5.
			vbs := make([]gosnmp.SnmpPDU, len(oids))
			for i, o := range oids {
				name := o + ".5"
				if strings.HasSuffix(o, ".5") {
					name = o
				}
				vbs[i] = gosnmp.SnmpPDU{Name: name, Type: gosnmp.Integer, Value: 1}
			}
			return &gosnmp.SnmpPacket{Variables: vbs}, nil
		}, "OIDs not increasing"},
		{"empty answer", func(context.Context, []string, uint32) (*gosnmp.SnmpPacket, error) {
			return &gosnmp.SnmpPacket{}, nil
		}, "no varbinds"},
		{"genErr", func(context.Context, []string, uint32) (*gosnmp.SnmpPacket, error) {
			return &gosnmp.SnmpPacket{Error: gosnmp.GenErr, ErrorIndex: 1}, nil
		}, "error-status GenErr"},
		{"tooBig even for one row", func(context.Context, []string, uint32) (*gosnmp.SnmpPacket, error) {
			return &gosnmp.SnmpPacket{Error: gosnmp.TooBig}, nil
		}, "error-status TooBig"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &scripted{Client: mustFake(t, "edgeswitch_8xp", nil), bulk: tc.bulk}
			st := &collector.Stats{}
			cfg := testConfig(t)
			points, err := pollLPStats(t, cfg, st, c)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if !strings.HasPrefix(points, "system,") {
				t.Errorf("the system scalars read before the failure were lost: %q", points)
			}
			if st.PollErrors.Load() != 1 {
				t.Errorf("poll errors %d", st.PollErrors.Load())
			}
		})
	}
}

// TestScalarsMissing: a v2c agent without sysContact answers noSuchObject (skipped, counted);
// a v1 agent rejects the GET with noSuchName and the rest is asked again.
func TestScalarsMissing(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		pdus, err := snmptest.LoadSnmprecFile("testdata/devices/edgeswitch_8xp.snmprec")
		if err != nil {
			t.Fatal(err)
		}
		var kept []gosnmp.SnmpPDU
		for _, p := range pdus {
			if p.Name != ".1.3.6.1.2.1.1.4.0" {
				kept = append(kept, p)
			}
		}
		f, err := snmptest.NewFake(kept)
		if err != nil {
			t.Fatal(err)
		}
		f.V1 = v1
		cfg := testConfig(t, "system")
		if v1 {
			cfg.Version = "1"
		}
		st := &collector.Stats{}
		s, _ := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, f)
		points, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(points) != 1 || len(points[0].Fields) != 5 {
			t.Fatalf("v1=%v: %v", v1, points)
		}
		if _, ok := points[0].Field("sysContact"); ok {
			t.Fatal("sysContact present")
		}
		if want := map[bool]int64{false: 1, true: 1}[v1]; st.Dropped.Load() != want {
			t.Errorf("v1=%v: dropped %d, want %d", v1, st.Dropped.Load(), want)
		}
	}
}

// TestPollDeadline: an agent that never answers makes the poll end at its budget
// (PollBudgetIntervals × interval here, not the interval) with an error saying so, not hang.
func TestPollDeadline(t *testing.T) {
	c := &scripted{Client: mustFake(t, "edgeswitch_8xp", nil)}
	c.get = func(ctx context.Context, _ []string) (*gosnmp.SnmpPacket, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	cfg := testConfig(t)
	cfg.Interval = 50 * time.Millisecond
	cfg.Timeout = 10 * time.Millisecond
	zero := 0
	cfg.Retries = &zero
	s, _ := NewWithClient(cfg, collector.Runtime{}, nil, c)
	start := time.Now()
	_, err := s.Poll(context.Background())
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "poll's deadline (its budget of 250ms") {
		t.Fatalf("error %v", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 2*time.Second {
		t.Fatalf("poll took %s, want its budget of 250ms", d)
	}
}

// TestErrorMessagesOnce: walk errors are explained once, naming the table, not the target.
func TestErrorMessagesOnce(t *testing.T) {
	c := &scripted{Client: mustFake(t, "edgeswitch_8xp", nil)}
	c.bulk = func(context.Context, []string, uint32) (*gosnmp.SnmpPacket, error) {
		return &gosnmp.SnmpPacket{Error: gosnmp.GenErr, ErrorIndex: 2}, nil
	}
	_, err := pollLP(t, testConfig(t), c)
	want := "walk interfaces (profile if-mib): invalid answer: the agent answered error-status GenErr (error-index 2) to column .1.3.6.1.2.1.31.1.1.1.1 even when asked alone"
	if err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// FuzzWalk: an agent answering arbitrary varbinds (names around the requested columns, any
// type, any value, any count, error statuses) never makes a poll panic or loop; the answers
// are driven by the fuzz input and end when it is used up.
func FuzzWalk(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("\x05\x05\x05\x05\xff\xff\x00\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		next := func() byte {
			if len(data) == 0 {
				return 0xff
			}
			b := data[0]
			data = data[1:]
			return b
		}
		types := []gosnmp.Asn1BER{gosnmp.Integer, gosnmp.OctetString, gosnmp.Counter32, gosnmp.Counter64, gosnmp.Gauge32,
			gosnmp.TimeTicks, gosnmp.ObjectIdentifier, gosnmp.IPAddress, gosnmp.Null, gosnmp.NoSuchObject, gosnmp.EndOfMibView, gosnmp.Opaque}
		values := []any{nil, 1, -1, uint(7), uint64(1 << 63), uint32(3), []byte{0, 0xff}, []byte("x"), ".1.3", float32(1), "1.2.3.4"}
		answer := func(oids []string, n int) (*gosnmp.SnmpPacket, error) {
			if len(data) == 0 {
				vbs := make([]gosnmp.SnmpPDU, len(oids))
				for i, o := range oids {
					vbs[i] = gosnmp.SnmpPDU{Name: o, Type: gosnmp.EndOfMibView}
				}
				return &gosnmp.SnmpPacket{Variables: vbs}, nil
			}
			b := next()
			if b < 8 {
				return &gosnmp.SnmpPacket{Error: gosnmp.SNMPError(b), ErrorIndex: next()}, nil
			}
			var vbs []gosnmp.SnmpPDU
			for i := range n * int(next()%4+1) {
				name := oids[i%len(oids)]
				switch next() % 4 {
				case 0:
					name += "." + strconv.Itoa(int(next()))
				case 1:
					name += "." + strconv.Itoa(int(next())) + "." + strconv.Itoa(int(next()))
				case 2:
					name = ".1.3.6.1.2.1.2.2.1." + strconv.Itoa(int(next()%30)) + "." + strconv.Itoa(int(next()))
				}
				vbs = append(vbs, gosnmp.SnmpPDU{Name: name, Type: types[int(next())%len(types)], Value: values[int(next())%len(values)]})
			}
			return &gosnmp.SnmpPacket{Variables: vbs}, nil
		}
		c := &scripted{Client: mustFake(t, "edgeswitch_8xp", nil)}
		c.bulk = func(_ context.Context, oids []string, _ uint32) (*gosnmp.SnmpPacket, error) {
			return answer(oids, len(oids))
		}
		c.get = func(_ context.Context, oids []string) (*gosnmp.SnmpPacket, error) { return answer(oids, 1) }
		cfg := testConfig(t)
		cfg.Interval = 5 * time.Second // the poll deadline: reaching it means a loop
		s, err := NewWithClient(cfg, collector.Runtime{}, nil, c)
		if err != nil {
			t.Fatal(err)
		}
		points, err := s.Poll(context.Background())
		if err != nil && !errors.Is(err, ErrBadResponse) {
			t.Fatalf("error %v is not a bad-answer error", err)
		}
		for _, p := range points {
			if len(p.Fields) == 0 {
				t.Fatalf("point without fields: %v", p)
			}
			for _, tg := range p.Tags {
				if tg.Value == "" {
					t.Fatalf("empty tag %s: %v", tg.Key, p)
				}
			}
		}
	})
}

func TestExplain(t *testing.T) {
	cfg := testConfig(t)
	cfg.Version, cfg.User, cfg.SecurityLevel = "3", "ops", "authPriv"
	err := Explain(&cfg, "walk 1.3.6.1.2.1.2", gosnmp.ErrUnknownUsername)
	if !errors.Is(err, ErrAuth) || err.Error() != `walk 1.3.6.1.2.1.2: SNMPv3 security failure: the agent has no user "ops" (usmStatsUnknownUserNames): check user` {
		t.Fatalf("%v", err)
	}
	err = Explain(&cfg, "get x", gosnmp.ErrMaxRetriesExceeded)
	if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "wrong priv_password or priv_protocol looks exactly like this") {
		t.Fatalf("%v", err)
	}
	if Explain(&cfg, "x", nil) != nil {
		t.Fatal("nil explained")
	}
}

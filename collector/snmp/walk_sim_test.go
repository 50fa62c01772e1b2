package snmp

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/sim"
)

// simAgent starts one simulated SNMP device with cfg's fault modes (12 interfaces, seed 3).
func simAgent(t *testing.T, cfg sim.Config) (*sim.Fleet, sim.Device) {
	t.Helper()
	cfg.SNMPDevices, cfg.Interfaces, cfg.Seed = 1, 12, 3
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, cfg, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Wait() })
	return f, f.Devices()[0]
}

// simSession is a real session (gosnmp over UDP) to d.
func simSession(t *testing.T, d sim.Device, version string, st *collector.Stats, log *slog.Logger) *Session {
	t.Helper()
	cfg := testConfig(t)
	cfg.Version, cfg.Community, cfg.Address, cfg.Name = version, collector.Secret(d.Community), d.Address, d.Name
	cfg.Interval, cfg.Timeout = 10*time.Second, time.Second
	s, err := New(cfg, collector.Runtime{Stats: st}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// interfaceFields maps interface_name → its sorted field names.
func interfaceFields(points []collector.Point) map[string][]string {
	out := map[string][]string{}
	for _, p := range points {
		if p.Measurement != "interfaces" {
			continue
		}
		name, _ := p.Tag("interface_name")
		var fields []string
		for _, f := range p.Fields {
			fields = append(fields, f.Key)
		}
		slices.Sort(fields)
		out[name] = fields
	}
	return out
}

// TestSimFallback is issue 9's acceptance 2 over real UDP with the real session: an agent
// whose 484-byte messages cannot hold one 30-column if-mib row, and that answers tooBig
// instead of cutting GETBULK answers, yields every interface with every field; an agent
// answering genErr for ifMtu yields every interface without state/mtu, counted. Both in
// v2c and v1, and the later polls, starting from the remembered plan, send no more requests.
func TestSimFallback(t *testing.T) {
	for _, version := range []string{"2c", "1"} {
		_, normal := simAgent(t, sim.Config{})
		ref, err := simSession(t, normal, version, nil, nil).Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		want := interfaceFields(ref)
		if len(want) != 12 || !slices.Contains(want["Ethernet1"], "state/mtu") {
			t.Fatalf("v%s reference poll: %v", version, want)
		}
		for _, tc := range []struct {
			name    string
			cfg     sim.Config
			missing string
		}{
			{"small messages, tooBig", sim.Config{SNMPMaxMsgSize: 484, SNMPBulkTooBig: true}, ""},
			{"genErr for ifMtu", sim.Config{SNMPGenErrColumns: []string{oidIfMtu[1:]}}, "state/mtu"},
		} {
			fleet, d := simAgent(t, tc.cfg)
			st := &collector.Stats{}
			logs := &logCounter{}
			s := simSession(t, d, version, st, slog.New(logs))
			var reqs []uint64
			for poll := range 3 {
				before := fleet.Stats().SNMPRequests
				points, err := s.Poll(context.Background())
				if err != nil {
					t.Fatalf("v%s %s poll %d: %v", version, tc.name, poll, err)
				}
				reqs = append(reqs, fleet.Stats().SNMPRequests-before)
				got := interfaceFields(points)
				if len(got) != len(want) {
					t.Fatalf("v%s %s poll %d: %d interfaces, want %d", version, tc.name, poll, len(got), len(want))
				}
				for name, fields := range want {
					if tc.missing != "" {
						fields = slices.DeleteFunc(slices.Clone(fields), func(f string) bool { return f == tc.missing })
					}
					if !slices.Equal(got[name], fields) {
						t.Fatalf("v%s %s poll %d: %s has fields %v, want %v", version, tc.name, poll, name, got[name], fields)
					}
				}
			}
			wantSkipped, wantWarns := int64(0), 0
			if tc.missing != "" {
				wantSkipped, wantWarns = int64(len(reqs)), 1 // counted on every poll, logged once
			}
			if n := st.SkippedColumns.Load(); n != wantSkipped {
				t.Errorf("v%s %s: skipped columns %d, want %d", version, tc.name, n, wantSkipped)
			}
			// The remembered plan: the third poll steps down no further than the first two
			// did. On SNMPv2c the first poll pays for learning the plan, so it is dearer; on
			// SNMPv1 (no Counter64: every row needs its 32-bit fallbacks) the first poll walks
			// those in a second walk of fewer columns (walkLazy) and can cost what a
			// remembered plan does.
			if reqs[2] > min(reqs[0], reqs[1]) || version == "2c" && reqs[2] >= reqs[0] {
				t.Errorf("v%s %s: requests per poll %v, want the third poll no dearer than the first two (cheaper than the first on v2c)", version, tc.name, reqs)
			}
			if warns := strings.Count(strings.Join(logs.msgs, "\n"), "WARN snmp column skipped"); warns != wantWarns {
				t.Errorf("v%s %s: %d column warnings: %v", version, tc.name, warns, logs.msgs)
			}
			p := s.plans[1][0]
			t.Logf("v%s %s: requests per poll %v; plan: max-repetitions %d, %d columns per request", version, tc.name, reqs, p.reps, p.width)
		}
	}
}

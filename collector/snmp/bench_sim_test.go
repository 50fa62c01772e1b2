package snmp

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/sim"
	"github.com/netpulse/netpulse/outputs"
)

// The fleet benchmark's unit of work (issue 11, acceptance 1): one poll of one simulated
// 48-interface device with the profiles `netpulse sim` configures, over real UDP, through the
// daemon's own Session (socket opened and released per poll, as between the daemon's polls),
// and its points encoded as line protocol (what the file output does). 20,000 devices every
// 60 s are 333 of these per second, so under one core needs under 3 ms each.
//
// The simulator runs in a child process (this test binary re-executed as
// TestSimAgentChild), so ns/op is the wall time of a poll against an agent that answers at
// once, while allocs/op, B/op and cpu-ns/op (getrusage of this process) are netpulse's alone.
//
//	go test ./collector/snmp -run '^$' -bench BenchmarkSimPoll -count 6

// benchSimProfiles are the profiles of `netpulse sim`'s fleet config (cmd/netpulse
// simconfig.go simProfiles): the MIBs the simulator serves.
var benchSimProfiles = []string{"system", "if-mib", "entity", "entity-sensor", "host-resources"}

const simChildEnv = "NETPULSE_SNMP_BENCH_SIM"

// simChildDevice is what the child reports of its device.
type simChildDevice struct {
	Address, Community string
	V3Users            []sim.V3User
}

// TestSimAgentChild is the simulator process of BenchmarkSimPoll: with simChildEnv set to an
// interface count it serves one SNMP device, prints it as JSON and serves until stdin
// closes. Run directly it only checks that it is not the child.
func TestSimAgentChild(t *testing.T) {
	v := os.Getenv(simChildEnv)
	if v == "" {
		t.Skip("the simulator child of BenchmarkSimPoll; runs only when the benchmark starts it")
	}
	ifs, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", simChildEnv, v, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{SNMPDevices: 1, Interfaces: ifs, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := f.Devices()[0]
	out, err := json.Marshal(simChildDevice{Address: d.Address, Community: d.Community, V3Users: d.V3Users})
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout.Write(append(out, '\n'))
	_, _ = bufio.NewReader(os.Stdin).ReadString(0) // until the benchmark closes stdin
	cancel()
	f.Wait()
}

// startSimChild starts the simulator child with ifs interfaces and returns its device.
func startSimChild(b *testing.B, ifs int) simChildDevice {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSimAgentChild$", "-test.count=1", "-test.benchtime=1x")
	cmd.Env = append(os.Environ(), simChildEnv+"="+strconv.Itoa(ifs))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			b.Errorf("simulator child: %v", err)
		}
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		b.Fatalf("simulator child: %v", err)
	}
	var d simChildDevice
	if err := json.Unmarshal(line, &d); err != nil {
		b.Fatalf("simulator child said %q: %v", line, err)
	}
	return d
}

// simBenchConfig is the config `netpulse sim` writes for d, v2c or v3 authPriv SHA/AES,
// with the loader's defaults.
func simBenchConfig(b testing.TB, d simChildDevice, version string) Config {
	b.Helper()
	retries := DefaultRetries
	cfg := Config{Name: "sim-bench", Address: d.Address, Tags: []collector.Tag{{Key: "site", Value: "sim"}},
		Interval: time.Minute, Timeout: DefaultTimeout, Retries: &retries, MaxRepetitions: DefaultMaxRepetitions}
	for _, n := range benchSimProfiles {
		p, ok := BuiltinProfile(n)
		if !ok {
			b.Fatalf("no built-in profile %q", n)
		}
		cfg.Profiles = append(cfg.Profiles, p)
	}
	switch version {
	case "2c":
		cfg.Version, cfg.Community = "2c", collector.Secret(d.Community)
	case "3":
		var u *sim.V3User
		for i := range d.V3Users {
			if d.V3Users[i].AuthProtocol == "SHA" && d.V3Users[i].PrivProtocol == "AES" {
				u = &d.V3Users[i]
			}
		}
		if u == nil {
			b.Fatal("the simulator has no SHA/AES user")
		}
		cfg.Version, cfg.SecurityLevel, cfg.User = "3", "authPriv", u.Name
		cfg.AuthProtocol, cfg.AuthPassword = u.AuthProtocol, collector.Secret(u.AuthPassword)
		cfg.PrivProtocol, cfg.PrivPassword = u.PrivProtocol, collector.Secret(u.PrivPassword)
	}
	return cfg
}

// BenchmarkSimPoll polls one simulated 48-interface device, v2c and v3 authPriv SHA/AES.
func BenchmarkSimPoll(b *testing.B) {
	const ifs = 48
	d := startSimChild(b, ifs)
	for _, version := range []string{"2c", "3"} {
		b.Run("v"+version, func(b *testing.B) {
			st := &collector.Stats{}
			cfg := simBenchConfig(b, d, version)
			c, err := Dial(context.Background(), &cfg)
			if err != nil {
				b.Fatal(err)
			}
			cc := &countingClient{Client: c}
			s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, cc)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			var buf []byte
			poll := func() int {
				points, err := s.Poll(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if buf, err = outputs.AppendLineProtocol(buf[:0], points, outputs.EncodeOptions{}); err != nil {
					b.Fatal(err)
				}
				return len(points)
			}
			poll() // warm up: SNMPv3 engine discovery and key localization, table plans
			u0, n0 := st.Updates.Load(), cc.n
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			points := 0
			for range b.N {
				points = poll()
			}
			cpu := cpuTime() - cpu0
			b.StopTimer()
			if points < ifs {
				b.Fatalf("%d points, want at least one per interface (%d)", points, ifs)
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(st.Updates.Load()-u0)/float64(b.N), "varbinds/op")
			b.ReportMetric(float64(points), "points/op")
			b.ReportMetric(float64(cc.n-n0)/float64(b.N), "requests/op")
		})
	}
}

// BenchmarkSimFirstPoll is BenchmarkSimPoll's first poll of a new session: socket, SNMPv3
// engine discovery, profile matching, full walks (fallback columns, entity names), as every
// target of a starting daemon makes within its first interval. Its cost against
// BenchmarkSimPoll's is what the first minute of a fleet costs over the steady ones.
//
//	go test ./collector/snmp -run '^$' -bench 'BenchmarkSimPoll|BenchmarkSimFirstPoll' -count 6
func BenchmarkSimFirstPoll(b *testing.B) {
	const ifs = 48
	d := startSimChild(b, ifs)
	for _, version := range []string{"2c", "3"} {
		b.Run("v"+version, func(b *testing.B) {
			cfg := simBenchConfig(b, d, version)
			cfg.Profiles = Share(cfg.Profiles) // compiled once for the fleet, as the daemon does
			var buf []byte
			b.ReportAllocs()
			cpu0 := cpuTime()
			points := 0
			for range b.N {
				c, err := Dial(context.Background(), &cfg)
				if err != nil {
					b.Fatal(err)
				}
				s, err := NewWithClient(cfg, collector.Runtime{Stats: &collector.Stats{}}, nil, c)
				if err != nil {
					b.Fatal(err)
				}
				pts, err := s.Poll(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if buf, err = outputs.AppendLineProtocol(buf[:0], pts, outputs.EncodeOptions{}); err != nil {
					b.Fatal(err)
				}
				points = len(pts)
				s.Close()
			}
			cpu := cpuTime() - cpu0
			b.StopTimer()
			if points < ifs {
				b.Fatalf("%d points, want at least one per interface (%d)", points, ifs)
			}
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}

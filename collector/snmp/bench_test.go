package snmp

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
)

// The benchmark pair of issue 2 (acceptance 4): one poll of the full if-mib profile against
// a real snmpd, against a bare gosnmp BulkWalk of the same columns with the same settings.
// Run inside a namespace with ~1,000 interfaces with scripts/bench-snmp.sh; run anywhere
// else, it measures the host's few interfaces. cpu-ns/op is this process's user+system CPU
// (getrusage), so snmpd's work (a child process) is not in it.

func benchConfig(b *testing.B) Config {
	b.Helper()
	agent := peers.StartSnmpd(b)
	cfg := agentConfig(b, agent.Addr, identities()[1].cfg) // v2c
	ifmib, _ := BuiltinProfile("if-mib")
	cfg.Profiles = []Profile{ifmib}
	cfg.Interval = time.Minute
	cfg.Timeout = 5 * time.Second
	return cfg
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPollIfMIB polls the if-mib profile: walk, join rows, normalize into points.
func BenchmarkPollIfMIB(b *testing.B) {
	cfg := benchConfig(b)
	c, err := Dial(context.Background(), &cfg)
	if err != nil {
		b.Fatal(err)
	}
	cc := &countingClient{Client: c}
	s, err := NewWithClient(cfg, collector.Runtime{}, nil, cc)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	points, err := s.Poll(context.Background()) // warm up: socket, agent caches
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cc.n = 0
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		if points, err = s.Poll(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(points)), "ifaces")
	b.ReportMetric(float64(cc.n)/float64(b.N), "requests/op")
}

// BenchmarkBareBulkWalk walks the same columns with gosnmp's BulkWalk, one column after the
// other, doing nothing with the varbinds: the floor any poller built on gosnmp pays.
func BenchmarkBareBulkWalk(b *testing.B) {
	cfg := benchConfig(b)
	cp, err := compileProfile(cfg.Profiles[0])
	if err != nil {
		b.Fatal(err)
	}
	columns := cp.tables[0].columns
	g, err := NewGoSNMP(&cfg)
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Connect(); err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	rows := map[string]bool{}
	walk := func() int {
		n := 0
		for _, col := range columns {
			err := g.BulkWalk(col, func(p gosnmp.SnmpPDU) error {
				n++
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		return n
	}
	_ = g.BulkWalk(columns[0], func(p gosnmp.SnmpPDU) error { rows[p.Name] = true; return nil })
	walk()
	requests := 0
	g.OnSent = func(*gosnmp.GoSNMP) { requests++ }
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for range b.N {
		walk()
	}
	cpu := cpuTime() - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(len(rows)), "ifaces")
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}

// countingClient counts the requests a poll sends.
type countingClient struct {
	Client
	n int
}

// Idle lets the wrapped client release its socket between polls, as the session would.
func (c *countingClient) Idle() error {
	if i, ok := c.Client.(idler); ok {
		return i.Idle()
	}
	return nil
}

func (c *countingClient) GetBulk(ctx context.Context, oids []string, reps uint32) (*gosnmp.SnmpPacket, error) {
	c.n++
	return c.Client.GetBulk(ctx, oids, reps)
}

func (c *countingClient) Get(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	c.n++
	return c.Client.Get(ctx, oids)
}

func (c *countingClient) GetNext(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	c.n++
	return c.Client.GetNext(ctx, oids)
}

package snmp

import (
	"bufio"
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
)

// meminfo reads /proc/meminfo in KiB.
func meminfo(t *testing.T) map[string]float64 {
	t.Helper()
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Skipf("no /proc/meminfo: %v", err)
	}
	defer f.Close()
	m := map[string]float64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
		if err == nil {
			m[k] = n
		}
	}
	return m
}

// cpuTimes reads /proc/stat's per-CPU lines: busy and total jiffies.
func cpuTimes(t *testing.T) (busy, total []float64) {
	t.Helper()
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Skipf("no /proc/stat: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || !strings.HasPrefix(f[0], "cpu") || f[0] == "cpu" {
			continue
		}
		var sum, idle float64
		for i, s := range f[1:] {
			v, _ := strconv.ParseFloat(s, 64)
			sum += v
			if i == 3 || i == 4 { // idle, iowait (net-snmp counts both as not busy)
				idle += v
			}
		}
		busy = append(busy, sum-idle)
		total = append(total, sum)
	}
	return busy, total
}

// TestSnmpdHostResourcesAgainstProc polls the real net-snmp agent with profiles: [auto] and
// checks memory and CPU against /proc read around the poll: net-snmp's hrStorage "Physical
// memory" minus buffers and cache (host-resources) is MemTotal − MemFree − Buffers −
// (Cached + SReclaimable), and hrProcessorLoad (one per CPU) is the busy share over the
// agent's last minute. It takes a minute: net-snmp has no load before.
func TestSnmpdHostResourcesAgainstProc(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for net-snmp's CPU sampling")
	}
	busy0, total0 := cpuTimes(t)
	agent := peers.StartSnmpd(t)
	// net-snmp samples /proc/stat every 5 s and serves hrProcessorLoad only once it has a
	// minute of samples (the load is the busy share over that minute).
	time.Sleep(62 * time.Second)
	cfg := agentConfig(t, agent.Addr, func(c *Config) { c.Version, c.Community = "2c", collector.Secret(peers.SnmpdCommunity) })
	cfg.Profiles = AutoProfiles(nil)
	s, err := New(cfg, collector.Runtime{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := meminfo(t)
	points, err := s.Poll(context.Background())
	after := meminfo(t)
	busy1, total1 := cpuTimes(t)
	if err != nil {
		t.Fatalf("poll: %v\n%s", err, agent.Log())
	}
	if m := s.Matches(); len(m) == 0 {
		t.Error("no profile verdicts after the poll")
	} else {
		for _, pm := range m {
			if pm.Profile == "ucd" && !pm.Active {
				t.Errorf("ucd not matched on net-snmp: %s", pm.Why)
			}
			if pm.Profile == "cisco" && pm.Active {
				t.Errorf("cisco matched net-snmp: %s", pm.Why)
			}
		}
	}

	// net-snmp 5.9's "Cached memory" row is Cached + SReclaimable (reclaimable slab).
	used := func(m map[string]float64) float64 {
		return (m["MemTotal"] - m["MemFree"] - m["Buffers"] - m["Cached"] - m["SReclaimable"]) * 1024
	}
	lo, hi := math.Min(used(before), used(after)), math.Max(used(before), used(after))
	// The agent reads /proc/meminfo between our two reads; page-cache churn by other
	// processes in that window is the drift. 16 MiB of slack covers the agent's own reads
	// on a busy machine.
	const slack = 16 << 20
	var gotMem, gotCPU int
	var cpus []float64
	for _, p := range points {
		if p.Measurement != componentsMeasurement {
			continue
		}
		if tagOf(p, "component_name") == "Physical memory" {
			u, ok := fieldNum(p, fMemUsed)
			a, _ := fieldNum(p, fMemAvail)
			if !ok {
				t.Fatalf("Physical memory without %s: %v", fMemUsed, p)
			}
			gotMem++
			if u < lo-slack || u > hi+slack {
				t.Errorf("utilized %.0f B, /proc/meminfo says %.0f..%.0f B", u, lo, hi)
			}
			if total := before["MemTotal"] * 1024; math.Abs(u+a-total) > 1024 {
				t.Errorf("utilized + available = %.0f B, MemTotal %.0f B", u+a, total)
			}
			t.Logf("memory: utilized %.1f MiB (/proc: %.1f..%.1f MiB)", u/(1<<20), lo/(1<<20), hi/(1<<20))
		}
		if v, ok := fieldNum(p, fCPU); ok {
			gotCPU++
			cpus = append(cpus, v)
		}
	}
	if gotMem != 1 {
		t.Errorf("%d Physical memory components, want 1", gotMem)
	}
	if gotCPU != len(busy0) {
		t.Fatalf("%d CPU components, /proc/stat has %d CPUs", gotCPU, len(busy0))
	}
	// Compare the average over CPUs (the agent's rows are in hrDevice order, which need not
	// be /proc/stat's) with /proc/stat's busy share over the agent's lifetime, which is the
	// agent's minute give or take a 5 s sample: allow 10 points.
	var want, got float64
	for i := range busy0 {
		if d := total1[i] - total0[i]; d > 0 {
			want += 100 * (busy1[i] - busy0[i]) / d
		}
		got += cpus[i]
	}
	want /= float64(len(busy0))
	got /= float64(len(busy0))
	t.Logf("cpu: hrProcessorLoad average %.1f %%, /proc/stat %.1f %%", got, want)
	if math.Abs(got-want) > 10 {
		t.Errorf("hrProcessorLoad average %.1f %%, /proc/stat %.1f %% over the same time", got, want)
	}
}

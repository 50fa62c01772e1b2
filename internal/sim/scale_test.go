package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
)

// The scale test runs the fleet in a child process (this test binary re-executed with
// NETPULSE_SIM_CHILD=1), so the figures are the simulator's own, without the load
// generator's CPU and memory. Sizes come from the environment:
//
//	NETPULSE_SIM_SCALE=1  full size: 1,000 SNMP + 100 gNMI devices × 48 interfaces, 20 s of load
//	(unset)               a small version (100 + 10 devices, 3 s) that keeps the harness tested
//
// NETPULSE_SIM_SHAPE=interface selects the atomic per-interface notification shape.

type scaleChildDevice struct {
	Name, Proto, Address string
}

// TestScaleChild is the child side: start the fleet, print the devices as one JSON line,
// serve until stdin closes.
func TestScaleChild(t *testing.T) {
	if os.Getenv("NETPULSE_SIM_CHILD") != "1" {
		t.Skip("runs only as the child of TestScale")
	}
	atoi := func(k string) int { n, _ := strconv.Atoi(os.Getenv(k)); return n }
	shape, err := ParseShape(os.Getenv("NETPULSE_SIM_SHAPE"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	t0 := time.Now()
	f, err := Start(ctx, Config{SNMPDevices: atoi("NETPULSE_SIM_SNMP"), GNMIDevices: atoi("NETPULSE_SIM_GNMI"),
		Interfaces: atoi("NETPULSE_SIM_IFS"), NotificationShape: shape}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var devs []scaleChildDevice
	for _, d := range f.Devices() {
		devs = append(devs, scaleChildDevice{d.Name, d.Proto, d.Address})
	}
	b, _ := json.Marshal(devs)
	fmt.Printf("STARTUP %d\n%s\n", time.Since(t0).Milliseconds(), b)
	_, _ = io.Copy(io.Discard, os.Stdin)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("STATS %+v live_heap_MiB=%d goroutines=%d\n", f.Stats(), ms.HeapInuse>>20, runtime.NumGoroutine())
	cancel()
	f.Wait()
}

// procStat reads a process's CPU time (user+system) and resident memory from /proc.
func procStat(t *testing.T, pid int) (cpu time.Duration, rssKB int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the command name (which is in parentheses and may hold spaces).
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.Atoi(fields[11])
	st, _ := strconv.Atoi(fields[12])
	// USER_HZ is 100 on Linux.
	cpu = time.Duration(ut+st) * 10 * time.Millisecond
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			rssKB, _ = strconv.Atoi(strings.Fields(v)[0])
		}
	}
	return cpu, rssKB
}

func TestScale(t *testing.T) {
	snmpN, gnmiN, ifs, idle, load := 100, 10, 48, 2*time.Second, 3*time.Second
	if os.Getenv("NETPULSE_SIM_SCALE") == "1" {
		snmpN, gnmiN, idle, load = 1000, 100, 5*time.Second, 20*time.Second
	}
	// NETPULSE_SIM_SNMP / NETPULSE_SIM_GNMI override the device counts (to measure one
	// protocol alone).
	if v, err := strconv.Atoi(os.Getenv("NETPULSE_SIM_SNMP")); err == nil {
		snmpN = v
	}
	if v, err := strconv.Atoi(os.Getenv("NETPULSE_SIM_GNMI")); err == nil {
		gnmiN = v
	}
	shape := os.Getenv("NETPULSE_SIM_SHAPE")
	cmd := exec.Command(os.Args[0], "-test.run=^TestScaleChild$", "-test.v=false")
	cmd.Env = append(os.Environ(), "NETPULSE_SIM_CHILD=1", "NETPULSE_SIM_SNMP="+strconv.Itoa(snmpN),
		"NETPULSE_SIM_GNMI="+strconv.Itoa(gnmiN), "NETPULSE_SIM_IFS="+strconv.Itoa(ifs))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := false
	defer func() {
		if !done {
			stdin.Close()
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	var startupMS int
	var devs []scaleChildDevice
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "STARTUP "); ok {
			startupMS, _ = strconv.Atoi(v)
			continue
		}
		if strings.HasPrefix(sc.Text(), "[") {
			if err := json.Unmarshal(sc.Bytes(), &devs); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	if len(devs) != snmpN+gnmiN {
		t.Fatalf("child reported %d devices, want %d", len(devs), snmpN+gnmiN)
	}
	pid := cmd.Process.Pid

	// Idle: only the gNMI feeder works.
	cpu0, rssIdle := procStat(t, pid)
	tm := time.NewTimer(idle)
	<-tm.C
	cpu1, _ := procStat(t, pid)

	// Load: every SNMP device polled once per 10 s (two GETBULK column walks of 48 rows,
	// as a collector reading ifHCInOctets/ifHCOutOctets does), and STREAM subscriptions
	// to /interfaces on a fifth of the gNMI devices.
	ctx, cancel := context.WithTimeout(context.Background(), load)
	defer cancel()
	var polls, pollErrs, varbinds, streamed atomic.Uint64
	var wg sync.WaitGroup
	var snmpDevs, gnmiDevs []Device
	for _, d := range devs {
		if d.Proto == "snmp" {
			snmpDevs = append(snmpDevs, Device{Name: d.Name, Proto: d.Proto, Address: d.Address, Community: "public"})
		} else {
			gnmiDevs = append(gnmiDevs, Device{Name: d.Name, Proto: d.Proto, Address: d.Address})
		}
	}
	if len(snmpDevs) == 0 {
		snmpDevs = nil
	}
	clients := make([]*gosnmp.GoSNMP, len(snmpDevs))
	for i, d := range snmpDevs {
		clients[i] = goSNMP(t, d, gosnmp.Version2c, func(g *gosnmp.GoSNMP) { g.MaxRepetitions = 48 })
	}
	streams := min(len(gnmiDevs), max(1, len(gnmiDevs)/5))
	for _, d := range gnmiDevs[:streams] {
		c, _ := gnmiClient(t, d)
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := c.Subscribe(ctx)
			if err != nil {
				return
			}
			_ = st.Send(&gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Subscribe{Subscribe: &gnmipb.SubscriptionList{
				Mode: gnmipb.SubscriptionList_STREAM, Subscription: []*gnmipb.Subscription{{Path: &gnmipb.Path{Elem: elems("interfaces")}}}}}})
			for {
				r, err := st.Recv()
				if err != nil {
					return
				}
				streamed.Add(uint64(len(r.GetUpdate().GetUpdate())))
			}
		}()
	}
	sem := make(chan struct{}, 16)
	tick := time.NewTicker(10 * time.Second / time.Duration(max(1, len(clients))))
	start := time.Now()
	cpu2, _ := procStat(t, pid)
poll:
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			break poll
		case <-tick.C:
		}
		if len(clients) == 0 {
			continue
		}
		g := clients[i%len(clients)]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			for _, col := range []string{".1.3.6.1.2.1.31.1.1.1.6", ".1.3.6.1.2.1.31.1.1.1.10"} {
				vars, err := g.BulkWalkAll(col)
				if err != nil || len(vars) != ifs {
					pollErrs.Add(1)
					continue
				}
				varbinds.Add(uint64(len(vars)))
			}
			polls.Add(1)
		}()
	}
	tick.Stop()
	elapsed := time.Since(start)
	cpu3, rssLoad := procStat(t, pid)
	wg.Wait()

	stdin.Close()
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "STATS") {
			t.Log(sc.Text())
		}
	}
	done = true
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}

	n := float64(snmpN + gnmiN)
	idlePct := 100 * (cpu1 - cpu0).Seconds() / idle.Seconds()
	loadPct := 100 * (cpu3 - cpu2).Seconds() / elapsed.Seconds()
	report := fmt.Sprintf(`scale: %d SNMP + %d gNMI devices × %d interfaces, gNMI shape %q, update interval 1s
  startup                %d ms
  RSS after start        %d MiB (%.1f KiB per device)
  RSS under load         %d MiB (%.1f KiB per device)
  CPU idle (feeder only) %.1f%% of one core (%.3f%% per device)
  CPU under load         %.1f%% of one core (%.3f%% per device) over %v
  SNMP polls             %d (%.1f/s, %d varbinds, %d errors)
  gNMI streams           %d, %d updates received (%.0f/s)`,
		snmpN, gnmiN, ifs, shape, startupMS,
		rssIdle/1024, float64(rssIdle)/n, rssLoad/1024, float64(rssLoad)/n,
		idlePct, idlePct/n, loadPct, loadPct/n, elapsed.Round(time.Second),
		polls.Load(), float64(polls.Load())/elapsed.Seconds(), varbinds.Load(), pollErrs.Load(),
		streams, streamed.Load(), float64(streamed.Load())/elapsed.Seconds())
	t.Log("\n" + report)
	if pollErrs.Load() > polls.Load()/100 {
		t.Errorf("%d of %d SNMP polls failed", pollErrs.Load(), polls.Load())
	}
	if gnmiN > 0 && streamed.Load() == 0 {
		t.Error("no gNMI update streamed")
	}
}

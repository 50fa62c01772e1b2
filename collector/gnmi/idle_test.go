package gnmi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/sim"
)

// idleSimEnv makes the test binary serve simulated gNMI devices (TestIdleSimProcess);
// idleSimTLSEnv, over TLS.
const (
	idleSimEnv    = "NETPULSE_TEST_IDLE_SIM"
	idleSimTLSEnv = "NETPULSE_TEST_IDLE_SIM_TLS"
	// idleSimUpdateEnv: how often the devices push their counters (default: once).
	idleSimUpdateEnv = "NETPULSE_TEST_IDLE_SIM_UPDATE"
)

// TestIdleSimProcess is not a test: run with idleSimEnv=N it serves N simulated gNMI
// devices, prints "addr HOST:PORT" for each and serves until its stdin closes. The devices
// run in this child process so that TestIdleSessionMemory counts the client side only.
func TestIdleSimProcess(t *testing.T) {
	var n int
	if _, err := fmt.Sscan(os.Getenv(idleSimEnv), &n); err != nil || n <= 0 {
		t.Skip("helper process of TestIdleSessionMemory")
	}
	var err error
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Counters are pushed once (the initial tree): the sessions are idle after the sync.
	tlsMode := os.Getenv(idleSimTLSEnv) != ""
	update := time.Hour
	if v := os.Getenv(idleSimUpdateEnv); v != "" {
		if update, err = time.ParseDuration(v); err != nil {
			t.Fatal(err)
		}
	}
	f, err := sim.Start(ctx, sim.Config{GNMIDevices: n, Interfaces: 48, UpdateInterval: update,
		NotificationShape: sim.ShapePerInterface, TLS: tlsMode}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Devices() {
		fmt.Printf("addr %s\n", d.Address)
	}
	if tlsMode {
		ca := filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(ca, f.Devices()[0].CAPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("ca %s\n", ca)
	}
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	cancel()
	f.Wait()
}

// TestIdleSessionMemory measures what an idle gNMI session holds once its stream has
// synced (48 interfaces, the per-interface counters subscription): the heap it keeps and its
// goroutines (each a stack). At fleet scale this is most of the daemon's memory per device
// (BENCHMARKS.md, "Fleet scale as a daemon").
func TestIdleSessionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process with 50 simulated devices")
	}
	t.Run("plaintext", func(t *testing.T) { idleSessionMemory(t, false) })
	// TLS: grpc reads a TLS connection through a buffer of its own (its pooled,
	// non-blocking reads need a raw socket), which dial sizes (tlsReadBuffer).
	t.Run("tls", func(t *testing.T) { idleSessionMemory(t, true) })
}

func idleSessionMemory(t *testing.T, tlsMode bool) {
	const n = 50
	if os.Getenv("NETPULSE_IDLE_HEAP_PROFILE") != "" {
		old := runtime.MemProfileRate
		runtime.MemProfileRate = 1 // every allocation: the profile is of a few MB
		t.Cleanup(func() { runtime.MemProfileRate = old })
	}
	addrs, ca := startSimProcess(t, n, tlsMode, "")

	heap := func() (heap, stacks int64) {
		runtime.GC()
		runtime.GC() // the second cycle frees what the first one's finalizers released
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapAlloc), int64(m.StackInuse)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, n)
	t.Cleanup(func() {
		cancel()
		for range n {
			<-done
		}
	})
	work := collector.NewGate(runtime.GOMAXPROCS(0), nil)
	shared := NewShared() // the process's, as cmd/netpulse hands it to every session
	sink := collector.SinkFunc(func(context.Context, []collector.Point) error { return nil })
	start := func(i int) *collector.Stats {
		st := &collector.Stats{}
		s, err := shared.New(Config{Name: fmt.Sprintf("dev%d", i), Address: addrs[i], Insecure: !tlsMode, TLSCA: ca, ServerName: "localhost",
			Subscriptions: []Subscription{{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"},
				Mode: "stream", StreamMode: "sample", SampleInterval: 10 * time.Second}}},
			collector.Runtime{Stats: st, Work: work}, nil)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer func() { done <- struct{}{} }()
			_ = s.Run(ctx, sink)
		}()
		return st
	}
	synced := func(stats []*collector.Stats) {
		deadline := time.Now().Add(time.Minute)
		for _, st := range stats {
			for st.Polls.Load() == 0 {
				if time.Now().After(deadline) {
					t.Fatal("sessions did not sync within a minute")
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	// Warm up: one session pays the one-time costs (grpc's and protobuf's registries, the
	// field-type table's lazily built indexes).
	synced([]*collector.Stats{start(0)})
	time.Sleep(500 * time.Millisecond) // its last points flushed

	h0, s0 := heap()
	g0 := runtime.NumGoroutine()
	stats := make([]*collector.Stats, 0, n-1)
	for i := 1; i < n; i++ {
		stats = append(stats, start(i))
	}
	synced(stats)
	time.Sleep(500 * time.Millisecond) // the coalescers' last flushes
	h1, s1 := heap()
	if path := os.Getenv("NETPULSE_IDLE_HEAP_PROFILE"); path != "" {
		writeHeapProfile(t, path)
	}
	per, stack := (h1-h0)/(n-1), (s1-s0)/(n-1)
	gor := float64(runtime.NumGoroutine()-g0) / float64(n-1)
	t.Logf("an idle session (48 interfaces, synced): %d bytes of heap, %.1f goroutines, %d bytes of stack", per, gor, stack)
	// Measured: 32 KiB plaintext, 53 KiB over TLS with the sealed lines kept per line and the
	// normalizers' caches, scratch and plan shared by the process (gnmi.Shared; the
	// snapshot's sealed lines are still remembered, 500 ms after the sync_response; BENCHMARKS.md,
	// "gNMI memory per device, fifth pass"); 47 and 68 with a hash per sealed field and
	// the caches per stream; 58 and 79 with the sealed fields in a map ("fourth pass"), 75
	// and 112 before the coalescer's hashes and the TLS read buffer ("third pass").
	limit := int64(36 << 10)
	if tlsMode {
		limit = 57 << 10
	}
	if per > limit {
		t.Errorf("an idle session holds %d bytes of heap, want under %d KiB", per, limit>>10)
	}
	if gor > 7 {
		t.Errorf("an idle session runs %.1f goroutines, want at most 7", gor)
	}
}

// writeHeapProfile writes the heap profile of the idle sessions to path
// (NETPULSE_IDLE_HEAP_PROFILE=FILE go test -run TestIdleSessionMemory): what each one holds,
// by allocation site.
func writeHeapProfile(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
	t.Logf("heap profile in %s", path)
}

// startSimProcess starts n simulated devices in a child process (TestIdleSimProcess), over
// TLS if asked, pushing counters every update (once when ""), and returns their addresses
// and, with TLS, the CA file to trust.
func startSimProcess(t *testing.T, n int, tlsMode bool, update string) (addrs []string, ca string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestIdleSimProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", idleSimEnv, n))
	if tlsMode {
		cmd.Env = append(cmd.Env, idleSimTLSEnv+"=1")
	}
	if update != "" {
		cmd.Env = append(cmd.Env, idleSimUpdateEnv+"="+update)
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && sc.Text() != "ready" {
		if a, ok := strings.CutPrefix(sc.Text(), "addr "); ok {
			addrs = append(addrs, a)
		}
		if c, ok := strings.CutPrefix(sc.Text(), "ca "); ok {
			ca = c
		}
	}
	if len(addrs) != n {
		t.Fatalf("the simulator process gave %d addresses, want %d", len(addrs), n)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return addrs, ca
}

// TestTLSStreamCPU is a measurement, run on request (NETPULSE_TLS_CPU=1): 20 devices over
// TLS push 48 interfaces' counters every 200 ms, and it logs the updates the sessions
// received per CPU-second of this process over 15 s. It compares builds that read TLS
// differently (tlsReadBuffer): BENCHMARKS.md, "gNMI memory per device, third pass".
func TestTLSStreamCPU(t *testing.T) {
	if os.Getenv("NETPULSE_TLS_CPU") == "" {
		t.Skip("a measurement: set NETPULSE_TLS_CPU=1")
	}
	const n = 20
	addrs, ca := startSimProcess(t, n, true, "200ms")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, n)
	defer func() {
		cancel()
		for range n {
			<-done
		}
	}()
	work := collector.NewGate(1, nil)
	sink := collector.SinkFunc(func(context.Context, []collector.Point) error { return nil })
	var stats []*collector.Stats
	for i := range n {
		st := &collector.Stats{}
		stats = append(stats, st)
		s, err := New(Config{Name: fmt.Sprintf("dev%d", i), Address: addrs[i], TLSCA: ca, ServerName: "localhost",
			Subscriptions: []Subscription{{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"},
				Mode: "stream", StreamMode: "sample", SampleInterval: 200 * time.Millisecond}}},
			collector.Runtime{Stats: st, Work: work}, nil)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer func() { done <- struct{}{} }()
			_ = s.Run(ctx, sink)
		}()
	}
	updates := func() (u int64) {
		for _, st := range stats {
			u += st.Updates.Load()
		}
		return u
	}
	cpu := func() time.Duration {
		var r syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &r); err != nil {
			t.Fatal(err)
		}
		return time.Duration(r.Utime.Nano() + r.Stime.Nano())
	}
	time.Sleep(3 * time.Second) // the initial syncs
	u0, c0 := updates(), cpu()
	time.Sleep(15 * time.Second)
	u, c := updates()-u0, cpu()-c0
	if u == 0 {
		t.Fatal("no updates received")
	}
	t.Logf("TLS: %d updates in 15 s, %v of CPU: %.0f updates per CPU-second", u, c.Round(time.Millisecond), float64(u)/c.Seconds())
}

package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/internal/sim"
	"github.com/netpulse/netpulse/outputs"
)

// startGNMIDevice runs one simulated gNMI device (the reference gNMI server behind it) and
// returns it. With a long update interval its tree holds only the initial load, all counters
// of one interface stamped alike, so snapshots are deterministic.
func startGNMIDevice(t *testing.T, cfg sim.Config) sim.Device {
	t.Helper()
	cfg.GNMIDevices = 1
	if cfg.Interfaces == 0 {
		cfg.Interfaces = 4
	}
	if cfg.UpdateInterval == 0 {
		cfg.UpdateInterval = time.Hour
	}
	ctx, cancel := context.WithCancel(context.Background())
	fleet, err := sim.Start(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); fleet.Wait() })
	return fleet.Devices()[0]
}

// runCLIIn is runCLI with a given stdin.
func runCLIIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// daemonLines runs the daemon's own gNMI session (gnmi.New, once) with the same
// subscription and returns its points, merged per series, as line protocol.
func daemonLines(t *testing.T, addr string, sub gnmi.Subscription) []string {
	t.Helper()
	sess, err := gnmi.New(gnmi.Config{Name: addr, Address: addr, Insecure: true,
		Subscriptions: []gnmi.Subscription{sub}}, collector.Runtime{Once: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex // a session emits from its stream and from its grouping flusher at once
		pts []collector.Point
	)
	sink := collector.SinkFunc(func(_ context.Context, p []collector.Point) error {
		mu.Lock()
		defer mu.Unlock()
		pts = append(pts, p...)
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := sess.Run(ctx, sink); err != nil {
		t.Fatal(err)
	}
	b, err := outputs.AppendLineProtocol(nil, mergePoints(pts), outputs.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sortedLines(string(b))
}

func sortedLines(s string) []string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(lines)
	return lines
}

func TestSubscribeOnceLineProtocolMatchesDaemon(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 4})
	code, out, stderr := runCLI(t, "subscribe", "--address", dev.Address, "--insecure",
		"--path", "/interfaces/interface/state/counters", "--mode", "once", "--format", "lp")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := sortedLines(out)
	if len(lines) != 4 {
		t.Fatalf("want one line per interface (4), got %d:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "interfaces,interface_name=") || !strings.Contains(l, ",source="+dev.Address) ||
			!strings.Contains(l, "state/counters/in-octets=") || !strings.Contains(l, "state/counters/out-octets=") {
			t.Errorf("line does not carry the daemon's names: %s", l)
		}
	}
	want := daemonLines(t, dev.Address, gnmi.Subscription{Name: "interfaces", Measurement: "interfaces",
		Paths: []string{"/interfaces/interface/state/counters"}, Mode: "once"})
	if !slices.Equal(lines, want) {
		t.Errorf("CLI lines differ from the daemon's:\ncli:\n%s\ndaemon:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestSubscribeStreamCount(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 4, UpdateInterval: 20 * time.Millisecond})
	code, out, stderr := runCLI(t, "subscribe", "-a", dev.Address, "--insecure",
		"--path", "/interfaces/interface/state/counters", "--mode", "stream", "--count", "100",
		"--format", "json", "--duration", "30s")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	updates := 0
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.Contains(l, `"update"`) {
			updates++
		}
	}
	if updates != 100 {
		t.Errorf("--count 100 printed %d notifications", updates)
	}
}

func TestSubscribeStreamTableUntilDuration(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 2, UpdateInterval: 50 * time.Millisecond})
	began := time.Now()
	code, out, stderr := runCLI(t, "subscribe", "-a", dev.Address, "--insecure",
		"--path", "/system/state/current-datetime", "--duration", "400ms")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("--duration 400ms took %s", took)
	}
	if !strings.HasPrefix(out, "TIME ") || !strings.Contains(out, "system ") || !strings.Contains(out, "state/current-datetime") {
		t.Errorf("table output:\n%s", out)
	}
}

func TestSubscribePollOnStdinLines(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 2})
	// Two lines on stdin: the initial snapshot plus two polls, then EOF ends the command.
	code, out, stderr := runCLIIn(t, "\n\n", "subscribe", "-a", dev.Address, "--insecure",
		"--path", "/system/state/hostname", "--mode", "poll", "--format", "json", "--duration", "20s")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := strings.Count(out, `"syncResponse":true`); n != 3 {
		t.Errorf("want 3 snapshots (initial + 2 polls), got %d:\n%s", n, out)
	}
	if n := strings.Count(out, `"stringVal":"`+dev.Name+`"`); n != 3 {
		t.Errorf("want the hostname in 3 snapshots, got %d:\n%s", n, out)
	}
}

func TestSubscribePollInterval(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 2})
	code, out, stderr := runCLI(t, "subscribe", "-a", dev.Address, "--insecure",
		"--path", "/system/state/hostname", "--mode", "poll", "--poll-interval", "100ms", "--count", "3", "--format", "lp", "--duration", "20s")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "system,source="+dev.Address+` system/state/hostname="`+dev.Name+`"`) {
		t.Errorf("want 3 polled hostname lines, got:\n%s", out)
	}
}

func TestSubscribeSeveralTargetsPrefixed(t *testing.T) {
	a := startGNMIDevice(t, sim.Config{Interfaces: 2, Seed: 1})
	b := startGNMIDevice(t, sim.Config{Interfaces: 2, Seed: 2})
	code, out, stderr := runCLI(t, "subscribe", "-a", a.Address, "-a", b.Address, "--insecure",
		"--path", "/system/state/hostname", "--mode", "once")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, d := range []sim.Device{a, b} {
		if !strings.Contains(out, "["+d.Address+"] ") {
			t.Errorf("no line prefixed with [%s]:\n%s", d.Address, out)
		}
	}
}

func TestSubscribeBadInput(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--path", "/a"}, "--address is required"},
		{[]string{"-a", "127.0.0.1", "--path", "/a"}, "use host:port"},
		{[]string{"-a", "127.0.0.1:1", "--insecure"}, "--path is required"},
		{[]string{"-a", "127.0.0.1:1", "--insecure", "--path", "/interfaces/interface[name=x/state"}, "character 22"},
		{[]string{"-a", "127.0.0.1:1", "--insecure", "--path", "/a", "--mode", "sometimes"}, `--mode "sometimes"`},
		{[]string{"-a", "127.0.0.1:1", "--insecure", "--path", "/a", "--format", "xml"}, `--format "xml"`},
		{[]string{"-a", "127.0.0.1:1", "--insecure", "--tls-ca", "ca.pem", "--path", "/a"}, "--insecure conflicts with --tls-ca"},
		{[]string{"-a", "127.0.0.1:1", "--insecure", "--path", "/a", "--poll-interval", "1s"}, "--poll-interval is set but mode"},
		{[]string{"-a", "127.0.0.1:1", "--sample-interval", "soon"}, "invalid argument"},
		{[]string{"-a", "127.0.0.1:1", "--tls-ca", "/nonexistent/ca.pem", "--path", "/a", "--mode", "once"}, "read --tls-ca"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, append([]string{"subscribe"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

func TestDefaultMeasurement(t *testing.T) {
	cases := map[string]string{
		"/interfaces/interface/state/counters":    "interfaces",
		"openconfig:/system/state":                "system",
		"/openconfig-interfaces:interfaces/inter": "interfaces",
		"/": "gnmi",
	}
	for p, want := range cases {
		if got := defaultMeasurement([]string{p}, ""); got != want {
			t.Errorf("defaultMeasurement(%q) = %q, want %q", p, got, want)
		}
	}
	if got := defaultMeasurement([]string{"state"}, "/network-instances/network-instance"); got != "network-instances" {
		t.Errorf("prefix first: got %q", got)
	}
}

func TestSubscribeOutputFile(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 2})
	path := filepath.Join(t.TempDir(), "snap.lp")
	code, out, stderr := runCLI(t, "subscribe", "-a", dev.Address, "--insecure", "--path", "/interfaces/interface/state/counters",
		"--mode", "once", "--format", "lp", "--output", path)
	b, err := os.ReadFile(path)
	if code != 0 || err != nil || out != "" || strings.Count(string(b), "\n") != 2 || !strings.HasPrefix(string(b), "interfaces,") {
		t.Errorf("--output: exit %d, err %v, stdout %q, file:\n%s%s", code, err, out, b, stderr)
	}
}

// With a username and no password anywhere, a non-terminal stdin never prompts: the RPC
// goes out without a password and the server's refusal is explained.
func TestNoPasswordPromptOffTerminal(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 1, GNMIUsername: "admin", GNMIPassword: "s3cret"})
	t.Setenv(passwordEnv, "")
	if err := os.Unsetenv(passwordEnv); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLIIn(t, "s3cret\n", "capabilities", "-a", dev.Address, "--insecure", "-u", "admin")
	if code != exitFailure || strings.Contains(stderr, "Password for") || !strings.Contains(stderr, "authentication failed") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

// Names do not depend on how prefix and path split the full path (DESIGN §4).
func TestSubscribePrefixSameNames(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 3})
	code, whole, stderr := runCLI(t, "subscribe", "-a", dev.Address, "--insecure", "--mode", "once", "--format", "lp",
		"--path", "/interfaces/interface/state/counters")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, split, stderr := runCLI(t, "subscribe", "-a", dev.Address, "--insecure", "--mode", "once", "--format", "lp",
		"--prefix", "/interfaces", "--origin", "openconfig", "--path", "interface/state/counters")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if a, b := sortedLines(whole), sortedLines(split); !slices.Equal(a, b) || len(a) != 3 {
		t.Errorf("prefix changed the output:\nwhole path:\n%s\nprefix + path:\n%s", whole, split)
	}
}

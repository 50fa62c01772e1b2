package snmp

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
)

// netnsChildEnv marks the copy of the test binary that runs inside the namespace; its value
// is the number of veth pairs there.
const netnsChildEnv = "NETPULSE_SNMP_NETNS_PAIRS"

// netnsPairs is how many veth pairs the scale test creates: both ends live in the namespace,
// so the agent has 2*netnsPairs+1 interfaces (with lo).
const netnsPairs = 500

// setupNetns creates a network namespace with pairs veth pairs (both ends inside, all up, no
// addresses: no packet can leave it) and deletes it when the test ends. It needs root and
// iproute2: without them it skips, or fails under CI=true.
func setupNetns(t testing.TB, pairs int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		peers.Missing(t, "root (for network namespaces)", "run as root, as CI does")
	}
	ipBin, ok := peers.FindBinary("ip", "NETPULSE_IP")
	if !ok {
		peers.Missing(t, "ip (iproute2)", "apt-get install iproute2")
	}
	ns := fmt.Sprintf("np-snmp-%d", os.Getpid())
	_ = exec.Command(ipBin, "netns", "del", ns).Run() // a leftover from a killed run
	if out, err := exec.Command(ipBin, "netns", "add", ns).CombinedOutput(); err != nil {
		peers.Missing(t, "network namespaces", fmt.Sprintf("ip netns add: %v: %s", err, out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command(ipBin, "netns", "del", ns).CombinedOutput(); err != nil {
			t.Errorf("delete namespace %s: %v: %s", ns, err, out)
		}
	})
	// No IPv6 inside: 1,000 interfaces coming up would each start duplicate address
	// detection, and the netlink flood can make snmpd's address listener fail at start.
	const noIPv6 = "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6"
	if out, err := exec.Command(ipBin, "netns", "exec", ns, "sh", "-c", noIPv6).CombinedOutput(); err != nil {
		t.Logf("disable IPv6 in %s (continuing): %v: %s", ns, err, out)
	}
	var batch strings.Builder
	batch.WriteString("link set lo up\n")
	for i := range pairs {
		fmt.Fprintf(&batch, "link add npa%d type veth peer name npb%d\n", i, i)
	}
	for i := range pairs {
		fmt.Fprintf(&batch, "link set npa%d up\nlink set npb%d up\n", i, i)
	}
	cmd := exec.Command(ipBin, "-n", ns, "-batch", "-")
	cmd.Stdin = strings.NewReader(batch.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("create %d veth pairs in %s: %v: %s", pairs, ns, err, out)
	}
	return ns
}

// runInNetns re-executes this test binary inside ns, running only the test named run with
// env set, and returns its output; the child must print marker or the parent fails (so a
// child that skipped cannot pass for one that ran).
func runInNetns(t testing.TB, ns, run string, env []string, marker string, args ...string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	full := append([]string{"netns", "exec", ns, exe, "-test.run", run, "-test.v", "-test.count=1", "-test.timeout=4m"}, args...)
	cmd := exec.CommandContext(ctx, "ip", full...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child in namespace %s: %v\n%s", ns, err, out)
	}
	if !strings.Contains(string(out), marker) {
		t.Fatalf("child in namespace %s did not run its checks (no %q in its output):\n%s", ns, marker, out)
	}
	return string(out)
}

// TestNetnsThousandInterfaces runs snmpd in a namespace with ~1,000 veth interfaces and
// checks that one if-mib poll returns every one of them, each as its own series.
func TestNetnsThousandInterfaces(t *testing.T) {
	if v := os.Getenv(netnsChildEnv); v != "" {
		pairs, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s=%q", netnsChildEnv, v)
		}
		checkThousandInterfaces(t, pairs)
		return
	}
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("-short: the namespace scale test takes a few seconds (it always runs under CI=true)")
	}
	ns := setupNetns(t, netnsPairs)
	out := runInNetns(t, ns, "^TestNetnsThousandInterfaces$", []string{netnsChildEnv + "=" + strconv.Itoa(netnsPairs)}, "NETNS-CHECKED")
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "NETNS-CHECKED") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

// checkThousandInterfaces runs inside the namespace.
func checkThousandInterfaces(t *testing.T, pairs int) {
	agent := peers.StartSnmpd(t)
	cfg := agentConfig(t, agent.Addr, identities()[1].cfg) // v2c
	ifmib, _ := BuiltinProfile("if-mib")
	cfg.Profiles = []Profile{ifmib}
	s, err := New(cfg, collector.Runtime{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Now()
	points, err := s.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	want := map[string]bool{"lo": true}
	for i := range pairs {
		want[fmt.Sprintf("npa%d", i)] = true
		want[fmt.Sprintf("npb%d", i)] = true
	}
	series := map[string]bool{}
	for _, p := range points {
		name, _ := p.Tag("interface_name")
		if !want[name] {
			t.Errorf("unexpected or repeated interface %q", name)
		}
		delete(want, name)
		if f, ok := p.Field("state/oper-status"); !ok || f.StringValue() == "" {
			t.Errorf("%s: no oper-status", name)
		}
		if _, ok := p.Field("state/counters/in-octets"); !ok {
			t.Errorf("%s: no in-octets", name)
		}
		key := p.Measurement
		for _, tg := range p.Tags {
			key += "," + tg.Key + "=" + tg.Value
		}
		if series[key] {
			t.Errorf("series %s twice", key)
		}
		series[key] = true
	}
	if len(want) > 0 {
		t.Errorf("%d interfaces missing, e.g. %v", len(want), firstKeys(want, 5))
	}
	walk := netsnmpWalk(t, agent.Addr, []string{"-v2c", "-c", peers.SnmpdCommunity}, ".1.3.6.1.2.1.2.2.1.1")
	if len(walk) != len(points) {
		t.Errorf("snmpwalk ifIndex has %d rows, poll %d points", len(walk), len(points))
	}
	if !t.Failed() {
		fmt.Printf("NETNS-CHECKED: %d interfaces polled in %s (snmpwalk: %d)\n", len(points), took.Round(time.Millisecond), len(walk))
	}
}

func firstKeys(m map[string]bool, n int) []string {
	var out []string
	for k := range m {
		if len(out) == n {
			break
		}
		out = append(out, k)
	}
	return out
}

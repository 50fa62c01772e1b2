package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/internal/sim"
)

// TestRunSkipsFailingSNMPColumn runs the daemon as a user would against a simulated agent
// that answers genErr for every request naming ifMtu (issue 9, item 2): every interface is
// written without state/mtu, and /metrics counts the skipped column.
func TestRunSkipsFailingSNMPColumn(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	fleet, err := sim.Start(ctx, sim.Config{SNMPDevices: 1, Interfaces: 3, Seed: 5,
		SNMPGenErrColumns: []string{"1.3.6.1.2.1.2.2.1.4"}}, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	defer func() { cancel(); fleet.Wait() }()
	dev := fleet.Devices()[0]
	out := filepath.Join(t.TempDir(), "out.lp")
	port := peers.FreeTCPPort(t)
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: file
    path: %s
    flush_interval: 100ms
metrics:
  listen: 127.0.0.1:%d
targets:
  - name: bad-column
    address: %s
    snmp: {version: 2c, community: %s, profiles: [if-mib], interval: 300ms}
`, out, port, dev.Address, dev.Community))
	runCtx, stop := context.WithCancel(ctx)
	exited := make(chan int, 1)
	go func() {
		exited <- execute(runCtx, []string{"run", "--config", cfg, "--log-level", "error"}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	defer func() {
		stop()
		if code := <-exited; code != 0 {
			t.Errorf("daemon exit %d after cancel, want 0", code)
		}
	}()
	series := `netpulse_target_snmp_skipped_columns_total{target="bad-column",proto="snmp"} `
	skipped := func() float64 {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
		if err != nil {
			return -1
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, series); ok {
				var f float64
				if _, err := fmt.Sscan(v, &f); err == nil {
					return f
				}
			}
		}
		return -1
	}
	waitFor(t, 10*time.Second, "two polls counted in /metrics", func() bool { return skipped() >= 2 })
	lp, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(string(lp), "\n") {
		if !strings.HasPrefix(line, "interfaces,") {
			continue
		}
		if strings.Contains(line, "state/mtu=") {
			t.Fatalf("state/mtu written although the agent fails ifMtu: %s", line)
		}
		if !strings.Contains(line, "state/oper-status=") {
			t.Fatalf("an interface line lost other fields: %s", line)
		}
		for _, iface := range dev.Model.Interfaces {
			if strings.Contains(line, "interface_name="+iface.Name+",") || strings.Contains(line, "interface_name="+iface.Name+" ") {
				names[iface.Name] = true
			}
		}
	}
	if len(names) != len(dev.Model.Interfaces) {
		t.Fatalf("interfaces written %v, want all %d", names, len(dev.Model.Interfaces))
	}
}

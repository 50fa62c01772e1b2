package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/internal/peers"
)

func TestSelfMetricsEndpoint(t *testing.T) {
	agent := peers.StartSnmpd(t)
	port := peers.FreeTCPPort(t)
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: file
    path: %s/out.lp
    flush_interval: 200ms
metrics:
  listen: 127.0.0.1:%d
targets:
  - name: live
    address: %s
    snmp: {version: 2c, community: %s, profiles: [if-mib], interval: 1s}
  - name: wrong-community
    address: %s
    snmp: {version: 2c, community: nope, profiles: [if-mib], interval: 1s, timeout: 200ms, retries: 0}
`, t.TempDir(), port, agent.Addr, peers.SnmpdCommunity, agent.Addr))
	ctx, cancel := context.WithCancel(t.Context())
	exited := make(chan int, 1)
	go func() {
		exited <- execute(ctx, []string{"run", "--config", cfg, "--log-level", "error"}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("daemon exit %d after cancel, want 0", code)
		}
	}()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	get := func(path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var body string
	waitFor(t, 10*time.Second, "both targets polled and reported", func() bool {
		body = get("/metrics")
		return strings.Contains(body, `netpulse_target_up{target="live",proto="snmp"} 1`) &&
			metricValue(body, `netpulse_target_errors_total{target="wrong-community",proto="snmp"}`) >= 1
	})
	for _, want := range []string{
		`netpulse_target_up{target="wrong-community",proto="snmp"} 0`,
		`# TYPE netpulse_target_points_total counter`,
		`netpulse_target_dropped_fields_total{target="wrong-community",proto="snmp",reason="type_conflict"} 0`,
		`netpulse_output_points_emitted_total{output="file[0]`,
		`netpulse_output_buffer_bytes{output="file[0]`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
	if got := get("/healthz"); strings.TrimSpace(got) != "ok" {
		t.Errorf("/healthz = %q", got)
	}
}

// metricValue returns the sample value of the series (name with labels), or -1.
func metricValue(body, series string) float64 {
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err == nil {
				return f
			}
		}
	}
	return -1
}

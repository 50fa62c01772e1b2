package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/internal/sim"
)

// TestNoSecretOnAnySurface plants a distinct secret in every secret-bearing config key (and
// in the userinfo and credential query parameters of output URLs), runs netpulse against
// real peers — the simulated SNMP and gNMI devices, an InfluxDB 1.8.10 with authentication,
// a closed port — and searches everything it prints for each secret: `config check` (valid
// and invalid configs), the logs at debug level, the --once result lines and JSON summary,
// /metrics, /healthz, and the error messages of failing writes.
func TestNoSecretOnAnySurface(t *testing.T) {
	if testing.Short() {
		t.Skip("runs netpulse against real peers for several seconds")
	}
	secret := func(key string) string { return "planted-" + key + "-Zq7" }
	keys := []string{
		"community", "community_file", "auth_password", "priv_password", "auth_password_file",
		"priv_password_file", "gnmi_password", "gnmi_password_file", "token", "token_file",
		"url_password", "url_password_closed", "url_token_user", "query_p", "query_token", "query_password",
	}

	influx := peers.StartInfluxd(t, peers.WithInfluxAuth("admin", secret("url_password")))
	influx.CreateDatabase(t, "telemetry")
	fleet, err := sim.Start(t.Context(), sim.Config{
		SNMPDevices: 1, GNMIDevices: 1, Interfaces: 2, Seed: 3,
		Community: secret("community"),
		V3Users: []sim.V3User{{Name: "np", AuthProtocol: "SHA", AuthPassword: secret("auth_password"),
			PrivProtocol: "AES", PrivPassword: secret("priv_password")}},
		GNMIUsername: "admin", GNMIPassword: secret("gnmi_password"),
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var snmpAddr, gnmiAddr string
	for _, d := range fleet.Devices() {
		if d.Proto == "snmp" {
			snmpAddr = d.Address
		} else {
			gnmiAddr = d.Address
		}
	}

	dir := t.TempDir()
	file := func(key string) string {
		p := filepath.Join(dir, key)
		if err := os.WriteFile(p, []byte(secret(key)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	authURL, _ := url.Parse(influx.URL)
	authURL.User = url.UserPassword("admin", secret("url_password")) // InfluxDB 1.x basic auth
	closed := peers.FreeTCPPort(t)
	closedURL := fmt.Sprintf("http://reader:%s@127.0.0.1:%d/?u=reader&p=%s&token=%s&password=%s",
		secret("url_password_closed"), closed, secret("query_p"), secret("query_token"), secret("query_password"))
	metricsPort := peers.FreeTCPPort(t)
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: influxdb
    url: %s
    bucket: telemetry
    flush_interval: 200ms
  - type: influxdb
    url: %s
    token: "admin:%s"
    bucket: telemetry
    flush_interval: 200ms
  - type: influxdb
    url: %q
    token_file: %s
    bucket: telemetry
    flush_interval: 200ms
  - type: influxdb
    url: http://%s@127.0.0.1:%d
    bucket: telemetry
    flush_interval: 200ms
metrics:
  listen: 127.0.0.1:%d
targets:
  - name: v2c
    address: %s
    snmp: {version: 2c, community: %s, profiles: [if-mib], interval: 1s, timeout: 300ms, retries: 0}
  - name: v2c-file
    address: %s
    snmp: {version: 2c, community_file: %s, profiles: [system], interval: 1s, timeout: 300ms, retries: 0}
  - name: v3
    address: %s
    snmp: {version: 3, security_level: authPriv, user: np, auth_protocol: SHA, auth_password: %s, priv_protocol: AES, priv_password: %s, profiles: [system], interval: 1s, timeout: 300ms, retries: 0}
  - name: v3-file
    address: %s
    snmp: {version: 3, security_level: authPriv, user: np, auth_protocol: SHA, auth_password_file: %s, priv_protocol: AES, priv_password_file: %s, profiles: [system], interval: 1s, timeout: 300ms, retries: 0}
  - name: gnmi
    address: %s
    gnmi: {insecure: true, username: admin, password: %s, subscriptions: [sys], redial: {min: 200ms, max: 1s}}
  - name: gnmi-file
    address: %s
    gnmi: {insecure: true, username: admin, password_file: %s, subscriptions: [sys], redial: {min: 200ms, max: 1s}}
subscriptions:
  sys:
    paths: [/system/state]
    mode: once
`, authURL, influx.URL, secret("token"), closedURL, file("token_file"), secret("url_token_user"), closed, metricsPort,
		snmpAddr, secret("community"), snmpAddr, file("community_file"),
		snmpAddr, secret("auth_password"), secret("priv_password"),
		snmpAddr, file("auth_password_file"), file("priv_password_file"),
		gnmiAddr, secret("gnmi_password"), gnmiAddr, file("gnmi_password_file")))

	surfaces := map[string]string{}
	scan := func(name, text string) { surfaces[name] += text }

	// config check, valid and invalid (a URL without a scheme is an error that quotes it).
	_, out, errOut := runCLI(t, "config", "check", "--config", cfg)
	scan("config check", out+errOut)
	if !strings.Contains(out, "is valid") {
		t.Fatalf("config check failed: %s%s", out, errOut)
	}
	bad := writeConfig(t, fmt.Sprintf("outputs:\n  - type: influxdb\n    url: admin:%s@influx:8086\n    bucket: b\ntargets:\n  - name: a\n    address: 127.0.0.1:1\n    snmp: {community: x}\n", secret("url_password")))
	code, out, errOut := runCLI(t, "config", "check", "--config", bad)
	scan("config check (invalid URL)", out+errOut)
	if code != exitUsage || !strings.Contains(errOut, "needs a scheme") {
		t.Errorf("config check of a URL without scheme: exit %d, %s", code, errOut)
	}

	// run --once at debug level: logs, per-target and per-output lines, the JSON summary.
	code, out, errOut = runCLI(t, "run", "--once", "--config", cfg, "--log-level", "debug", "--log-format", "text",
		"--summary-json", "-", "--flush-timeout", "2s", "--target-timeout", "5s")
	scan("run --once stdout (summary)", out)
	scan("run --once stderr (logs, result lines, errors)", errOut)
	if code != exitOutput {
		t.Errorf("run --once exit %d, want 4 (three outputs cannot write)\n%s", code, errOut)
	}
	for _, want := range []string{"connection refused", "HTTP 401", "admin:xxxxx@127.0.0.1", "ok     v2c ", "ok     v3 ", "ok     gnmi "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("run --once stderr lacks %q: the surfaces under test were not exercised\n%s", want, errOut)
		}
	}
	// Basic auth from the URL's userinfo still authenticates (InfluxDB 1.x users rely on it).
	if rows := influx.Query(t, "telemetry", "SELECT count(*) FROM interfaces"); len(rows) == 0 {
		t.Error("nothing written through the output whose credentials are in the URL")
	}

	// The daemon: /metrics, /healthz, its logs at debug level and its shutdown report.
	ctx, cancel := context.WithCancel(t.Context())
	stderr := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- execute(ctx, []string{"run", "--config", cfg, "--log-level", "debug", "--log-format", "json", "--flush-timeout", "1s"},
			strings.NewReader(""), io.Discard, stderr)
	}()
	get := func(path string) string {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", metricsPort, path))
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	var metrics string
	waitFor(t, 15*time.Second, "/metrics reports write errors of the failing outputs", func() bool {
		metrics = get("/metrics")
		return strings.Contains(metrics, "netpulse_output_write_errors_total") && strings.Contains(metrics, "influxdb[3]")
	})
	scan("/metrics", metrics)
	scan("/healthz", get("/healthz"))
	cancel()
	<-exited
	scan("daemon stderr (debug logs, shutdown report)", stderr.String())
	if !strings.Contains(metrics, "reader:xxxxx@127.0.0.1") {
		t.Errorf("/metrics lacks the redacted output label:\n%s", metrics)
	}

	for surface, text := range surfaces {
		for _, k := range keys {
			if strings.Contains(text, secret(k)) {
				i := strings.Index(text, secret(k))
				t.Errorf("%s leaks the %s secret: …%s…", surface, k, text[max(0, i-200):min(len(text), i+100)])
			}
		}
	}
}

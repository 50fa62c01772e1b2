package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/outputs"
)

// scrape fetches /metrics and parses it as Prometheus text exposition.
func scrape(t *testing.T, base string) (map[string]*dto.MetricFamily, error) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("/metrics: HTTP %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		return nil, fmt.Errorf("/metrics Content-Type %q, want the text exposition format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// metricValue returns the value of one series of an exposition body, written as
// name{label="value",…} in any label order, or -1 when it is absent. It parses the body with
// expfmt: the labels are matched exactly, not as text.
func metricValue(body, series string) float64 {
	name, labels, _ := strings.Cut(series, "{")
	want := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSuffix(labels, "}"), ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			want[k] = strings.Trim(v, `"`)
		}
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		return -1
	}
	f, ok := fams[name]
	if !ok {
		return -1
	}
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		if maps.Equal(have, want) {
			v, _ := value(f, m)
			return v
		}
	}
	return -1
}

// value is a sample's value whatever its family's type.
func value(f *dto.MetricFamily, m *dto.Metric) (float64, bool) {
	switch f.GetType() {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue(), true
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue(), true
	case dto.MetricType_UNTYPED:
		return m.GetUntyped().GetValue(), true
	}
	return 0, false
}

// sample returns the value of the family's series whose labels include want, and whether
// there is one.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if !strings.HasPrefix(have[k], v) {
				continue next
			}
		}
		return value(f, m)
	}
	return 0, false
}

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
	var fams map[string]*dto.MetricFamily
	var lastErr error
	waitFor(t, 10*time.Second, "both targets polled and reported", func() bool {
		fams, lastErr = scrape(t, base)
		up, _ := sample(fams, "netpulse_target_up", map[string]string{"target": "live", "proto": "snmp"})
		errs, _ := sample(fams, "netpulse_target_errors_total", map[string]string{"target": "wrong-community"})
		return lastErr == nil && up == 1 && errs >= 1
	})
	if v, ok := sample(fams, "netpulse_target_up", map[string]string{"target": "wrong-community", "proto": "snmp"}); !ok || v != 0 {
		t.Errorf("netpulse_target_up{target=wrong-community} = %v (present %v), want 0", v, ok)
	}
	// Every metric netpulse had before client_golang, with its type and labels.
	for name, typ := range map[string]dto.MetricType{
		"netpulse_target_up": dto.MetricType_GAUGE, "netpulse_target_last_success_timestamp_seconds": dto.MetricType_GAUGE,
		"netpulse_target_poll_duration_seconds": dto.MetricType_GAUGE, "netpulse_target_polls_total": dto.MetricType_COUNTER,
		"netpulse_target_errors_total": dto.MetricType_COUNTER, "netpulse_target_skipped_polls_total": dto.MetricType_COUNTER,
		"netpulse_target_updates_total": dto.MetricType_COUNTER, "netpulse_target_points_total": dto.MetricType_COUNTER,
		"netpulse_target_dropped_total": dto.MetricType_COUNTER, "netpulse_target_reconnects_total": dto.MetricType_COUNTER,
		"netpulse_target_deletes_total": dto.MetricType_COUNTER, "netpulse_target_snmp_skipped_columns_total": dto.MetricType_COUNTER,
	} {
		f, ok := fams[name]
		if !ok || f.GetType() != typ || len(f.GetMetric()) != 2 {
			t.Errorf("%s: present %v, type %v, %d series; want %v for both targets", name, ok, f.GetType(), len(f.GetMetric()), typ)
		}
	}
	for name, typ := range map[string]dto.MetricType{
		"netpulse_output_points_written_total": dto.MetricType_COUNTER, "netpulse_output_points_emitted_total": dto.MetricType_COUNTER,
		"netpulse_output_retries_total": dto.MetricType_COUNTER, "netpulse_output_write_errors_total": dto.MetricType_COUNTER,
		"netpulse_output_buffer_points": dto.MetricType_GAUGE, "netpulse_output_buffer_bytes": dto.MetricType_GAUGE,
		"netpulse_output_spool_points": dto.MetricType_GAUGE, "netpulse_output_spool_bytes": dto.MetricType_GAUGE,
		"netpulse_output_alarm": dto.MetricType_GAUGE, "netpulse_output_failing": dto.MetricType_GAUGE,
	} {
		if _, ok := sample(fams, name, map[string]string{"output": "file[0] "}); !ok || fams[name].GetType() != typ {
			t.Errorf("%s{output=file[0] …} missing or not a %v", name, typ)
		}
	}
	if _, ok := sample(fams, "netpulse_target_dropped_fields_total", map[string]string{"target": "wrong-community", "proto": "snmp", "reason": "type_conflict"}); !ok {
		t.Error("netpulse_target_dropped_fields_total{reason=type_conflict} missing")
	}
	// The process-wide waits: gNMI sessions for the outputs, SNMP polls for the CPU gate.
	for _, name := range []string{"netpulse_gnmi_decode_waits_total", "netpulse_gnmi_decode_wait_seconds_total",
		"netpulse_snmp_turn_waits_total", "netpulse_snmp_turn_wait_seconds_total"} {
		if v, ok := sample(fams, name, nil); !ok || v < 0 || fams[name].GetType() != dto.MetricType_COUNTER {
			t.Errorf("%s = %v (present %v), want a counter", name, v, ok)
		}
	}
	if body := func() string {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}(); metricValue(body, `netpulse_target_up{target="live",proto="snmp"}`) != 1 || metricValue(body, `netpulse_target_up{proto="snmp",target="live"}`) != 1 {
		t.Error(`metricValue(netpulse_target_up{target="live",proto="snmp"}) != 1: label order must not matter`)
	}
	if v, _ := sample(fams, "netpulse_target_points_total", map[string]string{"target": "live"}); v <= 0 {
		t.Errorf("netpulse_target_points_total{target=live} = %v, want > 0", v)
	}
	// The Go runtime and process collectors: goroutines and RSS of a long-running daemon.
	if v, ok := sample(fams, "go_goroutines", nil); !ok || v < 1 {
		t.Errorf("go_goroutines = %v (present %v)", v, ok)
	}
	if v, ok := sample(fams, "process_resident_memory_bytes", nil); !ok || v < 1<<20 {
		t.Errorf("process_resident_memory_bytes = %v (present %v)", v, ok)
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != "ok" {
		t.Errorf("/healthz = %d %q, want 200 ok (one dead device does not make the collector unhealthy)", resp.StatusCode, b)
	}
}

// TestHealthzFollowsDelivery: /healthz answers 503 while InfluxDB is down and points wait
// longer than metrics.stall_timeout, and 200 again once the same server is back.
func TestHealthzFollowsDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("stops and restarts a real influxd")
	}
	influx := peers.StartInfluxd(t)
	influx.CreateDatabase(t, "telemetry")
	agent := peers.StartSnmpd(t)
	port := peers.FreeTCPPort(t)
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: influxdb
    url: %s
    bucket: telemetry
    flush_interval: 200ms
metrics:
  listen: 127.0.0.1:%d
  stall_timeout: 2s
targets:
  - name: live
    address: %s
    snmp: {version: 2c, community: %s, profiles: [if-mib], interval: 500ms}
`, influx.URL, port, agent.Addr, peers.SnmpdCommunity))
	ctx, cancel := context.WithCancel(t.Context())
	stderr := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- execute(ctx, []string{"run", "--config", cfg, "--log-format", "json"}, strings.NewReader(""), io.Discard, stderr)
	}()
	defer func() { cancel(); <-exited }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	healthz := func() (int, string) {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	written := func() float64 {
		fams, err := scrape(t, base)
		if err != nil {
			return -1
		}
		v, _ := sample(fams, "netpulse_output_points_written_total", nil)
		return v
	}
	waitFor(t, 10*time.Second, "points written to influxd", func() bool { return written() > 0 })
	if code, body := healthz(); code != http.StatusOK {
		t.Fatalf("/healthz while writing = %d %s, want 200", code, body)
	}

	influx.Stop(t)
	var body string
	d := waitFor(t, 15*time.Second, "/healthz 503 with influxd down", func() bool {
		var code int
		code, body = healthz()
		return code == http.StatusServiceUnavailable
	})
	if d < time.Second {
		t.Errorf("/healthz turned 503 after %s, before the 2s stall_timeout could pass", d)
	}
	if !strings.Contains(body, "points waiting") || !strings.Contains(body, "influxdb[0]") {
		t.Errorf("503 body does not say which output holds what: %q", body)
	}

	influx.Restart(t)
	waitFor(t, 40*time.Second, "/healthz 200 with influxd back", func() bool {
		code, _ := healthz()
		return code == http.StatusOK
	})
	if rows := influx.Query(t, "telemetry", "SELECT count(*) FROM interfaces"); len(rows) == 0 {
		t.Error("nothing in influxd after the restart")
	}
}

// flakyWriter fails every write (retryably) until ok is set.
type flakyWriter struct{ ok atomic.Bool }

func (w *flakyWriter) Write(context.Context, []collector.Point) error {
	if w.ok.Load() {
		return nil
	}
	return errors.New("connection refused")
}

// The health rule on a fake clock: a failing output whose only batch is being retried (its
// buffer is empty) is unhealthy after stall_timeout, and healthy again after a delivery.
func TestHealthStallRule(t *testing.T) {
	w := &flakyWriter{}
	out, err := outputs.New(outputs.Config{Name: "fake", FlushInterval: 10 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond}, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go out.Run(ctx)
	pipe := &pipeline{outs: []*outputs.Output{out}, names: []string{"fake"}}
	now := time.Unix(1000, 0)
	h := newHealth(pipe, 2*time.Second, func() time.Time { return now })
	if p := h.check(); p != "" {
		t.Fatalf("idle output unhealthy: %s", p)
	}
	if err := out.Emit(ctx, []collector.Point{{Measurement: "m", Tags: []collector.Tag{{Key: "source", Value: "a"}}, Fields: []collector.Field{collector.Int("f", 1)}, Time: time.Unix(1, 0)}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the write failing", func() bool { s := out.Stats(); return s.Failing && s.BufferPoints == 0 })
	now = now.Add(time.Second)
	if p := h.check(); p != "" {
		t.Errorf("unhealthy after 1s of a 2s stall_timeout: %s", p)
	}
	now = now.Add(1500 * time.Millisecond)
	if p := h.check(); !strings.Contains(p, "output fake") || !strings.Contains(p, "connection refused") {
		t.Errorf("2.5s without delivery, a batch retrying: check = %q, want the output and its error", p)
	}
	w.ok.Store(true)
	waitFor(t, 5*time.Second, "the batch delivered", func() bool { return out.Stats().Written == 1 })
	now = now.Add(time.Second)
	if p := h.check(); p != "" {
		t.Errorf("unhealthy after a delivery: %s", p)
	}
}

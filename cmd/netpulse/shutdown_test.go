package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/internal/sim"
	"github.com/netpulse/netpulse/targets"
)

// TestShutdownUnderLoadDeliversEveryUpdate (issue 11, acceptance 5): gNMI devices that send
// one leaf per notification stream into a real InfluxDB while the daemon is stopped (the
// signal path: the parent context ends). Afterwards InfluxDB must hold exactly as many field
// values as the daemon counted updates received: every update is one (series, field, time)
// value, so a lost point, or a point that overwrote another one, shows as a difference.
// Both groupings run: sample windows (the default) and exact timestamps.
func TestShutdownUnderLoadDeliversEveryUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("streams a simulated fleet into influxd")
	}
	for _, exact := range []bool{false, true} {
		t.Run(fmt.Sprintf("exact_timestamps=%v", exact), func(t *testing.T) { shutdownUnderLoad(t, exact) })
	}
}

func shutdownUnderLoad(t *testing.T, exact bool) {
	influx := peers.StartInfluxd(t)
	influx.CreateDatabase(t, "telemetry")
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fleet, err := sim.Start(t.Context(), sim.Config{GNMIDevices: 8, Interfaces: 48, UpdateInterval: 200 * time.Millisecond, Seed: 11}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "outputs:\n  - type: influxdb\n    url: %s\n    bucket: telemetry/autogen\n    flush_interval: 200ms\n    batch_size: 2000\ntargets:\n", influx.URL)
	for _, d := range fleet.Devices() {
		fmt.Fprintf(&b, "  - name: %s\n    address: %s\n    gnmi: {insecure: true, username: %q, password: %q, subscriptions: [counters]}\n", d.Name, d.Address, d.Username, d.Password)
	}
	fmt.Fprintf(&b, "subscriptions:\n  counters: {paths: [/interfaces/interface/state/counters], mode: stream, sample_interval: 1s, measurement: interfaces, exact_timestamps: %v}\n", exact)
	f, err := targets.Parse([]byte(b.String()), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(t.Context())
	var mgr *targets.Manager
	o := runOptions{flushTimeout: 30 * time.Second, watch: func(wctx context.Context, m *targets.Manager, _ *pipeline) {
		mgr = m
		<-wctx.Done()
	}}
	logs := &syncBuffer{}
	g := &globals{logLevel: "info", logFormat: "json", stdout: io.Discard, stderr: logs}
	done := make(chan error, 1)
	go func() { done <- runFile(ctx, g, f, o) }()
	// Full load for a few seconds, then stop while notifications are still arriving.
	time.Sleep(4 * time.Second)
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("daemon did not stop within 60s")
	}
	var updates, points, dups int64
	for _, s := range mgr.Stats() {
		updates += s.Stats.Updates.Load()
		points += s.Stats.Points.Load()
		dups += s.Stats.Duplicates.Load()
		if d := s.Stats.Dropped.Load(); d > 0 {
			t.Errorf("%s dropped %d updates", s.Target.Name, d)
		}
	}
	if updates < 2000 { // 8 devices × 48 interfaces stream far more; fewer means no stream at all
		t.Fatalf("only %d updates under load; the test needs a stream", updates)
	}
	// COUNT(*) gives one count per field; their sum is the number of stored values.
	var stored int64
	for _, row := range influx.Query(t, "telemetry", `SELECT COUNT(*) FROM interfaces`) {
		for _, v := range row[1:] {
			n, _ := v.(json.Number).Int64()
			stored += n
		}
	}
	t.Logf("updates received %d (and %d duplicates), points emitted %d, field values in InfluxDB %d", updates, dups, points, stored)
	if stored != updates {
		t.Errorf("InfluxDB holds %d field values, the daemon counted %d updates received (%+d)\n%s", stored, updates, stored-updates, logs.String())
	}
}

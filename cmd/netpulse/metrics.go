package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/netpulse/netpulse/outputs"
	"github.com/netpulse/netpulse/targets"
)

// listenMetrics opens the self-metrics address first of all, so that a port already in use
// fails the start before any output or session has begun.
func listenMetrics(listen string) (net.Listener, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("listen for self-metrics on %s (metrics.listen / --metrics-listen): %w", listen, err)
	}
	return ln, nil
}

// serveMetrics serves self-metrics in the Prometheus text format on /metrics and a health
// check on /healthz (DESIGN §8) on ln until ctx ends or stop is called.
func serveMetrics(ctx context.Context, ln net.Listener, m *targets.Manager, pipe *pipeline, log *slog.Logger) (stop func()) {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		bw := bufio.NewWriter(w)
		writeMetrics(bw, m, pipe)
		bw.Flush()
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		// Healthy while the process runs its loops; per-target health is in /metrics, since
		// one dead device must not get the whole collector restarted by its orchestrator.
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info("serving self-metrics", "address", ln.Addr().String())
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
		case <-stopped:
		}
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return func() { close(stopped) }
}

func promLabel(v string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
}

func writeMetrics(w *bufio.Writer, m *targets.Manager, pipe *pipeline) {
	ts := m.Stats()
	slices.SortFunc(ts, func(a, b targets.TargetStats) int { return strings.Compare(a.Target.Name, b.Target.Name) })
	type counter struct {
		name, help, kind string
		get              func(targets.TargetStats) float64
	}
	metrics := []counter{
		{"netpulse_target_up", "1 when the target's last poll or stream was healthy", "gauge", func(t targets.TargetStats) float64 {
			if t.Stats.Snapshot().Up {
				return 1
			}
			return 0
		}},
		{"netpulse_target_last_success_timestamp_seconds", "Unix time of the last successful poll or update", "gauge", func(t targets.TargetStats) float64 {
			s := t.Stats.Snapshot().LastSuccess
			if s.IsZero() {
				return 0
			}
			return float64(s.UnixNano()) / 1e9
		}},
		{"netpulse_target_poll_duration_seconds", "duration of the last SNMP poll or gNMI sync", "gauge", func(t targets.TargetStats) float64 { return t.Stats.Snapshot().LastPoll.Seconds() }},
		{"netpulse_target_polls_total", "polls or sync cycles completed", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.Polls.Load()) }},
		{"netpulse_target_errors_total", "failed polls and session errors", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.PollErrors.Load()) }},
		{"netpulse_target_skipped_polls_total", "polls skipped because the previous one overran its interval", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.Skipped.Load()) }},
		{"netpulse_target_updates_total", "varbinds or gNMI updates received", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.Updates.Load()) }},
		{"netpulse_target_points_total", "points emitted to the outputs", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.Points.Load()) }},
		{"netpulse_target_dropped_total", "updates dropped (unsupported type, bad path, …)", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.Dropped.Load()) }},
		{"netpulse_target_reconnects_total", "session restarts", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.Reconnects.Load()) }},
		{"netpulse_target_duplicates_total", "gNMI updates received again for the same leaf and timestamp (written once, not in updates)", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.Duplicates.Load()) }},
		{"netpulse_target_deletes_total", "gNMI paths the device deleted", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.Deletes.Load()) }},
		{"netpulse_target_snmp_skipped_columns_total", "SNMP table columns missing from a poll because the agent failed them even when asked alone", "counter", func(t targets.TargetStats) float64 { return float64(t.Stats.SkippedColumns.Load()) }},
	}
	for _, c := range metrics {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", c.name, c.help, c.name, c.kind)
		for _, t := range ts {
			fmt.Fprintf(w, "%s{target=\"%s\",proto=\"%s\"} %g\n", c.name, promLabel(t.Target.Name), t.Target.Proto(), c.get(t))
		}
	}
	// Per reason, like netpulse_output_dropped_total; type_conflict is the only field-level
	// reason a collector has (a value that does not fit its field's declared type).
	fmt.Fprintf(w, "# HELP netpulse_target_dropped_fields_total fields dropped before output, by reason\n# TYPE netpulse_target_dropped_fields_total counter\n")
	for _, t := range ts {
		fmt.Fprintf(w, "netpulse_target_dropped_fields_total{target=\"%s\",proto=\"%s\",reason=\"type_conflict\"} %d\n", promLabel(t.Target.Name), t.Target.Proto(), t.Stats.TypeConflicts.Load())
	}
	writeOutputMetrics(w, pipe)
}

func writeOutputMetrics(w *bufio.Writer, pipe *pipeline) {
	type gauge struct {
		name, help, kind string
		get              func(s outputs.Stats) float64
	}
	stats := make([]outputs.Stats, len(pipe.outs))
	for i, o := range pipe.outs {
		stats[i] = o.Stats()
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for _, g := range []gauge{
		{"netpulse_output_points_written_total", "points the output accepted", "counter", func(s outputs.Stats) float64 { return float64(s.Written) }},
		{"netpulse_output_points_emitted_total", "points handed to the output", "counter", func(s outputs.Stats) float64 { return float64(s.Emitted) }},
		{"netpulse_output_retries_total", "retried writes", "counter", func(s outputs.Stats) float64 { return float64(s.Retries) }},
		{"netpulse_output_write_errors_total", "failed write calls", "counter", func(s outputs.Stats) float64 { return float64(s.WriteErrors) }},
		{"netpulse_output_buffer_points", "points waiting in memory", "gauge", func(s outputs.Stats) float64 { return float64(s.BufferPoints) }},
		{"netpulse_output_buffer_bytes", "estimated size of the points waiting in memory", "gauge", func(s outputs.Stats) float64 { return float64(s.BufferBytes) }},
		{"netpulse_output_spool_points", "points on disk", "gauge", func(s outputs.Stats) float64 { return float64(s.SpoolPoints) }},
		{"netpulse_output_spool_bytes", "bytes on disk", "gauge", func(s outputs.Stats) float64 { return float64(s.SpoolBytes) }},
		{"netpulse_output_alarm", "1 when the server says netpulse is misconfigured (401/403/404)", "gauge", func(s outputs.Stats) float64 { return b2f(s.Alarm) }},
		{"netpulse_output_failing", "1 while the last write failed and is being retried", "gauge", func(s outputs.Stats) float64 { return b2f(s.Failing) }},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", g.name, g.help, g.name, g.kind)
		for i, s := range stats {
			fmt.Fprintf(w, "%s{output=\"%s\"} %g\n", g.name, promLabel(pipe.names[i]), g.get(s))
		}
	}
	fmt.Fprintf(w, "# HELP netpulse_output_dropped_total points never delivered, by reason\n# TYPE netpulse_output_dropped_total counter\n")
	for i, s := range stats {
		reasons := make([]string, 0, len(s.Dropped))
		for r := range s.Dropped {
			reasons = append(reasons, r)
		}
		slices.Sort(reasons)
		for _, r := range reasons {
			fmt.Fprintf(w, "netpulse_output_dropped_total{output=\"%s\",reason=\"%s\"} %d\n", promLabel(pipe.names[i]), promLabel(r), s.Dropped[r])
		}
	}
}

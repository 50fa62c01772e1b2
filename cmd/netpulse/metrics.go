package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

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

// serveMetrics serves self-metrics on /metrics (Prometheus exposition, through
// client_golang: netpulse's own counters plus the Go runtime and process collectors) and a
// health check on /healthz (DESIGN §8) on ln until ctx ends or stop is called.
func serveMetrics(ctx context.Context, ln net.Listener, m *targets.Manager, pipe *pipeline, stall time.Duration, log *slog.Logger) (stop func()) {
	// A registry of its own, not the global default one: no package state, and exactly the
	// collectors below (go_*, process_*, netpulse_*).
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		newSelfCollector(m, pipe),
	)
	health := newHealth(pipe, stall, time.Now)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPromLogger{log}, ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if problem := health.check(); problem != "" {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, problem)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	log.Info("serving self-metrics", "address", ln.Addr().String())
	var once sync.Once
	shutdown := func() {
		once.Do(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		})
	}
	go func() {
		select {
		case <-ctx.Done():
			shutdown()
		case <-served:
		}
	}()
	// stop returns once the server is down: nothing it does (a log line) outlives the run.
	return func() { shutdown(); <-served }
}

// slogPromLogger hands promhttp's encoding errors to the process logger.
type slogPromLogger struct{ log *slog.Logger }

func (l slogPromLogger) Println(v ...any) { l.log.Error("serve /metrics", "err", fmt.Sprint(v...)) }

// targetMetric is one per-target series family, read from the target's collector.Stats.
type targetMetric struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
	get  func(targets.TargetStats) float64
}

// outputMetric is one per-output series family, read from outputs.Stats.
type outputMetric struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
	get  func(outputs.Stats) float64
}

// selfCollector is a prometheus.Collector over the counters netpulse keeps anyway (the
// targets' collector.Stats and the outputs' Stats): nothing is counted twice, and a scrape
// reads the live values instead of a copy kept in step by hand.
type selfCollector struct {
	m       *targets.Manager
	pipe    *pipeline
	targets []targetMetric
	outputs []outputMetric
	dropped *prometheus.Desc
	// decodeWaits/decodeWait: gNMI sessions that waited for the outputs before decoding
	// (collector.Gate, outputs.Output.Behind), and for how long.
	decodeWaits, decodeWait *prometheus.Desc
	// droppedFields is per target and reason, like netpulse_output_dropped_total;
	// type_conflict is the only field-level reason a collector has (a value that does not
	// fit its field's declared type).
	droppedFields *prometheus.Desc
}

func newSelfCollector(m *targets.Manager, pipe *pipeline) *selfCollector {
	tl, ol := []string{"target", "proto"}, []string{"output"}
	tm := func(name, help string, kind prometheus.ValueType, get func(targets.TargetStats) float64) targetMetric {
		return targetMetric{prometheus.NewDesc(name, help, tl, nil), kind, get}
	}
	om := func(name, help string, kind prometheus.ValueType, get func(outputs.Stats) float64) outputMetric {
		return outputMetric{prometheus.NewDesc(name, help, ol, nil), kind, get}
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	return &selfCollector{
		m: m, pipe: pipe,
		targets: []targetMetric{
			tm("netpulse_target_up", "1 when the target's last poll or stream was healthy", gauge, func(t targets.TargetStats) float64 {
				return b2f(t.Stats.Snapshot().Up)
			}),
			tm("netpulse_target_last_success_timestamp_seconds", "Unix time of the last successful poll or update", gauge, func(t targets.TargetStats) float64 {
				s := t.Stats.Snapshot().LastSuccess
				if s.IsZero() {
					return 0
				}
				return float64(s.UnixNano()) / 1e9
			}),
			tm("netpulse_target_poll_duration_seconds", "duration of the last SNMP poll or gNMI sync", gauge, func(t targets.TargetStats) float64 { return t.Stats.Snapshot().LastPoll.Seconds() }),
			tm("netpulse_target_polls_total", "polls or sync cycles completed", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.Polls.Load()) }),
			tm("netpulse_target_errors_total", "failed polls and session errors", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.PollErrors.Load()) }),
			tm("netpulse_target_skipped_polls_total", "polls skipped because the previous one overran its interval", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.Skipped.Load()) }),
			tm("netpulse_target_updates_total", "varbinds or gNMI updates received", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.Updates.Load()) }),
			tm("netpulse_target_points_total", "points emitted to the outputs", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.Points.Load()) }),
			tm("netpulse_target_dropped_total", "updates dropped (unsupported type, bad path, …)", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.Dropped.Load()) }),
			tm("netpulse_target_reconnects_total", "redials after a session ended (each counted once)", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.Reconnects.Load()) }),
			tm("netpulse_target_deletes_total", "gNMI paths the device deleted", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.Deletes.Load()) }),
			tm("netpulse_target_duplicates_total", "gNMI updates received again for the same leaf and timestamp (written once, not in updates)", counter, func(t targets.TargetStats) float64 { return float64(t.Stats.Duplicates.Load()) }),
			tm("netpulse_target_snmp_skipped_columns_total", "SNMP table columns missing from a poll because the agent failed them even when asked alone", counter, func(t targets.TargetStats) float64 {
				return float64(t.Stats.SkippedColumns.Load())
			}),
		},
		outputs: []outputMetric{
			om("netpulse_output_points_written_total", "points the output accepted", counter, func(s outputs.Stats) float64 { return float64(s.Written) }),
			om("netpulse_output_points_emitted_total", "points handed to the output", counter, func(s outputs.Stats) float64 { return float64(s.Emitted) }),
			om("netpulse_output_retries_total", "retried writes", counter, func(s outputs.Stats) float64 { return float64(s.Retries) }),
			om("netpulse_output_write_errors_total", "failed write calls", counter, func(s outputs.Stats) float64 { return float64(s.WriteErrors) }),
			om("netpulse_output_buffer_points", "points waiting in memory", gauge, func(s outputs.Stats) float64 { return float64(s.BufferPoints) }),
			om("netpulse_output_buffer_bytes", "estimated size of the points waiting in memory", gauge, func(s outputs.Stats) float64 { return float64(s.BufferBytes) }),
			om("netpulse_output_spool_points", "points on disk", gauge, func(s outputs.Stats) float64 { return float64(s.SpoolPoints) }),
			om("netpulse_output_spool_bytes", "bytes on disk", gauge, func(s outputs.Stats) float64 { return float64(s.SpoolBytes) }),
			om("netpulse_output_alarm", "1 when the server says netpulse is misconfigured (401/403/404)", gauge, func(s outputs.Stats) float64 { return b2f(s.Alarm) }),
			om("netpulse_output_failing", "1 while the last write failed and is being retried", gauge, func(s outputs.Stats) float64 { return b2f(s.Failing) }),
		},
		decodeWaits:   prometheus.NewDesc("netpulse_gnmi_decode_waits_total", "times a gNMI session waited before decoding because the outputs were behind (buffer above max_bytes/8 while writing)", nil, nil),
		decodeWait:    prometheus.NewDesc("netpulse_gnmi_decode_wait_seconds_total", "time gNMI sessions waited before decoding because the outputs were behind", nil, nil),
		dropped:       prometheus.NewDesc("netpulse_output_dropped_total", "points never delivered, by reason", []string{"output", "reason"}, nil),
		droppedFields: prometheus.NewDesc("netpulse_target_dropped_fields_total", "fields dropped before output, by reason", []string{"target", "proto", "reason"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *selfCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, t := range c.targets {
		ch <- t.desc
	}
	for _, o := range c.outputs {
		ch <- o.desc
	}
	ch <- c.dropped
	ch <- c.droppedFields
	ch <- c.decodeWaits
	ch <- c.decodeWait
}

// Collect implements prometheus.Collector: one consistent read of every target's and
// output's counters per scrape.
func (c *selfCollector) Collect(ch chan<- prometheus.Metric) {
	ts := c.m.Stats()
	slices.SortFunc(ts, func(a, b targets.TargetStats) int { return strings.Compare(a.Target.Name, b.Target.Name) })
	for _, tm := range c.targets {
		for _, t := range ts {
			ch <- prometheus.MustNewConstMetric(tm.desc, tm.kind, tm.get(t), t.Target.Name, t.Target.Proto())
		}
	}
	for _, t := range ts {
		ch <- prometheus.MustNewConstMetric(c.droppedFields, prometheus.CounterValue, float64(t.Stats.TypeConflicts.Load()), t.Target.Name, t.Target.Proto(), "type_conflict")
	}
	waits, waited := c.m.DecodeWaited()
	ch <- prometheus.MustNewConstMetric(c.decodeWaits, prometheus.CounterValue, float64(waits))
	ch <- prometheus.MustNewConstMetric(c.decodeWait, prometheus.CounterValue, waited.Seconds())
	stats := make([]outputs.Stats, len(c.pipe.outs))
	for i, o := range c.pipe.outs {
		stats[i] = o.Stats()
	}
	for _, om := range c.outputs {
		for i, s := range stats {
			ch <- prometheus.MustNewConstMetric(om.desc, om.kind, om.get(s), c.pipe.names[i])
		}
	}
	for i, s := range stats {
		for reason, n := range s.Dropped {
			ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(n), c.pipe.names[i], reason)
		}
	}
}

// health decides /healthz: unhealthy when an output has had points waiting (in memory or in
// its spool) and delivered nothing for the stall timeout (metrics.stall_timeout). One dead
// device never makes it unhealthy (per-target health is in /metrics); a collector whose data
// goes nowhere does, so an orchestrator or an alert can see it.
type health struct {
	pipe  *pipeline
	stall time.Duration
	now   func() time.Time

	mu       sync.Mutex
	written  []int64     // each output's Written at the last check
	progress []time.Time // each output's last sign of life: a delivery, or nothing waiting
}

func newHealth(pipe *pipeline, stall time.Duration, now func() time.Time) *health {
	h := &health{pipe: pipe, stall: stall, now: now, written: make([]int64, len(pipe.outs)), progress: make([]time.Time, len(pipe.outs))}
	start := now()
	for i := range h.progress {
		h.progress[i] = start
	}
	return h
}

// check returns "" when healthy, else what is wrong, naming the output.
func (h *health) check() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	var problems []string
	for i, o := range h.pipe.outs {
		s := o.Stats()
		waiting := int64(s.BufferPoints) + s.SpoolPoints
		// A batch being retried is held outside the buffer: a failing output has points
		// waiting even when its buffer is empty (a quiet fleet, every device down).
		pending := waiting > 0 || s.Failing
		if !pending || s.Written != h.written[i] {
			h.progress[i] = now
		}
		if s.LastWrite.After(h.progress[i]) {
			h.progress[i] = s.LastWrite
		}
		h.written[i] = s.Written
		if idle := now.Sub(h.progress[i]); pending && idle > h.stall {
			p := fmt.Sprintf("output %s: points waiting (%d buffered or spooled, failing=%t) and nothing delivered for %s (metrics.stall_timeout %s)", h.pipe.names[i], waiting, s.Failing, idle.Round(time.Second), h.stall)
			if s.LastError != "" {
				p += ": " + s.LastError
			}
			problems = append(problems, p)
		}
	}
	return strings.Join(problems, "\n")
}

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
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/netpulse/netpulse/collector"
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
	gather := metricsGatherer{reg: reg, targets: newTargetGatherer(m)}
	health := newHealth(pipe, stall, time.Now)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(gather, promhttp.HandlerOpts{ErrorLog: slogPromLogger{log}, ErrorHandling: promhttp.ContinueOnError}))
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

// outputMetric is one per-output series family, read from outputs.Stats.
type outputMetric struct {
	desc *prometheus.Desc
	kind prometheus.ValueType
	get  func(outputs.Stats) float64
}

// fleetStats is what self-metrics read of the targets: *targets.Manager (an interface so
// that a benchmark can feed 20,000 targets without running them).
type fleetStats interface {
	Stats() []targets.TargetStats
	DecodeWaited() (waits int64, total time.Duration)
	TurnWaited() (waits int64, total time.Duration)
}

// selfCollector is a prometheus.Collector over the outputs' Stats and the gNMI decode
// waits: a few series per output. The per-target series are targetGatherer's.
type selfCollector struct {
	m       fleetStats
	pipe    *pipeline
	outputs []outputMetric
	dropped *prometheus.Desc
	// decodeWaits/decodeWait: gNMI sessions that waited for the outputs before decoding
	// (collector.Gate, outputs.Output.Behind), and for how long.
	decodeWaits, decodeWait *prometheus.Desc
	// turnWaits/turnWait: SNMP polls that queued for the CPU gate (collector.Turn), and
	// for how long: the first sign that the polls need more CPU than there is.
	turnWaits, turnWait *prometheus.Desc
}

func newSelfCollector(m fleetStats, pipe *pipeline) *selfCollector {
	ol := []string{"output"}
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
		decodeWaits: prometheus.NewDesc("netpulse_gnmi_decode_waits_total", "times a gNMI session waited before decoding because the outputs were behind (buffer above max_bytes/8 while writing)", nil, nil),
		decodeWait:  prometheus.NewDesc("netpulse_gnmi_decode_wait_seconds_total", "time gNMI sessions waited before decoding because the outputs were behind", nil, nil),
		turnWaits:   prometheus.NewDesc("netpulse_snmp_turn_waits_total", "times an SNMP poll queued for a turn at the CPU gate (the polls needed more CPU than was free)", nil, nil),
		turnWait:    prometheus.NewDesc("netpulse_snmp_turn_wait_seconds_total", "time SNMP polls queued for turns at the CPU gate", nil, nil),
		dropped:     prometheus.NewDesc("netpulse_output_dropped_total", "points never delivered, by reason", []string{"output", "reason"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *selfCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, o := range c.outputs {
		ch <- o.desc
	}
	ch <- c.dropped
	ch <- c.decodeWaits
	ch <- c.decodeWait
	ch <- c.turnWaits
	ch <- c.turnWait
}

// Collect implements prometheus.Collector: one consistent read of every output's counters
// per scrape.
func (c *selfCollector) Collect(ch chan<- prometheus.Metric) {
	waits, waited := c.m.DecodeWaited()
	ch <- prometheus.MustNewConstMetric(c.decodeWaits, prometheus.CounterValue, float64(waits))
	ch <- prometheus.MustNewConstMetric(c.decodeWait, prometheus.CounterValue, waited.Seconds())
	turns, turned := c.m.TurnWaited()
	ch <- prometheus.MustNewConstMetric(c.turnWaits, prometheus.CounterValue, float64(turns))
	ch <- prometheus.MustNewConstMetric(c.turnWait, prometheus.CounterValue, turned.Seconds())
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

// targetSample is what one scrape reads of one target: its counters live, the rest through
// one Snapshot.
type targetSample struct {
	name, proto string
	s           *collector.Stats
	snap        collector.Snapshot
}

// targetFamily is one per-target series family.
type targetFamily struct {
	name, help string
	typ        dto.MetricType
	get        func(*targetSample) float64
}

// targetGatherer builds the per-target families (14 series per target, 280,000 at 20,000
// targets) as dto.MetricFamily directly instead of through a prometheus.Collector: a const
// metric per series, then the registry's per-series consistency check and its copy of each
// series, were about 70 % of a scrape's CPU at that scale and 900 bytes of garbage per
// series (BenchmarkMetricsScrape). The exposition is the same
// (TestTargetGathererMatchesCollector holds it to the collector form): families sorted by
// name, series by label values in label-name order (proto, then target), as
// client_golang's registry sorts them. What the registry's check guards against cannot
// happen here: names, labels and types are fixed, target names are unique
// (targets.Manager), and a name that is not UTF-8 is left out with an error, as the
// registry leaves it out.
//
// Each scrape allocates its messages afresh, in a few large slices (about 190 bytes per
// series): keeping them for the next scrape would save little CPU and hold 50 MB of heap
// at 20,000 targets between scrapes, which the GC would count as live and double.
type targetGatherer struct {
	m    fleetStats
	defs []targetFamily // the last one is dropped_fields, labelled reason too

	labelProto, labelTarget, labelReason, reasonTypeConflict string // addressed by label pairs
}

func newTargetGatherer(m fleetStats) *targetGatherer {
	gauge, counter := dto.MetricType_GAUGE, dto.MetricType_COUNTER
	return &targetGatherer{
		m:          m,
		labelProto: "proto", labelTarget: "target", labelReason: "reason", reasonTypeConflict: "type_conflict",
		defs: []targetFamily{
			{"netpulse_target_up", "1 when the target's last poll or stream was healthy", gauge, func(t *targetSample) float64 {
				if t.snap.Up {
					return 1
				}
				return 0
			}},
			{"netpulse_target_last_success_timestamp_seconds", "Unix time of the last successful poll or update", gauge, func(t *targetSample) float64 {
				if t.snap.LastSuccess.IsZero() {
					return 0
				}
				return float64(t.snap.LastSuccess.UnixNano()) / 1e9
			}},
			{"netpulse_target_poll_duration_seconds", "duration of the last SNMP poll or gNMI sync", gauge, func(t *targetSample) float64 { return t.snap.LastPoll.Seconds() }},
			{"netpulse_target_polls_total", "polls or sync cycles completed", counter, func(t *targetSample) float64 { return float64(t.s.Polls.Load()) }},
			{"netpulse_target_errors_total", "failed polls and session errors", counter, func(t *targetSample) float64 { return float64(t.s.PollErrors.Load()) }},
			{"netpulse_target_skipped_polls_total", "polls skipped because the previous one overran its interval", counter, func(t *targetSample) float64 { return float64(t.s.Skipped.Load()) }},
			{"netpulse_target_updates_total", "varbinds or gNMI updates received", counter, func(t *targetSample) float64 { return float64(t.s.Updates.Load()) }},
			{"netpulse_target_points_total", "points emitted to the outputs", counter, func(t *targetSample) float64 { return float64(t.s.Points.Load()) }},
			{"netpulse_target_dropped_total", "updates dropped (unsupported type, bad path, …)", counter, func(t *targetSample) float64 { return float64(t.s.Dropped.Load()) }},
			{"netpulse_target_reconnects_total", "redials after a session ended (each counted once)", counter, func(t *targetSample) float64 { return float64(t.s.Reconnects.Load()) }},
			{"netpulse_target_deletes_total", "gNMI paths the device deleted", counter, func(t *targetSample) float64 { return float64(t.s.Deletes.Load()) }},
			{"netpulse_target_duplicates_total", "gNMI updates received again for the same leaf and timestamp (written once, not in updates)", counter, func(t *targetSample) float64 { return float64(t.s.Duplicates.Load()) }},
			{"netpulse_target_snmp_skipped_columns_total", "SNMP table columns missing from a poll because the agent failed them even when asked alone", counter, func(t *targetSample) float64 {
				return float64(t.s.SkippedColumns.Load())
			}},
			// Per target and reason, like netpulse_output_dropped_total; type_conflict is
			// the only field-level reason a collector has (a value that does not fit its
			// field's declared type).
			{"netpulse_target_dropped_fields_total", "fields dropped before output, by reason", counter, func(t *targetSample) float64 { return float64(t.s.TypeConflicts.Load()) }},
		},
	}
}

// Gather implements prometheus.Gatherer.
func (g *targetGatherer) Gather() ([]*dto.MetricFamily, error) {
	ts := g.m.Stats()
	var errs []error
	samples := make([]targetSample, 0, len(ts))
	for _, t := range ts {
		if !utf8.ValidString(t.Target.Name) {
			errs = append(errs, fmt.Errorf("target name %q is not valid UTF-8: its series are left out of /metrics", t.Target.Name))
			continue
		}
		samples = append(samples, targetSample{name: t.Target.Name, proto: t.Target.Proto(), s: t.Stats, snap: t.Stats.Snapshot()})
	}
	slices.SortFunc(samples, func(a, b targetSample) int {
		if c := strings.Compare(a.proto, b.proto); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	n := len(samples)
	if n == 0 {
		return nil, errors.Join(errs...) // the registry leaves out families without series
	}

	// Per target: the proto and target label pairs, shared by its series; then the reason.
	labels := make([]dto.LabelPair, 2*n+1)
	reason := &labels[2*n]
	reason.Name, reason.Value = &g.labelReason, &g.reasonTypeConflict
	lps := make([]*dto.LabelPair, 5*n)
	two, three := lps[:2*n], lps[2*n:] // [proto target], [proto reason target] per target
	for k := range samples {
		p, t := &labels[2*k], &labels[2*k+1]
		p.Name, p.Value = &g.labelProto, &samples[k].proto
		t.Name, t.Value = &g.labelTarget, &samples[k].name
		two[2*k], two[2*k+1] = p, t
		three[3*k], three[3*k+1], three[3*k+2] = p, reason, t
	}

	nf, gauges := len(g.defs), 0
	for _, d := range g.defs {
		if d.typ == dto.MetricType_GAUGE {
			gauges++
		}
	}
	metrics := make([]dto.Metric, nf*n)
	mptrs := make([]*dto.Metric, nf*n)
	values := make([]float64, nf*n)
	counterMsgs := make([]dto.Counter, (nf-gauges)*n)
	gaugeMsgs := make([]dto.Gauge, gauges*n)
	fams := make([]dto.MetricFamily, nf)
	out := make([]*dto.MetricFamily, nf)
	for f := range g.defs {
		def := &g.defs[f]
		withReason := f == nf-1
		base := f * n
		for k := range samples {
			j := base + k
			values[j] = def.get(&samples[k])
			m := &metrics[j]
			if withReason {
				m.Label = three[3*k : 3*k+3 : 3*k+3]
			} else {
				m.Label = two[2*k : 2*k+2 : 2*k+2]
			}
			if def.typ == dto.MetricType_COUNTER {
				c := &counterMsgs[0]
				counterMsgs = counterMsgs[1:]
				c.Value = &values[j]
				m.Counter = c
			} else {
				gm := &gaugeMsgs[0]
				gaugeMsgs = gaugeMsgs[1:]
				gm.Value = &values[j]
				m.Gauge = gm
			}
			mptrs[j] = m
		}
		fams[f] = dto.MetricFamily{Name: &def.name, Help: &def.help, Type: &def.typ, Metric: mptrs[base : base+n : base+n]}
		out[f] = &fams[f]
	}
	slices.SortFunc(out, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return out, errors.Join(errs...)
}

// metricsGatherer is what /metrics serves: the registry (Go runtime, process, outputs) and
// the per-target families, merged and sorted by family name as one registry would.
type metricsGatherer struct {
	reg     prometheus.Gatherer
	targets *targetGatherer
}

// Gather implements prometheus.Gatherer.
func (g metricsGatherer) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := g.reg.Gather()
	tfs, terr := g.targets.Gather()
	mfs = append(mfs, tfs...)
	slices.SortFunc(mfs, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return mfs, errors.Join(err, terr)
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

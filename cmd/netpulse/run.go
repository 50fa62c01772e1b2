package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/netpulse/netpulse/targets"
)

type runOptions struct {
	config       string
	once         bool
	timeout      time.Duration
	targetTO     time.Duration
	flushTimeout time.Duration
	shard        string
	summaryJSON  string
	metrics      string
	diag         diagOptions // --pprof-listen, the memory limit (diag.go)
	// watch, when set, runs beside the targets until ctx ends (demo's live table).
	watch func(ctx context.Context, m *targets.Manager, pipe *pipeline)
	// signals is installed by the command before it loads the config; runFile installs it
	// when the caller did not.
	signals *runSignals
}

func newRunCmd(g *globals) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Collect from every target in the config and write to the outputs",
		Long: `run reads the config file, starts one supervised session per target (SNMP polls on their
interval, gNMI subscriptions streaming) and writes what they collect to every output.

As a daemon it runs until SIGINT or SIGTERM, then stops the sessions, flushes the buffers
and exits 0, or 4 when points could not be delivered within --flush-timeout and no spool
kept them (the message says how many); SIGHUP reloads the config, restarting only the
targets that changed.

With --once it is a scheduled job: one cycle over every target (one SNMP poll, one gNMI
ONCE subscription), a final flush, per-target result lines, a JSON summary and an exit code
a scheduler understands:
  0  every target ok and everything written
  1  runtime failure (no target succeeded)
  2  usage or configuration error
  3  some targets failed; the others were written
  4  an output failed: collected data could not be delivered
  130 interrupted`,
		Example: `  netpulse run --config /etc/netpulse/netpulse.yaml
  netpulse run --once --config netpulse.yaml --timeout 2m --summary-json /tmp/summary.json
  netpulse run --config netpulse.yaml --shard 1/3      # replica 1 of 3`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// First of all: a SIGHUP during the config load must not kill the daemon.
			o.signals = notifyRunSignals()
			defer o.signals.release()
			if o.config == "" {
				return usageError(errNoConfig)
			}
			f, err := targets.Load(o.config)
			if err != nil {
				return usageError(err)
			}
			return runFile(cmd.Context(), g, f, o)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.config, "config", "c", "", "config file (YAML)")
	fl.BoolVar(&o.once, "once", false, "one cycle over every target, flush, exit with a status code")
	fl.DurationVar(&o.timeout, "timeout", 0, "with --once: bound for the whole run (0 = none); targets still running are failed")
	fl.DurationVar(&o.targetTO, "target-timeout", time.Minute, "with --once: bound for each target's cycle (a device that never completes its answer fails alone)")
	fl.DurationVar(&o.flushTimeout, "flush-timeout", 15*time.Second, "how long the final flush may take at shutdown")
	fl.StringVar(&o.shard, "shard", "", "run only this replica's share of the targets: i/n (rendezvous hashing), or auto: i from a StatefulSet pod name (HOSTNAME=name-i), n from NETPULSE_SHARDS")
	fl.StringVar(&o.summaryJSON, "summary-json", "", "with --once: write the JSON summary to this file (\"-\" = stdout)")
	o.diag.addFlags(fl)
	fl.StringVar(&o.metrics, "metrics-listen", "", "serve self-metrics (/metrics) and /healthz on this address, e.g. 127.0.0.1:9273 (overrides metrics.listen)")
	return cmd
}

// summary is the --once run's machine-readable result.
type summary struct {
	OK          bool `json:"ok"`
	ExitCode    int  `json:"exit_code"`
	TargetsOK   int  `json:"targets_ok"`
	TargetsFail int  `json:"targets_failed"`
	// Points is what every output accepted (the smallest count: with two outputs, a point
	// written to one only is not "written"); PointsByOutput has each output's own count.
	Points         int64            `json:"points_written"`
	PointsByOutput map[string]int64 `json:"points_written_by_output"`
	Lost           int64            `json:"points_lost"`
	Seconds        float64          `json:"duration_seconds"`
	Interrupted    bool             `json:"interrupted,omitempty"`
	Targets        []targets.Result `json:"targets"`
	Outputs        []outputResult   `json:"outputs"`
}

// runFile is `run` on an already-loaded config; `demo` calls it with generated targets.
func runFile(parent context.Context, g *globals, f *targets.File, o runOptions) error {
	if o.signals == nil {
		o.signals = notifyRunSignals()
		defer o.signals.release()
	}
	log := g.logger()
	ts := f.Targets
	if o.shard != "" {
		spec, err := resolveShard(o.shard)
		if err != nil {
			return usageError(err)
		}
		o.shard = spec
		s, err := targets.ParseShard(spec)
		if err != nil {
			return usageError(err)
		}
		ts = s.Filter(ts)
		log.Info("shard", "shard", o.shard, "targets", len(ts), "of", len(f.Targets))
	}
	// The JSON summary goes to stdout unless an output already writes line protocol there;
	// then to stderr, so neither stream is corrupted by the other.
	summaryOut := g.stdout
	for _, out := range f.Outputs {
		if out.Type == "file" && out.Path == "-" {
			if o.once && o.summaryJSON == "-" {
				return usageError(errors.New("--summary-json - and a file output with path \"-\" would both write to stdout: give --summary-json a file name"))
			}
			summaryOut = g.stderr
		}
	}
	stopDiag, err := o.diag.start(log)
	if err != nil {
		return err
	}
	defer stopDiag()
	var metricsLn net.Listener
	if listen := cmp.Or(o.metrics, f.Metrics.Listen); listen != "" {
		ln, err := listenMetrics(listen)
		if err != nil {
			return err // a runtime failure (port in use), exit 1
		}
		metricsLn = ln
		defer ln.Close() // serveMetrics takes it over; Close on a served listener is harmless
	}
	pipe, err := buildOutputs(f, log)
	if err != nil {
		return err
	}

	// Shutdown order (DESIGN §6): signal → collectors stop → buffers close → flush under its
	// own deadline. So outputs run under their own context, which ends only after Close.
	outCtx, stopOutputs := context.WithCancel(context.Background())
	defer stopOutputs()
	pipe.start(outCtx)

	sigCtx, stopSignals := o.signals.context(parent)
	defer stopSignals()
	ctx := sigCtx
	if o.once && o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(sigCtx, o.timeout)
		defer cancel()
	}

	mc := targets.ManagerConfig{Sink: pipe.sink, New: newCollectors(), Once: o.once, TargetTimeout: o.targetTO}
	if b, ok := pipe.sink.(interface{ Behind() bool }); ok {
		mc.Behind = b.Behind // gNMI decoding waits while the outputs are behind
	}
	m, err := targets.NewManager(mc, log)
	if err != nil {
		return err
	}
	if metricsLn != nil {
		defer serveMetrics(ctx, metricsLn, m, pipe, f.Metrics.StallTimeout, log)()
	}

	began := time.Now()
	log.Info("starting", "targets", len(ts), "outputs", len(pipe.outs), "once", o.once)
	m.Apply(ctx, ts)
	if o.once && o.watch == nil {
		// A progress bar on a terminal; progressBar returns at once when stderr is not one.
		o.watch = func(ctx context.Context, m *targets.Manager, _ *pipeline) { progressBar(ctx, g.stderr, m, len(ts)) }
	}
	watched := make(chan struct{})
	if o.watch != nil {
		go func() { defer close(watched); o.watch(ctx, m, pipe) }()
	} else {
		close(watched)
	}
	if !o.once {
		reloadLoop(ctx, m, o, log)
	}
	m.Wait()
	<-watched
	interrupted := sigCtx.Err() != nil && parent.Err() == nil
	outs := pipe.close(o.flushTimeout)
	stopOutputs()
	<-pipe.done

	if !o.once {
		for _, r := range outs {
			if r.Failed || r.Lost > 0 {
				log.Error("output could not deliver everything at shutdown", "output", r.Name, "lost", r.Lost, "spooled", r.Spooled, "err", r.Error)
			}
		}
		log.Info("stopped")
		return runExit(runOutcome{outputs: outs})
	}
	return finishOnce(g, o, summaryOut, m.Results(), outs, time.Since(began), interrupted)
}

// reloadLoop applies the config file again on SIGHUP until ctx ends. A file that no longer
// loads is reported and the running targets are kept.
func reloadLoop(ctx context.Context, m *targets.Manager, o runOptions, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-o.signals.hup:
			log.Info("SIGHUP: reloading the config", "config", o.config)
			if o.config == "" {
				log.Warn("reload ignored: no config file")
				continue
			}
			f, err := targets.Load(o.config)
			if err != nil {
				log.Error("reload failed; keeping the running targets", "err", err)
				continue
			}
			ts := f.Targets
			if o.shard != "" {
				s, _ := targets.ParseShard(o.shard)
				ts = s.Filter(ts)
			}
			m.Apply(ctx, ts)
		}
	}
}

// finishOnce prints per-target result lines and the summary and decides the exit code.
func finishOnce(g *globals, o runOptions, summaryOut io.Writer, results []targets.Result, outs []outputResult, took time.Duration, interrupted bool) error {
	slices.SortFunc(results, func(a, b targets.Result) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	s := summary{Targets: results, Outputs: outs, Seconds: took.Seconds(), Interrupted: interrupted}
	if s.Targets == nil {
		s.Targets = []targets.Result{}
	}
	for _, r := range results {
		if r.OK {
			s.TargetsOK++
		} else {
			s.TargetsFail++
		}
	}
	s.PointsByOutput = make(map[string]int64, len(outs))
	for i, r := range outs {
		if i == 0 || r.Written < s.Points {
			s.Points = r.Written
		}
		s.PointsByOutput[r.Name] = r.Written
		s.Lost += r.Lost
	}
	// Result lines on stderr, one per target, so stdout stays clean for --summary-json -.
	for _, r := range results {
		status := "ok"
		if !r.OK {
			status = "FAILED"
		}
		line := fmt.Sprintf("%-6s %-24s %-4s %-22s points=%d took=%s", status, r.Name, r.Proto, r.Address, r.Points, r.Duration.Round(time.Millisecond))
		if n := r.Dropped["type_conflict"]; n > 0 {
			line += fmt.Sprintf(" type_conflict=%d", n)
		}
		if r.Error != "" {
			line += "  " + r.Error
		}
		fmt.Fprintln(g.stderr, line)
	}
	for _, r := range outs {
		status := "ok"
		if r.Failed {
			status = "FAILED"
		}
		line := fmt.Sprintf("%-6s output %s written=%d lost=%d spooled=%d", status, r.Name, r.Written, r.Lost, r.Spooled)
		if r.Error != "" {
			line += "  " + r.Error
		}
		fmt.Fprintln(g.stderr, line)
	}

	err := runExit(runOutcome{once: true, interrupted: interrupted, targetsOK: s.TargetsOK, targetsFail: s.TargetsFail, outputs: outs})
	code := exitCode(err)
	s.ExitCode, s.OK = code, code == exitOK
	if werr := writeSummary(summaryOut, o.summaryJSON, s); werr != nil {
		if err == nil {
			return werr // exit 1: the job's result could not be reported
		}
		fmt.Fprintf(g.stderr, "netpulse: %v\n", werr) // the run's own error is reported below
	}
	return err
}

func writeSummary(out io.Writer, path string, s summary) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	b = append(b, '\n')
	switch path {
	case "", "-":
		_, err = out.Write(b)
	default:
		err = os.WriteFile(path, b, 0o644)
	}
	if err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

// resolveShard turns --shard auto into i/n: a Kubernetes StatefulSet names its pods
// <set>-<ordinal>, so the ordinal is the hostname's last dash-separated part, and the replica
// count comes from NETPULSE_SHARDS (set it to the StatefulSet's replicas).
func resolveShard(spec string) (string, error) {
	if spec != "auto" {
		return spec, nil
	}
	host := os.Getenv("HOSTNAME")
	if host == "" {
		h, err := os.Hostname()
		if err != nil {
			return "", fmt.Errorf("--shard auto: read hostname: %w", err)
		}
		host = h
	}
	i := strings.LastIndexByte(host, '-')
	ord, err := strconv.Atoi(host[i+1:])
	if i < 0 || err != nil {
		return "", fmt.Errorf("--shard auto: hostname %q does not end in -<ordinal> (a StatefulSet pod name): pass --shard i/n instead", host)
	}
	n := os.Getenv("NETPULSE_SHARDS")
	if n == "" {
		return "", errors.New("--shard auto: set NETPULSE_SHARDS to the number of replicas")
	}
	return fmt.Sprintf("%d/%s", ord, n), nil
}

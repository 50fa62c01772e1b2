package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/spf13/cobra"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
)

type subscribeOptions struct {
	conn              gnmiConnFlags
	out               outputFlags
	paths             []string
	prefix            string
	origin            string
	mode              string
	streamMode        string
	sampleInterval    time.Duration
	heartbeatInterval time.Duration
	pollInterval      time.Duration
	suppressRedundant bool
	updatesOnly       bool
	encoding          string
	count             int
	duration          time.Duration
}

func newSubscribeCmd(g *globals) *cobra.Command {
	var o subscribeOptions
	cmd := &cobra.Command{
		Use:   "subscribe",
		Short: "Subscribe to gNMI paths on one or more targets and print what arrives",
		Long: `subscribe opens one gNMI Subscribe stream per --address and prints every notification,
normalized exactly as the daemon normalizes it (same measurement, tags and field names).

Modes:
  once    one snapshot, then exit (the points of a snapshot are merged per series, one
          line per interface for /interfaces/interface/state/counters)
  stream  until --count notifications, --duration or Ctrl-C
  poll    a snapshot now and one per --poll-interval, or per Enter on stdin

Formats:
  table   aligned columns: time, measurement, tags, field, value (default)
  lp      InfluxDB line protocol, exactly what the daemon writes (--output FILE to keep it)
  json    each SubscribeResponse as protojson, one per line (sync_response included)

With several --address, table and json lines start with "[address] "; line protocol
carries the address in its source tag. The measurement defaults to the first element of
the first path ("interfaces" for /interfaces/...); set --measurement to match a config.`,
		Example: `  netpulse subscribe -a 192.0.2.1:6030 -u admin --insecure \
      --path /interfaces/interface/state/counters --mode once --format lp
  netpulse subscribe -a leaf1:57400 -a leaf2:57400 --tls-ca ca.pem \
      --path /interfaces/interface[name=Ethernet1]/state --mode stream --sample-interval 10s --count 20
  netpulse subscribe -a 192.0.2.1:6030 --insecure --path /system/state --mode poll --poll-interval 30s
  NETPULSE_PASSWORD=secret netpulse subscribe -a r1:9339 -u admin --skip-verify \
      --origin openconfig --path /network-instances --stream-mode on_change --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSubscribe(cmd.Context(), g, &o) },
	}
	fl := cmd.Flags()
	o.conn.register(fl)
	fl.StringArrayVar(&o.paths, "path", nil, "path to subscribe to (repeatable), e.g. /interfaces/interface[name=Ethernet1]/state")
	fl.StringVar(&o.prefix, "prefix", "", "common path prefix")
	fl.StringVar(&o.origin, "origin", "", "path origin (e.g. openconfig)")
	fl.StringVar(&o.mode, "mode", "stream", "subscription mode: once, stream or poll")
	fl.StringVar(&o.streamMode, "stream-mode", "sample", "stream mode: sample, on_change or target_defined")
	fl.DurationVar(&o.sampleInterval, "sample-interval", gnmi.DefaultSampleInterval, "sample interval (stream-mode sample)")
	fl.DurationVar(&o.heartbeatInterval, "heartbeat-interval", 0, "heartbeat interval (0 = none)")
	fl.DurationVar(&o.pollInterval, "poll-interval", 0, "mode poll: poll this often (0 = on each Enter / line on stdin)")
	fl.BoolVar(&o.suppressRedundant, "suppress-redundant", false, "ask the target not to resend unchanged values")
	fl.BoolVar(&o.updatesOnly, "updates-only", false, "skip the initial snapshot: only changes after the subscription")
	fl.StringVarP(&o.encoding, "encoding", "e", "proto", "encoding: proto, json, json_ietf, ascii or bytes")
	fl.IntVar(&o.count, "count", 0, "stop after this many notifications per target (0 = no limit)")
	fl.DurationVar(&o.duration, "duration", 0, "stop after this long (0 = no limit)")
	fl.StringVar(&o.out.format, "format", formatTable, "output format: table, lp or json")
	fl.StringVar(&o.out.output, "output", "", "write to this file instead of stdout")
	fl.StringVar(&o.out.measurement, "measurement", "", "measurement name (default: the first path element)")
	return cmd
}

// defaultMeasurement is the first element of the first path, module prefix stripped:
// /interfaces/... gives "interfaces", the name the example configs and the if-mib profile use.
func defaultMeasurement(paths []string, prefix string) string {
	for _, s := range append([]string{prefix}, paths...) {
		p, err := gnmi.ParsePath(s)
		if err != nil || len(p.GetElem()) == 0 {
			continue
		}
		name := p.GetElem()[0].GetName()
		if i := strings.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		if name != "" && name != "*" && name != "..." {
			return name
		}
	}
	return "gnmi"
}

// subFlagNames rewrites the config keys in gnmi.ValidateSubscription's messages into flags.
var subFlagNames = strings.NewReplacer(
	"stream_mode", "--stream-mode", "poll_interval", "--poll-interval",
	"sample_interval", "--sample-interval", "heartbeat_interval", "--heartbeat-interval",
	"mode \"", "--mode \"", "encoding \"", "--encoding \"",
)

// subscription turns the flags into the same Subscription type the config file fills.
func (o *subscribeOptions) subscription() (gnmi.Subscription, error) {
	if len(o.paths) == 0 {
		return gnmi.Subscription{}, usageError(errors.New("--path is required (repeatable), e.g. --path /interfaces/interface/state/counters"))
	}
	meas := o.out.measurement
	if meas == "" {
		meas = defaultMeasurement(o.paths, o.prefix)
	}
	sub := gnmi.Subscription{
		Name: meas, Paths: o.paths, Prefix: o.prefix, Origin: o.origin,
		Mode: strings.ToLower(o.mode), StreamMode: o.streamMode,
		SampleInterval: o.sampleInterval, HeartbeatInterval: o.heartbeatInterval,
		SuppressRedundant: o.suppressRedundant, UpdatesOnly: o.updatesOnly,
		Encoding: o.encoding, Measurement: meas, PollInterval: o.pollInterval,
	}
	switch {
	case sub.Mode != "stream":
		sub.StreamMode, sub.SampleInterval = "", 0 // per-path stream settings apply to STREAM only
	case strings.EqualFold(strings.ReplaceAll(sub.StreamMode, "-", "_"), "on_change"):
		sub.SampleInterval = 0 // ON_CHANGE has no sample interval (gNMI spec §3.5.1.5.2)
	}
	if err := gnmi.ValidateSubscription(sub); err != nil {
		return sub, usageError(errors.New(subFlagNames.Replace(err.Error())))
	}
	if o.count < 0 || o.duration < 0 {
		return sub, usageError(errors.New("--count and --duration must not be negative"))
	}
	return sub, nil
}

func runSubscribe(parent context.Context, g *globals, o *subscribeOptions) error {
	if err := checkFormat(o.out.format, formatTable, formatLP, formatJSON); err != nil {
		return err
	}
	sub, err := o.subscription()
	if err != nil {
		return err
	}
	cfgs, err := o.conn.configs(g)
	if err != nil {
		return err
	}
	w, closeOut, err := openOutput(g, o.out.output)
	if err != nil {
		return err
	}
	sigCtx, stop := signalContext(parent)
	defer stop()
	ctx := sigCtx
	if o.duration > 0 {
		// A timer, not a deadline: a gRPC deadline travels to the server, which may reset
		// the stream a moment before our context notices, turning a normal end into an error.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		t := time.AfterFunc(o.duration, cancel)
		defer t.Stop()
	}
	pr := newPrinter(w, g.stderr, o.out.format, len(cfgs))

	// Poll without an interval: each line on stdin (Enter on a terminal) polls every target.
	var triggers []chan struct{}
	if sub.Mode == "poll" && o.pollInterval == 0 {
		if isTerminalReader(g.stdin) {
			fmt.Fprintln(g.stderr, "netpulse: press Enter to poll again, Ctrl-D to stop")
		}
		triggers = fanOut(ctx, stdinLines(ctx, g.stdin), len(cfgs))
	}

	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		var trig <-chan struct{}
		if triggers != nil {
			trig = triggers[i]
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = subscribeTarget(ctx, cfg, sub, o.count, trig, pr)
		}()
	}
	wg.Wait()
	if err := closeOut(); err != nil && pr.err == nil {
		pr.err = fmt.Errorf("write output: %w", err)
	}
	if pr.err != nil {
		return pr.err
	}
	if sigCtx.Err() != nil && parent.Err() == nil && sub.Mode == "once" {
		return withCode(exitInterrupted, errors.New("interrupted before the snapshot was complete"))
	}
	return targetErrors(cfgs, errs)
}

// targetErrors reports per-target failures: all failed → exit 1, some → exit 3 (the others
// were printed), as `run --once` does.
func targetErrors(cfgs []gnmi.Config, errs []error) error {
	var failed []error
	for i, err := range errs {
		if err == nil {
			continue
		}
		if len(cfgs) > 1 {
			err = fmt.Errorf("%s: %w", cfgs[i].Name, err)
		}
		failed = append(failed, err)
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(failed) < len(cfgs):
		return withCode(exitSomeTargets, errors.Join(failed...))
	}
	return errors.Join(failed...)
}

// fanOut copies each value from in to n channels (one per target) and closes them when in
// closes or ctx ends.
func fanOut(ctx context.Context, in <-chan struct{}, n int) []chan struct{} {
	outs := make([]chan struct{}, n)
	for i := range outs {
		outs[i] = make(chan struct{}, 1)
	}
	go func() {
		defer func() {
			for _, c := range outs {
				close(c)
			}
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-in:
				if !ok {
					return
				}
				for _, c := range outs {
					select {
					case c <- struct{}{}: // one poll per line: wait for slow targets
					case <-ctx.Done():
						return
					}
				}
			}
		}
	}()
	return outs
}

// subscribeTarget runs one target's stream until it ends, count notifications arrived, or
// ctx ends (which is a normal end for stream and poll modes).
func subscribeTarget(ctx context.Context, cfg gnmi.Config, sub gnmi.Subscription, count int, trig <-chan struct{}, pr *printer) error {
	req, err := gnmi.NewSubscribeRequest("", sub)
	if err != nil {
		return usageError(err)
	}
	norm, err := gnmi.NewNormalizer(gnmi.NormalizerConfig{Source: cfg.Name, Subscriptions: []gnmi.Subscription{sub}})
	if err != nil {
		return usageError(err)
	}
	conn, err := dialGNMI(cfg)
	if err != nil {
		return err
	}
	defer conn.Close()

	// Snapshots (once, poll) are printed at their sync_response, merged per series.
	batch := sub.Mode != "stream"
	var pending []collector.Point
	flush := func() error {
		pts := mergePoints(pending)
		pending = nil
		return pr.points(cfg.Name, pts)
	}
	n := 0
	// synced: a sync_response arrived; counted: --count ended the stream on purpose. A ONCE
	// stream that ends with neither is an incomplete snapshot (gNMI §3.5.2.3), a failure
	// exactly as in `run --once`.
	synced, counted := false, false
	handle := func(r *gnmipb.SubscribeResponse) error {
		if pr.format == formatJSON {
			if err := pr.message(cfg.Name, r); err != nil {
				return err
			}
		}
		switch {
		case r.GetUpdate() != nil:
			n++
			if pr.format != formatJSON {
				pts, _ := norm.Normalize(nil, r.GetUpdate(), time.Now())
				if batch {
					pending = append(pending, pts...)
				} else if err := pr.points(cfg.Name, pts); err != nil {
					return err
				}
			}
			if count > 0 && n >= count {
				counted = true
				return gnmi.ErrStop
			}
		case r.GetSyncResponse():
			synced = true
			return flush()
		case r.GetError() != nil: //nolint:staticcheck // deprecated, but old devices still send it
			return fmt.Errorf("device reported an error: %s", r.GetError().GetMessage()) //nolint:staticcheck
		}
		return nil
	}
	if trig != nil {
		err = pollOnTrigger(ctx, gnmipb.NewGNMIClient(conn), req, trig, handle)
	} else {
		err = gnmi.Subscribe(ctx, conn, req, gnmi.SubscribeOptions{PollInterval: sub.PollInterval}, handle)
	}
	if ferr := flush(); err == nil {
		err = ferr
	}
	if err != nil && ctx.Err() != nil {
		if sub.Mode == "once" {
			return fmt.Errorf("stopped before the snapshot was complete (no sync_response): %w", err)
		}
		return nil // --duration or Ctrl-C: the normal end of a stream
	}
	if err == nil && sub.Mode == "once" && !synced && !counted {
		return fmt.Errorf("%s: the stream ended before sync_response after %d notifications: the snapshot is incomplete", cfg.Address, n)
	}
	return gnmi.ExplainError(cfg, err)
}

// pollOnTrigger is a POLL subscription whose polls are sent on demand: after each complete
// snapshot (sync_response) it waits for the next trigger, and ends when trig closes. gnmi.Subscribe
// polls on a timer only; this is its interactive twin.
func pollOnTrigger(ctx context.Context, conn gnmipb.GNMIClient, req *gnmipb.SubscribeRequest, trig <-chan struct{}, fn func(*gnmipb.SubscribeResponse) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := conn.Subscribe(ctx)
	if err != nil {
		return fmt.Errorf("open Subscribe stream: %w", err)
	}
	if err := stream.Send(req); err != nil {
		return fmt.Errorf("send SubscribeRequest: %w", err)
	}
	poll := &gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Poll{Poll: &gnmipb.Poll{}}}
	for {
		r, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("receive: %w", err)
		}
		if err := fn(r); err != nil {
			if errors.Is(err, gnmi.ErrStop) {
				return nil
			}
			return err
		}
		if !r.GetSyncResponse() {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case _, ok := <-trig:
			if !ok {
				return nil
			}
		}
		if err := stream.Send(poll); err != nil {
			return fmt.Errorf("send Poll: %w", err)
		}
	}
}

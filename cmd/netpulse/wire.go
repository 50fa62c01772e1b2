package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
	"github.com/netpulse/netpulse/outputs"
	"github.com/netpulse/netpulse/outputs/file"
	"github.com/netpulse/netpulse/outputs/influx"
	"github.com/netpulse/netpulse/targets"
)

// newCollectors returns the Manager's factory: the one place that knows which transport
// package serves which target. rt is the Manager's per-run state (stats, once mode, offset).
// It owns what the gNMI sessions of the process share (gnmi.Shared: interned names, type
// lookups, subscription plans), built once per `run`, so that reloads and redials keep it.
func newCollectors() targets.NewFunc {
	shared := gnmi.NewShared()
	return func(t targets.Target, rt collector.Runtime, log *slog.Logger) (collector.Collector, error) {
		switch {
		case t.SNMP != nil:
			return snmp.New(*t.SNMP, rt, log)
		case t.GNMI != nil:
			return shared.New(*t.GNMI, rt, log)
		}
		return nil, fmt.Errorf("target %q has no transport", t.Name)
	}
}

// pipeline is the write side: one bounded Output per configured output, fanned out.
type pipeline struct {
	outs  []*outputs.Output
	names []string
	sink  collector.Sink
	done  chan struct{}
}

// buildOutputs turns the config's outputs into running Outputs. buf is the buffer/spool
// section shared by all of them.
func buildOutputs(f *targets.File, log *slog.Logger) (*pipeline, error) {
	p := &pipeline{}
	for i, o := range f.Outputs {
		name := fmt.Sprintf("%s[%d]", o.Type, i)
		var w outputs.Writer
		var err error
		switch o.Type {
		case "influxdb":
			// The name is printed in logs, /metrics labels and the summary: never with the
			// URL's credentials.
			name = fmt.Sprintf("influxdb[%d] %s", i, collector.RedactURL(o.URL))
			w, err = influx.New(influx.Config{
				URL: o.URL, Token: o.Token, Org: o.Org, Bucket: o.Bucket, Timeout: o.Timeout,
				Gzip: *o.Gzip, UintSupport: o.UintSupport, TLSCA: o.TLSCA, SkipVerify: o.SkipVerify,
			}, log.With("output", name))
		case "file":
			name = fmt.Sprintf("file[%d] %s", i, o.Path)
			w, err = file.New(file.Config{Path: o.Path, UintAsInt: o.UintSupport == "false"}, log.With("output", name))
		default:
			err = fmt.Errorf("unknown output type %q", o.Type)
		}
		if err != nil {
			return nil, usageError(fmt.Errorf("outputs[%d]: %w", i, err))
		}
		spool := ""
		if f.Buffer.SpoolDir != "" {
			// Keyed by what the output is, not by its position: reordering outputs in the
			// config must never replay one output's spooled data into another.
			spool = filepath.Join(f.Buffer.SpoolDir, spoolName(o))
		}
		out, err := outputs.New(outputs.Config{
			Name: name, BatchSize: o.BatchSize, FlushInterval: o.FlushInterval,
			MaxBytes: f.Buffer.MaxBytes, SpoolDir: spool, DeadLetter: o.DeadLetter,
		}, w, log) // Output adds its name to every log line itself
		if err != nil {
			return nil, usageError(fmt.Errorf("outputs[%d]: %w", i, err))
		}
		p.outs = append(p.outs, out)
		p.names = append(p.names, name)
	}
	if len(p.outs) == 1 {
		p.sink = p.outs[0]
	} else {
		fan := make(outputs.Fanout, len(p.outs))
		for i, o := range p.outs {
			fan[i] = o
		}
		p.sink = fan
	}
	return p, nil
}

// start runs every output's flush loop until ctx ends.
func (p *pipeline) start(ctx context.Context) {
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		ch := make(chan struct{}, len(p.outs))
		for _, o := range p.outs {
			go func() { o.Run(ctx); ch <- struct{}{} }()
		}
		for range p.outs {
			<-ch
		}
	}()
}

// outputResult is one output's final delivery report.
type outputResult struct {
	Name    string           `json:"name"`
	Written int64            `json:"written"`
	Lost    int64            `json:"lost"`
	Spooled int64            `json:"spooled"`
	Dropped map[string]int64 `json:"dropped,omitempty"`
	Error   string           `json:"error,omitempty"`
	Failed  bool             `json:"failed"`
}

// close stops accepting points, flushes under the deadline and reports each output.
func (p *pipeline) close(deadline time.Duration) []outputResult {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	// Concurrently: one dead server must not use up the other outputs' flush deadline.
	res := make([]outputResult, len(p.outs))
	var wg sync.WaitGroup
	for i, o := range p.outs {
		wg.Go(func() {
			rep, err := o.Close(ctx)
			r := outputResult{Name: p.names[i], Written: rep.Written, Lost: rep.Lost, Spooled: rep.Spooled,
				Dropped: rep.Dropped, Error: rep.LastError, Failed: rep.Failed}
			if err != nil {
				r.Failed = true
				if r.Error == "" {
					r.Error = err.Error()
				}
			}
			res[i] = r
		})
	}
	wg.Wait()
	return res
}

// spoolName names an output's spool directory after its type and destination.
func spoolName(o targets.Output) string {
	// Without credentials: rotating a password must not orphan the spool, and a directory
	// name must not carry a hash of a secret.
	dest := collector.RedactURL(o.URL) + "|" + o.Bucket + "|" + o.Org
	if o.Type == "file" {
		dest = o.Path
	}
	sum := sha256.Sum256([]byte(dest))
	return fmt.Sprintf("%s-%x", o.Type, sum[:6])
}

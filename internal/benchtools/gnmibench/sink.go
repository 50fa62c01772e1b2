package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
	"github.com/netpulse/netpulse/outputs/file"
	"github.com/netpulse/netpulse/outputs/influx"
)

// The -sink choices. sinkOutput and sinkInflux both go through a real outputs.Output; they
// differ only in its writer.
const (
	sinkOutput = "output" // outputs.Output + the file writer into countingDiscard
	sinkEncode = "encode" // line-protocol encoding alone into io.Discard (discardSink)
	sinkInflux = "influx" // outputs.Output + the InfluxDB writer to a real server (-influx)
)

// countingDiscard is the file writer's destination: it counts the bytes and keeps none, so
// the benchmark measures netpulse and not the disk.
type countingDiscard struct{ n int64 }

func (c *countingDiscard) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return len(b), nil
}

// outputSink routes the session's points through a real outputs.Output (buffer, flush
// loop, field-type guard, batching) into either a file writer on countingDiscard (the path
// `netpulse run` takes for a `type: file` output) or the InfluxDB writer (`type: influx`).
// The file writer serialises its writes, so dst.n needs no lock of its own once Close has
// returned.
type outputSink struct {
	o   *outputs.Output
	dst *countingDiscard // nil for the InfluxDB writer
	run chan error
}

func newOutputSink(ctx context.Context, log *slog.Logger) (*outputSink, error) {
	dst := &countingDiscard{}
	// UintAsInt as the encode sink does, so the two sinks write the same bytes.
	w := file.NewWriter(dst, file.Config{UintAsInt: true}, log)
	return startOutput(ctx, w, dst, log)
}

// newInfluxSink writes to a real InfluxDB with the settings `netpulse run` uses by default
// for a `type: influx` output (gzip, the Output's default batches).
func newInfluxSink(ctx context.Context, url, bucket string, log *slog.Logger) (*outputSink, error) {
	if url == "" {
		return nil, fmt.Errorf("-sink influx needs -influx URL")
	}
	w, err := influx.New(influx.Config{URL: url, Bucket: bucket, Gzip: true}, log)
	if err != nil {
		return nil, fmt.Errorf("influx writer: %w", err)
	}
	return startOutput(ctx, w, nil, log)
}

func startOutput(ctx context.Context, w outputs.Writer, dst *countingDiscard, log *slog.Logger) (*outputSink, error) {
	o, err := outputs.New(outputs.Config{Name: "bench"}, w, log)
	if err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	s := &outputSink{o: o, dst: dst, run: make(chan error, 1)}
	go func() { s.run <- o.Run(ctx) }()
	return s, nil
}

// Emit implements collector.Sink.
func (s *outputSink) Emit(ctx context.Context, pts []collector.Point) error {
	return s.o.Emit(ctx, pts)
}

// close flushes what is buffered (counted in the run's CPU) and returns the Output's report.
func (s *outputSink) close() (outputs.Report, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := s.o.Close(ctx)
	<-s.run
	return rep, err
}

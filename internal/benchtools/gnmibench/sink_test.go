package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

// The Output sink must deliver every emitted point, encoded as the file output encodes it:
// the benchmark's updates per CPU-second are only the pipeline's cost if nothing is lost on
// the way and the guard does not drop fields.
func TestOutputSinkDeliversEverything(t *testing.T) {
	mk := func(i int) collector.Point {
		return collector.Point{
			Measurement: "interfaces",
			Tags:        []collector.Tag{{Key: "interface_name", Value: fmt.Sprintf("Ethernet%d", i%100)}, {Key: "source", Value: "bench"}},
			Fields:      []collector.Field{collector.Uint("state/counters/in-octets", uint64(i)), collector.Uint("state/counters/out-octets", uint64(i+1))},
			Time:        time.Unix(1700000000, int64(i)),
		}
	}
	const n = 12345
	var want []collector.Point
	for i := range n {
		want = append(want, mk(i))
	}
	// The sink owns what it is given: encode the reference from separate copies.
	ref, err := outputs.AppendLineProtocol(nil, want, outputs.EncodeOptions{UintAsInt: true})
	if err != nil {
		t.Fatal(err)
	}
	s, err := newOutputSink(context.Background(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 1000 {
		var batch []collector.Point
		for j := i; j < min(i+1000, n); j++ {
			batch = append(batch, mk(j))
		}
		if err := s.Emit(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := s.close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written != n || len(rep.Dropped) != 0 {
		t.Errorf("written %d, dropped %v; want %d, none", rep.Written, rep.Dropped, n)
	}
	if s.dst.n != int64(len(ref)) {
		t.Errorf("file writer wrote %d bytes, the encoder gives %d", s.dst.n, len(ref))
	}
}

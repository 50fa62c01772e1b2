package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/outputs"
)

// The Output sink must deliver every emitted point, encoded as the file output encodes it:
// the benchmark's updates per CPU-second are only the pipeline's cost if nothing is lost on
// the way and the guard does not drop fields.
func TestOutputSinkDeliversEverything(t *testing.T) {
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
	emitAll(t, s, n)
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

func mk(i int) collector.Point {
	return collector.Point{
		Measurement: "interfaces",
		Tags:        []collector.Tag{{Key: "interface_name", Value: fmt.Sprintf("Ethernet%d", i%100)}, {Key: "source", Value: "bench"}},
		Fields:      []collector.Field{collector.Uint("state/counters/in-octets", uint64(i)), collector.Uint("state/counters/out-octets", uint64(i+1))},
		Time:        time.Unix(1700000000, int64(i)),
	}
}

// emitAll emits points 0..n-1 in batches of 1,000, as a session does.
func emitAll(t *testing.T, s collector.Sink, n int) {
	t.Helper()
	for i := 0; i < n; i += 1000 {
		var batch []collector.Point
		for j := i; j < min(i+1000, n); j++ {
			batch = append(batch, mk(j))
		}
		if err := s.Emit(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
	}
}

// -sink influx must write every point into a real InfluxDB and report the Output's counts:
// the influx case of bench-gnmi.sh compares these with what the server stored.
func TestInfluxSinkDeliversEverything(t *testing.T) {
	d := peers.StartInfluxd(t)
	d.CreateDatabase(t, "bench")
	s, err := newInfluxSink(context.Background(), d.URL, "bench", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	const n = 12345
	emitAll(t, s, n)
	rep, err := s.close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written != n || rep.Lost != 0 || len(rep.Dropped) != 0 {
		t.Errorf("written %d, lost %d, dropped %v; want %d, 0, none", rep.Written, rep.Lost, rep.Dropped, n)
	}
	if s.dst != nil {
		t.Error("the influx sink has a file destination")
	}
	// Each point is its own series and time (interface i%100, nanosecond i): the server
	// holds one row per point.
	rows := d.Query(t, "bench", `SELECT COUNT("state/counters/in-octets") FROM interfaces`)
	if len(rows) != 1 || fmt.Sprint(rows[0][1]) != fmt.Sprint(n) {
		t.Errorf("InfluxDB counts %v, want %d", rows, n)
	}
}

// The sink flags: every choice is accepted with what it needs, and -influx without -sink
// influx is an error rather than a run that silently measured the file path.
func TestCheckSinkFlags(t *testing.T) {
	for _, c := range []struct {
		kind, url string
		ok        bool
	}{
		{sinkOutput, "", true},
		{sinkEncode, "", true},
		{sinkInflux, "http://127.0.0.1:8086", true},
		{sinkInflux, "", false},
		{sinkOutput, "http://127.0.0.1:8086", false},
		{sinkEncode, "http://127.0.0.1:8086", false},
		{"file", "", false},
	} {
		if err := checkSinkFlags(c.kind, c.url); (err == nil) != c.ok {
			t.Errorf("checkSinkFlags(%q, %q) = %v, want ok=%v", c.kind, c.url, err, c.ok)
		}
	}
}

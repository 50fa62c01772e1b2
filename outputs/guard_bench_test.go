package outputs_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
	"github.com/netpulse/netpulse/outputs/file"
	"github.com/netpulse/netpulse/outputs/influx"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkOutputTypeGuard measures Emit + flush of 5,000 gNMI-shaped interface points (10
// counters, mtu, oper-status: 12 fields) with and without the type guard, through the real
// InfluxDB writer (line protocol, gzip, POST to a local server that discards the body) and
// through the file writer into io.Discard (the cheapest sink, where the guard's share is
// largest). Steady state: every field is already pinned, as on the gNMI throughput path.
//
//	go test ./outputs -run '^$' -bench OutputTypeGuard -benchtime 40x -count 5
func BenchmarkOutputTypeGuard(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ping":
			w.Header().Set("X-Influxdb-Version", "v2.7.1")
		case "/query":
			_, _ = io.WriteString(w, `{"results":[{"statement_id":0}]}`)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	template := make([]collector.Point, 5000)
	for i := range template {
		template[i] = collector.Point{
			Measurement: "interfaces",
			Tags: []collector.Tag{{Key: "interface_name", Value: fmt.Sprintf("Ethernet%d/%d", i/48, i%48)},
				{Key: "source", Value: fmt.Sprintf("leaf%d", i%20)}},
			Fields: []collector.Field{
				collector.Uint("state/counters/in-octets", uint64(i)<<20),
				collector.Uint("state/counters/out-octets", uint64(i)<<21),
				collector.Uint("state/counters/in-unicast-pkts", uint64(i)<<10),
				collector.Uint("state/counters/out-unicast-pkts", uint64(i)<<11),
				collector.Uint("state/counters/in-broadcast-pkts", 7),
				collector.Uint("state/counters/out-broadcast-pkts", 8),
				collector.Uint("state/counters/in-multicast-pkts", 9),
				collector.Uint("state/counters/out-multicast-pkts", 10),
				collector.Uint("state/counters/in-errors", 0),
				collector.Uint("state/counters/in-discards", 3),
				collector.Uint("state/mtu", 9214),
				collector.String("state/oper-status", "UP"),
			},
			Time: time.Unix(1763946000, int64(i)),
		}
	}
	writers := map[string]func() outputs.Writer{
		"influx": func() outputs.Writer {
			w, err := influx.New(influx.Config{URL: srv.URL, Bucket: "np", Gzip: true}, nil)
			if err != nil {
				b.Fatal(err)
			}
			return w
		},
		"file": func() outputs.Writer { return file.NewWriter(io.Discard, file.Config{}, nil) },
	}
	batch := make([]collector.Point, len(template))
	newOutput := func(wname string, guard bool) *outputs.Output {
		o, err := outputs.New(outputs.Config{Name: "bench", BatchSize: len(template), FlushInterval: time.Hour}, writers[wname](), nil)
		if err != nil {
			b.Fatal(err)
		}
		if !guard {
			outputs.DisableTypeGuard(o)
		}
		return o
	}
	emitFlush := func(o *outputs.Output) time.Duration {
		copy(batch, template) // Emit owns the Point structs (it sorts tags in place)
		before := cpuTime()
		if err := o.Emit(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
		outputs.Flush(o)
		return cpuTime() - before
	}
	for _, wname := range []string{"influx", "file"} {
		// Both Outputs run in the same loop, alternately, and each is charged the process
		// CPU time (getrusage) of its own Emit+flush: on a shared, loaded machine wall time
		// is mostly other processes' noise, and alternating spreads what is left evenly.
		b.Run("writer="+wname, func(b *testing.B) {
			with, without := newOutput(wname, true), newOutput(wname, false)
			emitFlush(with) // pin the fields once
			var cpuWith, cpuWithout time.Duration
			b.ReportAllocs()
			for b.Loop() {
				cpuWithout += emitFlush(without)
				cpuWith += emitFlush(with)
			}
			n := float64(b.N * len(template))
			b.ReportMetric(float64(cpuWithout.Nanoseconds())/n, "cpu-ns/point-noguard")
			b.ReportMetric(float64(cpuWith.Nanoseconds())/n, "cpu-ns/point-guard")
			b.ReportMetric(100*(float64(cpuWith)/float64(cpuWithout)-1), "%overhead")
			for _, o := range []*outputs.Output{with, without} {
				if st := o.Stats(); st.Written == 0 || len(st.Dropped) != 0 {
					b.Fatalf("stats %+v", st)
				}
			}
		})
	}
}

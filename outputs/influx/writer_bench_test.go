package influx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/netpulse/netpulse/collector"
)

// BenchmarkWriterWrite measures one 5000-point batch: encode, gzip, POST to a local server
// that reads and discards the body (the client side of a write, without InfluxDB's cost).
func BenchmarkWriterWrite(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping" {
			w.Header().Set("X-Influxdb-Version", "unknown")
		}
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	batch := make([]collector.Point, 5000)
	for i := range batch {
		p := counterPoint(fmt.Sprintf("Ethernet%d/%d", i/48, i%48), uint64(i)<<20)
		p.Fields = append(p.Fields,
			collector.Uint("state/counters/out-octets", uint64(i)<<21),
			collector.Uint("state/counters/in-unicast-pkts", uint64(i)<<10),
			collector.Uint("state/counters/out-unicast-pkts", uint64(i)<<11),
			collector.Uint("state/counters/in-errors", 0),
			collector.Uint("state/counters/in-discards", 3),
			collector.Int("state/mtu", 9214),
			collector.Uint("state/high-speed", 100000),
		)
		batch[i] = p
	}
	for _, gz := range []bool{true, false} {
		b.Run(fmt.Sprintf("gzip=%v", gz), func(b *testing.B) {
			w, err := New(Config{URL: srv.URL, Bucket: "np", Gzip: gz}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			b.ReportAllocs()
			for b.Loop() {
				if err := w.Write(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/point")
		})
	}
}

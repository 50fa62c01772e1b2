package gnmi

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/gnmiserver"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/outputs/influx"
)

// TestThousandInterfacesToInfluxd is issue 3's acceptance 1 at package level: a reference
// gNMI server with 1,000 interfaces (all counters of an interface in one notification), the
// real session streaming them, the server restarted mid-run, and every interface's counters
// read back from the real InfluxDB 1.8.10 as integers with the DESIGN §4 names.
func TestThousandInterfacesToInfluxd(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (-short)")
	}
	d := peers.StartInfluxd(t)
	d.CreateDatabase(t, "np")
	const n = 1000
	base := uint64(1) << 40 // beyond 32 bits: must not be truncated or turned into floats
	srv := startRef(t, gnmiserver.Config{})
	feed := func(v uint64) {
		for i := range n {
			if err := srv.Update("dev1", ifCounters(fmt.Sprintf("Ethernet%d", i), base+v, true)); err != nil {
				t.Fatal(err)
			}
		}
	}
	feed(1)
	cfg := baseConfig(srv.Addr(), Subscription{Name: "interfaces", Paths: []string{"/interfaces"}, StreamMode: "on_change"})
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := runSession(t, ctx, cfg, collector.Runtime{}, rec)
	allAt := func(v uint64) func([]collector.Point) bool {
		return func(pts []collector.Point) bool {
			seen := map[string]bool{}
			for _, p := range pts {
				if f, ok := p.Field("state/counters/in-octets"); ok && f.UintValue() == base+v {
					name, _ := p.Tag("interface_name")
					seen[name] = true
				}
			}
			return len(seen) == n
		}
	}
	rec.waitFor(t, 20*time.Second, "all interfaces", allAt(1))

	srv.Stop()
	if err := <-done; err == nil {
		t.Fatal("the session did not end when the server stopped")
	}
	feed(2)
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	// What the supervisor does after a broken session (targets.Manager owns redial).
	done = runSession(t, ctx, cfg, collector.Runtime{}, rec)
	rec.waitFor(t, 20*time.Second, "all interfaces after the restart", allAt(2))
	cancel()
	<-done

	w, err := influx.New(influx.Config{URL: d.URL, Bucket: "np/autogen", Gzip: true, UintSupport: "auto", Timeout: 10 * time.Second}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	pts := rec.snapshot()
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	for len(pts) > 0 {
		k := min(len(pts), 5000)
		if err := w.Write(wctx, pts[:k]); err != nil {
			t.Fatal(err)
		}
		pts = pts[k:]
	}
	series := d.QuerySeries(t, "np", `SELECT last("state/counters/in-octets") FROM interfaces GROUP BY interface_name, source, site`)
	if len(series) != n {
		t.Fatalf("%d series, want %d", len(series), n)
	}
	for _, s := range series {
		if got := fmt.Sprint(s.Values[0][1]); got != fmt.Sprint(base+2) {
			t.Fatalf("%v: last in-octets %s, want %d", s.Tags, got, base+2)
		}
		if s.Tags["source"] != "dev1" || s.Tags["site"] != "lab" {
			t.Fatalf("tags %v", s.Tags)
		}
	}
	keys := d.Query(t, "np", `SHOW FIELD KEYS FROM interfaces`)
	if got := fmt.Sprint(keys); got != "[[state/counters/in-octets integer] [state/counters/out-octets integer]]" {
		t.Errorf("field keys %s", got)
	}
}

package influx

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/outputs"
)

// These tests run the real InfluxDB 1.8.10 (internal/peers.StartInfluxd) and read the data
// back with InfluxQL.

func runOutput(t *testing.T, w *Writer, cfg outputs.Config, batches ...[]collector.Point) outputs.Report {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "influx"
	}
	o, err := outputs.New(cfg, w, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	for _, b := range batches {
		if err := o.Emit(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	<-done
	cctx, ccancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer ccancel()
	rep, err := o.Close(cctx)
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	return rep
}

func num(t *testing.T, v any) string {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("value %v (%T) is not a number", v, v)
	}
	return n.String()
}

// TestInfluxdUintCounters: uint64 counters (beyond 2^32 and up to MaxInt64) written with
// uint_support auto arrive as integers and read back equal; every timestamp of a series is
// kept; gzip is on.
func TestInfluxdUintCounters(t *testing.T) {
	d := peers.StartInfluxd(t)
	d.CreateDatabase(t, "np")
	w := newWriter(t, Config{URL: d.URL, Bucket: "np/autogen", Gzip: true, UintSupport: "auto"})
	base := time.Unix(1763946000, 0)
	values := []uint64{0, 1<<32 - 1, 1 << 32, 1<<40 + 12345, math.MaxInt64}
	var batch []collector.Point
	for i, v := range values {
		for _, ifname := range []string{"Ethernet1", "Ethernet2"} {
			batch = append(batch, collector.Point{
				Measurement: "interfaces",
				Tags:        []collector.Tag{{Key: "interface_name", Value: ifname}, {Key: "source", Value: "leaf1"}},
				Fields: []collector.Field{
					collector.Uint("state/counters/in-octets", v),
					collector.Int("state/mtu", 9000),
					collector.String("state/oper-status", "UP"),
				},
				Time: base.Add(time.Duration(i) * 10 * time.Second),
			})
		}
	}
	rep := runOutput(t, w, outputs.Config{BatchSize: 4}, batch)
	if rep.Written != int64(len(batch)) || rep.Failed {
		t.Fatalf("report %+v", rep)
	}
	if w.UintMode() != "int64" {
		t.Errorf("UintMode %q against influxd 1.8.10, want int64", w.UintMode())
	}
	rows := d.Query(t, "np", `SELECT "state/counters/in-octets", "state/mtu" FROM interfaces WHERE interface_name = 'Ethernet2' ORDER BY time`)
	if len(rows) != len(values) {
		t.Fatalf("rows %v, want %d (one per timestamp)", rows, len(values))
	}
	for i, r := range rows {
		if got, want := num(t, r[0]), fmt.Sprint(base.Add(time.Duration(i)*10*time.Second).UnixNano()); got != want {
			t.Errorf("row %d time %s, want %s", i, got, want)
		}
		if got := num(t, r[1]); got != fmt.Sprint(values[i]) {
			t.Errorf("row %d in-octets %s, want %d", i, got, values[i])
		}
	}
	// The field is an integer in InfluxDB's schema (not a float, not missing).
	keys := d.Query(t, "np", `SHOW FIELD KEYS FROM interfaces`)
	if !strings.Contains(fmt.Sprint(keys), "state/counters/in-octets integer") {
		t.Errorf("field keys %v, want in-octets integer", keys)
	}
}

// TestInfluxdUintForcedFallsBack: uint_support true against 1.8 — the server's 400 "invalid
// number" switches the writer to int64 and nothing is lost.
func TestInfluxdUintForcedFallsBack(t *testing.T) {
	d := peers.StartInfluxd(t)
	d.CreateDatabase(t, "np")
	w := newWriter(t, Config{URL: d.URL, Bucket: "np", Gzip: true, UintSupport: "true"})
	rep := runOutput(t, w, outputs.Config{}, []collector.Point{counterPoint("Ethernet1", 1<<33)})
	if rep.Written != 1 || rep.Failed || w.UintMode() != "int64" {
		t.Fatalf("report %+v, mode %s", rep, w.UintMode())
	}
	rows := d.Query(t, "np", `SELECT "state/counters/in-octets" FROM interfaces`)
	if len(rows) != 1 || num(t, rows[0][1]) != fmt.Sprint(uint64(1)<<33) {
		t.Errorf("rows %v", rows)
	}
}

// TestInfluxdAuthAndMissingDatabase: the token "user:password" works with auth on; a wrong one
// is a Misconfigured error naming the fix; so is a database that does not exist.
func TestInfluxdAuthAndMissingDatabase(t *testing.T) {
	d := peers.StartInfluxd(t, peers.WithInfluxAuth("admin", "pw"))
	d.CreateDatabase(t, "np")
	pts := []collector.Point{counterPoint("Ethernet1", 5)}

	ok := newWriter(t, Config{URL: d.URL, Bucket: "np", Token: collector.Secret(d.Token()), Gzip: true})
	if err := ok.Write(context.Background(), pts); err != nil {
		t.Fatalf("write with admin token: %v", err)
	}
	bad := newWriter(t, Config{URL: d.URL, Bucket: "np", Token: "admin:wrong"})
	err := bad.Write(context.Background(), pts)
	if e := outputs.Classify(err); err == nil || e.Class != outputs.Misconfigured || !strings.Contains(err.Error(), "check the token") {
		t.Errorf("wrong token: %v", err)
	}
	missing := newWriter(t, Config{URL: d.URL, Bucket: "nope/autogen", Token: collector.Secret(d.Token())})
	err = missing.Write(context.Background(), pts)
	if e := outputs.Classify(err); err == nil || e.Class != outputs.Misconfigured || !strings.Contains(err.Error(), "CREATE DATABASE") {
		t.Errorf("missing database: %v", err)
	}
}

package influx

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/outputs"
)

// The field-type contract on the write path (issue 8), against both InfluxDB 1.8.10 builds:
// the default one (no unsigned type: counters go out as int64) and the -tags uint one (keeps
// unsigned and integer apart, like 2.x/3.x). Everything is read back with InfluxQL.

// fieldTypes returns SHOW FIELD KEYS FROM m as field → type.
func fieldTypes(t *testing.T, d *peers.Influxd, m string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range d.Query(t, "np", `SHOW FIELD KEYS FROM "`+m+`"`) {
		f, typ := fmt.Sprint(r[0]), fmt.Sprint(r[1])
		if old, dup := out[f]; dup && old != typ {
			t.Errorf("field %s of %s has two types: %s and %s", f, m, old, typ)
		}
		out[f] = typ
	}
	return out
}

// rawWrite writes line protocol as "another tool" would (InfluxDB 1.x /write).
func rawWrite(t *testing.T, d *peers.Influxd, lp string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, d.URL+"/write?db=np&precision=s", strings.NewReader(lp))
	if err != nil {
		t.Fatal(err)
	}
	if d.User != "" {
		req.SetBasicAuth(d.User, d.Password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("raw write %q: status %d", lp, resp.StatusCode)
	}
}

func dev(source string, sec int64, fields ...collector.Field) collector.Point {
	return collector.Point{
		Measurement: "interfaces",
		Tags:        []collector.Tag{{Key: "interface_name", Value: "Ethernet1"}, {Key: "source", Value: source}},
		Fields:      fields,
		Time:        time.Unix(1763946000+sec, 0),
	}
}

// logCounter counts log records whose message contains substr.
type logCounter struct {
	slog.Handler
	substr string
	n      *atomic.Int64
}

func (h logCounter) Handle(ctx context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.substr) {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h logCounter) WithAttrs(a []slog.Attr) slog.Handler {
	return logCounter{h.Handler.WithAttrs(a), h.substr, h.n}
}

func (h logCounter) WithGroup(g string) slog.Handler {
	return logCounter{h.Handler.WithGroup(g), h.substr, h.n}
}

// runOut runs one Output over w: Emit each batch (waiting for it to be written, so that
// "devices" write one after the other), then Close. It returns the final report and stats.
func runOut(t *testing.T, w *Writer, cfg outputs.Config, log *slog.Logger, batches ...[]collector.Point) (outputs.Report, outputs.Stats) {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "influx"
	}
	cfg.FlushInterval = 5 * time.Millisecond
	if log == nil {
		log = testLogger(t)
	}
	o, err := outputs.New(cfg, w, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	for _, b := range batches {
		before := o.Stats()
		settled := before.Written + before.Dropped[outputs.ReasonRejected]
		if err := o.Emit(ctx, b); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			st := o.Stats()
			if st.BufferPoints == 0 && st.Written+st.Dropped[outputs.ReasonRejected]+int64(st.Dropped[outputs.ReasonTypeConflict]) > settled {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("batch not written: %+v", st)
			}
			time.Sleep(5 * time.Millisecond)
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
	return rep, o.Stats()
}

// TestInfluxdOneTypePerField: the same fields arrive as int from one device, uint from the
// next and as a numeric string from a third (the device order permuted): every build ends
// with one type per field, the first one written (integer on the default build, which has
// no unsigned type), and the server rejects nothing.
func TestInfluxdOneTypePerField(t *testing.T) {
	if testing.Short() {
		t.Skip("real influxd")
	}
	devices := map[string]func(sec int64) collector.Point{
		"int": func(sec int64) collector.Point {
			return dev("gnmi-json", sec, collector.Int("state/mtu", 9214), collector.Int("state/counters/in-octets", 100))
		},
		"uint": func(sec int64) collector.Point {
			return dev("gnmi-proto", sec, collector.Uint("state/mtu", 9214), collector.Uint("state/counters/in-octets", 200))
		},
		"string": func(sec int64) collector.Point {
			return dev("snmp-broken", sec, collector.String("state/mtu", "9214"), collector.String("state/counters/in-octets", "300"))
		},
	}
	orders := [][]string{{"int", "uint", "string"}, {"uint", "int", "string"}, {"string", "uint", "int"}}
	for _, b := range peers.InfluxdBuilds() {
		t.Run(b.Name, func(t *testing.T) {
			d := peers.StartInfluxd(t, b.Opts...)
			for i, order := range orders {
				t.Run(strings.Join(order, "-"), func(t *testing.T) {
					d.CreateDatabase(t, "np")
					t.Cleanup(func() { d.Query(t, "", `DROP DATABASE np`) })
					w := newWriter(t, Config{URL: d.URL, Bucket: "np/autogen", Gzip: true})
					var batches [][]collector.Point
					for j, name := range order {
						batches = append(batches, []collector.Point{devices[name](int64(10*i + j))})
					}
					rep, st := runOut(t, w, outputs.Config{}, nil, batches...)
					if st.WriteErrors != 0 || rep.Written != 3 || len(rep.Dropped) != 0 {
						t.Errorf("report %+v, %d write errors: want 3 written, 0 rejected, 0 dropped", rep, st.WriteErrors)
					}
					want := map[string]string{"int": "integer", "uint": "unsigned", "string": "string"}[order[0]]
					if want == "unsigned" && !d.Uint {
						want = "integer" // no unsigned type: uint64 goes out as int64
					}
					got := fieldTypes(t, d, "interfaces")
					for _, f := range []string{"state/mtu", "state/counters/in-octets"} {
						if got[f] != want {
							t.Errorf("SHOW FIELD KEYS: %s is %q, want %q (first written)", f, got[f], want)
						}
					}
					rows := d.Query(t, "np", `SELECT "state/mtu" FROM interfaces`)
					if len(rows) != 3 {
						t.Fatalf("rows %v, want 3 (one per device)", rows)
					}
					for _, r := range rows {
						if s := fmt.Sprint(r[1]); s != "9214" {
							t.Errorf("mtu %v, want 9214 from every device", r[1])
						}
					}
				})
			}
		})
	}
}

// TestInfluxdLearnsStoredTypes: "another tool" wrote the measurement first with other types.
// netpulse reads them at start (no write is rejected), converts what converts exactly, and
// drops only the field that cannot be converted — counted, logged once per device and
// field — while the rest of each line is written.
func TestInfluxdLearnsStoredTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("real influxd")
	}
	for _, b := range peers.InfluxdBuilds() {
		t.Run(b.Name, func(t *testing.T) {
			d := peers.StartInfluxd(t, b.Opts...)
			d.CreateDatabase(t, "np")
			rawWrite(t, d, `interfaces,source=other,interface_name=x state/mtu=1500,state/description="uplink",state/counters/in-octets=5i,state/enabled=true 1763946000`)
			var conflictLogs atomic.Int64
			log := slog.New(logCounter{testLogger(t).Handler(), "field type conflict", &conflictLogs})
			w := newWriter(t, Config{URL: d.URL, Bucket: "np/autogen", Gzip: true})
			var batches [][]collector.Point
			for i := range 3 {
				batches = append(batches, []collector.Point{dev("leaf1", int64(i),
					collector.Uint("state/mtu", 9214),                 // float on the server: 9214.0
					collector.Int("state/description", 100),           // string: "100"
					collector.Uint("state/counters/in-octets", 1<<40), // integer
					collector.String("state/enabled", "UP"),           // boolean: cannot convert
					collector.String("state/oper-status", "UP"),       // new field
				)})
			}
			rep, st := runOut(t, w, outputs.Config{}, log, batches...)
			if st.WriteErrors != 0 {
				t.Errorf("%d write errors, want 0: the stored types are read at start", st.WriteErrors)
			}
			if rep.Written != 3 || rep.Dropped[outputs.ReasonTypeConflict] != 3 || rep.Failed {
				t.Errorf("report %+v, want 3 written, 3 type_conflict (one field of each line), not failed", rep)
			}
			if n := conflictLogs.Load(); n != 1 {
				t.Errorf("%d conflict log lines, want 1 (once per device and field)", n)
			}
			got := fieldTypes(t, d, "interfaces")
			want := map[string]string{"state/mtu": "float", "state/description": "string", "state/counters/in-octets": "integer",
				"state/enabled": "boolean", "state/oper-status": "string"}
			for f, typ := range want {
				if got[f] != typ {
					t.Errorf("SHOW FIELD KEYS: %s is %q, want %q", f, got[f], typ)
				}
			}
			rows := d.QuerySeries(t, "np", `SELECT "state/mtu", "state/description", "state/counters/in-octets", "state/enabled", "state/oper-status" FROM interfaces WHERE source = 'leaf1'`)
			if len(rows) != 1 || len(rows[0].Values) != 3 {
				t.Fatalf("rows %+v, want 3", rows)
			}
			for _, r := range rows[0].Values {
				if got := fmt.Sprint(r[1:]); got != fmt.Sprint([]any{"9214", "100", fmt.Sprint(uint64(1) << 40), nil, "UP"}) {
					t.Errorf("row %v, want mtu 9214, description \"100\", in-octets 2^40, enabled empty, oper-status UP", got)
				}
			}
		})
	}
}

// countingProxy is a reverse proxy in front of the real influxd that counts write requests,
// and apart those whose body holds a line of the given marker (the conflicting batch).
type countingProxy struct {
	*httptest.Server
	writes, marked atomic.Int64
}

func newCountingProxy(t *testing.T, target, marker string) *countingProxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/write") {
			p.writes.Add(1)
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			lp := body
			if r.Header.Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err == nil {
					lp, _ = io.ReadAll(zr)
				}
			}
			if bytes.Contains(lp, []byte(marker)) {
				p.marked.Add(1)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p
}

// TestInfluxdConflictingBatchIsCheap: another tool changes a field's type behind netpulse's
// back (after netpulse read the types at start), then a 5,000-point batch arrives in which
// every line conflicts, on three fields at once. The server's answers are read, the types
// pinned, the points converted and resent: at most 20 write requests for that batch, all
// 5,000 points stored with the server's types, and another device's points written too.
func TestInfluxdConflictingBatchIsCheap(t *testing.T) {
	if testing.Short() {
		t.Skip("real influxd")
	}
	for _, b := range peers.InfluxdBuilds() {
		t.Run(b.Name, func(t *testing.T) {
			d := peers.StartInfluxd(t, b.Opts...)
			d.CreateDatabase(t, "np")
			proxy := newCountingProxy(t, d.URL, ",source=dev ")
			w := newWriter(t, Config{URL: proxy.URL, Bucket: "np/autogen", Gzip: true})
			o, err := outputs.New(outputs.Config{Name: "influx", BatchSize: 5000, FlushInterval: 10 * time.Millisecond}, w, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- o.Run(ctx) }()
			// netpulse starts and reads the (empty) types.
			_ = o.Emit(ctx, []collector.Point{dev("other-device", 0, collector.Int("x", 1))})
			waitWritten(t, o, 1)
			// Another tool writes the fields with other types.
			rawWrite(t, d, `m,source=tool a="s",b=1.5,c=true 1763946000`)
			before := proxy.writes.Load()
			var batch []collector.Point
			for i := range 5000 {
				batch = append(batch, collector.Point{Measurement: "m",
					Tags:   []collector.Tag{{Key: "n", Value: fmt.Sprint(i)}, {Key: "source", Value: "dev"}},
					Fields: []collector.Field{collector.Int("a", int64(i)), collector.Uint("b", uint64(i)), collector.String("c", "true")},
					Time:   time.Unix(1763946000, 0)})
			}
			var wg sync.WaitGroup
			wg.Go(func() {
				// Meanwhile another device keeps writing.
				for i := range 20 {
					_ = o.Emit(ctx, []collector.Point{dev("other-device", int64(i+1), collector.Int("x", int64(i)))})
					time.Sleep(5 * time.Millisecond)
				}
			})
			_ = o.Emit(ctx, batch)
			wg.Wait()
			waitWritten(t, o, 5021)
			cancel()
			<-done
			cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer ccancel()
			rep, _ := o.Close(cctx)
			if rep.Failed || len(rep.Dropped) != 0 {
				t.Errorf("report %+v, want nothing dropped", rep)
			}
			if n := proxy.marked.Load(); n > 20 || n < 2 {
				t.Errorf("%d write requests carried the conflicting batch, want 2..20", n)
			}
			t.Logf("write requests after the type change: %d carrying the 5,000 conflicting points, %d in all", proxy.marked.Load(), proxy.writes.Load()-before)
			got := fieldTypes(t, d, "m")
			if got["a"] != "string" || got["b"] != "float" || got["c"] != "boolean" {
				t.Errorf("SHOW FIELD KEYS FROM m: %v, want a string, b float, c boolean", got)
			}
			rows := d.Query(t, "np", `SELECT count(a), count(b), count(c) FROM m WHERE source = 'dev'`)
			if len(rows) != 1 || fmt.Sprint(rows[0][1:]) != "[5000 5000 5000]" {
				t.Errorf("counts %v, want 5000 of each field", rows)
			}
			if rows := d.Query(t, "np", `SELECT count(x) FROM interfaces`); len(rows) != 1 || fmt.Sprint(rows[0][1]) != "21" {
				t.Errorf("other device: %v, want 21 points", rows)
			}
		})
	}
}

func waitWritten(t *testing.T, o *outputs.Output, n int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for o.Stats().Written < n {
		if time.Now().After(deadline) {
			t.Fatalf("written %+v, want %d", o.Stats(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestInfluxdPinsSurviveRestart: a field pinned by one run stays pinned in the next even
// when the server no longer holds it (the database was recreated): the pins file in the
// spool directory, not the server, keeps the type.
func TestInfluxdPinsSurviveRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("real influxd")
	}
	for _, b := range peers.InfluxdBuilds() {
		t.Run(b.Name, func(t *testing.T) {
			d := peers.StartInfluxd(t, b.Opts...)
			d.CreateDatabase(t, "np")
			spool := filepath.Join(t.TempDir(), "spool")
			cfg := outputs.Config{SpoolDir: spool}
			w := newWriter(t, Config{URL: d.URL, Bucket: "np/autogen", Gzip: true})
			runOut(t, w, cfg, nil, []collector.Point{dev("a", 0, collector.Int("state/mtu", 1500))})
			d.Query(t, "", `DROP DATABASE np`)
			d.CreateDatabase(t, "np")
			w2 := newWriter(t, Config{URL: d.URL, Bucket: "np/autogen", Gzip: true})
			rep, _ := runOut(t, w2, cfg, nil, []collector.Point{dev("b", 1, collector.String("state/mtu", "9214"))})
			if rep.Written != 1 || len(rep.Dropped) != 0 {
				t.Errorf("report %+v", rep)
			}
			if got := fieldTypes(t, d, "interfaces")["state/mtu"]; got != "integer" {
				t.Errorf("after restart state/mtu is %q, want integer (pinned by the first run)", got)
			}
		})
	}
}

// TestInfluxdWriteOnlyTokenReliesOnAnswers: a token that may write but not read (InfluxDB
// 1.x user with WRITE only) cannot run SHOW FIELD KEYS: that is logged once, and the type
// the server names in its conflict answer is pinned instead; the points are converted and
// resent, none is lost.
func TestInfluxdWriteOnlyTokenReliesOnAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("real influxd")
	}
	for _, b := range peers.InfluxdBuilds() {
		t.Run(b.Name, func(t *testing.T) {
			d := peers.StartInfluxd(t, append(b.Opts, peers.WithInfluxAuth("admin", "pw"))...)
			d.CreateDatabase(t, "np")
			d.Query(t, "", `CREATE USER writer WITH PASSWORD 'wpw'`)
			d.Query(t, "", `GRANT WRITE ON np TO writer`)
			rawWrite(t, d, `interfaces,source=other,interface_name=x state/mtu="1500" 1763946000`)
			var refused atomic.Int64
			log := slog.New(logCounter{testLogger(t).Handler(), "cannot read the field types", &refused})
			w := newWriter(t, Config{URL: d.URL, Bucket: "np/autogen", Token: "writer:wpw", Gzip: true})
			var batches [][]collector.Point
			for i := range 3 {
				batches = append(batches, []collector.Point{dev(fmt.Sprint("leaf", i), int64(i), collector.Uint("state/mtu", 9214), collector.Int("state/ifindex", int64(i)))})
			}
			rep, st := runOut(t, w, outputs.Config{}, log, batches...)
			if rep.Written != 3 || len(rep.Dropped) != 0 {
				t.Errorf("report %+v, want 3 written, nothing dropped", rep)
			}
			if st.WriteErrors != 1 {
				t.Errorf("%d write errors, want 1 (the conflict answer that names the type)", st.WriteErrors)
			}
			if n := refused.Load(); n != 1 {
				t.Errorf("%d \"cannot read\" log lines, want 1", n)
			}
			if got := fieldTypes(t, d, "interfaces")["state/mtu"]; got != "string" {
				t.Errorf("state/mtu is %q, want string (the server's)", got)
			}
			if rows := d.Query(t, "np", `SELECT count("state/mtu") FROM interfaces WHERE source =~ /leaf/`); len(rows) != 1 || fmt.Sprint(rows[0][1]) != "3" {
				t.Errorf("rows %v, want 3 mtu values", rows)
			}
		})
	}
}

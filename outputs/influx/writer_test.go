package influx

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

// fakeInflux is an httptest InfluxDB: /ping with a version header, /health, and
// /api/v2/write that hands the decoded lines to respond.
type fakeInflux struct {
	*httptest.Server
	version string // X-Influxdb-Version on /ping
	health  string // /health body, "" → 404
	// uintBuild answers the unsigned probe like the -tags uint build (it takes "u").
	uintBuild bool

	mu       sync.Mutex
	respond  func(call int, lines []string, w http.ResponseWriter) bool // false: 204
	calls    int
	accepted []string
	reqs     []*http.Request
	probes   int // unsigned-support probes answered
}

func newFakeInflux(t *testing.T, version string) *fakeInflux {
	f := &fakeInflux{version: version}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeInflux) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ping":
		if f.version != "" {
			w.Header().Set("X-Influxdb-Version", f.version)
		}
		w.WriteHeader(http.StatusNoContent)
		return
	case "/health":
		if f.health == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, f.health)
		return
	case "/api/v2/write":
	default:
		http.NotFound(w, r)
		return
	}
	var body io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	var lines []string
	sc := bufio.NewScanner(body)

	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 1 && strings.HasPrefix(lines[0], "netpulse_uint_probe ") {
		// The unsigned-support probe, answered like InfluxDB 1.8.10 (either build).
		f.mu.Lock()
		f.probes++
		f.mu.Unlock()
		reason := "invalid number"
		if f.uintBuild {
			reason = "bad timestamp"
		}
		influx1Error(w, 400, fmt.Sprintf("unable to parse '%s': %s", lines[0], reason))
		return
	}
	f.mu.Lock()
	call := f.calls
	f.calls++
	f.reqs = append(f.reqs, r)
	respond := f.respond
	f.mu.Unlock()
	if respond != nil && respond(call, lines, w) {
		return
	}
	f.mu.Lock()
	f.accepted = append(f.accepted, lines...)
	f.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (f *fakeInflux) setRespond(fn func(int, []string, http.ResponseWriter) bool) {
	f.mu.Lock()
	f.respond = fn
	f.mu.Unlock()
}

func (f *fakeInflux) acceptedLines() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.accepted...)
}

// influx1Error answers like InfluxDB 1.8: JSON {"error": …} plus the X-Influxdb-Error header.
func influx1Error(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Influxdb-Error", msg)
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testLog struct{ t testing.TB }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

func counterPoint(name string, v uint64) collector.Point {
	return collector.Point{
		Measurement: "interfaces",
		Tags:        []collector.Tag{{Key: "interface_name", Value: name}, {Key: "source", Value: "leaf1"}},
		Fields:      []collector.Field{collector.Uint("state/counters/in-octets", v), collector.String("state/oper-status", "UP")},
		Time:        time.Unix(1763946123, 0),
	}
}

func newWriter(t *testing.T, cfg Config) *Writer {
	t.Helper()
	if cfg.Bucket == "" {
		cfg.Bucket = "np/autogen"
	}
	w, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

func TestWriteStatusClassification(t *testing.T) {
	date := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		respond    func(w http.ResponseWriter)
		class      outputs.Class
		retryAfter time.Duration // minimum
		msg        string        // in the server-message part
		errHas     []string      // in the error text
	}{
		{"204", func(w http.ResponseWriter) { w.WriteHeader(204) }, 0, 0, "", nil},
		{"200", func(w http.ResponseWriter) { w.WriteHeader(200) }, 0, 0, "", nil},
		{"400 influx 1.x partial write", func(w http.ResponseWriter) {
			influx1Error(w, 400, `partial write: field type conflict: input field "f" on measurement "m" is type integer, already exists as type float dropped=1`)
		}, outputs.BadData, 0, "partial write: field type conflict", []string{"HTTP 400", "dead-letter"}},
		{"400 influx 2.x", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			io.WriteString(w, `{"code":"invalid","message":"unable to parse 'm f=': missing field value"}`)
		}, outputs.BadData, 0, "missing field value", nil},
		{"422", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(422)
			io.WriteString(w, `{"code":"unprocessable entity","message":"failure writing points to database: partial write: points beyond retention policy dropped=1"}`)
		}, outputs.BadData, 0, "beyond retention policy", nil},
		{"401", func(w http.ResponseWriter) { influx1Error(w, 401, "authorization failed") },
			outputs.Misconfigured, 0, "authorization failed", []string{"check the token", "user:password"}},
		{"403", func(w http.ResponseWriter) { influx1Error(w, 403, "insufficient permissions") },
			outputs.Misconfigured, 0, "insufficient permissions", []string{"check the token"}},
		{"404 database not found", func(w http.ResponseWriter) { influx1Error(w, 404, `database not found: "np"`) },
			outputs.Misconfigured, 0, "database not found", []string{"CREATE DATABASE", `"db/rp"`}},
		{"413", func(w http.ResponseWriter) { influx1Error(w, 413, "Request Entity Too Large") },
			outputs.TooLarge, 0, "Too Large", []string{"split"}},
		{"429 Retry-After seconds", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
		}, outputs.Retryable, 7 * time.Second, "", []string{"HTTP 429"}},
		{"500", func(w http.ResponseWriter) { influx1Error(w, 500, "engine: cache-max-memory-size exceeded") },
			outputs.Retryable, 0, "cache-max-memory-size", []string{"retrying"}},
		{"503 Retry-After date", func(w http.ResponseWriter) {
			w.Header().Set("Retry-After", date)
			w.WriteHeader(503)
		}, outputs.Retryable, time.Second, "", nil},
		{"405", func(w http.ResponseWriter) { w.WriteHeader(405) }, outputs.Permanent, 0, "", []string{"HTTP 405"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeInflux(t, "1.8.10")
			srv.setRespond(func(_ int, _ []string, w http.ResponseWriter) bool { tc.respond(w); return true })
			w := newWriter(t, Config{URL: srv.URL, Gzip: true})
			err := w.Write(context.Background(), []collector.Point{counterPoint("Ethernet1", 1)})
			if tc.class == 0 {
				if err != nil {
					t.Fatalf("Write = %v, want nil", err)
				}
				return
			}
			var e *outputs.Error
			if !errors.As(err, &e) {
				t.Fatalf("Write = %v, want *outputs.Error", err)
			}
			if e.Class != tc.class {
				t.Errorf("class %v, want %v (err %v)", e.Class, tc.class, err)
			}
			if e.RetryAfter < tc.retryAfter || (tc.retryAfter == 0 && e.RetryAfter != 0) {
				t.Errorf("RetryAfter %v, want ≥ %v", e.RetryAfter, tc.retryAfter)
			}
			if !strings.Contains(e.Message, tc.msg) {
				t.Errorf("Message %q, want it to contain %q", e.Message, tc.msg)
			}
			for _, s := range append(tc.errHas, srv.URL) {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
	t.Run("network error", func(t *testing.T) {
		srv := newFakeInflux(t, "1.8.10")
		url := srv.URL
		srv.Close()
		w := newWriter(t, Config{URL: url, UintSupport: "false"})
		err := w.Write(context.Background(), []collector.Point{counterPoint("Ethernet1", 1)})
		e := outputs.Classify(err)
		if err == nil || e.Class != outputs.Retryable || e.StatusCode != 0 || !strings.Contains(err.Error(), url) {
			t.Errorf("Write to a closed server = %v (class %v), want Retryable naming %s", err, e.Class, url)
		}
	})
}

func TestWriteRequest(t *testing.T) {
	for _, gz := range []bool{true, false} {
		t.Run(fmt.Sprintf("gzip=%v", gz), func(t *testing.T) {
			srv := newFakeInflux(t, "v2.7.1")
			w := newWriter(t, Config{URL: srv.URL + "/", Token: "s3cret", Org: "netops", Bucket: "telemetry", Gzip: gz})
			if err := w.Write(context.Background(), []collector.Point{counterPoint("Ethernet1", 5)}); err != nil {
				t.Fatal(err)
			}
			r := srv.reqs[0]
			if got := r.Header.Get("Authorization"); got != "Token s3cret" {
				t.Errorf("Authorization %q", got)
			}
			if q := r.URL.Query(); q.Get("org") != "netops" || q.Get("bucket") != "telemetry" || q.Get("precision") != "ns" {
				t.Errorf("query %v", q)
			}
			if enc := r.Header.Get("Content-Encoding"); (enc == "gzip") != gz {
				t.Errorf("Content-Encoding %q with gzip=%v", enc, gz)
			}
			want := `interfaces,interface_name=Ethernet1,source=leaf1 state/counters/in-octets=5u,state/oper-status="UP" 1763946123000000000`
			if got := srv.acceptedLines(); len(got) != 1 || got[0] != want {
				t.Errorf("lines %q, want %q", got, want)
			}
		})
	}
}

func TestUintDetection(t *testing.T) {
	tests := []struct {
		name, version, health, support string
		want                           string // "u" or "int64"
	}{
		{"influxd 1.8 built from source", "unknown", `{"name":"influxdb","status":"pass","version":"unknown"}`, "auto", "int64"},
		{"influxdb 1.8 release", "1.8.10", "", "auto", "int64"},
		{"influxdb 2", "v2.7.1", "", "auto", "u"},
		{"influxdb 3", "3.0.1", "", "auto", "u"},
		{"no header, 2.x health", "", `{"name":"influxdb","status":"pass","version":"v2.7.0"}`, "auto", "u"},
		{"no header, no health", "", "", "auto", "int64"},
		{"empty means auto", "1.7.0", "", "", "int64"},
		{"forced false on 2.x", "v2.7.1", "", "false", "int64"},
		{"forced true on unknown", "unknown", "", "true", "u"},
		{"1.8 -tags uint build", "unknown", "", "auto", "u"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeInflux(t, tc.version)
			srv.health = tc.health
			srv.uintBuild = strings.Contains(tc.name, "-tags uint")
			w := newWriter(t, Config{URL: srv.URL, UintSupport: tc.support})
			big := uint64(1)<<32 + 7
			if err := w.Write(context.Background(), []collector.Point{counterPoint("Ethernet1", big)}); err != nil {
				t.Fatal(err)
			}
			suffix := map[string]string{"u": "4294967303u", "int64": "4294967303i"}[tc.want]
			if got := srv.acceptedLines(); len(got) != 1 || !strings.Contains(got[0], "in-octets="+suffix+",") {
				t.Errorf("lines %q, want the counter as %s", got, suffix)
			}
			if w.UintMode() != tc.want {
				t.Errorf("UintMode %q, want %q", w.UintMode(), tc.want)
			}
		})
	}
}

// TestUintFallbackOn1xRejection: a server that claims 2.x (a proxy rewriting headers) but
// answers "u" like InfluxDB 1.x: the writer switches to int64 and the counters arrive.
func TestUintFallbackOn1xRejection(t *testing.T) {
	srv := newFakeInflux(t, "v2.7.1")
	srv.setRespond(func(_ int, lines []string, w http.ResponseWriter) bool {
		for _, l := range lines {
			if strings.Contains(l, "u,") || strings.HasSuffix(strings.Fields(l)[1], "u") {
				influx1Error(w, 400, fmt.Sprintf("unable to parse '%s': invalid number", l))
				return true
			}
		}
		return false
	})
	w := newWriter(t, Config{URL: srv.URL, Gzip: true})
	if err := w.Write(context.Background(), []collector.Point{counterPoint("Ethernet1", 9), counterPoint("Ethernet2", 10)}); err != nil {
		t.Fatalf("Write = %v, want the int64 retry to succeed", err)
	}
	if got := srv.acceptedLines(); len(got) != 2 || !strings.Contains(got[0], "in-octets=9i") {
		t.Errorf("lines %q", got)
	}
	if w.UintMode() != "int64" {
		t.Errorf("UintMode %q after a 1.x rejection, want int64", w.UintMode())
	}
}

// TestUintProbeRetriedAfterNetworkError: a server down at the first write is probed again
// later; the first write meanwhile uses int64.
func TestUintProbeRetriedAfterNetworkError(t *testing.T) {
	srv := newFakeInflux(t, "v2.7.1")
	down := true
	var mu sync.Mutex
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		d := down
		mu.Unlock()
		if d {
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
			return
		}
		srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer proxy.Close()
	w := newWriter(t, Config{URL: proxy.URL})
	if err := w.Write(context.Background(), []collector.Point{counterPoint("e", 1)}); outputs.Classify(err).Class != outputs.Retryable {
		t.Fatalf("Write while down = %v, want Retryable", err)
	}
	if w.UintMode() != "unknown" {
		t.Errorf("UintMode %q after a failed probe, want unknown", w.UintMode())
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if err := w.Write(context.Background(), []collector.Point{counterPoint("e", 1)}); err != nil {
		t.Fatal(err)
	}
	if w.UintMode() != "u" {
		t.Errorf("UintMode %q, want u", w.UintMode())
	}
}

func TestTLS(t *testing.T) {
	fake := &fakeInflux{version: "v2.7.1"}
	srv := httptest.NewTLSServer(http.HandlerFunc(fake.serve))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	p := []collector.Point{counterPoint("e", 1)}

	untrusted := newWriter(t, Config{URL: srv.URL, UintSupport: "false"})
	err := untrusted.Write(context.Background(), p)
	if e := outputs.Classify(err); err == nil || e.Class != outputs.Misconfigured || !strings.Contains(err.Error(), "tls_ca") {
		t.Errorf("untrusted certificate: %v (class %v), want Misconfigured naming tls_ca", err, outputs.Classify(err).Class)
	}
	for _, cfg := range []Config{{URL: srv.URL, TLSCA: ca}, {URL: srv.URL, SkipVerify: true}} {
		if err := newWriter(t, cfg).Write(context.Background(), p); err != nil {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
	if got := fake.acceptedLines(); len(got) != 2 {
		t.Errorf("accepted %d lines over TLS, want 2", len(got))
	}
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{
		{URL: "", Bucket: "b"},
		{URL: "ftp://x", Bucket: "b"},
		{URL: "http://x:8086"},
		{URL: "http://x:8086", Bucket: "b", UintSupport: "maybe"},
		{URL: "http://x:8086", Bucket: "b", Timeout: -1},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: Validate = nil, want an error", c)
		}
	}
	if _, err := New(Config{URL: "https://x:8086", Bucket: "b", TLSCA: filepath.Join(t.TempDir(), "none.pem")}, nil); err == nil {
		t.Error("missing tls_ca accepted")
	}
}

// Through outputs.Output: the status codes lead to the documented reactions.

func newOutput(t *testing.T, srvURL string, cfg outputs.Config) (*outputs.Output, func() outputs.Report) {
	t.Helper()
	w := newWriter(t, Config{URL: srvURL, Gzip: true})
	if cfg.Name == "" {
		cfg.Name = "influx"
	}
	if cfg.RetryMin == 0 {
		cfg.RetryMin, cfg.RetryMax = time.Millisecond, 10*time.Millisecond
	}
	o, err := outputs.New(cfg, w, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	closed := false
	closeFn := func() outputs.Report {
		if closed {
			return o.Report()
		}
		closed = true
		cancel()
		<-done
		cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
		defer ccancel()
		rep, _ := o.Close(cctx)
		return rep
	}
	t.Cleanup(func() { closeFn() })
	return o, closeFn
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func points(n int, name func(int) string) []collector.Point {
	out := make([]collector.Point, n)
	for i := range out {
		out[i] = counterPoint(name(i), uint64(i))
	}
	return out
}

// TestOutputPartialWriteDeadLetters: like InfluxDB 1.x, the fake stores the lines it can
// parse and names the others ("partial write: unable to parse '<line>': …"): those are
// dead-lettered with the server's message, nothing is resent, one write request in all.
func TestOutputPartialWriteDeadLetters(t *testing.T) {
	srv := newFakeInflux(t, "unknown")
	srv.setRespond(func(_ int, lines []string, w http.ResponseWriter) bool {
		var bad []string
		srv.mu.Lock()
		for _, l := range lines {
			if strings.Contains(l, "interface_name=bad") {
				bad = append(bad, l)
			} else {
				srv.accepted = append(srv.accepted, l)
			}
		}
		srv.mu.Unlock()
		if len(bad) == 0 {
			w.WriteHeader(http.StatusNoContent)
			return true
		}
		msg := "partial write:"
		for _, l := range bad {
			msg += " unable to parse '" + l + "': invalid field format\n"
		}
		influx1Error(w, 400, strings.TrimSpace(msg)+" dropped=0")
		return true
	})
	dl := filepath.Join(t.TempDir(), "dead.lp")
	o, closeFn := newOutput(t, srv.URL, outputs.Config{BatchSize: 50, FlushInterval: 10 * time.Millisecond, DeadLetter: dl})
	_ = o.Emit(context.Background(), points(50, func(i int) string {
		if i == 7 || i == 30 {
			return "bad"
		}
		return fmt.Sprintf("Ethernet%d", i)
	}))
	rep := closeFn()
	if rep.Written != 48 || rep.Dropped[outputs.ReasonRejected] != 2 {
		t.Errorf("report %+v, want 48 written, 2 rejected", rep)
	}
	if got := srv.acceptedLines(); len(got) != 48 {
		t.Errorf("server accepted %d lines, want 48", len(got))
	}
	if srv.calls != 1 {
		t.Errorf("%d write requests, want 1 (the server stored the good lines of the partial write)", srv.calls)
	}
	b, _ := os.ReadFile(dl)
	if strings.Count(string(b), "\ninterfaces,interface_name=bad") != 2 || !strings.Contains(string(b), "unable to parse") {
		t.Errorf("dead letter:\n%s", b)
	}
}

func TestOutputSplitsOn413(t *testing.T) {
	srv := newFakeInflux(t, "unknown")
	srv.setRespond(func(_ int, lines []string, w http.ResponseWriter) bool {
		if len(lines) > 10 {
			influx1Error(w, 413, "Request Entity Too Large")
			return true
		}
		return false
	})
	o, closeFn := newOutput(t, srv.URL, outputs.Config{BatchSize: 64, FlushInterval: 10 * time.Millisecond})
	_ = o.Emit(context.Background(), points(64, func(i int) string { return fmt.Sprint("e", i) }))
	rep := closeFn()
	if rep.Written != 64 || rep.Failed || len(srv.acceptedLines()) != 64 {
		t.Errorf("report %+v, accepted %d", rep, len(srv.acceptedLines()))
	}
}

func TestOutputRetriesServerErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		respond func(w http.ResponseWriter)
		minWait time.Duration
	}{
		{"429 Retry-After", func(w http.ResponseWriter) { w.Header().Set("Retry-After", "1"); w.WriteHeader(429) }, time.Second},
		{"500", func(w http.ResponseWriter) { influx1Error(w, 500, "timeout") }, 0},
		{"503", func(w http.ResponseWriter) { w.WriteHeader(503) }, 0},
		{"401 then fixed", func(w http.ResponseWriter) { influx1Error(w, 401, "authorization failed") }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeInflux(t, "unknown")
			srv.setRespond(func(call int, _ []string, w http.ResponseWriter) bool {
				if call < 2 {
					tc.respond(w)
					return true
				}
				return false
			})
			o, closeFn := newOutput(t, srv.URL, outputs.Config{BatchSize: 5, FlushInterval: 10 * time.Millisecond})
			began := time.Now()
			_ = o.Emit(context.Background(), points(5, func(i int) string { return fmt.Sprint("e", i) }))
			waitFor(t, "delivery", func() bool { return len(srv.acceptedLines()) == 5 })
			if took := time.Since(began); took < 2*tc.minWait {
				t.Errorf("delivered after %v, want ≥ %v (two Retry-After waits)", took, 2*tc.minWait)
			}
			rep := closeFn()
			if rep.Written != 5 || rep.Failed || o.Stats().Retries != 2 {
				t.Errorf("report %+v, stats %+v", rep, o.Stats())
			}
		})
	}
}

func TestOutputNetworkErrorKeepsData(t *testing.T) {
	srv := newFakeInflux(t, "unknown")
	url := srv.URL
	srv.Close()
	dir := t.TempDir()
	o, closeFn := newOutput(t, url, outputs.Config{BatchSize: 5, FlushInterval: 10 * time.Millisecond, SpoolDir: dir})
	_ = o.Emit(context.Background(), points(5, func(i int) string { return fmt.Sprint("e", i) }))
	waitFor(t, "failing", func() bool { return o.Stats().Failing })
	if st := o.Stats(); !strings.Contains(st.LastError, url) {
		t.Errorf("last error %q does not name %s", st.LastError, url)
	}
	rep := closeFn()
	if rep.Spooled != 5 || rep.Lost != 0 || !rep.Failed {
		t.Errorf("report %+v, want 5 spooled", rep)
	}
}

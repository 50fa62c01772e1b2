package influx

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

// TestRejectionAnswers: the 400/422 answers of InfluxDB (texts as 1.8.10 sends them, 2.x's
// JSON wrapping) reach outputs.Output as the conflicts, bad lines and dropped count they
// name, through the real HTTP path (httptest).
func TestRejectionAnswers(t *testing.T) {
	pts := []collector.Point{counterPoint("e0", 1), counterPoint("e1", 2), counterPoint("e2", 3)}
	line := func(i int) string {
		return fmt.Sprintf(`interfaces,interface_name=e%d,source=leaf1 state/counters/in-octets=%di,state/oper-status="UP" 1763946123000000000`, i, i+1)
	}
	c1 := `field type conflict: input field "state/counters/in-octets" on measurement "interfaces" is type integer, already exists as type unsigned`
	c2 := `field type conflict: input field "a"b" on measurement "odd, name" is type string, already exists as type float`
	tests := []struct {
		name      string
		respond   func(w http.ResponseWriter)
		conflicts string
		bad       []int
		dropped   int
	}{
		{"1.x conflict", func(w http.ResponseWriter) {
			influx1Error(w, 400, "partial write: "+c1+" dropped=3")
		}, "[{interfaces state/counters/in-octets int uint}]", nil, 3},
		{"1.x several conflicts (shards)", func(w http.ResponseWriter) {
			influx1Error(w, 400, "partial write: "+c1+" dropped=2\npartial write: "+c2+" dropped=1")
		}, `[{interfaces state/counters/in-octets int uint} {odd, name a"b string float}]`, nil, 3},
		{"2.x JSON", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(422)
			fmt.Fprintf(w, `{"code":"unprocessable entity","message":"failure writing points to database: partial write: %s dropped=1"}`, strings.ReplaceAll(c1, `"`, `\"`))
		}, "[{interfaces state/counters/in-octets int uint}]", nil, 1},
		{"2.x JSON served as text", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(422)
			fmt.Fprintf(w, `{"code":"unprocessable entity","message":"partial write: %s dropped=2"}`, strings.ReplaceAll(c1, `"`, `\"`))
		}, "[{interfaces state/counters/in-octets int uint}]", nil, 2},
		{"unable to parse, several", func(w http.ResponseWriter) {
			influx1Error(w, 400, "partial write: unable to parse '"+line(2)+"': bad timestamp\nunable to parse '"+line(0)+"': invalid boolean dropped=0")
		}, "[]", []int{2, 0}, 0},
		{"unable to parse, all", func(w http.ResponseWriter) {
			influx1Error(w, 400, "unable to parse '"+line(1)+"': invalid field format")
		}, "[]", []int{1}, -1},
		{"unreadable", func(w http.ResponseWriter) {
			influx1Error(w, 400, "field type conflict")
		}, "[]", nil, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeInflux(t, "unknown")
			srv.setRespond(func(_ int, _ []string, w http.ResponseWriter) bool { tc.respond(w); return true })
			w := newWriter(t, Config{URL: srv.URL, Gzip: true})
			err := w.Write(context.Background(), pts)
			e := outputs.Classify(err)
			if e.Class != outputs.BadData {
				t.Fatalf("class %v (%v), want BadData", e.Class, err)
			}
			var cs []string
			for _, c := range e.Conflicts {
				cs = append(cs, fmt.Sprintf("{%s %s %s %s}", c.Measurement, c.Field, c.Sent, c.Held))
			}
			if got := "[" + strings.Join(cs, " ") + "]"; got != tc.conflicts {
				t.Errorf("conflicts %s, want %s", got, tc.conflicts)
			}
			if fmt.Sprint(e.BadPoints) != fmt.Sprint(tc.bad) {
				t.Errorf("bad points %v, want %v", e.BadPoints, tc.bad)
			}
			if e.Dropped != tc.dropped {
				t.Errorf("dropped %d, want %d", e.Dropped, tc.dropped)
			}
		})
	}
}

// TestFieldTypesQuery: SHOW FIELD KEYS goes to /query with db and rp from the bucket and the
// writer's token; a refusal is Permanent (Output then relies on write answers), a 5xx
// Retryable.
func TestFieldTypesQuery(t *testing.T) {
	srv := newFakeInflux(t, "unknown")
	var got *http.Request
	status := http.StatusOK
	mux := http.NewServeMux()
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		got = r
		if status != http.StatusOK {
			w.WriteHeader(status)
			io.WriteString(w, `{"error":"nope"}`)
			return
		}
		io.WriteString(w, `{"results":[{"statement_id":0,"series":[{"name":"interfaces","columns":["fieldKey","fieldType"],"values":[["state/mtu","integer"],["state/mtu","float"],["c","unsigned"],["d","string"]]},{"name":"m","columns":["fieldKey","fieldType"],"values":[["b","boolean"],["x","weird"]]}]}]}`)
	})
	mux.Handle("/", srv.Config.Handler)
	srv.Config.Handler = mux
	w := newWriter(t, Config{URL: srv.URL, Bucket: "telemetry/week", Token: "u:p"})
	types, err := w.FieldTypes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if q := got.URL.Query(); q.Get("db") != "telemetry" || q.Get("rp") != "week" || q.Get("q") != "SHOW FIELD KEYS" || got.Header.Get("Authorization") != "Token u:p" {
		t.Errorf("query %s, auth %q", got.URL, got.Header.Get("Authorization"))
	}
	if fmt.Sprint(types) != "[{interfaces state/mtu int} {interfaces c uint} {interfaces d string} {m b bool}]" {
		t.Errorf("types %v", types)
	}
	for st, class := range map[int]outputs.Class{403: outputs.Permanent, 404: outputs.Permanent, 503: outputs.Retryable} {
		status = st
		_, err := w.FieldTypes(context.Background())
		if e := outputs.Classify(err); err == nil || e.Class != class {
			t.Errorf("status %d: %v, want %v", st, err, class)
		}
	}
}

// TestUintProbeFailureRemembered: while the server cannot say whether it takes "u" (its
// /ping fails), counters go out as int64; once such a batch was stored the writer stays on
// int64 even when the server later says it is 2.x, so no stored integer field flips.
func TestUintProbeFailureRemembered(t *testing.T) {
	srv := newFakeInflux(t, "v2.7.1")
	var pingDown atomic.Bool
	pingDown.Store(true)
	inner := srv.Config.Handler
	mux := http.NewServeMux()
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		if pingDown.Load() { // the probe fails like a network error
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		inner.ServeHTTP(w, r)
	})
	mux.Handle("/", inner)
	srv.Config.Handler = mux
	w := newWriter(t, Config{URL: srv.URL})
	if err := w.Write(context.Background(), []collector.Point{counterPoint("e", 1)}); err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	probed := srv.probes
	srv.mu.Unlock()
	if probed != 0 {
		t.Fatalf("the version probe did not fail")
	}
	pingDown.Store(false)
	if err := w.Write(context.Background(), []collector.Point{counterPoint("e", 2)}); err != nil {
		t.Fatal(err)
	}
	lines := srv.acceptedLines()
	if len(lines) != 2 || !strings.Contains(lines[1], "in-octets=2i") || w.UintMode() != "int64" {
		t.Errorf("lines %q, mode %s: want int64 kept after it was stored", lines, w.UintMode())
	}
}

package outputs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
)

func TestConvert(t *testing.T) {
	const k = "f"
	I, U, F, S, B := collector.KindInt, collector.KindUint, collector.KindFloat, collector.KindString, collector.KindBool
	tests := []struct {
		in   collector.Field
		want collector.Kind
		out  string // Format() of the result; "" = not convertible
	}{
		{collector.Uint(k, 5), I, "5i"},
		{collector.Uint(k, math.MaxInt64), I, "9223372036854775807i"},
		{collector.Uint(k, math.MaxInt64+1), I, ""},
		{collector.Int(k, 5), U, "5u"},
		{collector.Int(k, 0), U, "0u"},
		{collector.Int(k, -5), U, ""},
		{collector.Int(k, -2147483648), U, ""}, // a broken agent's negative "counter"
		{collector.Int(k, 1<<53), F, "9.007199254740992e+15"},
		{collector.Int(k, 1<<53+1), F, ""}, // not exactly a float64
		{collector.Uint(k, 9214), F, "9214"},
		{collector.Float(k, 9214), I, "9214i"},
		{collector.Float(k, 9214), U, "9214u"},
		{collector.Float(k, -1), U, ""},
		{collector.Float(k, 1.5), I, ""},
		{collector.Float(k, 1<<63), I, ""}, // 2^63 overflows int64
		{collector.Float(k, -(1 << 63)), I, "-9223372036854775808i"},
		{collector.String(k, "100"), I, "100i"},
		{collector.String(k, "-7"), I, "-7i"},
		{collector.String(k, "100"), U, "100u"},
		{collector.String(k, "-7"), U, ""},
		{collector.String(k, "18446744073709551615"), U, "18446744073709551615u"},
		{collector.String(k, "1.5"), F, "1.5"},
		{collector.String(k, "1e3"), F, "1000"},
		{collector.String(k, " 100"), I, ""},
		{collector.String(k, "0x10"), I, ""},
		{collector.String(k, "0x1p4"), F, ""},
		{collector.String(k, "NaN"), F, ""},
		{collector.String(k, "Inf"), F, ""},
		{collector.String(k, "1_000"), I, ""},
		{collector.String(k, "1e999"), F, ""},
		{collector.String(k, "00ff12"), U, ""}, // a counter sent as an OctetString of hex
		{collector.String(k, "UP"), B, ""},
		{collector.String(k, "true"), B, "true"},
		{collector.Int(k, 100), S, `"100"`},
		{collector.Uint(k, 100), S, `"100"`},
		{collector.Float(k, 0.1), S, `"0.1"`},
		{collector.Bool(k, true), S, `"true"`},
		{collector.Bool(k, true), I, ""},
		{collector.Int(k, 1), B, ""},
	}
	for _, tc := range tests {
		got, ok := convert(tc.in, tc.want)
		switch {
		case tc.out == "" && ok:
			t.Errorf("convert(%s → %s) = %s, want no conversion", tc.in.Format(), tc.want, got.Format())
		case tc.out != "" && (!ok || got.Format() != tc.out || got.Kind != tc.want || got.Key != k):
			t.Errorf("convert(%s → %s) = %s %v, want %s", tc.in.Format(), tc.want, got.Format(), ok, tc.out)
		}
	}
}

func TestIsDecimal(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-1": true, "+1": true, "1.": true, ".5": true, "1.5e-3": true, "1E3": true,
		"": false, "-": false, ".": false, "e3": false, "1e": false, "1e+": false, "1.2.3": false, "1 ": false, "inf": false, "1_0": false} {
		if got := isDecimal(s); got != want {
			t.Errorf("isDecimal(%q) = %v, want %v", s, got, want)
		}
	}
}

func tp(src string, fields ...collector.Field) collector.Point {
	return collector.Point{Measurement: "interfaces", Tags: []collector.Tag{{Key: "source", Value: src}}, Fields: fields, Time: time.Unix(1, 0)}
}

func TestTypeGuardApply(t *testing.T) {
	var logs atomic.Int64
	g := newTypeGuard("", slog.New(countHandler{&logs}))
	shared := []collector.Field{collector.Int("mtu", -1), collector.String("descr", "x")}
	batch := []collector.Point{
		tp("a", collector.Uint("mtu", 9214), collector.String("descr", "uplink")), // pins uint, string
		tp("b", collector.Int("mtu", 1500), collector.Int("descr", 100)),          // converted
		tp("c", shared...),                // mtu -1 cannot be unsigned: dropped
		tp("c", collector.Int("mtu", -2)), // left without fields: point dropped
		tp("d", collector.Int("mtu", -3)), // another source: logged again
	}
	out, dropped := g.apply(batch)
	if dropped != 3 || len(out) != 3 {
		t.Fatalf("dropped %d fields, %d points left, want 3 and 3", dropped, len(out))
	}
	var lines []string
	for _, p := range out {
		var fs []string
		for _, f := range p.Fields {
			fs = append(fs, f.Key+"="+f.Format())
		}
		src, _ := p.Tag("source")
		lines = append(lines, src+" "+strings.Join(fs, ","))
	}
	want := []string{`a mtu=9214u,descr="uplink"`, `b mtu=1500u,descr="100"`, `c descr="x"`}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Errorf("points %q, want %q", lines, want)
	}
	if shared[0].Kind != collector.KindInt || shared[0].IntValue() != -1 {
		t.Errorf("the caller's Fields slice was modified: %v (another output shares it)", shared)
	}
	if n := logs.Load(); n != 2 {
		t.Errorf("%d conflict log lines, want 2 (once per source and field)", n)
	}
}

type countHandler struct{ n *atomic.Int64 }

func (h countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "field type conflict") {
		h.n.Add(1)
	}
	return nil
}
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countHandler) WithGroup(string) slog.Handler      { return h }

// TestTypeGuardUintAsInt: pins follow the wire type, and a writer that learns the server's
// unsigned support before anything was stored moves first-seen pins with it.
func TestTypeGuardUintAsInt(t *testing.T) {
	g := newTypeGuard("", slog.New(slog.DiscardHandler))
	g.setUintAsInt(true) // probe failed or 1.x: counters go out as int64
	out, _ := g.apply([]collector.Point{tp("a", collector.Uint("c", 1), collector.Int("i", -1))})
	if out[0].Fields[0].Kind != collector.KindUint {
		t.Errorf("a counter's value kind changed: the writer converts at the edge")
	}
	if p := g.pins["interfaces"].fields["c"]; p.kind != collector.KindInt || !p.fromUint {
		t.Errorf("pin %+v, want integer from uint", p)
	}
	g.learn([]FieldType{{"interfaces", "held", collector.KindInt}})
	g.setUintAsInt(false) // the server turned out to take "u"
	if p := g.pins["interfaces"].fields["c"]; p.kind != collector.KindUint {
		t.Errorf("pin %+v, want unsigned", p)
	}
	if p := g.pins["interfaces"].fields["i"]; p.kind != collector.KindInt {
		t.Errorf("an int field's pin %+v changed", p)
	}
	out, _ = g.apply([]collector.Point{tp("a", collector.Uint("held", 5))})
	if f := out[0].Fields[0]; f.Kind != collector.KindInt {
		t.Errorf("a counter the server holds as integer went out as %s, want integer", f.Kind)
	}
	g.setUintAsInt(true)
	if p := g.pins["interfaces"].fields["c"]; p.kind != collector.KindInt {
		t.Errorf("pin %+v after switching to int64, want integer", p)
	}
}

func TestTypeGuardPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool", "field-types.json")
	log := slog.New(slog.DiscardHandler)
	g := newTypeGuard(path, log)
	g.apply([]collector.Point{tp("a", collector.Uint("c", 1), collector.String("s", "x"))})
	g.learn([]FieldType{{"other", "f", collector.KindFloat}})
	g.save()
	g2 := newTypeGuard(path, log)
	if got := fmt.Sprint(g2.snapshot()); got != fmt.Sprint(g.snapshot()) {
		t.Errorf("reloaded pins %s, want %s", got, fmt.Sprint(g.snapshot()))
	}
	if !g2.pins["other"].fields["f"].server || g2.pins["interfaces"].fields["c"].server {
		t.Errorf("where pins came from is not kept: %+v", g2.pins)
	}
	if _, err := os.Stat(path + ".new"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left behind: %v", err)
	}
	// A damaged file is ignored (types are learned again), never fatal.
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if g3 := newTypeGuard(path, log); len(g3.snapshot()) != 0 {
		t.Errorf("damaged file loaded: %v", g3.snapshot())
	}
}

// typedServer is a fake InfluxDB in front of Output: it holds one type per field, stores
// the points whose fields all match (pinning new fields in order, as InfluxDB does) and
// answers the others like InfluxDB 1.x — naming only the first conflict, with dropped=N.
type typedServer struct {
	mu       sync.Mutex
	types    map[string]collector.Kind // measurement/field → kind
	stored   int
	writes   int
	reads    int
	readable bool // implement FieldTypes
}

func (s *typedServer) Write(_ context.Context, points []collector.Point) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	var first *TypeConflict
	dropped := 0
	for _, p := range points {
		bad := false
		for _, f := range p.Fields {
			k := p.Measurement + "/" + f.Key
			if held, ok := s.types[k]; ok && held != f.Kind {
				bad = true
				if first == nil {
					first = &TypeConflict{p.Measurement, f.Key, f.Kind, held}
				}
			}
		}
		if bad {
			dropped++
			continue
		}
		for _, f := range p.Fields {
			if _, ok := s.types[p.Measurement+"/"+f.Key]; !ok {
				s.types[p.Measurement+"/"+f.Key] = f.Kind
			}
		}
		s.stored++
	}
	if first == nil {
		return nil
	}
	e := NewError(BadData, 400, 0, "partial write: field type conflict", errors.New("400"))
	e.Conflicts, e.Dropped = []TypeConflict{*first}, dropped
	return e
}

type readableServer struct{ *typedServer }

func (s readableServer) FieldTypes(context.Context) ([]FieldType, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	var out []FieldType
	for k, kind := range s.types {
		m, f, _ := strings.Cut(k, "/")
		out = append(out, FieldType{m, f, kind})
	}
	return out, nil
}

// TestOutputResolvesConflicts: a batch of 5,000 points in which every line conflicts on three
// fields costs a handful of writes, not thousands, whether the server tells its types
// (FieldTypeReader) or only names one conflict per answer; only the affected points are
// resent; nothing is lost.
func TestOutputResolvesConflicts(t *testing.T) {
	for _, readable := range []bool{true, false} {
		t.Run(fmt.Sprint("readable=", readable), func(t *testing.T) {
			srv := &typedServer{types: map[string]collector.Kind{}}
			var w Writer = srv
			if readable {
				w = readableServer{srv}
			}
			o, _ := New(Config{Name: "influx", BatchSize: 5000, FlushInterval: time.Hour}, w, testLogger(t))
			// The first batch pins nothing yet conflicting; then another tool changes types.
			_ = o.Emit(context.Background(), []collector.Point{tp("x", collector.Int("other", 1))})
			o.flush(context.Background(), false)
			srv.mu.Lock()
			srv.types["interfaces/a"], srv.types["interfaces/b"], srv.types["interfaces/c"] = collector.KindString, collector.KindFloat, collector.KindInt
			srv.stored, srv.writes = 0, 0
			srv.mu.Unlock()
			batch := make([]collector.Point, 5000)
			for i := range batch {
				batch[i] = tp(fmt.Sprint("d", i%7), collector.Int("a", int64(i)), collector.Uint("b", uint64(i)), collector.String("c", fmt.Sprint(i)))
				if i%2 == 0 { // half the lines conflict on one field only
					batch[i].Fields = batch[i].Fields[:1]
				}
			}
			_ = o.Emit(context.Background(), batch)
			rep := closeOK(t, o, 5*time.Second)
			t.Logf("%d writes, %d type reads", srv.writes, srv.reads)
			if srv.writes > 4 {
				t.Errorf("%d writes for the conflicting batch, want ≤ 4 (one per field named + 1)", srv.writes)
			}
			if srv.stored != 5000 || rep.Written != 5001 || len(rep.Dropped) != 0 {
				t.Errorf("server stored %d, report %+v: want 5000 stored, 5001 written, nothing dropped", srv.stored, rep)
			}
			if readable && srv.reads != 2 {
				t.Errorf("%d type reads, want 2 (at start, after the conflict)", srv.reads)
			}
		})
	}
}

// TestOutputTypeConflictCounted: a field that cannot be converted is dropped and counted as
// type_conflict, a data problem that does not fail the output.
func TestOutputTypeConflictCounted(t *testing.T) {
	w := &fakeWriter{}
	o, _ := New(Config{Name: "x", FlushInterval: time.Hour}, w, testLogger(t))
	_ = o.Emit(context.Background(), []collector.Point{tp("a", collector.Uint("c", 1))})
	_ = o.Emit(context.Background(), []collector.Point{tp("broken", collector.String("c", "00ff"), collector.String("name", "e1"))})
	_ = o.Emit(context.Background(), []collector.Point{tp("broken", collector.Int("c", -2147483648))})
	rep := closeOK(t, o, time.Second)
	if rep.Dropped[ReasonTypeConflict] != 2 || rep.Written != 2 || rep.Failed {
		t.Errorf("report %+v, want 2 type_conflict, 2 written, not failed", rep)
	}
	if st := o.Stats(); st.Dropped[ReasonTypeConflict] != 2 {
		t.Errorf("stats %+v", st.Dropped)
	}
}

// TestOutputPinsSurviveRestart: the pins are kept in the spool directory.
func TestOutputPinsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	for i, f := range []collector.Field{collector.Uint("c", 1), collector.Int("c", 2)} {
		w := &fakeWriter{}
		o, _ := New(Config{Name: "x", SpoolDir: dir}, w, testLogger(t))
		_ = o.Emit(context.Background(), []collector.Point{tp("a", f)})
		closeOK(t, o, time.Second)
		if got := w.written[0].Fields[0]; got.Kind != collector.KindUint {
			t.Errorf("run %d wrote %s, want unsigned (pinned by the first run)", i, got.Format())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, defaultTypesFile)); err != nil {
		t.Errorf("pins file: %v", err)
	}
}

// BenchmarkTypeGuardApply is the guard's own cost per point in steady state (every field
// pinned, nothing to convert): 5,000 interface points of 12 fields from 20 sources.
//
//	go test ./outputs -run '^$' -bench TypeGuardApply -count 5
func BenchmarkTypeGuardApply(b *testing.B) {
	g := newTypeGuard("", slog.New(slog.DiscardHandler))
	batch := make([]collector.Point, 5000)
	keys := []string{"state/counters/in-octets", "state/counters/out-octets", "state/counters/in-unicast-pkts",
		"state/counters/out-unicast-pkts", "state/counters/in-broadcast-pkts", "state/counters/out-broadcast-pkts",
		"state/counters/in-multicast-pkts", "state/counters/out-multicast-pkts", "state/counters/in-errors",
		"state/counters/in-discards", "state/mtu"}
	for i := range batch {
		fs := make([]collector.Field, 0, len(keys)+1)
		for _, k := range keys {
			fs = append(fs, collector.Uint(k, uint64(i)))
		}
		batch[i] = tp(fmt.Sprint("leaf", i%20), append(fs, collector.String("state/oper-status", "UP"))...)
	}
	g.apply(batch)
	b.ReportAllocs()
	for b.Loop() {
		if out, n := g.apply(batch); n != 0 || len(out) != len(batch) {
			b.Fatal("conflicts in steady state")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/point")
}

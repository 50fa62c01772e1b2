package outputs

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"

	"github.com/netpulse/netpulse/collector"
)

var t0 = time.Unix(1763946123, 456789000)

func ifPoint(name string, octets uint64) collector.Point {
	return collector.Point{
		Measurement: "interfaces",
		Tags:        []collector.Tag{{Key: "interface_name", Value: name}, {Key: "source", Value: "leaf1"}},
		Fields: []collector.Field{
			collector.Uint("state/counters/in-octets", octets),
			collector.Uint("state/counters/out-octets", octets*2),
			collector.Int("state/mtu", 9000),
			collector.Float("state/load", 0.25),
			collector.Bool("state/enabled", true),
			collector.String("state/oper-status", "UP"),
		},
		Time: t0,
	}
}

func TestAppendLineProtocol(t *testing.T) {
	tests := []struct {
		name  string
		pts   []collector.Point
		opt   EncodeOptions
		want  string
		skips map[string]int
	}{
		{
			name: "all kinds",
			pts:  []collector.Point{ifPoint("Ethernet1", 1<<40)},
			want: `interfaces,interface_name=Ethernet1,source=leaf1 state/counters/in-octets=1099511627776u,state/counters/out-octets=2199023255552u,state/mtu=9000i,state/load=0.25,state/enabled=true,state/oper-status="UP" 1763946123456789000` + "\n",
		},
		{
			name: "uint as int",
			pts:  []collector.Point{{Measurement: "m", Fields: []collector.Field{collector.Uint("c", math.MaxInt64)}, Time: t0}},
			opt:  EncodeOptions{UintAsInt: true},
			want: "m c=9223372036854775807i 1763946123456789000\n",
		},
		{
			name:  "uint above MaxInt64 drops the field, keeps the point",
			pts:   []collector.Point{{Measurement: "m", Fields: []collector.Field{collector.Uint("big", math.MaxInt64+1), collector.Uint("ok", 7)}, Time: t0}},
			opt:   EncodeOptions{UintAsInt: true},
			want:  "m ok=7i 1763946123456789000\n",
			skips: map[string]int{ReasonUintOverflow: 1},
		},
		{
			name:  "uint above MaxInt64 as the only field skips the point",
			pts:   []collector.Point{{Measurement: "m", Fields: []collector.Field{collector.Uint("big", math.MaxUint64)}, Time: t0}},
			opt:   EncodeOptions{UintAsInt: true},
			want:  "",
			skips: map[string]int{ReasonUintOverflow: 1},
		},
		{
			name: "uint above MaxInt64 with u support is kept",
			pts:  []collector.Point{{Measurement: "m", Fields: []collector.Field{collector.Uint("big", math.MaxUint64)}, Time: t0}},
			want: "m big=18446744073709551615u 1763946123456789000\n",
		},
		{
			name: "escaping",
			pts: []collector.Point{{
				Measurement: "my meas,x",
				Tags:        []collector.Tag{{Key: "a b", Value: "c=d,e f"}},
				Fields:      []collector.Field{collector.String("k=1", `say "hi" \ bye`)},
				Time:        t0,
			}},
			want: `my\ meas\,x,a\ b=c\=d\,e\ f k\=1="say \"hi\" \\ bye" 1763946123456789000` + "\n",
		},
		{
			name: "empty tag value left out, zero time has no timestamp",
			pts:  []collector.Point{{Measurement: "m", Tags: []collector.Tag{{Key: "a", Value: ""}, {Key: "b", Value: "x"}}, Fields: []collector.Field{collector.Int("f", -1)}}},
			want: "m,b=x f=-1i\n",
		},
		{
			name: "precision seconds",
			pts:  []collector.Point{{Measurement: "m", Fields: []collector.Field{collector.Int("f", 1)}, Time: t0}},
			opt:  EncodeOptions{Precision: lineprotocol.Second},
			want: "m f=1i 1763946123\n",
		},
		{
			name: "invalid points are skipped and counted, the rest kept",
			pts: []collector.Point{
				{Measurement: "ok", Fields: []collector.Field{collector.Int("f", 1)}, Time: t0},
				{Measurement: "", Fields: []collector.Field{collector.Int("f", 1)}, Time: t0},
				{Measurement: "nofields", Time: t0},
				{Measurement: "nan", Fields: []collector.Field{collector.Float("f", math.NaN())}, Time: t0},
				{Measurement: "inf", Fields: []collector.Field{collector.Float("f", math.Inf(-1))}, Time: t0},
				{Measurement: "utf8", Fields: []collector.Field{collector.String("f", "a\xffb")}, Time: t0},
				{Measurement: "tagutf8", Tags: []collector.Tag{{Key: "t", Value: "\xc3"}}, Fields: []collector.Field{collector.Int("f", 1)}, Time: t0},
				{Measurement: "unsorted", Tags: []collector.Tag{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}}, Fields: []collector.Field{collector.Int("f", 1)}, Time: t0},
				{Measurement: "dup", Tags: []collector.Tag{{Key: "a", Value: "1"}, {Key: "a", Value: "2"}}, Fields: []collector.Field{collector.Int("f", 1)}, Time: t0},
				{Measurement: "ctrl\n", Fields: []collector.Field{collector.Int("f", 1)}, Time: t0},
				{Measurement: "key", Fields: []collector.Field{collector.Int("", 1)}, Time: t0},
				{Measurement: "kind", Fields: []collector.Field{{Key: "f"}}, Time: t0},
				{Measurement: "trailing\\", Fields: []collector.Field{collector.Int("f", 1)}, Time: t0},
				{Measurement: "ok2", Fields: []collector.Field{collector.String("f", "")}, Time: t0},
			},
			want: "ok f=1i 1763946123456789000\nok2 f=\"\" 1763946123456789000\n",
			skips: map[string]int{
				ReasonMeasurement: 3, ReasonNoFields: 1, ReasonFloat: 2, ReasonUTF8: 1,
				ReasonTag: 3, ReasonFieldKey: 1, ReasonKind: 1,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendLineProtocol([]byte("prefix\n"), tc.pts, tc.opt)
			if s := string(got); s != "prefix\n"+tc.want {
				t.Errorf("got\n%s\nwant\n%s", s, "prefix\n"+tc.want)
			}
			var se *SkippedError
			if tc.skips == nil {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SkippedError", err)
			}
			for r, n := range tc.skips {
				if se.Counts[r] != n {
					t.Errorf("skipped[%s] = %d, want %d (all: %v)", r, se.Counts[r], n, se.Counts)
				}
			}
			if len(se.Counts) != len(tc.skips) {
				t.Errorf("skip reasons %v, want %v", se.Counts, tc.skips)
			}
		})
	}
}

// TestAppendLineProtocolRoundTrip decodes the output with the reference decoder.
func TestAppendLineProtocolRoundTrip(t *testing.T) {
	pts := []collector.Point{ifPoint(`Eth 1,"x"=y\z`, 42), ifPoint("Ethernet2", math.MaxUint64)}
	b, err := AppendLineProtocol(nil, pts, EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeLineProtocol(b, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("decoded %d points", len(got))
	}
	for i := range pts {
		if got[i].String() != pts[i].String() || !got[i].Time.Equal(pts[i].Time) {
			t.Errorf("point %d: got %s, want %s", i, got[i].String(), pts[i].String())
		}
	}
}

func TestAppendLineProtocolAllocs(t *testing.T) {
	pts := make([]collector.Point, 100)
	for i := range pts {
		pts[i] = ifPoint("Ethernet1/"+strings.Repeat("1", i%5), uint64(i)<<33)
	}
	buf, _ := AppendLineProtocol(nil, pts, EncodeOptions{})
	for _, uintAsInt := range []bool{false, true} {
		allocs := testing.AllocsPerRun(100, func() {
			buf, _ = AppendLineProtocol(buf[:0], pts, EncodeOptions{UintAsInt: uintAsInt})
		})
		if allocs != 0 {
			t.Errorf("UintAsInt=%v: %.1f allocations per 100-point batch, want 0", uintAsInt, allocs)
		}
	}
}

func FuzzAppendLineProtocol(f *testing.F) {
	f.Add("interfaces", "interface_name", "Ethernet1", "state/counters/in-octets", "UP", int64(1), 0.5)
	f.Add("m e,a=s", `k\`, "v\"=,", "f\n", "\xff", int64(-5), math.Inf(1))
	f.Fuzz(func(t *testing.T, meas, tagKey, tagVal, fieldKey, str string, n int64, fl float64) {
		p := collector.Point{
			Measurement: meas,
			Tags:        []collector.Tag{{Key: tagKey, Value: tagVal}, {Key: tagKey + "~", Value: tagVal}},
			Fields:      []collector.Field{collector.Int(fieldKey, n), collector.String(fieldKey+"s", str), collector.Float(fieldKey+"f", fl), collector.Uint(fieldKey+"u", uint64(n))},
			Time:        time.Unix(0, n),
		}
		b, err := AppendLineProtocol(nil, []collector.Point{p}, EncodeOptions{})
		if err != nil {
			if len(b) != 0 {
				t.Fatalf("skipped point left output %q", b)
			}
			return
		}
		got, derr := decodeLineProtocol(b, 1)
		if derr != nil || len(got) != 1 {
			t.Fatalf("encoded %q does not decode: %v", b, derr)
		}
		// A tag with an empty value is left out of the line: InfluxDB has no empty tag
		// values, and a series without the tag is the same series (validatePoint).
		want := p
		want.Tags = slices.DeleteFunc(slices.Clone(p.Tags), func(t collector.Tag) bool { return t.Value == "" })
		if got[0].String() != want.String() {
			t.Fatalf("round trip: got %s, want %s", got[0].String(), want.String())
		}
	})
}

func BenchmarkAppendLineProtocol(b *testing.B) {
	pts := make([]collector.Point, 1000)
	for i := range pts {
		pts[i] = ifPoint("Ethernet1/"+strings.Repeat("1", i%5), uint64(i)<<33)
	}
	for _, uintAsInt := range []bool{false, true} {
		name := "uint"
		if uintAsInt {
			name = "int"
		}
		b.Run(name, func(b *testing.B) {
			buf, _ := AppendLineProtocol(nil, pts, EncodeOptions{})
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				for i := 0; i < len(pts); i += 100 {
					buf, _ = AppendLineProtocol(buf[:0], pts[i:i+100], EncodeOptions{UintAsInt: uintAsInt})
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pts)), "ns/point")
		})
	}
}

// writerFunc adapts a function to Writer.
type writerFunc func(context.Context, []collector.Point) error

func (f writerFunc) Write(ctx context.Context, p []collector.Point) error { return f(ctx, p) }

// TestOutputCountsUnwritableNames: names built from device data at run time that line
// protocol cannot carry (a '#' measurement, control characters, a backslash before a
// separator) are dropped at Emit and counted by reason, never written as something else.
func TestOutputCountsUnwritableNames(t *testing.T) {
	var written []collector.Point
	o, err := New(Config{Name: "t"}, writerFunc(func(_ context.Context, p []collector.Point) error {
		written = append(written, p...)
		return nil
	}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1763946000, 0)
	ok := collector.Point{Measurement: "interfaces", Tags: []collector.Tag{{Key: "interface_name", Value: "Ethernet1"}}, Fields: []collector.Field{collector.Int("v", 1)}, Time: at}
	hash, ctrl, bs, field := ok, ok, ok, ok
	hash.Measurement = "#interfaces"
	ctrl.Tags = []collector.Tag{{Key: "interface_name", Value: "Eth\n1"}}
	bs.Tags = []collector.Tag{{Key: "interface_name", Value: `Eth\ 1`}}
	field.Fields = []collector.Field{collector.Int("state/\x00", 1)}
	if err := o.Emit(context.Background(), []collector.Point{ok, hash, ctrl, bs, field}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rep, err := o.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written != 1 || len(written) != 1 || rep.Dropped[ReasonMeasurement] != 1 || rep.Dropped[ReasonTag] != 2 || rep.Dropped[ReasonFieldKey] != 1 || rep.Failed {
		t.Errorf("report %+v, written %v: want 1 written, invalid_measurement 1, invalid_tag 2, invalid_field_key 1", rep, written)
	}
}

package outputs

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/influxdata/line-protocol/v2/lineprotocol"

	"github.com/netpulse/netpulse/collector"
)

// refValidatePoint is validatePoint as it was before it learnt to skip strings it had
// checked (the reference for the memo): every name and string value scanned, every time.
func refValidatePoint(p *collector.Point) string {
	if !validName(p.Measurement) || p.Measurement[0] == '#' {
		// A line that starts with '#' is a comment in line protocol: InfluxDB would skip the
		// point without a word, and there is no escape for it ("\#x" is read as the name
		// `\#x`).
		return ReasonMeasurement
	}
	prev := ""
	for i, t := range p.Tags {
		if t.Value == "" {
			continue
		}
		if !validName(t.Key) || !validName(t.Value) || (i > 0 && t.Key <= prev) {
			return ReasonTag
		}
		prev = t.Key
	}
	if len(p.Fields) == 0 {
		return ReasonNoFields
	}
	for i := range p.Fields {
		f := &p.Fields[i]
		if !validName(f.Key) {
			return ReasonFieldKey
		}
		switch f.Kind {
		case collector.KindFloat:
			if v := f.FloatValue(); math.IsNaN(v) || math.IsInf(v, 0) {
				return ReasonFloat
			}
		case collector.KindString:
			if !utf8.ValidString(f.StringValue()) {
				return ReasonUTF8
			}
		case collector.KindInt, collector.KindUint, collector.KindBool:
		default:
			return ReasonKind
		}
	}
	if !p.Time.IsZero() && (p.Time.Before(minTime) || p.Time.After(maxTime)) {
		return ReasonTime
	}
	return ""
}

// refAppendLineProtocol is AppendLineProtocol as it was before appendPlainLine: every
// point validated alone by refValidatePoint, every line written by line-protocol's
// Encoder. AppendLineProtocol must write the same bytes and report the same skips.
func refAppendLineProtocol(dst []byte, points []collector.Point, opt EncodeOptions) ([]byte, error) {
	var enc lineprotocol.Encoder
	enc.SetBuffer(dst)
	enc.SetPrecision(opt.Precision)
	enc.SetLax(true)
	var skipped *SkippedError
	skip := func(reason, what string) {
		if skipped == nil {
			skipped = &SkippedError{Counts: map[string]int{}, First: reason + ": " + what}
		}
		skipped.Counts[reason]++
	}
	for i := range points {
		p := &points[i]
		if reason := refValidatePoint(p); reason != "" {
			skip(reason, describe(p))
			continue
		}
		fields := 0
		for _, f := range p.Fields {
			if opt.UintAsInt && f.Kind == collector.KindUint && f.UintValue() > math.MaxInt64 {
				skip(ReasonUintOverflow, p.Measurement+" "+f.Key)
				continue
			}
			fields++
		}
		if fields == 0 {
			continue
		}
		enc.StartLine(p.Measurement)
		for _, t := range p.Tags {
			if t.Value != "" {
				enc.AddTag(t.Key, t.Value)
			}
		}
		for _, f := range p.Fields {
			if opt.UintAsInt && f.Kind == collector.KindUint && f.UintValue() > math.MaxInt64 {
				continue
			}
			enc.AddField(f.Key, fieldValue(f, opt.UintAsInt))
		}
		enc.EndLine(p.Time)
	}
	if err := enc.Err(); err != nil {
		skip("invalid_encoding", err.Error())
	}
	if skipped != nil {
		return enc.Bytes(), skipped
	}
	return enc.Bytes(), nil
}

// pointSource builds points from a stream of bytes (random, or a fuzzer's). Strings are
// taken from a few pools as substrings of one string, so that points share strings in
// memory as a collector's do (the memo's case), with copies of equal content at other
// addresses and names that need escaping or are invalid mixed in.
type pointSource struct {
	data []byte
	pool string // every name and value is a substring of pool, or a copy of one
}

const sourcePool = "interfaces,interface_name=Ethernet1/1 source=leaf1\\site\"dc1\"#é\x00\x7f\n\t\r\xff\xfestate/counters/in-octets"

func (s *pointSource) byte() byte {
	if len(s.data) == 0 {
		return 0
	}
	b := s.data[0]
	s.data = s.data[1:]
	return b
}

func (s *pointSource) uint64() uint64 {
	var b [8]byte
	for i := range b {
		b[i] = s.byte()
	}
	return binary.LittleEndian.Uint64(b[:])
}

// str returns a string: mostly one of a few common names (shared), else a substring of the
// pool, sometimes copied to another address.
func (s *pointSource) str(common []string) string {
	switch b := s.byte(); {
	case b < 220 && len(common) > 0:
		return common[int(b)%len(common)]
	case b < 228:
		return ""
	default:
		i := int(s.byte()) % len(s.pool)
		j := i + int(s.byte())%(len(s.pool)-i+1)
		if b < 240 {
			return strings.Clone(s.pool[i:j])
		}
		return s.pool[i:j]
	}
}

// The common strings are substrings of a few pools, so that one is often a prefix of
// another at the same address ("Ethernet1/1" and "Ethernet1/1 with space"): the memo must
// look at the length as well as the address.
const (
	namePool  = "interfaces,x state/counters/in-octets=y"
	valuePool = "Ethernet1/1 with space,UP\"quote\\back=slash"
)

var (
	commonNames  = []string{namePool[:10], namePool[:12], namePool[:14], namePool[13:37], namePool[13:39], "state/oper-status", `a\b`, "é"}
	commonValues = []string{valuePool[:11], valuePool[:16], valuePool[:22], valuePool[23:25], valuePool[23:31], valuePool[23:], "leaf1", "UP", "", "new\nline", "\xff"}
	commonKeys   = []string{"a", "interface_name", "k y", "site", "source", `t\`, "z"} // sorted; `t\` is invalid
)

func (s *pointSource) points() []collector.Point {
	var pts []collector.Point
	for n := int(s.byte()%12) + 1; n > 0 && len(s.data) > 0; n-- {
		if len(pts) > 0 && s.byte() < 128 {
			// Like the previous point (a poll's next interface): same strings, some changed.
			p := pts[len(pts)-1]
			p.Tags = append([]collector.Tag(nil), p.Tags...)
			p.Fields = append([]collector.Field(nil), p.Fields...)
			if len(p.Tags) > 0 && s.byte() < 128 {
				p.Tags[int(s.byte())%len(p.Tags)].Value = s.str(commonValues)
			}
			if len(p.Fields) > 0 {
				i := int(s.byte()) % len(p.Fields)
				p.Fields[i] = s.field(p.Fields[i].Key)
			}
			pts = append(pts, p)
			continue
		}
		p := collector.Point{Measurement: s.str(commonNames)}
		for _, k := range commonKeys {
			switch b := s.byte(); {
			case b < 100:
				p.Tags = append(p.Tags, collector.Tag{Key: k, Value: s.str(commonValues)})
			case b > 245:
				p.Tags = append(p.Tags, collector.Tag{Key: s.str(commonKeys), Value: s.str(commonValues)})
			}
		}
		if s.byte() < 200 {
			p.SortTags() // mostly sorted, as Emit leaves them; duplicates and disorder stay possible
		}
		for k := s.byte() % 7; k > 0; k-- {
			p.Fields = append(p.Fields, s.field(s.str(commonNames)))
		}
		switch b := s.byte(); {
		case b < 40:
		case b < 50:
			p.Time = time.Unix(0, math.MinInt64).Add(-time.Duration(s.byte()) - 1)
		case b < 60:
			p.Time = time.Unix(0, math.MaxInt64).Add(-time.Duration(s.byte()))
		default:
			p.Time = time.Unix(0, int64(s.uint64()>>2))
		}
		pts = append(pts, p)
	}
	return pts
}

func (s *pointSource) field(key string) collector.Field {
	switch s.byte() % 16 {
	case 0, 8:
		return collector.Int(key, int64(s.uint64()))
	case 1, 9:
		return collector.Uint(key, s.uint64()>>(s.byte()%64))
	case 2:
		return collector.Uint(key, math.MaxUint64-uint64(s.byte()))
	case 3, 10:
		f := []float64{0, math.Copysign(0, -1), 0.1, 1e21, 1e-7, -2.5, math.NaN(), math.Inf(1), math.MaxFloat64}
		if b := s.byte(); int(b) < len(f) {
			return collector.Float(key, f[b])
		}
		return collector.Float(key, math.Float64frombits(s.uint64()))
	case 4, 11:
		return collector.Bool(key, s.byte()&1 == 1)
	case 5:
		return collector.Field{Key: key} // no constructor: invalid kind
	default:
		return collector.String(key, s.str(commonValues))
	}
}

var encodeOptions = []EncodeOptions{
	{},
	{UintAsInt: true},
	{Precision: lineprotocol.Microsecond},
	{UintAsInt: true, Precision: lineprotocol.Second},
	{Precision: lineprotocol.Millisecond},
}

// checkSameAsReference fails t when AppendLineProtocol and refAppendLineProtocol differ on
// pts, or when validatePoint over the slice (as Emit and the encoder call it) disagrees
// with refValidatePoint on any point.
func checkSameAsReference(t *testing.T, pts []collector.Point) {
	t.Helper()
	for _, opt := range encodeOptions {
		prefix := []byte("prefix\n")
		want, werr := refAppendLineProtocol(bytes.Clone(prefix), pts, opt)
		got, gerr := AppendLineProtocol(bytes.Clone(prefix), pts, opt)
		if !bytes.Equal(got, want) {
			t.Fatalf("%+v: AppendLineProtocol wrote\n%q\nthe Encoder\n%q\npoints: %v", opt, got, want, pts)
		}
		var ws, gs *SkippedError
		errors.As(werr, &ws)
		errors.As(gerr, &gs)
		if (ws == nil) != (gs == nil) || ws != nil && (ws.First != gs.First || !maps.Equal(ws.Counts, gs.Counts)) {
			t.Fatalf("%+v: skipped %+v, want %+v", opt, gs, ws)
		}
	}
	var prev *collector.Point
	for i := range pts {
		want := refValidatePoint(&pts[i])
		got := validatePoint(&pts[i], prev)
		if got != want {
			t.Fatalf("point %d %v: validatePoint after %v = %q, want %q", i, pts[i], prev, got, want)
		}
		if got == "" {
			prev = &pts[i]
		}
	}
}

// TestAppendLineProtocolMatchesEncoder holds AppendLineProtocol (memoised validation, the
// plain-line fast path) to the Encoder-only form over many random batches: names and
// values that need escaping or are invalid, shared and copied strings, every kind and
// option.
func TestAppendLineProtocolMatchesEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 5000
	}
	plain := 0
	for range n {
		data := make([]byte, 400)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		src := &pointSource{data: data, pool: sourcePool}
		pts := src.points()
		checkSameAsReference(t, pts)
		b, _ := AppendLineProtocol(nil, pts, EncodeOptions{})
		plain += bytes.Count(b, []byte{'\n'})
	}
	if plain < n/2 {
		t.Errorf("only %d lines written in %d batches: the generator makes too few valid points to test anything", plain, n)
	}
}

// The word-at-a-time scans against their byte-by-byte definitions, at every position.
func TestPlainScansMatchBytewise(t *testing.T) {
	for n := 1; n <= 19; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("x", n))
				b[pos] = byte(c)
				s := string(b)
				wantName := !strings.ContainsAny(s, ",= ")
				wantString := !strings.ContainsAny(s, `"\`) && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 }) && utf8.ValidString(s) || c >= 0x80 && !strings.ContainsAny(s, `"\`)
				if got := plainName(s); got != wantName {
					t.Fatalf("plainName(%q) = %v", s, got)
				}
				if got := plainString(s); got != wantString {
					t.Fatalf("plainString(%q) = %v", s, got)
				}
			}
		}
	}
}

// TestEmitMemoMatchesReference: Output.Emit, which validates with the memo, drops exactly
// the points refValidatePoint rejects and delivers the rest.
func TestEmitMemoMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	o, err := New(Config{Name: "t"}, writerFunc(func(context.Context, []collector.Point) error { return nil }), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	wantBuffered := 0
	for range 2000 {
		data := make([]byte, 400)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		pts := (&pointSource{data: data, pool: sourcePool}).points()
		for i := range pts {
			pts[i].SortTags()
			if r := refValidatePoint(&pts[i]); r != "" {
				want[r]++
			} else {
				wantBuffered++
			}
		}
		if err := o.Emit(context.Background(), pts); err != nil {
			t.Fatal(err)
		}
	}
	st := o.Stats() // Run was not started: every point Emit accepted is still buffered
	if !maps.Equal(st.Dropped, want) || st.BufferPoints != wantBuffered {
		t.Errorf("dropped %v, buffered %d; want %v and %d", st.Dropped, st.BufferPoints, want, wantBuffered)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := o.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

// FuzzAppendLineProtocolMatchesEncoder: any batch the fuzzer builds is written as the Encoder writes it.
func FuzzAppendLineProtocolMatchesEncoder(f *testing.F) {
	f.Add([]byte("\x05\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x80\x90\xa0"))
	f.Add([]byte(strings.Repeat("\xc8\x10\x20\x30\x06\x07", 40)))
	f.Add([]byte(strings.Repeat("\x0b\x01\x02\x03\x04\x05\x06\x07\x80\x81", 30)))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameAsReference(t, (&pointSource{data: data, pool: sourcePool + string(data)}).points())
	})
}

package collector

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Tag is one InfluxDB tag: an indexed string key/value pair.
type Tag struct {
	Key   string
	Value string
}

// Kind says which of a Field's values is set.
type Kind uint8

// The field kinds map one to one onto InfluxDB line-protocol value types.
const (
	KindInvalid Kind = iota
	KindInt          // int64, written as 12i
	KindUint         // uint64, written as 12u (or as int64 where the server rejects u)
	KindFloat        // float64
	KindBool         // bool
	KindString       // string
)

// String names the kind for logs and errors.
func (k Kind) String() string {
	switch k {
	case KindInt:
		return "int"
	case KindUint:
		return "uint"
	case KindFloat:
		return "float"
	case KindBool:
		return "bool"
	case KindString:
		return "string"
	}
	return "invalid"
}

// Field is one typed InfluxDB field. The numeric value lives in num (int64, uint64 and float64
// bits, bool as 0/1) so a Field carries no interface boxing on the hot path; build Fields with
// Int, Uint, Float, Bool and String.
type Field struct {
	Key  string
	Kind Kind
	num  uint64
	str  string
}

// Int returns an int64 field.
func Int(key string, v int64) Field { return Field{Key: key, Kind: KindInt, num: uint64(v)} }

// Uint returns a uint64 field.
func Uint(key string, v uint64) Field { return Field{Key: key, Kind: KindUint, num: v} }

// Float returns a float64 field.
func Float(key string, v float64) Field {
	return Field{Key: key, Kind: KindFloat, num: math.Float64bits(v)}
}

// Bool returns a boolean field.
func Bool(key string, v bool) Field {
	var n uint64
	if v {
		n = 1
	}
	return Field{Key: key, Kind: KindBool, num: n}
}

// String returns a string field.
func String(key, v string) Field { return Field{Key: key, Kind: KindString, str: v} }

// IntValue returns the value of a KindInt field.
func (f Field) IntValue() int64 { return int64(f.num) }

// UintValue returns the value of a KindUint field.
func (f Field) UintValue() uint64 { return f.num }

// FloatValue returns the value of a KindFloat field.
func (f Field) FloatValue() float64 { return math.Float64frombits(f.num) }

// BoolValue returns the value of a KindBool field.
func (f Field) BoolValue() bool { return f.num != 0 }

// StringValue returns the value of a KindString field.
func (f Field) StringValue() string { return f.str }

// Value returns the field's value boxed in an interface, for tests and slow paths only.
func (f Field) Value() any {
	switch f.Kind {
	case KindInt:
		return f.IntValue()
	case KindUint:
		return f.UintValue()
	case KindFloat:
		return f.FloatValue()
	case KindBool:
		return f.BoolValue()
	case KindString:
		return f.str
	}
	return nil
}

// Format renders the value as line protocol would (12i, 12u, 1.5, true, "s"), for tables,
// logs and test failure messages.
func (f Field) Format() string {
	switch f.Kind {
	case KindInt:
		return strconv.FormatInt(f.IntValue(), 10) + "i"
	case KindUint:
		return strconv.FormatUint(f.num, 10) + "u"
	case KindFloat:
		return strconv.FormatFloat(f.FloatValue(), 'g', -1, 64)
	case KindBool:
		return strconv.FormatBool(f.BoolValue())
	case KindString:
		return strconv.Quote(f.str)
	}
	return "<invalid>"
}

// Point is one measurement at one time: the single data type that flows from collectors to
// outputs. Tags are sorted by key and always include "source" (the target's name); Fields hold
// at least one field. Updates that share measurement, tags and time are grouped into one Point
// (one line-protocol line with many fields), which is what keeps InfluxDB writes cheap.
type Point struct {
	Measurement string
	Tags        []Tag
	Fields      []Field
	Time        time.Time
}

// SortTags sorts the tags by key (line protocol and InfluxDB's series index want them sorted).
func (p *Point) SortTags() {
	if !slices.IsSortedFunc(p.Tags, compareTags) {
		slices.SortFunc(p.Tags, compareTags)
	}
}

func compareTags(a, b Tag) int { return strings.Compare(a.Key, b.Key) }

// Tag returns the value of the tag key.
func (p *Point) Tag(key string) (string, bool) {
	for _, t := range p.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return "", false
}

// Field returns the field key.
func (p *Point) Field(key string) (Field, bool) {
	for _, f := range p.Fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// String renders the point in a line-protocol-like form for logs and tests. It does not
// escape; outputs encode with the lineprotocol package.
func (p Point) String() string {
	var b strings.Builder
	b.WriteString(p.Measurement)
	for _, t := range p.Tags {
		b.WriteByte(',')
		b.WriteString(t.Key)
		b.WriteByte('=')
		b.WriteString(t.Value)
	}
	for i, f := range p.Fields {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(f.Key)
		b.WriteByte('=')
		b.WriteString(f.Format())
	}
	b.WriteByte(' ')
	b.WriteString(strconv.FormatInt(p.Time.UnixNano(), 10))
	return b.String()
}

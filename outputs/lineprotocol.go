package outputs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/influxdata/line-protocol/v2/lineprotocol"

	"github.com/netpulse/netpulse/collector"
)

// Drop reasons: the keys of Report.Dropped and Stats.Dropped. The invalid_* reasons and
// uint_overflow are data problems (the point could never be written anywhere); the others
// are delivery problems and make Report.Failed true.
const (
	ReasonNoFields    = "invalid_no_fields"   // a point without fields
	ReasonMeasurement = "invalid_measurement" // empty or unencodable measurement name
	ReasonTag         = "invalid_tag"         // bad tag key/value, duplicate or unsorted keys
	ReasonFieldKey    = "invalid_field_key"   // empty or unencodable field key
	ReasonFloat       = "invalid_float"       // NaN or ±Inf (line protocol cannot carry them)
	ReasonUTF8        = "invalid_utf8"        // a string field that is not UTF-8
	ReasonTime        = "invalid_time"        // a timestamp outside int64 nanoseconds
	ReasonKind        = "invalid_kind"        // a Field built without a constructor
	// ReasonUintOverflow counts fields, not points (see EncodeOptions.UintAsInt); a point
	// whose other fields were written still counts as written.
	ReasonUintOverflow = "uint_overflow"

	ReasonBufferFull   = "buffer_full"   // the bounded buffer was full, oldest dropped
	ReasonRejected     = "rejected"      // the server rejected the line (400/422), dead-lettered
	ReasonTooLarge     = "too_large"     // one point alone exceeded the server's size limit
	ReasonPermanent    = "permanent"     // a non-retryable error, dead-lettered
	ReasonClosed       = "closed"        // emitted after Close
	ReasonSpoolError   = "spool_error"   // overflow could not be written to the spool
	ReasonSpoolCorrupt = "spool_corrupt" // a spool segment failed its checksum
	ReasonSpoolFull    = "spool_full"    // the oldest spool segments were deleted (SpoolMaxBytes)
)

// IsDataReason reports whether a drop reason is a problem of the data itself (invalid_*,
// uint_overflow, type_conflict) rather than of the delivery; only delivery problems make
// Report.Failed.
func IsDataReason(reason string) bool {
	return strings.HasPrefix(reason, "invalid_") || reason == ReasonUintOverflow || reason == ReasonTypeConflict
}

// EncodeOptions controls AppendLineProtocol.
type EncodeOptions struct {
	// UintAsInt writes uint64 fields as int64 ("12i"), for servers that reject the "u" suffix
	// (InfluxDB 1.x, DESIGN.md §4). A value above math.MaxInt64 cannot be represented: that
	// field is dropped and counted as uint_overflow, the point's other fields are kept.
	// Dropping beats clamping: a clamped counter would draw a false flat line followed by a
	// bogus rate, a gap is visible as a gap.
	UintAsInt bool
	// Precision of the timestamps; the zero value is nanoseconds. The server must be told
	// the same precision (the write endpoint's precision parameter).
	Precision lineprotocol.Precision
}

// SkippedError reports the points (and, for uint_overflow, fields) AppendLineProtocol left
// out. The returned bytes are still valid line protocol for all other points.
type SkippedError struct {
	Counts map[string]int // reason → count
	First  string         // the first problem, for a log line
}

// Error summarises the skipped points.
func (e *SkippedError) Error() string {
	n := 0
	for _, c := range e.Counts {
		n += c
	}
	return fmt.Sprintf("encode line protocol: skipped %d invalid points or fields (first: %s)", n, e.First)
}

// AppendLineProtocol appends the points to dst as line protocol, one line per point, each
// terminated by '\n'. Tags with an empty value are left out (InfluxDB treats them as absent).
// Invalid points are skipped, never abort the batch; when any were skipped the error is a
// *SkippedError that counts them by reason, and the returned bytes hold every other point.
//
// A line none of whose string values has a byte line protocol escapes (nearly every line)
// is written by appendLine; any other line by influxdata/line-protocol's Encoder. Both
// write the same bytes (TestAppendLineProtocolMatchesEncoder and
// FuzzAppendLineProtocolMatchesEncoder hold appendLine to the Encoder): the Encoder's
// escaping scans, a few strings.Count calls per name and string value, were a third of its
// time.
//
// In steady state (dst with enough capacity) it allocates nothing per point.
func AppendLineProtocol(dst []byte, points []collector.Point, opt EncodeOptions) ([]byte, error) {
	var enc lineprotocol.Encoder
	enc.SetPrecision(opt.Precision)
	// Every point is validated by validatePoint first, which is stricter than the encoder's
	// own checks, so the encoder need not check keys again.
	enc.SetLax(true)
	unit := int64(opt.Precision.Duration())
	var skipped *SkippedError
	skip := func(reason, what string) {
		if skipped == nil {
			skipped = &SkippedError{Counts: map[string]int{}, First: reason + ": " + what}
		}
		skipped.Counts[reason]++
	}
	var prev *collector.Point // the last valid point, see validatePoint
	var memo lineMemo
	for i := range points {
		p := &points[i]
		if reason := validatePoint(p, prev); reason != "" {
			skip(reason, describe(p))
			continue
		}
		prev = p
		fields := 0
		for j := range p.Fields {
			if opt.UintAsInt && p.Fields[j].Kind == collector.KindUint && p.Fields[j].UintValue() > math.MaxInt64 {
				skip(ReasonUintOverflow, p.Measurement+" "+p.Fields[j].Key)
				continue
			}
			fields++
		}
		if fields == 0 {
			continue // every field overflowed: counted above, nothing to write
		}
		var ok bool
		if dst, ok = appendLine(dst, p, &memo, opt.UintAsInt, unit); ok {
			continue
		}
		enc.SetBuffer(dst)
		enc.StartLine(p.Measurement)
		for _, t := range p.Tags {
			if t.Value != "" {
				enc.AddTag(t.Key, t.Value)
			}
		}
		for _, f := range p.Fields {
			if opt.UintAsInt && f.Kind == collector.KindUint && f.UintValue() > math.MaxInt64 {
				continue // counted above
			}
			enc.AddField(f.Key, fieldValue(f, opt.UintAsInt))
		}
		enc.EndLine(p.Time)
		dst = enc.Bytes()
		if err := enc.Err(); err != nil {
			// Cannot happen after validatePoint; keep the promise anyway.
			skip("invalid_encoding", err.Error())
		}
	}
	if skipped != nil {
		return dst, skipped
	}
	return dst, nil
}

// lineMemo remembers the last line appendLine wrote, so that the strings the next point
// shares with it (sameString, as in validatePoint) are not scanned again.
type lineMemo struct {
	p *collector.Point // nil, or a point whose measurement and field keys need no escape
	// Bit i: p.Tags[i]'s key (value) was checked and needs no escape (tags 0 to 63).
	tagKeys, tagValues uint64
}

// appendLine appends p's line as line-protocol's Encoder writes it and true, unless a
// string value of p needs escaping: then it returns dst as it was and false, and the
// caller uses the Encoder. p must have passed validatePoint.
//
// The Encoder escapes ' ' and ',' in measurements, ',', '=' and ' ' in tag keys, tag values
// and field keys, each by a backslash before it, and writes the rest as is (validatePoint
// has refused what it cannot carry); it escapes '\\', '"', '\n', '\r' and '\t' in string
// values (plainString refuses every control character). Numbers are written with strconv
// (Value.AppendBytes) and the time in the precision's units. Interface names with spaces
// are common (a fifth of the lines of collector/snmp's golden files), escaped names are
// therefore written here; quotes and backslashes in string values are rare and left to the
// Encoder.
func appendLine(dst []byte, p *collector.Point, m *lineMemo, uintAsInt bool, unit int64) ([]byte, bool) {
	start := len(dst)
	var pt []collector.Tag
	var pf []collector.Field
	if m.p != nil {
		pt, pf = m.p.Tags, m.p.Fields
	}
	keep := true // p may become the memo: its measurement and field keys need no escape
	switch {
	case m.p != nil && sameString(p.Measurement, m.p.Measurement), plainName(p.Measurement):
		dst = append(dst, p.Measurement...)
	default:
		dst = appendEscapedName(dst, p.Measurement, true)
		keep = false
	}
	var keys, values uint64
	for i, t := range p.Tags {
		if t.Value == "" {
			continue
		}
		bit := uint64(1) << (i & 63)
		known := i < 64 && i < len(pt)
		dst = append(dst, ',')
		if known && m.tagKeys&bit != 0 && sameString(t.Key, pt[i].Key) || plainName(t.Key) {
			dst = append(dst, t.Key...)
			keys |= bit
		} else {
			dst = appendEscapedName(dst, t.Key, false)
		}
		dst = append(dst, '=')
		if known && m.tagValues&bit != 0 && sameString(t.Value, pt[i].Value) || plainName(t.Value) {
			dst = append(dst, t.Value...)
			values |= bit
		} else {
			dst = appendEscapedName(dst, t.Value, false)
		}
	}
	if len(p.Tags) > 64 {
		keep = false // the masks cannot say
	}
	sep := byte(' ')
	for i := range p.Fields {
		f := &p.Fields[i]
		if uintAsInt && f.Kind == collector.KindUint && f.UintValue() > math.MaxInt64 {
			keep = false // its key was not looked at
			continue     // counted by the caller
		}
		known := i < len(pf)
		dst = append(dst, sep)
		sep = ','
		if known && sameString(f.Key, pf[i].Key) || plainName(f.Key) {
			dst = append(dst, f.Key...)
		} else {
			dst = appendEscapedName(dst, f.Key, false)
			keep = false
		}
		dst = append(dst, '=')
		switch f.Kind {
		case collector.KindInt:
			dst = strconv.AppendInt(dst, f.IntValue(), 10)
			dst = append(dst, 'i')
		case collector.KindUint:
			if uintAsInt {
				dst = strconv.AppendInt(dst, int64(f.UintValue()), 10)
				dst = append(dst, 'i')
			} else {
				dst = strconv.AppendUint(dst, f.UintValue(), 10)
				dst = append(dst, 'u')
			}
		case collector.KindFloat:
			dst = strconv.AppendFloat(dst, f.FloatValue(), 'g', -1, 64)
		case collector.KindBool:
			if f.BoolValue() {
				dst = append(dst, "true"...)
			} else {
				dst = append(dst, "false"...)
			}
		default: // KindString: validatePoint let no other kind through
			s := f.StringValue()
			// A string value of the memo's point was plain: it was written here.
			if !(known && pf[i].Kind == collector.KindString && sameString(s, pf[i].StringValue())) && !plainString(s) {
				return dst[:start], false
			}
			dst = append(dst, '"')
			dst = append(dst, s...)
			dst = append(dst, '"')
		}
	}
	if p.Time.IsZero() {
		dst = append(dst, '\n')
	} else {
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, p.Time.UnixNano()/unit, 10)
		dst = append(dst, '\n')
	}
	if keep {
		*m = lineMemo{p: p, tagKeys: keys, tagValues: values}
	}
	return dst, true
}

// appendEscapedName appends s with a backslash before each ' ' and ',' and, unless s is a
// measurement, '=', as the Encoder escapes names.
func appendEscapedName(dst []byte, s string, measurement bool) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ' ' || c == ',' || c == '=' && !measurement {
			dst = append(dst, '\\')
		}
		dst = append(dst, s[i])
	}
	return dst
}

// Word-at-a-time byte tests (the "determine if a word has a zero byte" bit trick, exact
// for a yes/no answer): zeroByte(x) is non-zero iff a byte of x is 0, below(x, n) iff a
// byte is below n (n <= 0x80).
const ones, highs = 0x0101010101010101, 0x8080808080808080

func zeroByte(x uint64) uint64       { return (x - ones) & ^x & highs }
func below(x uint64, n uint8) uint64 { return (x - ones*uint64(n)) & ^x & highs }

// plainName reports whether s has none of ',', '=' and ' ', the bytes line protocol
// escapes in names.
func plainName(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		if zeroByte(x^(ones*',')) != 0 || zeroByte(x^(ones*'=')) != 0 || zeroByte(x^(ones*' ')) != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		switch s[i] {
		case ',', '=', ' ':
			return false
		}
	}
	return true
}

// plainString reports whether s has no control character, '"' or '\\': nothing line
// protocol escapes in a string value.
func plainString(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		if below(x, 0x20) != 0 || zeroByte(x^(ones*'"')) != 0 || zeroByte(x^(ones*'\\')) != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// fieldValue converts a Field without allocating: string values reference the field's string
// (the encoder only reads them).
func fieldValue(f collector.Field, uintAsInt bool) lineprotocol.Value {
	switch f.Kind {
	case collector.KindInt:
		return lineprotocol.IntValue(f.IntValue())
	case collector.KindUint:
		if uintAsInt {
			return lineprotocol.IntValue(int64(f.UintValue()))
		}
		return lineprotocol.UintValue(f.UintValue())
	case collector.KindFloat:
		v, _ := lineprotocol.FloatValue(f.FloatValue()) // finite: checked by validatePoint
		return v
	case collector.KindBool:
		return lineprotocol.BoolValue(f.BoolValue())
	}
	s := f.StringValue()
	v, _ := lineprotocol.NewValueFromBytes(lineprotocol.String, unsafe.Slice(unsafe.StringData(s), len(s)))
	return v
}

var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// validatePoint returns the reason p cannot be encoded, or "". Tags must be sorted by key
// with unique keys (Output.Emit sorts them; collectors build them sorted).
//
// prev, when not nil, is a point validatePoint accepted that is still reachable (an earlier
// point of the same slice). A name or string value that is the very same string as prev's
// at the same place (same address, same length: sameString) has been checked already and is
// not scanned again. That is sound because Go strings are immutable and prev keeps its
// strings alive, so no other content can occupy that memory meanwhile. The points of a poll
// share their profile's keys and most tag values this way: the scans were 4 % of a 10,000
// device fleet's CPU, done twice per point (Emit and the encoder).
func validatePoint(p, prev *collector.Point) string {
	var pt []collector.Tag
	var pf []collector.Field
	if prev != nil {
		pt, pf = prev.Tags, prev.Fields
	}
	if prev == nil || !sameString(p.Measurement, prev.Measurement) {
		if !validName(p.Measurement) || p.Measurement[0] == '#' {
			// A line that starts with '#' is a comment in line protocol: InfluxDB would
			// skip the point without a word, and there is no escape for it ("\#x" is read
			// as the name `\#x`).
			return ReasonMeasurement
		}
	}
	prevKey := ""
	for i, t := range p.Tags {
		if t.Value == "" {
			continue
		}
		// prev's tag i was checked only if its value was not empty.
		known := i < len(pt) && pt[i].Value != ""
		if (!known || !sameString(t.Key, pt[i].Key)) && !validName(t.Key) ||
			(!known || !sameString(t.Value, pt[i].Value)) && !validName(t.Value) ||
			(i > 0 && t.Key <= prevKey) {
			return ReasonTag
		}
		prevKey = t.Key
	}
	if len(p.Fields) == 0 {
		return ReasonNoFields
	}
	for i := range p.Fields {
		f := &p.Fields[i]
		known := i < len(pf)
		if (!known || !sameString(f.Key, pf[i].Key)) && !validName(f.Key) {
			return ReasonFieldKey
		}
		switch f.Kind {
		case collector.KindFloat:
			if v := f.FloatValue(); math.IsNaN(v) || math.IsInf(v, 0) {
				return ReasonFloat
			}
		case collector.KindString:
			s := f.StringValue()
			if known && pf[i].Kind == collector.KindString && sameString(s, pf[i].StringValue()) {
				continue
			}
			if !utf8.ValidString(s) {
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

// sameString reports whether a and b are the same string in memory: same address and
// length, hence the same bytes (strings are immutable). Empty strings are never the same.
func sameString(a, b string) bool {
	return len(a) == len(b) && len(a) > 0 && unsafe.StringData(a) == unsafe.StringData(b)
}

// validName reports whether s can be a measurement, tag key/value or field key: non-empty,
// UTF-8, no ASCII control characters (line protocol has no escape for them) and no backslash
// that is last or followed by a backslash, space, comma, '=' or '"'. Line protocol has no
// escape for the backslash itself: the encoder writes `a\ b` as `a\\ b`, which InfluxDB 1.8
// reads as the name `a\\` followed by a broken field (400); it also reads `a\"b` in a
// measurement or field key as `a"b` (its unescape knows `\"`; line-protocol/v2 does not).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := strings.IndexByte(s, '\\'); i >= 0; {
		if i+1 == len(s) {
			return false
		}
		switch s[i+1] {
		case '\\', ' ', ',', '=', '"':
			return false
		}
		j := strings.IndexByte(s[i+1:], '\\')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	// Eight bytes at a time while they are plain printable ASCII (keys and names almost
	// always are): this check was a fifth of the encoder's time byte by byte.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		if x&highs != 0 {
			break // non-ASCII: the slow path checks UTF-8
		}
		below20 := (x - ones*0x20) & ^x & highs
		del := x ^ (ones * 0x7f)
		is7f := (del - ones) & ^del & highs
		if below20|is7f != 0 {
			return false
		}
	}
	s = s[i:]
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			return false
		}
		ascii = ascii && c < utf8.RuneSelf
	}
	return ascii || utf8.ValidString(s)
}

// describe names a point for a log line without dumping it all.
func describe(p *collector.Point) string {
	src, _ := p.Tag("source")
	return fmt.Sprintf("%q source=%q", p.Measurement, src)
}

// CheckName returns why s cannot be a tag key, tag value or field key, or nil: the rule
// validName applies to every point at run time, spelled out for a config error.
func CheckName(s string) error {
	if validName(s) {
		return nil
	}
	if s == "" {
		return errors.New("is empty")
	}
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return fmt.Errorf("contains the control character %U, which line protocol cannot carry", rune(c))
		case c != '\\':
		case i+1 == len(s):
			return errors.New("ends with a backslash, which would escape the separator after it")
		case strings.IndexByte(`\ ,="`, s[i+1]) >= 0:
			return fmt.Errorf("has a backslash before %q: line protocol has no escape for a backslash, so InfluxDB would read another name", s[i+1])
		}
	}
	return errors.New("cannot be written in line protocol") // not reached: validName has no other rule
}

// CheckMeasurement is CheckName for a measurement, which must also not start with '#'.
func CheckMeasurement(s string) error {
	if strings.HasPrefix(s, "#") {
		return errors.New("starts with '#': line protocol reads such a line as a comment, so InfluxDB would skip every point without a word")
	}
	return CheckName(s)
}

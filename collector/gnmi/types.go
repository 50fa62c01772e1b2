package gnmi

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/netpulse/netpulse/collector"
)

//go:generate go run ../../internal/octypes/gen -yang ../../internal/octypes/testdata/yang -out octypes_gen.go

// Field types (README "Field types"). InfluxDB fixes a field's type at its first write and
// rejects later points of another type, so a leaf must be written with one type whatever
// encoding the device used: over PROTO a device picks uint_val or int_val itself, over
// JSON_IETF a uint16 arrives as a number and a counter64 as a string (RFC 7951 §6.1), over
// JSON anything goes. The leaves of the OpenConfig models in octypes_gen.go (generated from
// the YANG files, see internal/octypes) are written with their model's type; other leaves
// keep the encoding's type and are pinned by the outputs' type guard.

// leafType is a declared leaf: its line-protocol kind and the YANG type it comes from.
type leafType struct {
	kind collector.Kind
	yang string
}

// DeclaredType returns the type the OpenConfig models declare for the leaf at schemaPath
// (element names joined by "/", no keys, no module prefixes, e.g.
// "interfaces/interface/state/counters/in-octets") and the YANG type it comes from. ok is
// false for leaves outside the generated table.
func DeclaredType(schemaPath string) (kind collector.Kind, yangType string, ok bool) {
	lt, ok := openConfigLeaves[strings.Trim(schemaPath, "/")]
	return lt.kind, lt.yang, ok
}

// DeclaredUnder counts the leaves the OpenConfig table declares at or below a subscription
// path ("/interfaces/interface[name=*]/state", keys, origin and module prefixes ignored),
// for `netpulse explain`.
func DeclaredUnder(path string) (int, error) {
	p, err := ParsePath(path)
	if err != nil {
		return 0, err
	}
	var b strings.Builder
	for i, e := range p.GetElem() {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(stripModule(e.GetName()))
	}
	prefix := b.String()
	n := 0
	for k := range openConfigLeaves {
		if prefix == "" || k == prefix || strings.HasPrefix(k, prefix+"/") {
			n++
		}
	}
	return n, nil
}

// TypeConflict is a leaf value that cannot be converted exactly into its declared type: the
// field is dropped (the rest of the point is written) and counted as type_conflict.
type TypeConflict struct {
	Path  string // schema path of the leaf
	Value string // the device's value, as line protocol would render it
	Want  collector.Kind
	YANG  string
}

// declared looks up the leaf at n.elems in the OpenConfig table, without allocating in the
// steady state. Paths under other roots (vendor-native) are not looked up at all. Devices
// repeat the same few prefixes (…/interface[name=X]/state/counters) and leaves, so results
// are cached per prefix schema path and leaf suffix (setSchemaBase picks the prefix's
// cache): a hit hashes only the suffix ("in-octets"), not the whole path. The caches are
// the process's (Shared): every device with the same prefixes hits the same entries.
func (n *Normalizer) declared() (leafType, bool) {
	if len(n.elems) == 0 || !openConfigRoot(n.elems[0].name) {
		return leafType{}, false
	}
	n.suf = n.suf[:0]
	for i := n.base; i < len(n.elems); i++ {
		if i > n.base {
			n.suf = append(n.suf, '/')
		}
		n.suf = append(n.suf, n.elems[i].name...)
	}
	if n.cur != nil {
		if c, ok := n.cur.load()[string(n.suf)]; ok {
			return c.lt, c.ok
		}
	}
	n.joinSchema()
	lt, ok := openConfigLeaves[string(n.sbuf)]
	if n.cur != nil && !n.cur.full() {
		n.cur.add(string(n.suf), cachedLeaf{lt, ok})
	}
	return lt, ok
}

// cachedLeaf is one cached lookup result.
type cachedLeaf struct {
	lt leafType
	ok bool
}

// joinSchema puts the schema path of the leaf at n.elems into n.sbuf.
func (n *Normalizer) joinSchema() {
	n.sbuf = n.sbuf[:n.sbase]
	for i := n.base; i < len(n.elems); i++ {
		if len(n.sbuf) > 0 {
			n.sbuf = append(n.sbuf, '/')
		}
		n.sbuf = append(n.sbuf, n.elems[i].name...)
	}
}

// setSchemaBase joins the names of the notification's prefix elements (n.elems[:n.base])
// and selects the lookup cache of that prefix.
func (n *Normalizer) setSchemaBase() {
	n.sbuf = n.sbuf[:0]
	for i, e := range n.elems[:n.base] {
		if i > 0 {
			n.sbuf = append(n.sbuf, '/')
		}
		n.sbuf = append(n.sbuf, e.name...)
	}
	n.sbase = len(n.sbuf)
	n.cur = nil
	if n.base > 0 && !openConfigRoot(n.elems[0].name) {
		return
	}
	prefixes := &n.shared.prefixes
	if c, ok := prefixes.load()[string(n.sbuf)]; ok {
		n.cur = c
	} else if !prefixes.full() { // bounded like the intern maps
		if c, kept := prefixes.add(string(n.sbuf), &memo[string, cachedLeaf]{limit: maxInterned}); kept {
			n.cur = c
		}
	}
}

// conflict records a value that does not fit its declared type.
func (n *Normalizer) conflict(value string, lt leafType, c *Counts) {
	c.Conflicts++
	if len(n.conflicts) < 64 { // for the log; the count is exact
		n.joinSchema()
		n.conflicts = append(n.conflicts, TypeConflict{Path: string(n.sbuf), Value: value, Want: lt.kind, YANG: lt.yang})
	}
}

// FieldOrigin says where a written field's type comes from (NormalizerConfig.Explain).
type FieldOrigin struct {
	Measurement, Field string
	SchemaPath         string
	Declared           bool // the OpenConfig table declares the leaf (else: the encoding's type)
	Kind               collector.Kind
	YANG               string // the YANG type, when declared
}

// FieldOrigins returns, with NormalizerConfig.Explain, the origin of every field the last
// Normalize call wrote.
func (n *Normalizer) FieldOrigins() []FieldOrigin { return n.origins }

// TypeConflicts returns the type conflicts of the last Normalize call (at most 64; Counts
// has the exact number). The slice is reused by the next call.
func (n *Normalizer) TypeConflicts() []TypeConflict { return n.conflicts }

// coerce converts f into the declared kind when the conversion is exact: an integer into
// the other signedness within range (never flipping a negative int64 into a uint), an
// integral float into an integer, an integer into a float when float64 holds it exactly,
// anything into its decimal string, and a decimal text into a number.
func coerce(f collector.Field, want collector.Kind) (collector.Field, bool) {
	switch f.Kind {
	case collector.KindInt:
		i := f.IntValue()
		switch want {
		case collector.KindUint:
			return collector.Uint("", uint64(i)), i >= 0
		case collector.KindFloat:
			return collector.Float("", float64(i)), i >= -1<<53 && i <= 1<<53
		case collector.KindString:
			return collector.String("", strconv.FormatInt(i, 10)), true
		}
	case collector.KindUint:
		u := f.UintValue()
		switch want {
		case collector.KindInt:
			return collector.Int("", int64(u)), u <= math.MaxInt64
		case collector.KindFloat:
			return collector.Float("", float64(u)), u <= 1<<53
		case collector.KindString:
			return collector.String("", strconv.FormatUint(u, 10)), true
		}
	case collector.KindFloat:
		v := f.FloatValue()
		integral := v == math.Trunc(v) && !math.IsInf(v, 0)
		switch want {
		case collector.KindUint:
			return collector.Uint("", uint64(v)), integral && v >= 0 && v < 1<<64
		case collector.KindInt:
			return collector.Int("", int64(v)), integral && v >= -1<<63 && v < 1<<63
		case collector.KindString:
			return collector.String("", strconv.FormatFloat(v, 'g', -1, 64)), true
		}
	case collector.KindBool:
		if want == collector.KindString {
			return collector.String("", strconv.FormatBool(f.BoolValue())), true
		}
	case collector.KindString:
		return parseText(f.StringValue(), want)
	}
	return collector.Field{}, false
}

// parseText reads a text value (a JSON string, a PROTO string_val) as the declared kind:
// RFC 7951 §6.1 sends 64-bit integers and decimal64 as strings, and some devices send any
// number that way. Only plain decimal text converts; "0x10", " 5" or "1e3" do not.
func parseText(s string, want collector.Kind) (collector.Field, bool) {
	switch want {
	case collector.KindUint:
		if decimalText(s, false) && s[0] != '-' {
			u, err := strconv.ParseUint(s, 10, 64)
			return collector.Uint("", u), err == nil
		}
	case collector.KindInt:
		if decimalText(s, false) {
			i, err := strconv.ParseInt(s, 10, 64)
			return collector.Int("", i), err == nil
		}
	case collector.KindFloat:
		if decimalText(s, true) {
			v, err := strconv.ParseFloat(s, 64)
			return collector.Float("", v), err == nil && !math.IsInf(v, 0)
		}
	case collector.KindBool:
		switch s {
		case "true":
			return collector.Bool("", true), true
		case "false":
			return collector.Bool("", false), true
		}
	case collector.KindString:
		return collector.String("", validUTF8(s)), true
	}
	return collector.Field{}, false
}

// decimalText: an optional '-', digits, and with frac one '.' between digits.
func decimalText(s string, frac bool) bool {
	d := strings.TrimPrefix(s, "-")
	if d == "" || len(d) > 64 {
		return false
	}
	dot := false
	for i := 0; i < len(d); i++ {
		switch c := d[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && frac && !dot && i > 0 && i < len(d)-1:
			dot = true
		default:
			return false
		}
	}
	return true
}

// ieeeFloat32 decodes an oc-types:ieeefloat32 (4 bytes, IEEE 754 big-endian) into the
// shortest decimal that round-trips as float32.
func ieeeFloat32(b []byte) (collector.Field, bool) {
	if len(b) != 4 {
		return collector.Field{}, false
	}
	f := math.Float32frombits(binary.BigEndian.Uint32(b))
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return collector.Field{}, false // line protocol has no NaN or infinity
	}
	d, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return collector.Float("", d), true
}

// jsonTyped decodes one JSON scalar of a declared leaf straight into its declared kind, so a
// string leaf keeps its text exactly ("1.50" stays "1.50", "100" stays "100") and a
// counter64 sent as "18446744073709551615" is a uint64. ok is false when the value cannot be
// converted exactly; scalar is false for null, objects and arrays.
func jsonTyped(v any, lt leafType) (f collector.Field, ok, scalar bool) {
	switch x := v.(type) {
	case string:
		if lt.yang == "ieeefloat32" && lt.kind == collector.KindFloat {
			// RFC 7951 §6.6: binary as base64 (Cisco sends ieeefloat32 so).
			if b, err := base64.StdEncoding.DecodeString(x); err == nil {
				f, ok = ieeeFloat32(b)
				return f, ok, true
			}
		}
		f, ok = parseText(x, lt.kind)
		return f, ok, true
	case json.Number:
		s := string(x)
		if lt.kind == collector.KindString {
			return collector.String("", s), true, true
		}
		if lt.kind == collector.KindFloat || strings.ContainsAny(s, ".eE") {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(v, 0) {
				return collector.Field{}, false, true
			}
			f, ok = coerce(collector.Float("", v), lt.kind)
			if lt.kind == collector.KindFloat {
				f, ok = collector.Float("", v), true
			}
			return f, ok, true
		}
		f, ok = parseText(s, lt.kind)
		return f, ok, true
	case bool:
		f, ok = coerce(collector.Bool("", x), lt.kind)
		if lt.kind == collector.KindBool {
			f, ok = collector.Bool("", x), true
		}
		return f, ok, true
	}
	return collector.Field{}, false, false
}

package snmp

import (
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
)

// This file holds the pure half of polling: compiled profiles and the functions that turn
// received varbinds into Points. Nothing here does I/O, so golden tests pin it exactly.

// valueFormat is a compiled Formats entry.
type valueFormat uint8

const (
	formatAuto        valueFormat = iota // by SNMP type (DESIGN §4)
	formatUint                           // any number → uint64
	formatInt                            // any number → int64
	formatHex                            // OctetString → lowercase hex
	formatMAC                            // OctetString → aa:bb:cc:dd:ee:ff
	formatString                         // OctetString → text (NULs trimmed), numbers → decimal
	formatTruthValue                     // SNMPv2-TC TruthValue: 1 true, 2 false
	formatTimeTicksNs                    // TimeTicks (1/100 s) → nanoseconds (oc-types:timeticks64)
	formatEnum                           // Integer → name from Enums, else decimal string
)

// parseFormat maps a Formats value to its valueFormat.
func parseFormat(s string) (valueFormat, bool) {
	switch s {
	case "":
		return formatAuto, true
	case "uint":
		return formatUint, true
	case "int":
		return formatInt, true
	case "hex":
		return formatHex, true
	case "mac":
		return formatMAC, true
	case "string":
		return formatString, true
	case "truthvalue":
		return formatTruthValue, true
	case "timeticks-ns":
		return formatTimeTicksNs, true
	case "enum":
		return formatEnum, true
	}
	return formatAuto, false
}

// valueSpec is one field or tag of a compiled table or scalar group.
type valueSpec struct {
	name     string
	col      int // index into the spec's columns
	fallback int // index into the spec's columns, or -1
	format   valueFormat
	enum     map[int64]string
	kind     collector.Kind // declared type (KindInvalid: undeclared, the SNMP type decides)
}

// tableSpec is a compiled Table: unique columns (leading-dot OIDs) and the values read from
// them, sorted by name so output is deterministic.
type tableSpec struct {
	measurement  string
	indexTag     string
	indexField   string
	indexKind    collector.Kind // declared type of indexField, or KindInvalid
	indexPos     int            // where indexField sorts among fields (sorted by name)
	duplicateTag string
	columns      []string
	tags         []valueSpec
	fields       []valueSpec
	ext          *extSpec // derived values (derive.go); nil for plain tables
	// fbOnly marks the columns read only as a fallback (Table.Fallbacks) of a plain
	// table, which walkLazy reads only when a row needs them; nil when there are none.
	fbOnly []bool
	// pool holds this table's tableData between polls (newData, release): shared, like the
	// compiled spec, by every session that polls the table (Share). A 48-interface poll's
	// tables were a sixth of the bytes it allocated, and the first poll of each target,
	// with no row count to size them by, grew them row by row: a third of a fleet's
	// allocation in its first minute. nil for the column sets walkColumns makes up.
	pool *sync.Pool
}

// newData returns an empty tableData for spec: a released one when the pool has one.
func (spec *tableSpec) newData(rowsHint int) *tableData {
	if spec.pool != nil {
		if d, ok := spec.pool.Get().(*tableData); ok {
			return d
		}
	}
	return newTableData(len(spec.columns), rowsHint)
}

// maxPooledCells bounds the tableData a pool keeps (about 1.5 MiB of cells): one poll of
// a device with 30,000 rows does not leave its arrays to the whole fleet.
const maxPooledCells = 1 << 16

// release gives d back to spec's pool once its points are built: nothing of d is kept
// (points copy the values they take, and their strings are not d's memory). Cleared first,
// so a pooled table holds no value of the poll that used it.
func (spec *tableSpec) release(d *tableData) {
	if spec.pool == nil || d == nil || d.ncols != len(spec.columns) || cap(d.cells) > maxPooledCells {
		return
	}
	clear(d.cells[:cap(d.cells)])
	clear(d.indexes[:cap(d.indexes)])
	clear(d.rowOf)
	d.cells, d.indexes = d.cells[:0], d.indexes[:0]
	spec.pool.Put(d)
}

// scalarSpec is a compiled Scalar: the OIDs to GET (with instance) and the values read.
type scalarSpec struct {
	measurement string
	oids        []string
	tags        []valueSpec
	fields      []valueSpec
}

// compiledProfile is a Profile ready to poll.
type compiledProfile struct {
	name     string
	scalars  []scalarSpec
	tables   []tableSpec
	match    *matcher // nil: every device (match.go)
	replaces []string
}

// normalOID returns oid with one leading dot, the form gosnmp uses in varbind names.
func normalOID(oid string) string {
	oid = strings.TrimSpace(oid)
	if strings.HasPrefix(oid, ".") {
		return oid
	}
	return "." + oid
}

// compileProfile checks and compiles p.
func compileProfile(p Profile) (compiledProfile, error) {
	if err := ValidateProfile(p); err != nil {
		return compiledProfile{}, err
	}
	cp := compiledProfile{name: p.Name, replaces: p.Replaces}
	var err error
	if cp.match, err = compileMatch(p.Match); err != nil {
		return compiledProfile{}, fmt.Errorf("match: %w", err)
	}
	for _, s := range p.Scalars {
		ss := scalarSpec{measurement: s.Measurement}
		col := func(oid string) int {
			oid = normalOID(oid)
			if !strings.HasSuffix(oid, ".0") {
				oid += ".0"
			}
			if i := slices.Index(ss.oids, oid); i >= 0 {
				return i
			}
			ss.oids = append(ss.oids, oid)
			return len(ss.oids) - 1
		}
		var err error
		if ss.tags, err = compileValues(s.Tags, nil, s.Formats, nil, s.Enums, col); err != nil {
			return compiledProfile{}, err
		}
		if ss.fields, err = compileValues(s.Fields, nil, s.Formats, s.Types, s.Enums, col); err != nil {
			return compiledProfile{}, err
		}
		cp.scalars = append(cp.scalars, ss)
	}
	for _, t := range p.Tables {
		ts := tableSpec{measurement: t.Measurement, indexTag: t.IndexTag, indexField: t.IndexField, duplicateTag: t.DuplicateTag}
		if ts.duplicateTag == "" {
			ts.duplicateTag = "index"
		}
		if k, ok := t.FieldType(t.IndexField); ok {
			ts.indexKind = k
		}
		col := func(oid string) int {
			oid = normalOID(oid)
			if i := slices.Index(ts.columns, oid); i >= 0 {
				return i
			}
			ts.columns = append(ts.columns, oid)
			return len(ts.columns) - 1
		}
		var err error
		if ts.tags, err = compileValues(t.Tags, t.Fallbacks, t.Formats, nil, t.Enums, col); err != nil {
			return compiledProfile{}, err
		}
		if ts.fields, err = compileValues(t.Fields, t.Fallbacks, t.Formats, t.Types, t.Enums, col); err != nil {
			return compiledProfile{}, err
		}
		if err = compileExt(&t, &ts); err != nil {
			return compiledProfile{}, err
		}
		ts.fbOnly = fallbackOnly(&ts)
		ts.indexPos, _ = slices.BinarySearchFunc(ts.fields, ts.indexField, func(v valueSpec, name string) int { return strings.Compare(v.name, name) })
		ts.pool = new(sync.Pool)
		cp.tables = append(cp.tables, ts)
	}
	return cp, nil
}

// fallbackOnly returns which columns of a plain table are only ever a fallback, or nil when
// none is (or the table has derived values, whose columns fetchTable reads).
func fallbackOnly(ts *tableSpec) []bool {
	if ts.ext != nil {
		return nil
	}
	primary := make([]bool, len(ts.columns))
	fb := make([]bool, len(ts.columns))
	for _, vs := range [][]valueSpec{ts.tags, ts.fields} {
		for _, v := range vs {
			primary[v.col] = true
			if v.fallback >= 0 {
				fb[v.fallback] = true
			}
		}
	}
	any := false
	for c := range fb {
		fb[c] = fb[c] && !primary[c]
		any = any || fb[c]
	}
	if !any {
		return nil
	}
	return fb
}

// compileValues compiles one name → OID map; col assigns column numbers. types is nil for
// tags (always strings).
func compileValues(m, fallbacks, formats, types map[string]string, enums map[string]map[int64]string, col func(string) int) ([]valueSpec, error) {
	out := make([]valueSpec, 0, len(m))
	for name, oid := range m {
		f, ok := parseFormat(formats[name])
		if !ok {
			return nil, fmt.Errorf("formats.%s: unknown format %q", name, formats[name])
		}
		vs := valueSpec{name: name, col: col(oid), fallback: -1, format: f, enum: enums[name]}
		if types != nil {
			if k, ok := declaredKind(formats, types, name); ok {
				vs.kind = k
			}
		}
		if fb, ok := fallbacks[name]; ok {
			vs.fallback = col(fb)
		}
		out = append(out, vs)
	}
	slices.SortFunc(out, func(a, b valueSpec) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// cell is one received value; typ 0 (gosnmp.UnknownType) means absent.
type cell struct {
	typ gosnmp.Asn1BER
	val any
}

// tableData holds one walked table: rows in arrival order, columns as in the spec.
type tableData struct {
	ncols   int
	indexes []string       // row index suffix after the column OID, e.g. "5" or "1.4.10.0.0.1"
	rowOf   map[string]int // index → row number
	cells   []cell         // len(indexes) * ncols
}

func newTableData(ncols, rowsHint int) *tableData {
	return &tableData{
		ncols:   ncols,
		indexes: make([]string, 0, rowsHint),
		rowOf:   make(map[string]int, rowsHint),
		cells:   make([]cell, 0, rowsHint*ncols),
	}
}

// set stores one value of column col at row index idx.
func (d *tableData) set(col int, idx string, typ gosnmp.Asn1BER, val any) {
	d.setAt(col, idx, -1, typ, val)
}

// setAt is set with a guess of the row: a multi-column walk reads every column's rows in
// the same order, so a column's n-th value is usually row n, and comparing one index is
// cheaper than hashing it (the map lookup was a twentieth of a fleet poll's CPU).
func (d *tableData) setAt(col int, idx string, guess int, typ gosnmp.Asn1BER, val any) {
	if guess >= 0 && guess < len(d.indexes) && d.indexes[guess] == idx {
		d.cells[guess*d.ncols+col] = cell{typ: typ, val: val}
		return
	}
	r, ok := d.rowOf[idx]
	if !ok {
		r = len(d.indexes)
		d.indexes = append(d.indexes, idx)
		d.rowOf[idx] = r
		d.cells = append(d.cells, make([]cell, d.ncols)...)
	}
	d.cells[r*d.ncols+col] = cell{typ: typ, val: val}
}

// normStats counts what normalization skipped.
type normStats struct {
	dropped   int            // exceptions (noSuchObject, …), unsupported types, empty values
	conflicts []typeConflict // values that do not fit their field's declared type
}

// typeConflict is one received value that cannot be converted exactly into its field's
// declared type (broken firmware: a counter sent as an OctetString "00ff…" or as a negative
// Integer). Only that field is dropped; the session counts it as type_conflict and logs it
// once per field.
type typeConflict struct {
	Field    string
	Want     collector.Kind
	SNMPType gosnmp.Asn1BER
	Value    string // the agent's value as received (text quoted, binary as 0x…)
}

func (st *normStats) conflict(vs *valueSpec, c cell) {
	st.conflicts = append(st.conflicts, typeConflict{Field: vs.name, Want: vs.kind, SNMPType: c.typ, Value: rawValue(c.val)})
}

// rawValue renders a varbind value for a log line.
func rawValue(v any) string {
	switch x := v.(type) {
	case []byte:
		if t := trimNUL(x); printable(t) {
			return strconv.Quote(string(t))
		}
		return "0x" + hex.EncodeToString(x)
	case string:
		return strconv.Quote(x)
	}
	return fmt.Sprint(v)
}

// baseTags returns the tags every point of a session carries: source and the static tags,
// sorted, source winning over a static tag of the same name.
func baseTags(name string, static []collector.Tag) []collector.Tag {
	tags := make([]collector.Tag, 0, len(static)+1)
	tags = append(tags, collector.Tag{Key: "source", Value: name})
	for _, t := range static {
		if t.Key != "source" {
			tags = append(tags, t)
		}
	}
	slices.SortFunc(tags, func(a, b collector.Tag) int { return strings.Compare(a.Key, b.Key) })
	return tags
}

// mergeTags returns base plus extra (extra wins on equal keys), sorted.
func mergeTags(base, extra []collector.Tag) []collector.Tag {
	tags := make([]collector.Tag, 0, len(base)+len(extra))
	for _, b := range base {
		if !slices.ContainsFunc(extra, func(e collector.Tag) bool { return e.Key == b.Key }) {
			tags = append(tags, b)
		}
	}
	tags = append(tags, extra...)
	slices.SortFunc(tags, func(a, b collector.Tag) int { return strings.Compare(a.Key, b.Key) })
	return tags
}

// scalarPoint turns the answers to a scalar group's GET (cells in spec.oids order) into one
// point; ok is false when no field has a value.
func scalarPoint(spec *scalarSpec, cells []cell, base []collector.Tag, ts time.Time, st *normStats) (collector.Point, bool) {
	var extra []collector.Tag
	for i := range spec.tags {
		if f, ok := pickValue(&spec.tags[i], cells, st); ok {
			if v := tagValue(f); v != "" {
				extra = append(extra, collector.Tag{Key: spec.tags[i].name, Value: v})
			}
		}
	}
	fields := make([]collector.Field, 0, len(spec.fields))
	for i := range spec.fields {
		if f, ok := pickValue(&spec.fields[i], cells, st); ok {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return collector.Point{}, false
	}
	return collector.Point{Measurement: spec.measurement, Tags: mergeTags(base, extra), Fields: fields, Time: ts}, true
}

// tablePoints turns a walked table into one point per row, rows sorted by index. Rows whose
// measurement and tags collide with another row's get spec.duplicateTag = row index, so no
// row overwrites another in InfluxDB (fortigate_cluster-60f names all 26 interfaces
// "redacted"; mni_mx-d repeats ifDescr).
func tablePoints(spec *tableSpec, d *tableData, base []collector.Tag, ts time.Time, st *normStats) []collector.Point {
	order := make([]int, len(d.indexes))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareOID(d.indexes[a], d.indexes[b]) })

	points := make([]collector.Point, 0, len(order))
	rowIdx := make([]string, 0, len(order))
	// The rows' tags and fields come out of one allocation each (a poll's points live and
	// die together): per-row slices were a third of a fleet poll's allocations.
	ntags, nfields := len(base)+len(spec.tags)+2, len(spec.fields)+1
	tagSlab := make([]collector.Tag, len(order)*ntags)
	fieldSlab := make([]collector.Field, len(order)*nfields)
	for k, r := range order {
		idx := d.indexes[r]
		cells := d.cells[r*d.ncols : (r+1)*d.ncols]
		tags := rowTags(tagSlab[k*ntags:k*ntags:(k+1)*ntags], base, spec, cells, idx, st)
		if spec.indexTag != "" {
			tags = setTag(tags, spec.indexTag, idx)
		}
		fields := fieldSlab[k*nfields : k*nfields : (k+1)*nfields]
		var index collector.Field // the index field, written in its place among the sorted fields
		hasIndex := false
		if spec.indexField != "" {
			f := indexValue(spec.indexField, idx)
			ok := true
			if spec.indexKind != collector.KindInvalid && f.Kind != spec.indexKind {
				f, ok = coerce(f, cell{typ: gosnmp.ObjectIdentifier, val: idx}, spec.indexKind)
				if !ok {
					st.conflicts = append(st.conflicts, typeConflict{Field: spec.indexField, Want: spec.indexKind, SNMPType: gosnmp.ObjectIdentifier, Value: strconv.Quote(idx)})
				}
			}
			index, hasIndex = f, ok
		}
		for i := range spec.fields {
			if hasIndex && i == spec.indexPos {
				fields, hasIndex = append(fields, index), false
			}
			if f, ok := pickValue(&spec.fields[i], cells, st); ok {
				fields = append(fields, f)
			}
		}
		if hasIndex {
			fields = append(fields, index)
		}
		if len(fields) == 0 {
			st.dropped++ // a point needs a field; nothing to write for this row
			continue
		}
		p := collector.Point{Measurement: spec.measurement, Tags: tags, Fields: fields, Time: ts}
		p.SortTags()
		points = append(points, p)
		rowIdx = append(rowIdx, idx)
	}
	disambiguate(points, rowIdx, spec.duplicateTag)
	return points
}

// tagSetKey appends a map key for a tag set to dst: the tags in the order the point holds
// them, NUL after each key and value (a tag holding NUL could alias another set, but the
// outputs drop such a point as invalid_tag anyway). Callers reuse dst across rows and
// convert it to a string only to store it (a map lookup of string(key) does not allocate).
func tagSetKey(dst []byte, tags []collector.Tag) []byte {
	for _, t := range tags {
		dst = append(dst, t.Key...)
		dst = append(dst, 0)
		dst = append(dst, t.Value...)
		dst = append(dst, 0)
	}
	return dst
}

// disambiguate adds tag key = row index to every row whose tag set is shared with another
// row. All rows of a colliding group get it (not "all but the first"), so which row gets
// which series never depends on walk order.
func disambiguate(points []collector.Point, rowIdx []string, key string) {
	// Every point's key in one string, so the keys cost one allocation, not one each.
	var b []byte
	ends := make([]int, len(points))
	for i := range points {
		b = tagSetKey(b, points[i].Tags)
		ends[i] = len(b)
	}
	all := string(b)
	seen := make(map[string]int, len(points))
	keys := make([]string, len(points))
	start := 0
	for i := range points {
		keys[i] = all[start:ends[i]]
		start = ends[i]
		seen[keys[i]]++
	}
	for i := range points {
		if seen[keys[i]] > 1 {
			points[i].Tags = setTag(points[i].Tags, key, rowIdx[i])
			points[i].SortTags()
		}
	}
}

// rowTags appends base and a table row's tag columns to tags. A tag column the row leaves
// empty takes the row's index: InfluxDB has no empty tag values, and the index keeps the row
// addressable.
func rowTags(tags, base []collector.Tag, spec *tableSpec, cells []cell, idx string, st *normStats) []collector.Tag {
	tags = append(tags, base...)
	for i := range spec.tags {
		v := ""
		if f, ok := pickValue(&spec.tags[i], cells, st); ok {
			v = tagValue(f)
		}
		if v == "" {
			v = idx
		}
		tags = setTag(tags, spec.tags[i].name, v)
	}
	return tags
}

// setTag sets key=value in tags, replacing an existing key (profile tags win over static ones).
func setTag(tags []collector.Tag, key, value string) []collector.Tag {
	for i := range tags {
		if tags[i].Key == key {
			tags[i].Value = value
			return tags
		}
	}
	return append(tags, collector.Tag{Key: key, Value: value})
}

// indexValue is the IndexField: a number for single-arc indexes (ifIndex), else the string.
func indexValue(name, idx string) collector.Field {
	if u, err := strconv.ParseUint(idx, 10, 32); err == nil {
		return collector.Uint(name, u)
	}
	return collector.String(name, idx)
}

// pickValue reads vs from cells, using the fallback column when the first is absent or an
// empty string.
func pickValue(vs *valueSpec, cells []cell, st *normStats) (collector.Field, bool) {
	f, ok := convert(vs, cells[vs.col], st)
	if usable(f, ok) {
		return f, true
	}
	if vs.fallback >= 0 {
		if g, ok2 := convert(vs, cells[vs.fallback], st); ok2 {
			return g, true
		}
	}
	return f, ok
}

// usable reports whether pickValue takes a converted first value as it is (else it tries
// the fallback column).
func usable(f collector.Field, ok bool) bool {
	return ok && !(f.Kind == collector.KindString && f.StringValue() == "")
}

// tagValue renders a field's value as a tag value.
func tagValue(f collector.Field) string {
	switch f.Kind {
	case collector.KindString:
		return f.StringValue()
	case collector.KindInt:
		return strconv.FormatInt(f.IntValue(), 10)
	case collector.KindUint:
		return strconv.FormatUint(f.UintValue(), 10)
	case collector.KindFloat:
		return strconv.FormatFloat(f.FloatValue(), 'g', -1, 64)
	case collector.KindBool:
		return strconv.FormatBool(f.BoolValue())
	}
	return ""
}

// convert turns one received value into a field named vs.name. Absent cells return false
// uncounted; exceptions and empty values are counted in st.dropped; a value that cannot be
// converted exactly into the field's declared type is recorded in st.conflicts.
func convert(vs *valueSpec, c cell, st *normStats) (collector.Field, bool) {
	switch c.typ {
	case gosnmp.UnknownType:
		return collector.Field{}, false
	case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView, gosnmp.Null:
		st.dropped++
		return collector.Field{}, false
	}
	f, ok := convertValue(vs, c)
	if ok && vs.kind != collector.KindInvalid && f.Kind != vs.kind {
		f, ok = coerce(f, c, vs.kind)
	}
	if !ok {
		if vs.kind == collector.KindInvalid || c.val == nil || isEmptyBytes(c.val) {
			st.dropped++ // nothing to write (an interface without a MAC), not a wrong type
		} else {
			st.conflict(vs, c)
		}
	}
	return f, ok
}

func isEmptyBytes(v any) bool {
	b, ok := v.([]byte)
	return ok && len(trimNUL(b)) == 0
}

// coerce converts a field produced by the SNMP type into the declared kind when the
// conversion is exact: an Integer ≥ 0 into uint, a Counter ≤ MaxInt64 into int, a number
// into its decimal string, a decimal text OctetString into a number (never the hex rendering
// of a binary one: 0x1234 is not the number 1234), an integer into float when float64 holds
// it exactly.
func coerce(f collector.Field, c cell, want collector.Kind) (collector.Field, bool) {
	name := f.Key
	switch f.Kind {
	case collector.KindInt:
		i := f.IntValue()
		switch want {
		case collector.KindUint:
			return collector.Uint(name, uint64(i)), i >= 0
		case collector.KindFloat:
			return collector.Float(name, float64(i)), i >= -1<<53 && i <= 1<<53
		case collector.KindString:
			return collector.String(name, strconv.FormatInt(i, 10)), true
		}
	case collector.KindUint:
		u := f.UintValue()
		switch want {
		case collector.KindInt:
			return collector.Int(name, int64(u)), u <= math.MaxInt64
		case collector.KindFloat:
			return collector.Float(name, float64(u)), u <= 1<<53
		case collector.KindString:
			return collector.String(name, strconv.FormatUint(u, 10)), true
		}
	case collector.KindFloat:
		if want == collector.KindString {
			return collector.String(name, strconv.FormatFloat(f.FloatValue(), 'g', -1, 64)), true
		}
	case collector.KindString:
		text := f.StringValue()
		if b, ok := c.val.([]byte); ok {
			t := trimNUL(b)
			if !printable(t) {
				return collector.Field{}, false
			}
			text = string(t)
		}
		return parseText(name, text, want)
	}
	return collector.Field{}, false
}

// parseText reads a decimal (or true/false) text into the declared kind; anything else is
// not an exact conversion.
func parseText(name, text string, want collector.Kind) (collector.Field, bool) {
	switch want {
	case collector.KindUint:
		if isDecimal(text, false) {
			u, err := strconv.ParseUint(text, 10, 64)
			return collector.Uint(name, u), err == nil
		}
	case collector.KindInt:
		if isDecimal(text, false) {
			i, err := strconv.ParseInt(text, 10, 64)
			return collector.Int(name, i), err == nil
		}
	case collector.KindFloat:
		if isDecimal(text, true) {
			v, err := strconv.ParseFloat(text, 64)
			return collector.Float(name, v), err == nil
		}
	case collector.KindBool:
		switch text {
		case "true":
			return collector.Bool(name, true), true
		case "false":
			return collector.Bool(name, false), true
		}
	}
	return collector.Field{}, false
}

// isDecimal: an optional '-' and digits (with one '.' between digits when frac): the text
// firmware writes when it sends a number as an OctetString. Signs, spaces, exponents and
// hex are not accepted, so the conversion is never a guess.
func isDecimal(s string, frac bool) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" || len(s) > 40 {
		return false
	}
	dot := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && frac && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return true
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

func convertValue(vs *valueSpec, c cell) (collector.Field, bool) {
	name := vs.name
	val := c.val
	switch v := val.(type) {
	case []byte:
		switch vs.format {
		case formatMAC:
			if len(v) == 0 {
				return collector.Field{}, false
			}
			return collector.String(name, macString(v)), true
		case formatHex:
			return collector.String(name, hex.EncodeToString(v)), true
		case formatAuto, formatString:
			return collector.String(name, octetString(v)), true
		}
		// A numeric format on an OctetString: firmware that sends a number as text ("1500").
		// Read it when it is a plain decimal; anything else cannot be converted exactly.
		t := trimNUL(v)
		if !printable(t) || !isDecimal(string(t), false) {
			return collector.Field{}, false
		}
		if t[0] == '-' {
			i, err := strconv.ParseInt(string(t), 10, 64)
			if err != nil {
				return collector.Field{}, false
			}
			val = i
		} else {
			u, err := strconv.ParseUint(string(t), 10, 64)
			if err != nil {
				return collector.Field{}, false
			}
			val = u
		}
	case string: // ObjectIdentifier, IPAddress
		return collector.String(name, v), true
	case float32:
		return collector.Float(name, float64(v)), true
	case float64:
		return collector.Float(name, v), true
	case nil:
		return collector.Field{}, false
	}
	i, u, signed, ok := number(val)
	if !ok {
		return collector.Field{}, false
	}
	switch vs.format {
	case formatAuto:
		if c.typ == gosnmp.Integer {
			if !signed {
				return collector.Int(name, int64(u)), u <= math.MaxInt64
			}
			return collector.Int(name, i), true
		}
		if signed {
			return collector.Uint(name, uint64(i)), i >= 0
		}
		return collector.Uint(name, u), true
	case formatUint:
		if signed {
			return collector.Uint(name, uint64(i)), i >= 0
		}
		return collector.Uint(name, u), true
	case formatInt:
		if signed {
			return collector.Int(name, i), true
		}
		return collector.Int(name, int64(u)), u <= math.MaxInt64
	case formatString, formatHex:
		if signed {
			return collector.String(name, strconv.FormatInt(i, 10)), true
		}
		return collector.String(name, strconv.FormatUint(u, 10)), true
	case formatTruthValue:
		n := i
		if !signed {
			n = int64(min(u, 3))
		}
		switch n {
		case 1:
			return collector.Bool(name, true), true
		case 2:
			return collector.Bool(name, false), true
		}
		return collector.Field{}, false
	case formatTimeTicksNs:
		if signed {
			if i < 0 {
				return collector.Field{}, false
			}
			u = uint64(i)
		}
		if u > math.MaxUint64/10_000_000 {
			return collector.Field{}, false
		}
		return collector.Uint(name, u*10_000_000), true
	case formatEnum:
		n := i
		if !signed {
			if u > math.MaxInt64 {
				return collector.String(name, strconv.FormatUint(u, 10)), true
			}
			n = int64(u)
		}
		if s, ok := vs.enum[n]; ok {
			return collector.String(name, s), true
		}
		return collector.String(name, strconv.FormatInt(n, 10)), true
	}
	return collector.Field{}, false
}

// number unpacks the integer types gosnmp decodes into (int for Integer, uint for
// Counter32/Gauge32, uint32 for TimeTicks/Uinteger32, uint64 for Counter64).
func number(v any) (i int64, u uint64, signed, ok bool) {
	switch n := v.(type) {
	case int:
		return int64(n), 0, true, true
	case int64:
		return n, 0, true, true
	case int32:
		return int64(n), 0, true, true
	case uint:
		return 0, uint64(n), false, true
	case uint64:
		return 0, n, false, true
	case uint32:
		return 0, uint64(n), false, true
	}
	return 0, 0, false, false
}

// octetString renders an OctetString: text when printable once trailing NULs are trimmed
// (dnos_z9100-on pads ifAlias with NULs: "\x00\x00" becomes ""), else lowercase hex of all
// bytes (binary values such as a BITS or an anonymised address).
func octetString(b []byte) string {
	if t := trimNUL(b); printable(t) {
		return string(t)
	}
	return hex.EncodeToString(b)
}

// printable reports whether b is valid UTF-8 text without control characters other than
// tab, CR and LF (sysDescr often spans lines).
func printable(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 || !unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return false
		}
		i += size
	}
	return true
}

// macString renders a physical address as colon-separated lowercase hex
// (openconfig yang:mac-address style for 6 bytes; other lengths the same way).
func macString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, len(b)*3)
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, digits[c>>4], digits[c&0xf])
	}
	return string(out)
}

// compareOID compares two dotted numeric OIDs (or OID suffixes) arc by arc, without
// allocating; a leading dot is ignored. Non-digit bytes compare as in a string. Walks call
// it for every varbind and sorts for every row, so it skips the common prefix bytewise and
// only looks at the arcs where the two first differ.
func compareOID(a, b string) int {
	a = strings.TrimPrefix(a, ".")
	b = strings.TrimPrefix(b, ".")
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) && i == len(b) {
		return 0
	}
	// The arcs that differ start after the last dot of the common prefix.
	s := strings.LastIndexByte(a[:i], '.') + 1
	ea := strings.IndexByte(a[s:], '.')
	if ea < 0 {
		ea = len(a) - s
	}
	eb := strings.IndexByte(b[s:], '.')
	if eb < 0 {
		eb = len(b) - s
	}
	if ea > 0 && a[s] == '0' || eb > 0 && b[s] == '0' || emptyArc(a[s:]) || emptyArc(b[s:]) {
		return compareOIDArcs(a[s:], b[s:]) // zeros (leading, or a "0" arc) or empty arcs: arc by arc
	}
	switch {
	case ea != eb:
		if ea < eb {
			return -1
		}
		return 1
	case i < s+ea:
		// Same arc length, different digits at i.
		if a[i] < b[i] {
			return -1
		}
		return 1
	case len(a) < len(b): // equal arcs: the one that ends first
		return -1
	}
	return 1
}

// emptyArc reports an empty arc in s: a leading or trailing dot, or two in a row.
func emptyArc(s string) bool {
	return s != "" && (s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, ".."))
}

// compareOIDArcs is compareOID arc by arc, for arcs with leading zeros.
func compareOIDArcs(a, b string) int {
	for len(a) > 0 && len(b) > 0 {
		ea := strings.IndexByte(a, '.')
		if ea < 0 {
			ea = len(a)
		}
		eb := strings.IndexByte(b, '.')
		if eb < 0 {
			eb = len(b)
		}
		pa, pb := strings.TrimLeft(a[:ea], "0"), strings.TrimLeft(b[:eb], "0")
		if len(pa) != len(pb) {
			if len(pa) < len(pb) {
				return -1
			}
			return 1
		}
		if c := strings.Compare(pa, pb); c != 0 {
			return c
		}
		a, b = a[ea:], b[eb:]
		a, b = strings.TrimPrefix(a, "."), strings.TrimPrefix(b, ".")
	}
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return -1
	}
	return 1
}

package outputs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/netpulse/netpulse/collector"
)

// ReasonTypeConflict counts fields (not points) dropped because their value has another type
// than the one the field is pinned to and cannot be converted exactly (see typeGuard). The
// point's other fields are written; a point left without fields is not. It is a data
// problem (IsDataReason): the device sent a value no server could store in that field.
const ReasonTypeConflict = "type_conflict"

// FieldType is one (measurement, field) and the line-protocol type it has on the server.
type FieldType struct {
	Measurement string
	Field       string
	Kind        collector.Kind
}

// TypeConflict is one field type conflict named in a server's answer: the field was sent as
// Sent but the server holds it as Held.
type TypeConflict struct {
	Measurement string
	Field       string
	Sent, Held  collector.Kind
}

// FieldTypeReader is implemented by Writers whose server keeps field types (InfluxDB: SHOW
// FIELD KEYS). Output reads them before its first write and after every type conflict the
// server reports, and pins them: the server's types win over first-seen ones. An error
// classified Retryable is tried again after the next successful write; any other error
// (the query is not allowed, the database is unknown) is logged once and Output relies on
// the server's write answers instead.
type FieldTypeReader interface {
	FieldTypes(ctx context.Context) ([]FieldType, error)
}

// UintEncoder is implemented by Writers that may send uint64 fields as int64 (servers
// without unsigned support, DESIGN.md §4). Output pins the type that goes on the wire, so it
// must know: UintAsInt may probe the server once.
type UintEncoder interface {
	UintAsInt(ctx context.Context) bool
}

// InfluxTypeName names a Kind as InfluxDB does (SHOW FIELD KEYS, write errors).
func InfluxTypeName(k collector.Kind) string {
	switch k {
	case collector.KindInt:
		return "integer"
	case collector.KindUint:
		return "unsigned"
	case collector.KindFloat:
		return "float"
	case collector.KindBool:
		return "boolean"
	case collector.KindString:
		return "string"
	}
	return "invalid"
}

// ParseInfluxType is the inverse of InfluxTypeName.
func ParseInfluxType(s string) (collector.Kind, bool) {
	switch s {
	case "integer":
		return collector.KindInt, true
	case "unsigned":
		return collector.KindUint, true
	case "float":
		return collector.KindFloat, true
	case "boolean":
		return collector.KindBool, true
	case "string":
		return collector.KindString, true
	}
	return collector.KindInvalid, false
}

// pin is the type a field is held to and where that type came from.
type pin struct {
	kind   collector.Kind
	server bool // read from the server (or named in its answer), not just first seen
	// fromUint: first seen as a uint64 that went out as int64 (no unsigned support). If the
	// writer later learns that the server takes "u" before anything was stored this way,
	// the pin becomes unsigned (see setUintAsInt).
	fromUint bool
}

// measPins holds one measurement's pinned fields, and the field layout (keys and wire
// kinds in order) of the last point that matched its pins: points from one subscription or
// profile repeat it, and comparing against it costs less than a map lookup per field.
type measPins struct {
	fields map[string]pin
	keys   []string
	kinds  []collector.Kind
	gen    uint64 // typeGuard.gen when the layout was recorded
}

// typeGuard keeps every (measurement, field) at one line-protocol type in everything an
// Output writes (DESIGN.md §4 "one type per field"). The first type seen on the wire is
// pinned (after the uint64→int64 edge conversion for servers without unsigned support); the
// server's own types, when it can tell them, replace first-seen pins. A value of another
// type is converted when the conversion is exact (see convert), else only that field is
// dropped and counted (type_conflict), and logged once per (source, measurement, field).
//
// Pins are kept in a small JSON file (path) so that a restart does not flip a type the
// output already wrote; the file is rewritten only when a pin changes.
//
// It runs in the flush goroutine (one batch at a time) under its own mutex. The hot path
// compares a point's field keys and kinds with the last layout that matched its measurement
// (BenchmarkTypeGuardApply: ~10 ns per field); a new layout costs a map lookup per field.
type typeGuard struct {
	mu      sync.Mutex
	path    string // "" keeps pins in memory only
	log     *slog.Logger
	pins    map[string]*measPins
	dirty   bool
	uintInt bool   // uint64 goes out as int64
	gen     uint64 // bumped when an existing pin changes: recorded layouts are stale

	lastName string
	lastMeas *measPins

	logged    map[conflictKey]struct{}
	saveErred bool
}

type conflictKey struct{ source, measurement, field string }

// maxLogged bounds the set of (source, measurement, field) conflicts already logged: past
// it, conflicts are still counted but no longer logged (a fleet of broken agents must not
// grow memory without bound).
const maxLogged = 10000

// typesFileVersion is the version written to and expected in the pins file.
const typesFileVersion = 1

type typesFile struct {
	Version int `json:"version"`
	// Measurements maps measurement → field → InfluxDB type name.
	Measurements map[string]map[string]string `json:"measurements"`
	// Server lists, per measurement, the fields whose type the server told us.
	Server map[string][]string `json:"server,omitempty"`
}

func newTypeGuard(path string, log *slog.Logger) *typeGuard {
	g := &typeGuard{path: path, log: log, pins: map[string]*measPins{}, logged: map[conflictKey]struct{}{}}
	if path == "" {
		return g
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return g
	}
	var f typesFile
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err == nil && f.Version != typesFileVersion {
		err = fmt.Errorf("version %d, want %d", f.Version, typesFileVersion)
	}
	if err != nil {
		// Not fatal: the server's types are read back before the first write anyway.
		log.Warn("ignoring the pinned field types file; types are learned again", "path", path, "err", err)
		return g
	}
	n := 0
	for m, fields := range f.Measurements {
		server := map[string]bool{}
		for _, k := range f.Server[m] {
			server[k] = true
		}
		mp := &measPins{fields: map[string]pin{}}
		for k, t := range fields {
			if kind, ok := ParseInfluxType(t); ok {
				mp.fields[k] = pin{kind: kind, server: server[k]}
				n++
			}
		}
		g.pins[m] = mp
	}
	log.Info("loaded pinned field types", "path", path, "fields", n)
	return g
}

// meas returns m's pins, creating them.
func (g *typeGuard) meas(m string) *measPins {
	if m == g.lastName && g.lastMeas != nil {
		return g.lastMeas
	}
	mp := g.pins[m]
	if mp == nil {
		mp = &measPins{fields: map[string]pin{}}
		g.pins[m] = mp
	}
	g.lastName, g.lastMeas = m, mp
	return mp
}

// setUintAsInt records how uint64 goes on the wire now. The writer changes its mind only
// before anything was stored the old way (outputs/influx keeps int64 for good once a write
// succeeded with it), so first-seen pins follow: a server that refused "u" stored no
// unsigned field, and one that turned out to take "u" stored no counter as int64. Pins
// the server told us about never change here.
func (g *typeGuard) setUintAsInt(v bool) {
	if v == g.uintInt {
		return
	}
	g.uintInt = v
	g.gen++ // wire kinds of recorded layouts changed
	for _, mp := range g.pins {
		for k, p := range mp.fields {
			switch {
			case p.server:
			case v && p.kind == collector.KindUint:
				mp.fields[k] = pin{kind: collector.KindInt, fromUint: true}
				g.dirty = true
			case !v && p.fromUint:
				mp.fields[k] = pin{kind: collector.KindUint}
				g.dirty = true
			}
		}
	}
}

// wire is the type k has on the wire.
func (g *typeGuard) wire(k collector.Kind) collector.Kind {
	if k == collector.KindUint && g.uintInt {
		return collector.KindInt
	}
	return k
}

// apply checks every point of batch against the pins (pinning new fields), converting or
// dropping mismatched fields, and removes points left without fields. It returns the batch
// (same backing array) and the number of fields dropped. Points whose fields change get a
// new Fields slice: the old one may be shared with another Output (Fanout).
func (g *typeGuard) apply(batch []collector.Point) ([]collector.Point, int) {
	dropped := 0
	out := batch[:0]
	for i := range batch {
		_, n, empty := g.fix(&batch[i])
		dropped += n
		if !empty {
			out = append(out, batch[i])
		}
	}
	clear(batch[len(out):])
	return out, dropped
}

// fix checks one point. changed reports whether any field was converted or dropped,
// dropped how many fields were dropped, empty whether none are left.
func (g *typeGuard) fix(p *collector.Point) (changed bool, dropped int, empty bool) {
	mp := g.meas(p.Measurement)
	if mp.gen == g.gen && len(mp.keys) == len(p.Fields) && g.sameLayout(mp, p.Fields) {
		return false, 0, false
	}
	var fields []collector.Field // the new fields, once the first mismatch is seen
	for j, f := range p.Fields {
		wk := g.wire(f.Kind)
		pn, ok := mp.fields[f.Key]
		if !ok {
			pn = pin{kind: wk, fromUint: f.Kind == collector.KindUint && wk == collector.KindInt}
			mp.fields[f.Key] = pn
			g.dirty = true
		}
		if pn.kind == wk {
			if fields != nil {
				fields = append(fields, f)
			}
			continue
		}
		if fields == nil {
			fields = make([]collector.Field, j, len(p.Fields))
			copy(fields, p.Fields[:j])
		}
		// The converted value must also go out as the pinned type: a server that holds an
		// unsigned field while netpulse writes int64 (uint_support: false) cannot be fed.
		if nf, ok := convert(f, pn.kind); ok && g.wire(nf.Kind) == pn.kind {
			fields = append(fields, nf)
			continue
		}
		dropped++
		g.logConflict(p, f, pn)
	}
	if fields == nil {
		// Every field matched its pin: remember the layout for the next point.
		mp.keys, mp.kinds, mp.gen = mp.keys[:0], mp.kinds[:0], g.gen
		for _, f := range p.Fields {
			mp.keys = append(mp.keys, f.Key)
			mp.kinds = append(mp.kinds, g.wire(f.Kind))
		}
		return false, 0, false
	}
	p.Fields = fields
	return true, dropped, len(fields) == 0
}

// sameLayout reports whether fields have mp's recorded keys and wire kinds, in order.
func (g *typeGuard) sameLayout(mp *measPins, fields []collector.Field) bool {
	for j := range fields {
		f := &fields[j]
		if g.wire(f.Kind) != mp.kinds[j] || f.Key != mp.keys[j] {
			return false
		}
	}
	return true
}

func (g *typeGuard) logConflict(p *collector.Point, f collector.Field, pn pin) {
	src, _ := p.Tag("source")
	k := conflictKey{src, p.Measurement, f.Key}
	if _, ok := g.logged[k]; ok || len(g.logged) >= maxLogged {
		return
	}
	g.logged[k] = struct{}{}
	from := "first written type"
	if pn.server {
		from = "type held by the server"
	}
	g.log.Warn("field type conflict: dropping this field (see dropped{reason=type_conflict}); logged once per source and field",
		"source", src, "measurement", p.Measurement, "field", f.Key, "value", f.Format(),
		"value_type", InfluxTypeName(g.wire(f.Kind)), "pinned_type", InfluxTypeName(pn.kind), "pinned_by", from)
}

// learn pins types the server holds; they win over first-seen pins. It reports whether any
// pin changed.
func (g *typeGuard) learn(types []FieldType) bool {
	changed := false
	for _, t := range types {
		mp := g.meas(t.Measurement)
		old, ok := mp.fields[t.Field]
		if ok && old.kind == t.Kind && old.server {
			continue
		}
		if ok && old.kind != t.Kind {
			g.log.Info("server holds a field with another type than first pinned; using the server's",
				"measurement", t.Measurement, "field", t.Field, "was", InfluxTypeName(old.kind), "server", InfluxTypeName(t.Kind))
			g.gen++
		}
		mp.fields[t.Field] = pin{kind: t.Kind, server: true}
		g.dirty = true
		changed = true
	}
	return changed
}

// snapshot returns the pins as FieldTypes (for explain and tests).
func (g *typeGuard) snapshot() []FieldType {
	var out []FieldType
	for m, mp := range g.pins {
		for f, p := range mp.fields {
			out = append(out, FieldType{Measurement: m, Field: f, Kind: p.kind})
		}
	}
	slices.SortFunc(out, func(a, b FieldType) int {
		if a.Measurement != b.Measurement {
			if a.Measurement < b.Measurement {
				return -1
			}
			return 1
		}
		if a.Field < b.Field {
			return -1
		}
		if a.Field > b.Field {
			return 1
		}
		return 0
	})
	return out
}

// save writes the pins when they changed: to a temporary name, fsynced, then renamed, so a
// crash leaves the old file or the new one. A failure is logged once; pins stay in memory.
func (g *typeGuard) save() {
	if !g.dirty || g.path == "" {
		return
	}
	g.dirty = false
	f := typesFile{Version: typesFileVersion, Measurements: map[string]map[string]string{}, Server: map[string][]string{}}
	for m, mp := range g.pins {
		if len(mp.fields) == 0 {
			continue
		}
		fields := make(map[string]string, len(mp.fields))
		for k, p := range mp.fields {
			fields[k] = InfluxTypeName(p.kind)
			if p.server {
				f.Server[m] = append(f.Server[m], k)
			}
		}
		slices.Sort(f.Server[m])
		f.Measurements[m] = fields
	}
	err := writeFileAtomic(g.path, f)
	if err != nil {
		g.dirty = true // try again after the next batch
		if !g.saveErred {
			g.saveErred = true
			g.log.Error("cannot save pinned field types; they are kept in memory (a restart learns them again from the server)", "path", g.path, "err", err)
		}
		return
	}
	g.saveErred = false
}

func writeFileAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	// Not ".tmp": the spool directory treats *.tmp as a crashed segment.
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// convert returns f as a field of kind want when the conversion is exact:
//
//   - int ↔ uint within range (a negative int never becomes unsigned);
//   - int/uint → float when |v| ≤ 2^53, where every integer is a float64 exactly;
//   - float → int/uint when the value is integral and in range (JSON numbers);
//   - a decimal string → int/uint/float ("100" from an agent that sends numbers as text;
//     only plain decimal: no hex, no "NaN"/"Inf", no spaces);
//   - "true"/"false" → bool;
//   - any number or bool → string, formatted as line protocol's reader would parse it back
//     (shortest round-trip form for floats).
//
// Anything else (a fraction into an integer field, text into a number field, …) fails and
// the caller drops the field: a wrong number is worse than a gap.
func convert(f collector.Field, want collector.Kind) (collector.Field, bool) {
	k := f.Key
	switch want {
	case collector.KindInt:
		switch f.Kind {
		case collector.KindInt:
			return f, true
		case collector.KindUint:
			if v := f.UintValue(); v <= math.MaxInt64 {
				return collector.Int(k, int64(v)), true
			}
		case collector.KindFloat:
			// 2^63 itself is not an int64; -2^63 is.
			if v := f.FloatValue(); v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
				return collector.Int(k, int64(v)), true
			}
		case collector.KindString:
			if v, err := strconv.ParseInt(f.StringValue(), 10, 64); err == nil && isDecimal(f.StringValue()) {
				return collector.Int(k, v), true
			}
		}
	case collector.KindUint:
		switch f.Kind {
		case collector.KindUint:
			return f, true
		case collector.KindInt:
			if v := f.IntValue(); v >= 0 {
				return collector.Uint(k, uint64(v)), true
			}
		case collector.KindFloat:
			if v := f.FloatValue(); v == math.Trunc(v) && v >= 0 && v < 1<<64 {
				return collector.Uint(k, uint64(v)), true
			}
		case collector.KindString:
			if v, err := strconv.ParseUint(f.StringValue(), 10, 64); err == nil && isDecimal(f.StringValue()) {
				return collector.Uint(k, v), true
			}
		}
	case collector.KindFloat:
		const exact = 1 << 53
		switch f.Kind {
		case collector.KindFloat:
			return f, true
		case collector.KindInt:
			if v := f.IntValue(); v >= -exact && v <= exact {
				return collector.Float(k, float64(v)), true
			}
		case collector.KindUint:
			if v := f.UintValue(); v <= exact {
				return collector.Float(k, float64(v)), true
			}
		case collector.KindString:
			s := f.StringValue()
			if v, err := strconv.ParseFloat(s, 64); err == nil && isDecimal(s) && !math.IsInf(v, 0) {
				return collector.Float(k, v), true
			}
		}
	case collector.KindBool:
		switch f.Kind {
		case collector.KindBool:
			return f, true
		case collector.KindString:
			switch f.StringValue() {
			case "true":
				return collector.Bool(k, true), true
			case "false":
				return collector.Bool(k, false), true
			}
		}
	case collector.KindString:
		switch f.Kind {
		case collector.KindString:
			return f, true
		case collector.KindInt:
			return collector.String(k, strconv.FormatInt(f.IntValue(), 10)), true
		case collector.KindUint:
			return collector.String(k, strconv.FormatUint(f.UintValue(), 10)), true
		case collector.KindFloat:
			return collector.String(k, strconv.FormatFloat(f.FloatValue(), 'g', -1, 64)), true
		case collector.KindBool:
			return collector.String(k, strconv.FormatBool(f.BoolValue())), true
		}
	}
	return collector.Field{}, false
}

// isDecimal reports whether s is a plain decimal number: an optional sign, digits with at
// most one '.', and an optional exponent. strconv alone would also take "0x1p4", "Inf",
// "NaN" and "1_000", which no device means as a counter value.
func isDecimal(s string) bool {
	s = trimSign(s)
	mant, exp := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mant, exp = s[:i], trimSign(s[i+1:])
		if exp == "" {
			return false
		}
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	return intPart+frac != "" && allDigits(intPart) && allDigits(frac) && allDigits(exp)
}

func trimSign(s string) string {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		return s[1:]
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

package snmp

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
)

// This file holds the derived-value half of table profiles (Table.Index, Columns, Lookups,
// Filter, ComputedTags, ComputedFields, Valid, Every): what device MIBs beyond IF-MIB need
// to be written under OpenConfig names and units. Rows are still pure data in, points out;
// only fetchColumns does I/O, through the walker.

// extSpec is the compiled derived part of a table.
type extSpec struct {
	nslots    int
	colSlots  []colSlot    // Columns: env slot ← spec column
	index     []indexSlot  // Index parts
	indexSlot int          // the whole index string, named "index"
	lookups   []lookupSlot // Lookups, evaluated in this order
	filter    xnode        // nil: every row
	tags      []exprValue
	fields    []exprValue
	every     int
	otherwise bool // read only when the previous table of the profile wrote nothing
}

type colSlot struct{ slot, col int }

type indexSlot struct {
	slot int
	typ  string
}

type lookupSlot struct {
	slot   int
	column string // leading-dot OID
	key    xnode
}

// exprValue is one computed tag or field.
type exprValue struct {
	name  string
	x     xnode
	valid xnode // nil: any finite value
	slot  int   // the "value" slot valid reads
	typ   string
}

// hasExt reports whether t uses derived values.
func hasExt(t *Table) bool {
	return len(t.Index) > 0 || len(t.Columns) > 0 || len(t.Lookups) > 0 || t.Filter != "" ||
		len(t.ComputedTags) > 0 || len(t.ComputedFields) > 0 || t.Every > 1 || t.Otherwise
}

// compileExt compiles t's derived values into ts (whose columns it extends).
func compileExt(t *Table, ts *tableSpec) error {
	if !hasExt(t) {
		return nil
	}
	x := &extSpec{every: t.Every, otherwise: t.Otherwise}
	scope := &exprScope{names: map[string]int{}}
	add := func(name string) (int, error) {
		if _, dup := scope.names[name]; dup {
			return 0, fmt.Errorf("name %s is declared twice (columns, index and lookups share one namespace)", name)
		}
		scope.names[name] = x.nslots
		x.nslots++
		return x.nslots - 1, nil
	}
	x.indexSlot, _ = add("index")
	for _, name := range sortedKeys(t.Columns) {
		if err := checkOID(t.Columns[name]); err != nil {
			return fmt.Errorf("columns.%s: %w", name, err)
		}
		oid := normalOID(t.Columns[name])
		col := slices.Index(ts.columns, oid)
		if col < 0 {
			ts.columns = append(ts.columns, oid)
			col = len(ts.columns) - 1
		}
		slot, err := add(name)
		if err != nil {
			return fmt.Errorf("columns.%s: %w", name, err)
		}
		x.colSlots = append(x.colSlots, colSlot{slot: slot, col: col})
	}
	for i, p := range t.Index {
		switch p.Type {
		case "int", "ipv4", "mac", "string", "inet", "implied", "rest":
		default:
			return fmt.Errorf("index[%d].type %q: use int, ipv4, mac, string, inet, implied or rest", i, p.Type)
		}
		if p.Name == "" {
			return fmt.Errorf("index[%d].name is empty", i)
		}
		slot, err := add(p.Name)
		if err != nil {
			return fmt.Errorf("index[%d]: %w", i, err)
		}
		x.index = append(x.index, indexSlot{slot: slot, typ: p.Type})
	}
	// Lookup keys may use columns and index parts; names are added first so a key may also
	// use a lookup declared before it in sorted order.
	for _, name := range sortedKeys(t.Lookups) {
		l := t.Lookups[name]
		if err := checkOID(l.Column); err != nil {
			return fmt.Errorf("lookups.%s.column: %w", name, err)
		}
		key, err := compileExpr(l.Key, scope)
		if err != nil {
			return fmt.Errorf("lookups.%s.key: %w", name, err)
		}
		slot, err := add(name)
		if err != nil {
			return fmt.Errorf("lookups.%s: %w", name, err)
		}
		x.lookups = append(x.lookups, lookupSlot{slot: slot, column: normalOID(l.Column), key: key})
	}
	if t.Filter != "" {
		f, err := compileExpr(t.Filter, scope)
		if err != nil {
			return fmt.Errorf("filter: %w", err)
		}
		x.filter = f
	}
	for _, name := range sortedKeys(t.ComputedTags) {
		if name == "source" {
			return fmt.Errorf("computed_tags.source: the name source is reserved (the target's name)")
		}
		n, err := compileExpr(t.ComputedTags[name], scope)
		if err != nil {
			return fmt.Errorf("computed_tags.%s: %w", name, err)
		}
		x.tags = append(x.tags, exprValue{name: name, x: n})
	}
	valueSlot, _ := add("value")
	for _, name := range sortedKeys(t.ComputedFields) {
		if _, dup := t.Fields[name]; dup {
			return fmt.Errorf("computed_fields.%s: also under fields: rename one", name)
		}
		n, err := compileExpr(t.ComputedFields[name], scope)
		if err != nil {
			return fmt.Errorf("computed_fields.%s: %w", name, err)
		}
		ev := exprValue{name: name, x: n, slot: valueSlot, typ: t.Types[name]}
		switch ev.typ {
		case "", "float", "int", "uint", "string", "bool":
		default:
			return fmt.Errorf("types.%s %q: use uint, int, float, bool or string", name, ev.typ)
		}
		if src, ok := t.Valid[name]; ok {
			v, err := compileExpr(src, scope)
			if err != nil {
				return fmt.Errorf("valid.%s: %w", name, err)
			}
			ev.valid = v
		}
		x.fields = append(x.fields, ev)
	}
	for name := range t.Valid {
		if _, ok := t.ComputedFields[name]; !ok {
			return fmt.Errorf("valid.%s: no computed field of that name", name)
		}
	}
	if t.Every < 0 {
		return fmt.Errorf("every %d is negative", t.Every)
	}
	ts.ext = x
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// cellVal turns a received value into an expression value: numbers as numbers, octet
// strings as text (or hex when binary, as octetString does), OIDs and IpAddresses as text.
func cellVal(c cell) xval {
	switch c.typ {
	case gosnmp.UnknownType, gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView, gosnmp.Null:
		return xval{}
	}
	switch v := c.val.(type) {
	case []byte:
		return xval{kind: xStr, raw: true, str: string(v)}
	case string:
		return xstr(strings.TrimPrefix(v, "."))
	case float32:
		return xnum(float64(v))
	case float64:
		return xnum(v)
	}
	if i, u, signed, ok := number(c.val); ok {
		if signed {
			return xnum(float64(i))
		}
		return xnum(float64(u))
	}
	return xval{}
}

// decodeIndex splits idx (dotted arcs) into parts; ok is false when idx does not have the
// declared shape.
func decodeIndex(parts []indexSlot, idx string, e env) bool {
	arcs := strings.Split(idx, ".")
	take := func(n int) ([]string, bool) {
		if n > len(arcs) {
			return nil, false
		}
		a := arcs[:n]
		arcs = arcs[n:]
		return a, true
	}
	for _, p := range parts {
		switch p.typ {
		case "int":
			a, ok := take(1)
			if !ok {
				return false
			}
			n, err := strconv.ParseUint(a[0], 10, 64)
			if err != nil {
				return false
			}
			e[p.slot] = xnum(float64(n))
		case "ipv4":
			a, ok := take(4)
			if !ok {
				return false
			}
			e[p.slot] = xstr(strings.Join(a, "."))
		case "mac":
			a, ok := take(6)
			if !ok {
				return false
			}
			b, ok := arcBytes(a)
			if !ok {
				return false
			}
			e[p.slot] = xstr(macString(b))
		case "string", "inet":
			a, ok := take(1)
			if !ok {
				return false
			}
			n, err := strconv.Atoi(a[0])
			if err != nil {
				return false
			}
			a, ok = take(n)
			if !ok {
				return false
			}
			b, ok := arcBytes(a)
			if !ok {
				return false
			}
			if p.typ == "inet" {
				e[p.slot] = xstr(ipText(string(b)))
			} else {
				e[p.slot] = xstr(octetString(b))
			}
		case "implied":
			b, ok := arcBytes(arcs)
			if !ok {
				return false
			}
			arcs = nil
			e[p.slot] = xstr(octetString(b))
		case "rest":
			e[p.slot] = xstr(strings.Join(arcs, "."))
			arcs = nil
		}
	}
	return true
}

func arcBytes(arcs []string) ([]byte, bool) {
	b := make([]byte, len(arcs))
	for i, a := range arcs {
		n, err := strconv.ParseUint(a, 10, 8)
		if err != nil {
			return nil, false
		}
		b[i] = byte(n)
	}
	return b, true
}

// ipText renders a 4- or 16-byte address as text (IPv6 in RFC 5952 form); other lengths
// (an InetAddress of type dns, say) as the octet string.
func ipText(s string) string {
	if a, ok := netip.AddrFromSlice([]byte(s)); ok {
		return a.Unmap().String()
	}
	return octetString([]byte(s))
}

// lookupTables holds the columns Lookups read: column OID → index → value.
type lookupTables map[string]map[string]cell

// extTablePoints is tablePoints for a table with derived values.
func extTablePoints(spec *tableSpec, d *tableData, lk lookupTables, base []collector.Tag, ts time.Time, st *normStats) []collector.Point {
	x := spec.ext
	order := make([]int, len(d.indexes))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareOID(d.indexes[a], d.indexes[b]) })
	e := make(env, x.nslots)
	points := make([]collector.Point, 0, len(order))
	rowIdx := make([]string, 0, len(order))
	for _, r := range order {
		idx := d.indexes[r]
		cells := d.cells[r*d.ncols : (r+1)*d.ncols]
		clear(e)
		e[x.indexSlot] = xstr(idx)
		for _, c := range x.colSlots {
			e[c.slot] = cellVal(cells[c.col])
		}
		if !decodeIndex(x.index, idx, e) {
			st.dropped++ // a row whose index has not the MIB's shape
			continue
		}
		for _, l := range x.lookups {
			k := l.key.eval(e)
			if k.kind == xMissing {
				continue
			}
			if c, ok := lk[l.column][k.String()]; ok {
				e[l.slot] = cellVal(c)
			}
		}
		if x.filter != nil && !x.filter.eval(e).truthy() {
			continue
		}
		tags := make([]collector.Tag, 0, len(base)+len(spec.tags)+len(x.tags)+1)
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
		for _, t := range x.tags {
			v := t.x.eval(e).String()
			if v == "" {
				v = idx // InfluxDB has no empty tag values; the index keeps the row addressable
			}
			tags = setTag(tags, t.name, v)
		}
		if spec.indexTag != "" {
			tags = setTag(tags, spec.indexTag, idx)
		}
		fields := make([]collector.Field, 0, len(spec.fields)+len(x.fields)+1)
		if spec.indexField != "" {
			fields = append(fields, indexValue(spec.indexField, idx))
		}
		for i := range spec.fields {
			// An empty string is no value here (inventory columns a device leaves blank).
			if f, ok := pickValue(&spec.fields[i], cells, st); ok && !(f.Kind == collector.KindString && f.StringValue() == "") {
				fields = append(fields, f)
			}
		}
		for i := range x.fields {
			if f, ok := computeField(&x.fields[i], e, st); ok {
				fields = append(fields, f)
			}
		}
		if len(fields) == 0 {
			continue // every value absent or skipped (and counted): nothing to write
		}
		slices.SortFunc(fields, func(a, b collector.Field) int { return strings.Compare(a.Key, b.Key) })
		p := collector.Point{Measurement: spec.measurement, Tags: tags, Fields: fields, Time: ts}
		p.SortTags()
		points = append(points, p)
		rowIdx = append(rowIdx, idx)
	}
	disambiguate(points, rowIdx, spec.duplicateTag)
	return points
}

// computeField evaluates one computed field; a missing value is no field, a value that is
// not finite or fails its valid check is no field and is counted in st.dropped.
func computeField(ev *exprValue, e env, st *normStats) (collector.Field, bool) {
	v := ev.x.eval(e)
	if v.kind == xMissing {
		return collector.Field{}, false
	}
	if v.kind == xNum && (math.IsNaN(v.num) || math.IsInf(v.num, 0)) {
		st.dropped++
		return collector.Field{}, false
	}
	if ev.valid != nil {
		e[ev.slot] = v
		ok := ev.valid.eval(e).truthy()
		e[ev.slot] = xval{}
		if !ok {
			st.dropped++
			return collector.Field{}, false
		}
	}
	switch ev.typ {
	case "string":
		if v.String() == "" {
			return collector.Field{}, false // blank inventory columns are no value
		}
		return collector.String(ev.name, v.String()), true
	case "bool":
		return collector.Bool(ev.name, v.truthy()), true
	}
	f, ok := v.asNum()
	if !ok {
		if ev.typ == "" {
			return collector.String(ev.name, v.String()), true
		}
		st.dropped++
		return collector.Field{}, false
	}
	switch ev.typ {
	case "uint":
		if f < 0 || f >= math.MaxUint64 {
			st.dropped++
			return collector.Field{}, false
		}
		return collector.Uint(ev.name, uint64(math.Round(f))), true
	case "int":
		if f <= math.MinInt64 || f >= math.MaxInt64 {
			st.dropped++
			return collector.Field{}, false
		}
		return collector.Int(ev.name, int64(math.Round(f))), true
	}
	return collector.Float(ev.name, f), true
}

// columnCache holds the columns walked during one poll, so tables sharing columns (one per
// sensor class over entPhySensorTable) walk each once.
type columnCache map[string]*columnData

type columnData struct {
	indexes []string
	cells   map[string]cell
}

// fetchTable returns spec's rows, walking only the columns not yet in cache, and the
// lookup columns its Lookups read.
func fetchTable(ctx context.Context, w *walker, cache columnCache, spec *tableSpec, rowsHint int) (*tableData, lookupTables, error) {
	if err := fetchColumns(ctx, w, cache, spec.columns, rowsHint); err != nil {
		return nil, nil, err
	}
	var lk lookupTables
	if spec.ext != nil && len(spec.ext.lookups) > 0 {
		cols := make([]string, 0, len(spec.ext.lookups))
		for _, l := range spec.ext.lookups {
			cols = append(cols, l.column)
		}
		if err := fetchColumns(ctx, w, cache, cols, rowsHint); err != nil {
			return nil, nil, err
		}
		lk = make(lookupTables, len(cols))
		for _, c := range cols {
			lk[c] = cache[c].cells
		}
	}
	d := newTableData(len(spec.columns), rowsHint)
	for c, oid := range spec.columns {
		cd := cache[oid]
		for _, idx := range cd.indexes {
			v := cd.cells[idx]
			d.set(c, idx, v.typ, v.val)
		}
	}
	return d, lk, nil
}

// fetchColumns walks the columns of cols that cache lacks, together (one multi-column walk).
func fetchColumns(ctx context.Context, w *walker, cache columnCache, cols []string, rowsHint int) error {
	var missing []string
	for _, c := range cols {
		if _, ok := cache[c]; !ok && !slices.Contains(missing, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	d, err := w.walkTable(ctx, &tableSpec{columns: missing}, rowsHint)
	if err != nil {
		return err
	}
	for c, oid := range missing {
		cd := &columnData{cells: make(map[string]cell, len(d.indexes))}
		for r, idx := range d.indexes {
			if v := d.cells[r*d.ncols+c]; v.typ != gosnmp.UnknownType {
				cd.indexes = append(cd.indexes, idx)
				cd.cells[idx] = v
			}
		}
		cache[oid] = cd
	}
	return nil
}

// pollDerived reads one table with derived values (unless Every skips it this poll).
// prevPoints is the number of points the previous table of the profile wrote (for
// Otherwise).
func (s *Session) pollDerived(ctx context.Context, w *walker, cache columnCache, spec *tableSpec, hint *int, start time.Time, prevPoints int, st *normStats) ([]collector.Point, error) {
	if e := spec.ext.every; e > 1 && (s.polls-1)%e != 0 {
		return nil, nil
	}
	if spec.ext.otherwise && prevPoints > 0 {
		return nil, nil
	}
	d, lk, err := fetchTable(ctx, w, cache, spec, *hint)
	if err != nil {
		return nil, err
	}
	*hint = len(d.indexes)
	return extTablePoints(spec, d, lk, s.base, start, st), nil
}

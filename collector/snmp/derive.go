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
	vars      []varSlot    // Vars, evaluated in this order
	filter    xnode        // nil: every row
	tags      []exprValue
	fields    []exprValue
	every     int
	otherwise bool // read only when the previous table of the profile wrote nothing
}

type colSlot struct{ slot, col int }

type varSlot struct {
	slot int
	x    xnode
}

type indexSlot struct {
	slot int
	typ  string
}

type lookupSlot struct {
	name   string
	slot   int
	column string // leading-dot OID
	key    xnode
	stage  int // fetched after the lookups of lower stages (its key may use them)
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
	return len(t.Index) > 0 || len(t.Columns) > 0 || len(t.Lookups) > 0 || len(t.Vars) > 0 || t.Filter != "" ||
		len(t.ComputedTags) > 0 || len(t.ComputedFields) > 0 || t.Every > 1 || t.Otherwise
}

// validateDerived checks t's derived values (expressions, index parts, lookups) so that a
// config with a bad expression is refused when it is loaded, not when the session starts.
func validateDerived(t *Table) error {
	ts := tableSpec{}
	return compileExt(t, &ts)
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
	// Lookup keys may use columns, index parts and other lookups. Each lookup gets a stage:
	// 0 when its key needs no lookup, else one more than the lookups it needs; the lookups of
	// one stage are fetched together (fetchTable).
	pendingL := sortedKeys(t.Lookups)
	for stage := 0; len(pendingL) > 0; stage++ {
		var next []string
		var firstErr error
		var added []lookupSlot
		for _, name := range pendingL {
			l := t.Lookups[name]
			if err := checkOID(l.Column); err != nil {
				return fmt.Errorf("lookups.%s.column: %w", name, err)
			}
			key, err := compileExpr(l.Key, scope)
			if err != nil {
				next = append(next, name)
				if firstErr == nil {
					firstErr = fmt.Errorf("lookups.%s.key: %w", name, err)
				}
				continue
			}
			added = append(added, lookupSlot{name: name, column: normalOID(l.Column), key: key, stage: stage})
		}
		if len(added) == 0 {
			return firstErr // an unknown name or a cycle
		}
		// Names become visible to the next stage only.
		for _, l := range added {
			slot, err := add(l.name)
			if err != nil {
				return fmt.Errorf("lookups.%s: %w", l.name, err)
			}
			l.slot = slot
			x.lookups = append(x.lookups, l)
		}
		pendingL = next
	}
	// Vars in dependency order: each pass compiles those whose names are all known.
	pending := sortedKeys(t.Vars)
	for len(pending) > 0 {
		var next []string
		var firstErr error
		for _, name := range pending {
			n, err := compileExpr(t.Vars[name], scope)
			if err != nil {
				next = append(next, name)
				if firstErr == nil {
					firstErr = fmt.Errorf("vars.%s: %w", name, err)
				}
				continue
			}
			slot, err := add(name)
			if err != nil {
				return fmt.Errorf("vars.%s: %w", name, err)
			}
			x.vars = append(x.vars, varSlot{slot: slot, x: n})
		}
		if len(next) == len(pending) {
			return firstErr // no progress: an unknown name or a cycle
		}
		pending = next
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
	// strings.Split without its slice per row: most indexes have a few arcs.
	var buf [16]string
	arcs := buf[:0]
	for s := idx; ; {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			arcs = append(arcs, s)
			break
		}
		arcs = append(arcs, s[:i])
		s = s[i+1:]
	}
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
	// One allocation each for the rows' tags and fields, as in tablePoints.
	ntags, nfields := len(base)+len(spec.tags)+len(x.tags)+1, len(spec.fields)+len(x.fields)+1
	tagSlab := make([]collector.Tag, len(order)*ntags)
	fieldSlab := make([]collector.Field, len(order)*nfields)
	for k, r := range order {
		idx := d.indexes[r]
		cells := d.cells[r*d.ncols : (r+1)*d.ncols]
		if !rowEnv(x, d, r, e, lk, math.MaxInt) {
			st.dropped++ // a row whose index has not the MIB's shape
			continue
		}
		for _, v := range x.vars {
			e[v.slot] = v.x.eval(e)
		}
		if x.filter != nil && !x.filter.eval(e).truthy() {
			continue
		}
		tags := rowTags(tagSlab[k*ntags:k*ntags:(k+1)*ntags], base, spec, cells, idx, st)
		for _, t := range x.tags {
			xv := t.x.eval(e)
			if xv.kind == xMissing {
				continue // no such key on this row (channel_index of a temperature)
			}
			v := xv.String()
			if v == "" {
				v = idx // InfluxDB has no empty tag values; the index keeps the row addressable
			}
			tags = setTag(tags, t.name, v)
		}
		if spec.indexTag != "" {
			tags = setTag(tags, spec.indexTag, idx)
		}
		fields := fieldSlab[k*nfields : k*nfields : (k+1)*nfields]
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
	return mergeRows(points, rowIdx, spec.duplicateTag)
}

// mergeRows joins rows whose tags are equal and whose fields differ into one point (an
// optic's Rx and Tx sensors are two rows but one transceiver channel, which a gNMI device
// sends as one point); rows that would overwrite each other's fields get the duplicate tag
// instead (disambiguate).
func mergeRows(points []collector.Point, rowIdx []string, dupTag string) []collector.Point {
	var b []byte
	first := map[string]int{} // tag set → position in out
	out := points[:0]
	outIdx := rowIdx[:0]
	var clash []int // positions in out of groups with a field clash
	for i := range points {
		b = tagSetKey(b[:0], points[i].Tags)
		j, seen := first[string(b)]
		if seen && !slices.ContainsFunc(points[i].Fields, func(f collector.Field) bool {
			return slices.ContainsFunc(out[j].Fields, func(g collector.Field) bool { return g.Key == f.Key })
		}) {
			out[j].Fields = append(out[j].Fields, points[i].Fields...)
			slices.SortFunc(out[j].Fields, func(a, b collector.Field) int { return strings.Compare(a.Key, b.Key) })
			continue
		}
		if seen {
			clash = append(clash, j)
		} else {
			first[string(b)] = len(out)
		}
		out = append(out, points[i])
		outIdx = append(outIdx, rowIdx[i])
	}
	if len(clash) > 0 {
		disambiguate(out, outIdx, dupTag)
	}
	return out
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

// columnCache holds the columns read during one poll, so tables sharing columns (the
// entity names several sensor tables look up) read each once.
type columnCache map[string]*columnData

type columnData struct {
	indexes  []string
	cells    map[string]cell
	complete bool                // walked; else only the instances in asked were fetched
	asked    map[string]struct{} // instances fetched by GET (absent ones too)
	seeded   bool                // kept from earlier polls (meta.go), not read in this one
	missed   bool                // seeded, and a lookup asked for an instance it lacked
}

// lookupGetMax is the largest number of instances a lookup fetches with GETs (in batches of
// lookupGetBatch) rather than by walking the whole column: two CPUs' entPhysicalName cost
// one GET, not a walk of a 300-row entPhysicalTable. Small batches keep each answer well
// inside an agent's message size.
const (
	lookupGetMax   = 48
	lookupGetBatch = 16
)

// rowEnv fills e with row r's columns, index parts and the lookups of stages below upTo
// (from lk); ok is false when the index has not the declared shape.
func rowEnv(x *extSpec, d *tableData, r int, e env, lk lookupTables, upTo int) bool {
	idx := d.indexes[r]
	cells := d.cells[r*d.ncols : (r+1)*d.ncols]
	clear(e)
	e[x.indexSlot] = xstr(idx)
	for _, c := range x.colSlots {
		e[c.slot] = cellVal(cells[c.col])
	}
	if !decodeIndex(x.index, idx, e) {
		return false
	}
	for _, l := range x.lookups {
		if l.stage >= upTo {
			break
		}
		k := l.key.eval(e)
		if k.kind == xMissing {
			continue
		}
		if c, ok := lk[l.column][k.String()]; ok {
			e[l.slot] = cellVal(c)
		}
	}
	return true
}

// fetchTable returns spec's rows, walking only the columns not yet in cache, and the
// lookup values its rows need: per stage, the keys are computed for every row, and each
// lookup column is read with GETs when few instances are missing, else walked (the
// stage's walks together).
func fetchTable(ctx context.Context, w *walker, cache columnCache, plans planFor, spec *tableSpec, rowsHint int) (*tableData, lookupTables, error) {
	if err := fetchColumns(ctx, w, cache, plans, spec.columns, rowsHint); err != nil {
		return nil, nil, err
	}
	d := spec.newData(rowsHint)
	for c, oid := range spec.columns {
		cd := cache[oid]
		for _, idx := range cd.indexes {
			v := cd.cells[idx]
			d.set(c, idx, v.typ, v.val)
		}
	}
	x := spec.ext
	if x == nil || len(x.lookups) == 0 || len(d.indexes) == 0 {
		return d, nil, nil // no rows: nothing to look up
	}
	lk := make(lookupTables, len(x.lookups))
	e := make(env, x.nslots)
	for stage := 0; ; stage++ {
		keys := map[string]map[string]struct{}{} // column → instances
		any := false
		for _, l := range x.lookups {
			if l.stage == stage {
				any = true
				if keys[l.column] == nil {
					keys[l.column] = map[string]struct{}{}
				}
			}
		}
		if !any {
			break
		}
		for r := range d.indexes {
			if !rowEnv(x, d, r, e, lk, stage) {
				continue
			}
			for _, l := range x.lookups {
				if l.stage != stage {
					continue
				}
				// A key that is no OID instance ("Ethernet1") names no row of any column.
				if k := l.key.eval(e); k.kind != xMissing && checkOID(k.String()) == nil {
					keys[l.column][k.String()] = struct{}{}
				}
			}
		}
		var walk []string
		for col, ks := range keys {
			cd := cache[col]
			if cd != nil && cd.complete {
				continue
			}
			var missing []string
			for k := range ks {
				if cd == nil {
					missing = append(missing, k)
				} else if _, ok := cd.asked[k]; !ok {
					missing = append(missing, k)
				}
			}
			if cd != nil && cd.seeded && len(missing) > 0 {
				cd.missed = true // the entity table changed: read it afresh next poll (meta.go)
			}
			if len(missing) > lookupGetMax {
				walk = append(walk, col)
				continue
			}
			if err := getInstances(ctx, w, cache, col, missing); err != nil {
				return nil, nil, err
			}
		}
		slices.Sort(walk) // deterministic request order
		if err := walkColumns(ctx, w, cache, plans, walk, rowsHint); err != nil {
			return nil, nil, err
		}
		for col := range keys {
			lk[col] = cache[col].cells
		}
	}
	return d, lk, nil
}

// getInstances GETs col.instance for each instance (sorted, in small batches) into cache.
func getInstances(ctx context.Context, w *walker, cache columnCache, col string, instances []string) error {
	cd := cache[col]
	if cd == nil {
		cd = &columnData{cells: map[string]cell{}, asked: map[string]struct{}{}}
		cache[col] = cd
	}
	slices.SortFunc(instances, compareOID)
	for len(instances) > 0 {
		n := min(len(instances), lookupGetBatch)
		oids := make([]string, n)
		for i, k := range instances[:n] {
			oids[i] = col + "." + k
		}
		cells, err := w.getScalars(ctx, oids)
		if err != nil {
			return err
		}
		for i, k := range instances[:n] {
			cd.asked[k] = struct{}{}
			switch cells[i].typ {
			case gosnmp.UnknownType, gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView, gosnmp.Null:
				continue
			}
			cd.indexes = append(cd.indexes, k)
			cd.cells[k] = cells[i]
		}
		instances = instances[n:]
	}
	return nil
}

// fetchColumns walks the columns of cols that cache lacks (or has only partly, from GETs).
func fetchColumns(ctx context.Context, w *walker, cache columnCache, plans planFor, cols []string, rowsHint int) error {
	var missing []string
	for _, c := range cols {
		if cd, ok := cache[c]; (!ok || !cd.complete) && !slices.Contains(missing, c) {
			missing = append(missing, c)
		}
	}
	return walkColumns(ctx, w, cache, plans, missing, rowsHint)
}

// planFor returns the walk plan (walk.go) kept for a set of columns across polls.
type planFor func(cols []string) *tablePlan

// plan is the Session's planFor: plans by column set, kept while the session lives.
func (s *Session) plan(cols []string) *tablePlan {
	if s.derivedPlans == nil {
		s.derivedPlans = map[string]*tablePlan{}
	}
	k := strings.Join(cols, " ")
	p := s.derivedPlans[k]
	if p == nil {
		p = &tablePlan{}
		s.derivedPlans[k] = p
	}
	return p
}

// walkColumns walks cols together (one multi-column walk) into cache.
func walkColumns(ctx context.Context, w *walker, cache columnCache, plans planFor, cols []string, rowsHint int) error {
	if len(cols) == 0 {
		return nil
	}
	d, err := w.walkTable(ctx, &tableSpec{columns: cols}, rowsHint, plans(cols))
	if err != nil {
		return err
	}
	for c, oid := range cols {
		cd := &columnData{cells: make(map[string]cell, len(d.indexes)), complete: true}
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
	if e := spec.ext.every; e > 1 && s.polls > 1 && (s.polls-1+s.phase)%e != 0 {
		return nil, nil // the first poll reads it; then every e-th at the target's phase
	}
	if spec.ext.otherwise && prevPoints > 0 {
		return nil, nil
	}
	d, lk, err := fetchTable(ctx, w, cache, s.plan, spec, *hint)
	if err != nil {
		return nil, err
	}
	*hint = len(d.indexes)
	points := extTablePoints(spec, d, lk, s.base, start, st)
	spec.release(d)
	return points, nil
}

package snmp

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// The entity names sensor tables look up. An ENTITY-SENSOR table names each reading after
// its entPhysicalEntry (entPhysicalName, entPhysicalDescr, and the parent's through
// entPhysicalContainedIn: Lookups in profiles_generic.go), and reading those by GET was five
// of the 32 requests of a simulated 48-interface poll. They describe hardware, which changes
// when hardware is swapped, not between polls, and ENTITY-MIB says when it does:
// entLastChangeTime is "the value of sysUpTime at the time a conceptual row is created,
// modified, or deleted in any of these tables: entPhysicalTable, …" (RFC 6933 §4, the
// entGeneral group). LibreNMS reads the names at discovery only, every six hours.
//
// So a session keeps the entPhysicalTable values its lookups read (metaCache) and reuses
// them while all of these hold, reading them afresh otherwise:
//   - entLastChangeTime.0 is what it was when they were read (an agent without it answers
//     noSuchObject, every poll alike, and relies on the other rules);
//   - sysUpTime.0 did not go back (the agent restarted, perhaps with other hardware, and
//     entLastChangeTime restarted from zero);
//   - fewer than metaRefreshEvery polls used them since they were read;
//   - no lookup asked for an entity they do not hold (a new sensor row: its names are read
//     in that poll, and every cached value in the next).
// The two signals ride on a GET the poll makes anyway (profile matching's sysUpTime, the
// first scalar group: system), or cost one GET before the first table that uses the cache.
// Sensor readings, oper status and every other column are read every poll as before.

// metaRefreshEvery is how many polls cached entity names are used at most before they are
// read again: 20 minutes at the default 60 s interval for an agent without
// entLastChangeTime, as long as a degraded walk plan waits before its re-probe.
const metaRefreshEvery = reprobeEvery

// oidEntLastChangeTime is ENTITY-MIB::entLastChangeTime.0 (RFC 6933).
const oidEntLastChangeTime = ".1.3.6.1.2.1.47.1.4.1.0"

// metaSignals are the OIDs that tell whether cached entity values are still good.
var metaSignals = [...]string{oidSysUpTime, oidEntLastChangeTime}

// metaColumn reports whether a lookup column is one metaCache keeps: entPhysicalTable's.
func metaColumn(col string) bool {
	return strings.HasPrefix(col, "."+oidEntPhysicalEntry+".")
}

// metaCache is what a session keeps of the entPhysicalTable columns its lookups read. The
// values live in one byte slice and a pointer-free index, so the garbage collector never
// scans them: kept as columnData maps they were 40 KiB per simulated device, and the GC's
// work over 2,000 sessions' maps ate the CPU the saved requests had saved.
type metaCache struct {
	data    []byte      // instance and value of every entry, back to back
	entries []metaEntry // nil: nothing kept
	polls   int         // polls that used the entries since they were read
	phase   int         // the session's spreadPhase: the first read counts as this many polls
	started bool        // the entries were read once (the next reads start from 0)
	change  cell        // entLastChangeTime when last seen
	upTime  uint64      // sysUpTime when last seen (hundredths of a second)
	haveUp  bool

	// Per poll.
	pending bool // the signals are still to be read in this poll
	checked bool // they were read in this poll
}

// metaEntry is one kept instance of a column: its instance (the lookup key) and value in
// metaCache.data from off on.
type metaEntry struct {
	off    uint32
	keyLen uint16
	valLen uint16
	col    uint8          // index into the session's metaCols
	typ    gosnmp.Asn1BER // 0: asked for, and the agent has none
	kind   metaKind       // the Go type of the value (gosnmp's, for cellVal and convert)
}

// metaKind is the Go type a kept value had.
type metaKind uint8

const (
	metaNil metaKind = iota
	metaBytes
	metaString
	metaInt
	metaUint
	metaUint32
	metaUint64
)

// beginPoll readies the cache for a poll: use says whether the session has lookups of
// entPhysicalTable columns (and keeps them across polls).
func (m *metaCache) beginPoll(use bool) {
	m.pending, m.checked = use, false
}

// withSignals returns oids plus the signals it lacks when they are still to be read in
// this poll (the caller then hands the answer to took), else oids unchanged and false.
func (m *metaCache) withSignals(oids []string) ([]string, bool) {
	if !m.pending {
		return oids, false
	}
	out := oids[:len(oids):len(oids)]
	for _, s := range metaSignals {
		if !slices.Contains(oids, s) {
			out = append(out, s)
		}
	}
	return out, true
}

// took reads the signals from a GET of oids (withSignals) answered with cells, or failed
// with err, and puts the kept values of cols into cache when they are still good.
func (m *metaCache) took(oids []string, cells []cell, err error, cache columnCache, cols []string) {
	m.pending = false
	if err != nil {
		m.drop()
		return
	}
	m.checked = true
	sig := func(oid string) cell { return cells[slices.Index(oids, oid)] }
	up, haveUp := uptime(sig(oidSysUpTime))
	change := sig(oidEntLastChangeTime)
	good := m.entries != nil && m.polls+1 < metaRefreshEvery && sameCell(change, m.change) &&
		haveUp == m.haveUp && (!haveUp || up >= m.upTime)
	m.change, m.upTime, m.haveUp = change, up, haveUp
	if !good {
		m.drop()
		return
	}
	m.polls++
	for i := 0; i < len(m.entries); {
		col := m.entries[i].col
		j := i
		for j < len(m.entries) && m.entries[j].col == col {
			j++
		}
		if cache[cols[col]] == nil {
			cache[cols[col]] = m.column(m.entries[i:j])
		}
		i = j
	}
}

// column rebuilds one kept column for a poll's cache. Not complete: a table that walks the
// column still walks it; lookups use it, and a lookup of an instance it lacks marks it
// missed (fetchTable).
func (m *metaCache) column(es []metaEntry) *columnData {
	cd := &columnData{cells: make(map[string]cell, len(es)), asked: make(map[string]struct{}, len(es)), seeded: true}
	for _, e := range es {
		k := string(m.data[e.off : e.off+uint32(e.keyLen)])
		cd.asked[k] = struct{}{}
		if e.typ == gosnmp.UnknownType {
			continue
		}
		v := m.data[e.off+uint32(e.keyLen) : e.off+uint32(e.keyLen)+uint32(e.valLen) : e.off+uint32(e.keyLen)+uint32(e.valLen)]
		var val any
		switch e.kind {
		case metaBytes:
			val = v
		case metaString:
			val = string(v)
		case metaInt:
			val = int(binary.BigEndian.Uint64(v))
		case metaUint:
			val = uint(binary.BigEndian.Uint64(v))
		case metaUint32:
			val = uint32(binary.BigEndian.Uint64(v))
		case metaUint64:
			val = binary.BigEndian.Uint64(v)
		}
		cd.indexes = append(cd.indexes, k)
		cd.cells[k] = cell{typ: e.typ, val: val}
	}
	return cd
}

func (m *metaCache) drop() {
	m.data, m.entries, m.polls = nil, nil, 0
}

// keep stores the poll's entPhysicalTable lookup columns (cols) for the next polls, after
// a poll that succeeded; a failed poll, or one whose lookups missed, keeps nothing. Columns
// used as kept are not stored again.
func (m *metaCache) keep(cache columnCache, cols []string, ok bool) {
	if !m.checked {
		return // the signals were not read: nothing of this poll can be compared later
	}
	if !ok {
		m.drop()
		return
	}
	fresh := false
	for _, col := range cols {
		if cd := cache[col]; cd != nil {
			if cd.missed {
				m.drop()
				return
			}
			fresh = fresh || !cd.seeded
		}
	}
	if !fresh {
		return // every column as kept (or none read)
	}
	if m.entries == nil {
		m.polls = 0 // read afresh in this poll
		if !m.started {
			// The first read is refreshed after metaRefreshEvery-phase polls, so a fleet's
			// refreshes do not all come in the same interval.
			m.polls, m.started = m.phase%metaRefreshEvery, true
		}
	}
	var data []byte
	var entries []metaEntry
	for ci, col := range cols {
		cd := cache[col]
		if cd == nil {
			continue
		}
		add := func(k string, c cell) bool {
			e := metaEntry{off: uint32(len(data)), keyLen: uint16(len(k)), col: uint8(ci), typ: c.typ}
			if len(k) > 0xffff || ci > 0xff {
				return false
			}
			data = append(data, k...)
			var num uint64
			switch v := c.val.(type) {
			case nil:
				e.kind = metaNil
			case []byte:
				e.kind, data = metaBytes, append(data, v...)
			case string:
				e.kind, data = metaString, append(data, v...)
			case int:
				e.kind, num = metaInt, uint64(v)
			case uint:
				e.kind, num = metaUint, uint64(v)
			case uint32:
				e.kind, num = metaUint32, uint64(v)
			case uint64:
				e.kind, num = metaUint64, v
			default:
				return false // a value type this does not keep (Opaque floats): not kept at all
			}
			if e.kind >= metaInt {
				data = binary.BigEndian.AppendUint64(data, num)
			}
			n := len(data) - int(e.off) - len(k)
			if n > 0xffff || len(data) > 1<<31 {
				return false
			}
			e.valLen = uint16(n)
			entries = append(entries, e)
			return true
		}
		for _, k := range cd.indexes {
			if !add(k, cd.cells[k]) {
				m.drop()
				return
			}
		}
		for k := range cd.asked {
			if _, ok := cd.cells[k]; !ok && !add(k, cell{}) {
				m.drop()
				return
			}
		}
	}
	if len(entries) == 0 {
		m.drop()
		return
	}
	m.data, m.entries = slices.Clip(data), slices.Clip(entries)
}

// sameCell reports whether two received values are equal (type and value).
func sameCell(a, b cell) bool {
	if a.typ != b.typ {
		return false
	}
	switch x := a.val.(type) {
	case nil:
		return b.val == nil
	case []byte:
		y, ok := b.val.([]byte)
		return ok && bytes.Equal(x, y)
	case int, uint, uint32, uint64, string:
		return a.val == b.val
	}
	return false // another type: not known equal, so read afresh
}

// metaLookupColumns returns the entPhysicalTable columns the profiles' lookups read.
func metaLookupColumns(profiles []compiledProfile) []string {
	var cols []string
	for i := range profiles {
		for j := range profiles[i].tables {
			x := profiles[i].tables[j].ext
			if x == nil {
				continue
			}
			for _, l := range x.lookups {
				if metaColumn(l.column) && !slices.Contains(cols, l.column) {
					cols = append(cols, l.column)
				}
			}
		}
	}
	slices.Sort(cols)
	return cols
}

// metaNeeded reports whether spec's lookups read a column metaCache keeps.
func metaNeeded(spec *tableSpec) bool {
	return spec.ext != nil && slices.ContainsFunc(spec.ext.lookups, func(l lookupSlot) bool { return metaColumn(l.column) })
}

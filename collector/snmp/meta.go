package snmp

import (
	"bytes"
	"slices"
	"strings"
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

// metaCache is what a session keeps of the entPhysicalTable columns its lookups read.
type metaCache struct {
	cols   map[string]*columnData // column OID → what was read; nil: nothing kept
	polls  int                    // polls that used cols since they were read
	change cell                   // entLastChangeTime when last seen
	upTime uint64                 // sysUpTime when last seen (hundredths of a second)
	haveUp bool

	// Per poll.
	pending bool // the signals are still to be read in this poll
	checked bool // they were read in this poll
}

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
// with err, and puts the kept values into cache when they are still good.
func (m *metaCache) took(oids []string, cells []cell, err error, cache columnCache) {
	m.pending = false
	if err != nil {
		m.cols = nil
		return
	}
	m.checked = true
	sig := func(oid string) cell { return cells[slices.Index(oids, oid)] }
	up, haveUp := uptime(sig(oidSysUpTime))
	change := sig(oidEntLastChangeTime)
	good := m.cols != nil && m.polls+1 < metaRefreshEvery && sameCell(change, m.change) &&
		haveUp == m.haveUp && (!haveUp || up >= m.upTime)
	m.change, m.upTime, m.haveUp = change, up, haveUp
	if !good {
		m.cols, m.polls = nil, 0
		return
	}
	m.polls++
	for col, cd := range m.cols {
		if cache[col] != nil {
			continue
		}
		asked := cd.asked
		if asked == nil { // walked: every instance it has
			asked = make(map[string]struct{}, len(cd.indexes))
			for _, k := range cd.indexes {
				asked[k] = struct{}{}
			}
		}
		// Not complete: a table that walks the column still walks it; lookups use it.
		cache[col] = &columnData{indexes: cd.indexes, cells: cd.cells, asked: asked, seeded: true}
	}
}

// keep stores the poll's entPhysicalTable lookup columns (cols) for the next polls, after
// a poll that succeeded; a failed poll, or one whose lookups missed, keeps nothing.
func (m *metaCache) keep(cache columnCache, cols []string, ok bool) {
	if !m.checked {
		return // the signals were not read: nothing of this poll can be compared later
	}
	if !ok {
		m.cols = nil
		return
	}
	kept := make(map[string]*columnData, len(cols))
	for _, col := range cols {
		cd := cache[col]
		if cd == nil {
			continue
		}
		if cd.missed {
			m.cols, m.polls = nil, 0
			return
		}
		kept[col] = cd
	}
	if len(kept) == 0 {
		m.cols = nil
		return
	}
	if m.cols == nil {
		m.polls = 0 // read afresh in this poll
	}
	m.cols = kept
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

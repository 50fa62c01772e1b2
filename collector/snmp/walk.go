package snmp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
)

// maxOIDsPerRequest caps the varbinds of one request (gosnmp refuses more than its MaxOids).
const maxOIDsPerRequest = gosnmp.MaxOids

// reprobeEvery is how many polls a table keeps a degraded plan (lower max-repetitions, fewer
// columns per request, columns walked alone or skipped) before one poll starts again from
// the configured settings. An agent that was only briefly unwell (a reload, a transient
// genErr) then gets its full speed and every column back; one that still refuses costs that
// poll the few extra requests of stepping down again (about log2(max-repetitions) +
// log2(columns), plus one per bad column).
const reprobeEvery = 20

// walker reads tables and scalars through a Client for one poll. What it learns about the
// agent between polls lives in the tablePlans the session keeps, so the normalization that
// follows stays pure.
type walker struct {
	client  Client
	v1      bool   // SNMPv1: GETNEXT, noSuchName errors instead of exceptions (RFC 1157)
	maxReps uint32 // configured GETBULK max-repetitions
	log     *slog.Logger
	stats   *collector.Stats // SkippedColumns; may be nil
	updates int              // varbinds received
	eager   bool             // walk fallback columns every poll (tests compare the two)
	phase   int              // the session's spreadPhase (walkLazy's full walks)
}

// tablePlan is how one table is walked on one target, learned from the agent's errors and
// kept across polls, so the next poll starts with what worked instead of failing its way
// down again.
type tablePlan struct {
	reps   uint32 // GETBULK max-repetitions
	width  int    // most columns per request
	solo   []bool // per column: asked alone (it made a request with other columns fail)
	skip   []bool // per column: not asked (the agent failed it even alone, before any row)
	warned []bool // per column: its failure was logged (once, until it is read again)
	polls  int    // polls since the plan degraded (re-probe after reprobeEvery)

	// Fallback-only columns (walkLazy): which ones a row needed when they were last looked
	// at, and how many polls ago every column was walked.
	fbNeed  []bool
	fbPolls int
	fbRead  bool // the plan made its first poll (its full walks are counted from then)
}

// begin readies the plan for a poll of a table of n columns with configured reps: a new
// plan starts from the configuration, a degraded one is reset every reprobeEvery polls.
func (p *tablePlan) begin(n int, reps uint32) {
	if len(p.skip) != n {
		*p = tablePlan{solo: make([]bool, n), skip: make([]bool, n), warned: make([]bool, n), fbNeed: make([]bool, n)}
		p.reps, p.width = reps, maxOIDsPerRequest
		return
	}
	if p.reps >= reps && p.width >= maxOIDsPerRequest && !slices.Contains(p.solo, true) && !slices.Contains(p.skip, true) {
		p.polls = 0
		return
	}
	p.polls++
	if p.polls >= reprobeEvery {
		p.reps, p.width, p.polls = reps, maxOIDsPerRequest, 0
		clear(p.solo)
		clear(p.skip)
	}
}

// walkTable walks spec's columns together: each GETBULK asks for the next rows of every
// column still in its subtree (RFC 3416 §4.2.3), so a 1,000-row ifTable+ifXTable costs as
// many requests as one column per message size, not one walk per column. On SNMPv1 the same
// happens with multi-varbind GETNEXT.
//
// Agents answer such requests with errors that concern only part of them, and one bad
// column must not cost the table. The walk steps down, remembering each step in plan:
//   - tooBig (an agent that does not cut GETBULK answers to fit as RFC 3416 §4.2.3 asks,
//     like MikroTik RouterOS, or any SNMPv1 agent): halve max-repetitions; at 1, halve the
//     columns per request; a column alone at max-repetitions 1 still too big fails;
//   - genErr or any other error-status naming a varbind of a multi-column request (RFC 3416
//     §4.2.1–4.2.3: error-index is the failed varbind's position): that column is asked
//     alone from then on; without a usable error-index, halve the columns per request;
//   - noSuchName (SNMPv1's end of the MIB view, RFC 1157 §4.1.3): that column is complete;
//   - a column that fails alone ends: with no rows read it is skipped (and not asked again
//     until the plan is re-probed); rows read before the failure are kept.
//
// Every failed column counts in Stats.SkippedColumns on every poll it is missing and is
// logged once. When no column yields a row and one failed, the table's error is returned.
func (w *walker) walkTable(ctx context.Context, spec *tableSpec, rowsHint int, plan *tablePlan) (*tableData, error) {
	n := len(spec.columns)
	plan.begin(n, max(w.maxReps, 1))
	return w.walkInto(ctx, spec, spec.newData(rowsHint), plan, nil)
}

// walkLazy is walkTable for a plain table with fallback columns (Table.Fallbacks: the
// 32-bit counters of if-mib, ifDescr for a missing ifName). A fallback column is read only
// where a row's first column has no usable value (pickValue), which on most agents is no
// row at all: if-mib's nine fallback columns were 30 % of a 48-interface poll's varbinds and
// a quarter of its requests, read and thrown away. So the fallback-only columns are walked
// when a row needs them:
//   - every reprobeEvery-th poll walks every column together, as walkTable does, and notes
//     which fallback columns some row needed; a target's first such poll comes at its
//     spreadPhase (between its 2nd and its 20th poll), so a fleet that started together
//     does not make all its full walks in the same interval;
//   - the other polls, the first included (but on SNMPv1, whose first poll walks every
//     column), walk the other columns plus those noted, then check every row, and walk in
//     the same poll the fallback columns a row needs that were not read (a new interface
//     without ifHCInOctets; on the first poll, every row of an agent without the 64-bit
//     counters), noting them for the next polls.
//
// The points are the same as walkTable's: pickValue reads a fallback only where the first
// column's value is unusable, and every such row has its fallback read in the same poll.
// One case waits for the next full walk: a row that exists in a fallback column and in no
// other column of the table (no agent does this with ifTable and ifXTable, whose rows share
// ifType, ifMtu and the error counters).
func (w *walker) walkLazy(ctx context.Context, spec *tableSpec, rowsHint int, plan *tablePlan) (*tableData, error) {
	if spec.fbOnly == nil || w.eager {
		return w.walkTable(ctx, spec, rowsHint, plan)
	}
	n := len(spec.columns)
	plan.begin(n, max(w.maxReps, 1))
	if !plan.fbRead && !w.v1 {
		// A new plan: nothing noted yet, and its first full walk comes at the phase.
		plan.fbRead, plan.fbPolls = true, w.phase%reprobeEvery
		clear(plan.fbNeed)
	} else if !plan.fbRead || plan.fbPolls+1 >= reprobeEvery {
		// SNMPv1 has no Counter64, so every row needs the 32-bit fallbacks, and a GETNEXT
		// walk costs a request per row however few columns it asks: a first poll that
		// walked them apart would walk the table twice.
		d, err := w.walkInto(ctx, spec, spec.newData(rowsHint), plan, nil)
		if err != nil {
			return nil, err
		}
		plan.fbPolls = 0
		if !plan.fbRead {
			plan.fbRead, plan.fbPolls = true, w.phase%reprobeEvery
		}
		clear(plan.fbNeed)
		spec.needFallbacks(d, nil, plan.fbNeed)
		return d, nil
	}
	plan.fbPolls++
	want := make([]bool, n)
	for c := range n {
		want[c] = !spec.fbOnly[c] || plan.fbNeed[c]
	}
	d, err := w.walkInto(ctx, spec, spec.newData(rowsHint), plan, want)
	if err != nil {
		if !errors.Is(err, ErrBadResponse) {
			return nil, err
		}
		// No column walked yielded a row: as in walkTable, the fallback columns may still
		// have some, and the table fails only when they have none either.
		for c := range want {
			want[c] = !want[c]
		}
		d2, err2 := w.walkInto(ctx, spec, spec.newData(rowsHint), plan, want)
		if err2 != nil || len(d2.indexes) == 0 {
			return nil, err
		}
		return d2, nil
	}
	need := make([]bool, n)
	if !spec.needFallbacks(d, want, need) {
		return d, nil
	}
	for c := range n {
		plan.fbNeed[c] = plan.fbNeed[c] || need[c]
	}
	return w.walkInto(ctx, spec, d, plan, need)
}

// needFallbacks marks in need the fallback-only columns, not among read (nil: none), that
// some row of d needs: its first column's value is not one pickValue would take. It reports
// whether it marked any.
func (spec *tableSpec) needFallbacks(d *tableData, read, need []bool) bool {
	var scratch normStats // the real counts are taken when the points are built
	marked := false
	check := func(vs []valueSpec, cells []cell) {
		for i := range vs {
			fb := vs[i].fallback
			if fb < 0 || !spec.fbOnly[fb] || need[fb] || read != nil && read[fb] {
				continue
			}
			if f, ok := convert(&vs[i], cells[vs[i].col], &scratch); !usable(f, ok) {
				need[fb], marked = true, true
			}
		}
	}
	for r := range d.indexes {
		cells := d.cells[r*d.ncols : (r+1)*d.ncols]
		check(spec.tags, cells)
		check(spec.fields, cells)
		scratch.conflicts = scratch.conflicts[:0]
	}
	return marked
}

// walkInto is walkTable's walk into d, of the columns want holds (nil: all), with a plan
// already begun for this poll.
func (w *walker) walkInto(ctx context.Context, spec *tableSpec, d *tableData, plan *tablePlan, want []bool) (*tableData, error) {
	n := len(spec.columns)
	startReps, startWidth := plan.reps, plan.width
	cursor := slices.Clone(spec.columns)
	done := make([]bool, n)
	rows := make([]int, n) // values read per column in this poll
	for c := range n {
		switch {
		case want != nil && !want[c]:
			done[c] = true // not asked in this walk (a fallback column no row needs)
		case plan.skip[c]:
			done[c] = true
			w.countSkipped()
		}
	}
	var failure error         // the first column that failed alone in this poll
	failed := make([]bool, n) // per column: failed alone in this poll
	fail := func(c int, why string) {
		done[c], failed[c] = true, true
		w.countSkipped()
		err := fmt.Errorf("%w: the agent answered %s to column %s even when asked alone", ErrBadResponse, why, spec.columns[c])
		if failure == nil {
			failure = err
		}
		if rows[c] == 0 {
			plan.skip[c] = true
		}
		if !plan.warned[c] {
			plan.warned[c] = true
			w.log.Warn("snmp column skipped: its field stays missing (counted in netpulse_target_snmp_skipped_columns_total) until a later poll reads it",
				"measurement", spec.measurement, "oid", spec.columns[c], "rows", rows[c], "err", err)
		}
	}
	active := make([]int, 0, min(n, maxOIDsPerRequest))
	reqOIDs := make([]string, 0, min(n, maxOIDsPerRequest))
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		active = active[:0]
		solo := -1
		for c := range n {
			switch {
			case done[c]:
			case plan.solo[c]:
				if solo < 0 {
					solo = c
				}
			case len(active) < min(plan.width, maxOIDsPerRequest):
				active = append(active, c)
			}
		}
		if len(active) == 0 {
			if solo < 0 {
				break
			}
			active = append(active, solo)
		}
		reqOIDs = reqOIDs[:0]
		for _, c := range active {
			reqOIDs = append(reqOIDs, cursor[c])
		}
		var pkt *gosnmp.SnmpPacket
		var err error
		if w.v1 {
			pkt, err = w.client.GetNext(ctx, reqOIDs)
		} else {
			pkt, err = w.client.GetBulk(ctx, reqOIDs, plan.reps)
		}
		if err != nil {
			return nil, err
		}
		status, empty := pkt.Error, false
		if status == gosnmp.NoError && len(pkt.Variables) == 0 {
			// Nothing fitted, answered with an empty list instead of tooBig: the same cure.
			status, empty = gosnmp.TooBig, true
		}
		why := func() string { // only for a failed column: formatting it per request cost a poll 1 %
			if empty {
				return "a response with no varbinds"
			}
			return fmt.Sprintf("error-status %s (error-index %d)", pkt.Error, pkt.ErrorIndex)
		}
		switch i := int(pkt.ErrorIndex) - 1; {
		case status == gosnmp.NoError:
		case status == gosnmp.TooBig:
			switch {
			case !w.v1 && plan.reps > 1:
				plan.reps = max(plan.reps/2, 1)
			case len(active) > 1:
				plan.width = (len(active) + 1) / 2
			default:
				fail(active[0], why())
			}
			continue
		case status == gosnmp.NoSuchName && i >= 0 && i < len(active):
			// SNMPv1 ends a walk with noSuchName on the varbind past the end of the MIB view
			// (RFC 1157 §4.1.3), and some v2c agents copy it: that column is complete.
			done[active[i]] = true
			continue
		case len(active) > 1:
			if i >= 0 && i < len(active) {
				plan.solo[active[i]] = true
			} else {
				plan.width = (len(active) + 1) / 2 // error-index unusable: split the request
			}
			continue
		default:
			fail(active[0], why())
			continue
		}
		vars := pkt.Variables
		w.updates += len(vars)
		k := len(active)
		for j := range vars {
			vb := &vars[j]
			c := active[j%k]
			if done[c] {
				continue
			}
			switch vb.Type {
			case gosnmp.EndOfMibView, gosnmp.NoSuchObject, gosnmp.NoSuchInstance:
				done[c] = true
				continue
			}
			prefix := spec.columns[c]
			name := vb.Name
			if len(name) <= len(prefix)+1 || name[len(prefix)] != '.' || name[:len(prefix)] != prefix {
				done[c] = true // left the column: the walk of this column is complete
				continue
			}
			if compareOID(name, cursor[c]) <= 0 {
				return nil, fmt.Errorf("%w: the agent returned %s after %s (OIDs not increasing, a loop)", ErrBadResponse, name, cursor[c])
			}
			cursor[c] = name
			d.setAt(c, name[len(prefix)+1:], rows[c], vb.Type, vb.Value)
			rows[c]++
		}
	}
	if plan.reps != startReps || plan.width != startWidth {
		w.log.Debug("snmp walk stepped down; later polls start here", "measurement", spec.measurement,
			"max_repetitions", plan.reps, "columns_per_request", min(plan.width, n))
	}
	for c := range n {
		if plan.warned[c] && !failed[c] && !plan.skip[c] && (want == nil || want[c]) {
			plan.warned[c] = false
			w.log.Info("snmp column readable again", "measurement", spec.measurement, "oid", spec.columns[c], "rows", rows[c])
		}
	}
	if failure != nil && len(d.indexes) == 0 {
		// Nothing of the table was read: report it as the poll's error, and let the next
		// poll try every column again rather than remember a table of skipped columns.
		clear(plan.skip)
		return nil, failure
	}
	return d, nil
}

// countSkipped counts one column missing from this poll.
func (w *walker) countSkipped() {
	if w.stats != nil {
		w.stats.SkippedColumns.Add(1)
	}
}

// getScalars GETs oids and returns one cell per OID (absent when the agent has none). An
// agent that answers tooBig gets fewer OIDs per GET (RFC 3416 §4.2.1; real agents do it for
// as few as six objects, librenms/librenms#18243); one that answers another error-status
// gets the rest one by one, and an object that fails alone is left absent (counted as
// dropped by the normalization). Only when nothing at all was read is the error returned.
func (w *walker) getScalars(ctx context.Context, oids []string) ([]cell, error) {
	cells := make([]cell, len(oids))
	pending := make([]int, 0, len(oids))
	for i := range oids {
		pending = append(pending, i)
	}
	req := make([]string, 0, min(len(oids), maxOIDsPerRequest))
	limit := maxOIDsPerRequest
	var failure error
	read := 0
	for len(pending) > 0 {
		n := min(len(pending), limit)
		batch := pending[:n]
		req = req[:0]
		for _, i := range batch {
			req = append(req, oids[i])
		}
		pkt, err := w.client.Get(ctx, req)
		if err != nil {
			return nil, err
		}
		switch i := int(pkt.ErrorIndex) - 1; {
		case pkt.Error == gosnmp.NoError:
		case pkt.Error == gosnmp.NoSuchName && i >= 0 && i < n:
			// SNMPv1 (and some v2c agents) reject the whole GET for one missing object
			// (RFC 1157 §4.1.2): mark it missing and ask again for the rest.
			cells[batch[i]] = cell{typ: gosnmp.NoSuchObject}
			pending = append(pending[:i], pending[i+1:]...)
			continue
		case n > 1 && pkt.Error == gosnmp.TooBig:
			limit = (n + 1) / 2
			continue
		case n > 1:
			limit = 1 // which object failed is only certain when asked alone
			continue
		default:
			if failure == nil {
				failure = fmt.Errorf("%w: the agent answered error-status %s (error-index %d) to a GET of %s", ErrBadResponse, pkt.Error, pkt.ErrorIndex, oids[batch[0]])
			}
			cells[batch[0]] = cell{typ: gosnmp.NoSuchObject}
			pending = pending[1:]
			continue
		}
		w.updates += len(pkt.Variables)
		read += len(pkt.Variables)
		for j := range pkt.Variables {
			vb := &pkt.Variables[j]
			i := -1
			if j < len(batch) && oids[batch[j]] == vb.Name {
				i = batch[j]
			} else {
				for _, b := range batch {
					if oids[b] == vb.Name {
						i = b
						break
					}
				}
			}
			if i < 0 {
				continue // an OID we did not ask for: ignore rather than misfile it
			}
			cells[i] = cell{typ: vb.Type, val: vb.Value}
		}
		pending = pending[n:]
	}
	if failure != nil && read == 0 {
		return nil, failure
	}
	return cells, nil
}

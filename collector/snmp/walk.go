package snmp

import (
	"context"
	"fmt"

	"github.com/gosnmp/gosnmp"
)

// maxOIDsPerRequest caps the varbinds of one request (gosnmp refuses more than its MaxOids).
const maxOIDsPerRequest = gosnmp.MaxOids

// walker reads tables and scalars through a Client. It holds no state between polls but the
// client, so the normalization that follows is pure.
type walker struct {
	client  Client
	v1      bool   // SNMPv1: GETNEXT, noSuchName errors instead of exceptions (RFC 1157)
	maxReps uint32 // GETBULK max-repetitions
	updates int    // varbinds received
}

// walkTable walks all of spec's columns at once: each GETBULK asks for the next rows of every
// column still in its subtree (RFC 3416 §4.2.3), so a 1,000-row ifTable+ifXTable costs as
// many requests as one column per message size, not one walk per column. On SNMPv1 the same
// happens with multi-varbind GETNEXT.
func (w *walker) walkTable(ctx context.Context, spec *tableSpec, rowsHint int) (*tableData, error) {
	d := newTableData(len(spec.columns), rowsHint)
	cursor := make([]string, len(spec.columns))
	copy(cursor, spec.columns)
	done := make([]bool, len(spec.columns))
	active := make([]int, 0, len(spec.columns))
	reqOIDs := make([]string, 0, maxOIDsPerRequest)
	reps := w.maxReps
	if reps == 0 {
		reps = 1
	}
	for {
		active = active[:0]
		for c := range spec.columns {
			if !done[c] {
				active = append(active, c)
			}
		}
		if len(active) == 0 {
			return d, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(active) > maxOIDsPerRequest {
			active = active[:maxOIDsPerRequest]
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
			pkt, err = w.client.GetBulk(ctx, reqOIDs, reps)
		}
		if err != nil {
			return nil, err
		}
		switch {
		case pkt.Error == gosnmp.NoError:
		case pkt.Error == gosnmp.TooBig && !w.v1 && reps > 1:
			// The agent could not fit the answer in one message: ask for fewer rows.
			reps /= 2
			continue
		case pkt.Error == gosnmp.NoSuchName && w.v1:
			// SNMPv1 ends a walk with noSuchName on the varbind past the end of the MIB view
			// (RFC 1157 §4.1.3); drop that column and ask again for the others.
			i := int(pkt.ErrorIndex) - 1
			if i < 0 || i >= len(active) {
				return nil, fmt.Errorf("%w: noSuchName with error-index %d for a request of %d varbinds", ErrBadResponse, pkt.ErrorIndex, len(active))
			}
			done[active[i]] = true
			continue
		default:
			return nil, fmt.Errorf("%w: the agent answered error-status %s (error-index %d)", ErrBadResponse, pkt.Error, pkt.ErrorIndex)
		}
		vars := pkt.Variables
		if len(vars) == 0 {
			return nil, fmt.Errorf("%w: the agent answered a walk request with no varbinds", ErrBadResponse)
		}
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
			d.set(c, name[len(prefix)+1:], vb.Type, vb.Value)
		}
	}
}

// getScalars GETs oids and returns one cell per OID (absent when the agent has none).
func (w *walker) getScalars(ctx context.Context, oids []string) ([]cell, error) {
	cells := make([]cell, len(oids))
	pending := make([]int, 0, len(oids))
	for i := range oids {
		pending = append(pending, i)
	}
	req := make([]string, 0, maxOIDsPerRequest)
	for len(pending) > 0 {
		n := min(len(pending), maxOIDsPerRequest)
		batch := pending[:n]
		req = req[:0]
		for _, i := range batch {
			req = append(req, oids[i])
		}
		pkt, err := w.client.Get(ctx, req)
		if err != nil {
			return nil, err
		}
		switch {
		case pkt.Error == gosnmp.NoError:
		case pkt.Error == gosnmp.NoSuchName:
			// SNMPv1 (and some v2c agents) reject the whole GET for one missing object
			// (RFC 1157 §4.1.2): mark it missing and ask again for the rest.
			i := int(pkt.ErrorIndex) - 1
			if i < 0 || i >= len(batch) {
				return nil, fmt.Errorf("%w: noSuchName with error-index %d for a GET of %d varbinds", ErrBadResponse, pkt.ErrorIndex, len(batch))
			}
			cells[batch[i]] = cell{typ: gosnmp.NoSuchObject}
			pending = append(pending[:i], pending[i+1:]...)
			continue
		default:
			return nil, fmt.Errorf("%w: the agent answered error-status %s (error-index %d) to a GET", ErrBadResponse, pkt.Error, pkt.ErrorIndex)
		}
		w.updates += len(pkt.Variables)
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
	return cells, nil
}

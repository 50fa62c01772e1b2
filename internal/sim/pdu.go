package sim

import "github.com/netpulse/netpulse/internal/ber"

// pduFields are the fixed fields of a request PDU (RFC 3416 §3): for GETBULK the two error
// fields are non-repeaters and max-repetitions.
type pduFields struct {
	reqID, f1, f2 int64
	vbl           []byte // the varbind list content
}

func parsePDU(pdu []byte) (p pduFields, err error) {
	var c []byte
	if c, pdu, err = berExpect(pdu, tagInteger); err != nil {
		return p, err
	}
	if p.reqID, err = berInt(c); err != nil {
		return p, err
	}
	if c, pdu, err = berExpect(pdu, tagInteger); err != nil {
		return p, err
	}
	if p.f1, err = berInt(c); err != nil {
		return p, err
	}
	if c, pdu, err = berExpect(pdu, tagInteger); err != nil {
		return p, err
	}
	if p.f2, err = berInt(c); err != nil {
		return p, err
	}
	p.vbl, _, err = berExpect(pdu, tagSequence)
	return p, err
}

// nextName reads the next varbind's name from a varbind list.
func nextName(vbl []byte, dst []uint32) (oid []uint32, raw []byte, rest []byte, err error) {
	vb, rest, err := berExpect(vbl, tagSequence)
	if err != nil {
		return nil, nil, nil, err
	}
	c, after, err := berExpect(vb, tagOID)
	if err != nil {
		return nil, nil, nil, err
	}
	oid, err = berOID(c, dst)
	// raw is the whole name TLV, echoed back for exceptions.
	return oid, vb[:len(vb)-len(after)], rest, err
}

// appendErrorResponse answers a PDU with an error status on varbind index (1-based) and
// the request's varbinds echoed (RFC 3416 §4.2.1–4.2.5).
func appendErrorResponse(dst []byte, tag byte, pdu []byte, status, index int64) ([]byte, bool) {
	p, err := parsePDU(pdu)
	if err != nil {
		return dst, false
	}
	dst, m := ber.BeginSeq(dst, pduResponse)
	dst = ber.AppendInt(dst, tagInteger, p.reqID)
	dst = ber.AppendInt(dst, tagInteger, status)
	dst = ber.AppendInt(dst, tagInteger, index)
	dst = append(dst, tagSequence)
	dst = ber.AppendLength(dst, len(p.vbl))
	dst = append(dst, p.vbl...)
	return ber.EndSeq(dst, m), true
}

// appendResponse answers a GET, GETNEXT, GETBULK or SET PDU of view v into dst, keeping
// the message within limit bytes (dst counts from the message start).
func (a *agent) appendResponse(dst []byte, tag byte, pdu []byte, v *view, limit int) ([]byte, bool) {
	switch tag {
	case pduGet, pduGetNext, pduGetBulk:
	case pduSet:
		// The simulator is read-only: notWritable (RFC 3416 §4.2.5) or, in v1, readOnly
		// mapped to noSuchName (RFC 2576 §4.3).
		if v.v1 {
			return appendErrorResponse(dst, tag, pdu, errNoSuchName, 1)
		}
		return appendErrorResponse(dst, tag, pdu, errNotWritable, 1)
	default:
		return dst, false
	}
	if tag == pduGetBulk && v.v1 {
		return dst, false // GETBULK does not exist in SNMPv1: snmpInASNParseErrs
	}
	p, err := parsePDU(pdu)
	if err != nil {
		return dst, false
	}
	if len(a.genErr) > 0 {
		i, ok := a.genErrIndex(p.vbl)
		if !ok {
			return dst, false
		}
		if i > 0 {
			return appendErrorResponse(dst, tag, pdu, errGenErr, i)
		}
	}
	start := len(dst)
	dst, m := ber.BeginSeq(dst, pduResponse)
	dst = ber.AppendInt(dst, tagInteger, p.reqID)
	statusAt := len(dst)
	dst = ber.AppendInt(dst, tagInteger, 0)
	dst = ber.AppendInt(dst, tagInteger, 0)
	dst, l := ber.BeginSeq(dst, tagSequence)

	var status, index int64
	if tag == pduGetBulk {
		var cut bool
		dst, cut = a.appendBulk(dst, p, v, limit)
		if cut && a.bulkTooBig {
			status, index = errTooBig, 0
		}
	} else {
		vbl := p.vbl
		for i := int64(1); len(vbl) > 0; i++ {
			var raw []byte
			a.oid, raw, vbl, err = nextName(vbl, a.oid)
			if err != nil {
				return dst[:start], false
			}
			var vb int
			dst, vb = ber.BeginSeq(dst, tagSequence)
			if tag == pduGet {
				o, row, exc := a.mib.lookup(v, a.oid)
				dst = append(dst, raw...)
				if o != nil {
					dst = v.appendValue(dst, o, row)
				} else {
					dst = append(dst, exc, 0)
					if v.v1 && status == 0 {
						status, index = errNoSuchName, i
					}
				}
			} else {
				o, row, ok := a.mib.next(v, a.oid)
				if ok {
					dst = v.appendInstance(dst, o, row)
					dst = v.appendValue(dst, o, row)
				} else {
					dst = append(dst, raw...)
					dst = append(dst, tagEndOfMibView, 0)
					if v.v1 && status == 0 {
						status, index = errNoSuchName, i
					}
				}
			}
			dst = ber.EndSeq(dst, vb)
			if len(dst) > limit {
				status, index = errTooBig, 0
				break
			}
		}
	}
	if status != 0 {
		// RFC 3416 §4.2.1: tooBig goes back with an empty varbind list; v1 errors
		// (RFC 1157 §4.1.2) echo the request's varbinds.
		dst = dst[:statusAt]
		return a.appendErrorTail(dst, m, status, index, p.vbl, status == errTooBig && !v.v1), true
	}
	dst = ber.EndSeq(dst, l)
	return ber.EndSeq(dst, m), true
}

// appendErrorTail writes error-status, error-index and the varbind list after statusAt.
func (a *agent) appendErrorTail(dst []byte, m int, status, index int64, vbl []byte, empty bool) []byte {
	dst = ber.AppendInt(dst, tagInteger, status)
	dst = ber.AppendInt(dst, tagInteger, index)
	dst = append(dst, tagSequence)
	if empty {
		dst = append(dst, 0)
	} else {
		dst = ber.AppendLength(dst, len(vbl))
		dst = append(dst, vbl...)
	}
	return ber.EndSeq(dst, m)
}

// genErrIndex is the 1-based index of the first varbind of vbl that names an object of the
// genErr fault mode or one of its instances (0: none); ok is false for a malformed list.
func (a *agent) genErrIndex(vbl []byte) (index int64, ok bool) {
	var err error
	for i := int64(1); len(vbl) > 0; i++ {
		a.oid, _, vbl, err = nextName(vbl, a.oid)
		if err != nil {
			return 0, false
		}
		for _, col := range a.genErr {
			if len(a.oid) >= len(col) && compareOID(a.oid[:len(col)], col) == 0 {
				return i, true
			}
		}
	}
	return 0, true
}

// appendBulk fills a GETBULK varbind list (RFC 3416 §4.2.3): non-repeaters get one GETNEXT
// each, then up to max-repetitions rounds over the repeaters; it stops early when the
// message would exceed limit (dropping the varbind that did not fit, and reporting cut) or
// every repeater has reached the end of the MIB view.
func (a *agent) appendBulk(dst []byte, p pduFields, v *view, limit int) (out []byte, cut bool) {
	nonRep := max(p.f1, 0)
	maxRep := max(p.f2, 0)
	a.reps = a.reps[:0]
	vbl := p.vbl
	var err error
	count := 0
	for i := int64(0); len(vbl) > 0; i++ {
		var raw []byte
		a.oid, raw, vbl, err = nextName(vbl, a.oid)
		if err != nil {
			return dst, false
		}
		if i >= nonRep {
			o, row, ok := a.mib.next(v, a.oid)
			r := bulkRep{name: raw, done: !ok}
			if ok {
				r.obj, r.row = a.objIndex(o)+1, row
			}
			a.reps = append(a.reps, r)
			continue
		}
		mark := len(dst)
		var vb int
		dst, vb = ber.BeginSeq(dst, tagSequence)
		if o, row, ok := a.mib.next(v, a.oid); ok {
			dst = v.appendInstance(dst, o, row)
			dst = v.appendValue(dst, o, row)
		} else {
			dst = append(dst, raw...)
			dst = append(dst, tagEndOfMibView, 0)
		}
		dst = ber.EndSeq(dst, vb)
		if len(dst) > limit {
			return dst[:mark], true
		}
		count++
	}
	for rep := int64(0); rep < maxRep && len(a.reps) > 0; rep++ {
		allDone := true
		for i := range a.reps {
			r := &a.reps[i]
			if rep > 0 && !r.done {
				// Advance from the instance returned in the previous round.
				o := &a.mib.objects[r.obj-1]
				r.obj, r.row, r.done = a.successor(v, r.obj-1, o, r.row)
			}
			mark := len(dst)
			var vb int
			dst, vb = ber.BeginSeq(dst, tagSequence)
			if r.done {
				if r.obj > 0 {
					// endOfMibView carries the name of the last instance returned.
					dst = v.appendInstance(dst, &a.mib.objects[r.obj-1], r.row)
				} else {
					dst = append(dst, r.name...)
				}
				dst = append(dst, tagEndOfMibView, 0)
			} else {
				allDone = false
				o := &a.mib.objects[r.obj-1]
				dst = v.appendInstance(dst, o, r.row)
				dst = v.appendValue(dst, o, r.row)
			}
			dst = ber.EndSeq(dst, vb)
			count++
			if len(dst) > limit || count > maxBulkVarbinds {
				return dst[:mark], len(dst) > limit
			}
		}
		if allDone {
			break
		}
	}
	return dst, false
}

// objIndex is the index of o in the object list.
func (a *agent) objIndex(o *mibObject) int {
	for i := range a.mib.objects {
		if &a.mib.objects[i] == o {
			return i
		}
	}
	return -1
}

// successor is the instance after (object i, row): the next row, else the first instance of
// the next object with any (skipping Counter64 columns in v1). It keeps (i,row) when done.
func (a *agent) successor(v *view, i int, o *mibObject, row int) (obj, nrow int, done bool) {
	if o.rows != rowsScalar {
		if _, ok := v.rowIndex(o.rows, row+1); ok {
			return i + 1, row + 1, false
		}
	}
	for j := i + 1; j < len(a.mib.objects); j++ {
		n := &a.mib.objects[j]
		if v.v1 && n.counter64 {
			continue
		}
		if n.rows == rowsScalar {
			return j + 1, 0, false
		}
		if _, ok := v.rowIndex(n.rows, 0); ok {
			return j + 1, 0, false
		}
	}
	return i + 1, row, true
}

package sim

import (
	"bytes"
	"encoding/binary"
	"sync/atomic"
	"time"

	"github.com/netpulse/netpulse/internal/ber"
)

// SNMP error-status values (RFC 3416 §3).
const (
	errNone               = 0
	errTooBig             = 1
	errNoSuchName         = 2 // SNMPv1 only
	errReadOnly           = 4
	errGenErr             = 5
	errNotWritable        = 17
	errAuthorizationError = 16
)

// Message flags of SNMPv3 (RFC 3412 §6.4).
const (
	flagAuth       = 0x01
	flagPriv       = 0x02
	flagReportable = 0x04
)

// usmStats are the usmStats counters (RFC 3414 §5, SNMP-USER-BASED-SM-MIB) an agent
// reports; their OIDs are 1.3.6.1.6.3.15.1.1.<n>.0.
type usmStat uint8

const (
	statUnsupportedSecLevels usmStat = 1
	statNotInTimeWindows     usmStat = 2
	statUnknownUserNames     usmStat = 3
	statUnknownEngineIDs     usmStat = 4
	statWrongDigests         usmStat = 5
	statDecryptionErrors     usmStat = 6
)

// maxBulkVarbinds caps one GETBULK response whatever max-repetitions asks (net-snmp caps
// too); the message size limit usually stops it first.
const maxBulkVarbinds = 2048

// timeWindow is the USM time window in seconds (RFC 3414 §3.2 step 7b).
const timeWindow = 150

// agent is one simulated SNMP agent (one device, one UDP socket). Only its serve goroutine
// touches its mutable fields; the counters are atomic so tests can read them.
type agent struct {
	dev       *Model
	mib       *mib
	start     time.Time // fleet start, with its monotonic reading
	community []byte
	engineID  []byte
	boots     uint32
	users     []*usmUser
	maxMsg    int
	broken    bool // Config.BrokenSNMPFirmware

	// Fault modes (Config.SNMPBulkTooBig, Config.SNMPGenErrColumns); off by default.
	bulkTooBig bool       // GETBULK that does not fit: tooBig instead of a cut answer
	genErr     [][]uint32 // objects whose every request is answered genErr

	salt  uint64
	reps  []bulkRep
	oid   []uint32
	stats [7]atomic.Uint32 // usmStats by usmStat; [0] counts dropped community mismatches
}

// bulkRep is the position of one GETBULK repeater between repetitions.
type bulkRep struct {
	obj  int // object index + 1; 0: nothing returned yet
	row  int
	name []byte // the requested OID's encoding (for endOfMibView before any instance)
	done bool
}

// now is the offset from the fleet start that a request is answered at.
func (a *agent) now() time.Duration { return time.Since(a.start) }

// engineTime is snmpEngineTime: seconds since the engine (device) booted.
func (a *agent) engineTime(t time.Duration) uint32 {
	return uint32(min(a.dev.Uptime(t)/time.Second, 1<<31-1))
}

// handle answers one datagram into out; nil means no answer (malformed, wrong community,
// not reportable), as real agents stay silent then.
func (a *agent) handle(pkt, out []byte) []byte {
	msg, _, err := berExpect(pkt, tagSequence)
	if err != nil {
		return nil
	}
	vc, rest, err := berExpect(msg, tagInteger)
	if err != nil {
		return nil
	}
	ver, err := berInt(vc)
	if err != nil {
		return nil
	}
	v := view{dev: a.dev, agent: a, t: a.now()}
	switch ver {
	case 0, 1:
		return a.handleCommunity(out, ver, rest, &v)
	case 3:
		return a.handleV3(out, pkt, rest, &v)
	}
	return nil
}

// handleCommunity answers SNMPv1/v2c (RFC 1157, RFC 1901).
func (a *agent) handleCommunity(out []byte, ver int64, rest []byte, v *view) []byte {
	comm, rest, err := berExpect(rest, tagOctetString)
	if err != nil {
		return nil
	}
	if !bytes.Equal(comm, a.community) {
		// Wrong community: real agents drop the request (and count snmpInBadCommunityNames).
		a.stats[0].Add(1)
		return nil
	}
	tag, pdu, _, err := berNext(rest)
	if err != nil {
		return nil
	}
	v.v1 = ver == 0
	out, m := ber.BeginSeq(out[:0], tagSequence)
	out = ber.AppendInt(out, tagInteger, ver)
	out = appendBytes(out, tagOctetString, comm)
	out, ok := a.appendResponse(out, tag, pdu, v, a.maxMsg)
	if !ok {
		return nil
	}
	return ber.EndSeq(out, m)
}

// v3Header is the parsed part of an SNMPv3 message (RFC 3412 §6, RFC 3414 §2.4).
type v3Header struct {
	msgID      int64
	maxSize    int64
	flags      byte
	engineID   []byte
	boots      int64
	time       int64
	user       []byte
	authParams []byte
	privParams []byte
	data       []byte // scopedPDU (SEQUENCE TLV) or encrypted OCTET STRING content
	encrypted  bool
}

// parseV3 parses an SNMPv3 message after the version.
func parseV3(rest []byte) (h v3Header, err error) {
	gd, rest, err := berExpect(rest, tagSequence)
	if err != nil {
		return h, err
	}
	var c []byte
	if c, gd, err = berExpect(gd, tagInteger); err != nil {
		return h, err
	}
	if h.msgID, err = berInt(c); err != nil {
		return h, err
	}
	if c, gd, err = berExpect(gd, tagInteger); err != nil {
		return h, err
	}
	if h.maxSize, err = berInt(c); err != nil {
		return h, err
	}
	if c, gd, err = berExpect(gd, tagOctetString); err != nil || len(c) != 1 {
		return h, errBER
	}
	h.flags = c[0]
	if c, _, err = berExpect(gd, tagInteger); err != nil {
		return h, err
	}
	if model, err := berInt(c); err != nil || model != 3 {
		return h, errBER // only USM (3); others count snmpUnknownSecurityModels
	}
	sp, rest, err := berExpect(rest, tagOctetString)
	if err != nil {
		return h, err
	}
	if sp, _, err = berExpect(sp, tagSequence); err != nil {
		return h, err
	}
	if h.engineID, sp, err = berExpect(sp, tagOctetString); err != nil {
		return h, err
	}
	if c, sp, err = berExpect(sp, tagInteger); err != nil {
		return h, err
	}
	if h.boots, err = berInt(c); err != nil {
		return h, err
	}
	if c, sp, err = berExpect(sp, tagInteger); err != nil {
		return h, err
	}
	if h.time, err = berInt(c); err != nil {
		return h, err
	}
	if h.user, sp, err = berExpect(sp, tagOctetString); err != nil {
		return h, err
	}
	if h.authParams, sp, err = berExpect(sp, tagOctetString); err != nil {
		return h, err
	}
	if h.privParams, _, err = berExpect(sp, tagOctetString); err != nil {
		return h, err
	}
	tag, data, _, err := berNext(rest)
	if err != nil {
		return h, err
	}
	switch tag {
	case tagSequence:
		h.data = rest // the whole scopedPDU TLV
	case tagOctetString:
		h.data, h.encrypted = data, true
	default:
		return h, errBER
	}
	return h, nil
}

// parseScopedPDU splits a scopedPDU (RFC 3412 §6.8).
func parseScopedPDU(b []byte) (ctxName []byte, pduTag byte, pdu []byte, err error) {
	sp, _, err := berExpect(b, tagSequence)
	if err != nil {
		return nil, 0, nil, err
	}
	if _, sp, err = berExpect(sp, tagOctetString); err != nil {
		return nil, 0, nil, err
	}
	if ctxName, sp, err = berExpect(sp, tagOctetString); err != nil {
		return nil, 0, nil, err
	}
	pduTag, pdu, _, err = berNext(sp)
	return ctxName, pduTag, pdu, err
}

// requestID pulls the request-id out of a PDU (for reports); 0 when unreadable.
func requestID(pdu []byte) int64 {
	c, _, err := berExpect(pdu, tagInteger)
	if err != nil {
		return 0
	}
	id, _ := berInt(c)
	return id
}

// handleV3 runs the USM incoming-message checks of RFC 3414 §3.2 in order and answers
// with a Response or the matching Report.
func (a *agent) handleV3(out, pkt, rest []byte, v *view) []byte {
	h, err := parseV3(rest)
	if err != nil {
		return nil
	}
	if h.flags&flagPriv != 0 && h.flags&flagAuth == 0 {
		return nil // invalid flag combination (RFC 3412 §7.2 step 5): snmpInvalidMsgs
	}
	reportable := h.flags&flagReportable != 0
	plainReqID := func() int64 {
		if h.encrypted {
			return 0
		}
		_, _, pdu, err := parseScopedPDU(h.data)
		if err != nil {
			return 0
		}
		return requestID(pdu)
	}
	// Step 3: unknown engine ID — this is also engine discovery (RFC 3414 §4).
	if !bytes.Equal(h.engineID, a.engineID) {
		if !reportable {
			return nil
		}
		return a.report(out, &h, nil, statUnknownEngineIDs, plainReqID(), v.t)
	}
	// Step 4: unknown user.
	var u *usmUser
	for _, cand := range a.users {
		if string(h.user) == cand.tmpl.Name {
			u = cand
			break
		}
	}
	if u == nil {
		if !reportable {
			return nil
		}
		return a.report(out, &h, nil, statUnknownUserNames, plainReqID(), v.t)
	}
	// Step 5: the user must support the requested level.
	level := h.flags & (flagAuth | flagPriv)
	userLevel := byte(0)
	if u.tmpl.auth.newHash != nil {
		userLevel |= flagAuth
		if u.tmpl.priv.kind != privNone {
			userLevel |= flagPriv
		}
	}
	if level&^userLevel != 0 {
		if !reportable {
			return nil
		}
		return a.report(out, &h, nil, statUnsupportedSecLevels, plainReqID(), v.t)
	}
	if level&flagAuth != 0 {
		// Step 6: the digest.
		if !u.verify(pkt, h.authParams) {
			if !reportable {
				return nil
			}
			return a.report(out, &h, nil, statWrongDigests, plainReqID(), v.t)
		}
		// Step 7: the time window, answered authenticated so the sender can trust the time.
		et := int64(a.engineTime(v.t))
		if h.boots != int64(a.boots) || h.boots == 1<<31-1 || h.time < et-timeWindow || h.time > et+timeWindow {
			if !reportable {
				return nil
			}
			return a.report(out, &h, u, statNotInTimeWindows, 0, v.t)
		}
	}
	scoped := h.data
	if h.encrypted {
		// Step 8: decrypt in place (the packet buffer is ours).
		plain, err := u.decrypt(h.data, h.privParams, uint32(h.boots), uint32(h.time))
		if err != nil {
			if !reportable {
				return nil
			}
			return a.report(out, &h, nil, statDecryptionErrors, 0, v.t)
		}
		scoped = plain
	}
	ctxName, pduTag, pdu, err := parseScopedPDU(scoped)
	if err != nil {
		if h.encrypted && reportable {
			return a.report(out, &h, nil, statDecryptionErrors, 0, v.t)
		}
		return nil
	}
	limit := a.maxMsg
	if h.maxSize >= 484 && int(h.maxSize) < limit {
		limit = int(h.maxSize)
	}
	out, hdr := a.beginV3(out, &h, u, level, v.t)
	out, m := ber.BeginSeq(out, tagSequence)
	out = appendBytes(out, tagOctetString, a.engineID)
	out = appendBytes(out, tagOctetString, ctxName)
	var ok bool
	if level != userLevel {
		// Authenticated below the user's level: USM accepts it, the access control (VACM
		// "rouser <name> priv") then refuses it, as net-snmp does.
		out, ok = appendErrorResponse(out, pduTag, pdu, errAuthorizationError, 1)
	} else {
		out, ok = a.appendResponse(out, pduTag, pdu, v, limit-8)
	}
	if !ok {
		return nil
	}
	out = ber.EndSeq(out, m)
	return a.endV3(out, hdr, u, level)
}

// v3Marks remembers where beginV3 left constructed headers open.
type v3Marks struct {
	msg, data int
	salt      [8]byte
	et        uint32
}

// beginV3 writes an outgoing SNMPv3 message up to (and opening) msgData.
func (a *agent) beginV3(out []byte, h *v3Header, u *usmUser, level byte, t time.Duration) ([]byte, v3Marks) {
	var mk v3Marks
	mk.et = a.engineTime(t)
	out, mk.msg = ber.BeginSeq(out[:0], tagSequence)
	out = ber.AppendInt(out, tagInteger, 3)
	out, g := ber.BeginSeq(out, tagSequence)
	out = ber.AppendInt(out, tagInteger, h.msgID)
	out = ber.AppendInt(out, tagInteger, int64(a.maxMsg))
	out = appendBytes(out, tagOctetString, []byte{level})
	out = ber.AppendInt(out, tagInteger, 3)
	out = ber.EndSeq(out, g)
	out, sp := ber.BeginSeq(out, tagOctetString)
	out, sq := ber.BeginSeq(out, tagSequence)
	out = appendBytes(out, tagOctetString, a.engineID)
	out = ber.AppendInt(out, tagInteger, int64(a.boots))
	out = ber.AppendInt(out, tagInteger, int64(mk.et))
	out = appendBytes(out, tagOctetString, h.user)
	if level&flagAuth != 0 {
		out = append(out, tagOctetString, byte(u.tmpl.auth.digestLen))
		var zeros [64]byte // placeholder, filled by endV3 (RFC 3414 §6.3.1 step 1)
		out = append(out, zeros[:u.tmpl.auth.digestLen]...)
	} else {
		out = append(out, tagOctetString, 0)
	}
	if level&flagPriv != 0 {
		a.salt++
		if u.tmpl.priv.kind == privDES {
			// RFC 3414 §8.1.1.1: salt = engineBoots || a local counter.
			binary.BigEndian.PutUint32(mk.salt[:], a.boots)
			binary.BigEndian.PutUint32(mk.salt[4:], uint32(a.salt))
		} else {
			binary.BigEndian.PutUint64(mk.salt[:], a.salt^uint64(a.dev.Index)<<40)
		}
		out = appendBytes(out, tagOctetString, mk.salt[:])
	} else {
		out = append(out, tagOctetString, 0)
	}
	out = ber.EndSeq(out, sq)
	out = ber.EndSeq(out, sp)
	mk.data = -1
	if level&flagPriv != 0 {
		out, mk.data = ber.BeginSeq(out, tagOctetString)
	}
	return out, mk
}

// endV3 encrypts and closes msgData, closes the message and signs it.
func (a *agent) endV3(out []byte, mk v3Marks, u *usmUser, level byte) []byte {
	if mk.data >= 0 {
		body := out[mk.data+5:]
		enc, err := u.encrypt(body, mk.salt[:], a.boots, mk.et)
		if err != nil {
			return nil
		}
		out = append(out[:mk.data+5], enc...)
		out = ber.EndSeq(out, mk.data)
	}
	out = ber.EndSeq(out, mk.msg)
	if level&flagAuth != 0 {
		ap := locateAuthParams(out)
		if ap == nil {
			return nil
		}
		var d [64]byte
		copy(ap, u.digest(out, d[:]))
	}
	return out
}

// locateAuthParams finds msgAuthenticationParameters inside an encoded v3 message.
func locateAuthParams(msg []byte) []byte {
	h, err := func() (v3Header, error) {
		m, _, err := berExpect(msg, tagSequence)
		if err != nil {
			return v3Header{}, err
		}
		_, rest, err := berExpect(m, tagInteger)
		if err != nil {
			return v3Header{}, err
		}
		return parseV3(rest)
	}()
	if err != nil {
		return nil
	}
	return h.authParams
}

// report answers with a Report PDU carrying one usmStats counter (RFC 3414 §3.2: reports for
// unknown engine, unknown user, level and digest errors go out unauthenticated; the
// notInTimeWindow report is authenticated when u is given).
func (a *agent) report(out []byte, h *v3Header, u *usmUser, stat usmStat, reqID int64, t time.Duration) []byte {
	n := a.stats[stat].Add(1)
	level := byte(0)
	if u != nil {
		level = flagAuth
	}
	out, mk := a.beginV3(out, h, u, level, t)
	out, m := ber.BeginSeq(out, tagSequence)
	out = appendBytes(out, tagOctetString, a.engineID)
	out = append(out, tagOctetString, 0)
	out, p := ber.BeginSeq(out, pduReport)
	out = ber.AppendInt(out, tagInteger, reqID)
	out = ber.AppendInt(out, tagInteger, 0)
	out = ber.AppendInt(out, tagInteger, 0)
	out, l := ber.BeginSeq(out, tagSequence)
	out, vb := ber.BeginSeq(out, tagSequence)
	out = appendOID(out, []uint32{1, 3, 6, 1, 6, 3, 15, 1, 1, uint32(stat), 0})
	out = appendUint(out, tagCounter32, uint64(n))
	out = ber.EndSeq(out, vb)
	out = ber.EndSeq(out, l)
	out = ber.EndSeq(out, p)
	out = ber.EndSeq(out, m)
	return a.endV3(out, mk, u, level)
}

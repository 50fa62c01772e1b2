package snmp

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des" //nolint:gosec // SNMPv3 DES privacy (RFC 3414 §8) is what the agent was set up with
	"crypto/hmac"
	"crypto/md5" //nolint:gosec // HMAC-MD5-96 (RFC 3414 §6) is what the agent was set up with
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math/rand/v2"
	"net"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/ber"
)

// The poll's requests on the wire. gosnmp spent about 100 µs of CPU on each request and
// response of a walk (it formats every outgoing packet for a debug log it then discards,
// marshals through bytes.Buffers and encoding/asn1, and decodes each varbind into several
// allocations), two thirds of a fleet's polling CPU. This path encodes GET, GETNEXT and
// GETBULK itself and decodes their Response PDUs into the same gosnmp.SnmpPDU values gosnmp
// would produce (the same Go types, names and value rules), with one allocation per varbind
// value and a few per response.
//
// It only takes the expected road. Anything else (a Report PDU, an answer that fails
// authentication, an encoding or value type it does not decode exactly as gosnmp does, a
// socket error) sends the request again through gosnmp, which owns every other behaviour:
// SNMPv3 engine discovery and key localization, reports and time-window resynchronisation,
// the errors explain() words. A request that times out is retried by gosnmp with one retry
// less, so the count of datagrams and the time a dead agent costs stay those of
// timeout × (retries+1).

// errFallback means: hand this request to gosnmp.
var errFallback = errors.New("not on the fast path")

// pduGet, pduGetNext, pduGetBulk and pduResponse are the PDU tags (RFC 3416 §3).
const (
	pduGet      = 0xa0
	pduGetNext  = 0xa1
	pduResponse = 0xa2
	pduGetBulk  = 0xa5
)

// rxSize holds any UDP datagram; rxStart is the receive buffer a client starts with: agents
// answer within their own message size, 1472 bytes or so on most (the simulator's default),
// and a 64 KiB buffer per poll was a tenth of a fleet's allocations. A datagram that fills
// the buffer may have been cut: that request goes to gosnmp, and the client's buffer grows
// to rxSize for good.
const (
	rxSize  = 65535
	rxStart = 4096
)

// wire is the fast path's per-client state. The socket and buffers exist only during a poll
// (close releases them); what SNMPv3 learnt lives in the client.
type wire struct {
	conn   *net.UDPConn
	rx     []byte           // receive buffer
	rxSize int              // its size: rxStart, or rxSize after a datagram filled it
	tx     []byte           // outgoing message
	sp     []byte           // SNMPv3 scopedPDU before encryption
	vars   []gosnmp.SnmpPDU // the last response's Variables (reused: see Client)
	names  []byte           // decode scratch: the varbind names of one response
	ends   []int            // decode scratch: where each name ends
	reqID  uint32
	msgID  uint32
	salt   uint64 // SNMPv3 privacy salt counter (RFC 3826 §3.1.2.1: a different salt each message)
	mac    hash.Hash
	block  cipher.Block
	fast   int // requests answered on the fast path (tests check it is taken)
}

// close releases the socket and buffers.
func (w *wire) close() error {
	var err error
	if w.conn != nil {
		err = w.conn.Close()
	}
	w.conn, w.rx, w.tx, w.sp, w.vars, w.names, w.ends, w.mac, w.block = nil, nil, nil, nil, nil, nil, nil, nil, nil
	return err
}

// open connects the UDP socket and allocates the buffers for a poll.
func (w *wire) open(ctx context.Context, address string) error {
	if w.conn != nil {
		return nil
	}
	host, port, err := splitAddress(address)
	if err != nil {
		return err
	}
	var d net.Dialer
	var c net.Conn
	// A host name is resolved here, which can wait on DNS: no Turn held.
	collector.TurnFrom(ctx).Wait(ctx, func() { c, err = d.DialContext(ctx, "udp", net.JoinHostPort(host, fmt.Sprint(port))) })
	if err != nil {
		return err
	}
	w.conn = c.(*net.UDPConn)
	if w.rxSize == 0 {
		w.rxSize = rxStart
	}
	w.rx = make([]byte, w.rxSize)
	if w.reqID == 0 {
		w.reqID, w.msgID, w.salt = rand.Uint32()&0x3fffffff, rand.Uint32()&0x3fffffff, rand.Uint64()
	}
	return nil
}

// usmKeys is the SNMPv3 state the fast path signs and encrypts with, from gosnmp's
// discovery: nil until gosnmp has localized the keys.
type usmKeys struct {
	engineID    string
	user        string
	flags       byte // auth 1, priv 2 (RFC 3412 §6.4)
	auth        gosnmp.SnmpV3AuthProtocol
	priv        gosnmp.SnmpV3PrivProtocol
	authKey     []byte
	privKey     []byte
	digestLen   int
	contextID   string
	contextName string
	boots, time uint32    // the agent's engine boots and time, learnt at at
	at          time.Time // (RFC 3414 §2.3: the manager keeps its own estimate)
}

// keysFrom takes what the fast path needs from gosnmp's USM parameters after a successful
// exchange; nil when the keys are not localized yet.
func keysFrom(sp gosnmp.SnmpV3SecurityParameters, flags gosnmp.SnmpV3MsgFlags, contextID, contextName string) *usmKeys {
	u, ok := sp.(*gosnmp.UsmSecurityParameters)
	if !ok || u.AuthoritativeEngineID == "" {
		return nil
	}
	k := &usmKeys{engineID: u.AuthoritativeEngineID, user: u.UserName, flags: byte(flags & gosnmp.AuthPriv),
		auth: u.AuthenticationProtocol, priv: u.PrivacyProtocol, contextID: contextID, contextName: contextName,
		boots: u.AuthoritativeEngineBoots, time: u.AuthoritativeEngineTime, at: time.Now()}
	if k.contextID == "" {
		k.contextID = k.engineID
	}
	if k.flags&1 != 0 {
		k.digestLen = digestLen(k.auth)
		if k.digestLen == 0 || len(u.SecretKey) == 0 {
			return nil
		}
		k.authKey = u.SecretKey
	}
	if k.flags&2 != 0 {
		want := map[gosnmp.SnmpV3PrivProtocol]int{gosnmp.DES: 16, gosnmp.AES: 16, gosnmp.AES192: 24,
			gosnmp.AES192C: 24, gosnmp.AES256: 32, gosnmp.AES256C: 32}[k.priv]
		if want == 0 || len(u.PrivacyKey) != want {
			return nil
		}
		k.privKey = u.PrivacyKey
	}
	return k
}

// digestLen is the length of msgAuthenticationParameters: HMAC-MD5-96 and HMAC-SHA-96
// (RFC 3414 §6–7), the HMAC-SHA-2 truncations of RFC 7860 §4.
func digestLen(p gosnmp.SnmpV3AuthProtocol) int {
	switch p {
	case gosnmp.MD5, gosnmp.SHA:
		return 12
	case gosnmp.SHA224:
		return 16
	case gosnmp.SHA256:
		return 24
	case gosnmp.SHA384:
		return 32
	case gosnmp.SHA512:
		return 48
	}
	return 0
}

func newAuthHash(p gosnmp.SnmpV3AuthProtocol) func() hash.Hash {
	switch p {
	case gosnmp.MD5:
		return md5.New
	case gosnmp.SHA:
		return sha1.New
	case gosnmp.SHA224:
		return sha256.New224
	case gosnmp.SHA256:
		return sha256.New
	case gosnmp.SHA384:
		return sha512.New384
	}
	return sha512.New
}

// engineTime is the agent's snmpEngineTime now, by the manager's estimate.
func (k *usmKeys) engineTime(now time.Time) uint32 {
	return k.time + uint32(max(now.Sub(k.at), 0)/time.Second)
}

// exchange sends one request and reads its response. errFallback: gosnmp must take the
// request, with retries retries; any other error or a packet is the request's result.
func (w *wire) exchange(ctx context.Context, version gosnmp.SnmpVersion, community string, k *usmKeys,
	timeout time.Duration, retries int, typ byte, oids []string, reps uint32) (*gosnmp.SnmpPacket, int, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	now := time.Now()
	deadline, byCtx := now.Add(timeout), false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, byCtx = d, true
	}
	turn := collector.TurnFrom(ctx)
	w.reqID = (w.reqID + 1) & 0x7fffffff
	msg, ok := w.encode(version, community, k, typ, oids, reps, now)
	if !ok {
		return nil, retries, errFallback
	}
	if err := w.conn.SetDeadline(deadline); err != nil {
		return nil, retries, errFallback
	}
	if _, err := w.conn.Write(msg); err != nil {
		return nil, retries, errFallback
	}
	for {
		var n int
		var err error
		turn.Wait(ctx, func() { n, err = w.conn.Read(w.rx) }) // the agent's time: no Turn held
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return nil, retries, errFallback // e.g. ICMP port unreachable: gosnmp words it
			}
			switch {
			case byCtx:
				return nil, 0, context.DeadlineExceeded // as gosnmp: the poll's deadline passed
			case retries == 0:
				return nil, 0, fmt.Errorf("request timeout (after 0 retries): %w", gosnmp.ErrMaxRetriesExceeded)
			}
			return nil, retries - 1, errFallback
		}
		if n == len(w.rx) && n < rxSize {
			w.rxSize = rxSize // perhaps cut: gosnmp reads this one, the fast path the next
			w.rx = make([]byte, rxSize)
			return nil, retries, errFallback
		}
		pkt, match := w.decode(w.rx[:n], version, k)
		switch match {
		case matchOther:
			continue // a late answer to an earlier request: keep waiting, as gosnmp does
		case matchFallback:
			return nil, retries, errFallback
		}
		w.fast++
		return pkt, 0, nil
	}
}

// encode builds the request message into w.tx.
func (w *wire) encode(version gosnmp.SnmpVersion, community string, k *usmKeys, typ byte, oids []string, reps uint32, now time.Time) ([]byte, bool) {
	pdu := func(dst []byte) ([]byte, bool) {
		dst, m := ber.BeginSeq(dst, typ)
		dst = ber.AppendInt(dst, berInteger, int64(w.reqID))
		if typ == pduGetBulk {
			dst = ber.AppendInt(dst, berInteger, 0) // non-repeaters
			dst = ber.AppendInt(dst, berInteger, int64(reps))
		} else {
			dst = ber.AppendInt(dst, berInteger, 0)
			dst = ber.AppendInt(dst, berInteger, 0)
		}
		dst, l := ber.BeginSeq(dst, berSequence)
		for _, o := range oids {
			var vb int
			dst, vb = ber.BeginSeq(dst, berSequence)
			var ok bool
			if dst, ok = appendOIDText(dst, o); !ok {
				return dst, false
			}
			dst = append(dst, berNull, 0)
			dst = ber.EndSeq(dst, vb)
		}
		dst = ber.EndSeq(dst, l)
		return ber.EndSeq(dst, m), true
	}
	if version != gosnmp.Version3 {
		out, m := ber.BeginSeq(w.tx[:0], berSequence)
		out = ber.AppendInt(out, berInteger, int64(version))
		out = appendOctets(out, community)
		out, ok := pdu(out)
		w.tx = ber.EndSeq(out, m)
		return w.tx, ok
	}
	// SNMPv3 (RFC 3412 §6, RFC 3414 §2.4): the scopedPDU first, encrypted when authPriv.
	sp, m := ber.BeginSeq(w.sp[:0], berSequence)
	sp = appendOctets(sp, k.contextID)
	sp = appendOctets(sp, k.contextName)
	sp, ok := pdu(sp)
	if !ok {
		return nil, false
	}
	sp = ber.EndSeq(sp, m)
	boots, etime := k.boots, k.engineTime(now)
	w.msgID = (w.msgID + 1) & 0x7fffffff
	var salt [8]byte
	if k.flags&2 != 0 {
		w.salt++
		var err error
		if sp, err = w.encrypt(k, sp, salt[:], boots, etime); err != nil {
			return nil, false
		}
	}
	w.sp = sp
	out, msg := ber.BeginSeq(w.tx[:0], berSequence)
	out = ber.AppendInt(out, berInteger, 3)
	out, g := ber.BeginSeq(out, berSequence)
	out = ber.AppendInt(out, berInteger, int64(w.msgID))
	out = ber.AppendInt(out, berInteger, rxSize) // msgMaxSize, as gosnmp sends it
	out = append(out, berOctetString, 1, k.flags|4)
	out = ber.AppendInt(out, berInteger, 3) // USM
	out = ber.EndSeq(out, g)
	out, so := ber.BeginSeq(out, berOctetString)
	out, sq := ber.BeginSeq(out, berSequence)
	out = appendOctets(out, k.engineID)
	out = ber.AppendInt(out, berInteger, int64(boots))
	out = ber.AppendInt(out, berInteger, int64(etime))
	out = appendOctets(out, k.user)
	var zeros [64]byte // authentication parameters, filled in below (RFC 3414 §6.3.1)
	out = append(out, berOctetString, byte(k.digestLen))
	out = append(out, zeros[:k.digestLen]...)
	if k.flags&2 != 0 {
		out = append(out, berOctetString, 8)
		out = append(out, salt[:]...)
	} else {
		out = append(out, berOctetString, 0)
	}
	out = ber.EndSeq(out, sq)
	out = ber.EndSeq(out, so)
	if k.flags&2 != 0 {
		out = append(out, berOctetString)
		out = ber.AppendLength(out, len(sp))
	}
	out = append(out, sp...)
	out = ber.EndSeq(out, msg)
	w.tx = out
	if k.flags&1 != 0 {
		// The digest covers the whole message: its place is known once every length is.
		ap := authParams(out)
		if len(ap) != k.digestLen {
			return nil, false
		}
		copy(ap, w.digest(k, out))
	}
	return out, true
}

// authParams finds msgAuthenticationParameters in an encoded SNMPv3 message.
func authParams(msg []byte) []byte {
	m, _, ok := ber.Expect(msg, berSequence)
	if !ok {
		return nil
	}
	if _, m, ok = ber.Expect(m, berInteger); !ok {
		return nil
	}
	if _, m, ok = ber.Expect(m, berSequence); !ok {
		return nil
	}
	sp, _, ok := ber.Expect(m, berOctetString)
	if !ok {
		return nil
	}
	if sp, _, ok = ber.Expect(sp, berSequence); !ok {
		return nil
	}
	for range 4 { // engine ID, boots, time, user
		if _, _, sp, ok = ber.Next(sp); !ok {
			return nil
		}
	}
	ap, _, ok := ber.Expect(sp, berOctetString)
	if !ok {
		return nil
	}
	return ap
}

// encrypt encrypts the scopedPDU (RFC 3826 §3.1.3 AES-CFB, RFC 3414 §8.1.1 DES-CBC), writing
// the salt it used.
func (w *wire) encrypt(k *usmKeys, sp, salt []byte, boots, etime uint32) ([]byte, error) {
	if w.block == nil {
		var err error
		if k.priv == gosnmp.DES {
			w.block, err = des.NewCipher(k.privKey[:8]) //nolint:gosec
		} else {
			w.block, err = aes.NewCipher(k.privKey)
		}
		if err != nil {
			return nil, err
		}
	}
	if k.priv == gosnmp.DES {
		binary.BigEndian.PutUint32(salt, boots)
		binary.BigEndian.PutUint32(salt[4:], uint32(w.salt))
		var iv [8]byte
		for i := range iv {
			iv[i] = k.privKey[8+i] ^ salt[i]
		}
		for pad := des.BlockSize - len(sp)%des.BlockSize; pad > 0; pad-- {
			sp = append(sp, 0)
		}
		cipher.NewCBCEncrypter(w.block, iv[:]).CryptBlocks(sp, sp)
		return sp, nil
	}
	binary.BigEndian.PutUint64(salt, w.salt)
	var iv [16]byte
	binary.BigEndian.PutUint32(iv[:], boots)
	binary.BigEndian.PutUint32(iv[4:], etime)
	copy(iv[8:], salt)
	cipher.NewCFBEncrypter(w.block, iv[:]).XORKeyStream(sp, sp) //nolint:staticcheck // RFC 3826 §3.1.1.1 is CFB-128
	return sp, nil
}

// digest is the HMAC of a whole message whose authentication parameters are zero (RFC 3414
// §6.3.1), truncated to the protocol's length.
func (w *wire) digest(k *usmKeys, msg []byte) []byte {
	if w.mac == nil {
		w.mac = hmac.New(newAuthHash(k.auth), k.authKey)
	}
	w.mac.Reset()
	w.mac.Write(msg)
	var sum [64]byte
	return w.mac.Sum(sum[:0])[:k.digestLen]
}

// discover learns the agent's SNMPv3 engine ID, boots and time (RFC 3414 §4): a reportable
// noAuthNoPriv GET without varbinds, from no user to no engine, which the agent answers with
// a usmStatsUnknownEngineIDs report, as gosnmp's discovery does. One try: on any failure
// the caller leaves discovery to gosnmp.
func (w *wire) discover(ctx context.Context, timeout time.Duration) (*usmKeys, bool) {
	if ctx.Err() != nil {
		return nil, false
	}
	now := time.Now()
	deadline := now.Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	probe := &usmKeys{at: now}
	turn := collector.TurnFrom(ctx)
	w.reqID = (w.reqID + 1) & 0x7fffffff
	msg, ok := w.encode(gosnmp.Version3, "", probe, pduGet, nil, 0, now)
	if !ok || w.conn.SetDeadline(deadline) != nil {
		return nil, false
	}
	if _, err := w.conn.Write(msg); err != nil {
		return nil, false
	}
	for {
		var n int
		var err error
		turn.Wait(ctx, func() { n, err = w.conn.Read(w.rx) }) // the agent's time: no Turn held
		if err != nil || n == len(w.rx) {
			return nil, false
		}
		dgram := w.rx[:n]
		m, _, ok := ber.Expect(dgram, berSequence)
		if !ok {
			return nil, false
		}
		vc, rest, ok := ber.Expect(m, berInteger)
		if v, ok2 := ber.Int64(vc); !ok || !ok2 || v != 3 {
			return nil, false
		}
		k := &usmKeys{}
		pdu, match := w.openV3Mode(dgram, rest, k, true)
		switch match {
		case matchOther:
			continue
		case matchFallback:
			return nil, false
		}
		if tag, _, _, ok := ber.Next(pdu); !ok || tag != 0xa8 { // Report (RFC 3416 §3)
			return nil, false
		}
		return k, true
	}
}

// match is how a received datagram relates to the request.
type match uint8

const (
	matchOK       match = iota // the response, decoded
	matchOther                 // not an answer to this request: keep waiting
	matchFallback              // let gosnmp handle the request
)

// decode parses a response to the current request. The datagram is copied first: the
// varbinds' byte values point into the copy.
func (w *wire) decode(dgram []byte, version gosnmp.SnmpVersion, k *usmKeys) (*gosnmp.SnmpPacket, match) {
	msg, _, ok := ber.Expect(dgram, berSequence)
	if !ok {
		return nil, matchFallback
	}
	vc, rest, ok := ber.Expect(msg, berInteger)
	if !ok {
		return nil, matchFallback
	}
	if v, ok := ber.Int64(vc); !ok || v != int64(version) {
		return nil, matchFallback
	}
	var pdu []byte
	if version != gosnmp.Version3 {
		if _, rest, ok = ber.Expect(rest, berOctetString); !ok {
			return nil, matchFallback
		}
		pdu = rest
	} else {
		var m match
		if pdu, m = w.openV3(dgram, rest, k); m != matchOK {
			return nil, m
		}
	}
	tag, body, _, ok := ber.Next(pdu)
	if !ok || tag != pduResponse {
		return nil, matchFallback // a Report (SNMPv3) or anything else: gosnmp's business
	}
	idc, body, ok := ber.Expect(body, berInteger)
	if !ok {
		return nil, matchFallback
	}
	id, ok := ber.Int64(idc)
	if !ok {
		return nil, matchFallback
	}
	if id != int64(w.reqID) && id != 0 {
		return nil, matchOther // gosnmp accepts request-id 0 too
	}
	sc, body, ok := ber.Expect(body, berInteger)
	if !ok {
		return nil, matchFallback
	}
	status, ok := ber.Int64(sc)
	if !ok || status < 0 || status > 0xff {
		return nil, matchFallback
	}
	ic, body, ok := ber.Expect(body, berInteger)
	if !ok {
		return nil, matchFallback
	}
	index, ok := ber.Int64(ic)
	if !ok || index < 0 || index > 0xff {
		return nil, matchFallback
	}
	vbl, _, ok := ber.Expect(body, berSequence)
	if !ok {
		return nil, matchFallback
	}
	pkt := &gosnmp.SnmpPacket{Version: version, PDUType: gosnmp.GetResponse, RequestID: uint32(id),
		Error: gosnmp.SNMPError(status), ErrorIndex: uint8(index)}
	if !w.decodeVarbinds(pkt, vbl) {
		return nil, matchFallback
	}
	return pkt, matchOK
}

// openV3 checks an SNMPv3 response (RFC 3414 §3.2: the agent's engine, our user, the
// digest), learns the agent's engine boots and time from it, and returns its PDU, decrypted
// when the message is encrypted.
func (w *wire) openV3(dgram, rest []byte, k *usmKeys) ([]byte, match) {
	return w.openV3Mode(dgram, rest, k, false)
}

// openV3Mode is openV3; with discovery, the message is the agent's answer to engine
// discovery, whose engine ID, boots and time are stored in k.
func (w *wire) openV3Mode(dgram, rest []byte, k *usmKeys, discovery bool) ([]byte, match) {
	gd, rest, ok := ber.Expect(rest, berSequence)
	if !ok {
		return nil, matchFallback
	}
	c, gd, ok := ber.Expect(gd, berInteger)
	if !ok {
		return nil, matchFallback
	}
	if id, ok := ber.Int64(c); !ok || id != int64(w.msgID) {
		return nil, matchOther
	}
	if _, gd, ok = ber.Expect(gd, berInteger); !ok { // msgMaxSize
		return nil, matchFallback
	}
	if c, _, ok = ber.Expect(gd, berOctetString); !ok || len(c) != 1 || c[0]&3 != k.flags {
		return nil, matchFallback // a report (sent unauthenticated) or another level
	}
	sp, rest, ok := ber.Expect(rest, berOctetString)
	if !ok {
		return nil, matchFallback
	}
	if sp, _, ok = ber.Expect(sp, berSequence); !ok {
		return nil, matchFallback
	}
	var engine, user, authParams, privParams, bc, tc []byte
	for _, f := range []struct {
		dst *[]byte
		tag byte
	}{{&engine, berOctetString}, {&bc, berInteger}, {&tc, berInteger}, {&user, berOctetString},
		{&authParams, berOctetString}, {&privParams, berOctetString}} {
		if *f.dst, sp, ok = ber.Expect(sp, f.tag); !ok {
			return nil, matchFallback
		}
	}
	boots, ok1 := ber.Int64(bc)
	etime, ok2 := ber.Int64(tc)
	if !ok1 || !ok2 || boots < 0 || etime < 0 || boots > 1<<31-1 || etime > 1<<31-1 {
		return nil, matchFallback
	}
	if discovery {
		if len(engine) == 0 || len(engine) > 32 { // RFC 3411 §5: SnmpEngineID is 5 to 32 octets
			return nil, matchFallback
		}
		k.engineID, k.boots, k.time, k.at = string(engine), uint32(boots), uint32(etime), time.Now()
	} else if string(engine) != k.engineID || string(user) != k.user {
		return nil, matchFallback
	}
	if k.flags&1 != 0 {
		if len(authParams) != k.digestLen {
			return nil, matchFallback
		}
		var got [64]byte
		copy(got[:], authParams)
		clear(authParams) // dgram is w.rx: ours to change
		if !hmac.Equal(w.digest(k, dgram), got[:k.digestLen]) {
			return nil, matchFallback
		}
		// Authenticated: the agent's clock (RFC 3414 §3.2 step 7b).
		k.boots, k.time, k.at = uint32(boots), uint32(etime), time.Now()
	}
	if k.flags&2 == 0 {
		return scopedPDU(rest)
	}
	enc, _, ok := ber.Expect(rest, berOctetString)
	if !ok || len(privParams) != 8 || w.block == nil {
		return nil, matchFallback
	}
	if k.priv == gosnmp.DES {
		if len(enc)%des.BlockSize != 0 {
			return nil, matchFallback
		}
		var iv [8]byte
		for i := range iv {
			iv[i] = k.privKey[8+i] ^ privParams[i]
		}
		cipher.NewCBCDecrypter(w.block, iv[:]).CryptBlocks(enc, enc)
	} else {
		var iv [16]byte
		binary.BigEndian.PutUint32(iv[:], uint32(boots))
		binary.BigEndian.PutUint32(iv[4:], uint32(etime))
		copy(iv[8:], privParams)
		cipher.NewCFBDecrypter(w.block, iv[:]).XORKeyStream(enc, enc) //nolint:staticcheck // RFC 3826
	}
	return scopedPDU(enc)
}

// scopedPDU returns the PDU of a scopedPDU (RFC 3412 §6.8).
func scopedPDU(b []byte) ([]byte, match) {
	sp, _, ok := ber.Expect(b, berSequence)
	if !ok {
		return nil, matchFallback
	}
	if _, sp, ok = ber.Expect(sp, berOctetString); !ok {
		return nil, matchFallback
	}
	if _, sp, ok = ber.Expect(sp, berOctetString); !ok {
		return nil, matchFallback
	}
	return sp, matchOK
}

// decodeVarbinds decodes a varbind list into pkt.Variables as gosnmp's decodeValue would:
// Integer → int, Uinteger32 → uint32, Counter32/Gauge32 → uint, TimeTicks → uint32,
// Counter64 → uint64, OctetString → []byte, ObjectIdentifier and IpAddress → string,
// Null and the exceptions → nil. Opaque, BitString and anything unusual report false, so
// gosnmp decodes the response itself. The names share one string, the byte values one
// buffer. The Variables slice itself is reused by the client's next request (Client says
// so): a walk reads each response before it sends the next request.
func (w *wire) decodeVarbinds(pkt *gosnmp.SnmpPacket, vbl []byte) bool {
	n, octets := 0, 0
	for b := vbl; len(b) > 0; n++ {
		_, c, rest, ok := ber.Next(b)
		if !ok {
			return false
		}
		b = rest
		if _, _, v, ok := ber.Next(c); ok && len(v) > 0 && v[0] == berOctetString { // the value, after the name
			if _, oc, _, ok := ber.Next(v); ok {
				octets += len(oc)
			}
		}
	}
	if cap(w.vars) < n {
		w.vars = make([]gosnmp.SnmpPDU, n)
	}
	vars := w.vars[:n]
	clear(vars)
	names := w.names[:0]
	if cap(w.ends) < n {
		w.ends = make([]int, n)
	}
	ends := w.ends[:n]
	var own []byte // the byte values, copied out of the receive buffer (made at the first one)
	b := vbl
	for i := range vars {
		vb, rest, ok := ber.Expect(b, berSequence)
		if !ok {
			return false
		}
		b = rest
		oc, vb, ok := ber.Expect(vb, berOID)
		if !ok {
			return false
		}
		if names, ok = appendOIDName(names, oc); !ok {
			return false
		}
		ends[i] = len(names)
		tag, c, extra, ok := ber.Next(vb)
		if !ok || len(extra) != 0 {
			return false
		}
		v := &vars[i]
		v.Type = gosnmp.Asn1BER(tag)
		switch v.Type {
		case gosnmp.Integer:
			x, ok := ber.Int64(c)
			if !ok {
				return false
			}
			v.Value = int(x)
		case gosnmp.Uinteger32:
			x, ok := ber.Int64(c)
			if !ok {
				return false
			}
			v.Value = uint32(x)
		case gosnmp.Counter32, gosnmp.Gauge32:
			x, ok := berUint64(c)
			if !ok {
				return false
			}
			v.Value = uint(x)
		case gosnmp.TimeTicks:
			x, ok := berUint64(c)
			if !ok {
				return false
			}
			v.Value = uint32(x)
		case gosnmp.Counter64:
			x, ok := berUint64(c)
			if !ok {
				return false
			}
			v.Value = x
		case gosnmp.OctetString:
			if own == nil {
				own = make([]byte, 0, octets)
			}
			off := len(own)
			own = append(own, c...)
			v.Value = own[off:len(own):len(own)]
		case gosnmp.ObjectIdentifier:
			s, ok := appendOIDName(nil, c)
			if !ok {
				return false
			}
			v.Value = string(s)
		case gosnmp.IPAddress:
			switch len(c) {
			case 0:
				// nil, as gosnmp does for the empty address buggy agents send
			case 4, 16:
				v.Value = net.IP(c).String()
			default:
				return false
			}
		case gosnmp.Null, gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView:
		default:
			return false
		}
	}
	w.names = names
	all := string(names)
	start := 0
	for i := range vars {
		vars[i].Name = all[start:ends[i]]
		start = ends[i]
	}
	pkt.Variables = vars
	return true
}

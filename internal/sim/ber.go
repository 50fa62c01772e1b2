package sim

import (
	"errors"

	"github.com/netpulse/netpulse/internal/ber"
)

// BER/ASN.1 tags used by SNMP (RFC 3416 §3, RFC 2578 §7.1).
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagNull        = 0x05
	tagOID         = 0x06
	tagSequence    = 0x30
	tagIPAddress   = 0x40
	tagCounter32   = 0x41
	tagGauge32     = 0x42
	tagTimeTicks   = 0x43
	tagCounter64   = 0x46

	tagNoSuchObject   = 0x80
	tagNoSuchInstance = 0x81
	tagEndOfMibView   = 0x82

	pduGet      = 0xa0
	pduGetNext  = 0xa1
	pduResponse = 0xa2
	pduSet      = 0xa3
	pduGetBulk  = 0xa5
	pduReport   = 0xa8
)

// errBER is any malformed encoding; the agent drops such packets silently (RFC 3412
// §7.2 step 2: snmpInASNParseErrs).
var errBER = errors.New("malformed BER")

// berNext splits the first TLV off b. Only definite lengths are legal in SNMP (RFC 3417 §8).
func berNext(b []byte) (tag byte, content, rest []byte, err error) {
	tag, content, rest, ok := ber.Next(b)
	if !ok {
		return 0, nil, nil, errBER
	}
	return tag, content, rest, nil
}

// berExpect is berNext that also checks the tag.
func berExpect(b []byte, want byte) (content, rest []byte, err error) {
	content, rest, ok := ber.Expect(b, want)
	if !ok {
		return nil, nil, errBER
	}
	return content, rest, nil
}

// berInt decodes a two's-complement INTEGER of at most 8 bytes.
func berInt(c []byte) (int64, error) {
	v, ok := ber.Int64(c)
	if !ok {
		return 0, errBER
	}
	return v, nil
}

// berOID decodes an OBJECT IDENTIFIER into dst (reused).
func berOID(c []byte, dst []uint32) ([]uint32, error) {
	dst = dst[:0]
	if len(c) == 0 {
		return dst, errBER
	}
	var v uint64
	first := true
	for i, b := range c {
		v = v<<7 | uint64(b&0x7f)
		if v > 0xffffffff {
			return dst, errBER
		}
		if b&0x80 != 0 {
			if i == len(c)-1 {
				return dst, errBER
			}
			continue
		}
		if first {
			// The first sub-identifier packs two arcs: 40*X + Y (X.690 §8.19.4).
			switch {
			case v < 40:
				dst = append(dst, 0, uint32(v))
			case v < 80:
				dst = append(dst, 1, uint32(v-40))
			default:
				dst = append(dst, 2, uint32(v-80))
			}
			first = false
		} else {
			dst = append(dst, uint32(v))
		}
		v = 0
	}
	return dst, nil
}

// appendUint appends an unsigned application type (Counter32/64, Gauge32, TimeTicks): a
// leading zero byte when the top bit is set, as BER integers are signed (RFC 2578 §7.1.6).
func appendUint(dst []byte, tag byte, v uint64) []byte {
	n := 1
	for x := v; x > 127; x >>= 8 {
		n++
	}
	dst = append(dst, tag, byte(n))
	for i := n - 1; i >= 0; i-- {
		if i >= 8 {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// appendBytes appends an OCTET STRING-like TLV.
func appendBytes(dst []byte, tag byte, b []byte) []byte {
	dst = append(dst, tag)
	dst = ber.AppendLength(dst, len(b))
	return append(dst, b...)
}

// appendString appends an OCTET STRING TLV from a string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, tagOctetString)
	dst = ber.AppendLength(dst, len(s))
	return append(dst, s...)
}

// appendOID appends an OBJECT IDENTIFIER TLV.
func appendOID(dst []byte, oid []uint32) []byte {
	mark := len(dst)
	dst = append(dst, tagOID, 0)
	if len(oid) < 2 {
		dst = append(dst, 0) // {0 0}: the shortest legal OID
	} else {
		dst = ber.AppendSubID(dst, uint64(oid[0])*40+uint64(oid[1]))
		for _, v := range oid[2:] {
			dst = ber.AppendSubID(dst, uint64(v))
		}
	}
	n := len(dst) - mark - 2
	if n < 0x80 {
		dst[mark+1] = byte(n)
		return dst
	}
	// Long OIDs (> 127 bytes) are rare: re-encode with a long-form length.
	var tmp [8]byte
	h := ber.AppendLength(tmp[:0], n)
	dst = append(dst, h[1:]...)
	copy(dst[mark+1+len(h):], dst[mark+2:mark+2+n])
	copy(dst[mark+1:], h)
	return dst
}

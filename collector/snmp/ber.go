package snmp

import "github.com/netpulse/netpulse/internal/ber"

// BER (X.690) as SNMP uses it (RFC 3416, RFC 3417 §8: definite lengths only), for wire.go:
// just the tags, lengths, integers and OIDs of GET/GETNEXT/GETBULK requests and their
// responses.

const (
	berInteger     = ber.Integer
	berOctetString = ber.OctetString
	berNull        = ber.Null
	berOID         = ber.OID
	berSequence    = ber.Sequence
)

// berUint64 reads an unsigned application type's content as gosnmp does: up to 8 bytes, or 9
// with a leading zero byte (RFC 2578 §7.1.6: BER integers are signed).
func berUint64(c []byte) (uint64, bool) {
	if len(c) > 9 || len(c) == 9 && c[0] != 0 {
		return 0, false
	}
	var v uint64
	for _, x := range c {
		v = v<<8 | uint64(x)
	}
	return v, true
}

// appendOctets appends an OCTET STRING TLV.
func appendOctets(dst []byte, s string) []byte {
	dst = append(dst, berOctetString)
	dst = ber.AppendLength(dst, len(s))
	return append(dst, s...)
}

// appendOIDText appends the OBJECT IDENTIFIER TLV of a dotted OID (leading dot optional);
// false when oid is not one.
func appendOIDText(dst []byte, oid string) ([]byte, bool) {
	if len(oid) > 0 && oid[0] == '.' {
		oid = oid[1:]
	}
	mark := len(dst)
	dst = append(dst, berOID, 0)
	arc, first := 0, uint64(0)
	var v uint64
	digits := 0
	for i := 0; i <= len(oid); i++ {
		if i < len(oid) && oid[i] != '.' {
			c := oid[i]
			if c < '0' || c > '9' || digits >= 10 {
				return dst[:mark], false
			}
			v = v*10 + uint64(c-'0')
			digits++
			continue
		}
		if digits == 0 || v > 1<<32-1 {
			return dst[:mark], false
		}
		switch arc {
		case 0:
			if v > 2 {
				return dst[:mark], false
			}
			first = v
		case 1:
			if first < 2 && v > 39 {
				return dst[:mark], false
			}
			dst = ber.AppendSubID(dst, first*40+v)
		default:
			dst = ber.AppendSubID(dst, v)
		}
		arc++
		v, digits = 0, 0
	}
	if arc < 2 {
		return dst[:mark], false
	}
	n := len(dst) - mark - 2
	if n >= 0x80 {
		return dst[:mark], false // a 128-byte OID: not one a poll asks for
	}
	dst[mark+1] = byte(n)
	return dst, true
}

// appendOIDName appends the dotted text of an OID's content with a leading dot, as gosnmp
// names varbinds (an empty OID is ".0.0", as net-snmp reads it); false when the content is
// not a valid OID or an arc exceeds 32 bits.
func appendOIDName(dst, c []byte) ([]byte, bool) {
	if len(c) == 0 {
		return append(dst, ".0.0"...), true
	}
	first := true
	var v uint64
	n := 0
	for _, x := range c {
		if n == 0 && x == 0x80 {
			return dst, false // a non-minimal sub-identifier (X.690 §8.19.2)
		}
		v = v<<7 | uint64(x&0x7f)
		n++
		if n > 5 || v > 1<<32-1 {
			return dst, false
		}
		if x&0x80 != 0 {
			continue
		}
		if first {
			if v < 80 {
				dst = append(dst, '.', byte('0'+v/40), '.')
				dst = appendUintText(dst, v%40)
			} else {
				dst = append(dst, '.', '2', '.')
				dst = appendUintText(dst, v-80)
			}
			first = false
		} else {
			dst = append(dst, '.')
			dst = appendUintText(dst, v)
		}
		v, n = 0, 0
	}
	return dst, n == 0
}

// appendUintText appends v in decimal.
func appendUintText(dst []byte, v uint64) []byte {
	if v < 10 {
		return append(dst, byte('0'+v))
	}
	var tmp [20]byte
	i := len(tmp)
	for v > 0 {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, tmp[i:]...)
}

package snmp

// BER (X.690) as SNMP uses it (RFC 3416, RFC 3417 §8: definite lengths only), for wire.go:
// just the tags, lengths, integers and OIDs of GET/GETNEXT/GETBULK requests and their
// responses.

const (
	berInteger     = 0x02
	berOctetString = 0x04
	berNull        = 0x05
	berOID         = 0x06
	berSequence    = 0x30
)

// berNext splits the TLV at the start of b. Only single-byte tags occur in SNMP.
func berNext(b []byte) (tag byte, content, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, nil, false
	}
	tag = b[0]
	n, hdr := int(b[1]), 2
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 3 || len(b) < 2+k {
			return 0, nil, nil, false // indefinite (forbidden by RFC 3417 §8) or absurd
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		hdr += k
	}
	if len(b)-hdr < n {
		return 0, nil, nil, false
	}
	return tag, b[hdr : hdr+n], b[hdr+n:], true
}

// berExpect is berNext for a known tag.
func berExpect(b []byte, want byte) (content, rest []byte, ok bool) {
	tag, content, rest, ok := berNext(b)
	if !ok || tag != want {
		return nil, nil, false
	}
	return content, rest, true
}

// berInt64 reads an INTEGER's content (1 to 8 bytes, two's complement).
func berInt64(c []byte) (int64, bool) {
	if len(c) == 0 || len(c) > 8 {
		return 0, false
	}
	v := int64(int8(c[0]))
	for _, x := range c[1:] {
		v = v<<8 | int64(x)
	}
	return v, true
}

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

// appendLength appends a definite length in its shortest form.
func appendLength(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n < 0x100:
		return append(dst, 0x81, byte(n))
	case n < 0x10000:
		return append(dst, 0x82, byte(n>>8), byte(n))
	}
	return append(dst, 0x83, byte(n>>16), byte(n>>8), byte(n))
}

// appendInt appends an INTEGER TLV in its minimal two's-complement form.
func appendInt(dst []byte, v int64) []byte {
	n := 1
	for x := v; x > 127 || x < -128; x >>= 8 {
		n++
	}
	dst = append(dst, berInteger, byte(n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// appendOctets appends an OCTET STRING TLV.
func appendOctets(dst []byte, s string) []byte {
	dst = append(dst, berOctetString)
	dst = appendLength(dst, len(s))
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
			dst = appendSubID(dst, first*40+v)
		default:
			dst = appendSubID(dst, v)
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

// appendSubID appends one base-128 sub-identifier.
func appendSubID(dst []byte, v uint64) []byte {
	var tmp [10]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7f)
	for v >>= 7; v > 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7f) | 0x80
	}
	return append(dst, tmp[i:]...)
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

// beginSeq opens a constructed TLV whose length is not known yet; endSeq closes it. The
// header is reserved at its longest and the content moved back once.
func beginSeq(dst []byte, tag byte) ([]byte, int) {
	return append(dst, tag, 0, 0, 0, 0), len(dst)
}

// endSeq fixes the length of the TLV opened at mark.
func endSeq(dst []byte, mark int) []byte {
	const reserved = 5
	n := len(dst) - mark - reserved
	var tmp [5]byte
	h := appendLength(tmp[:0], n)
	copy(dst[mark+1+len(h):], dst[mark+reserved:])
	copy(dst[mark+1:], h)
	return dst[:mark+1+len(h)+n]
}

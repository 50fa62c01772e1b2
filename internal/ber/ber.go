// Package ber holds the BER (X.690) primitives SNMP needs, as RFC 3416 and RFC 3417 §8 use
// them (single-byte tags, definite lengths only): splitting TLVs, INTEGER contents, and
// appending lengths, integers, OID sub-identifiers and constructed TLVs. The collector's
// fast path (collector/snmp/wire.go) and the simulator's agent (internal/sim) share them, so
// both ends of the project's SNMP speak one encoding.
package ber

// Universal tags SNMP uses.
const (
	Integer     = 0x02
	OctetString = 0x04
	Null        = 0x05
	OID         = 0x06
	Sequence    = 0x30
)

// Next splits the TLV at the start of b; ok is false for a truncated TLV or an indefinite
// length (forbidden by RFC 3417 §8). Long-form lengths of up to 4 bytes are read (some
// encoders pad lengths to a fixed width).
func Next(b []byte) (tag byte, content, rest []byte, ok bool) {
	if len(b) < 2 {
		return 0, nil, nil, false
	}
	tag = b[0]
	n, hdr := int(b[1]), 2
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, nil, nil, false
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		hdr += k
	}
	if n < 0 || len(b)-hdr < n {
		return 0, nil, nil, false
	}
	return tag, b[hdr : hdr+n], b[hdr+n:], true
}

// Expect is Next for a known tag.
func Expect(b []byte, want byte) (content, rest []byte, ok bool) {
	tag, content, rest, ok := Next(b)
	if !ok || tag != want {
		return nil, nil, false
	}
	return content, rest, true
}

// Int64 reads an INTEGER's content (1 to 8 bytes, two's complement).
func Int64(c []byte) (int64, bool) {
	if len(c) == 0 || len(c) > 8 {
		return 0, false
	}
	v := int64(int8(c[0]))
	for _, x := range c[1:] {
		v = v<<8 | int64(x)
	}
	return v, true
}

// AppendLength appends a definite length in its shortest form.
func AppendLength(dst []byte, n int) []byte {
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

// AppendInt appends a TLV of the given INTEGER-like tag in minimal two's-complement form.
func AppendInt(dst []byte, tag byte, v int64) []byte {
	n := 1
	for x := v; x > 127 || x < -128; x >>= 8 {
		n++
	}
	dst = append(dst, tag, byte(n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(v>>(8*i)))
	}
	return dst
}

// AppendSubID appends one base-128 OID sub-identifier.
func AppendSubID(dst []byte, v uint64) []byte {
	var tmp [10]byte
	i := len(tmp) - 1
	tmp[i] = byte(v & 0x7f)
	for v >>= 7; v > 0; v >>= 7 {
		i--
		tmp[i] = byte(v&0x7f) | 0x80
	}
	return append(dst, tmp[i:]...)
}

// BeginSeq opens a constructed TLV whose length is not known yet; EndSeq closes it. The
// header is reserved at its longest and the content moved back once, so nesting costs one
// memmove per level and no scratch buffers.
func BeginSeq(dst []byte, tag byte) ([]byte, int) {
	return append(dst, tag, 0, 0, 0, 0), len(dst)
}

// EndSeq fixes the length of the TLV opened at mark.
func EndSeq(dst []byte, mark int) []byte {
	const reserved = 5
	n := len(dst) - mark - reserved
	var tmp [5]byte
	h := AppendLength(tmp[:0], n)
	copy(dst[mark+1+len(h):], dst[mark+reserved:])
	copy(dst[mark+1:], h)
	return dst[:mark+1+len(h)+n]
}

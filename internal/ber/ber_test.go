package ber

import (
	"bytes"
	"math"
	"testing"
)

// Encodings from X.690 §8.3 (minimal two's complement) and §8.1.3 (definite lengths).
func TestIntRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		want []byte
	}{
		{0, []byte{Integer, 1, 0x00}},
		{127, []byte{Integer, 1, 0x7f}},
		{128, []byte{Integer, 2, 0x00, 0x80}},
		{-128, []byte{Integer, 1, 0x80}},
		{-129, []byte{Integer, 2, 0xff, 0x7f}},
		{math.MaxInt64, []byte{Integer, 8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	} {
		got := AppendInt(nil, Integer, tc.v)
		if !bytes.Equal(got, tc.want) {
			t.Errorf("AppendInt(%d) = % x, want % x", tc.v, got, tc.want)
		}
		c, rest, ok := Expect(got, Integer)
		v, ok2 := Int64(c)
		if !ok || !ok2 || len(rest) != 0 || v != tc.v {
			t.Errorf("Int64(Expect(% x)) = %d, %v %v", got, v, ok, ok2)
		}
	}
}

func TestNextLengths(t *testing.T) {
	long := bytes.Repeat([]byte{1}, 300)
	seq, mark := BeginSeq(nil, Sequence)
	seq = EndSeq(append(seq, long...), mark)
	if !bytes.Equal(seq[:4], []byte{Sequence, 0x82, 0x01, 0x2c}) {
		t.Fatalf("EndSeq header % x, want 30 82 01 2c", seq[:4])
	}
	if _, c, rest, ok := Next(seq); !ok || len(c) != 300 || len(rest) != 0 {
		t.Fatalf("Next of a 300-byte sequence: %d bytes, %v", len(c), ok)
	}
	// A length padded to 4 bytes (84 00 00 00 02) is read; indefinite (80) and truncated
	// TLVs are not (RFC 3417 §8).
	if _, c, _, ok := Next([]byte{OctetString, 0x84, 0, 0, 0, 2, 'h', 'i'}); !ok || string(c) != "hi" {
		t.Errorf("padded length: %q %v", c, ok)
	}
	for _, b := range [][]byte{{Sequence, 0x80, 0, 0}, {OctetString, 5, 'a'}, {OctetString}, {OctetString, 0x85, 0, 0, 0, 0, 1, 'a'}} {
		if _, _, _, ok := Next(b); ok {
			t.Errorf("Next(% x) accepted", b)
		}
	}
}

package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// parseOID parses a dotted OID ("1.3.6.1.2.1.1", a leading dot allowed).
func parseOID(s string) ([]uint32, error) {
	s = strings.TrimPrefix(s, ".")
	if s == "" {
		return nil, fmt.Errorf("parse OID %q: empty", s)
	}
	parts := strings.Split(s, ".")
	oid := make([]uint32, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("parse OID %q: %w", s, err)
		}
		oid[i] = uint32(v)
	}
	return oid, nil
}

// mustParseOID parses an OID that is a constant of this package.
func mustParseOID(s string) []uint32 {
	oid, err := parseOID(s)
	if err != nil {
		panic(err)
	}
	return oid
}

// compareOID orders OIDs lexicographically by sub-identifier (RFC 3416 §4.2.2: the
// "lexicographic successor"), a proper prefix sorting first.
func compareOID(a, b []uint32) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

// hasPrefix reports whether oid lies under prefix (or equals it).
func hasPrefix(oid, prefix []uint32) bool {
	if len(oid) < len(prefix) {
		return false
	}
	for i, v := range prefix {
		if oid[i] != v {
			return false
		}
	}
	return true
}

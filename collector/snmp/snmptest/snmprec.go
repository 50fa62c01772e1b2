package snmptest

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// LoadSnmprecFile reads an snmpsim .snmprec recording (see ParseSnmprec).
func LoadSnmprecFile(path string) ([]gosnmp.SnmpPDU, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pdus, err := ParseSnmprec(f)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return pdus, nil
}

// ParseSnmprec reads snmpsim's `OID|TYPE|VALUE` lines into varbinds whose Values have the Go
// types gosnmp decodes into (int for Integer, []byte for OctetString, uint for
// Counter32/Gauge32, uint32 for TimeTicks, uint64 for Counter64, string for OIDs and IP
// addresses), so a fake serves them exactly as a real agent's answers would arrive.
// TYPE is the BER tag, with an `x` suffix for hex-encoded values. A `4x` value that is not
// valid hex (the ios recording anonymised MACs as "346288XXYYZZ") is served as its literal
// bytes, which is what the recording's text is.
func ParseSnmprec(r io.Reader) ([]gosnmp.SnmpPDU, error) {
	var out []gosnmp.SnmpPDU
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		oid, rest, ok1 := strings.Cut(text, "|")
		tag, val, ok2 := strings.Cut(rest, "|")
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("line %d: want OID|TYPE|VALUE, got %q", line, text)
		}
		isHex := strings.HasSuffix(tag, "x")
		tag = strings.TrimSuffix(tag, "x")
		n, err := strconv.Atoi(tag)
		if err != nil {
			return nil, fmt.Errorf("line %d: type %q is not a BER tag number", line, tag)
		}
		raw := []byte(val)
		if isHex {
			if b, err := hex.DecodeString(val); err == nil {
				raw = b
			}
		}
		p := gosnmp.SnmpPDU{Name: "." + strings.TrimPrefix(oid, "."), Type: gosnmp.Asn1BER(n)}
		switch p.Type {
		case gosnmp.Integer:
			v, err := strconv.ParseInt(string(raw), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: Integer %q: %w", line, val, err)
			}
			p.Value = int(v)
		case gosnmp.OctetString, gosnmp.Opaque, gosnmp.BitString:
			p.Value = raw
		case gosnmp.ObjectIdentifier:
			p.Value = "." + strings.TrimPrefix(string(raw), ".")
		case gosnmp.IPAddress:
			if len(raw) == 4 && isHex {
				p.Value = fmt.Sprintf("%d.%d.%d.%d", raw[0], raw[1], raw[2], raw[3])
			} else {
				p.Value = string(raw)
			}
		case gosnmp.Counter32, gosnmp.Gauge32:
			v, err := strconv.ParseUint(string(raw), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s %q: %w", line, p.Type, val, err)
			}
			p.Value = uint(v)
		case gosnmp.TimeTicks, gosnmp.Uinteger32:
			v, err := strconv.ParseUint(string(raw), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s %q: %w", line, p.Type, val, err)
			}
			p.Value = uint32(v)
		case gosnmp.Counter64:
			v, err := strconv.ParseUint(string(raw), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: Counter64 %q: %w", line, val, err)
			}
			p.Value = v
		case gosnmp.Null:
		default:
			return nil, fmt.Errorf("line %d: unsupported type %d", line, n)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

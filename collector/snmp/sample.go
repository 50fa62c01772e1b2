package snmp

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
)

// ParseVarbind reads OID=VALUE for a sample varbind. OID is numeric or a MIB name
// (ResolveOID, with the instance: a scalar gets .0); VALUE is written as net-snmp prints it
// ("Counter64: 42", "STRING: x", "INTEGER: 1", "Gauge32:", "Counter32:", "Timeticks: (n)",
// "Hex-STRING: 00 1A", "OID:", "IpAddress:"), or bare: a non-negative integer is a
// Counter64, anything else a STRING.
func ParseVarbind(s string) (gosnmp.SnmpPDU, error) {
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		return gosnmp.SnmpPDU{}, fmt.Errorf("%q: write OID=VALUE, e.g. ifHCInOctets.3=42", s)
	}
	oid, err := ResolveOID(strings.TrimSpace(name), true)
	if err != nil {
		return gosnmp.SnmpPDU{}, err
	}
	val = strings.TrimSpace(val)
	typ, rest, typed := strings.Cut(val, ": ")
	if !typed {
		if u, err := strconv.ParseUint(val, 10, 64); err == nil {
			return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.Counter64, Value: u}, nil
		}
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: []byte(strings.Trim(val, `"`))}, nil
	}
	bad := func(err error) (gosnmp.SnmpPDU, error) {
		return gosnmp.SnmpPDU{}, fmt.Errorf("%q: %w", s, err)
	}
	num := func() (uint64, error) {
		return strconv.ParseUint(strings.Trim(strings.Fields(rest + " ")[0], "()"), 10, 64)
	}
	switch typ {
	case "STRING":
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: []byte(strings.Trim(rest, `"`))}, nil
	case "Hex-STRING":
		b, err := hex.DecodeString(strings.Join(strings.Fields(rest), ""))
		if err != nil {
			return bad(err)
		}
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: b}, nil
	case "INTEGER":
		i, err := strconv.Atoi(rest)
		if err != nil {
			return bad(err)
		}
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.Integer, Value: i}, nil
	case "Counter64":
		u, err := num()
		if err != nil {
			return bad(err)
		}
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.Counter64, Value: u}, nil
	case "Counter32", "Gauge32", "Timeticks":
		u, err := num()
		if err != nil || u > 1<<32-1 {
			return bad(errors.Join(err, errors.New("a 32-bit unsigned number")))
		}
		t := map[string]gosnmp.Asn1BER{"Counter32": gosnmp.Counter32, "Gauge32": gosnmp.Gauge32, "Timeticks": gosnmp.TimeTicks}[typ]
		if t == gosnmp.TimeTicks {
			return gosnmp.SnmpPDU{Name: oid, Type: t, Value: uint32(u)}, nil
		}
		return gosnmp.SnmpPDU{Name: oid, Type: t, Value: uint(u)}, nil
	case "OID":
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.ObjectIdentifier, Value: rest}, nil
	case "IpAddress":
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.IPAddress, Value: rest}, nil
	}
	return bad(fmt.Errorf("unknown type %q: use STRING, Hex-STRING, INTEGER, Counter32, Counter64, Gauge32, Timeticks, OID or IpAddress", typ))
}

// Sample is what SamplePoll found.
type Sample struct {
	Points    []collector.Point // time 0
	Conflicts []string          // the type conflicts the session reported, one line each
	// Matches says which profiles applied to the sample device and why; nil when no
	// profile has match rules. ObjectID and Descr are the sysObjectID and sysDescr read.
	Matches         []ProfileMatch
	ObjectID, Descr string
}

// SamplePoll polls c's profiles once, with the daemon's own Session, against an agent that
// holds only pdus. So `netpulse explain` shows exactly what the daemon writes for those
// varbinds, and which profiles a device with that sysObjectID would get.
func SamplePoll(ctx context.Context, c Config, pdus []gosnmp.SnmpPDU) (Sample, error) {
	fake, err := snmptest.NewFake(pdus)
	if err != nil {
		return Sample{}, err
	}
	var logBuf strings.Builder
	s, err := NewWithClient(c, collector.Runtime{}, slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn})), fake)
	if err != nil {
		return Sample{}, err
	}
	defer s.Close()
	var out Sample
	out.Points, err = s.Poll(ctx)
	if err != nil {
		return Sample{}, fmt.Errorf("normalize the sample: %w", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		if i := strings.Index(l, "msg="); i >= 0 && strings.Contains(l, "type_conflict") {
			out.Conflicts = append(out.Conflicts, l[i:])
		}
	}
	for i := range out.Points {
		out.Points[i].Time = time.Unix(0, 0)
	}
	out.Matches = s.Matches()
	out.ObjectID, out.Descr = s.DeviceIdentity()
	return out, nil
}

// TypeOrigin says where the type of a profile's field comes from.
type TypeOrigin struct {
	Profile  string
	Declared bool           // the profile fixes the type (types: or a format); else learned at write time
	Kind     collector.Kind // the declared type
	Format   string         // the format that implies it, when not declared by types:
}

// FieldTypeOrigin finds field f of measurement m in profiles; ok is false when no profile
// writes it.
func FieldTypeOrigin(profiles []Profile, m, f string) (o TypeOrigin, ok bool) {
	origin := func(profile string, types, formats map[string]string, fieldType func(string) (collector.Kind, bool)) TypeOrigin {
		o := TypeOrigin{Profile: profile}
		o.Kind, o.Declared = fieldType(f)
		if o.Declared && types[f] == "" {
			o.Format = formats[f]
		}
		return o
	}
	for _, p := range profiles {
		for i := range p.Scalars {
			if s := &p.Scalars[i]; s.Measurement == m {
				if _, ok := s.Fields[f]; ok {
					return origin(p.Name, s.Types, s.Formats, s.FieldType), true
				}
			}
		}
		for i := range p.Tables {
			if t := &p.Tables[i]; t.Measurement == m {
				if _, ok := t.Fields[f]; ok || f == t.IndexField {
					return origin(p.Name, t.Types, t.Formats, t.FieldType), true
				}
			}
		}
	}
	return TypeOrigin{}, false
}

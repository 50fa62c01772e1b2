package snmp

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
)

// TestBuiltinProfilesDeclareEveryField: every field of every built-in profile (the index
// field included) has a declared type, so no built-in field's type depends on which agent
// answers first. New built-in profiles are covered as soon as BuiltinProfileNames lists them.
func TestBuiltinProfilesDeclareEveryField(t *testing.T) {
	for _, name := range BuiltinProfileNames() {
		p, ok := BuiltinProfile(name)
		if !ok {
			t.Fatalf("BuiltinProfileNames lists %q but BuiltinProfile does not know it", name)
		}
		if err := ValidateProfile(p); err != nil {
			t.Errorf("profile %s: %v", name, err)
		}
		for i := range p.Scalars {
			s := &p.Scalars[i]
			for _, f := range s.FieldNames() {
				if _, ok := s.FieldType(f); !ok {
					t.Errorf("profile %s: scalars[%d] (%s): field %s has no declared type: add it to Types", name, i, s.Measurement, f)
				}
			}
		}
		for i := range p.Tables {
			tb := &p.Tables[i]
			for _, f := range tb.FieldNames() {
				if _, ok := tb.FieldType(f); !ok {
					t.Errorf("profile %s: tables[%d] (%s): field %s has no declared type: add it to Types", name, i, tb.Measurement, f)
				}
			}
		}
	}
}

// smiKind is the field type an SMIv2 base type (RFC 2578 §7.1) naturally maps to: the
// independent reference the built-in declarations are checked against below.
func smiKind(typ gosnmp.Asn1BER) (collector.Kind, bool) {
	switch typ {
	case gosnmp.Counter32, gosnmp.Counter64, gosnmp.Gauge32, gosnmp.TimeTicks, gosnmp.Uinteger32:
		return collector.KindUint, true
	case gosnmp.OctetString, gosnmp.ObjectIdentifier, gosnmp.IPAddress:
		return collector.KindString, true
	}
	return collector.KindInvalid, false // Integer: an enum, a TruthValue or a number
}

// TestDeclaredTypesAgreeWithRecordings checks the declarations of the system and if-mib
// profiles against the SNMP types every recorded device (testdata/devices, real agents'
// walks) actually sends for each column, and that polling each recording yields every field
// in its declared type with no type conflict.
func TestDeclaredTypesAgreeWithRecordings(t *testing.T) {
	for _, dev := range devices(t) {
		t.Run(dev, func(t *testing.T) {
			fake, pdus := loadFake(t, dev)
			for _, pn := range []string{"system", "if-mib"} {
				p, _ := BuiltinProfile(pn)
				check := func(field, oid string, declared collector.Kind, format string, scalar bool) {
					col := normalOID(oid)
					for _, pdu := range pdus {
						name := normalOID(pdu.Name)
						if scalar && name != col && name != col+".0" || !scalar && !strings.HasPrefix(name, col+".") {
							continue
						}
						want, ok := smiKind(pdu.Type)
						if pdu.Type == gosnmp.Integer {
							switch format {
							case "enum":
								want, ok = collector.KindString, true
							case "truthvalue":
								want, ok = collector.KindBool, true
							case "uint":
								// ifMtu is Integer32 but never negative (RFC 2863); OpenConfig
								// mtu is uint16.
								if n, _ := pdu.Value.(int); n >= 0 {
									want, ok = collector.KindUint, true
								}
							}
						}
						if format == "timeticks-ns" || format == "mac" {
							want, ok = declared, true // conversions, checked by value below
						}
						if !ok || want != declared {
							t.Errorf("%s %s: %s sends %s (%v), declared %s", pn, field, pdu.Name, pdu.Type, pdu.Value, declared)
						}
						break // one row per column is enough: agents send one type per column
					}
				}
				for _, s := range p.Scalars {
					for f, oid := range s.Fields {
						k, _ := s.FieldType(f)
						check(f, oid, k, s.Formats[f], true)
					}
				}
				for _, tb := range p.Tables {
					for f, oid := range tb.Fields {
						k, _ := tb.FieldType(f)
						check(f, oid, k, tb.Formats[f], false)
						if fb, ok := tb.Fallbacks[f]; ok {
							check(f, fb, k, tb.Formats[f], false)
						}
					}
				}
			}

			cfg := testConfig(t)
			st := &collector.Stats{}
			s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, fake)
			if err != nil {
				t.Fatal(err)
			}
			points, err := s.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, pt := range points {
				for _, f := range pt.Fields {
					want, ok := declaredOf(t, pt.Measurement, f.Key)
					if !ok {
						t.Fatalf("%s: field %s not in a built-in profile", pt.Measurement, f.Key)
					}
					if f.Kind != want {
						t.Errorf("%s %s = %s, declared %s", pt.Measurement, f.Key, f.Format(), want)
					}
				}
			}
			if n := st.TypeConflicts.Load(); n != 0 {
				t.Errorf("%d type conflicts on a recorded device", n)
			}
		})
	}
}

func declaredOf(t *testing.T, measurement, field string) (collector.Kind, bool) {
	t.Helper()
	for _, pn := range BuiltinProfileNames() {
		p, _ := BuiltinProfile(pn)
		for i := range p.Scalars {
			if p.Scalars[i].Measurement == measurement {
				if k, ok := p.Scalars[i].FieldType(field); ok {
					return k, true
				}
			}
		}
		for i := range p.Tables {
			if p.Tables[i].Measurement == measurement {
				if k, ok := p.Tables[i].FieldType(field); ok {
					return k, true
				}
			}
		}
	}
	return collector.KindInvalid, false
}

// TestTypeConflictDropsOnlyTheField: a broken agent sending counters as a binary
// OctetString, as a negative Integer and as decimal text. The decimal text is converted
// exactly; the others drop only their field, are counted as type conflicts, and the rest of
// the row (name, status, mtu) is written with the declared types.
func TestTypeConflictDropsOnlyTheField(t *testing.T) {
	spec := ifMIBSpec(t)
	const (
		ifName, hcIn, hcOut, inErr = "1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.31.1.1.1.10", "1.3.6.1.2.1.2.2.1.14"
		mtu, oper, speed, in32     = "1.3.6.1.2.1.2.2.1.4", "1.3.6.1.2.1.2.2.1.8", "1.3.6.1.2.1.31.1.1.1.15", "1.3.6.1.2.1.2.2.1.10"
		alias                      = "1.3.6.1.2.1.31.1.1.1.18"
	)
	d := ifRows(t, spec, map[string]map[string]cell{
		"1": {
			ifName: str("eth0"),
			hcIn:   {gosnmp.OctetString, []byte{0x00, 0xff, 0x12, 0x34}}, // binary: no exact number
			in32:   c32(77),                                              // the fallback column
			hcOut:  {gosnmp.OctetString, []byte("1234")},                 // decimal text: exact
			inErr:  integer(-2147483648),                                 // negative: no uint
			mtu:    integer(1500),                                        // Integer32 → uint
			oper:   integer(1),
			speed:  {gosnmp.Gauge32, uint(1000)},
			alias:  str("100"), // a description that looks like a number stays a string
		},
	})
	var st normStats
	points := tablePoints(spec, d, baseTags("dev", nil), time.Unix(0, 0), &st)
	if len(points) != 1 {
		t.Fatalf("%d points", len(points))
	}
	want := `interfaces,interface_name=eth0,source=dev state/counters/in-octets=77u,state/counters/out-octets=1234u,state/description="100",state/high-speed=1000u,state/ifindex=1u,state/mtu=1500u,state/name="eth0",state/oper-status="UP" 0`
	if got := points[0].String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	var got []string
	for _, c := range st.conflicts {
		got = append(got, c.Field+" "+c.Want.String()+" "+c.SNMPType.String()+" "+c.Value)
	}
	wantC := []string{
		"state/counters/in-errors uint Integer -2147483648",
		"state/counters/in-octets uint OctetString 0x00ff1234",
	}
	if strings.Join(got, "\n") != strings.Join(wantC, "\n") {
		t.Fatalf("conflicts\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantC, "\n"))
	}
}

// TestTypeConflictCountedAndLoggedOnce: through a session, conflicts reach Stats and the log
// names each field once however many polls repeat it.
func TestTypeConflictCountedAndLoggedOnce(t *testing.T) {
	pdus := []gosnmp.SnmpPDU{
		{Name: ".1.3.6.1.2.1.2.2.1.2.1", Type: gosnmp.OctetString, Value: []byte("eth0")},
		{Name: ".1.3.6.1.2.1.2.2.1.4.1", Type: gosnmp.Integer, Value: 1500},
		{Name: ".1.3.6.1.2.1.2.2.1.14.1", Type: gosnmp.Integer, Value: -5},
		{Name: ".1.3.6.1.2.1.31.1.1.1.6.1", Type: gosnmp.OctetString, Value: []byte{0, 0xff}},
	}
	fake, err := snmptest.NewFake(pdus)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, "if-mib")
	st := &collector.Stats{}
	var logBuf bytes.Buffer
	s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, slog.New(slog.NewTextHandler(&logBuf, nil)), fake)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		points, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(points) != 1 {
			t.Fatalf("%d points", len(points))
		}
		if f, ok := points[0].Field("state/mtu"); !ok || f.Format() != "1500u" {
			t.Fatalf("mtu %v", f)
		}
	}
	if n := st.TypeConflicts.Load(); n != 6 {
		t.Errorf("TypeConflicts %d, want 6 (2 fields × 3 polls)", n)
	}
	log := logBuf.String()
	for _, f := range []string{"field=state/counters/in-errors", "field=state/counters/in-octets"} {
		if n := strings.Count(log, f); n != 1 {
			t.Errorf("%s logged %d times, want once:\n%s", f, n, log)
		}
	}
	if !strings.Contains(log, `value=0x00ff`) || !strings.Contains(log, "declared_type=uint") {
		t.Errorf("log lacks the value or declared type:\n%s", log)
	}
}

func TestValidateTypes(t *testing.T) {
	base := func() Profile {
		return Profile{Tables: []Table{{
			Measurement: "m",
			Fields:      map[string]string{"a": "1.3.6.1.1", "b": "1.3.6.1.2"},
			Tags:        map[string]string{"t": "1.3.6.1.3"},
			Formats:     map[string]string{"b": "enum"},
			Enums:       map[string]map[int64]string{"b": {1: "x"}},
		}}}
	}
	for _, tc := range []struct {
		types map[string]string
		err   string
	}{
		{map[string]string{"a": "uint", "b": "string"}, ""},
		{map[string]string{"a": "unsigned"}, `tables[0].types.a: unknown type "unsigned": use uint, int, float, bool, string`},
		{map[string]string{"t": "string"}, "types.t: t is a tag, and tags are always strings"},
		{map[string]string{"zz": "int"}, "types.zz: no field of that name"},
		{map[string]string{"b": "int"}, "types.b: int contradicts formats.b: enum, which writes a string"},
	} {
		p := base()
		p.Tables[0].Types = tc.types
		err := ValidateProfile(p)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("types %v: error %v, want %q", tc.types, err, tc.err)
		}
	}
}

// TestTypesYAMLNamesTheLine: a config's unknown types values are all reported while
// decoding, each with its line and the accepted values.
func TestTypesYAMLNamesTheLine(t *testing.T) {
	doc := `tables:
  - measurement: m
    fields: {a: 1.3.6.1.1, b: 1.3.6.1.2}
    types:
      a: unsigned
      b: uint
scalars:
  - measurement: s
    fields: {c: 1.3.6.1.3}
    types:
      c: integer
`
	var p Profile
	if err := yaml.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	// ValidateProfile stops at the first bad group (scalars come first); each group names
	// every bad entry of its own with its line.
	if err := ValidateProfile(p); err == nil || !strings.Contains(err.Error(), `scalars[0]: line 11: types.c: unknown type "integer"`) {
		t.Errorf("scalar error: %v", err)
	}
	p.Scalars = nil
	if err := ValidateProfile(p); err == nil || !strings.Contains(err.Error(), `tables[0]: line 5: types.a: unknown type "unsigned": use uint, int, float, bool, string`) {
		t.Errorf("table error: %v", err)
	}
	var ok Profile
	if err := yaml.Unmarshal([]byte(strings.NewReplacer("unsigned", "uint", "integer", "int").Replace(doc)), &ok); err != nil {
		t.Fatal(err)
	}
	if k, _ := ok.Tables[0].FieldType("a"); k != collector.KindUint {
		t.Errorf("a declared %s", k)
	}
	if err := ValidateProfile(ok); err != nil {
		t.Errorf("valid profile: %v", err)
	}
}

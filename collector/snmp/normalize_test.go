package snmp

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
)

func TestOctetString(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte("Gi0/1"), "Gi0/1"},
		{[]byte{0, 0}, ""},                           // dnos_z9100-on ifAlias padding
		{[]byte("uplink\x00\x00"), "uplink"},         // NUL-terminated C string
		{[]byte("line1\r\nline2"), "line1\r\nline2"}, // ios sysDescr
		{[]byte{0x00, 0x1d, 0xe5, 0x84}, "001de584"}, // binary
		{[]byte{'a', 0xff, 'b'}, "61ff62"},           // invalid UTF-8
		{[]byte("Größe"), "Größe"},
		{[]byte{}, ""},
	} {
		if got := octetString(tc.in); got != tc.want {
			t.Errorf("octetString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestConvert(t *testing.T) {
	enum := map[int64]string{1: "UP", 2: "DOWN"}
	for _, tc := range []struct {
		name    string
		format  valueFormat
		c       cell
		want    string // Field.Format(), "" = no field
		dropped int
	}{
		{"integer", formatAuto, cell{gosnmp.Integer, -5}, "-5i", 0},
		{"counter32", formatAuto, cell{gosnmp.Counter32, uint(4294967295)}, "4294967295u", 0},
		{"gauge32", formatAuto, cell{gosnmp.Gauge32, uint(10000)}, "10000u", 0},
		{"timeticks", formatAuto, cell{gosnmp.TimeTicks, uint32(362623318)}, "362623318u", 0},
		{"counter64", formatAuto, cell{gosnmp.Counter64, uint64(1) << 63}, "9223372036854775808u", 0},
		{"octets", formatAuto, cell{gosnmp.OctetString, []byte("eth0")}, `"eth0"`, 0},
		{"oid", formatAuto, cell{gosnmp.ObjectIdentifier, ".1.3.6.1.4.1.9"}, `".1.3.6.1.4.1.9"`, 0},
		{"ip", formatAuto, cell{gosnmp.IPAddress, "10.0.0.1"}, `"10.0.0.1"`, 0},
		{"opaque float", formatAuto, cell{gosnmp.OpaqueFloat, float32(1.5)}, "1.5", 0},
		{"noSuchObject", formatAuto, cell{gosnmp.NoSuchObject, nil}, "", 1},
		{"noSuchInstance", formatAuto, cell{gosnmp.NoSuchInstance, nil}, "", 1},
		{"endOfMibView", formatAuto, cell{gosnmp.EndOfMibView, nil}, "", 1},
		{"absent", formatAuto, cell{}, "", 0},
		{"undecodable", formatAuto, cell{gosnmp.Counter32, nil}, "", 1},
		{"uint from integer", formatUint, cell{gosnmp.Integer, 1500}, "1500u", 0},
		{"uint from negative", formatUint, cell{gosnmp.Integer, -1}, "", 1},
		{"int from counter", formatInt, cell{gosnmp.Counter32, uint(7)}, "7i", 0},
		{"enum known", formatEnum, cell{gosnmp.Integer, 2}, `"DOWN"`, 0},
		{"enum unknown", formatEnum, cell{gosnmp.Integer, 9}, `"9"`, 0},
		{"truth 1", formatTruthValue, cell{gosnmp.Integer, 1}, "true", 0},
		{"truth 2", formatTruthValue, cell{gosnmp.Integer, 2}, "false", 0},
		{"truth 3", formatTruthValue, cell{gosnmp.Integer, 3}, "", 1},
		{"mac", formatMAC, cell{gosnmp.OctetString, []byte{0xe0, 0x23, 0xff, 0x69, 0x03, 0x8e}}, `"e0:23:ff:69:03:8e"`, 0},
		{"mac printable bytes", formatMAC, cell{gosnmp.OctetString, []byte("ABCDEF")}, `"41:42:43:44:45:46"`, 0},
		{"mac empty", formatMAC, cell{gosnmp.OctetString, []byte{}}, "", 1},
		{"hex", formatHex, cell{gosnmp.OctetString, []byte("ab")}, `"6162"`, 0},
		{"ticks to ns", formatTimeTicksNs, cell{gosnmp.TimeTicks, uint32(100)}, "1000000000u", 0},
		{"string from number", formatString, cell{gosnmp.Gauge32, uint(3)}, `"3"`, 0},
		{"mac from integer", formatMAC, cell{gosnmp.Integer, 3}, "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var st normStats
			vs := &valueSpec{name: "f", format: tc.format, enum: enum, fallback: -1}
			f, ok := convert(vs, tc.c, &st)
			got := ""
			if ok {
				got = f.Format()
			}
			if got != tc.want || st.dropped != tc.dropped {
				t.Fatalf("got %q (dropped %d), want %q (dropped %d)", got, st.dropped, tc.want, tc.dropped)
			}
		})
	}
}

func TestCompareOID(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.3.6.1", "1.3.6.1", 0},
		{".1.3.6.1", "1.3.6.1", 0},
		{"1.3.6.1.2", "1.3.6.1.10", -1},
		{"1.3.6.1.10", "1.3.6.1.9", 1},
		{"1.3.6", "1.3.6.1", -1},
		{"1.3.6.1", "1.3.6", 1},
		{"5", "83886080", -1},
		{"1275076608", "999", 1},
		{"1.2.3", "1.23", -1},
		{"1.23", "1.2.3", 1},
		{"1.2", "1.2.3", -1},
		{"1.05", "1.5", 0},
		{"1.05.1", "1.5", 1},
		{"1.007", "1.10", -1},
		{"", "1", -1},
		{"", "", 0},
	} {
		if got := compareOID(tc.a, tc.b); got != tc.want {
			t.Errorf("compareOID(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := compareOIDArcs(strings.TrimPrefix(tc.a, "."), strings.TrimPrefix(tc.b, ".")); got != tc.want {
			t.Errorf("compareOIDArcs(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// FuzzCompareOID: the prefix-skipping compareOID orders every pair of OIDs as the plain
// arc-by-arc comparison does.
func FuzzCompareOID(f *testing.F) {
	for _, s := range [][2]string{{"1.3.6.1.2", "1.3.6.1.10"}, {".1.2.3", "1.23"}, {"1.05", "1.5"}, {"5", "83886080"}, {"1.2.x", "1.2.y"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		want := compareOIDArcs(strings.TrimPrefix(a, "."), strings.TrimPrefix(b, "."))
		if got := compareOID(a, b); got != want {
			t.Fatalf("compareOID(%q, %q) = %d, arc by arc %d", a, b, got, want)
		}
	})
}

// ifRows builds an if-mib tableData by hand: per row, column OID (without leading dot) →
// cell.
func ifRows(t *testing.T, spec *tableSpec, rows map[string]map[string]cell) *tableData {
	t.Helper()
	d := newTableData(len(spec.columns), len(rows))
	for idx, cols := range rows {
		for oid, c := range cols {
			col := -1
			for i, o := range spec.columns {
				if o == "."+oid {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("column %s not in the spec", oid)
			}
			d.set(col, idx, c.typ, c.val)
		}
	}
	return d
}

func ifMIBSpec(t *testing.T) *tableSpec {
	t.Helper()
	p, _ := BuiltinProfile("if-mib")
	cp, err := compileProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	return &cp.tables[0]
}

func str(s string) cell  { return cell{gosnmp.OctetString, []byte(s)} }
func c32(v uint) cell    { return cell{gosnmp.Counter32, v} }
func c64(v uint64) cell  { return cell{gosnmp.Counter64, v} }
func integer(v int) cell { return cell{gosnmp.Integer, v} }
func lines(ps []collector.Point) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// TestIfMIBFallbacks pins the per-row fallbacks: ifName → ifDescr → ifIndex for the name,
// ifHCInOctets → ifInOctets only where the HC column is absent (cumulus_bgp: wrapped
// Counter32 next to a right HC value).
func TestIfMIBFallbacks(t *testing.T) {
	spec := ifMIBSpec(t)
	const (
		ifName, ifDescr, hcIn, in32 = "1.3.6.1.2.1.31.1.1.1.1", "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.31.1.1.1.6", "1.3.6.1.2.1.2.2.1.10"
		oper                        = "1.3.6.1.2.1.2.2.1.8"
	)
	d := ifRows(t, spec, map[string]map[string]cell{
		"1":   {ifName: str("swp1"), ifDescr: str("swp1 descr"), hcIn: c64(5_000_000_000), in32: c32(705_032_704), oper: integer(1)},
		"2":   {ifName: str(""), ifDescr: str("RMON Port 02"), in32: c32(42), oper: integer(7)},
		"3":   {ifDescr: str("Port 3"), hcIn: c64(1), oper: integer(8)},
		"10":  {oper: integer(2)},
		"100": {ifName: str("swp1"), hcIn: c64(9)}, // duplicate of row 1's name
	})
	var st normStats
	ts := time.Unix(1, 0)
	points := tablePoints(spec, d, baseTags("dev", nil), ts, &st)
	got := lines(points)
	for _, want := range []string{
		"interfaces,interface_index=1,interface_name=swp1,source=dev state/counters/in-octets=5000000000u,state/ifindex=1u,state/name=\"swp1\",state/oper-status=\"UP\" 1000000000",
		"interfaces,interface_name=RMON Port 02,source=dev state/counters/in-octets=42u,state/ifindex=2u,state/name=\"RMON Port 02\",state/oper-status=\"LOWER_LAYER_DOWN\" 1000000000",
		"interfaces,interface_name=Port 3,source=dev state/counters/in-octets=1u,state/ifindex=3u,state/name=\"Port 3\",state/oper-status=\"8\" 1000000000",
		"interfaces,interface_name=10,source=dev state/ifindex=10u,state/oper-status=\"DOWN\" 1000000000",
		"interfaces,interface_index=100,interface_name=swp1,source=dev state/counters/in-octets=9u,state/ifindex=100u,state/name=\"swp1\" 1000000000",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("missing line\n%s\nin\n%s", want, got)
		}
	}
	if len(points) != 5 {
		t.Fatalf("%d points, want 5", len(points))
	}
	// Rows come out in numeric index order (10 after 3, 100 last).
	var order []string
	for _, p := range points {
		f, _ := p.Field("state/ifindex")
		order = append(order, tagValue(f))
	}
	if strings.Join(order, ",") != "1,2,3,10,100" {
		t.Errorf("row order %v", order)
	}
}

// TestDisambiguateAllOfGroup: every row of a colliding group gets the index tag, the others
// keep their tags unchanged, and the result no longer collides.
func TestDisambiguateAllOfGroup(t *testing.T) {
	mk := func(name string) collector.Point {
		return collector.Point{Measurement: "m", Tags: []collector.Tag{{Key: "name", Value: name}, {Key: "source", Value: "d"}}}
	}
	ps := []collector.Point{mk("a"), mk("b"), mk("a"), mk("a")}
	disambiguate(ps, []string{"1", "2", "3", "4"}, "interface_index")
	want := []string{"m,interface_index=1,name=a,source=d", "m,name=b,source=d", "m,interface_index=3,name=a,source=d", "m,interface_index=4,name=a,source=d"}
	for i, p := range ps {
		if got := strings.TrimSuffix(p.String(), " 0"); !strings.HasPrefix(got, want[i]) {
			t.Errorf("point %d: %s, want %s", i, got, want[i])
		}
	}
}

// TestStaticTagsAndSource: source always equals the target name (a static "source" cannot
// override it), static tags are kept, and a profile tag wins over a static tag of the same key.
func TestStaticTagsAndSource(t *testing.T) {
	base := baseTags("leaf1", []collector.Tag{{Key: "site", Value: "ams1"}, {Key: "source", Value: "evil"}, {Key: "interface_name", Value: "static"}})
	spec := ifMIBSpec(t)
	d := ifRows(t, spec, map[string]map[string]cell{"1": {"1.3.6.1.2.1.31.1.1.1.1": str("eth0")}})
	var st normStats
	p := tablePoints(spec, d, base, time.Unix(0, 0), &st)[0]
	if got := strings.Fields(p.String())[0]; got != "interfaces,interface_name=eth0,site=ams1,source=leaf1" {
		t.Fatalf("tags %s", got)
	}
}

// TestUserProfileTable: a user table with index_tag, a fallback and an enum, as a config
// would give it.
func TestUserProfileTable(t *testing.T) {
	p := Profile{Name: "cpu", Tables: []Table{{
		Measurement: "cpu", IndexTag: "cpu_index",
		Fields:    map[string]string{"load": "1.3.6.1.2.1.25.3.3.1.2", "state": ".1.3.6.1.9.9.9.1.1"},
		Fallbacks: map[string]string{"load": "1.3.6.1.9.9.9.1.2"},
		Formats:   map[string]string{"state": "enum"},
		Enums:     map[string]map[int64]string{"state": {1: "ok"}},
	}}}
	if err := ValidateProfile(p); err != nil {
		t.Fatal(err)
	}
	cp, err := compileProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	spec := &cp.tables[0]
	d := ifRows(t, spec, map[string]map[string]cell{
		"196608": {"1.3.6.1.2.1.25.3.3.1.2": integer(7), "1.3.6.1.9.9.9.1.1": integer(1)},
		"196609": {"1.3.6.1.9.9.9.1.2": integer(9), "1.3.6.1.9.9.9.1.1": integer(3)},
	})
	var st normStats
	got := lines(tablePoints(spec, d, baseTags("h", nil), time.Unix(0, 0), &st))
	want := "cpu,cpu_index=196608,source=h load=7i,state=\"ok\" 0\ncpu,cpu_index=196609,source=h load=9i,state=\"3\" 0\n"
	if got != want {
		t.Fatalf("got\n%swant\n%s", got, want)
	}
}

func TestValidateProfileExtras(t *testing.T) {
	base := func() Table {
		return Table{Measurement: "m", Fields: map[string]string{"f": "1.3.6.1.1"}, Tags: map[string]string{"t": "1.3.6.1.2"}}
	}
	for _, tc := range []struct {
		name string
		mod  func(*Table)
		want string
	}{
		{"fallback for unknown name", func(tb *Table) { tb.Fallbacks = map[string]string{"x": "1.3"} }, "fallbacks.x: no field or tag"},
		{"fallback not numeric", func(tb *Table) { tb.Fallbacks = map[string]string{"f": "ifInOctets"} }, "not numeric"},
		{"unknown format", func(tb *Table) { tb.Formats = map[string]string{"f": "celsius"} }, `unknown format "celsius"`},
		{"enum without format", func(tb *Table) { tb.Enums = map[string]map[int64]string{"f": {1: "a"}} }, "set formats.f: enum"},
		{"source tag", func(tb *Table) { tb.Tags["source"] = "1.3.6.1.3" }, "source is reserved"},
		{"index tag clash", func(tb *Table) { tb.IndexTag = "t" }, "index_tag t is also under tags"},
		{"ok", func(tb *Table) { tb.Formats = map[string]string{"t": "mac"}; tb.DuplicateTag = "idx" }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := base()
			tc.mod(&tb)
			err := ValidateProfile(Profile{Tables: []Table{tb}})
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestBuiltinProfilesValid: the built-ins pass the same validation as user profiles.
func TestBuiltinProfilesValid(t *testing.T) {
	for _, n := range BuiltinProfileNames() {
		p, ok := BuiltinProfile(n)
		if !ok {
			t.Fatalf("%s listed but missing", n)
		}
		if err := ValidateProfile(p); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, ok := BuiltinProfile("nope"); ok {
		t.Error("unknown profile found")
	}
}

// TestProfileYAML: the documented user-profile keys decode strictly (as targets.Load does)
// and poll.
func TestProfileYAML(t *testing.T) {
	const doc = `
tables:
  - measurement: cpu
    index_tag: cpu_index
    fields: {load: 1.3.6.1.2.1.25.3.3.1.2, state: 1.3.6.1.9.1}
    fallbacks: {load: 1.3.6.1.9.2}
    formats: {state: enum}
    enums: {state: {1: ok, 2: failed}}
    duplicate_tag: idx
scalars:
  - measurement: ups
    fields: {minutes: 1.3.6.1.2.1.33.1.2.3}
    formats: {minutes: uint}
`
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	var p Profile
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if err := ValidateProfile(p); err != nil {
		t.Fatal(err)
	}
	if p.Tables[0].Enums["state"][2] != "failed" {
		t.Fatalf("enums: %v", p.Tables[0].Enums)
	}
	f, err := snmptest.NewFake([]gosnmp.SnmpPDU{
		{Name: ".1.3.6.1.2.1.25.3.3.1.2.768", Type: gosnmp.Integer, Value: 12},
		{Name: ".1.3.6.1.9.1.768", Type: gosnmp.Integer, Value: 2},
		{Name: ".1.3.6.1.2.1.33.1.2.3.0", Type: gosnmp.Integer, Value: 40},
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.Profiles = []Profile{p}
	s, err := NewWithClient(cfg, collector.Runtime{}, nil, f)
	if err != nil {
		t.Fatal(err)
	}
	points, err := s.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := encodeLP(t, points)
	want := "ups,site=lab,source=dev minutes=40u 0\ncpu,cpu_index=768,site=lab,source=dev load=12i,state=\"failed\" 0\n"
	if got != want {
		t.Fatalf("got\n%swant\n%s", got, want)
	}
}

// FuzzOctetString: any bytes become either text without control characters (other than
// tab/CR/LF) that is a prefix of the input, or the hex of the whole input.
func FuzzOctetString(f *testing.F) {
	for _, s := range []string{"eth0", "\x00\x00", "a\xffb", "line\r\n", "\x7f", "Größe\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := octetString(b)
		if got == hex.EncodeToString(b) {
			return
		}
		if !strings.HasPrefix(string(b), got) || !printable([]byte(got)) {
			t.Fatalf("octetString(%q) = %q", b, got)
		}
		if strings.TrimRight(string(b), "\x00") != got {
			t.Fatalf("octetString(%q) = %q: only trailing NULs may be dropped", b, got)
		}
	})
}

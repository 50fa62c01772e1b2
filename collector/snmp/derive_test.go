package snmp

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
)

func TestExpressions(t *testing.T) {
	scope := &exprScope{names: map[string]int{"a": 0, "s": 1, "raw": 2, "missing": 3}}
	e := env{xnum(4), xstr("33.67A"), {kind: xStr, raw: true, str: "lo\x00\x00garbage"}, {}}
	cases := []struct {
		src  string
		want xval
	}{
		{"1 + 2 * 3", xnum(7)},
		{"(1 + 2) * 3", xnum(9)},
		{"-a + 10 / 4", xnum(-1.5)},
		{"a / 0", xval{}}, // no value, not Inf
		{`"x" + a`, xstr("x4")},
		{"num(s)", xnum(33.67)},
		{`num("Rail: -12.5V")`, xnum(-12.5)},
		{`num("no digits")`, xval{}},
		{"mw_dbm(1)", xnum(0)},
		{"uw_dbm(1000)", xnum(0)},
		{"pow10(3 * (7 - 9) - 1)", xnum(1e-7)},
		{"first(missing, a)", xnum(4)},
		{`first("", missing)`, xstr("")},
		{"has(missing)", xnum(0)},
		{"missing + 1", xval{}},
		{"missing != 1", xnum(1)},
		{"missing == 1", xnum(0)},
		{`if(a > 3, "big", "small")`, xstr("big")},
		{`contains(s, "67a")`, xnum(1)},
		{`after("CPU Temp-Ctlr B: 67 C", ": ")`, xstr("67 C")},
		{"cstr(raw)", xstr("lo")},
		{`trim("  x ")`, xstr("x")},
		{"a == 4 && !(a < 1) || missing", xnum(1)},
		{`"4" == a`, xnum(1)},
		{"str(436404224)", xstr("436404224")},
		{"null", xval{}},
		{"round(2.5)", xnum(3)},
	}
	for _, c := range cases {
		n, err := compileExpr(c.src, scope)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		got := n.eval(e)
		if got.kind != c.want.kind || got.String() != c.want.String() && !(got.kind == xNum && math.Abs(got.num-c.want.num) < 1e-12) {
			t.Errorf("%s = %+v, want %+v", c.src, got, c.want)
		}
	}
	for _, bad := range []string{"nosuch + 1", "nofunc(1)", "mw_dbm(1, 2)", `"open`, "(1 + 2", "1 +", "first()"} {
		if _, err := compileExpr(bad, scope); err == nil {
			t.Errorf("%s: compiled, want an error", bad)
		}
	}
}

func TestDecodeIndex(t *testing.T) {
	parts := []indexSlot{{0, "int"}, {1, "ipv4"}, {2, "string"}, {3, "inet"}, {4, "mac"}, {5, "rest"}}
	e := make(env, 6)
	idx := "7.10.0.0.1.2.104.105.4.192.0.2.1.0.27.33.1.2.255.9.9"
	if !decodeIndex(parts, idx, e) {
		t.Fatal("decode failed")
	}
	want := []string{"7", "10.0.0.1", "hi", "192.0.2.1", "00:1b:21:01:02:ff", "9.9"}
	for i, w := range want {
		if e[i].String() != w {
			t.Errorf("part %d = %q, want %q", i, e[i].String(), w)
		}
	}
	if decodeIndex([]indexSlot{{0, "ipv4"}}, "10.0.0", e) {
		t.Error("short IPv4 index decoded")
	}
	if decodeIndex([]indexSlot{{0, "string"}}, "5.1.2", e) {
		t.Error("string longer than the index decoded")
	}
}

func TestMatchRules(t *testing.T) {
	m, err := compileMatch(&Match{SysObjectID: []string{"1.3.6.1.4.1.9"}, SysDescr: "IOS"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		oid, descr string
		want       bool
	}{
		{"1.3.6.1.4.1.9.1.2066", "Cisco IOS Software", true},
		{".1.3.6.1.4.1.9", "IOS", true},
		{"1.3.6.1.4.1.99.1", "IOS", false}, // arc boundary: 99 is not under 9
		{"1.3.6.1.4.1.9.1.1", "NX-OS", false},
	} {
		if got, why := m.matches(c.oid, c.descr); got != c.want || why == "" {
			t.Errorf("matches(%s, %s) = %v (%s), want %v", c.oid, c.descr, got, why, c.want)
		}
	}
	for _, bad := range []*Match{{}, {SysObjectID: []string{"enterprises.9"}}, {SysDescr: "("}} {
		if _, err := compileMatch(bad); err == nil {
			t.Errorf("compileMatch(%+v) succeeded", bad)
		}
	}
}

// matchAgent is a fake agent identifying as oid with an uptime and one value per profile.
func matchAgent(t *testing.T, oid string, up uint32) *snmptest.Fake {
	t.Helper()
	f, err := snmptest.NewFake([]gosnmp.SnmpPDU{
		{Name: oidSysDescr, Type: gosnmp.OctetString, Value: []byte("test agent")},
		{Name: oidSysObjectID, Type: gosnmp.ObjectIdentifier, Value: oid},
		{Name: oidSysUpTime, Type: gosnmp.TimeTicks, Value: up},
		{Name: ".1.3.6.1.4.1.99.1.1", Type: gosnmp.Integer, Value: 10},
		{Name: ".1.3.6.1.4.1.99.2.1", Type: gosnmp.Integer, Value: 20},
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestProfilesMatchedOnceAndAgainAfterRestart(t *testing.T) {
	table := func(oid string) []Table {
		return []Table{{Measurement: "m", Columns: map[string]string{"v": oid}, ComputedFields: map[string]string{"v": "v"}, Types: map[string]string{"v": "uint"}}}
	}
	vendorA := Profile{Name: "a", Match: &Match{SysObjectID: []string{"1.3.6.1.4.1.1000"}}, Tables: table("1.3.6.1.4.1.99.1")}
	vendorB := Profile{Name: "b", Match: &Match{SysObjectID: []string{"1.3.6.1.4.1.2000"}}, Tables: table("1.3.6.1.4.1.99.2"), Replaces: []string{"generic"}}
	generic := Profile{Name: "generic", Tables: table("1.3.6.1.4.1.99.1")}
	fake := matchAgent(t, "1.3.6.1.4.1.1000.5", 5000)
	cfg := Config{Version: "2c", Name: "dev", Interval: time.Minute, Timeout: time.Second, Profiles: []Profile{generic, vendorA, vendorB}}
	s, err := NewWithClient(cfg, collector.Runtime{}, nil, fake)
	if err != nil {
		t.Fatal(err)
	}
	values := func() []uint64 {
		points, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []uint64
		for _, p := range points {
			out = append(out, p.Fields[0].UintValue())
		}
		return out
	}
	if got := values(); len(got) != 2 || got[0] != 10 || got[1] != 10 {
		t.Fatalf("device A: %v, want generic and a (10, 10)", got)
	}
	for _, m := range s.Matches() {
		if m.Profile == "b" && (m.Active || !strings.Contains(m.Why, "under none of 1.3.6.1.4.1.2000")) {
			t.Errorf("b: %+v", m)
		}
	}
	// Same uptime going forward: sysObjectID is not read again, even if it changed.
	_ = fake.Set(gosnmp.SnmpPDU{Name: oidSysObjectID, Type: gosnmp.ObjectIdentifier, Value: "1.3.6.1.4.1.2000.1"})
	_ = fake.Set(gosnmp.SnmpPDU{Name: oidSysUpTime, Type: gosnmp.TimeTicks, Value: uint32(6000)})
	if got := values(); len(got) != 2 {
		t.Fatalf("second poll: %v, want the first verdict kept", got)
	}
	// sysUpTime went back: the agent restarted (new software, new sysObjectID).
	_ = fake.Set(gosnmp.SnmpPDU{Name: oidSysUpTime, Type: gosnmp.TimeTicks, Value: uint32(100)})
	if got := values(); len(got) != 1 || got[0] != 20 {
		t.Fatalf("after restart: %v, want b alone (generic replaced) = 20", got)
	}
	if oid, _ := s.DeviceIdentity(); oid != "1.3.6.1.4.1.2000.1" {
		t.Errorf("identity %s", oid)
	}
}

func TestEveryAndOtherwise(t *testing.T) {
	p := Profile{Name: "p", Tables: []Table{
		{Measurement: "slow", Columns: map[string]string{"v": "1.3.6.1.4.1.99.1"}, ComputedFields: map[string]string{"v": "v"}, Every: 3},
		{Measurement: "absent", Columns: map[string]string{"v": "1.3.6.1.4.1.99.7"}, ComputedFields: map[string]string{"v": "v"}},
		{Measurement: "fallback", Columns: map[string]string{"v": "1.3.6.1.4.1.99.2"}, ComputedFields: map[string]string{"v": "v"}, Otherwise: true},
		{Measurement: "skipped", Columns: map[string]string{"v": "1.3.6.1.4.1.99.1"}, ComputedFields: map[string]string{"v": "v"}, Otherwise: true},
	}}
	// Every 3 at phase 0 reads the table at polls 1, 4, 7; at phase 1 at polls 1, 3, 6 (the
	// first poll always, then at the target's phase: spreadPhase).
	for _, tc := range []struct {
		phase int
		want  []string
	}{
		{0, []string{"slow+fallback", "fallback", "fallback", "slow+fallback", "fallback", "fallback"}},
		{1, []string{"slow+fallback", "fallback", "slow+fallback", "fallback", "fallback", "slow+fallback"}},
	} {
		fake := matchAgent(t, "1.3.6.1.4.1.1000.5", 5000)
		s, err := NewWithClient(Config{Version: "2c", Name: "dev", Interval: time.Minute, Timeout: time.Second, Profiles: []Profile{p}}, collector.Runtime{}, nil, fake)
		if err != nil {
			t.Fatal(err)
		}
		s.phase = tc.phase
		if got := pollMeasurements(t, s, len(tc.want)); strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("phase %d: polls wrote %v, want %v", tc.phase, got, tc.want)
		}
	}
}

// pollMeasurements polls s n times and returns each poll's measurements joined by "+".
func pollMeasurements(t *testing.T, s *Session, n int) []string {
	t.Helper()
	var got []string
	for range n {
		points, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var ms []string
		for _, p := range points {
			ms = append(ms, p.Measurement)
		}
		got = append(got, strings.Join(ms, "+"))
	}
	return got
}

func TestSensorValidityCounted(t *testing.T) {
	// Two ENTITY-SENSOR rows: one nonoperational, one reading −1000000000 (no reading),
	// one good; only the good one is written, the bad reading counted as dropped.
	s := oidEntPhySensor
	pdus := []gosnmp.SnmpPDU{}
	add := func(idx string, typ, scale, prec, val, oper int) {
		for i, v := range []int{typ, scale, prec, val, oper} {
			pdus = append(pdus, gosnmp.SnmpPDU{Name: "." + s + "." + string(rune('1'+i)) + "." + idx, Type: gosnmp.Integer, Value: v})
		}
		pdus = append(pdus, gosnmp.SnmpPDU{Name: "." + oidEntPhysicalEntry + ".7." + idx, Type: gosnmp.OctetString, Value: []byte("sensor " + idx)})
	}
	add("1", 8, 9, 1, 235, 1)         // 23.5 °C
	add("2", 8, 9, 0, 40, 3)          // nonoperational: not a reading, filtered
	add("3", 8, 9, 0, -1000000000, 1) // no reading: skipped and counted
	add("4", 14, 9, 2, -312, 1)       // −3.12 dBm, rx? no: named "sensor 4" → output power
	fake, err := snmptest.NewFake(pdus)
	if err != nil {
		t.Fatal(err)
	}
	st := &collector.Stats{}
	cfg := Config{Version: "2c", Name: "dev", Interval: time.Minute, Timeout: time.Second, Profiles: []Profile{entitySensorProfile()}}
	sess, err := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, fake)
	if err != nil {
		t.Fatal(err)
	}
	points, err := sess.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, p := range points {
		got[tagOf(p, "component_name")+" "+p.Fields[0].Key] = p.Fields[0].FloatValue()
	}
	if len(got) != 2 || got["sensor 1 "+fTemperature] != 23.5 || math.Abs(got["sensor 4 "+fOutPower]+3.12) > 1e-9 {
		t.Errorf("points %v", got)
	}
	if d := st.Dropped.Load(); d != 1 {
		t.Errorf("dropped %d, want 1 (the −1000000000 reading)", d)
	}
}

// Every field of every built-in device profile declares its type, so the written InfluxDB
// type never depends on what an agent sends.
func TestDeviceProfilesDeclareTypes(t *testing.T) {
	for _, f := range deviceProfiles {
		p := f()
		for i, tb := range p.Tables {
			for _, m := range []map[string]string{tb.Fields, tb.ComputedFields} {
				for name := range m {
					switch tb.Types[name] {
					case "uint", "int", "float", "bool", "string":
					default:
						t.Errorf("%s tables[%d]: field %s has type %q", p.Name, i, name, tb.Types[name])
					}
				}
			}
		}
		if _, err := compileProfile(p); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

func TestValidateProfileDerived(t *testing.T) {
	base := Table{Measurement: "m", Columns: map[string]string{"v": "1.3.6.1.4.1.99.1"}, ComputedFields: map[string]string{"f": "v"}}
	cases := []struct {
		edit func(p *Profile)
		want string
	}{
		{func(p *Profile) { p.Tables[0].ComputedFields = map[string]string{"f": "v +"} }, "tables[0]: computed_fields.f"},
		{func(p *Profile) { p.Tables[0].Filter = "nosuch == 1" }, "filter: expression \"nosuch == 1\": unknown name nosuch"},
		{func(p *Profile) { p.Tables[0].Index = []IndexPart{{Name: "a", Type: "float"}} }, "index[0].type \"float\""},
		{func(p *Profile) { p.Tables[0].Lookups = map[string]Lookup{"l": {Column: "ifName", Key: "v"}} }, "lookups.l.column"},
		{func(p *Profile) { p.Tables[0].Valid = map[string]string{"g": "value > 0"} }, "valid.g: no computed field"},
		{func(p *Profile) { p.Match = &Match{SysObjectID: []string{"enterprises.9"}} }, "match: sys_object_id[0]"},
		{func(p *Profile) { p.Match = &Match{} }, "match: give sys_object_id"},
	}
	for _, c := range cases {
		p := Profile{Tables: []Table{base}}
		p.Tables[0].ComputedFields = map[string]string{"f": "v"}
		c.edit(&p)
		err := ValidateProfile(p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ValidateProfile = %v, want an error containing %q", err, c.want)
		}
	}
	if err := ValidateProfile(Profile{Tables: []Table{base}}); err != nil {
		t.Errorf("valid profile refused: %v", err)
	}
}

func TestAutoProfilesUserOverride(t *testing.T) {
	mine := Profile{Tables: []Table{{Measurement: "components", Columns: map[string]string{"v": "1.3.6.1.2.1.47.1.1.1.1.2"},
		ComputedFields: map[string]string{"state/description": "v"}, Types: map[string]string{"state/description": "string"}, Every: 60}}}
	vendor := Profile{Match: &Match{SysObjectID: []string{"1.3.6.1.4.1.99999"}}, Tables: mine.Tables}
	plain := Profile{Tables: mine.Tables}
	got := AutoProfiles(map[string]Profile{"entity": mine, "acme": vendor, "unmatched": plain})
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
		if p.Name == "entity" && p.Tables[0].Every != 60 {
			t.Errorf("entity is the built-in, not the user's: every %d", p.Tables[0].Every)
		}
	}
	if names[len(names)-1] != "acme" || strings.Contains(strings.Join(names, " "), "unmatched") {
		t.Errorf("auto = %v: want the user's matched profile last and no profile without a match rule", names)
	}
}

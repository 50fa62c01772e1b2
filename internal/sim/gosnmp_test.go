package sim

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// goSNMP returns a connected gosnmp client for d.
func goSNMP(t *testing.T, d Device, version gosnmp.SnmpVersion, configure ...func(*gosnmp.GoSNMP)) *gosnmp.GoSNMP {
	t.Helper()
	host, port, err := net.SplitHostPort(d.Address)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	g := &gosnmp.GoSNMP{Target: host, Port: uint16(p), Community: d.Community, Version: version,
		Timeout: time.Second, Retries: 1, MaxOids: gosnmp.MaxOids}
	for _, c := range configure {
		c(g)
	}
	if err := g.Connect(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Conn.Close() })
	return g
}

// v3Client returns a gosnmp v3 client for user u.
func v3Client(t *testing.T, d Device, u V3User) *gosnmp.GoSNMP {
	t.Helper()
	auth := map[string]gosnmp.SnmpV3AuthProtocol{"MD5": gosnmp.MD5, "SHA": gosnmp.SHA, "SHA224": gosnmp.SHA224,
		"SHA256": gosnmp.SHA256, "SHA384": gosnmp.SHA384, "SHA512": gosnmp.SHA512, "": gosnmp.NoAuth}
	priv := map[string]gosnmp.SnmpV3PrivProtocol{"DES": gosnmp.DES, "AES": gosnmp.AES, "AES192": gosnmp.AES192,
		"AES256": gosnmp.AES256, "AES192C": gosnmp.AES192C, "AES256C": gosnmp.AES256C, "": gosnmp.NoPriv}
	return goSNMP(t, d, gosnmp.Version3, func(g *gosnmp.GoSNMP) {
		g.SecurityModel = gosnmp.UserSecurityModel
		g.MsgFlags = gosnmp.NoAuthNoPriv
		if u.AuthProtocol != "" {
			g.MsgFlags = gosnmp.AuthNoPriv
			if u.PrivProtocol != "" {
				g.MsgFlags = gosnmp.AuthPriv
			}
		}
		g.SecurityParameters = &gosnmp.UsmSecurityParameters{UserName: u.Name,
			AuthenticationProtocol: auth[u.AuthProtocol], AuthenticationPassphrase: u.AuthPassword,
			PrivacyProtocol: priv[u.PrivProtocol], PrivacyPassphrase: u.PrivPassword}
	})
}

func names(vars []gosnmp.SnmpPDU) []string {
	var out []string
	for _, v := range vars {
		out = append(out, v.Name)
	}
	return out
}

func TestGoSNMPV2cWalkAndTypes(t *testing.T) {
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 12})
	d := f.Devices()[0]
	g := goSNMP(t, d, gosnmp.Version2c)
	vars, err := g.BulkWalkAll("1.3.6.1.2.1.31.1.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 19*12 {
		t.Fatalf("ifXTable walk gave %d varbinds, want %d", len(vars), 19*12)
	}
	r, err := g.Get([]string{"1.3.6.1.2.1.31.1.1.1.6.1", "1.3.6.1.2.1.2.2.1.10.1", "1.3.6.1.2.1.1.3.0",
		"1.3.6.1.2.1.2.2.1.5.1", "1.3.6.1.2.1.2.2.1.6.1", "1.3.6.1.2.1.1.2.0"})
	if err != nil {
		t.Fatal(err)
	}
	want := []gosnmp.Asn1BER{gosnmp.Counter64, gosnmp.Counter32, gosnmp.TimeTicks, gosnmp.Gauge32, gosnmp.OctetString, gosnmp.ObjectIdentifier}
	for i, v := range r.Variables {
		if v.Type != want[i] {
			t.Errorf("%s is %v, want %v", v.Name, v.Type, want[i])
		}
	}
	hc := gosnmp.ToBigInt(r.Variables[0].Value).Uint64()
	c32 := uint64(r.Variables[1].Value.(uint))
	if hc&0xffffffff != c32 && d.Model.Interfaces[0].AdminUp {
		// Both were read in one PDU, at one instant: the 32-bit counter is the low half.
		t.Errorf("ifInOctets %d is not the low 32 bits of ifHCInOctets %d", c32, hc)
	}
	if got := r.Variables[5].Value.(string); got != "."+d.Model.ObjectID {
		t.Errorf("sysObjectID = %s", got)
	}
}

func TestGoSNMPExceptions(t *testing.T) {
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 4})
	d := f.Devices()[0]
	g := goSNMP(t, d, gosnmp.Version2c)
	r, err := g.Get([]string{"1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.5.1", "1.3.6.1.2.1.99.0", "1.3.6.1.2.1.31.1.1.1.6.5", "1.3.6.1.2.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []gosnmp.Asn1BER{gosnmp.OctetString, gosnmp.NoSuchInstance, gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.NoSuchObject}
	for i, v := range r.Variables {
		if v.Type != want[i] {
			t.Errorf("%s is %v, want %v", v.Name, v.Type, want[i])
		}
	}
	r, err = g.GetNext([]string{"1.3.6.1.6.3.15.1.1.6.0", "1.3.6.1.2.1.2.2.1.22.4", "1.3.6.1.2.1.1", "0.0"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Variables[0].Type != gosnmp.EndOfMibView || r.Variables[0].Name != ".1.3.6.1.6.3.15.1.1.6.0" {
		t.Errorf("GETNEXT past the end = %s %v, want endOfMibView", r.Variables[0].Name, r.Variables[0].Type)
	}
	if got := r.Variables[1].Name; got != ".1.3.6.1.2.1.25.2.3.1.2.1" {
		t.Errorf("GETNEXT after the last ifTable cell = %s, want hrStorageType.1", got)
	}
	if got := r.Variables[2].Name; got != ".1.3.6.1.2.1.1.1.0" {
		t.Errorf("GETNEXT of system = %s, want sysDescr.0", got)
	}
	if got := r.Variables[3].Name; got != ".1.3.6.1.2.1.1.1.0" {
		t.Errorf("GETNEXT of 0.0 = %s, want sysDescr.0", got)
	}
	// One message cannot hold 30 sysDescr values within 1472 bytes: tooBig, no varbinds.
	oids := make([]string, 30)
	for i := range oids {
		oids[i] = "1.3.6.1.2.1.1.1.0"
	}
	r, err = g.Get(oids)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.TooBig || len(r.Variables) != 0 {
		t.Errorf("oversized GET: error %v with %d varbinds, want tooBig and none", r.Error, len(r.Variables))
	}
	r, err = g.Set([]gosnmp.SnmpPDU{{Name: "1.3.6.1.2.1.1.5.0", Type: gosnmp.OctetString, Value: "x"}})
	if err != nil || r.Error != gosnmp.NotWritable {
		t.Errorf("SET = %v, %v; want notWritable", r, err)
	}
}

func TestGoSNMPGetBulkEdgeCases(t *testing.T) {
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 4})
	d := f.Devices()[0]
	g := goSNMP(t, d, gosnmp.Version2c)
	cases := []struct {
		name   string
		oids   []string
		nonRep uint8
		maxRep uint32
		want   []string
		end    []bool // endOfMibView per varbind (nil: none)
	}{
		{"non-repeater then two columns", []string{"1.3.6.1.2.1.1.3", "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.31.1.1.1.6"}, 1, 3,
			[]string{".1.3.6.1.2.1.1.3.0", ".1.3.6.1.2.1.2.2.1.2.1", ".1.3.6.1.2.1.31.1.1.1.6.1", ".1.3.6.1.2.1.2.2.1.2.2",
				".1.3.6.1.2.1.31.1.1.1.6.2", ".1.3.6.1.2.1.2.2.1.2.3", ".1.3.6.1.2.1.31.1.1.1.6.3"}, nil},
		{"repetitions run into the next column", []string{"1.3.6.1.2.1.2.2.1.2.3"}, 0, 3,
			[]string{".1.3.6.1.2.1.2.2.1.2.4", ".1.3.6.1.2.1.2.2.1.3.1", ".1.3.6.1.2.1.2.2.1.3.2"}, nil},
		{"max-repetitions 0", []string{"1.3.6.1.2.1.2.2.1.2"}, 0, 0, nil, nil},
		{"non-repeaters beyond the varbinds", []string{"1.3.6.1.2.1.1.1", "1.3.6.1.2.1.1.2"}, 5, 10,
			[]string{".1.3.6.1.2.1.1.1.0", ".1.3.6.1.2.1.1.2.0"}, nil},
		{"end of the MIB view", []string{"1.3.6.1.6.3.15.1.1.5.0"}, 0, 5,
			[]string{".1.3.6.1.6.3.15.1.1.6.0", ".1.3.6.1.6.3.15.1.1.6.0"}, []bool{false, true}},
		{"one repeater ends, the other goes on", []string{"1.3.6.1.6.3.15.1.1.6", "1.3.6.1.6.3.15.1.1.4"}, 0, 3,
			[]string{".1.3.6.1.6.3.15.1.1.6.0", ".1.3.6.1.6.3.15.1.1.4.0", ".1.3.6.1.6.3.15.1.1.6.0", ".1.3.6.1.6.3.15.1.1.5.0",
				".1.3.6.1.6.3.15.1.1.6.0", ".1.3.6.1.6.3.15.1.1.6.0"}, []bool{false, false, true, false, true, false}},
		{"non-repeater at the end", []string{"1.3.6.1.6.3.15.1.1.6.0", "1.3.6.1.2.1.1.7"}, 1, 1,
			[]string{".1.3.6.1.6.3.15.1.1.6.0", ".1.3.6.1.2.1.1.7.0"}, []bool{true, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := g.GetBulk(c.oids, c.nonRep, c.maxRep)
			if err != nil {
				t.Fatal(err)
			}
			got := names(r.Variables)
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Fatalf("got %v, want %v", got, c.want)
				}
				isEnd := r.Variables[i].Type == gosnmp.EndOfMibView
				if wantEnd := c.end != nil && c.end[i]; isEnd != wantEnd {
					t.Errorf("varbind %d (%s): endOfMibView=%v, want %v", i, got[i], isEnd, wantEnd)
				}
			}
		})
	}
	// A huge max-repetitions is cut to what fits the 1472-byte message, in order.
	r, err := g.GetBulk([]string{"1.3.6.1.2.1"}, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Variables); n < 20 || n >= 1000 {
		t.Fatalf("GETBULK max-repetitions 1000 gave %d varbinds, want a message-size cut", n)
	}
	if raw, err := r.MarshalMsg(); err != nil || len(raw) > DefaultSNMPMaxMsgSize {
		t.Errorf("response re-encodes to %d bytes (%v), over %d", len(raw), err, DefaultSNMPMaxMsgSize)
	}
}

func TestGoSNMPV1(t *testing.T) {
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 2})
	g := goSNMP(t, f.Devices()[0], gosnmp.Version1)
	r, err := g.Get([]string{"1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.31.1.1.1.6.1"})
	if err != nil {
		t.Fatal(err)
	}
	// Counter64 does not exist in SNMPv1 (RFC 3584 §4.2.2.1): noSuchName on the second.
	if r.Error != gosnmp.NoSuchName || r.ErrorIndex != 2 {
		t.Errorf("v1 GET of a Counter64: error %v index %d, want noSuchName 2", r.Error, r.ErrorIndex)
	}
	r, err = g.GetNext([]string{"1.3.6.1.2.1.31.1.1.1.5.2"})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Variables[0].Name; got != ".1.3.6.1.2.1.31.1.1.1.14.1" {
		t.Errorf("v1 GETNEXT skips the HC columns: got %s, want ifLinkUpDownTrapEnable.1", got)
	}
	r, err = g.GetNext([]string{"1.3.6.1.6.3.15.1.1.6.0"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.NoSuchName {
		t.Errorf("v1 GETNEXT past the end: error %v, want noSuchName", r.Error)
	}
}

func TestGoSNMPV3Users(t *testing.T) {
	users := append(DefaultV3Users(),
		V3User{Name: "u224", AuthProtocol: "SHA224", AuthPassword: "auth-pass-224", PrivProtocol: "AES", PrivPassword: "priv-pass-224"},
		V3User{Name: "u384", AuthProtocol: "SHA384", AuthPassword: "auth-pass-384", PrivProtocol: "AES192C", PrivPassword: "priv-pass-384"},
		V3User{Name: "u512", AuthProtocol: "SHA512", AuthPassword: "auth-pass-512", PrivProtocol: "AES256", PrivPassword: "priv-pass-512"},
		V3User{Name: "u192", AuthProtocol: "SHA", AuthPassword: "auth-pass-192", PrivProtocol: "AES192", PrivPassword: "priv-pass-192"},
		V3User{Name: "u256c", AuthProtocol: "MD5", AuthPassword: "auth-pass-256", PrivProtocol: "AES256C", PrivPassword: "priv-pass-256"},
	)
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 3, V3Users: users})
	d := f.Devices()[0]
	for _, u := range users {
		t.Run(u.Name, func(t *testing.T) {
			g := v3Client(t, d, u)
			r, err := g.Get([]string{"1.3.6.1.2.1.1.5.0"})
			if err != nil {
				t.Fatal(err)
			}
			if r.Variables[0].Type != gosnmp.OctetString || string(r.Variables[0].Value.([]byte)) != d.Name {
				t.Fatalf("sysName = %v", r.Variables[0])
			}
			vars, err := g.BulkWalkAll("1.3.6.1.2.1.2.2.1.2")
			if err != nil || len(vars) != 3 {
				t.Fatalf("ifDescr walk: %d varbinds, %v", len(vars), err)
			}
		})
	}
	a := f.agents[0]
	if a.stats[statUnknownEngineIDs].Load() == 0 {
		t.Error("engine discovery did not count usmStatsUnknownEngineIDs")
	}

	// The USM error reports go out unauthenticated (RFC 3414 §3.2: the error is found before
	// or while authenticating). gosnmp 1.47 drops unauthenticated reports once it knows the
	// engine ("incoming packet is not authentic"), so the client sees an error and the
	// agent's counters tell which report it sent; net-snmp shows them (TestNetSNMPRefusals).
	refused := func(name string, u V3User, stat usmStat) {
		t.Helper()
		before := a.stats[stat].Load()
		if _, err := v3Client(t, d, u).Get([]string{"1.3.6.1.2.1.1.5.0"}); err == nil {
			t.Errorf("%s: the request succeeded", name)
		}
		if a.stats[stat].Load() == before {
			t.Errorf("%s: usmStats counter %d did not move", name, stat)
		}
	}
	bad := users[0]
	bad.AuthPassword = "not-the-password"
	refused("wrong pass phrase", bad, statWrongDigests)
	unknown := users[0]
	unknown.Name = "nobody"
	refused("unknown user", unknown, statUnknownUserNames)
	over := users[2] // netpulse-auth is authNoPriv: asking for privacy is an unsupported level
	over.PrivProtocol, over.PrivPassword = "AES", "netpulse-priv"
	refused("level above the user's", over, statUnsupportedSecLevels)
	// Below the user's level: USM accepts, access control refuses (authorizationError).
	under := users[0]
	under.PrivProtocol, under.PrivPassword = "", ""
	r, err := v3Client(t, d, under).Get([]string{"1.3.6.1.2.1.1.5.0"})
	if err != nil || r.Error != gosnmp.AuthorizationError {
		t.Errorf("level below the user's: %v %v, want authorizationError", r, err)
	}

	// A client whose clock is off gets an authenticated notInTimeWindow report with the
	// right boots/time, resynchronises and succeeds.
	g := v3Client(t, d, users[0])
	sp := g.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	sp.AuthoritativeEngineID = string(d.EngineID)
	sp.AuthoritativeEngineBoots = a.boots
	sp.AuthoritativeEngineTime = 7
	before := a.stats[statNotInTimeWindows].Load()
	if _, err := g.Get([]string{"1.3.6.1.2.1.1.5.0"}); err != nil {
		t.Fatalf("after a time-window report: %v", err)
	}
	if a.stats[statNotInTimeWindows].Load() != before+1 {
		t.Error("usmStatsNotInTimeWindows did not count the stale request")
	}
}

package snmp

import (
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

func TestParseVarbindLikeNetSNMP(t *testing.T) {
	cases := []struct {
		in   string
		oid  string
		typ  gosnmp.Asn1BER
		want any
	}{
		{"ifHCInOctets.3=42", ".1.3.6.1.2.1.31.1.1.1.6.3", gosnmp.Counter64, uint64(42)},
		{"ifName.3=STRING: Gi0/3", ".1.3.6.1.2.1.31.1.1.1.1.3", gosnmp.OctetString, "Gi0/3"},
		{"ifOperStatus.3=INTEGER: 2", ".1.3.6.1.2.1.2.2.1.8.3", gosnmp.Integer, 2},
		{"sysUpTime=Timeticks: (149) 0:00:01.49", ".1.3.6.1.2.1.1.3.0", gosnmp.TimeTicks, uint32(149)},
		{"ifPhysAddress.3=Hex-STRING: 00 1A 2B", ".1.3.6.1.2.1.2.2.1.6.3", gosnmp.OctetString, "\x00\x1a\x2b"},
	}
	for _, c := range cases {
		pdu, err := ParseVarbind(c.in)
		if err != nil {
			t.Fatalf("ParseVarbind(%q): %v", c.in, err)
		}
		got := pdu.Value
		if b, ok := got.([]byte); ok {
			got = string(b)
		}
		if pdu.Name != c.oid || pdu.Type != c.typ || got != c.want {
			t.Errorf("ParseVarbind(%q) = %s %v %#v, want %s %v %#v", c.in, pdu.Name, pdu.Type, got, c.oid, c.typ, c.want)
		}
	}
	for _, bad := range []string{"ifName.3", "ifInOctets.1=Counter32: 4294967296", "nosuch.1=1", "ifName.1=Float: 1"} {
		if _, err := ParseVarbind(bad); err == nil {
			t.Errorf("ParseVarbind(%q) succeeded", bad)
		}
	}
}

// SamplePoll is the session's own poll against the sample varbinds only.
func TestSamplePollIfMIB(t *testing.T) {
	p, _ := BuiltinProfile("if-mib")
	c := Config{Name: "sw1", Address: "192.0.2.1:161", Version: "2c", Community: "c", Profiles: []Profile{p}, Interval: time.Minute, Timeout: time.Second}
	var pdus []gosnmp.SnmpPDU
	for _, s := range []string{"ifHCInOctets.3=42", "ifName.3=STRING: Gi0/3"} {
		pdu, err := ParseVarbind(s)
		if err != nil {
			t.Fatal(err)
		}
		pdus = append(pdus, pdu)
	}
	sample, err := SamplePoll(t.Context(), c, pdus)
	pts := sample.Points
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 1 || pts[0].Measurement != "interfaces" {
		t.Fatalf("points = %+v, want one interfaces point", pts)
	}
	if o, ok := FieldTypeOrigin(c.Profiles, "interfaces", "state/counters/in-octets"); !ok || o.Profile != "if-mib" {
		t.Errorf("FieldTypeOrigin = %+v, %v", o, ok)
	}
}

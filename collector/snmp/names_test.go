package snmp

import (
	"strings"
	"testing"
)

func TestResolveOID(t *testing.T) {
	cases := []struct {
		in       string
		instance bool
		want     string
	}{
		{"sysName", true, ".1.3.6.1.2.1.1.5.0"},
		{"sysName", false, ".1.3.6.1.2.1.1.5"},
		{"sysName.0", true, ".1.3.6.1.2.1.1.5.0"},
		{"SNMPv2-MIB::sysUpTime.0", true, ".1.3.6.1.2.1.1.3.0"},
		{"ifHCInOctets.3", true, ".1.3.6.1.2.1.31.1.1.1.6.3"},
		{"ifXTable", false, ".1.3.6.1.2.1.31.1.1"},
		{"1.3.6.1.2.1.1.5.0", true, ".1.3.6.1.2.1.1.5.0"},
		{".1.3.6.1", false, ".1.3.6.1"},
		{"if-mib:state/counters/in-octets", false, ".1.3.6.1.2.1.31.1.1.1.6"},
		{"if-mib:state/counters/in-octets.7", true, ".1.3.6.1.2.1.31.1.1.1.6.7"},
		{"system:state/hostname", true, ".1.3.6.1.2.1.1.5.0"},
	}
	for _, c := range cases {
		got, err := ResolveOID(c.in, c.instance)
		if err != nil || got != c.want {
			t.Errorf("ResolveOID(%q, %v) = %q, %v; want %q", c.in, c.instance, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "sysName.x", "1..3", "nosuch"} {
		if got, err := ResolveOID(bad, false); err == nil {
			t.Errorf("ResolveOID(%q) = %q, want an error", bad, got)
		}
	}
}

// Every OID the built-in profiles read has a MIB name here, so `snmp get/walk` can name
// anything a profile polls.
func TestBuiltinProfileOIDsHaveNames(t *testing.T) {
	for name, obj := range profileNames() {
		n := OIDName(obj.oid)
		if n == "" || strings.ContainsAny(n, ".") {
			t.Errorf("%s (%s) has no MIB name (got %q)", name, obj.oid, n)
		}
	}
	if got := OIDName(".1.3.6.1.2.1.31.1.1.1.6.12"); got != "ifHCInOctets.12" {
		t.Errorf("OIDName = %q", got)
	}
}

package peers

import (
	"os/exec"
	"strings"
	"testing"
)

// TestStartSnmpd checks that the agent answers every configured identity, read back with
// net-snmp's own snmpget (so a broken config is caught here, not in collector tests).
func TestStartSnmpd(t *testing.T) {
	s := StartSnmpd(t)
	snmpget, ok := FindBinary("snmpget", "NETPULSE_SNMPGET")
	if !ok {
		Missing(t, "snmpget", "apt-get install snmp")
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"v2c", []string{"-v2c", "-c", SnmpdCommunity}},
		{"v1", []string{"-v1", "-c", SnmpdCommunity}},
		{"v3 noAuthNoPriv", []string{"-v3", "-l", "noAuthNoPriv", "-u", SnmpdNoAuthUser}},
		{"v3 authNoPriv SHA", []string{"-v3", "-l", "authNoPriv", "-u", SnmpdAuthUser, "-a", "SHA", "-A", SnmpdAuthPassword}},
		{"v3 authPriv SHA/AES", []string{"-v3", "-l", "authPriv", "-u", SnmpdPrivUser, "-a", "SHA", "-A", SnmpdAuthPassword, "-x", "AES", "-X", SnmpdPrivPassword}},
		{"v3 authPriv SHA-256/AES-256", []string{"-v3", "-l", "authPriv", "-u", SnmpdPriv256User, "-a", "SHA-256", "-A", SnmpdAuthPassword, "-x", "AES-256", "-X", SnmpdPrivPassword}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"-On", "-Oq", "-t", "2", "-r", "1"}, tc.args...)
			args = append(args, s.Addr, ".1.3.6.1.2.1.1.5.0")
			out, err := exec.Command(snmpget, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("snmpget %v: %v\n%s\nsnmpd log:\n%s", args, err, out, s.Log())
			}
			if !strings.Contains(string(out), "netpulse-snmpd") {
				t.Fatalf("sysName: got %q", out)
			}
		})
	}
}

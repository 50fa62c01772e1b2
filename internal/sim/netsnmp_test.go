package sim

import (
	"os/exec"
	"testing"
)

func TestDebugWalk(t *testing.T) {
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 4})
	addr := f.Devices()[0].Address
	for _, args := range [][]string{
		{"snmpwalk", "-v2c", "-c", "public", "-t", "1", "-r", "0", addr, "1.3.6.1"},
		{"snmpbulkwalk", "-v2c", "-c", "public", "-t", "1", "-r", "0", addr, "1.3.6.1.2.1.31"},
		{"snmpwalk", "-v3", "-l", "authPriv", "-u", "netpulse", "-a", "SHA", "-A", "netpulse-auth", "-x", "AES", "-X", "netpulse-priv", "-t", "1", "-r", "0", addr, "1.3.6.1.2.1.1"},
		{"snmpwalk", "-v3", "-l", "authPriv", "-u", "netpulse256", "-a", "SHA-256", "-A", "netpulse-auth", "-x", "AES-256", "-X", "netpulse-priv", "-t", "1", "-r", "0", addr, "1.3.6.1.2.1.1"},
		{"snmpwalk", "-v3", "-l", "authPriv", "-u", "netpulse-md5", "-a", "MD5", "-A", "netpulse-auth", "-x", "DES", "-X", "netpulse-priv", "-t", "1", "-r", "0", addr, "1.3.6.1.2.1.1"},
	} {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		t.Logf("%v: err=%v\n%s", args, err, out)
	}
}

package sim

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/internal/peers"
)

// netSNMP runs a net-snmp command-line tool (numeric OIDs, no MIB files needed) and returns
// its output lines as OID → value text.
func netSNMP(t *testing.T, tool string, args ...string) (map[string]string, []string, error) {
	t.Helper()
	bin, ok := peers.FindBinary(tool, strings.ToUpper(tool))
	if !ok {
		peers.Missing(t, tool, "apt-get install snmp")
	}
	args = append([]string{"-On", "-m", "", "-t", "2", "-r", "1"}, args...)
	out, err := exec.Command(bin, args...).CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	vals := map[string]string{}
	var order []string
	for _, l := range lines {
		k, v, ok := strings.Cut(l, " = ")
		if !ok {
			continue
		}
		vals[k] = v
		order = append(order, k)
	}
	if err != nil {
		return vals, order, &exec.ExitError{ProcessState: err.(*exec.ExitError).ProcessState, Stderr: out}
	}
	return vals, order, nil
}

// checkWalk verifies a walk of mib-2 from a simulated device: strictly increasing OIDs, the
// expected number of interfaces, names and counters within the model's bounds, and no error
// lines.
func checkWalk(t *testing.T, f *Fleet, d Device, vals map[string]string, order []string, before, after time.Duration) {
	t.Helper()
	m := d.Model
	if len(order) == 0 {
		t.Fatal("empty walk")
	}
	for i := 1; i < len(order); i++ {
		a, b := mustParseOID(order[i-1]), mustParseOID(order[i])
		if compareOID(a, b) >= 0 {
			t.Fatalf("walk not increasing: %s then %s", order[i-1], order[i])
		}
	}
	for _, v := range vals {
		if strings.Contains(v, "No Such") || strings.Contains(v, "No more variables") {
			t.Fatalf("walk shows an exception: %s", v)
		}
	}
	if got := vals[".1.3.6.1.2.1.1.5.0"]; got != `STRING: "`+d.Name+`"` {
		t.Errorf("sysName = %s", got)
	}
	if got := vals[".1.3.6.1.2.1.2.1.0"]; got != "INTEGER: "+strconv.Itoa(len(m.Interfaces)) {
		t.Errorf("ifNumber = %s", got)
	}
	names := 0
	for k := range vals {
		if strings.HasPrefix(k, ".1.3.6.1.2.1.31.1.1.1.1.") {
			names++
		}
	}
	if names != len(m.Interfaces) {
		t.Errorf("%d ifName rows, want %d", names, len(m.Interfaces))
	}
	for i, it := range m.Interfaces {
		idx := "." + strconv.Itoa(it.IfIndex)
		if got := vals[".1.3.6.1.2.1.31.1.1.1.1"+idx]; got != `STRING: "`+it.Name+`"` {
			t.Errorf("ifName%s = %s, want %q", idx, got, it.Name)
		}
		wantAlias := `STRING: "` + it.Description + `"`
		if it.Description == "" {
			wantAlias = `""`
		}
		if got := vals[".1.3.6.1.2.1.31.1.1.1.18"+idx]; got != wantAlias {
			t.Errorf("ifAlias%s = %s, want %s", idx, got, wantAlias)
		}
		if got := vals[".1.3.6.1.2.1.31.1.1.1.15"+idx]; got != "Gauge32: "+strconv.FormatUint(it.SpeedMbps, 10) {
			t.Errorf("ifHighSpeed%s = %s", idx, got)
		}
		hc, ok := strings.CutPrefix(vals[".1.3.6.1.2.1.31.1.1.1.6"+idx], "Counter64: ")
		if !ok {
			t.Fatalf("ifHCInOctets%s = %q", idx, vals[".1.3.6.1.2.1.31.1.1.1.6"+idx])
		}
		v, _ := strconv.ParseUint(hc, 10, 64)
		lo, hi := m.Counters(i, before), m.Counters(i, after)
		if v < lo.InOctets || v > hi.InOctets {
			t.Errorf("ifHCInOctets%s = %d, want within [%d, %d]", idx, v, lo.InOctets, hi.InOctets)
		}
	}
}

// TestNetSNMPWalks walks a simulated device with net-snmp's snmpwalk and snmpbulkwalk over
// v2c and every default v3 user (authPriv SHA/AES, SHA256/AES256, MD5/DES; authNoPriv).
func TestNetSNMPWalks(t *testing.T) {
	f := startFleet(t, Config{SNMPDevices: 3, Interfaces: 48, Seed: 5})
	d := f.Devices()[2]
	v3 := func(level, user, auth, priv string) []string {
		a := []string{"-v3", "-l", level, "-u", user, "-a", auth, "-A", "netpulse-auth"}
		if priv != "" {
			a = append(a, "-x", priv, "-X", "netpulse-priv")
		}
		return a
	}
	cases := []struct {
		name  string
		tool  string
		creds []string
	}{
		{"v2c walk", "snmpwalk", []string{"-v2c", "-c", "public"}},
		{"v2c bulkwalk", "snmpbulkwalk", []string{"-v2c", "-c", "public"}},
		{"v2c bulkwalk max-rep 100", "snmpbulkwalk", []string{"-v2c", "-c", "public", "-Cr100"}},
		{"v3 SHA/AES bulkwalk", "snmpbulkwalk", v3("authPriv", "netpulse", "SHA", "AES")},
		{"v3 SHA256/AES256 bulkwalk", "snmpbulkwalk", v3("authPriv", "netpulse256", "SHA-256", "AES-256")},
		{"v3 SHA256/AES256 walk", "snmpwalk", v3("authPriv", "netpulse256", "SHA-256", "AES-256")},
		{"v3 MD5/DES bulkwalk", "snmpbulkwalk", v3("authPriv", "netpulse-md5", "MD5", "DES")},
		{"v3 authNoPriv bulkwalk", "snmpbulkwalk", v3("authNoPriv", "netpulse-auth", "SHA", "")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := time.Since(f.StartTime())
			vals, order, err := netSNMP(t, c.tool, append(c.creds, d.Address, "1.3.6.1.2.1")...)
			after := time.Since(f.StartTime())
			if err != nil {
				t.Fatalf("%s: %v\n%s", c.tool, err, err.(*exec.ExitError).Stderr)
			}
			// 8 system + ifNumber + 22+19 columns × 48 + hrProcessorLoad and hrDeviceDescr
			// + 5 hrStorage columns + 10 entPhysical columns per component + 5
			// entPhySensor columns per sensor.
			if want := 8 + 1 + 41*48 + 2 + 5 + 10*len(d.Model.Components) + 5*len(d.Model.sensorIdx); len(order) != want {
				t.Errorf("walk returned %d varbinds, want %d", len(order), want)
			}
			checkWalk(t, f, d, vals, order, before, after)
		})
	}
}

// TestNetSNMPRefusals checks what real agents do with bad credentials: silence for a wrong
// community, the USM reports for a wrong pass phrase and an unknown user.
func TestNetSNMPRefusals(t *testing.T) {
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 2})
	d := f.Devices()[0]
	_, _, err := netSNMP(t, "snmpget", "-v2c", "-c", "wrong", "-t", "1", "-r", "0", d.Address, "1.3.6.1.2.1.1.5.0")
	if err == nil || !strings.Contains(string(err.(*exec.ExitError).Stderr), "Timeout") {
		t.Errorf("wrong community: want a timeout, got %v", err)
	}
	_, _, err = netSNMP(t, "snmpget", "-v3", "-l", "authPriv", "-u", "netpulse", "-a", "SHA", "-A", "wrong-pass", "-x", "AES", "-X", "netpulse-priv", d.Address, "1.3.6.1.2.1.1.5.0")
	if err == nil || !strings.Contains(string(err.(*exec.ExitError).Stderr), "Authentication failure") {
		t.Errorf("wrong auth pass phrase: want an authentication failure, got %v", err)
	}
	_, _, err = netSNMP(t, "snmpget", "-v3", "-l", "authPriv", "-u", "nobody", "-a", "SHA", "-A", "netpulse-auth", "-x", "AES", "-X", "netpulse-priv", d.Address, "1.3.6.1.2.1.1.5.0")
	if err == nil || !strings.Contains(string(err.(*exec.ExitError).Stderr), "Unknown user name") {
		t.Errorf("unknown user: want unknown user name, got %v", err)
	}
	vals, _, err := netSNMP(t, "snmpget", "-v2c", "-c", "public", d.Address, "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.5.1", "1.3.6.1.2.1.99.1.0", "1.3.6.1.2.1.2.2.1.2.3")
	if err != nil {
		t.Fatalf("snmpget: %v", err)
	}
	want := map[string]string{
		".1.3.6.1.2.1.1.5.0":     `STRING: "` + d.Name + `"`,
		".1.3.6.1.2.1.1.5.1":     "No Such Instance currently exists at this OID",
		".1.3.6.1.2.1.99.1.0":    "No Such Object available on this agent at this OID",
		".1.3.6.1.2.1.2.2.1.2.3": "No Such Instance currently exists at this OID",
	}
	for k, v := range want {
		if vals[k] != v {
			t.Errorf("%s = %q, want %q", k, vals[k], v)
		}
	}
}

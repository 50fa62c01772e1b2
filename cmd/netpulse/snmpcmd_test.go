package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/netpulse/netpulse/internal/peers"
)

// parseWalk reads "OID = value" lines (net-snmp's format, Hex-STRING continuation lines
// included) into OID → value, keeping the order of OIDs.
func parseWalk(t *testing.T, out string) ([]string, map[string]string) {
	t.Helper()
	var oids []string
	vals := map[string]string{}
	last := ""
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		oid, val, ok := strings.Cut(line, " = ")
		if !ok || !strings.HasPrefix(oid, ".") {
			if last == "" {
				t.Fatalf("unparsable walk line %q", line)
			}
			vals[last] += "\n" + line
			continue
		}
		oids = append(oids, oid)
		vals[oid] = val
		last = oid
	}
	return oids, vals
}

// netSNMPWalk runs net-snmp's snmpwalk -On with no MIB modules loaded (numeric output and
// type-based values, which is what netpulse prints).
func netSNMPWalk(t *testing.T, args ...string) string {
	t.Helper()
	bin, ok := peers.FindBinary("snmpwalk", "NETPULSE_SNMPWALK")
	if !ok {
		peers.Missing(t, "snmpwalk", "apt-get install snmp")
	}
	cmd := exec.Command(bin, append([]string{"-On", "-t", "2", "-r", "1"}, args...)...)
	cmd.Env = append(os.Environ(), "MIBS=", "MIBDIRS="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("snmpwalk %v: %v", args, err)
	}
	return string(out)
}

// compareWalks checks that netpulse's walk has exactly net-snmp's OIDs, in order, and the same
// values, except for objects that move between the two walks: sysUpTime (compared as
// "later or equal") and counters (same type, value not smaller).
func compareWalks(t *testing.T, what, ours, theirs string) {
	t.Helper()
	oOIDs, oVals := parseWalk(t, ours)
	tOIDs, tVals := parseWalk(t, theirs)
	if strings.Join(oOIDs, " ") != strings.Join(tOIDs, " ") {
		t.Fatalf("%s: OIDs differ\nnetpulse:\n%s\nsnmpwalk:\n%s", what, ours, theirs)
	}
	compared := 0
	for _, oid := range tOIDs {
		o, w := oVals[oid], tVals[oid]
		typ, tv, _ := strings.Cut(w, ": ")
		switch {
		case oid == ".1.3.6.1.2.1.1.3.0" || typ == "Counter32" || typ == "Counter64":
			if typ == "Timeticks" {
				tv = strings.Trim(strings.Fields(tv)[0], "()")
			}
			otyp, ov, _ := strings.Cut(o, ": ")
			if typ == "Timeticks" {
				ov = strings.Trim(strings.Fields(ov)[0], "()")
			}
			a, err1 := strconv.ParseUint(ov, 10, 64)
			b, err2 := strconv.ParseUint(tv, 10, 64)
			if otyp != typ || err1 != nil || err2 != nil || a < b {
				t.Errorf("%s %s: netpulse %q, snmpwalk (earlier) %q", what, oid, o, w)
			}
		case o != w:
			t.Errorf("%s %s: netpulse %q, snmpwalk %q", what, oid, o, w)
		default:
			compared++
		}
	}
	if compared < 5 {
		t.Errorf("%s: only %d stable values compared", what, compared)
	}
}

func TestSNMPWalkMatchesNetSNMP(t *testing.T) {
	agent := peers.StartSnmpd(t)
	v3 := []string{"-l", "authPriv", "-u", peers.SnmpdPriv256User, "-a", "SHA-256", "-A", peers.SnmpdAuthPassword, "-x", "AES-256", "-X", peers.SnmpdPrivPassword}
	creds := map[string]struct{ ours, theirs []string }{
		"v1":  {[]string{"-v", "1", "-c", peers.SnmpdCommunity}, []string{"-v1", "-c", peers.SnmpdCommunity}},
		"v2c": {[]string{"-c", peers.SnmpdCommunity}, []string{"-v2c", "-c", peers.SnmpdCommunity}},
		"v3 authPriv": {[]string{"-v", "3", "-u", peers.SnmpdPriv256User, "-l", "authPriv", "--auth-protocol", "SHA256",
			"--auth-password", peers.SnmpdAuthPassword, "--priv-protocol", "AES256", "--priv-password", peers.SnmpdPrivPassword},
			append([]string{"-v3"}, v3...)},
	}
	for name, c := range creds {
		for _, root := range []struct{ name, oid string }{{"system", "1.3.6.1.2.1.1"}, {"ifXTable", "1.3.6.1.2.1.31.1.1"}} {
			theirs := netSNMPWalk(t, append(c.theirs, agent.Addr, root.oid)...)
			code, ours, stderr := runCLI(t, append(append([]string{"snmp", "walk", "-a", agent.Addr}, c.ours...), root.name)...)
			if code != 0 {
				t.Fatalf("%s walk %s: exit %d\n%s", name, root.name, code, stderr)
			}
			compareWalks(t, name+" "+root.name, ours, theirs)
		}
	}
}

func TestSNMPGetAndTable(t *testing.T) {
	agent := peers.StartSnmpd(t)
	code, out, stderr := runCLI(t, "snmp", "get", "-a", agent.Addr, "-c", peers.SnmpdCommunity, "sysName", "SNMPv2-MIB::sysLocation.0", ".1.3.6.1.2.1.1.4.0", "sysName.1")
	want := `.1.3.6.1.2.1.1.5.0 = STRING: "netpulse-snmpd"
.1.3.6.1.2.1.1.6.0 = STRING: "test lab"
.1.3.6.1.2.1.1.4.0 = STRING: "netpulse tests"
.1.3.6.1.2.1.1.5.1 = No Such Instance currently exists at this OID
`
	if code != 0 || out != want {
		t.Errorf("snmp get: exit %d\n%s\nwant:\n%s%s", code, out, want, stderr)
	}

	code, out, stderr = runCLI(t, "snmp", "table", "-a", agent.Addr, "-c", peers.SnmpdCommunity, "ifXTable")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) < 2 || !strings.HasPrefix(lines[0], "INDEX  ifName ") || !strings.Contains(lines[0], " ifHCInOctets ") {
		t.Fatalf("snmp table: exit %d\n%s%s", code, out, stderr)
	}
	names := snmpwalkColumn(t, agent.Addr, "1.3.6.1.2.1.31.1.1.1.1")
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if names[f[0]] != f[1] {
			t.Errorf("row %s: ifName %q, snmpwalk says %q", f[0], f[1], names[f[0]])
		}
	}
	if len(lines)-1 != len(names) {
		t.Errorf("%d rows, snmpwalk sees %d interfaces", len(lines)-1, len(names))
	}
}

func TestSNMPProfileOnce(t *testing.T) {
	agent := peers.StartSnmpd(t)
	code, out, stderr := runCLI(t, "snmp", "get", "-a", agent.Addr, "-c", peers.SnmpdCommunity, "--profile", "if-mib", "--format", "lp")
	if code != 0 || !strings.HasPrefix(out, "interfaces,interface_name=lo,source="+agent.Addr+" ") || !strings.Contains(out, "state/counters/in-octets=") {
		t.Errorf("--profile if-mib: exit %d\n%s%s", code, out, stderr)
	}
	cfg := writeConfig(t, `
outputs: [{type: file, path: "-"}]
targets:
  - name: x
    address: 127.0.0.1
    snmp: {version: 2c, community: c, profiles: [contact]}
snmp_profiles:
  contact: {scalars: [{measurement: admin, fields: {who: 1.3.6.1.2.1.1.4.0}}]}
`)
	code, out, stderr = runCLI(t, "snmp", "get", "-a", agent.Addr, "-c", peers.SnmpdCommunity, "--profile", "contact", "--config", cfg, "--format", "lp")
	if code != 0 || !strings.HasPrefix(out, "admin,source="+agent.Addr+` who="netpulse tests" `) {
		t.Errorf("--profile from --config: exit %d\n%s%s", code, out, stderr)
	}
}

func TestSNMPTimeoutsAndBadInput(t *testing.T) {
	agent := peers.StartSnmpd(t)
	code, _, stderr := runCLI(t, "snmp", "get", "-a", agent.Addr, "-c", "wrong-community", "-t", "300ms", "-r", "0", "sysName")
	if code != exitFailure || !strings.Contains(stderr, "no answer") || !strings.Contains(stderr, "wrong community") {
		t.Errorf("wrong community: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCLI(t, "snmp", "walk", "-a", agent.Addr, "-v", "3", "-u", peers.SnmpdPrivUser, "--auth-protocol", "SHA",
		"--auth-password", "not-the-password", "--priv-protocol", "AES", "--priv-password", peers.SnmpdPrivPassword, "-t", "500ms", "-r", "0", "system")
	if code != exitFailure || !strings.Contains(stderr, "auth") {
		t.Errorf("wrong v3 auth password: exit %d, stderr %q", code, stderr)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"get", "sysName"}, "--address is required"},
		{[]string{"get", "-a", agent.Addr}, "needs at least one OID"},
		{[]string{"get", "-a", agent.Addr, "sysNme"}, `unknown OID name "sysNme"`},
		{[]string{"get", "-a", agent.Addr, "1.3.x.1"}, `"x" is not a number`},
		{[]string{"get", "-a", agent.Addr, "ifHCInOctets"}, "add the row index"},
		{[]string{"walk", "-a", agent.Addr, "-v", "3", "system"}, "--version 3 needs --user"},
		{[]string{"walk", "-a", agent.Addr, "-v", "3", "-u", "x", "--auth-protocol", "SHA", "--auth-password", "short", "system"}, "shorter than 8"},
		{[]string{"walk", "-a", agent.Addr, "-v", "4"}, `--version "4"`},
		{[]string{"get", "-a", agent.Addr, "--profile", "nope"}, `--profile "nope"`},
		{[]string{"get", "-a", agent.Addr, "--format", "lp", "sysName"}, "--format applies to --profile"},
		{[]string{"table", "-a", agent.Addr, "ifTable", "ifXTable"}, "one table"},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, append([]string{"snmp"}, c.args...)...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

func TestFormatVarbindLikeNetSNMP(t *testing.T) {
	if got := hexString([]byte("0123456789abcdefX")); got != "30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66 \n58 " {
		t.Errorf("hexString wraps at 16 bytes like net-snmp: %q", got)
	}
	cases := map[string]string{
		"":            `""`,
		"a \"b\" \\":  `STRING: "a \"b\" \\"`,
		"two\nlines":  "STRING: \"two\nlines\"",
		"\x00\x1a":    "Hex-STRING: 00 1A ",
		"caf\xc3\xa9": "Hex-STRING: 63 61 66 C3 A9 ", // non-ASCII is not printable in the C locale
	}
	for in, want := range cases {
		if got := formatOctets([]byte(in), true); got != want {
			t.Errorf("formatOctets(%q) = %q, want %q", in, got, want)
		}
	}
	for ticks, want := range map[uint64]string{0: "0:00:00.00", 149: "0:00:01.49", 8640000: "1 day, 0:00:00.00", 8640000*3 + 366101: "3 days, 1:01:01.01"} {
		if got := uptimeString(ticks); got != want {
			t.Errorf("uptimeString(%d) = %q, want %q", ticks, got, want)
		}
	}
}

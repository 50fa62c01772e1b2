package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/netpulse/netpulse/internal/peers"
)

// lpFields parses one line-protocol line into tag keys and field key → type letter
// (i, u, f, b, s). Good enough for lines netpulse writes (no escaped spaces in the demo).
func lpFields(line string) (meas string, tags []string, fields map[string]byte) {
	head, rest, _ := strings.Cut(line, " ")
	parts := strings.Split(head, ",")
	meas = parts[0]
	for _, kv := range parts[1:] {
		k, _, _ := strings.Cut(kv, "=")
		tags = append(tags, k)
	}
	fieldsPart := rest[:strings.LastIndexByte(rest, ' ')]
	fields = map[string]byte{}
	inQuote := false
	start := 0
	for i := 0; i <= len(fieldsPart); i++ {
		if i < len(fieldsPart) {
			c := fieldsPart[i]
			if c == '\\' {
				i++
				continue
			}
			if c == '"' {
				inQuote = !inQuote
			}
			if c != ',' || inQuote {
				continue
			}
		}
		k, v, _ := strings.Cut(fieldsPart[start:i], "=")
		typ := byte('f')
		switch {
		case strings.HasPrefix(v, `"`):
			typ = 's'
		case v == "true" || v == "false":
			typ = 'b'
		case strings.HasSuffix(v, "i"):
			typ = 'i'
		case strings.HasSuffix(v, "u"):
			typ = 'u'
		}
		fields[k] = typ
		start = i + 1
	}
	return meas, tags, fields
}

func TestDemoSameNamesForGNMIAndSNMP(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for several seconds")
	}
	out := filepath.Join(t.TempDir(), "demo.lp")
	code, stdout, stderr := runCLI(t, "demo", "--duration", "7s", "--interval", "2s", "--out", out)
	if code != 0 {
		t.Fatalf("demo exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "interfaces from gnmi") || !strings.Contains(stdout, "interfaces from snmp") {
		t.Errorf("demo report lacks one transport:\n%s", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type view struct {
		tags   map[string]bool
		fields map[string]byte
	}
	by := map[string]*view{"gnmi": {map[string]bool{}, map[string]byte{}}, "snmp": {map[string]bool{}, map[string]byte{}}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		meas, tags, fields := lpFields(sc.Text())
		if meas != "interfaces" {
			continue
		}
		v := by["gnmi"]
		if strings.Contains(sc.Text(), "source=sim-snmp") {
			v = by["snmp"]
		}
		for _, k := range tags {
			v.tags[k] = true
		}
		for k, typ := range fields {
			if old, ok := v.fields[k]; ok && old != typ {
				t.Errorf("field %s changes type within one transport: %c vs %c", k, old, typ)
			}
			v.fields[k] = typ
		}
	}
	g, s := by["gnmi"], by["snmp"]
	keys := func(m map[string]bool) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	if a, b := keys(g.tags), keys(s.tags); !slices.Equal(a, b) {
		t.Errorf("tag keys differ: gnmi %v, snmp %v", a, b)
	}
	// One dashboard, either transport: the OpenConfig leaves both sides have must carry the
	// same names and InfluxDB field types (a type conflict would make InfluxDB reject lines).
	for _, k := range []string{"state/counters/in-octets", "state/counters/out-octets", "state/counters/in-unicast-pkts",
		"state/counters/in-errors", "state/counters/in-discards", "state/oper-status", "state/admin-status",
		"state/description", "state/mtu", "state/ifindex", "state/type", "state/name"} {
		gt, okg := g.fields[k]
		st, oks := s.fields[k]
		if !okg || !oks {
			t.Errorf("field %s: in gnmi %v, in snmp %v; want both", k, okg, oks)
			continue
		}
		if gt != st {
			t.Errorf("field %s: type %c from gnmi, %c from snmp", k, gt, st)
		}
	}
	for k, gt := range g.fields {
		if st, ok := s.fields[k]; ok && st != gt {
			t.Errorf("field %s: type %c from gnmi, %c from snmp (InfluxDB would reject one)", k, gt, st)
		}
	}
}

// TestDemoCleanRunLogsNoWarning runs the demo as a user does (a real process, both log
// formats) and fails on any line at level WARN or ERROR: the collector must stop before the
// simulated devices, so no session sees its device vanish (issue 12). glog-style lines
// (W…/E… from the reference gNMI packages) count too.
func TestDemoCleanRunLogsNoWarning(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the demo twice")
	}
	bin := buildNetpulse(t)
	// A warning or error line: slog text (level=WARN), slog JSON ("level":"WARN"), glog (W1129 …).
	bad := regexp.MustCompile(`level=(WARN|ERROR)|"level":"(WARN|ERROR)"|^[WE]\d{4} `)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			cmd := exec.Command(bin, "demo", "--duration", "4s", "--interval", "1s", "--log-format", format,
				"--out", filepath.Join(dir, "demo.lp"))
			cmd.Dir = dir
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("demo: %v\n%s", err, stderr.String())
			}
			for _, line := range strings.Split(stderr.String(), "\n") {
				if bad.MatchString(line) {
					t.Errorf("clean demo run logged: %s", line)
				}
			}
			if !strings.Contains(stdout.String(), "interfaces from gnmi") || !strings.Contains(stdout.String(), "interfaces from snmp") {
				t.Errorf("demo wrote no data from one transport:\n%s\n%s", stdout.String(), stderr.String())
			}
		})
	}
	// A real problem is still shown: an InfluxDB nobody listens on gives warning lines that
	// the pattern above matches (so its silence on a clean run means something).
	t.Run("real problem shown", func(t *testing.T) {
		dir := t.TempDir()
		cmd := exec.Command(bin, "demo", "--duration", "3s", "--interval", "1s", "--log-format", "json",
			"--out", filepath.Join(dir, "demo.lp"), "--influx-url", fmt.Sprintf("http://127.0.0.1:%d", peers.FreeTCPPort(t)))
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		if !bad.Match(out) || !strings.Contains(string(out), "write failed") {
			t.Errorf("an unreachable InfluxDB logged no warning:\n%s", out)
		}
	})
}

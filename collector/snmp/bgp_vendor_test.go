package snmp

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/netpulse/netpulse/collector"
)

// TestDellOS10BGPSameLayoutAsArista: DELLEMC-OS10-BGP4V2-MIB is ARISTA-BGP4V2-MIB's layout
// under Dell's OID (both follow draft-ietf-idr-bgp4-mibv2). The Arista recording, with its
// BGP4V2 subtrees moved under the OS10 OIDs and an OS10 sysObjectID, must give the same bgp
// points as the original: this checks dell-os10-bgp's columns and match without an OS10
// recording (none is available).
func TestDellOS10BGPSameLayoutAsArista(t *testing.T) {
	src := filepath.Join("testdata", "devices-full", "arista_eos.snmprec")
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	rec := string(raw)
	rec = strings.ReplaceAll(rec, "\n1.3.6.1.4.1.30065.4.1.1.2.1.", "\n1.3.6.1.4.1.674.11000.5000.200.1.1.2.1.")
	rec = strings.ReplaceAll(rec, "\n1.3.6.1.4.1.30065.4.1.1.7.1.", "\n1.3.6.1.4.1.674.11000.5000.200.1.1.7.1.")
	rec = regexp.MustCompile(`\n1\.3\.6\.1\.2\.1\.1\.2\.0\|6\|[^\n]*`).ReplaceAllString(rec, "\n1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.674.11000.5000.100.2.1.7")
	if !strings.Contains(rec, "1.3.6.1.4.1.674.11000.5000.100.2.1.7") {
		t.Fatal("sysObjectID line not replaced")
	}
	moved := filepath.Join(t.TempDir(), "os10.snmprec")
	if err := os.WriteFile(moved, []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	bgpLines := func(path string) []string {
		points, _, _ := pollAuto(t, path)
		var out []string
		for _, p := range points {
			if p.Measurement != "bgp" {
				continue
			}
			out = append(out, pointLine(p))
		}
		slices.Sort(out)
		return out
	}
	want, got := bgpLines(src), bgpLines(moved)
	if len(want) != 2 {
		t.Fatalf("arista_eos: %d bgp points, want 2 (IPv4 and IPv6 peer)", len(want))
	}
	if !slices.Equal(got, want) {
		t.Errorf("OS10 layout:\n%s\nArista:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// pointLine renders a point's tags and fields (not its time) for comparison.
func pointLine(p collector.Point) string {
	var b strings.Builder
	b.WriteString(p.Measurement)
	for _, tg := range p.Tags {
		b.WriteString(" " + tg.Key + "=" + tg.Value)
	}
	for _, f := range p.Fields {
		v, _ := stringField(p, f.Key)
		b.WriteString(" " + f.Key + "=" + v)
	}
	return b.String()
}

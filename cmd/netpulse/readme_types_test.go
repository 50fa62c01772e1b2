package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
)

// expandBraces expands "a/{b,c}/d" into "a/b/d", "a/c/d" (any number of groups).
func expandBraces(s string) []string {
	i := strings.IndexByte(s, '{')
	if i < 0 {
		return []string{s}
	}
	j := strings.IndexByte(s[i:], '}') + i
	var out []string
	for _, alt := range strings.Split(s[i+1:j], ",") {
		out = append(out, expandBraces(s[:i]+alt+s[j+1:])...)
	}
	return out
}

var readmeRow = regexp.MustCompile("^\\| (`[^|]+`) \\| (uint|int|float|bool|string) \\|")

// readmeTable returns path → documented type for the rows of the first table after heading.
func readmeTable(t *testing.T, heading, after string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, heading)
	if i < 0 {
		t.Fatalf("README has no %q", heading)
	}
	text = text[i:]
	if after != "" {
		text = text[strings.Index(text, after):]
	}
	rows := map[string]string{}
	inTable := false
	for _, line := range strings.Split(text, "\n") {
		m := readmeRow.FindStringSubmatch(line)
		if m == nil {
			if inTable && !strings.HasPrefix(line, "|") {
				break
			}
			continue
		}
		inTable = true
		for _, cell := range strings.Split(m[1], ", ") {
			for _, p := range expandBraces(strings.Trim(cell, "`")) {
				rows[p] = m[2]
			}
		}
	}
	if len(rows) == 0 {
		t.Fatalf("no table rows after %q", heading)
	}
	return rows
}

// TestREADMEFieldTypes keeps README "Field types" and the if-mib table true: every gNMI
// leaf listed has that declared type in the generated OpenConfig table, and every if-mib
// field that type in the profile.
func TestREADMEFieldTypes(t *testing.T) {
	leaves := readmeTable(t, "## Field types", "**Built-in gNMI leaves**")
	for p, want := range leaves {
		k, _, ok := gnmi.DeclaredType(p)
		if !ok || k.String() != want {
			t.Errorf("README says %s is %s; the generated table declares %v (found %v)", p, want, k, ok)
		}
	}
	if len(leaves) < 80 {
		t.Errorf("only %d gNMI leaves parsed from the README table", len(leaves))
	}
	p, _ := snmp.BuiltinProfile("if-mib")
	fields := readmeTable(t, "### SNMP: the `if-mib` profile", "")
	for f, want := range fields {
		k, ok := p.Tables[0].FieldType(f)
		if !ok || k.String() != want {
			t.Errorf("README if-mib table says %s is %s; the profile declares %v (found %v)", f, want, k, ok)
		}
	}
	if len(fields) != len(p.Tables[0].FieldNames()) {
		t.Errorf("README if-mib table has %d fields, the profile %d", len(fields), len(p.Tables[0].FieldNames()))
	}
}

// TestConfigCheckNamesBadTypes: an unknown type in a user profile's types: is a usage error
// that names its line and the accepted values; a type on a tag says tags are strings.
func TestConfigCheckNamesBadTypes(t *testing.T) {
	cfg := writeConfig(t, `outputs: [{type: file, path: "-"}]
targets:
  - name: a
    address: 192.0.2.1
    snmp: {version: 2c, community: x, profiles: [p, q]}
snmp_profiles:
  p:
    tables:
      - measurement: m
        fields: {a: 1.3.6.1.1}
        types:
          a: unsigned
  q:
    tables:
      - measurement: m
        fields: {a: 1.3.6.1.1}
        tags: {t: 1.3.6.1.3}
        types: {t: string}
`)
	code, _, stderr := runCLI(t, "config", "check", "--config", cfg)
	for _, want := range []string{`line 12: types.a: unknown type "unsigned": use uint, int, float, bool, string`, "tags are always strings"} {
		if code != exitUsage || !strings.Contains(stderr, want) {
			t.Errorf("exit %d, want 2 and %q in\n%s", code, want, stderr)
		}
	}
}

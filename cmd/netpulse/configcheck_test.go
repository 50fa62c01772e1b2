package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestConfigCheckEveryProblemInASection runs the built binary on a file whose one snmp:
// section has four mistakes, whose one gnmi: section has two and whose one snmp_profiles
// entry has two: `config check` must name all eight, each on its own line, in one run, and
// exit 2 (issue 12). The snmp package's Validate and ValidateProfile used to stop at the
// first one.
func TestConfigCheckEveryProblemInASection(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildNetpulse(t)
	cfg := writeConfig(t, `outputs: [{type: file, path: "-"}]
subscriptions:
  ifs: {paths: [/interfaces]}
targets:
  - name: core1
    address: 192.0.2.1
    snmp:
      version: 3
      user: ops
      security_level: authPriv
      auth_protocol: SHA1
      auth_password: short
      priv_protocol: AES
      priv_password: long-enough
      retries: -1
      max_repetitions: 100000
  - name: r1
    address: 192.0.2.2:57400
    gnmi:
      insecure: true
      tls_ca: ca.pem
      subscriptions: [ifs]
      redial: {min: 5s, max: 1s}
snmp_profiles:
  cpu:
    tables:
      - measurement: cpu
        fields:
          load: hrProcessorLoad
        formats:
          lod: uint
`)
	code, out, stderr := runBinary(t, bin, []string{}, "config", "check", "--config", cfg)
	if code != exitUsage {
		t.Fatalf("exit %d, want 2\n%s%s", code, out, stderr)
	}
	want := []string{
		`line 11: target "core1": snmp: auth_protocol "SHA1": use MD5, SHA`,
		`line 12: target "core1": snmp: auth_password is shorter than 8 characters`,
		`line 15: target "core1": snmp: retries -1 is negative`,
		`line 16: target "core1": snmp: max_repetitions 100000 is too large`,
		`line 20: target "r1": gnmi: insecure (plaintext) conflicts with tls_ca`,
		`line 23: target "r1": gnmi: redial.min is larger than redial.max`,
		`line 29: snmp_profiles.cpu: tables[0].fields.load: OID "hrProcessorLoad" is not numeric`,
		`line 31: snmp_profiles.cpu: tables[0].formats.lod: no field or tag of that name`,
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("config check lacks %q:\n%s", w, stderr)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^line \d+: `).FindAllString(stderr, -1)); n != len(want) {
		t.Errorf("%d problems reported, want exactly %d:\n%s", n, len(want), stderr)
	}
}

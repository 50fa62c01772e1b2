package main

import (
	"strings"
	"testing"
)

// TestExplainAutoProfiles: a target with the default profiles (auto) explains every
// built-in profile's match rule, and a sample poll says which profiles matched the sample
// device's sysObjectID and why.
func TestExplainAutoProfiles(t *testing.T) {
	cfg := writeConfig(t, `
outputs: [{type: file, path: "-"}]
targets:
  - name: core1
    address: 192.0.2.20
    snmp: {version: 2c, community: public}
snmp_profiles:
  my-temp:
    match: {sys_object_id: [1.3.6.1.4.1.9.1]}
    tables: [{measurement: components, columns: {t: 1.3.6.1.4.1.9.9.13.1.3.1.3}, computed_fields: {state/temperature/instant: t}, types: {state/temperature/instant: float}}]
`)
	code, out, stderr := runCLI(t, "explain", "--config", cfg, "--target", "core1",
		"--sample-varbind", "sysObjectID.0=OID: .1.3.6.1.4.1.9.1.2066", "--sample-varbind", "sysUpTime.0=Timeticks: (100) 0:00:01.00",
		"--sample-varbind", "1.3.6.1.4.1.9.9.109.1.1.1.1.8.1=Gauge32: 7")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"profile cisco\n    matches devices with sysObjectID under 1.3.6.1.4.1.9",
		"profile juniper\n    matches devices with sysObjectID under 1.3.6.1.4.1.2636",
		"replaces host-resources where it matches",
		"profile my-temp\n    matches devices with sysObjectID under 1.3.6.1.4.1.9.1",
		"device sysObjectID 1.3.6.1.4.1.9.1.2066",
		"polled  cisco              sysObjectID 1.3.6.1.4.1.9.1.2066 is under 1.3.6.1.4.1.9",
		"polled  my-temp",
		"skipped juniper            sysObjectID 1.3.6.1.4.1.9.1.2066 is under none of 1.3.6.1.4.1.2636",
		"polled  entity             no match rule: every device",
		`cpu/utilization/state/instant=7u`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q\n%s", want, out)
		}
	}
}

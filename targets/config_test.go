package targets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const userProfile = `
snmp_profiles:
  cpu:
    tables:
      - measurement: cpu
        index_tag: cpu_index
        fields: {load: 1.3.6.1.2.1.25.3.3.1.2}
`

func TestParseFullExample(t *testing.T) {
	t.Setenv("AUTH_PW", "authpass123")
	t.Setenv("PRIV_PW", "privpass123")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "influx.tok"), []byte("user:pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Parse([]byte(`
interval: 30s
outputs:
  - type: influxdb
    url: http://127.0.0.1:8086
    token_file: influx.tok
    bucket: telemetry/autogen
  - type: file
    path: "-"
targets:
  - name: leaf1
    address: 127.0.0.1:161
    tags: {site: ams1}
    snmp:
      version: 2c
      community: public
      profiles: [cpu]
      interval: 10s
  - name: leaf2
    address: 127.0.0.1:161
    snmp:
      version: 3
      security_level: authPriv
      user: authPrivUser
      auth_protocol: SHA
      auth_password: ${AUTH_PW}
      priv_protocol: AES
      priv_password: ${PRIV_PW}
      profiles: [cpu]
  - name: spine1
    address: 127.0.0.1:57400
    gnmi:
      insecure: true
      subscriptions: [ifaces]
subscriptions:
  ifaces:
    paths: [/interfaces/interface/state/counters]
`+userProfile), dir)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if got := f.Outputs[0].Token.Reveal(); got != "user:pw" {
		t.Errorf("token from token_file = %q, want user:pw (newline trimmed)", got)
	}
	if f.Outputs[0].BatchSize != DefaultBatchSize || f.Outputs[0].UintSupport != "auto" || !*f.Outputs[0].Gzip {
		t.Errorf("influx defaults not applied: %+v", f.Outputs[0])
	}
	l1 := f.Targets[0].SNMP
	if l1.Interval != 10*time.Second || l1.Timeout != DefaultSNMPTimeout || *l1.Retries != DefaultSNMPRetries {
		t.Errorf("leaf1 snmp defaults: %+v", l1)
	}
	if fmt.Sprint(l1.Tags) != "[{site ams1} {source leaf1}]" {
		t.Errorf("leaf1 tags = %v, want sorted source+site", l1.Tags)
	}
	if len(l1.Profiles) != 1 || l1.Profiles[0].Name != "cpu" {
		t.Errorf("leaf1 profiles = %+v", l1.Profiles)
	}
	if f.Targets[1].SNMP.AuthPassword.Reveal() != "authpass123" {
		t.Errorf("env expansion failed")
	}
	if f.Targets[1].SNMP.Interval != 30*time.Second {
		t.Errorf("leaf2 interval = %s, want the file default", f.Targets[1].SNMP.Interval)
	}
	g := f.Targets[2].GNMI
	if len(g.Subscriptions) != 1 || g.Subscriptions[0].Measurement != "ifaces" || g.Subscriptions[0].Mode != "stream" {
		t.Errorf("gnmi subscriptions = %+v", g.Subscriptions)
	}
	if f.Targets[2].Line != 30 {
		t.Errorf("spine1 line = %d, want 30", f.Targets[2].Line)
	}
	// A secret never prints.
	if s := fmt.Sprintf("%v %+v %#v", f.Targets[1].SNMP.AuthPassword, *f.Targets[1].SNMP, f.Outputs[0].Token); strings.Contains(s, "authpass123") || strings.Contains(s, "user:pw") {
		t.Errorf("secret leaked: %s", s)
	}
}

func TestParseErrors(t *testing.T) {
	base := "outputs: [{type: file, path: \"-\"}]\n"
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown top key", base + "targest: []\n", []string{"line 2", `unknown key "targest"`}},
		{"unknown target key", base + "targets:\n  - name: a\n    adress: x\n", []string{"line 4", `unknown key "adress"`, "a target"}},
		{"wrong type", base + "interval: often\n" + "targets: []\n", []string{"line 2", "duration"}},
		{"missing community", base + "targets:\n  - name: a\n    address: h:161\n    snmp: {version: 2c, profiles: [cpu]}\n" + userProfile, []string{`target "a"`, "community"}},
		{"unknown profile", base + "targets:\n  - name: a\n    address: h:161\n    snmp: {version: 2c, community: c, profiles: [nope]}\n" + userProfile, []string{"line 3", `unknown profile "nope"`, "cpu"}},
		{"v3 short password", base + "targets:\n  - name: a\n    address: h:161\n    snmp: {version: 3, user: u, auth_protocol: SHA, auth_password: short, security_level: authNoPriv, profiles: [cpu]}\n" + userProfile, []string{"8 characters"}},
		{"v3 bad protocol", base + "targets:\n  - name: a\n    address: h:161\n    snmp: {version: 3, user: u, auth_protocol: SHA1024, auth_password: longenough, security_level: authNoPriv, profiles: [cpu]}\n" + userProfile, []string{`auth_protocol "SHA1024"`}},
		{"duplicate names", base + "targets:\n  - name: a\n    address: h:161\n    snmp: {version: 2c, community: c, profiles: [cpu]}\n  - name: a\n    address: h:161\n    snmp: {version: 2c, community: c, profiles: [cpu]}\n" + userProfile, []string{"used twice"}},
		{"unset env", base + "targets:\n  - name: a\n    address: h:161\n    snmp: {version: 2c, community: \"${NETPULSE_TEST_UNSET}\", profiles: [cpu]}\n" + userProfile, []string{"line 5", "NETPULSE_TEST_UNSET is not set"}},
		{"no outputs", "targets: []\n", []string{"outputs: none configured", "targets: none configured"}},
		{"bad output type", "outputs: [{type: kafka}]\ntargets: []\n", []string{`unknown type "kafka"`}},
		{"influx without bucket", "outputs: [{type: influxdb, url: \"http://x:8086\"}]\ntargets: []\n", []string{"bucket is empty", "database/retention-policy"}},
		{"both transports", base + "targets:\n  - name: a\n    address: h:161\n    snmp: {version: 2c, community: c, profiles: [cpu]}\n    gnmi: {subscriptions: [s]}\n" + userProfile, []string{"both snmp and gnmi"}},
		{"unknown subscription", base + "targets:\n  - name: a\n    address: h:57400\n    gnmi: {subscriptions: [s]}\n", []string{`unknown subscription "s"`}},
		{"non-numeric OID", base + "targets: []\nsnmp_profiles:\n  p:\n    tables: [{measurement: m, fields: {x: ifHCInOctets}}]\n", []string{"not numeric"}},
		{"influx keys on a file output", "outputs: [{type: file, path: x.lp, gzip: true}]\ntargets: []\n", []string{"are for type influxdb, not file"}},
		{"stall_timeout too short", base + "metrics: {stall_timeout: 100ms}\ntargets: []\n", []string{"metrics.stall_timeout", "below 1s"}},
		{"influx url without scheme keeps its password", "outputs: [{type: influxdb, url: \"u:s3cr3t@x:8086\", bucket: b}]\ntargets: []\n", []string{"needs a scheme", "u:xxxxx@x:8086"}},
		{"empty", "", []string{"empty"}},
		{"bad yaml", "targets: [\n", []string{"parse YAML"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "")
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestSecretFileConflict(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "c"), []byte("x"), 0o600)
	_, err := Parse([]byte(`outputs: [{type: file, path: "-"}]
targets:
  - name: a
    address: h:161
    snmp: {version: 2c, community: c, community_file: c, profiles: [cpu]}
`+userProfile), dir)
	if err == nil || !strings.Contains(err.Error(), "both community and community_file") {
		t.Fatalf("err = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("outputs: [{type: file, path: \"-\"}]\ntargets:\n  - name: a\n    address: h:161\n    snmp: {version: 2c, community: c}\n"))
	f.Add([]byte("interval: 5s\nsubscriptions: {s: {paths: [/a/b]}}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Parse(b, "") // must not panic
	})
}

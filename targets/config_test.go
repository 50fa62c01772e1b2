package targets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
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
		{"unknown profile", base + "targets:\n  - name: a\n    address: h:161\n    snmp: {version: 2c, community: c, profiles: [nope]}\n" + userProfile, []string{"line 5", `unknown profile "nope"`, "cpu"}},
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

// TestParseReportsEveryProblem: independent mistakes all come back from one load, each with
// the line it is on, sorted by line (issue 12).
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`outputs: [{type: file, path: "-"}]
targets:
  - name: a
    address: h:161
    snmp:
      version: 4
      community: c
      profiles: [cpu]
  - name: b
    address: h:161
    adress: typo
    snmp:
      version: 2c
      community: c
      profiles: [system, nope]
`+userProfile), "")
	if err == nil {
		t.Fatal("Parse succeeded, want three problems")
	}
	want := []string{
		`line 6: target "a": snmp: version "4": use 1, 2c or 3`,
		`line 11: unknown key "adress" in a target`,
		`line 15: target "b": snmp.profiles: unknown profile "nope"`,
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "3 problems:\n") {
		t.Errorf("error does not count 3 problems:\n%s", msg)
	}
	last := -1
	for _, w := range want {
		i := strings.Index(msg, w)
		if i < 0 {
			t.Errorf("missing %q in:\n%s", w, msg)
			continue
		}
		if i < last {
			t.Errorf("%q is out of line order in:\n%s", w, msg)
		}
		last = i
	}
}

// TestParseRefusesNamesLineProtocolCannotCarry: a measurement starting with '#' (a comment
// line that InfluxDB skips), empty names and control characters in measurements, tag keys
// and values are refused at load, each naming its line (issue 12).
func TestParseRefusesNamesLineProtocolCannotCarry(t *testing.T) {
	_, err := Parse([]byte(`outputs: [{type: file, path: "-"}]
subscriptions:
  ifs:
    paths: [/interfaces]
    measurement: "#x"
  "#y":
    paths: [/system]
snmp_profiles:
  p:
    tables:
      - measurement: "#cpu"
        index_tag: "cpu\tindex"
        fields: {load: 1.3.6.1.2.1.25.3.3.1.2}
targets:
  - name: a
    address: h:161
    tags: {"site\n": x, rack: "r\\ 1", room: ""}
    snmp: {version: 2c, community: c, profiles: [p]}
  - name: g
    address: h:57400
    gnmi: {insecure: true, subscriptions: [ifs, "#y"]}
`), "")
	if err == nil {
		t.Fatal("Parse succeeded")
	}
	for _, w := range []string{
		`line 5: subscriptions.ifs: measurement "#x" starts with '#'`,
		`line 6: subscriptions.#y: measurement "#y" starts with '#'`,
		`line 11: snmp_profiles.p: measurement "#cpu" starts with '#'`,
		`line 12: snmp_profiles.p: index_tag "cpu\tindex" contains the control character U+0009`,
		`line 17: target "a": tag key "site\n" contains the control character U+000A`,
		`line 17: target "a": tag rack: value "r\\ 1" has a backslash before ' '`,
		`line 17: target "a": tag room is empty`,
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%s", w, err)
		}
	}
	if n := strings.Count(err.Error(), `"#x" starts`); n != 1 {
		t.Errorf("the subscription's problem is reported %d times, want once (not again per target):\n%s", n, err)
	}
}

// TestParseWithoutSecrets: explain's mode opens no secret file and reads no secret variable;
// each such secret shows where it would come from, literal secrets stay redacted. The normal
// mode still reports every secret file it cannot read.
func TestParseWithoutSecrets(t *testing.T) {
	t.Setenv("NETPULSE_TEST_COMMUNITY", "s3cret-community")
	dir := t.TempDir()
	cfg := []byte(`outputs:
  - {type: influxdb, url: "http://x:8086", bucket: b, token: "${NETPULSE_TEST_UNSET_TOKEN}"}
targets:
  - name: v2
    address: h:161
    snmp: {version: 2c, community: "${NETPULSE_TEST_COMMUNITY}", profiles: [system]}
  - name: v3
    address: h:161
    snmp:
      version: 3
      user: u
      auth_protocol: SHA
      auth_password_file: /nonexistent/auth
      priv_protocol: AES
      priv_password_file: priv
      profiles: [system]
  - name: g
    address: h:57400
    gnmi: {insecure: true, password: literal-pw, subscriptions: [s]}
subscriptions:
  s: {paths: [/interfaces]}
`)
	f, err := ParseWith(cfg, dir, Options{WithoutSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		s    collector.Secret
		want string
	}{
		{f.Outputs[0].Token, "<secret from $NETPULSE_TEST_UNSET_TOKEN>"},
		{f.Targets[0].SNMP.Community, "<secret from $NETPULSE_TEST_COMMUNITY>"},
		{f.Targets[1].SNMP.AuthPassword, "<secret from /nonexistent/auth>"},
		{f.Targets[1].SNMP.PrivPassword, "<secret from " + filepath.Join(dir, "priv") + ">"},
		{f.Targets[2].GNMI.Password, "[redacted]"},
	} {
		if got := f.ShowSecret(c.s); got != c.want {
			t.Errorf("ShowSecret = %q, want %q", got, c.want)
		}
	}
	if f.Targets[0].SNMP.Community.Reveal() == "s3cret-community" {
		t.Error("the community variable was read WithoutSecrets")
	}

	_, err = Parse(cfg, dir)
	if err == nil {
		t.Fatal("Parse without the secret files succeeded")
	}
	for _, w := range []string{"line 2: environment variable NETPULSE_TEST_UNSET_TOKEN is not set", "line 13: target \"v3\": snmp: read auth_password_file", "line 15: target \"v3\": snmp: read priv_password_file"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("missing %q in:\n%s", w, err)
		}
	}
}

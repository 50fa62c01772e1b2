package examples_test

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp"
	"github.com/netpulse/netpulse/targets"
)

// TestREADMEConfigReferenceLoads keeps the README's config reference true: its YAML block
// must load with the same loader as any config file.
func TestREADMEConfigReferenceLoads(t *testing.T) {
	body := readmeConfig(t)
	for _, v := range []string{"INFLUX_TOKEN", "AUTH_PW", "PRIV_PW", "SPINE_PW"} {
		t.Setenv(v, "secret-value-123")
	}
	f, err := targets.Parse([]byte(body), t.TempDir())
	if err != nil {
		t.Fatalf("README config reference does not load:\n%v", err)
	}
	if len(f.Targets) != 3 || len(f.Outputs) != 2 || len(f.SNMPProfiles) != 1 || len(f.Subscriptions) != 1 {
		t.Errorf("loaded %d targets, %d outputs, %d profiles, %d subscriptions; want 3, 2, 1, 1",
			len(f.Targets), len(f.Outputs), len(f.SNMPProfiles), len(f.Subscriptions))
	}
}

// TestREADMEDefaultsAreTheDefaults keeps the values the README's config reference marks
// "(default)" equal to the defaults in the code (outputs.DefaultBatchSize,
// influx.DefaultTimeout, …): leaving out a marked key must load the same configuration as
// writing it. The marked line is blanked, not deleted, so that every other line keeps its
// number (a target records its line).
func TestREADMEDefaultsAreTheDefaults(t *testing.T) {
	body := readmeConfig(t)
	for _, v := range []string{"INFLUX_TOKEN", "AUTH_PW", "PRIV_PW", "SPINE_PW"} {
		t.Setenv(v, "secret-value-123")
	}
	dir := t.TempDir()
	want, err := targets.Parse([]byte(body), dir)
	if err != nil {
		t.Fatalf("README config reference does not load:\n%v", err)
	}
	lines := strings.Split(body, "\n")
	marked := map[string]bool{}
	for i, l := range lines {
		_, comment, _ := strings.Cut(l, "#")
		if !strings.Contains(comment, "(default)") {
			continue
		}
		key, _, _ := strings.Cut(strings.TrimSpace(l), ":")
		marked[key] = true
		blanked := slices.Clone(lines)
		blanked[i] = ""
		got, err := targets.Parse([]byte(strings.Join(blanked, "\n")), dir)
		if err != nil {
			t.Errorf("README line %q: the config does not load without it:\n%v", l, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("README line %q says (default), but leaving it out loads a different config: fix the README or the default", strings.TrimSpace(l))
		}
	}
	// The output defaults must stay marked: the README is where a user reads them.
	for _, k := range []string{"batch_size", "flush_interval", "timeout", "max_bytes"} {
		if !marked[k] {
			t.Errorf("README config reference: %s is not marked (default)", k)
		}
	}
}

// readmeConfig returns the README's config reference, the ```yaml block that starts with
// "interval:".
func readmeConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	start := strings.Index(text, "```yaml\ninterval:")
	if start < 0 {
		t.Fatal("README has no ```yaml block starting with interval:")
	}
	body := text[start+len("```yaml\n"):]
	return body[:strings.Index(body, "```")]
}

// TestExampleDeclaresTypes: the types: declarations README "Field types" points to in
// configs/snmp-switch.yaml are loaded as declared types.
func TestExampleDeclaresTypes(t *testing.T) {
	b, err := os.ReadFile("configs/snmp-switch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Profiles map[string]snmp.Profile `yaml:"snmp_profiles"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.Profiles["host-resources"]
	if k, ok := p.Scalars[0].FieldType("users"); !ok || k != collector.KindUint {
		t.Errorf("users: %v %v", k, ok)
	}
	if k, ok := p.Tables[0].FieldType("load_percent"); !ok || k != collector.KindUint {
		t.Errorf("load_percent: %v %v", k, ok)
	}
	if err := snmp.ValidateProfile(p); err != nil {
		t.Error(err)
	}
}

package examples_test

import (
	"os"
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
	body = body[:strings.Index(body, "```")]
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

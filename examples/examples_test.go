// Package examples_test checks that everything under examples/ works as shipped: every
// netpulse config loads with targets.Load, the Kubernetes manifests reference ConfigMaps,
// Secrets and keys that exist and hand netpulse a config that loads with exactly the
// environment and files the pod gets, the compose stack references existing files and agrees
// with itself, and the Dockerfile's `go build` line produces a static binary from the build
// context that .dockerignore leaves.
//
// Secrets referenced as ${VAR} are set to dummy values; *_file secrets are created in a
// temporary directory that stands in for the container's filesystem.
package examples_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/targets"
)

// dummySecret is long enough for SNMPv3 (RFC 3414 §11.2 wants 8 characters at least).
const dummySecret = "dummy-secret-for-tests"

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// secretKeys are config keys whose value is a secret: in an example it must come from
// ${ENV} (or the key's *_file variant), never be written literally.
var secretKeys = map[string]bool{"password": true, "community": true, "token": true, "auth_password": true, "priv_password": true}

// pathKeys are config keys whose value names a file or directory in the container.
func isPathKey(k string) bool {
	switch k {
	case "tls_ca", "tls_cert", "tls_key", "spool_dir", "dead_letter":
		return true
	}
	return strings.HasSuffix(k, "_file")
}

// yamlKind says what an examples/ YAML file is, by its top-level keys.
func yamlKind(data []byte) (string, error) {
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		// Kubernetes files are multi-document; Unmarshal reads the first document only.
		return "", fmt.Errorf("parse YAML: %w", err)
	}
	switch {
	case top["kind"] != nil && top["apiVersion"] != nil:
		return "kubernetes", nil
	case top["services"] != nil:
		return "compose", nil
	case top["datasources"] != nil || top["providers"] != nil:
		return "grafana", nil
	case top["targets"] != nil || top["outputs"] != nil:
		return "netpulse", nil
	}
	return "", errors.New("not a netpulse config, Kubernetes manifest, compose file or Grafana provisioning file")
}

// exampleYAML lists every YAML file under examples/ with its kind.
func exampleYAML(t *testing.T) map[string]string {
	t.Helper()
	kinds := map[string]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		k, err := yamlKind(data)
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		kinds[p] = k
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return kinds
}

// checkNoLiteralSecrets reports secret keys whose value is written out instead of coming
// from ${ENV}.
func checkNoLiteralSecrets(data []byte) error {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return err
	}
	var errs []error
	walkMappings(&root, func(k, v *yaml.Node) {
		if secretKeys[k.Value] && v.Kind == yaml.ScalarNode && !envRef.MatchString(v.Value) {
			errs = append(errs, fmt.Errorf("line %d: %s is written literally: use ${ENV} or %s_file", v.Line, k.Value, k.Value))
		}
	})
	return errors.Join(errs...)
}

// walkMappings calls fn for every key/value pair in the tree.
func walkMappings(n *yaml.Node, fn func(k, v *yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			fn(n.Content[i], n.Content[i+1])
		}
	}
	for _, c := range n.Content {
		walkMappings(c, fn)
	}
}

// configPath is an absolute path a config names, with the key that names it.
type configPath struct{ key, path string }

// rootedConfig rewrites every absolute file path in a netpulse config (the *_file secrets,
// TLS files, spool and dead-letter locations) to live under root, the stand-in for the
// container's filesystem, and returns the new text and the original paths. Relative paths
// are left alone (they resolve against the config's directory).
func rootedConfig(data []byte, root string) ([]byte, []configPath, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, err
	}
	// Edit the text in place, on the value's own line, so that errors keep the line numbers
	// of the original file.
	lines := strings.Split(string(data), "\n")
	var paths []configPath
	var errs []error
	walkMappings(&doc, func(k, v *yaml.Node) {
		if v.Kind != yaml.ScalarNode || !filepath.IsAbs(v.Value) {
			return
		}
		if isPathKey(k.Value) || (k.Value == "path" && v.Value != "-") {
			paths = append(paths, configPath{k.Value, v.Value})
			line := lines[v.Line-1]
			i := strings.Index(line[v.Column-1:], v.Value)
			if v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || i < 0 {
				errs = append(errs, fmt.Errorf("line %d: cannot rewrite %s %q in place", v.Line, k.Value, v.Value))
				return
			}
			i += v.Column - 1
			lines[v.Line-1] = line[:i] + filepath.Join(root, v.Value) + line[i+len(v.Value):]
		}
	})
	return []byte(strings.Join(lines, "\n")), paths, errors.Join(errs...)
}

// loadStandalone loads a config from examples/ the way a user would after exporting its
// variables and creating its secret files: every ${VAR} gets a dummy value and every
// absolute *_file a dummy file.
func loadStandalone(t *testing.T, path string, data []byte) (*targets.File, error) {
	t.Helper()
	for _, m := range envRef.FindAllSubmatch(data, -1) {
		t.Setenv(string(m[1]), dummySecret)
	}
	root := t.TempDir()
	text, paths, err := rootedConfig(data, root)
	if err != nil {
		return nil, err
	}
	for _, p := range paths {
		if !strings.HasSuffix(p.key, "_file") {
			continue // TLS files, spool and dead letters are not read by Load
		}
		full := filepath.Join(root, p.path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(full, []byte(dummySecret+"\n"), 0o600); err != nil {
			return nil, err
		}
	}
	return targets.Parse(text, filepath.Dir(path))
}

func TestEveryYAMLFileIsKnown(t *testing.T) {
	kinds := exampleYAML(t)
	count := map[string]int{}
	for _, k := range kinds {
		count[k]++
	}
	// The issue asks for these; a lost file or a misclassified one shows up here.
	for kind, min := range map[string]int{"netpulse": 6, "kubernetes": 5, "compose": 1, "grafana": 2} {
		if count[kind] < min {
			t.Errorf("%d %s YAML files under examples/, want at least %d (%v)", count[kind], kind, min, kinds)
		}
	}
}

func TestConfigsLoad(t *testing.T) {
	kinds := exampleYAML(t)
	var names []string
	for p, k := range kinds {
		if k == "netpulse" {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	for _, p := range names {
		t.Run(p, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := checkNoLiteralSecrets(data); err != nil {
				t.Error(err)
			}
			f, err := loadStandalone(t, p, data)
			if err != nil {
				t.Fatalf("targets.Load: %v", err)
			}
			if len(f.Targets) == 0 || len(f.Outputs) == 0 {
				t.Fatalf("%d targets, %d outputs: an example needs both", len(f.Targets), len(f.Outputs))
			}
			for _, tg := range f.Targets {
				if tg.GNMI != nil && len(tg.GNMI.Subscriptions) == 0 {
					t.Errorf("target %s: no subscriptions resolved", tg.Name)
				}
				if tg.SNMP != nil && len(tg.SNMP.Profiles) == 0 {
					t.Errorf("target %s: no profiles resolved", tg.Name)
				}
			}
		})
	}
}

// TestVendorConfigs pins the vendor facts the example configs document, so an edit that
// drops one (a wrong port, an encoding the device rejects) fails here.
func TestVendorConfigs(t *testing.T) {
	cases := []struct {
		file      string
		port      string
		encodings []string // allowed
	}{
		{"configs/arista-eos-gnmi.yaml", ":6030", []string{"json"}},
		{"configs/cisco-iosxr-gnmi.yaml", ":57400", []string{"proto", "json_ietf"}}, // XR rejects JSON
		{"configs/juniper-gnmi.yaml", ":32767", []string{"proto", "json"}},          // json_ietf streams stay silent
		{"configs/nokia-srlinux-gnmi.yaml", ":57400", []string{"json_ietf"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			f, err := loadStandalone(t, c.file, data)
			if err != nil {
				t.Fatal(err)
			}
			for _, tg := range f.Targets {
				if tg.GNMI == nil {
					t.Errorf("target %s is not gNMI", tg.Name)
					continue
				}
				if !strings.HasSuffix(tg.Address, c.port) {
					t.Errorf("target %s address %s: want port %s", tg.Name, tg.Address, c.port)
				}
				for _, s := range tg.GNMI.Subscriptions {
					if !slices.Contains(c.encodings, s.Encoding) {
						t.Errorf("target %s subscription %s: encoding %s, want one of %v", tg.Name, s.Name, s.Encoding, c.encodings)
					}
				}
			}
		})
	}

	data, err := os.ReadFile("configs/snmp-switch.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := loadStandalone(t, "configs/snmp-switch.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var v2c, v3authPriv, userProfile bool
	for _, tg := range f.Targets {
		if tg.SNMP == nil {
			continue
		}
		v2c = v2c || tg.SNMP.Version == "2c"
		v3authPriv = v3authPriv || (tg.SNMP.Version == "3" && tg.SNMP.SecurityLevel == "authPriv")
		for _, n := range tg.SNMP.ProfileNames {
			if _, ok := f.SNMPProfiles[n]; ok {
				userProfile = true
			}
		}
	}
	if !v2c || !v3authPriv || !userProfile {
		t.Errorf("snmp-switch.yaml: v2c=%v v3 authPriv=%v user profile used=%v, want all three", v2c, v3authPriv, userProfile)
	}
}

// TestBrokenCopiesFail makes sure the checks above can fail: deliberately broken copies of
// an example must be rejected.
func TestBrokenCopiesFail(t *testing.T) {
	const p = "configs/arista-eos-gnmi.yaml"
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loadStandalone(t, p, data); err != nil {
		t.Fatalf("the unbroken copy must load: %v", err)
	}

	typo := bytes.Replace(data, []byte("sample_interval:"), []byte("sample_intervall:"), 1)
	line := 1 + bytes.Count(typo[:bytes.Index(typo, []byte("sample_intervall"))], []byte("\n"))
	_, err = loadStandalone(t, p, typo)
	if err == nil || !strings.Contains(err.Error(), "sample_intervall") || !strings.Contains(err.Error(), fmt.Sprintf("line %d:", line)) {
		t.Errorf("typo'd key: err = %v, want an unknown-key error naming the key and line %d", err, line)
	}

	unknownSub := bytes.Replace(data, []byte("subscriptions: [interfaces,"), []byte("subscriptions: [interface,"), 1)
	if _, err := loadStandalone(t, p, unknownSub); err == nil {
		t.Error("a target naming an undefined subscription loaded without error")
	}

	literal := bytes.Replace(data, []byte("password: ${GNMI_PASSWORD}"), []byte("password: hunter2hunter2"), 1)
	if err := checkNoLiteralSecrets(literal); err == nil {
		t.Error("a literal password passed the no-literal-secrets check")
	}
}

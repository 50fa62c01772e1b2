package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the root command as main would and returns the exit code and outputs.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := execute(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "netpulse.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUsageErrorsExit2(t *testing.T) {
	cases := [][]string{
		{"run"},            // no --config
		{"run", "--bogus"}, // unknown flag
		{"nosuchcommand"},  // unknown command
		{"run", "--config", "/nonexistent/netpulse.yaml"},
		{"config", "check"},
		{"--log-level", "loud", "version"},
		{"run", "--once", "--timeout", "soon", "--config", "x"},
	}
	for _, args := range cases {
		code, _, stderr := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want 2 (stderr: %s)", args, code, stderr)
		}
		if !strings.Contains(stderr, "netpulse:") {
			t.Errorf("%v: no error message on stderr: %q", args, stderr)
		}
	}
}

func TestConfigCheck(t *testing.T) {
	good := writeConfig(t, `
outputs: [{type: file, path: "-"}]
targets:
  - name: leaf1
    address: 127.0.0.1:161
    snmp: {version: 2c, community: public, profiles: [cpu]}
snmp_profiles:
  cpu: {tables: [{measurement: cpu, fields: {load: 1.3.6.1.2.1.25.3.3.1.2}}]}
`)
	code, out, stderr := runCLI(t, "config", "check", "--config", good)
	if code != 0 || !strings.Contains(out, "is valid: 1 targets") || !strings.Contains(out, "target leaf1 snmp v2c") {
		t.Errorf("good config: exit %d, out %q, err %q", code, out, stderr)
	}
	if strings.Contains(out, "public") {
		t.Errorf("config check printed the community: %q", out)
	}
	bad := writeConfig(t, "outputs: [{type: file, path: \"-\"}]\ntargets:\n  - name: a\n    adress: x\n")
	code, _, stderr = runCLI(t, "config", "check", "--config", bad)
	if code != exitUsage || !strings.Contains(stderr, "line 4") || !strings.Contains(stderr, `unknown key "adress"`) {
		t.Errorf("bad config: exit %d, stderr %q", code, stderr)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "netpulse ") {
		t.Errorf("version: exit %d, out %q", code, out)
	}
}

func TestResolveShardAuto(t *testing.T) {
	t.Setenv("HOSTNAME", "netpulse-2")
	t.Setenv("NETPULSE_SHARDS", "3")
	if got, err := resolveShard("auto"); err != nil || got != "2/3" {
		t.Errorf("auto = %q, %v; want 2/3", got, err)
	}
	t.Setenv("HOSTNAME", "laptop")
	if _, err := resolveShard("auto"); err == nil || !strings.Contains(err.Error(), "--shard i/n") {
		t.Errorf("non-StatefulSet hostname: %v", err)
	}
	if got, _ := resolveShard("1/4"); got != "1/4" {
		t.Errorf("explicit shard changed: %q", got)
	}
}

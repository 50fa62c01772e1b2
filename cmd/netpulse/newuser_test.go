package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// These tests run the built binary as a new user would (issue 12): a real process, its exit
// status and its output.

// runBinary runs bin with args and exactly the environment env; it returns the exit status,
// stdout and stderr.
func runBinary(t *testing.T, bin string, env []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatalf("run %v: %v", args, err)
	}
	return 0, stdout.String(), stderr.String()
}

func TestNewUserConfigAndExplain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildNetpulse(t)
	example := filepath.Join("..", "..", "examples", "configs", "snmp-switch.yaml")

	// `explain` on a shipped example with no secret file and no environment variable at all.
	t.Run("explain without secrets", func(t *testing.T) {
		code, out, stderr := runBinary(t, bin, []string{}, "explain", "--config", example)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		for _, want := range []string{
			"target access-sw1: snmp v2c 192.0.2.21:161",
			"  secrets: community <secret from $SNMP_COMMUNITY>",
			"target core-sw1: snmp v3 192.0.2.1",
			"auth_password <secret from /run/secrets/snmp-auth-password>, priv_password <secret from /run/secrets/snmp-priv-password>",
			`profile host-resources`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("explain lacks %q:\n%s", want, out)
			}
		}
	})

	// With the secrets available, explain still reads none of them and prints none.
	t.Run("explain prints no secret", func(t *testing.T) {
		dir := t.TempDir()
		auth := filepath.Join(dir, "auth")
		if err := os.WriteFile(auth, []byte("file-secret-auth\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := filepath.Join(dir, "sw.yaml")
		b, err := os.ReadFile(example)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfg, bytes.ReplaceAll(b, []byte("/run/secrets/snmp-auth-password"), []byte(auth)), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, stderr := runBinary(t, bin, []string{"SNMP_COMMUNITY=env-secret-community", "INFLUX_TOKEN=env-secret-token"}, "explain", "--config", cfg)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if strings.Contains(out+stderr, "secret-") {
			t.Errorf("explain printed a secret:\n%s%s", out, stderr)
		}
		if !strings.Contains(out, "auth_password <secret from "+auth+">") {
			t.Errorf("explain does not say where the auth password comes from:\n%s", out)
		}
	})

	// `config check` still needs every secret: the example without them is refused, with
	// every missing one named.
	t.Run("config check needs the secrets", func(t *testing.T) {
		code, _, stderr := runBinary(t, bin, []string{}, "config", "check", "--config", example)
		if code != exitUsage {
			t.Fatalf("exit %d, want 2\n%s", code, stderr)
		}
		for _, want := range []string{"INFLUX_TOKEN is not set", "SNMP_COMMUNITY is not set", "read auth_password_file", "read priv_password_file"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("config check lacks %q:\n%s", want, stderr)
			}
		}
	})

	// Three independent mistakes: all reported in one run, each with its line, exit 2.
	t.Run("config check reports every error", func(t *testing.T) {
		cfg := writeConfig(t, `outputs: [{type: file, path: "-"}]
targets:
  - name: sw1
    address: 192.0.2.1
    snmp: {version: 2c, community: public, profiles: [system]}
    adress: typo
  - name: sw2
    address: 192.0.2.2
    snmp:
      version: 4
      community: public
  - name: sw3
    address: 192.0.2.3
    snmp:
      version: 2c
      community: public
      profiles: [if-mib, ifmib]
`)
		code, out, stderr := runBinary(t, bin, []string{}, "config", "check", "--config", cfg)
		if code != exitUsage {
			t.Fatalf("exit %d, want 2\n%s%s", code, out, stderr)
		}
		for _, want := range []string{
			`line 6: unknown key "adress" in a target`,
			`line 10: target "sw2": snmp: version "4": use 1, 2c or 3`,
			`line 17: target "sw3": snmp.profiles: unknown profile "ifmib": use one of`,
		} {
			if !strings.Contains(stderr, want) {
				t.Errorf("config check lacks %q:\n%s", want, stderr)
			}
		}
		if n := len(regexp.MustCompile(`(?m)^line \d+: `).FindAllString(stderr, -1)); n != 3 {
			t.Errorf("%d problems reported, want exactly 3:\n%s", n, stderr)
		}
	})

	// A subscription or profile measurement named "#x" is refused, naming its line.
	t.Run("config check refuses a # measurement", func(t *testing.T) {
		cfg := writeConfig(t, `outputs: [{type: file, path: "-"}]
subscriptions:
  ifs: {paths: [/interfaces], measurement: "#x"}
snmp_profiles:
  cpu: {tables: [{measurement: "#x", fields: {load: 1.3.6.1.2.1.25.3.3.1.2}}]}
targets:
  - name: r1
    address: 192.0.2.1:57400
    gnmi: {insecure: true, subscriptions: [ifs]}
  - name: sw1
    address: 192.0.2.2
    snmp: {version: 2c, community: public, profiles: [cpu]}
`)
		code, _, stderr := runBinary(t, bin, []string{}, "config", "check", "--config", cfg)
		if code != exitUsage {
			t.Fatalf("exit %d, want 2\n%s", code, stderr)
		}
		for _, want := range []string{`line 3: subscriptions.ifs: measurement "#x" starts with '#'`, `line 5: snmp_profiles.cpu: measurement "#x" starts with '#'`} {
			if !strings.Contains(stderr, want) {
				t.Errorf("config check lacks %q:\n%s", want, stderr)
			}
		}
	})
}

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/netpulse/netpulse/internal/sim"
)

func TestGetLineProtocolAndJSON(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 3})
	code, out, stderr := runCLI(t, "get", "-a", dev.Address, "--insecure", "--path", "/system/state/hostname", "--format", "lp")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(out, "system,source="+dev.Address+` system/state/hostname="`+dev.Name+`" `) || strings.Count(out, "\n") != 1 {
		t.Errorf("get lp:\n%s", out)
	}

	code, out, stderr = runCLI(t, "get", "-a", dev.Address, "--insecure", "--path", "/interfaces/interface[name=Ethernet2]/state/mtu", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var resp struct {
		Notification []json.RawMessage `json:"notification"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil || len(resp.Notification) != 1 || !strings.Contains(out, `"uintVal"`) {
		t.Errorf("get json (%v):\n%s", err, out)
	}

	// The table merges one interface's leaves into one series and lists them by field.
	code, out, stderr = runCLI(t, "get", "-a", dev.Address, "--insecure", "--path", "/interfaces/interface/state/counters")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(out, "TIME") || strings.Count(out, "interface_name=Ethernet3") < 10 || !strings.Contains(out, "state/counters/in-octets") {
		t.Errorf("get table:\n%s", out)
	}
}

func TestCapabilities(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 1})
	code, out, stderr := runCLI(t, "capabilities", "-a", dev.Address, "--insecure")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"gNMI version: ", "JSON_IETF", "Models (5):", "openconfig-interfaces", "OpenConfig working group"} {
		if !strings.Contains(out, want) {
			t.Errorf("capabilities lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI(t, "capabilities", "-a", dev.Address, "--insecure", "--format", "json")
	if code != 0 || !strings.Contains(out, `"supportedModels"`) {
		t.Errorf("capabilities json: exit %d\n%s", code, out)
	}
}

func TestGNMITLS(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 1, TLS: true, GNMIUsername: "admin", GNMIPassword: "s3cret"})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, dev.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "subscribe", "-a", dev.Address, "--tls-ca", ca, "-u", "admin", "-p", "s3cret",
		"--path", "/system/state/hostname", "--mode", "once", "--format", "lp")
	if code != 0 || !strings.Contains(out, dev.Name) {
		t.Fatalf("TLS with --tls-ca: exit %d\n%s\n%s", code, out, stderr)
	}
	// The password from the environment, as in scripts.
	t.Setenv(passwordEnv, "s3cret")
	if code, _, stderr := runCLI(t, "get", "-a", dev.Address, "--tls-ca", ca, "-u", "admin", "--path", "/system/state/hostname"); code != 0 {
		t.Errorf("password from %s: exit %d\n%s", passwordEnv, code, stderr)
	}

	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no CA", []string{"-u", "admin", "-p", "s3cret"}, "not signed by a CA we trust"},
		{"wrong name", []string{"--tls-ca", ca, "--tls-server-name", "router.example", "-u", "admin", "-p", "s3cret"}, "does not match the name"},
		{"plaintext to TLS", []string{"--insecure", "-u", "admin", "-p", "s3cret"}, "wants TLS"},
		{"wrong password", []string{"--tls-ca", ca, "-u", "admin", "-p", "wrong"}, "authentication failed"},
	}
	for _, c := range cases {
		args := append([]string{"capabilities", "-a", dev.Address}, c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != exitFailure || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 1 and %q", c.name, code, stderr, c.want)
		}
	}

	plain := startGNMIDevice(t, sim.Config{Interfaces: 1})
	code, _, stderr = runCLI(t, "capabilities", "-a", plain.Address, "--tls-ca", ca)
	if code != exitFailure || !strings.Contains(stderr, "speaks plaintext") {
		t.Errorf("TLS to a plaintext server: exit %d, stderr %q", code, stderr)
	}
}

func TestGetSomeTargetsFail(t *testing.T) {
	dev := startGNMIDevice(t, sim.Config{Interfaces: 1})
	dead := "127.0.0.1:1" // nothing listens on port 1
	code, out, stderr := runCLI(t, "get", "-a", dev.Address, "-a", dead, "--insecure", "--path", "/system/state/hostname", "--format", "lp")
	if code != exitSomeTargets || !strings.Contains(out, dev.Name) || !strings.Contains(stderr, dead+":") {
		t.Errorf("one dead target of two: exit %d\nout %s\nerr %s", code, out, stderr)
	}
	if code, _, _ := runCLI(t, "get", "-a", dead, "--insecure", "--path", "/system"); code != exitFailure {
		t.Errorf("all targets dead: exit %d, want 1", code)
	}
	if code, _, stderr := runCLI(t, "get", "-a", dev.Address, "--insecure", "--path", "/system", "--type", "everything"); code != exitUsage || !strings.Contains(stderr, "--type") {
		t.Errorf("bad --type: exit %d %s", code, stderr)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/targets"
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
	if code != 0 || !strings.Contains(out, "is valid: 1 target, 1 output") || !strings.Contains(out, "target leaf1 snmp v2c") {
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

func TestFinishOnceExitCodes(t *testing.T) {
	ok := targets.Result{Name: "a", OK: true, Points: 3}
	bad := targets.Result{Name: "b", Error: "timeout"}
	good := outputResult{Name: "file", Written: 3}
	failed := outputResult{Name: "influx", Failed: true, Error: "401"}
	cases := []struct {
		name        string
		results     []targets.Result
		outs        []outputResult
		interrupted bool
		want        int
	}{
		{"all ok", []targets.Result{ok, ok}, []outputResult{good}, false, exitOK},
		{"some targets failed", []targets.Result{ok, bad}, []outputResult{good}, false, exitSomeTargets},
		{"every target failed", []targets.Result{bad, bad}, []outputResult{good}, false, exitFailure},
		{"output failed beats targets", []targets.Result{ok, bad}, []outputResult{good, failed}, false, exitOutput},
		{"interrupted beats all", []targets.Result{ok, bad}, []outputResult{failed}, true, exitInterrupted},
		{"no targets", nil, []outputResult{good}, false, exitOK},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		g := &globals{stdout: &out, stderr: &errb}
		err := finishOnce(g, runOptions{}, &out, tc.results, tc.outs, time.Second, tc.interrupted)
		if got := exitCode(err); got != tc.want {
			t.Errorf("%s: exit %d, want %d (err %v)", tc.name, got, tc.want, err)
		}
		var s summary
		if jerr := json.Unmarshal(out.Bytes(), &s); jerr != nil {
			t.Errorf("%s: summary is not JSON: %v\n%s", tc.name, jerr, out.String())
		} else if s.ExitCode != tc.want || s.OK != (tc.want == 0) {
			t.Errorf("%s: summary says exit %d ok=%v", tc.name, s.ExitCode, s.OK)
		}
	}
}

func TestSummaryAvoidsStdoutTakenByAnOutput(t *testing.T) {
	cfg := writeConfig(t, `
outputs: [{type: file, path: "-"}]
targets:
  - name: a
    address: 127.0.0.1:9
    snmp: {version: 2c, community: c, profiles: [cpu], timeout: 100ms, retries: 0}
snmp_profiles:
  cpu: {tables: [{measurement: cpu, fields: {load: 1.3.6.1.2.1.25.3.3.1.2}}]}
`)
	code, _, stderr := runCLI(t, "run", "--once", "--config", cfg, "--summary-json", "-")
	if code != exitUsage || !strings.Contains(stderr, "both write to stdout") {
		t.Errorf("explicit --summary-json - with a stdout output: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "run", "--once", "--config", cfg)
	if strings.Contains(stdout, `"exit_code"`) || !strings.Contains(stderr, `"exit_code"`) {
		t.Errorf("summary should go to stderr when an output writes to stdout (exit %d):\nstdout %q\nstderr %q", code, stdout, stderr)
	}
}

func TestSpoolNameFollowsTheDestination(t *testing.T) {
	a := targets.Output{Type: "influxdb", URL: "http://a:8086", Bucket: "db/rp"}
	b := targets.Output{Type: "influxdb", URL: "http://b:8086", Bucket: "db/rp"}
	f := targets.Output{Type: "file", Path: "/var/lib/x.lp"}
	if spoolName(a) == spoolName(b) || spoolName(a) == spoolName(f) {
		t.Errorf("different destinations share a spool: %s %s %s", spoolName(a), spoolName(b), spoolName(f))
	}
	if spoolName(a) != spoolName(targets.Output{Type: "influxdb", URL: "http://a:8086", Bucket: "db/rp", BatchSize: 9}) {
		t.Error("a batch size change moved the spool: data on disk would be orphaned")
	}
	withPw := func(pw string) targets.Output {
		return targets.Output{Type: "influxdb", URL: "http://u:" + pw + "@a:8086", Bucket: "db/rp"}
	}
	if spoolName(withPw("old")) != spoolName(withPw("rotated")) {
		t.Error("a password rotation moved the spool: data on disk would be orphaned")
	}
}

func TestDemoBadFlagsExit2Fast(t *testing.T) {
	start := time.Now()
	for _, args := range [][]string{
		{"demo", "--interfaces", "0"},
		{"demo", "--influx-url", "127.0.0.1:8086"},
		{"demo", "--snmp-devices", "0", "--gnmi-devices", "0"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, stderr)
		}
	}
	// A generated-config failure must not wait out --duration with the fleet running.
	code, _, _ := runCLI(t, "demo", "--out", "/nonexistent-dir/x.lp", "--duration", "1m", "--snmp-devices", "1", "--gnmi-devices", "0")
	if code == 0 {
		t.Error("demo with an unwritable --out exited 0")
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("bad-input demos took %s: an early failure waited for --duration", time.Since(start))
	}
}

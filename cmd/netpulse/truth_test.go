package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"

	"github.com/netpulse/netpulse/internal/peers"
)

// eofAfterOneUpdate is a scripted gNMI server: every Subscribe gets one update and then the
// end of the stream, never a sync_response (a device that drops ONCE streams early).
type eofAfterOneUpdate struct {
	gnmipb.UnimplementedGNMIServer
}

func (eofAfterOneUpdate) Subscribe(stream gnmipb.GNMI_SubscribeServer) error {
	if _, err := stream.Recv(); err != nil {
		return err
	}
	n := &gnmipb.Notification{
		Timestamp: time.Now().UnixNano(),
		Update: []*gnmipb.Update{{
			Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "system"}, {Name: "state"}, {Name: "hostname"}}},
			Val:  &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: "r1"}},
		}},
	}
	return stream.Send(&gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: n}})
}

func TestSubscribeOnceFailsWithoutSyncResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	gnmipb.RegisterGNMIServer(srv, eofAfterOneUpdate{})
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)

	code, stdout, stderr := runCLI(t, "subscribe", "-a", ln.Addr().String(), "--insecure", "--path", "/system/state", "--mode", "once", "--format", "lp")
	if code != exitFailure || !strings.Contains(stderr, "before sync_response") {
		t.Errorf("once stream ended before sync_response: exit %d, stderr %q; want exit 1 naming the missing sync_response", code, stderr)
	}
	if !strings.Contains(stdout, "r1") {
		t.Errorf("the update that did arrive is still printed: %q", stdout)
	}
	// --count ends a stream on purpose: that is not an incomplete snapshot.
	if code, _, stderr := runCLI(t, "subscribe", "-a", ln.Addr().String(), "--insecure", "--path", "/system/state", "--mode", "once", "--count", "1"); code != exitOK {
		t.Errorf("--count 1 reached: exit %d, %s", code, stderr)
	}
}

// A daemon that cannot deliver its points before the shutdown deadline, and has no spool,
// exits 4 and says how many it lost.
func TestDaemonExits4WhenPointsAreLostAtShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("polls a real snmpd for a few seconds")
	}
	agent := peers.StartSnmpd(t)
	closed := peers.FreeTCPPort(t)
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: influxdb
    url: http://127.0.0.1:%d
    bucket: telemetry
targets:
  - name: live
    address: %s
    snmp: {version: 2c, community: %s, profiles: [if-mib], interval: 500ms}
`, closed, agent.Addr, peers.SnmpdCommunity))
	ctx, cancel := context.WithCancel(t.Context())
	stderr := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- execute(ctx, []string{"run", "--config", cfg, "--flush-timeout", "1s", "--log-format", "json"}, strings.NewReader(""), io.Discard, stderr)
	}()
	waitFor(t, 10*time.Second, "points collected and a write failed", func() bool {
		return strings.Contains(stderr.String(), "write failed")
	})
	cancel()
	code := <-exited
	if code != exitOutput {
		t.Errorf("daemon lost points at shutdown but exited %d, want 4\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "points were lost at shutdown") {
		t.Errorf("the exit message does not say how many points were lost:\n%s", stderr.String())
	}
}

// points_written must not be the first output's count when another output wrote less.
func TestSummaryReportsEveryOutput(t *testing.T) {
	var out strings.Builder
	g := &globals{stdout: &out, stderr: io.Discard}
	outs := []outputResult{{Name: "file[0] a.lp", Written: 10}, {Name: "influxdb[1] http://x", Written: 0, Lost: 10, Failed: true}}
	_ = finishOnce(g, runOptions{}, &out, nil, outs, time.Second, false)
	var s summary
	if err := json.Unmarshal([]byte(out.String()), &s); err != nil {
		t.Fatal(err)
	}
	if s.Points != 0 {
		t.Errorf("points_written = %d with one output that wrote nothing; want 0 (what every output accepted)", s.Points)
	}
	if s.PointsByOutput["file[0] a.lp"] != 10 || s.PointsByOutput["influxdb[1] http://x"] != 0 || len(s.PointsByOutput) != 2 {
		t.Errorf("points_written_by_output = %v", s.PointsByOutput)
	}
}

// A SIGHUP that arrives while the daemon is still loading its config must not kill it. The
// load is held open by a token_file that is a FIFO: the test knows the child is inside the
// load when its open of the FIFO for writing returns.
func TestSIGHUPDuringStartupDoesNotKillTheDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildNetpulse(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "token")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: influxdb
    url: http://127.0.0.1:%d
    token_file: %s
    bucket: telemetry
targets:
  - name: nobody
    address: 127.0.0.1:%d
    snmp: {version: 2c, community: c, profiles: [system], interval: 1h, timeout: 100ms, retries: 0}
`, peers.FreeTCPPort(t), fifo, peers.FreeUDPPort(t)))
	cmd := exec.Command(bin, "run", "--config", cfg, "--log-format", "json")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	opened := make(chan *os.File, 1)
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // returns once the child opened it to read
		if err == nil {
			opened <- w
		}
	}()
	var w *os.File
	select {
	case w = <-opened:
	case err := <-waited:
		t.Fatalf("netpulse exited before reading its token_file: %v\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatal("netpulse never opened its token_file")
	}
	// The child is inside the config load now.
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waited:
		t.Fatalf("a SIGHUP during the config load ended netpulse: %v\n%s", err, stderr.String())
	case <-time.After(500 * time.Millisecond):
	}
	// The reload the SIGHUP asks for reads the token again: from a regular file this time.
	if err := os.Remove(fifo); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fifo, []byte("user:password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(w, "user:password")
	w.Close()
	waitFor(t, 10*time.Second, "the early SIGHUP handled as a reload", func() bool {
		return strings.Contains(stderr.String(), "SIGHUP: reloading the config")
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-waited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("netpulse did not stop on SIGTERM")
	}
}

// runExit is the one decision for the daemon and for --once.
func TestRunExit(t *testing.T) {
	ok := outputResult{Name: "a", Written: 5}
	lost := outputResult{Name: "b", Written: 5, Lost: 7, Failed: true}
	spooled := outputResult{Name: "c", Written: 5, Spooled: 3, Failed: true}
	cases := []struct {
		name string
		oc   runOutcome
		code int
		msg  string
	}{
		{"daemon, all delivered", runOutcome{outputs: []outputResult{ok}}, exitOK, ""},
		{"daemon, points lost", runOutcome{outputs: []outputResult{ok, lost}}, exitOutput, "7 points were lost at shutdown"},
		{"daemon, points spooled for the next start", runOutcome{outputs: []outputResult{spooled}}, exitOK, ""},
		{"once, lost and spooled", runOutcome{once: true, targetsOK: 1, outputs: []outputResult{lost, spooled}}, exitOutput, "10 points were not delivered (7 lost, 3 spooled"},
		{"once, interrupted", runOutcome{once: true, interrupted: true, outputs: []outputResult{lost}}, exitInterrupted, "interrupted"},
		{"once, some targets failed", runOutcome{once: true, targetsOK: 2, targetsFail: 1, outputs: []outputResult{ok}}, exitSomeTargets, "1 of 3 targets failed"},
	}
	for _, tc := range cases {
		err := runExit(tc.oc)
		if code := exitCode(err); code != tc.code {
			t.Errorf("%s: exit %d, want %d (%v)", tc.name, code, tc.code, err)
		}
		if tc.msg != "" && (err == nil || !strings.Contains(err.Error(), tc.msg)) {
			t.Errorf("%s: message %v, want it to say %q", tc.name, err, tc.msg)
		}
	}
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/internal/sim"
)

// waitFor polls cond every 250ms until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < d {
		if cond() {
			return time.Since(start)
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: not within %s", what, d)
	return 0
}

func TestDaemonGNMI1000InterfacesSurvivesServerRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a 1,000-interface fleet for several seconds")
	}
	influx := peers.StartInfluxd(t)
	influx.CreateDatabase(t, "telemetry")
	port := peers.FreeTCPPort(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fleetCfg := sim.Config{GNMIDevices: 1, Interfaces: 1000, GNMIListen: fmt.Sprintf("127.0.0.1:%d", port), UpdateInterval: time.Second, Seed: 7}

	fctx, stopFleet := context.WithCancel(t.Context())
	fleet, err := sim.Start(fctx, fleetCfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	dev := fleet.Devices()[0]
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: influxdb
    url: %s
    bucket: telemetry/autogen
    flush_interval: 500ms
targets:
  - name: %s
    address: %s
    gnmi:
      insecure: true
      username: %q
      password: %q
      subscriptions: [counters]
      redial: {min: 200ms, max: 1s}
subscriptions:
  counters:
    paths: [/interfaces/interface/state/counters]
    sample_interval: 1s
    measurement: interfaces
`, influx.URL, dev.Name, dev.Address, dev.Username, dev.Password))

	dctx, stopDaemon := context.WithCancel(t.Context())
	stderr := &syncBuffer{} // read while the daemon writes
	exited := make(chan int, 1)
	go func() {
		// Debug: a repeated redial failure is logged at debug level after its first warning,
		// and every redial wait is checked below.
		exited <- execute(dctx, []string{"run", "--config", cfg, "--log-format", "json", "--log-level", "debug"}, strings.NewReader(""), io.Discard, stderr)
	}()
	defer func() {
		stopDaemon()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			t.Error("daemon did not stop within 20s of cancel")
		}
	}()

	countIfaces := func(where string) int {
		rows := influx.Query(t, "telemetry", `SELECT count(distinct(interface_name)) FROM (SELECT "state/counters/in-octets", interface_name FROM interfaces WHERE `+where+`)`)
		if len(rows) == 0 {
			return 0
		}
		n, _ := rows[0][1].(json.Number).Int64()
		return int(n)
	}
	took := waitFor(t, 30*time.Second, "all 1,000 interfaces in InfluxDB", func() bool { return countIfaces("time > 0") == 1000 })
	t.Logf("1,000 interfaces written %s after start", took.Round(time.Millisecond))

	// uint64 counters reach InfluxDB 1.8 as integers, not lost.
	keys := influx.Query(t, "telemetry", `SHOW FIELD KEYS FROM interfaces`)
	for _, k := range keys {
		if k[0] == "state/counters/in-octets" && k[1] != "integer" {
			t.Errorf("in-octets stored as %v, want integer", k[1])
		}
	}

	// Restart the server on the same port: the session must redial within its backoff
	// bound (1s) and data must resume.
	stopFleet()
	fleet.Wait()
	down := time.Now()
	time.Sleep(2 * time.Second) // a real reboot takes a while; several redials fail meanwhile
	fctx2, stopFleet2 := context.WithCancel(t.Context())
	fleet2, err := sim.Start(fctx2, fleetCfg, quiet)
	if err != nil {
		stopFleet2()
		t.Fatal(err)
	}
	defer func() { stopFleet2(); fleet2.Wait() }()
	up := time.Now()
	defer func() {
		if t.Failed() {
			t.Logf("daemon log:\n%s", stderr.String())
			ser := influx.QuerySeries(t, "telemetry", fmt.Sprintf(`SELECT count("state/counters/in-octets") FROM interfaces WHERE time > %d GROUP BY interface_name`, up.UnixNano()))
			t.Logf("series after restart: %d; count=%v", len(ser), countIfaces(fmt.Sprintf("time > %d", up.UnixNano())))
		}
	}()
	resumed := waitFor(t, 60*time.Second, "data after the server restart", func() bool {
		// time > down: every point the restarted server sent. The reference server streams on
		// change (it ignores sample_interval), so idle interfaces arrive only in the initial
		// sync of the new connection, stamped when the new server loaded them.
		return countIfaces(fmt.Sprintf("time > %d", down.UnixNano())) == 1000
	})
	t.Logf("server down %s; all 1,000 interfaces again %s after it came back", up.Sub(down).Round(time.Millisecond), resumed.Round(time.Millisecond))
	// Every wait between redials stayed within the configured cap (redial.max 1s), so the
	// session was back at most 1s after the server: the rest of the time above is the
	// initial sync of 1,000 interfaces and the write to InfluxDB, which a loaded CI machine
	// (race detector, parallel packages) stretches.
	waits := 0
	for _, line := range strings.Split(stderr.String(), "\n") {
		var rec struct {
			Msg     string `json:"msg"`
			RetryIn int64  `json:"retry_in"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || !strings.Contains(rec.Msg, "redialling") {
			continue
		}
		waits++
		if time.Duration(rec.RetryIn) > time.Second {
			t.Errorf("redial wait %s exceeds redial.max 1s", time.Duration(rec.RetryIn))
		}
	}
	if waits < 2 {
		t.Errorf("%d redial waits logged during a 2s outage, want several", waits)
	}
	if !strings.Contains(stderr.String(), "redial") {
		t.Errorf("no redial was logged:\n%s", stderr.String())
	}
}

func TestRunOnceGNMIWithAHungDevice(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fleet, err := sim.Start(t.Context(), sim.Config{GNMIDevices: 2, Interfaces: 5, Seed: 3}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	// A device that accepts TCP and then says nothing: no HTTP/2, no sync_response.
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	go func() {
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	lp := filepath.Join(t.TempDir(), "out.lp")
	var b strings.Builder
	fmt.Fprintf(&b, "outputs: [{type: file, path: %q}]\ntargets:\n", lp)
	for _, d := range fleet.Devices() {
		fmt.Fprintf(&b, "  - name: %s\n    address: %s\n    gnmi: {insecure: true, username: %q, password: %q, subscriptions: [ifaces]}\n", d.Name, d.Address, d.Username, d.Password)
	}
	live := b.String()
	fmt.Fprintf(&b, "  - name: hung\n    address: %s\n    gnmi: {insecure: true, subscriptions: [ifaces]}\n", hung.Addr())
	subs := "subscriptions:\n  ifaces: {paths: [/interfaces/interface/state/counters], mode: stream, sample_interval: 10s, measurement: interfaces}\n"

	start := time.Now()
	code, stdout, stderr := runCLI(t, "run", "--once", "--target-timeout", "3s", "--config", writeConfig(t, b.String()+subs))
	if code != exitSomeTargets {
		t.Fatalf("exit %d, want 3\n%s", code, stderr)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("the hung device held the job for %s; --target-timeout is 3s", took)
	}
	var sum summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, stdout)
	}
	for _, r := range sum.Targets {
		switch {
		case r.Name == "hung" && (r.OK || !strings.Contains(r.Error, "target timeout")):
			t.Errorf("hung target: %+v", r)
		case r.Name != "hung" && (!r.OK || r.Points != 5):
			t.Errorf("live target %s: %+v, want ok with 5 points (one per interface)", r.Name, r)
		}
	}
	data, _ := os.ReadFile(lp)
	if n := strings.Count(string(data), "interfaces,interface_name="); n != 10 {
		t.Errorf("%d interfaces lines written, want 10 (2 devices × 5 interfaces, one line each)", n)
	}
	code, _, stderr = runCLI(t, "run", "--once", "--config", writeConfig(t, live+subs))
	if code != exitOK {
		t.Errorf("all live: exit %d, want 0\n%s", code, stderr)
	}
}

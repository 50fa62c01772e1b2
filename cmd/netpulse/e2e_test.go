package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/netpulse/netpulse/internal/peers"
)

// snmpwalkColumn returns index → value of one column as net-snmp's snmpwalk reports it.
func snmpwalkColumn(t *testing.T, addr, oid string) map[string]string {
	t.Helper()
	bin, ok := peers.FindBinary("snmpwalk", "NETPULSE_SNMPWALK")
	if !ok {
		peers.Missing(t, "snmpwalk", "apt-get install snmp")
	}
	out, err := exec.Command(bin, "-v2c", "-c", peers.SnmpdCommunity, "-On", "-Oq", "-Ov", "-OU", "-Oe", "-Ot", "-Cc", addr, oid).Output()
	if err != nil {
		t.Fatalf("snmpwalk %s: %v", oid, err)
	}
	// -Ov drops the OIDs, so walk twice: once for values, once for the index column.
	idx, err := exec.Command(bin, "-v2c", "-c", peers.SnmpdCommunity, "-On", "-Oq", addr, oid).Output()
	if err != nil {
		t.Fatalf("snmpwalk %s: %v", oid, err)
	}
	vals := strings.Split(strings.TrimSpace(string(out)), "\n")
	oids := strings.Split(strings.TrimSpace(string(idx)), "\n")
	m := map[string]string{}
	for i, line := range oids {
		o, _, _ := strings.Cut(line, " ")
		if i < len(vals) {
			m[strings.TrimPrefix(o, "."+oid+".")] = strings.Trim(vals[i], `"`)
		}
	}
	return m
}

func TestRunOnceSNMPToInfluxDB(t *testing.T) {
	agent := peers.StartSnmpd(t)
	influx := peers.StartInfluxd(t)
	influx.CreateDatabase(t, "telemetry")
	dead := peers.FreeUDPPort(t) // nothing listens there

	body := func(withDead bool) string {
		s := fmt.Sprintf(`
outputs:
  - type: influxdb
    url: %s
    bucket: telemetry/autogen
    flush_interval: 200ms
targets:
  - name: v2c
    address: %s
    tags: {site: lab}
    snmp: {version: 2c, community: %s, profiles: [system, if-mib]}
  - name: v3priv
    address: %s
    snmp:
      version: 3
      security_level: authPriv
      user: %s
      auth_protocol: SHA256
      auth_password: %s
      priv_protocol: AES256
      priv_password: %s
`, influx.URL, agent.Addr, peers.SnmpdCommunity, agent.Addr, peers.SnmpdPriv256User, peers.SnmpdAuthPassword, peers.SnmpdPrivPassword)
		if withDead {
			s += fmt.Sprintf("  - name: dead\n    address: 127.0.0.1:%d\n    snmp: {version: 2c, community: x, timeout: 300ms, retries: 0}\n", dead)
		}
		return s
	}

	summaryPath := filepath.Join(t.TempDir(), "summary.json")
	code, _, stderr := runCLI(t, "run", "--once", "--config", writeConfig(t, body(true)), "--summary-json", summaryPath)
	if code != exitSomeTargets {
		t.Fatalf("one dead target: exit %d, want 3\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "FAILED dead") || !(strings.Contains(stderr, "community") || strings.Contains(stderr, "nothing listens")) {
		t.Errorf("the dead target's line should fail and hint at the community/credentials:\n%s", stderr)
	}
	var sum summary
	b, _ := os.ReadFile(summaryPath)
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, b)
	}
	if sum.TargetsOK != 2 || sum.TargetsFail != 1 || sum.ExitCode != 3 || sum.Points == 0 {
		t.Errorf("summary = %+v", sum)
	}

	// Every interface snmpwalk sees is in InfluxDB for both targets, with the OpenConfig names,
	// and its in-octets equals snmpwalk's (± the traffic between the reads: loopback carries
	// the SNMP packets themselves).
	names := snmpwalkColumn(t, agent.Addr, "1.3.6.1.2.1.31.1.1.1.1")
	octets := snmpwalkColumn(t, agent.Addr, "1.3.6.1.2.1.31.1.1.1.6")
	if len(names) == 0 {
		t.Fatal("snmpwalk found no interfaces")
	}
	for _, src := range []string{"v2c", "v3priv"} {
		series := influx.QuerySeries(t, "telemetry", fmt.Sprintf(`SELECT last("state/counters/in-octets"), last("state/oper-status") FROM interfaces WHERE source = '%s' GROUP BY interface_name`, src))
		got := map[string]int64{}
		for _, s := range series {
			n, _ := s.Values[0][1].(json.Number).Int64()
			got[s.Tags["interface_name"]] = n
		}
		for idx, name := range names {
			want, _ := strconv.ParseInt(octets[idx], 10, 64)
			g, ok := got[name]
			if !ok {
				t.Errorf("%s: interface %q (ifIndex %s) missing in InfluxDB; have %v", src, name, idx, got)
				continue
			}
			if d := want - g; d < 0 || d > 5_000_000 {
				t.Errorf("%s %s: in-octets %d in InfluxDB vs %d from snmpwalk afterwards", src, name, g, want)
			}
		}
	}
	rows := influx.Query(t, "telemetry", `SELECT count("state/hostname") FROM system WHERE site = 'lab'`)
	if len(rows) != 1 {
		t.Errorf("system measurement with the static tag: %v", rows)
	}

	// All live → exit 0.
	code, _, stderr = runCLI(t, "run", "--once", "--config", writeConfig(t, body(false)), "--summary-json", filepath.Join(t.TempDir(), "s.json"))
	if code != exitOK {
		t.Fatalf("all live: exit %d, want 0\n%s", code, stderr)
	}
}

func TestRunOnceOutputRejectsEverything(t *testing.T) {
	agent := peers.StartSnmpd(t)
	influx := peers.StartInfluxd(t)
	// The database does not exist: InfluxDB answers 404 to every write.
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: influxdb
    url: %s
    bucket: nosuchdb/autogen
targets:
  - name: v2c
    address: %s
    snmp: {version: 2c, community: %s, profiles: [if-mib]}
`, influx.URL, agent.Addr, peers.SnmpdCommunity))
	code, _, stderr := runCLI(t, "run", "--once", "--config", cfg, "--flush-timeout", "3s")
	if code != exitOutput {
		t.Fatalf("exit %d, want 4\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "FAILED output") {
		t.Errorf("no failed output line:\n%s", stderr)
	}
}

// buildNetpulse compiles the binary once per test that needs a real process (signals).
func buildNetpulse(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "netpulse")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestDaemonPollsOnIntervalAndFlushesOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for several seconds")
	}
	agent := peers.StartSnmpd(t)
	bin := buildNetpulse(t)
	lp := filepath.Join(t.TempDir(), "out.lp")
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: file
    path: %s
    flush_interval: 10s   # longer than the run: only the shutdown flush writes
targets:
  - name: v2c
    address: %s
    snmp: {version: 2c, community: %s, profiles: [if-mib], interval: 1s}
`, lp, agent.Addr, peers.SnmpdCommunity))
	cmd := exec.Command(bin, "run", "--config", cfg, "--log-format", "json")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4500 * time.Millisecond) // the first poll is jittered within the first second
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("daemon exit after SIGTERM: %v, want 0\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("daemon did not stop within 20s of SIGTERM\n%s", stderr.String())
	}
	f, err := os.Open(lp)
	if err != nil {
		t.Fatalf("no output written at shutdown: %v\n%s", err, stderr.String())
	}
	defer f.Close()
	perTime := map[string]map[string]bool{} // timestamp → interface names
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "interfaces,") {
			continue
		}
		ts := line[strings.LastIndexByte(line, ' ')+1:]
		i := strings.Index(line, "interface_name=")
		name, _, _ := strings.Cut(line[i+len("interface_name="):], ",")
		name, _, _ = strings.Cut(name, " ")
		if perTime[ts] == nil {
			perTime[ts] = map[string]bool{}
		}
		perTime[ts][name] = true
	}
	// 4.5s at a 1s interval after a start jittered within the first second: 3 or 4 polls,
	// 2 on a badly loaded machine; never more than the ticks that fit.
	if len(perTime) < 2 || len(perTime) > 5 {
		t.Errorf("%d distinct poll timestamps in ~4.5s at a 1s interval, want 2..5", len(perTime))
	}
	var sizes []int
	for _, names := range perTime {
		sizes = append(sizes, len(names))
	}
	for _, n := range sizes {
		if n != sizes[0] {
			t.Errorf("polls have different interface counts per timestamp %v: one table, one timestamp", sizes)
			break
		}
	}
}

func TestDaemonReloadsOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs for several seconds")
	}
	agent := peers.StartSnmpd(t)
	bin := buildNetpulse(t)
	lp := filepath.Join(t.TempDir(), "out.lp")
	cfgPath := filepath.Join(t.TempDir(), "netpulse.yaml")
	body := func(names ...string) []byte {
		s := fmt.Sprintf("outputs:\n  - type: file\n    path: %s\n    flush_interval: 200ms\ntargets:\n", lp)
		for _, n := range names {
			s += fmt.Sprintf("  - name: %s\n    address: %s\n    snmp: {version: 2c, community: %s, profiles: [system], interval: 1s}\n", n, agent.Addr, peers.SnmpdCommunity)
		}
		return []byte(s)
	}
	if err := os.WriteFile(cfgPath, body("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--config", cfgPath, "--log-format", "json")
	stderr := &syncBuffer{} // read while the process writes
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	has := func(src string) bool {
		b, _ := os.ReadFile(lp)
		return strings.Contains(string(b), "source="+src+" ")
	}
	waitFor(t, 10*time.Second, "first target written", func() bool { return has("first") })

	// A broken file is reported and the running targets are kept.
	if err := os.WriteFile(cfgPath, []byte("targets: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 5*time.Second, "reload failure logged", func() bool { return strings.Contains(stderr.String(), "reload failed") })

	if err := os.WriteFile(cfgPath, body("first", "second"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 10*time.Second, "the added target written after SIGHUP", func() bool { return has("second") })
	if !strings.Contains(stderr.String(), `"started":1,"stopped":0`) {
		t.Errorf("reload should start only the new target:\n%s", stderr.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
}

// syncBuffer is a bytes.Buffer safe to read while another goroutine writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/internal/sim"
)

// Issue 8 acceptance 1 and 2 (README "Field types"): one mixed fleet writing into one
// `interfaces` measurement, against both InfluxDB builds, as `run --once` in permuted orders
// and as a daemon:
//
//   - gNMI devices over PROTO, JSON_IETF and JSON (internal/sim, same model, interface 1
//     described "100");
//   - net-snmp snmpd (the machine's real interfaces);
//   - a recorded device: collector/snmp/testdata/devices/arista_eos.snmprec served by a second
//     snmpd, whose ifEntry and ifXEntry subtrees are handed to this test binary over
//     net-snmp's pass_persist protocol (the repo's simulator computes its values from a
//     model and cannot replay a recording; snmpd with pass_persist is the closest real
//     agent that can);
//   - a healthy simulated SNMP agent with the numeric-looking description;
//   - a simulated agent with broken firmware (counters as OctetString and as negative
//     Integer, ifName as binary).
//
// Asserted: the server rejects no point (no output drops, nothing lost), every good device
// has every field of every interface, SHOW FIELD KEYS has one type per field and it is the
// documented one (counters unsigned on the uint build, integer on the default build), and the
// broken agent's bad fields are counted as type_conflict, named once in the log, and its good
// fields written.
func TestMixedFleetFieldTypes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a mixed fleet against two InfluxDB builds")
	}
	fleet := startMixedFleet(t)
	for _, b := range peers.InfluxdBuilds() {
		t.Run(b.Name, func(t *testing.T) {
			influx := peers.StartInfluxd(t, b.Opts...)
			// Permuted start orders, each into a fresh database, each target a `run --once`
			// of its own so that the order of the first writes is exactly the permutation.
			// The odd devices (JSON numbers, the broken agent, JSON_IETF strings) go first.
			for i, order := range [][]string{
				{"gnmi-json", "broken", "snmpd", "gnmi-proto", "recorded", "gnmi-json-ietf", "sim-snmp"},
				{"broken", "gnmi-json-ietf", "recorded", "sim-snmp", "gnmi-json", "snmpd", "gnmi-proto"},
				{"snmpd", "recorded", "sim-snmp", "gnmi-proto", "gnmi-json-ietf", "gnmi-json", "broken"},
			} {
				db := fmt.Sprintf("order%d", i)
				influx.CreateDatabase(t, db)
				var logs strings.Builder
				conflicts := int64(0)
				for _, name := range order {
					sum, stderr := runOnceTarget(t, influx.URL, db, fleet.target(name))
					logs.WriteString(stderr)
					checkNoRejections(t, name, sum)
					for _, r := range sum.Targets {
						conflicts += r.Dropped["type_conflict"]
					}
				}
				checkFleetData(t, influx, db, fleet)
				if conflicts == 0 {
					t.Errorf("%s: the broken agent's fields were not counted as type_conflict in the --once summary", db)
				}
				checkBrokenLog(t, logs.String())
			}
			// The daemon: every target at once, the odd ones first in the file.
			runDaemonFleet(t, influx, fleet)
		})
	}
}

// mixedFleet holds every device of the test and the config text of each target.
type mixedFleet struct {
	targets map[string]string // name → target YAML (list item)
	gnmiDev sim.Device        // the model the three gNMI devices share
	snmpd   string            // snmpd address
	rec     string            // recorded device's snmpd address
	simSNMP string
	broken  string
}

func (f *mixedFleet) target(name string) string { return f.targets[name] }

func (f *mixedFleet) all(order ...string) string {
	var b strings.Builder
	for _, n := range order {
		b.WriteString(f.targets[n])
	}
	return b.String()
}

func startMixedFleet(t *testing.T) *mixedFleet {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	f := &mixedFleet{targets: map[string]string{}}
	for _, enc := range []sim.Encoding{sim.EncodingProto, sim.EncodingJSONIETF, sim.EncodingJSON} {
		fl, err := sim.Start(t.Context(), sim.Config{GNMIDevices: 1, Interfaces: 4, Seed: 11, GNMIEncoding: enc,
			NumericDescription: true, UpdateInterval: 500 * time.Millisecond}, quiet)
		if err != nil {
			t.Fatal(err)
		}
		d := fl.Devices()[0]
		f.gnmiDev = d
		name := "gnmi-" + strings.ReplaceAll(enc.String(), "_", "-")
		subEnc := enc.String()
		f.targets[name] = fmt.Sprintf(`  - name: %s
    address: %s
    gnmi:
      insecure: true
      subscriptions: [ifstate-%s, ifeth-%s]
`, name, d.Address, subEnc, subEnc)
	}
	agent := peers.StartSnmpd(t)
	f.snmpd = agent.Addr
	f.targets["snmpd"] = snmpTarget("snmpd", agent.Addr, peers.SnmpdCommunity)

	f.rec = startRecordedAgent(t, filepath.Join("..", "..", "collector", "snmp", "testdata", "devices", "arista_eos.snmprec"))
	f.targets["recorded"] = snmpTarget("recorded", f.rec, peers.SnmpdCommunity)

	for _, broken := range []bool{false, true} {
		fl, err := sim.Start(t.Context(), sim.Config{SNMPDevices: 1, Interfaces: 4, Seed: 12, BrokenSNMPFirmware: broken, NumericDescription: true}, quiet)
		if err != nil {
			t.Fatal(err)
		}
		d := fl.Devices()[0]
		if broken {
			f.broken = d.Address
			f.targets["broken"] = snmpTarget("broken", d.Address, d.Community)
		} else {
			f.simSNMP = d.Address
			f.targets["sim-snmp"] = snmpTarget("sim-snmp", d.Address, d.Community)
		}
	}
	return f
}

func snmpTarget(name, addr, community string) string {
	return fmt.Sprintf("  - name: %s\n    address: %s\n    snmp: {version: 2c, community: %s, profiles: [if-mib], interval: 2s, timeout: 2s}\n", name, addr, community)
}

// subscriptionsYAML: one pair of subscriptions per encoding (a subscription names its
// encoding), all into measurement interfaces.
func subscriptionsYAML() string {
	var b strings.Builder
	b.WriteString("subscriptions:\n")
	for _, enc := range []string{"proto", "json_ietf", "json"} {
		fmt.Fprintf(&b, "  ifstate-%s: {paths: [/interfaces/interface/state], measurement: interfaces, encoding: %s, sample_interval: 1s}\n", enc, enc)
		fmt.Fprintf(&b, "  ifeth-%s: {paths: [/interfaces/interface/ethernet/state], measurement: interfaces, encoding: %s, sample_interval: 1s}\n", enc, enc)
	}
	return b.String()
}

func fleetConfig(url, db, targets string) string {
	return fmt.Sprintf(`outputs:
  - type: influxdb
    url: %s
    bucket: %s/autogen
    flush_interval: 200ms
targets:
%s%s`, url, db, targets, subscriptionsYAML())
}

// runOnceTarget runs `run --once` for one target and returns its summary and stderr.
func runOnceTarget(t *testing.T, url, db, target string) (summary, string) {
	t.Helper()
	sumPath := filepath.Join(t.TempDir(), "summary.json")
	code, _, stderr := runCLI(t, "run", "--once", "--config", writeConfig(t, fleetConfig(url, db, target)), "--summary-json", sumPath, "--timeout", "30s", "--log-format", "text")
	var sum summary
	b, _ := os.ReadFile(sumPath)
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("summary: %v\n%s\n%s", err, b, stderr)
	}
	if code != exitOK {
		t.Errorf("run --once %s: exit %d\n%s", strings.Fields(target)[2], code, stderr)
	}
	return sum, stderr
}

// checkNoRejections: nothing the server refused (dead-lettered as rejected), no field the
// output had to drop for its type, nothing lost.
func checkNoRejections(t *testing.T, what string, sum summary) {
	t.Helper()
	for _, o := range sum.Outputs {
		if o.Lost != 0 || o.Failed || len(o.Dropped) != 0 {
			t.Errorf("%s: output %s lost %d, failed %v, dropped %v (%s): want 0 rejected or dropped", what, o.Name, o.Lost, o.Failed, o.Dropped, o.Error)
		}
	}
}

// expectedKind is the documented type of an `interfaces` field: the OpenConfig model's for
// a gNMI leaf, the if-mib profile's declaration for an SNMP field; both must agree.
func expectedKind(t *testing.T, field string) collector.Kind {
	t.Helper()
	k, _, ok := gnmi.DeclaredType("interfaces/interface/" + field)
	p, _ := snmp.BuiltinProfile("if-mib")
	sk, sok := p.Tables[0].FieldType(field)
	switch {
	case ok && sok && k != sk:
		t.Errorf("%s: OpenConfig says %s, the if-mib profile %s", field, k, sk)
	case !ok && !sok:
		t.Errorf("%s: no documented type", field)
	case !ok:
		k = sk
	}
	return k
}

// influxType is the InfluxDB type name SHOW FIELD KEYS reports for kind on a build.
func influxType(k collector.Kind, uintBuild bool) string {
	switch k {
	case collector.KindUint:
		if uintBuild {
			return "unsigned"
		}
		return "integer"
	case collector.KindInt:
		return "integer"
	case collector.KindFloat:
		return "float"
	case collector.KindBool:
		return "boolean"
	}
	return "string"
}

// gnmiFields are the leaves the simulated gNMI devices send for every interface under the
// two subscriptions (internal/sim/README.md), as field names.
func gnmiFields() []string {
	fs := []string{"state/name", "state/type", "state/mtu", "state/description", "state/enabled", "state/ifindex",
		"state/admin-status", "state/oper-status", "state/last-change", "state/high-speed",
		"ethernet/state/mac-address", "ethernet/state/port-speed"}
	for _, c := range []string{"in-octets", "in-pkts", "in-unicast-pkts", "in-broadcast-pkts", "in-multicast-pkts",
		"in-discards", "in-errors", "in-unknown-protos", "in-fcs-errors", "out-octets", "out-pkts", "out-unicast-pkts",
		"out-broadcast-pkts", "out-multicast-pkts", "out-discards", "out-errors", "carrier-transitions", "last-clear"} {
		fs = append(fs, "state/counters/"+c)
	}
	return fs
}

// brokenFields are the if-mib fields the broken firmware sends in a type they cannot take.
func brokenFields() []string {
	return []string{"state/counters/in-octets", "state/counters/out-octets", "state/counters/in-errors",
		"state/counters/out-errors", "state/counters/in-discards"}
}

// seriesFields reads every point of source and returns, per series key (interface_name,
// plus interface_index where present), the fields present in any of its points, and one value
// of each.
func seriesFields(t *testing.T, influx *peers.Influxd, db, source string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, s := range influx.QuerySeries(t, db, fmt.Sprintf(`SELECT * FROM interfaces WHERE source = '%s' GROUP BY *`, source)) {
		key := s.Tags["interface_name"]
		if ix := s.Tags["interface_index"]; ix != "" {
			key += "#" + ix
		}
		if out[key] == nil {
			out[key] = map[string]any{}
		}
		for _, row := range s.Values {
			for i, c := range s.Columns {
				if i > 0 && row[i] != nil {
					out[key][c] = row[i]
				}
			}
		}
	}
	return out
}

// snmpExpected computes, from net-snmp's snmpwalk of the agent (the reference), the if-mib
// fields each row must have: a field whose column (or fallback column) has the row, except a
// MAC address that is empty and `enabled` for an admin status other than up/down.
func snmpExpected(t *testing.T, addr, community string) map[string][]string {
	t.Helper()
	p, _ := snmp.BuiltinProfile("if-mib")
	tb := p.Tables[0]
	walk := map[string]map[string]string{} // column OID → row → value
	col := func(oid string) map[string]string {
		if m, ok := walk[oid]; ok {
			return m
		}
		m := snmpwalkRaw(t, addr, community, oid)
		walk[oid] = m
		return m
	}
	// A row is any index a column of the profile has (recordings may lack ifIndex itself).
	rows := map[string]bool{}
	for _, m := range []map[string]string{tb.Fields, tb.Fallbacks, tb.Tags} {
		for _, oid := range m {
			for r := range col(oid) {
				rows[r] = true
			}
		}
	}
	exp := map[string][]string{}
	for r := range rows {
		fs := []string{tb.IndexField}
		for f, oid := range tb.Fields {
			v, ok := col(oid)[r]
			if !ok {
				if fb, has := tb.Fallbacks[f]; has {
					v, ok = col(fb)[r]
				}
			}
			switch {
			case !ok:
				continue
			case f == "ethernet/state/mac-address" && (v == "" || v == `""`):
				continue
			case f == "state/enabled" && v != "1" && v != "2":
				continue
			}
			fs = append(fs, f)
		}
		slices.Sort(fs)
		exp[r] = fs
	}
	return exp
}

// snmpwalkRaw returns row index → value text of one column (numeric enums, -Oq).
func snmpwalkRaw(t *testing.T, addr, community, oid string) map[string]string {
	t.Helper()
	bin, ok := peers.FindBinary("snmpwalk", "NETPULSE_SNMPWALK")
	if !ok {
		peers.Missing(t, "snmpwalk", "apt-get install snmp")
	}
	out, err := exec.Command(bin, "-v2c", "-c", community, "-On", "-Oq", "-Oe", "-Ot", "-Cc", addr, oid).Output()
	if err != nil {
		t.Fatalf("snmpwalk %s %s: %v", addr, oid, err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		o, v, _ := strings.Cut(line, " ")
		if idx, ok := strings.CutPrefix(o, "."+oid+"."); ok {
			m[idx] = strings.TrimSpace(v)
		}
	}
	return m
}

// checkFleetData checks what the fleet left in db.
func checkFleetData(t *testing.T, influx *peers.Influxd, db string, fleet *mixedFleet) {
	t.Helper()
	// One type per field, the documented one.
	seen := map[string]string{}
	for _, row := range influx.Query(t, db, `SHOW FIELD KEYS FROM interfaces`) {
		field, typ := row[0].(string), row[1].(string)
		if prev, dup := seen[field]; dup {
			t.Errorf("%s: field %s has two types: %s and %s", db, field, prev, typ)
		}
		seen[field] = typ
		if want := influxType(expectedKind(t, field), influx.Uint); typ != want {
			t.Errorf("%s: field %s is %s on the %s build, documented %s", db, field, typ, buildName(influx), want)
		}
	}
	// Every good gNMI device: every field of every interface of the model.
	for _, name := range []string{"gnmi-proto", "gnmi-json-ietf", "gnmi-json"} {
		got := seriesFields(t, influx, db, name)
		for _, it := range fleet.gnmiDev.Model.Interfaces {
			fs := got[it.Name]
			for _, f := range gnmiFields() {
				if _, ok := fs[f]; !ok {
					t.Errorf("%s %s: %s interface %s lacks field %s", db, buildName(influx), name, it.Name, f)
				}
			}
		}
		if d := got[fleet.gnmiDev.Model.Interfaces[0].Name]["state/description"]; d != "100" {
			t.Errorf("%s: %s numeric-looking description = %#v, want the string \"100\"", db, name, d)
		}
	}
	// Every good SNMP device: every field net-snmp's walk says the row has.
	for _, dev := range []struct{ name, addr, community string }{
		{"snmpd", fleet.snmpd, peers.SnmpdCommunity},
		{"recorded", fleet.rec, peers.SnmpdCommunity},
		{"sim-snmp", fleet.simSNMP, sim.DefaultCommunity},
	} {
		exp := snmpExpected(t, dev.addr, dev.community)
		got := seriesFields(t, influx, db, dev.name)
		byIndex := map[string][]string{}
		for _, fs := range got {
			ix := fmt.Sprint(fs["state/ifindex"])
			for f := range fs {
				byIndex[ix] = append(byIndex[ix], f)
			}
		}
		for ix, want := range exp {
			have := byIndex[ix]
			for _, f := range want {
				if !slices.Contains(have, f) {
					t.Errorf("%s %s: %s ifIndex %s lacks field %s (has %v)", db, buildName(influx), dev.name, ix, f, have)
				}
			}
		}
		if len(exp) == 0 {
			t.Errorf("%s: snmpwalk found no interfaces", dev.name)
		}
	}
	// The broken agent: bad fields absent, good fields (names, status, mtu) written.
	got := seriesFields(t, influx, db, "broken")
	if len(got) == 0 {
		t.Errorf("%s: nothing written for the broken agent", db)
	}
	for key, fs := range got {
		for _, f := range brokenFields() {
			if v, ok := fs[f]; ok {
				t.Errorf("%s: broken agent %s wrote %s = %v, which its firmware sends in the wrong type", db, key, f, v)
			}
		}
		for _, f := range []string{"state/name", "state/oper-status", "state/admin-status", "state/mtu", "state/high-speed", "state/counters/in-unicast-pkts", "state/description"} {
			if _, ok := fs[f]; !ok {
				t.Errorf("%s: broken agent %s lacks its good field %s", db, key, f)
			}
		}
	}
}

func buildName(i *peers.Influxd) string {
	if i.Uint {
		return "uint"
	}
	return "int"
}

// checkBrokenLog: each of the broken agent's bad fields is named once in a type_conflict log
// line with its value and declared type.
func checkBrokenLog(t *testing.T, log string) {
	t.Helper()
	for _, f := range brokenFields() {
		n := 0
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "type_conflict") && strings.Contains(line, "target=broken") && strings.Contains(line, "field="+f+" ") {
				n++
				if !strings.Contains(line, "declared_type=uint") || !strings.Contains(line, "value=") {
					t.Errorf("log line lacks the value or declared type: %s", line)
				}
			}
		}
		if n != 1 {
			t.Errorf("field %s named %d times in type_conflict log lines, want once per run", f, n)
		}
	}
}

// runDaemonFleet runs the daemon on the whole fleet (60 s with NETPULSE_LONG=1, else 15 s)
// and checks the same things plus /metrics.
func runDaemonFleet(t *testing.T, influx *peers.Influxd, fleet *mixedFleet) {
	t.Helper()
	d := 15 * time.Second
	if os.Getenv("NETPULSE_LONG") == "1" {
		d = 60 * time.Second
	}
	influx.CreateDatabase(t, "daemon")
	metrics := fmt.Sprintf("127.0.0.1:%d", peers.FreeTCPPort(t))
	cfg := fleetConfig(influx.URL, "daemon", fleet.all("gnmi-json", "broken", "gnmi-json-ietf", "recorded", "snmpd", "sim-snmp", "gnmi-proto")) +
		fmt.Sprintf("metrics: {listen: %q}\n", metrics)
	ctx, stop := context.WithCancel(t.Context())
	stderr := &syncBuffer{}
	exited := make(chan int, 1)
	go func() {
		exited <- execute(ctx, []string{"run", "--config", writeConfig(t, cfg), "--log-format", "text"}, strings.NewReader(""), io.Discard, stderr)
	}()
	time.Sleep(d)
	body := ""
	if resp, err := http.Get("http://" + metrics + "/metrics"); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
	} else {
		t.Errorf("/metrics: %v", err)
	}
	stop()
	select {
	case code := <-exited:
		if code != exitOK {
			t.Errorf("daemon exit %d\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not stop")
	}
	if v := metricValue(body, `netpulse_target_dropped_fields_total{target="broken",proto="snmp",reason="type_conflict"}`); v <= 0 {
		t.Errorf("/metrics: broken agent's type conflicts = %v\n%s", v, body)
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "netpulse_output_dropped_total{") && !strings.HasSuffix(line, " 0") {
			t.Errorf("/metrics: output dropped points: %s", line)
		}
	}
	checkFleetData(t, influx, "daemon", fleet)
	checkBrokenLog(t, stderr.String())
}

// --- the recorded device: snmpd + pass_persist serving a .snmprec ---

// startRecordedAgent starts an snmpd whose ifEntry and ifXEntry subtrees are answered from
// the recording (one pass_persist process per subtree: this test binary re-executed).
func startRecordedAgent(t *testing.T, recording string) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(recording)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var conf []string
	for i, sub := range []string{"1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.31.1.1.1"} {
		script := filepath.Join(dir, fmt.Sprintf("pass%d.sh", i))
		body := fmt.Sprintf("#!/bin/sh\nexec env NETPULSE_PASS_PERSIST_FILE=%q NETPULSE_PASS_PERSIST_ROOT=%q %q -test.run='^TestHelperSnmprecPassPersist$'\n", abs, sub, exe)
		if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
			t.Fatal(err)
		}
		// The subtree is longer than net-snmp's own ifTable/ifXTable registrations, so it
		// takes precedence over the machine's real interfaces.
		conf = append(conf, fmt.Sprintf("pass_persist .%s %s", sub, script))
	}
	return peers.StartSnmpd(t, conf...).Addr
}

// TestHelperSnmprecPassPersist is not a test: startRecordedAgent's snmpd runs this binary
// with NETPULSE_PASS_PERSIST_FILE set, and it answers net-snmp's pass_persist protocol
// (snmpd.conf(5)) from the recording's varbinds under NETPULSE_PASS_PERSIST_ROOT.
func TestHelperSnmprecPassPersist(t *testing.T) {
	file, root := os.Getenv("NETPULSE_PASS_PERSIST_FILE"), os.Getenv("NETPULSE_PASS_PERSIST_ROOT")
	if file == "" {
		t.Skip("helper process for TestMixedFleetFieldTypes")
	}
	pdus, err := snmptest.LoadSnmprecFile(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	type vb struct {
		arcs []uint32
		pdu  gosnmp.SnmpPDU
	}
	var vbs []vb
	for _, p := range pdus {
		if !strings.HasPrefix(p.Name, "."+root+".") {
			continue
		}
		arcs, err := snmptest.ParseOID(p.Name)
		if err == nil {
			vbs = append(vbs, vb{arcs, p})
		}
	}
	slices.SortFunc(vbs, func(a, b vb) int { return slices.Compare(a.arcs, b.arcs) })
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	reply := func(i int) {
		if i < 0 || i >= len(vbs) {
			fmt.Fprintln(out, "NONE")
			return
		}
		typ, val := passValue(vbs[i].pdu)
		fmt.Fprintf(out, "%s\n%s\n%s\n", vbs[i].pdu.Name, typ, val)
	}
	for in.Scan() {
		switch cmd := in.Text(); cmd {
		case "PING":
			fmt.Fprintln(out, "PONG")
		case "get", "getnext":
			if !in.Scan() {
				os.Exit(0)
			}
			arcs, _ := snmptest.ParseOID(in.Text())
			i, found := slices.BinarySearchFunc(vbs, arcs, func(v vb, a []uint32) int { return slices.Compare(v.arcs, a) })
			switch {
			case cmd == "get" && !found:
				reply(-1)
			case cmd == "get":
				reply(i)
			case found:
				reply(i + 1)
			default:
				reply(i)
			}
		case "set":
			in.Scan()
			in.Scan()
			fmt.Fprintln(out, "not-writable")
		}
		out.Flush()
	}
	os.Exit(0)
}

// passValue renders a varbind in pass_persist's TYPE and VALUE lines.
func passValue(p gosnmp.SnmpPDU) (string, string) {
	switch p.Type {
	case gosnmp.Integer:
		return "integer", fmt.Sprint(p.Value)
	case gosnmp.OctetString:
		b, _ := p.Value.([]byte)
		if len(b) == 0 {
			return "string", ""
		}
		h := hex.EncodeToString(b)
		var sp []string
		for i := 0; i < len(h); i += 2 {
			sp = append(sp, h[i:i+2])
		}
		return "octet", strings.Join(sp, " ")
	case gosnmp.Counter32:
		return "counter", fmt.Sprint(p.Value)
	case gosnmp.Gauge32:
		return "gauge", fmt.Sprint(p.Value)
	case gosnmp.TimeTicks:
		return "timeticks", fmt.Sprint(p.Value)
	case gosnmp.Counter64:
		return "counter64", fmt.Sprint(p.Value)
	case gosnmp.ObjectIdentifier:
		return "objectid", fmt.Sprint(p.Value)
	case gosnmp.IPAddress:
		return "ipaddress", fmt.Sprint(p.Value)
	}
	return "string", fmt.Sprint(p.Value)
}

package main

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/influxdata/line-protocol/v2/lineprotocol"
)

// TestDemoComponentsSameForGNMIAndSNMP runs the demo (simulated devices serving the same
// components model over SNMP and gNMI, internal/sim components.go) and checks that the
// `components` lines of both transports have, component by component, the same tag keys,
// field names and InfluxDB field types (issue 10, acceptance 5).
func TestDemoComponentsSameForGNMIAndSNMP(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for several seconds")
	}
	out := filepath.Join(t.TempDir(), "demo.lp")
	code, stdout, stderr := runCLI(t, "demo", "--duration", "7s", "--interval", "2s", "--out", out)
	if code != 0 {
		t.Fatalf("demo exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "components from gnmi") || !strings.Contains(stdout, "components from snmp") {
		t.Errorf("demo report lacks components from one transport:\n%s", stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// by[proto][component + channel] = tag keys and field → type
	type view struct {
		tags   []string
		fields map[string]byte
	}
	by := map[string]map[string]*view{"gnmi": {}, "snmp": {}}
	dec := lineprotocol.NewDecoder(bufio.NewReader(f))
	for dec.Next() {
		meas, err := dec.Measurement()
		if err != nil {
			t.Fatal(err)
		}
		var proto, name, channel string
		var tags []string
		isComp := string(meas) == "components"
		for {
			k, v, err := dec.NextTag()
			if err != nil {
				t.Fatal(err)
			}
			if k == nil {
				break
			}
			switch string(k) {
			case "source":
				proto = "gnmi"
				if strings.HasPrefix(string(v), "sim-snmp") {
					proto = "snmp"
				}
			case "component_name":
				name = string(v)
			case "channel_index":
				channel = string(v)
			}
			tags = append(tags, string(k))
		}
		fields := map[string]byte{}
		for {
			k, v, err := dec.NextField()
			if err != nil {
				t.Fatal(err)
			}
			if k == nil {
				break
			}
			fields[string(k)] = v.Kind().String()[0]
		}
		if !isComp {
			continue
		}
		// Devices of one transport share the model's component names: key by name only.
		key := name + "/" + channel
		v := by[proto][key]
		if v == nil {
			v = &view{fields: map[string]byte{}}
			by[proto][key] = v
		}
		for _, k := range tags {
			if !slices.Contains(v.tags, k) {
				v.tags = append(v.tags, k)
			}
		}
		for k, typ := range fields {
			v.fields[k] = typ
		}
	}
	if err := dec.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"cpu/utilization/state/instant": false, "state/memory/utilized": false,
		"state/temperature/instant": false, "fan/state/speed": false, "state/input-power/instant": false,
		"state/output-power/instant": false, "state/serial-no": false, "state/type": false}
	if len(by["snmp"]) == 0 || len(by["gnmi"]) == 0 {
		t.Fatalf("components: %d from snmp, %d from gnmi", len(by["snmp"]), len(by["gnmi"]))
	}
	for key, s := range by["snmp"] {
		g, ok := by["gnmi"][key]
		if !ok {
			t.Errorf("component %s: from snmp only", key)
			continue
		}
		slices.Sort(s.tags)
		slices.Sort(g.tags)
		if !slices.Equal(s.tags, g.tags) {
			t.Errorf("component %s: tag keys snmp %v, gnmi %v", key, s.tags, g.tags)
		}
		for k, st := range s.fields {
			gt, ok := g.fields[k]
			switch {
			case !ok:
				t.Errorf("component %s: field %s from snmp only", key, k)
			case gt != st:
				t.Errorf("component %s: field %s type %c from snmp, %c from gnmi", key, k, st, gt)
			}
			if _, ok := want[k]; ok {
				want[k] = true
			}
		}
		for k := range g.fields {
			if _, ok := s.fields[k]; !ok {
				t.Errorf("component %s: field %s from gnmi only", key, k)
			}
		}
	}
	for key := range by["gnmi"] {
		if _, ok := by["snmp"][key]; !ok {
			t.Errorf("component %s: from gnmi only", key)
		}
	}
	for k, seen := range want {
		if !seen {
			t.Errorf("no component carries %s on both transports", k)
		}
	}
}

package snmp

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
)

// The naming contract: every value a device profile writes has the measurement, tag keys,
// field name and field type that netpulse's gNMI normalizer gives the OpenConfig leaf
// carrying the same value. The test turns each SNMP point back into the gNMI notification an
// OpenConfig device would send for it (the path from the measurement and tags, the value
// encoded by the leaf's YANG type, not by what SNMP wrote), runs it through the real
// normalizer with the subscriptions PROFILES.md documents, and compares.

// ocLeafKinds is the YANG type of each OpenConfig leaf the profiles write, as the gNMI
// TypedValue a device sends: openconfig-platform (percentage uint8, decimal64 sensors,
// uint64 memory, uint32 fan rpm), openconfig-platform-transceiver (decimal64 dBm and mA),
// openconfig-lldp and openconfig-bgp. Fields with no OpenConfig leaf (voltage, current,
// power, utilized-percent, remote-router-id) are encoded as netpulse documents them.
var ocLeafKinds = map[string]collector.Kind{
	fCPU: collector.KindUint, fMemUsed: collector.KindUint, fMemAvail: collector.KindUint,
	fMemPct: collector.KindUint, fTemperature: collector.KindFloat, fFanSpeed: collector.KindUint,
	fInPower: collector.KindFloat, fOutPower: collector.KindFloat, fLaserBias: collector.KindFloat,
	"transceiver/state/input-power/instant": collector.KindFloat, "transceiver/state/output-power/instant": collector.KindFloat,
	fVoltage: collector.KindFloat, fCurrent: collector.KindFloat, fPower: collector.KindFloat,
	"state/description": collector.KindString, "state/type": collector.KindString,
	"state/hardware-version": collector.KindString, "state/firmware-version": collector.KindString,
	"state/software-version": collector.KindString, "state/serial-no": collector.KindString,
	"state/mfg-name": collector.KindString, "state/part-no": collector.KindString,
	"state/removable": collector.KindBool, "state/parent": collector.KindString,
	"state/oper-status": collector.KindString,
	// openconfig-lldp neighbor state.
	"state/system-name": collector.KindString, "state/system-description": collector.KindString,
	"state/port-description": collector.KindString, "state/chassis-id": collector.KindString,
	"state/chassis-id-type": collector.KindString, "state/port-id": collector.KindString,
	"state/port-id-type": collector.KindString, "state/id": collector.KindString,
	// openconfig-bgp neighbor state.
	"state/session-state": collector.KindString, "state/local-address": collector.KindString,
	"state/remote-router-id": collector.KindString, "state/messages/received/UPDATE": collector.KindUint,
	"state/messages/sent/UPDATE": collector.KindUint, "state/established-transitions": collector.KindUint,
	"state/peer-as": collector.KindUint, "state/local-as": collector.KindUint,
	"state/neighbor-address": collector.KindString, "state/enabled": collector.KindBool,
}

// ocPath is the OpenConfig path (without the leaf) of an SNMP point.
func ocPath(t *testing.T, p collector.Point, field string) string {
	t.Helper()
	esc := func(s string) string { return strings.NewReplacer(`\`, `\\`, `]`, `\]`).Replace(s) }
	switch p.Measurement {
	case componentsMeasurement:
		base := "/components/component[name=" + esc(tagOf(p, "component_name")) + "]"
		if ch := tagOf(p, "channel_index"); ch != "" {
			return base + "/transceiver/physical-channels/channel[index=" + ch + "]"
		}
		return base
	case "lldp":
		return "/lldp/interfaces/interface[name=" + esc(tagOf(p, "interface_name")) + "]/neighbors/neighbor[id=" + esc(tagOf(p, "neighbor_id")) + "]"
	case "bgp":
		return "/network-instances/network-instance[name=" + tagOf(p, "network-instance_name") + "]/protocols/protocol[identifier=" +
			tagOf(p, "protocol_identifier") + "][name=" + tagOf(p, "protocol_name") + "]/bgp/neighbors/neighbor[neighbor-address=" +
			tagOf(p, "neighbor_neighbor-address") + "]"
	}
	t.Fatalf("no OpenConfig path for measurement %s", p.Measurement)
	return ""
}

// ocValue encodes a zero value of kind as a gNMI TypedValue.
func ocValue(k collector.Kind) *gnmipb.TypedValue {
	switch k {
	case collector.KindUint:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: 1}}
	case collector.KindInt:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_IntVal{IntVal: 1}}
	case collector.KindFloat:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_DoubleVal{DoubleVal: 1.5}}
	case collector.KindBool:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BoolVal{BoolVal: true}}
	}
	return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: "x"}}
}

// shape is what the contract fixes: measurement, tag keys, field name and kind.
func shape(p collector.Point, f collector.Field, dupTags []string) string {
	var keys []string
	for _, tg := range p.Tags {
		if !slices.Contains(dupTags, tg.Key) {
			keys = append(keys, tg.Key)
		}
	}
	sort.Strings(keys)
	return p.Measurement + " " + strings.Join(keys, ",") + " " + f.Key + " " + f.Kind.String()
}

func TestNamingContractMatchesGNMINormalizer(t *testing.T) {
	norm, err := gnmi.NewNormalizer(gnmi.NormalizerConfig{
		Source: "dev",
		Subscriptions: []gnmi.Subscription{
			{Name: "components", Paths: []string{"/components"}},
			{Name: "lldp", Paths: []string{"/lldp"}},
			{Name: "bgp", Paths: []string{"/network-instances/network-instance/protocols/protocol/bgp"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Devices that between them have every profile's values: ENTITY-MIB and
	// ENTITY-SENSOR (Arista), Cisco, Juniper DOM and LLDP, BGP4-MIB (VRP), percent memory.
	devs := []string{"arista_eos", "iosxe_c9500h-svl", "junos_mx5t-isis", "vrp_5720", "comware", "timos_ixr", "linux_powermon"}
	seen := map[string]bool{}
	for _, dev := range devs {
		points, _, _ := pollAuto(t, filepath.Join("testdata", "devices-full", dev+".snmprec"))
		for _, p := range points {
			if p.Measurement == "interfaces" || p.Measurement == "system" {
				continue // if-mib's contract has its own test (golden_test.go, IF-MIB.md)
			}
			for _, f := range p.Fields {
				kind, ok := ocLeafKinds[f.Key]
				if !ok {
					t.Errorf("%s: %s field %s has no OpenConfig leaf type in this test: add it (and to PROFILES.md)", dev, p.Measurement, f.Key)
					continue
				}
				if f.Kind != kind {
					t.Errorf("%s: %s %s is %s, OpenConfig's leaf is %s", dev, p.Measurement, f.Key, f.Kind, kind)
				}
				path, err := gnmi.ParsePath(ocPath(t, p, f.Key) + "/" + f.Key)
				if err != nil {
					t.Fatalf("%s: %v", dev, err)
				}
				n := &gnmipb.Notification{Timestamp: 1, Update: []*gnmipb.Update{{Path: path, Val: ocValue(kind)}}}
				got, _ := norm.Normalize(nil, n, time.Unix(0, 1))
				if len(got) != 1 || len(got[0].Fields) != 1 {
					t.Fatalf("%s: normalizer gave %v for %s", dev, got, gnmi.PathString(path))
				}
				want := shape(got[0], got[0].Fields[0], nil)
				have := shape(p, collector.Field{Key: f.Key, Kind: kind}, []string{componentDuplicateTag, "neighbor_index"})
				if want != have {
					t.Errorf("%s: SNMP writes %q, gNMI %q", dev, have, want)
				}
				seen[p.Measurement+" "+f.Key] = true
			}
		}
	}
	for _, must := range []string{"components " + fCPU, "components " + fMemUsed, "components " + fTemperature,
		"components " + fFanSpeed, "components " + fInPower, "components state/serial-no", "lldp state/system-name",
		"bgp state/peer-as"} {
		if !seen[must] {
			t.Errorf("no device wrote %s: the contract for it is untested", must)
		}
	}
}

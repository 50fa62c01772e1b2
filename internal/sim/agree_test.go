package sim

import (
	"strconv"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// TestSNMPAndGNMIAgree reads device 0 of each protocol (same seed, same index) and checks
// that both transports show the same interfaces with the same values: names, descriptions,
// speeds, MTU, MAC, status, and counters that match the shared model at their timestamps.
func TestSNMPAndGNMIAgree(t *testing.T) {
	const n = 16
	f := startFleet(t, Config{SNMPDevices: 1, GNMIDevices: 1, Interfaces: n, Seed: 99, UpdateInterval: 100 * time.Millisecond})
	sd, gd := f.Devices()[0], f.Devices()[1]
	if sd.Proto != "snmp" || gd.Proto != "gnmi" {
		t.Fatalf("devices = %s, %s", sd.Proto, gd.Proto)
	}
	g := goSNMP(t, sd, gosnmp.Version2c)
	before := time.Since(f.StartTime())
	snmp := map[string]gosnmp.SnmpPDU{}
	for _, root := range []string{"1.3.6.1.2.1.2.2", "1.3.6.1.2.1.31.1.1"} {
		vars, err := g.BulkWalkAll(root)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vars {
			snmp[v.Name] = v
		}
	}
	c, ctx := gnmiClient(t, gd)
	gnmi := subscribeOnce(t, c, ctx, "interfaces")
	after := time.Since(f.StartTime())

	for i := 0; i < n; i++ {
		idx := "." + strconv.Itoa(i+1)
		name := string(snmp[".1.3.6.1.2.1.31.1.1.1.1"+idx].Value.([]byte))
		p := "/interfaces/interface[name=" + name + "]/"
		if v, ok := gnmi[p+"state/name"]; !ok || v.GetStringVal() != name {
			t.Fatalf("ifName%s %q has no gNMI twin (state/name = %v)", idx, name, v)
		}
		if a, b := string(snmp[".1.3.6.1.2.1.31.1.1.1.18"+idx].Value.([]byte)), gnmi[p+"state/description"].GetStringVal(); a != b {
			t.Errorf("%s: ifAlias %q, description %q", name, a, b)
		}
		if a, b := uint64(snmp[".1.3.6.1.2.1.31.1.1.1.15"+idx].Value.(uint)), gnmi[p+"state/high-speed"].GetUintVal(); a != b {
			t.Errorf("%s: ifHighSpeed %d, high-speed %d", name, a, b)
		}
		if a, b := uint64(snmp[".1.3.6.1.2.1.2.2.1.4"+idx].Value.(int)), gnmi[p+"state/mtu"].GetUintVal(); a != b {
			t.Errorf("%s: ifMtu %d, mtu %d", name, a, b)
		}
		var mac [6]byte
		copy(mac[:], snmp[".1.3.6.1.2.1.2.2.1.6"+idx].Value.([]byte))
		if a, b := macString(mac), gnmi[p+"ethernet/state/mac-address"].GetStringVal(); a != b {
			t.Errorf("%s: ifPhysAddress %s, mac-address %s", name, a, b)
		}
		admin := map[int]string{1: "UP", 2: "DOWN"}[snmp[".1.3.6.1.2.1.2.2.1.7"+idx].Value.(int)]
		if b := gnmi[p+"state/admin-status"].GetStringVal(); admin != b {
			t.Errorf("%s: ifAdminStatus %s, admin-status %s", name, admin, b)
		}
		// Counters: both sides lie on the same model curve between the two reads.
		lo, hi := sd.Model.Counters(i, 0), sd.Model.Counters(i, after)
		s := gosnmp.ToBigInt(snmp[".1.3.6.1.2.1.31.1.1.1.6"+idx].Value).Uint64()
		gv := gnmi[p+"state/counters/in-octets"].GetUintVal()
		for _, v := range []uint64{s, gv} {
			if v < lo.InOctets || v > hi.InOctets {
				t.Errorf("%s: in-octets %d (snmp %d, gnmi %d) outside the model's [%d, %d]", name, v, s, gv, lo.InOctets, hi.InOctets)
			}
		}
		if sd.Model.Interfaces[i].AdminUp && s < sd.Model.Counters(i, before).InOctets {
			t.Errorf("%s: SNMP in-octets %d older than the walk", name, s)
		}
	}
}

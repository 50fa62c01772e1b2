package sim

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// TestBrokenSNMPFirmware: gosnmp (an independent decoder) sees the broken agent's counters
// as 8-byte OctetStrings and negative Integers and its ifName as binary, while the other
// objects keep their SMI types.
func TestBrokenSNMPFirmware(t *testing.T) {
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 3, Seed: 3, BrokenSNMPFirmware: true, NumericDescription: true})
	d := f.Devices()[0]
	g := goSNMP(t, d, gosnmp.Version2c)
	const (
		hcIn, in32, inErr, ifName = ".1.3.6.1.2.1.31.1.1.1.6.1", ".1.3.6.1.2.1.2.2.1.10.1", ".1.3.6.1.2.1.2.2.1.14.1", ".1.3.6.1.2.1.31.1.1.1.1.1"
		mtu, oper, ucast, alias   = ".1.3.6.1.2.1.2.2.1.4.1", ".1.3.6.1.2.1.2.2.1.8.1", ".1.3.6.1.2.1.31.1.1.1.7.1", ".1.3.6.1.2.1.31.1.1.1.18.1"
	)
	r, err := g.Get([]string{hcIn, in32, inErr, ifName, mtu, oper, ucast, alias})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]gosnmp.SnmpPDU{}
	for _, v := range r.Variables {
		got[v.Name] = v
	}
	for _, oid := range []string{hcIn, in32} {
		v := got[oid]
		if b, ok := v.Value.([]byte); v.Type != gosnmp.OctetString || !ok || len(b) != 8 || b[0] != 0 {
			t.Errorf("%s: %s %x, want an 8-byte OctetString", oid, v.Type, v.Value)
		}
	}
	if v := got[inErr]; v.Type != gosnmp.Integer || v.Value.(int) >= 0 {
		t.Errorf("ifInErrors: %s %v, want a negative Integer", v.Type, v.Value)
	}
	if v := got[ifName]; v.Type != gosnmp.OctetString || !bytes.HasPrefix(v.Value.([]byte), []byte{0xff, 0xfe}) {
		t.Errorf("ifName: %s %x, want binary", v.Type, v.Value)
	}
	if v := got[mtu]; v.Type != gosnmp.Integer || v.Value.(int) != d.Model.Interfaces[0].MTU {
		t.Errorf("ifMtu: %s %v", v.Type, v.Value)
	}
	if v := got[ucast]; v.Type != gosnmp.Counter64 {
		t.Errorf("ifHCInUcastPkts: %s", v.Type)
	}
	if v := got[alias]; string(v.Value.([]byte)) != "100" {
		t.Errorf("ifAlias %q, want the numeric-looking description", v.Value)
	}
	// net-snmp, the other independent decoder, when installed.
	if _, err := exec.LookPath("snmpget"); err == nil {
		out, err := exec.Command("snmpget", "-v2c", "-c", d.Community, "-On", d.Address, hcIn, inErr).CombinedOutput()
		if err != nil {
			t.Fatalf("snmpget: %v\n%s", err, out)
		}
		if s := string(out); !strings.Contains(s, hcIn+" = Hex-STRING: 00") || !strings.Contains(s, inErr+" = INTEGER: -") {
			t.Errorf("snmpget:\n%s", s)
		}
	}
}

// TestGNMIEncodings: the same leaves in PROTO, JSON_IETF (RFC 7951 §6.1: counter64 and
// timeticks64 as strings, uint16/uint32 as numbers) and JSON (numbers as numbers).
func TestGNMIEncodings(t *testing.T) {
	for _, enc := range []Encoding{EncodingProto, EncodingJSONIETF, EncodingJSON} {
		t.Run(enc.String(), func(t *testing.T) {
			if e, err := ParseEncoding(enc.String()); err != nil || e != enc {
				t.Fatalf("ParseEncoding(%s) = %v, %v", enc, e, err)
			}
			f := startFleet(t, Config{GNMIDevices: 1, Interfaces: 2, Seed: 5, GNMIEncoding: enc, NumericDescription: true})
			d := f.Devices()[0]
			c, ctx := gnmiClient(t, d)
			got := subscribeOnce(t, c, ctx, "interfaces")
			it := d.Model.Interfaces[0]
			p := "/interfaces/interface[name=" + it.Name + "]"
			mtu, octets, desc, enabled := got[p+"/state/mtu"], got[p+"/state/counters/in-octets"], got[p+"/state/description"], got[p+"/state/enabled"]
			if mtu == nil || octets == nil || desc == nil || enabled == nil {
				t.Fatalf("missing leaves: %v", got)
			}
			switch enc {
			case EncodingProto:
				if mtu.GetUintVal() != uint64(it.MTU) || octets.GetUintVal() == 0 || desc.GetStringVal() != "100" || enabled.GetBoolVal() != it.AdminUp {
					t.Errorf("proto: %v %v %v %v", mtu, octets, desc, enabled)
				}
			case EncodingJSONIETF:
				if string(mtu.GetJsonIetfVal()) != strconv.Itoa(it.MTU) || string(desc.GetJsonIetfVal()) != `"100"` ||
					string(enabled.GetJsonIetfVal()) != strconv.FormatBool(it.AdminUp) {
					t.Errorf("json_ietf: mtu %s desc %s enabled %s", mtu.GetJsonIetfVal(), desc.GetJsonIetfVal(), enabled.GetJsonIetfVal())
				}
				var s string
				if err := json.Unmarshal(octets.GetJsonIetfVal(), &s); err != nil {
					t.Errorf("json_ietf in-octets %s is not a JSON string: %v", octets.GetJsonIetfVal(), err)
				} else if _, err := strconv.ParseUint(s, 10, 64); err != nil {
					t.Errorf("json_ietf in-octets %q", s)
				}
			case EncodingJSON:
				var n json.Number
				dec := json.NewDecoder(bytes.NewReader(octets.GetJsonVal()))
				dec.UseNumber()
				if err := dec.Decode(&n); err != nil || string(mtu.GetJsonVal()) != strconv.Itoa(it.MTU) || string(desc.GetJsonVal()) != `"100"` {
					t.Errorf("json: in-octets %s (%v) mtu %s desc %s", octets.GetJsonVal(), err, mtu.GetJsonVal(), desc.GetJsonVal())
				}
			}
		})
	}
}

package main

import (
	"strings"
	"testing"
)

const explainConfig = `
outputs: [{type: file, path: "-"}]
targets:
  - name: leaf1
    address: 192.0.2.1:6030
    tags: {site: lab}
    gnmi: {username: admin, password: x, insecure: true, subscriptions: [counters, bgp]}
  - name: sw1
    address: 192.0.2.10
    snmp: {version: 3, user: mon, security_level: authPriv, auth_protocol: SHA, auth_password: auth-pass-1, priv_protocol: AES, priv_password: priv-pass-1, profiles: [if-mib, cpu]}
subscriptions:
  counters: {paths: [/interfaces/interface/state/counters], measurement: interfaces}
  bgp: {paths: ["/network-instances/network-instance/protocols/protocol/bgp/neighbors/neighbor/state"], mode: stream, stream_mode: on_change, encoding: json_ietf}
snmp_profiles:
  cpu: {tables: [{measurement: cpu, index_tag: cpu, fields: {load: 1.3.6.1.2.1.25.3.3.1.2}}]}
`

func TestExplainTargets(t *testing.T) {
	cfg := writeConfig(t, explainConfig)
	code, out, stderr := runCLI(t, "explain", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"target leaf1: gnmi 192.0.2.1:6030",
		"transport: plaintext (insecure), user admin",
		"Subscribe stream: counters\n", // proto and json_ietf cannot share a stream
		"Subscribe stream: bgp\n",
		`subscription bgp → measurement "bgp"`,
		"mode stream/on_change, encoding json_ietf",
		"target sw1: snmp v3 192.0.2.10",
		"user mon, authPriv, auth SHA, priv AES",
		`table (walk) → measurement "interfaces"`,
		"state/counters/in-octets           ← 1.3.6.1.2.1.31.1.1.1.6 (ifHCInOctets), else 1.3.6.1.2.1.2.2.1.10 (ifInOctets)",
		"tag   cpu ← the row index",
		"field load ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "auth-pass-1") || strings.Contains(out, "priv-pass-1") {
		t.Errorf("explain printed a secret:\n%s", out)
	}
}

func TestExplainSamples(t *testing.T) {
	cfg := writeConfig(t, explainConfig)
	code, out, stderr := runCLI(t, "explain", "--config", cfg, "--target", "leaf1",
		"--sample-path", "/interfaces/interface[name=Ethernet1]/state/counters/in-octets", "--sample-value", "42")
	want := "line protocol: interfaces,interface_name=Ethernet1,site=lab,source=leaf1 state/counters/in-octets=42u 0"
	if code != 0 || !strings.Contains(out, want) || strings.Contains(out, "sw1") {
		t.Errorf("gNMI sample: exit %d, want %q in\n%s%s", code, want, out, stderr)
	}
	// A path under the bgp subscription takes its measurement and the list keys as tags.
	code, out, _ = runCLI(t, "explain", "--config", cfg, "--target", "leaf1",
		"--sample-path", "/network-instances/network-instance[name=default]/protocols/protocol[identifier=BGP][name=bgp]/bgp/neighbors/neighbor[neighbor-address=192.0.2.2]/state/session-state",
		"--sample-value", "ESTABLISHED")
	want = `line protocol: bgp,neighbor_neighbor-address=192.0.2.2,network-instance_name=default,protocol_identifier=BGP,protocol_name=bgp,site=lab,source=leaf1 state/session-state="ESTABLISHED" 0`
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("gNMI keyed sample: want %q in\n%s", want, out)
	}

	code, out, stderr = runCLI(t, "explain", "--config", cfg, "--target", "sw1",
		"--sample-varbind", "ifHCInOctets.3=42", "--sample-varbind", "ifName.3=STRING: Gi0/3", "--sample-varbind", "ifOperStatus.3=INTEGER: 2")
	want = `line protocol: interfaces,interface_name=Gi0/3,source=sw1 state/counters/in-octets=42u,state/ifindex=3u,state/name="Gi0/3",state/oper-status="DOWN" 0`
	if code != 0 || !strings.Contains(out, want) {
		t.Errorf("SNMP sample: exit %d, want %q in\n%s%s", code, want, out, stderr)
	}
}

func TestExplainBadInput(t *testing.T) {
	cfg := writeConfig(t, explainConfig)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"explain"}, "--config is required"},
		{[]string{"explain", "--config", cfg, "--target", "nope"}, `--target "nope" is not in`},
		{[]string{"explain", "--config", cfg, "--sample-path", "/a"}, "go together"},
		{[]string{"explain", "--config", cfg, "--target", "leaf1", "--sample-path", "/a[b", "--sample-value", "1"}, "character 3"},
		{[]string{"explain", "--config", cfg, "--target", "leaf1", "--sample-path", "/a", "--sample-value", "x", "--sample-type", "uint"}, "is not a uint"},
		{[]string{"explain", "--config", cfg, "--target", "sw1", "--sample-varbind", "ifName.3"}, "write OID=VALUE"},
		{[]string{"explain", "--config", cfg, "--target", "sw1", "--sample-varbind", "ifName.3=Bogus: 1"}, `unknown type "Bogus"`},
	}
	for _, c := range cases {
		code, _, stderr := runCLI(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestExplainFieldTypes: explain names each field's type and where it comes from: the
// OpenConfig model, a profile declaration, or learned at write time.
func TestExplainFieldTypes(t *testing.T) {
	cfg := writeConfig(t, explainConfig)
	_, out, _ := runCLI(t, "explain", "--config", cfg, "--target", "sw1")
	_, gout, _ := runCLI(t, "explain", "--config", cfg, "--target", "leaf1")
	if want := "path /interfaces/interface/state/counters (21 leaves typed by the OpenConfig models; others learned at write time)"; !strings.Contains(gout, want) {
		t.Errorf("explain lacks %q:\n%s", want, gout)
	}
	for _, want := range []string{
		"(ifHCInOctets), else 1.3.6.1.2.1.2.2.1.10 (ifInOctets), type uint",
		"(ifOperStatus) [enum], type string",
		"field load                               ← 1.3.6.1.2.1.25.3.3.1.2 (mib-2.25.3.3.1.2), type learned at write time",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"--target", "leaf1", "--sample-path", "/interfaces/interface[name=E1]/state/counters/in-octets", "--sample-value", "42"},
			[]string{"type uint: OpenConfig model: interfaces/interface/state/counters/in-octets is counter64"}},
		{[]string{"--target", "leaf1", "--sample-path", "/interfaces/interface[name=E1]/state/mtu", "--sample-value", "9214", "--sample-type", "int"},
			[]string{"state/mtu = 9214u (uint)", "OpenConfig model: interfaces/interface/state/mtu is uint16"}},
		{[]string{"--target", "leaf1", "--sample-path", "/interfaces/interface[name=E1]/state/mtu", "--sample-value", "-5"},
			[]string{`! interfaces/interface/state/mtu = -5i does not fit its OpenConfig type uint (YANG uint16): the field is dropped and counted as type_conflict`}},
		{[]string{"--target", "leaf1", "--sample-path", "/interfaces/interface[name=E1]/state/description", "--sample-value", "100"},
			[]string{`state/description = "100" (string)`}},
		{[]string{"--target", "leaf1", "--sample-path", "/interfaces/interface[name=E1]/state/vendor-x", "--sample-value", "7"},
			[]string{"type uint: learned at write time"}},
		{[]string{"--target", "sw1", "--sample-varbind", "ifHCInOctets.3=42", "--sample-varbind", "ifOperStatus.3=INTEGER: 1"},
			[]string{"type uint: profile if-mib declares uint", "type string: profile if-mib: format enum writes a string"}},
		{[]string{"--target", "sw1", "--sample-varbind", "ifHCInOctets.3=Hex-STRING: 00 FF 12", "--sample-varbind", "ifOperStatus.3=INTEGER: 1"},
			[]string{"! msg=\"SNMP value does not fit the field's declared type", "field=state/counters/in-octets value=0x00ff12 snmp_type=OctetString declared_type=uint", `state/oper-status="UP" 0`}},
	} {
		code, out, stderr := runCLI(t, append([]string{"explain", "--config", cfg}, c.args...)...)
		for _, want := range c.want {
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("%v: exit %d, want %q in\n%s%s", c.args, code, want, out, stderr)
			}
		}
	}
}

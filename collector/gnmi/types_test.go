package gnmi

import (
	"strings"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
)

func typesNormalizer(t *testing.T) *Normalizer {
	t.Helper()
	n, err := NewNormalizer(NormalizerConfig{Source: "d", Subscriptions: []Subscription{
		{Name: "interfaces", Paths: []string{"/interfaces/interface"}},
		{Name: "lldp", Paths: []string{"/lldp"}},
		{Name: "components", Paths: []string{"/components/component"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func tv(v any) *gnmipb.TypedValue {
	switch x := v.(type) {
	case int64:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_IntVal{IntVal: x}}
	case uint64:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: x}}
	case string:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: x}}
	case float64:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_DoubleVal{DoubleVal: x}}
	case bool:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BoolVal{BoolVal: x}}
	case []byte:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BytesVal{BytesVal: x}}
	}
	panic(v)
}

// normalizeOne returns the fields of the points one notification yields, rendered as line
// protocol values, keyed by field name.
func normalizeOne(t *testing.T, n *Normalizer, notif *gnmipb.Notification) (map[string]string, Counts) {
	t.Helper()
	pts, c := n.Normalize(nil, notif, time.Unix(1, 0))
	got := map[string]string{}
	for _, p := range pts {
		for _, f := range p.Fields {
			got[p.Measurement+" "+f.Key] = f.Format()
		}
	}
	return got, c
}

// TestSameLeafSameTypeInEveryEncoding: the same OpenConfig leaves sent the ways devices send
// them over PROTO (uint_val or int_val at the device's whim, string_val), JSON_IETF (RFC 7951
// §6.1: uint16 as a number, counter64 and int64 as strings) and JSON (numbers everywhere)
// come out with the type the YANG model declares. The expected kinds are read off the models
// (openconfig-interfaces, openconfig-lldp): counter64 → u, uint16 → u, int64 → i, string
// → string, identityref → string.
func TestSameLeafSameTypeInEveryEncoding(t *testing.T) {
	want := map[string]string{
		"interfaces state/counters/in-octets": "18446744073709551615u",
		"interfaces state/mtu":                "9214u",
		"interfaces state/description":        `"100"`,
		"interfaces state/type":               `"iana-if-type:ethernetCsmacd"`,
		"lldp state/last-update":              "5i",
		"interfaces state/counters/in-pkts":   "7u",
	}
	prefix := mustPath("/interfaces/interface[name=eth0]")
	proto := func(mtu, lastUpdate *gnmipb.TypedValue) []*gnmipb.Notification {
		return []*gnmipb.Notification{{
			Prefix: prefix,
			Update: []*gnmipb.Update{
				{Path: mustPath("state/counters/in-octets"), Val: tv(uint64(18446744073709551615))},
				{Path: mustPath("state/mtu"), Val: mtu},
				{Path: mustPath("state/description"), Val: tv("100")},
				{Path: mustPath("state/type"), Val: tv("iana-if-type:ethernetCsmacd")},
				{Path: mustPath("subinterfaces/subinterface[index=0]/state/counters/in-pkts"), Val: tv(int64(7))},
			},
		}, {
			Prefix: mustPath("/lldp/interfaces/interface[name=eth0]"),
			Update: []*gnmipb.Update{{Path: mustPath("neighbors/neighbor[id=n1]/state/last-update"), Val: lastUpdate}},
		}}
	}
	jsonNotif := func(ietf bool, ifBody, lldpBody string) []*gnmipb.Notification {
		val := func(s string) *gnmipb.TypedValue {
			if ietf {
				return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(s)}}
			}
			return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonVal{JsonVal: []byte(s)}}
		}
		return []*gnmipb.Notification{
			{Prefix: prefix, Update: []*gnmipb.Update{{Path: mustPath("state"), Val: val(ifBody)},
				{Path: mustPath("subinterfaces"), Val: val(`{"subinterface":[{"index":0,"config":{"index":0},"state":{"counters":{"in-pkts":"7"}}}]}`)}}},
			{Prefix: mustPath("/lldp/interfaces/interface[name=eth0]"), Update: []*gnmipb.Update{{Path: mustPath("neighbors/neighbor[id=n1]/state"), Val: val(lldpBody)}}},
		}
	}
	for name, notifs := range map[string][]*gnmipb.Notification{
		"proto uint_val":   proto(tv(uint64(9214)), tv(uint64(5))),
		"proto int_val":    proto(tv(int64(9214)), tv(int64(5))),
		"proto string_val": proto(tv("9214"), tv("5")),
		"json_ietf": jsonNotif(true,
			`{"openconfig-interfaces:counters":{"in-octets":"18446744073709551615"},"mtu":9214,"description":"100","type":"iana-if-type:ethernetCsmacd"}`,
			`{"last-update":"5"}`),
		"json": jsonNotif(false,
			`{"counters":{"in-octets":18446744073709551615},"mtu":9214,"description":100,"type":"iana-if-type:ethernetCsmacd"}`,
			`{"last-update":5}`),
	} {
		t.Run(name, func(t *testing.T) {
			n := typesNormalizer(t)
			got := map[string]string{}
			for _, notif := range notifs {
				g, c := normalizeOne(t, n, notif)
				if c.Conflicts != 0 {
					t.Errorf("conflicts: %+v", n.TypeConflicts())
				}
				for k, v := range g {
					got[k] = v
				}
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %s, want %s", k, got[k], v)
				}
			}
		})
	}
}

// TestDescriptionStaysText: a string leaf keeps its exact text in JSON, even when it looks
// like a number or a decimal ("1.50" must not become 1.5).
func TestDescriptionStaysText(t *testing.T) {
	for _, body := range []string{`{"description":"1.50"}`, `{"description":"007"}`, `{"description":"-0"}`} {
		n := typesNormalizer(t)
		got, _ := normalizeOne(t, n, &gnmipb.Notification{
			Prefix: mustPath("/interfaces/interface[name=e]"),
			Update: []*gnmipb.Update{{Path: mustPath("state"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(body)}}}},
		})
		want := `"` + strings.TrimSuffix(strings.TrimPrefix(body, `{"description":"`), `"}`) + `"`
		if got["interfaces state/description"] != want {
			t.Errorf("%s → %s, want %s", body, got["interfaces state/description"], want)
		}
	}
}

// TestTypeConflictDropsOnlyTheLeaf: values that cannot be converted exactly (a negative
// counter, text in a uint16, a fraction in an int64, a bool in a counter) are dropped and
// counted; the other leaves of the point are written.
func TestTypeConflictDropsOnlyTheLeaf(t *testing.T) {
	n := typesNormalizer(t)
	got, c := normalizeOne(t, n, &gnmipb.Notification{
		Prefix: mustPath("/interfaces/interface[name=eth0]/state"),
		Update: []*gnmipb.Update{
			{Path: mustPath("counters/in-octets"), Val: tv(int64(-1))},
			{Path: mustPath("counters/out-octets"), Val: tv(true)},
			{Path: mustPath("mtu"), Val: tv("jumbo")},
			{Path: mustPath("counters/in-errors"), Val: tv(2.5)},
			{Path: mustPath("counters/out-errors"), Val: tv(3.0)}, // integral: exact
			{Path: mustPath("name"), Val: tv("eth0")},
			{Path: mustPath("oper-status"), Val: tv("UP")},
		},
	})
	if c.Conflicts != 4 || c.Fields != 3 {
		t.Errorf("counts %+v", c)
	}
	if got["interfaces state/name"] != `"eth0"` || got["interfaces state/oper-status"] != `"UP"` || got["interfaces state/counters/out-errors"] != "3u" {
		t.Errorf("fields %v", got)
	}
	var paths []string
	for _, tc := range n.TypeConflicts() {
		paths = append(paths, tc.Path+"="+tc.Value+":"+tc.Want.String())
	}
	if w := "interfaces/interface/state/counters/in-octets=-1i:uint interfaces/interface/state/counters/out-octets=true:uint interfaces/interface/state/mtu=\"jumbo\":uint interfaces/interface/state/counters/in-errors=2.5:uint"; strings.Join(paths, " ") != w {
		t.Errorf("conflicts\n%s\nwant\n%s", strings.Join(paths, " "), w)
	}
}

// TestIEEEFloat32: oc-types:ieeefloat32 leaves arrive as float_val, 4 bytes, or base64 in
// JSON (RFC 7951 §6.6); all are the same float.
func TestIEEEFloat32(t *testing.T) {
	for name, v := range map[string]*gnmipb.TypedValue{
		"float_val": {Value: &gnmipb.TypedValue_FloatVal{FloatVal: 715}},
		"bytes_val": tv([]byte{0x44, 0x32, 0xc0, 0x00}),
		"json":      {Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(`"RDLAAA=="`)}},
	} {
		n := typesNormalizer(t)
		got, _ := normalizeOne(t, n, &gnmipb.Notification{
			Prefix: mustPath("/components/component[name=PSU1]/power-supply/state"),
			Update: []*gnmipb.Update{{Path: mustPath("capacity"), Val: v}},
		})
		if got["components power-supply/state/capacity"] != "715" {
			t.Errorf("%s: %v", name, got)
		}
	}
}

// TestUndeclaredLeavesKeepTheirEncoding: leaves outside the models are written as the
// device typed them (the outputs' guard pins their first type).
func TestUndeclaredLeavesKeepTheirEncoding(t *testing.T) {
	n := typesNormalizer(t)
	got, _ := normalizeOne(t, n, &gnmipb.Notification{
		Prefix: mustPath("/interfaces/interface[name=e]/state"),
		Update: []*gnmipb.Update{{Path: mustPath("vendor-x"), Val: tv(int64(-3))}, {Path: mustPath("vendor-y"), Val: tv(uint64(3))}},
	})
	if got["interfaces state/vendor-x"] != "-3i" || got["interfaces state/vendor-y"] != "3u" {
		t.Errorf("%v", got)
	}
	if _, _, ok := DeclaredType("interfaces/interface/state/vendor-x"); ok {
		t.Error("vendor-x declared")
	}
	if k, y, ok := DeclaredType("/interfaces/interface/state/counters/in-octets"); !ok || k != collector.KindUint || y != "counter64" {
		t.Errorf("in-octets: %v %q %v", k, y, ok)
	}
}

// TestCoerceExact pins the conversion rules at their edges.
func TestCoerceExact(t *testing.T) {
	for _, tc := range []struct {
		in   collector.Field
		want collector.Kind
		out  string // "" = not convertible
	}{
		{collector.Int("", -1), collector.KindUint, ""},
		{collector.Int("", 5), collector.KindUint, "5u"},
		{collector.Uint("", 1<<63), collector.KindInt, ""},
		{collector.Uint("", 1<<63-1), collector.KindInt, "9223372036854775807i"},
		{collector.Uint("", 1<<53+1), collector.KindFloat, ""},
		{collector.Float("", 1e20), collector.KindUint, ""},
		{collector.Float("", 2.5), collector.KindInt, ""},
		{collector.Float("", -2), collector.KindInt, "-2i"},
		{collector.String("", "0x10"), collector.KindUint, ""},
		{collector.String("", " 5"), collector.KindUint, ""},
		{collector.String("", "-5"), collector.KindUint, ""},
		{collector.String("", "-5"), collector.KindInt, "-5i"},
		{collector.String("", "35.000000"), collector.KindFloat, "35"},
		{collector.String("", "NaN"), collector.KindFloat, ""},
		{collector.Bool("", true), collector.KindString, `"true"`},
		{collector.Bool("", true), collector.KindUint, ""},
		{collector.Uint("", 100), collector.KindString, `"100"`},
	} {
		f, ok := coerce(tc.in, tc.want)
		got := ""
		if ok {
			got = f.Format()
		}
		if got != tc.out {
			t.Errorf("%s → %s: %q, want %q", tc.in.Format(), tc.want, got, tc.out)
		}
	}
}

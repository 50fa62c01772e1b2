package gnmi

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/quick"
	"time"
	"unicode/utf8"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
)

// testTS is a realistic nanosecond timestamp (small values are read as seconds, see
// notificationTime).
const testTS = 1700000000000000000

func mustNormalizer(t testing.TB, subs ...Subscription) *Normalizer {
	t.Helper()
	n, err := NewNormalizer(NormalizerConfig{Source: "dev1", Subscriptions: subs})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// describe renders the names of a normalization: measurement, tags, field keys and values.
func describe(pts []collector.Point) string {
	var b strings.Builder
	for _, p := range pts {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// leafPath is the leaf the depth property is checked on: two keyed lists, a container
// between them, a namespaced first element.
var leafPath = "/openconfig-interfaces:interfaces/interface[name=Ethernet1/1]/subinterfaces/subinterface[index=3]/state/counters/in-octets"

// TestNameIndependentOfDepth is the DESIGN §4 property: the field name and tags of a leaf
// do not depend on how deep the subscription path was, nor on where the device split
// prefix and path, nor on whether the value came as a proto leaf or inside a JSON_IETF
// container higher up.
func TestNameIndependentOfDepth(t *testing.T) {
	full := mustPath(leafPath)
	val := uintVal(17)
	want := ""
	var subPaths []string
	for d := 1; d <= len(full.Elem); d++ {
		// subscription paths at every depth, with and without keys
		withKeys := PathString(&gnmipb.Path{Elem: full.Elem[:d]})
		subPaths = append(subPaths, withKeys)
		var noKeys []string
		for _, e := range full.Elem[:d] {
			noKeys = append(noKeys, e.Name)
		}
		subPaths = append(subPaths, "/"+strings.Join(noKeys, "/"))
	}
	for _, sp := range subPaths {
		n := mustNormalizer(t, Subscription{Name: "ifs", Paths: []string{sp}})
		for split := 0; split <= len(full.Elem); split++ {
			notif := &gnmipb.Notification{
				Timestamp: testTS,
				Prefix:    &gnmipb.Path{Origin: "openconfig", Elem: full.Elem[:split]},
				Update:    []*gnmipb.Update{{Path: &gnmipb.Path{Elem: full.Elem[split:]}, Val: val}},
			}
			got, _ := n.Normalize(nil, notif, time.Time{})
			s := describe(got)
			if want == "" {
				want = s
			}
			if s != want {
				t.Fatalf("subscription %s, split %d:\n got %s want %s", sp, split, s, want)
			}
		}
	}
	if want != "ifs,interface_name=Ethernet1/1,source=dev1,subinterface_index=3 state/counters/in-octets=17u 1700000000000000000\n" {
		t.Fatalf("names: %s", want)
	}
	// The same leaf inside JSON_IETF values rooted at each depth above it.
	n := mustNormalizer(t, Subscription{Name: "ifs", Paths: []string{"/interfaces"}})
	jsonAt := map[int]string{
		7: `"17"`,
		6: `{"in-octets":"17"}`,
		5: `{"counters":{"in-octets":"17"}}`,
		4: `{"openconfig-interfaces:state":{"counters":{"in-octets":"17"}}}`,
		3: `[{"index":3,"state":{"counters":{"in-octets":"17"}}}]`,
		2: `{"subinterface":[{"index":3,"config":{"index":3},"state":{"counters":{"in-octets":"17"}}}]}`,
		1: `[{"name":"Ethernet1/1","subinterfaces":{"subinterface":[{"index":"3","state":{"counters":{"in-octets":"17"}}}]}}]`,
	}
	for depth, js := range jsonAt {
		notif := &gnmipb.Notification{
			Timestamp: testTS,
			Update: []*gnmipb.Update{{Path: &gnmipb.Path{Elem: full.Elem[:depth]},
				Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(js)}}}},
		}
		if depth == 3 { // the list element itself, keys not in the path: an array of entries
			notif.Update[0].Path = &gnmipb.Path{Elem: append(append([]*gnmipb.PathElem{}, full.Elem[:2]...), &gnmipb.PathElem{Name: "subinterfaces"}, &gnmipb.PathElem{Name: "subinterface"})}
		}
		if depth == 1 {
			notif.Update[0].Path = &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "interfaces"}, {Name: "interface"}}}
		}
		got, _ := n.Normalize(nil, notif, time.Time{})
		s := describe(got)
		if depth == 1 || depth == 2 || depth == 3 {
			// entries carry their key leaves as fields too (name, index, config/index), as a
			// proto device sends them; compare the counter alone.
			s = onlyField(got, "state/counters/in-octets")
		}
		if s != want {
			t.Errorf("JSON at depth %d:\n got %s want %s", depth, s, want)
		}
	}
}

func onlyField(pts []collector.Point, key string) string {
	for _, p := range pts {
		if f, ok := p.Field(key); ok {
			p.Fields = []collector.Field{f}
			return p.String() + "\n"
		}
	}
	return ""
}

// TestNameIndependentOfDepthQuick checks the property on random paths and random splits.
func TestNameIndependentOfDepthQuick(t *testing.T) {
	f := func(seed uint64) bool {
		r := rand.New(rand.NewPCG(seed, 1))
		depth := 1 + r.IntN(8)
		var elems []*gnmipb.PathElem
		for i := range depth {
			e := &gnmipb.PathElem{Name: fmt.Sprintf("e%d", r.IntN(3))}
			if r.IntN(3) == 0 {
				e.Key = map[string]string{fmt.Sprintf("k%d", r.IntN(2)): fmt.Sprintf("v%d", i)}
			}
			elems = append(elems, e)
		}
		var ref string
		for split := 0; split <= depth; split++ {
			subDepth := 1 + r.IntN(depth)
			n, err := NewNormalizer(NormalizerConfig{Source: "s", Subscriptions: []Subscription{{Name: "m", Paths: []string{PathString(&gnmipb.Path{Elem: elems[:subDepth]})}}}})
			if err != nil {
				return false
			}
			pts, _ := n.Normalize(nil, &gnmipb.Notification{Timestamp: testTS, Prefix: &gnmipb.Path{Elem: elems[:split]},
				Update: []*gnmipb.Update{{Path: &gnmipb.Path{Elem: elems[split:]}, Val: uintVal(1)}}}, time.Time{})
			s := describe(pts)
			if ref == "" {
				ref = s
			}
			if s != ref || len(pts) != 1 {
				t.Logf("path %s split %d: %q vs %q", PathString(&gnmipb.Path{Elem: elems}), split, s, ref)
				return false
			}
		}
		return true
	}
	if err := quick.Check(f, &quick.Config{MaxCount: 500}); err != nil {
		t.Fatal(err)
	}
}

func TestNotificationTime(t *testing.T) {
	recv := time.Unix(1700000000, 0)
	want := time.Unix(1711178737, 105000000)
	for _, tc := range []struct {
		ts   int64
		want time.Time
	}{
		{0, recv},
		{1711178737105000000, want},            // nanoseconds (the spec)
		{1711178737105000, want},               // microseconds
		{1711178737105, want},                  // milliseconds
		{1711178737, time.Unix(1711178737, 0)}, // seconds
	} {
		if got := notificationTime(tc.ts, recv); !got.Equal(tc.want) {
			t.Errorf("notificationTime(%d) = %v, want %v", tc.ts, got, tc.want)
		}
	}
}

func TestStripModule(t *testing.T) {
	for in, want := range map[string]string{
		"openconfig-interfaces:interfaces": "interfaces",
		"oc-if:interface":                  "interface",
		"interfaces":                       "interfaces",
		"01:00:5e:1e:1e:1e":                "01:00:5e:1e:1e:1e", // MAC in an Arista eos_native element
		"aa:bb:cc:dd:ee:ff":                "aa:bb:cc:dd:ee:ff",
		"fe80::1":                          "fe80::1",
		"FPC0:CPU0":                        "CPU0", // looks exactly like a module prefix; in a key value it is never stripped
		":x":                               ":x",
		"x:":                               "x:",
		"10:20":                            "10:20",
	} {
		if got := stripModule(in); got != want {
			t.Errorf("stripModule(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestKeyOnlyElementAcrossSplit: Juniper's key-only elements ({"key":{"name":...}} without
// a name) give the same names wherever the device splits prefix and path, also when the
// key-only element starts an update path and the next update has none.
func TestKeyOnlyElementAcrossSplit(t *testing.T) {
	n := mustNormalizer(t)
	keyOnly := func(k, v string) *gnmipb.PathElem { return &gnmipb.PathElem{Key: map[string]string{k: v}} }
	elems := []*gnmipb.PathElem{{Name: "junos"}, {Name: "qmon-sw"}, keyOnly("name", "xe-0/0/0:0"), {Name: "egress"}, keyOnly("queue-number", "3"), {Name: "bytes"}}
	var want string
	for split := 0; split < len(elems); split++ {
		notif := &gnmipb.Notification{Timestamp: testTS, Prefix: &gnmipb.Path{Elem: elems[:split]},
			Update: []*gnmipb.Update{
				{Path: &gnmipb.Path{Elem: elems[split:]}, Val: uintVal(1)},
				{Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "other"}}}, Val: uintVal(2)},
			}}
		pts, _ := n.Normalize(nil, notif, time.Time{})
		got := onlyField(pts, "bytes")
		if want == "" {
			want = got
		}
		if got != want {
			t.Fatalf("split %d: %s want %s", split, got, want)
		}
		if split == 2 { // "other" hangs off the unkeyed prefix [junos qmon-sw]: no tags
			if o := onlyField(pts, "junos/qmon-sw/other"); o != "gnmi,source=dev1 junos/qmon-sw/other=2u 1700000000000000000\n" {
				t.Fatalf("split 2: %q", o)
			}
		}
		if split == 3 { // "other" hangs off the prefix [junos qmon-sw{name}]: keyed by name only
			if o := onlyField(pts, "other"); o != "gnmi,qmon-sw_name=xe-0/0/0:0,source=dev1 other=2u 1700000000000000000\n" {
				t.Fatalf("split 3: %q", o)
			}
		}
	}
	if want != "gnmi,egress_queue-number=3,qmon-sw_name=xe-0/0/0:0,source=dev1 bytes=1u 1700000000000000000\n" {
		t.Fatalf("names: %s", want)
	}
}

func TestTagCollisionQualified(t *testing.T) {
	n := mustNormalizer(t)
	p := mustPath("/a/list[name=x]/b/list[name=y]/leaf")
	pts, _ := n.Normalize(nil, &gnmipb.Notification{Timestamp: testTS, Update: []*gnmipb.Update{{Path: p, Val: uintVal(1)}}}, time.Time{})
	if got := describe(pts); got != "gnmi,b_list_name=y,list_name=x,source=dev1 leaf=1u 1700000000000000000\n" {
		t.Fatalf("got %s", got)
	}
}

func TestGroupingAndValues(t *testing.T) {
	n := mustNormalizer(t, Subscription{Name: "ifs", Measurement: "interfaces", Paths: []string{"/interfaces"}})
	notif := &gnmipb.Notification{
		Timestamp: testTS,
		Prefix:    mustPath("/interfaces/interface[name=eth0]/state"),
		Update: []*gnmipb.Update{
			{Path: mustPath("counters/in-octets"), Val: uintVal(1)},
			{Path: mustPath("x-offset"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_IntVal{IntVal: -2}}}, // not in the models
			{Path: mustPath("rate"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_DecimalVal{DecimalVal: &gnmipb.Decimal64{Digits: 12345, Precision: 2}}}},
			{Path: mustPath("f32"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_FloatVal{FloatVal: 0.1}}},
			{Path: mustPath("up"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BoolVal{BoolVal: true}}},
			{Path: mustPath("ascii"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_AsciiVal{AsciiVal: "a"}}},
			{Path: mustPath("vlans"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_LeaflistVal{LeaflistVal: &gnmipb.ScalarArray{Element: []*gnmipb.TypedValue{uintVal(10), uintVal(20)}}}}},
			{Path: mustPath("raw"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BytesVal{BytesVal: []byte{1}}}},
			{Path: mustPath("counters/in-octets"), Val: uintVal(2)}, // repeated: last wins
			{Path: mustPath("/interfaces/interface[name=eth1]/state/mtu"), Val: uintVal(9000)},
		},
	}
	pts, c := n.Normalize(nil, notif, time.Time{})
	want := "interfaces,interface_name=eth0,source=dev1 state/counters/in-octets=2u,state/x-offset=-2i,state/rate=123.45,state/f32=0.1,state/up=true,state/ascii=\"a\",state/vlans=\"10,20\" 1700000000000000000\n"
	if got := describe(pts[:1]); got != want {
		t.Errorf("got  %swant %s", got, want)
	}
	if len(pts) != 2 || c.Updates != 10 || c.Skipped != 1 || c.Fields != 9 {
		t.Errorf("points=%d counts=%+v", len(pts), c)
	}
}

func TestNormalizeAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts: the race detector drops pooled scratch buffers at random")
	}
	n := mustNormalizer(t, Subscription{Name: "ifs", Paths: []string{"/interfaces/interface/state/counters"}})
	notif := benchNotification(10)
	dst := make([]collector.Point, 0, 4)
	n.Normalize(dst[:0], notif, time.Time{}) // warm the intern maps
	allocs := testing.AllocsPerRun(100, func() { n.Normalize(dst[:0], notif, time.Time{}) })
	// one slice for all tags, one for all fields: nothing per update
	if allocs > 2 {
		t.Fatalf("%v allocations per 10-update notification, want ≤ 2", allocs)
	}
}

func TestParsePath(t *testing.T) {
	for in, want := range map[string]string{
		"/interfaces/interface[name=Ethernet1/1]/state": "/interfaces/interface[name=Ethernet1/1]/state",
		"openconfig:/interfaces":                        "openconfig:/interfaces",
		"interfaces/interface":                          "/interfaces/interface",
		"huawei-ifm:ifm/interfaces":                     "/huawei-ifm:ifm/interfaces",
		"eos_native:/Sysdb/ethGroup/01:00:5e:1e:1e:1e":  "eos_native:/Sysdb/ethGroup/01:00:5e:1e:1e:1e",
		`/a[k=x\]y][j=1]/b`:                             `/a[j=1][k=x\]y]/b`,
		"/a[k=v=w/x]":                                   "/a[k=v=w/x]",
		"/protocol[identifier=BGP][name=BGP]/bgp/":      "/protocol[identifier=BGP][name=BGP]/bgp",
		"/":                                 "/",
		"/interfaces/interface[name=*]/...": "/interfaces/interface[name=*]/...",
		"/network-instance[name=default]/ipv4-entry[prefix=192.168.170.170/32]": "/network-instance[name=default]/ipv4-entry[prefix=192.168.170.170/32]",
	} {
		p, err := ParsePath(in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", in, err)
			continue
		}
		if got := PathString(p); got != want {
			t.Errorf("ParsePath(%q) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"/a//b":        "character 4: empty element",
		"/a[k=v":       "character 3: key \"k\" is missing its closing ']'",
		"/a[kv]":       "character 3: key has no '='",
		"/a[=v]":       "character 4: empty key name",
		"/a[k=1]x":     "character 8: unexpected 'x' after ']'",
		"/[k=v]":       "character 2: a key needs an element name",
		"/a]":          "character 3: unexpected ']'",
		"/a[k=1][k=2]": "character 9: key \"k\" appears twice",
	} {
		_, err := ParsePath(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePath(%q) error %v, want %q", in, err, want)
		}
	}
}

func TestValidateSubscription(t *testing.T) {
	ok := Subscription{Name: "x", Paths: []string{"/a"}, Mode: "stream", StreamMode: "on-change", Encoding: "JSON_IETF"}
	if err := ValidateSubscription(ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s    Subscription
		want string
	}{
		{Subscription{Paths: []string{"/a[b"}}, "character 3"},
		{Subscription{Paths: []string{"/a"}, Mode: "push"}, `mode "push"`},
		{Subscription{Paths: []string{"/a"}, StreamMode: "often"}, `stream_mode "often"`},
		{Subscription{Paths: []string{"/a"}, Encoding: "xml"}, `encoding "xml"`},
		{Subscription{}, "paths is empty"},
		{Subscription{Paths: []string{"x:/a"}, Origin: "y"}, "keep one"},
		{Subscription{Paths: []string{"/a"}, PollInterval: time.Second}, "only applies to mode poll"},
	} {
		err := ValidateSubscription(tc.s)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.s, err, tc.want)
		}
	}
}

func TestJSONScalars(t *testing.T) {
	n := mustNormalizer(t)
	js := `{"u64":"18446744073709551615","i64":"-5","dec":"35.000000","lead":"007","n":12,"big":18446744073709551615,"f":-1.5,"e":[null],"nul":null,"ll":["a",1,true],"id":"openconfig-alarm-types:MINOR","mod:x":1}`
	pts, c := n.Normalize(nil, &gnmipb.Notification{Timestamp: testTS, Update: []*gnmipb.Update{{Path: mustPath("/sys/state"),
		Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(js)}}}}}, time.Time{})
	want := `gnmi,source=dev1 sys/state/big=18446744073709551615u,sys/state/dec=35,sys/state/e=true,sys/state/f=-1.5,sys/state/i64=-5i,sys/state/id="openconfig-alarm-types:MINOR",sys/state/lead="007",sys/state/ll="a,1,true",sys/state/n=12i,sys/state/u64=18446744073709551615u,sys/state/x=1i 1700000000000000000` + "\n"
	if got := describe(pts); got != want {
		t.Errorf("got  %swant %s", got, want)
	}
	if c.Skipped != 1 { // null
		t.Errorf("skipped %d, want 1", c.Skipped)
	}
}

// FuzzParsePath: no panics; whatever parses prints back to a path that parses to the same.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{leafPath, "openconfig:/a[k=v]/b", `/a[k=x\]y]`, "/", "a:b/c[d=e:f]", "/a[k=[]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePath(s)
		if err != nil {
			return
		}
		out := PathString(p)
		p2, err := ParsePath(out)
		if err != nil {
			t.Fatalf("PathString(ParsePath(%q)) = %q does not parse: %v", s, out, err)
		}
		if PathString(p2) != out {
			t.Fatalf("round trip %q → %q → %q", s, out, PathString(p2))
		}
	})
}

// FuzzFlattenJSON: any bytes as a JSON_IETF value never panic, and every name and string
// that comes out is valid UTF-8 with no empty field key.
func FuzzFlattenJSON(f *testing.F) {
	for _, s := range []string{`{"a":{"b":[{"name":"x","c":"1"}]}}`, `"down"`, `[null]`, `{"m:x":"35.0"}`, `[1,2]`, `{"a":[{"config":{"id":1},"id":1}]}`} {
		f.Add([]byte(s))
	}
	n := mustNormalizer(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		pts, _ := n.Normalize(nil, &gnmipb.Notification{Timestamp: testTS, Update: []*gnmipb.Update{{Path: mustPath("/x[k=v]"),
			Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: b}}}}}, time.Time{})
		for _, p := range pts {
			for _, tg := range p.Tags {
				if !utf8.ValidString(tg.Key) || !utf8.ValidString(tg.Value) {
					t.Fatalf("invalid UTF-8 tag %q=%q", tg.Key, tg.Value)
				}
			}
			for _, fl := range p.Fields {
				if fl.Key == "" || !utf8.ValidString(fl.Key) || (fl.Kind == collector.KindString && !utf8.ValidString(fl.StringValue())) {
					t.Fatalf("bad field %q=%q", fl.Key, fl.Format())
				}
			}
		}
	})
}

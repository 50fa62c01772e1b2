package gnmi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/gnmi/proto/gnmi_ext"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/gnmiserver"
	"github.com/netpulse/netpulse/internal/sim"
	"github.com/netpulse/netpulse/outputs"
)

// checkDecode decodes wire with d and with proto.Unmarshal. When the fast path accepts
// the message, the two must be proto.Equal; when proto.Unmarshal rejects it, the fast path
// must too (so the caller's fallback reports the error). It returns whether d accepted it.
func checkDecode(t testing.TB, d *fastDecoder, wire []byte) bool {
	t.Helper()
	var want gnmipb.SubscribeResponse
	werr := proto.Unmarshal(wire, &want)
	got, ok := d.decode(wire)
	switch {
	case !ok:
		return false
	case werr != nil:
		t.Fatalf("fast decode accepted what proto.Unmarshal rejects (%v): %x\ngot %v", werr, wire, got)
	case !proto.Equal(got, &want):
		t.Fatalf("fast decode differs from proto.Unmarshal for %x\n got %v\nwant %v", wire, got, &want)
	}
	return true
}

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// vendorWire is every recorded vendor response in testdata/*/responses.json (copied from
// /work/shared/testdata/gnmi-vendor, origin in testdata/README.md), in wire form.
func vendorWire(t testing.TB) map[string][][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/*/responses.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded responses: %v", err)
	}
	out := map[string][][]byte{}
	for _, f := range files {
		for _, r := range loadResponses(t, f) {
			out[filepath.Base(filepath.Dir(f))] = append(out[filepath.Base(filepath.Dir(f))], mustMarshal(t, r))
		}
	}
	return out
}

// TestFastDecodeVendorStreams: every recorded response decodes as proto.Unmarshal decodes
// it, first each stream with a fresh decoder, then all streams, forwards and backwards,
// through one reused decoder (what the previous message left must never show).
func TestFastDecodeVendorStreams(t *testing.T) {
	streams := vendorWire(t)
	var all [][]byte
	total, fast := 0, 0
	for name, msgs := range streams {
		d := &fastDecoder{strs: map[string]string{}}
		for i, w := range msgs {
			total++
			ok := checkDecode(t, d, w)
			if ok {
				fast++
			}
			// The fast path must take every response that uses only what it handles.
			var m gnmipb.SubscribeResponse
			if err := proto.Unmarshal(w, &m); err != nil {
				t.Fatal(err)
			}
			if why := unhandled(&m); ok == (why != "") {
				t.Errorf("%s response %d: fast path %v, unhandled content %q", name, i, ok, why)
			}
		}
		all = append(all, msgs...)
	}
	d := &fastDecoder{strs: map[string]string{}}
	for i := range all {
		checkDecode(t, d, all[i])
	}
	for i := len(all) - 1; i >= 0; i-- {
		checkDecode(t, d, all[i])
	}
	t.Logf("%d recorded responses, %d on the fast path", total, fast)
}

// unhandled names what in m the fast path leaves to protobuf-go (fastDecoder's doc), or "".
func unhandled(m *gnmipb.SubscribeResponse) string {
	if len(m.GetExtension()) > 0 {
		return "extension"
	}
	if m.GetError() != nil { //nolint:staticcheck // deprecated, still sent
		return "error"
	}
	path := func(p *gnmipb.Path) string {
		if len(p.GetElement()) > 0 { //nolint:staticcheck
			return "path element"
		}
		return ""
	}
	n := m.GetUpdate()
	if why := path(n.GetPrefix()); why != "" {
		return why
	}
	for _, d := range n.GetDelete() {
		if why := path(d); why != "" {
			return why
		}
	}
	for _, u := range n.GetUpdate() {
		if why := path(u.GetPath()); why != "" {
			return why
		}
		if u.GetValue() != nil { //nolint:staticcheck
			return "update value"
		}
		switch u.GetVal().GetValue().(type) {
		case *gnmipb.TypedValue_DecimalVal:
			return "decimal"
		case *gnmipb.TypedValue_LeaflistVal:
			return "leaf-list"
		case *gnmipb.TypedValue_AnyVal:
			return "any"
		case *gnmipb.TypedValue_ProtoBytes:
			return "proto_bytes"
		}
	}
	return ""
}

// TestFastDecodeReuse decodes messages chosen to leave stale state behind into one decoder,
// in every order of pairs: a shorter update list, fewer keys, a value changing type, origin,
// target, prefix and timestamps present then absent, bytes shrinking.
func TestFastDecodeReuse(t *testing.T) {
	p := func(origin, target string, elems ...*gnmipb.PathElem) *gnmipb.Path {
		return &gnmipb.Path{Origin: origin, Target: target, Elem: elems}
	}
	e := func(name string, kv ...string) *gnmipb.PathElem {
		pe := &gnmipb.PathElem{Name: name}
		for i := 0; i+1 < len(kv); i += 2 {
			if pe.Key == nil {
				pe.Key = map[string]string{}
			}
			pe.Key[kv[i]] = kv[i+1]
		}
		return pe
	}
	upd := func(n *gnmipb.Notification) *gnmipb.SubscribeResponse {
		return &gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: n}}
	}
	tv := func(v any) *gnmipb.TypedValue {
		switch x := v.(type) {
		case int64:
			return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_IntVal{IntVal: x}}
		case uint64:
			return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: x}}
		case string:
			return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: x}}
		case bool:
			return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BoolVal{BoolVal: x}}
		case float32:
			return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_FloatVal{FloatVal: x}}
		case float64:
			return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_DoubleVal{DoubleVal: x}}
		case []byte:
			return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BytesVal{BytesVal: x}}
		}
		panic(fmt.Sprintf("tv %T", v))
	}
	big := &gnmipb.Notification{
		Timestamp: 1700000000000000000, Atomic: true,
		Prefix: p("openconfig", "dev1", e("interfaces"), e("interface", "name", "Ethernet1", "unit", "0"), e("state")),
		Update: []*gnmipb.Update{
			{Path: p("", "", e("counters"), e("in-octets")), Val: tv(uint64(1)), Duplicates: 3},
			{Path: p("", "", e("oper-status")), Val: tv("UP")},
			{Path: p("", "", e("mtu")), Val: tv(int64(-1500))},
			{Path: p("", "", e("x")), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(`{"a":{"b":"long value here"}}`)}}},
			{Path: p("", "", e("y")), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonVal{JsonVal: []byte(`[1,2,3,4]`)}}},
			{Path: p("", "", e("z")), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_AsciiVal{AsciiVal: "ascii"}}},
		},
		Delete: []*gnmipb.Path{p("", "", e("a", "k", "v")), p("o", "", e("b"))},
	}
	small := &gnmipb.Notification{
		Prefix: p("", "", e("interfaces"), e("interface", "name", "Ethernet2")),
		Update: []*gnmipb.Update{
			{Path: p("", "", e("counters"), e("in-octets")), Val: tv("now a string")},
			{Path: p("", "", e("mtu")), Val: tv(float32(1.5))},
		},
	}
	noPrefix := &gnmipb.Notification{Update: []*gnmipb.Update{
		{Path: p("", "t", e("a", "k", "")), Val: tv(true)},
		{Path: p("", "", e("b")), Val: tv([]byte{1})},
		{Path: p("", "", e("c")), Val: tv(2.5)},
		{Path: p("", "", e("x")), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(`1`)}}},
		{Path: p("", "", e("noval"))},
		{Val: tv(uint64(7))},
		{},
	}}
	msgs := []*gnmipb.SubscribeResponse{
		upd(big), upd(small), upd(noPrefix),
		upd(&gnmipb.Notification{}),
		upd(&gnmipb.Notification{Prefix: &gnmipb.Path{}, Update: []*gnmipb.Update{{Path: &gnmipb.Path{}, Val: &gnmipb.TypedValue{}}}}),
		upd(&gnmipb.Notification{Delete: []*gnmipb.Path{{}}}),
		{Response: &gnmipb.SubscribeResponse_SyncResponse{SyncResponse: true}},
		{Response: &gnmipb.SubscribeResponse_SyncResponse{}},
		{},
	}
	wires := make([][]byte, len(msgs))
	for i, m := range msgs {
		wires[i] = mustMarshal(t, m)
	}
	for i := range wires {
		for j := range wires {
			d := &fastDecoder{strs: map[string]string{}}
			for _, w := range [][]byte{wires[i], wires[j], wires[i]} {
				if !checkDecode(t, d, w) {
					t.Fatalf("message fell back: %x", w)
				}
			}
		}
	}
	// The interned strings are shared, not tied to the tree: what a reader kept survives.
	d := &fastDecoder{strs: map[string]string{}}
	r, _ := d.decode(wires[0])
	kept := r.GetUpdate().GetPrefix().GetElem()[1].GetKey()["name"]
	d.decode(wires[1])
	if kept != "Ethernet1" {
		t.Fatalf("kept string changed to %q", kept)
	}
}

// TestFastDecodeFallsBack: what the fast path does not handle is left to protobuf-go
// (decode says false) rather than decoded wrongly, and Subscribe's handle still delivers
// protobuf-go's message for it.
func TestFastDecodeFallsBack(t *testing.T) {
	notif := func(u *gnmipb.Update) *gnmipb.SubscribeResponse {
		return &gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: &gnmipb.Notification{Update: []*gnmipb.Update{u}}}}
	}
	anyv, err := anypb.New(&gnmipb.Path{Target: "x"})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]*gnmipb.SubscribeResponse{
		"extension": {Response: &gnmipb.SubscribeResponse_SyncResponse{SyncResponse: true},
			Extension: []*gnmi_ext.Extension{{Ext: &gnmi_ext.Extension_History{History: &gnmi_ext.History{}}}}},
		"error":   {Response: &gnmipb.SubscribeResponse_Error{Error: &gnmipb.Error{Code: 3, Message: "bad"}}},                                                    //nolint:staticcheck // deprecated, still sent
		"decimal": notif(&gnmipb.Update{Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_DecimalVal{DecimalVal: &gnmipb.Decimal64{Digits: 15, Precision: 1}}}}), //nolint:staticcheck
		"leaflist": notif(&gnmipb.Update{Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_LeaflistVal{LeaflistVal: &gnmipb.ScalarArray{
			Element: []*gnmipb.TypedValue{{Value: &gnmipb.TypedValue_StringVal{StringVal: "a"}}}}}}}),
		"any":         notif(&gnmipb.Update{Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_AnyVal{AnyVal: anyv}}}),
		"proto_bytes": notif(&gnmipb.Update{Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_ProtoBytes{ProtoBytes: []byte{1}}}}),
		"element":     notif(&gnmipb.Update{Path: &gnmipb.Path{Element: []string{"a", "b"}}}),                      //nolint:staticcheck
		"value":       notif(&gnmipb.Update{Value: &gnmipb.Value{Value: []byte("1"), Type: gnmipb.Encoding_JSON}}), //nolint:staticcheck
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			w := mustMarshal(t, m)
			if checkDecode(t, &fastDecoder{strs: map[string]string{}}, w) {
				t.Fatalf("fast path accepted %v", m)
			}
		})
	}
	// Wire-level oddities protobuf-go accepts or merges.
	base := mustMarshal(t, notif(&gnmipb.Update{Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "a"}}}}))
	invalid := mustMarshal(t, notif(&gnmipb.Update{Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: "ok"}}}))
	invalid = bytes.Replace(invalid, []byte("ok"), []byte{0xe9, 'k'}, 1) // Latin-1 é: the lenient repair's case
	for name, w := range map[string][]byte{
		"twice":     append(slicesClone(base), base...),    // two update fields: protobuf merges them
		"unknown":   append(slicesClone(base), 0x38, 0x01), // field 7 varint
		"truncated": base[:len(base)-1],
		"utf8":      invalid,
	} {
		t.Run(name, func(t *testing.T) {
			if checkDecode(t, &fastDecoder{strs: map[string]string{}}, w) {
				t.Fatalf("fast path accepted %x", w)
			}
		})
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

// TestGoldenThroughFastDecoder runs every golden case as the session does: wire bytes
// decoded by one reused decoder, each response normalized, and the points encoded only at
// the end, after the tree they came from was overwritten by the later responses. Equal output
// shows the normalizer keeps nothing that points into the tree.
func TestGoldenThroughFastDecoder(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/*/responses.json")
	d := &fastDecoder{strs: map[string]string{}}
	for _, rp := range dirs {
		dir := filepath.Dir(rp)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			n, err := NewNormalizer(loadRequest(t, filepath.Join(dir, "request")))
			if err != nil {
				t.Fatal(err)
			}
			var pts []collector.Point
			for _, r := range loadResponses(t, rp) {
				got, ok := d.decode(mustMarshal(t, r))
				if !ok { // as handle does: protobuf-go decodes what the fast path leaves
					got = r
				}
				if got.GetUpdate() != nil {
					pts, _ = n.Normalize(pts, got.GetUpdate(), goldenRecv)
				}
			}
			// Overwrite the tree once more with something else entirely.
			d.decode(mustMarshal(t, &gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: benchNotification(10)}}))
			lp, err := outputs.AppendLineProtocol(nil, pts, outputs.EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			exp, err := os.ReadFile(filepath.Join(dir, "expected.lp"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(lp, exp) {
				t.Errorf("output differs from %s/expected.lp\n--- got\n%s--- want\n%s", dir, lp, exp)
			}
		})
	}
}

// recordWire subscribes to addr with req and returns the first max responses in wire form
// (or fewer when the stream ends or wait passes).
func recordWire(t *testing.T, addr string, req *gnmipb.SubscribeRequest, max int, wait time.Duration) [][]byte {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	stream, err := conn.NewStream(ctx, &gnmipb.GNMI_ServiceDesc.Streams[0], gnmipb.GNMI_Subscribe_FullMethodName, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.SendMsg(req); err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for len(out) < max {
		var raw rawMessage
		if err := stream.RecvMsg(&raw); err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				t.Fatal(err)
			}
			break
		}
		out = append(out, raw.data.Materialize())
		raw.free()
	}
	return out
}

// TestFastDecodeRealPeers: what the reference gNMI server (gnmi's subscribe + cache) and the
// simulator send decodes on the fast path exactly as proto.Unmarshal decodes it, one
// decoder reused over the whole stream.
func TestFastDecodeRealPeers(t *testing.T) {
	srv := startRef(t, gnmiserver.Config{})
	for i := range 6 {
		if err := srv.Update("dev1", ifCounters(fmt.Sprintf("eth%d", i), uint64(1000+i), i%2 == 0)); err != nil {
			t.Fatal(err)
		}
	}
	srv.Sync("dev1")
	req, err := NewSubscribeRequest("once", ifSub("once", ""))
	if err != nil {
		t.Fatal(err)
	}
	ref := recordWire(t, srv.Addr(), req, 1000, 10*time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, shape := range []sim.Shape{sim.ShapePerInterface, sim.ShapePerLeaf} {
		f, err := sim.Start(ctx, sim.Config{GNMIDevices: 1, Interfaces: 4, UpdateInterval: 50 * time.Millisecond, NotificationShape: shape}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sreq, err := NewSubscribeRequest("", Subscription{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"},
			Mode: "stream", StreamMode: "sample", SampleInterval: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		simWire := recordWire(t, f.Devices()[0].Address, sreq, 200, 5*time.Second)
		if len(simWire) < 20 {
			t.Fatalf("simulator (%v) sent only %d responses", shape, len(simWire))
		}
		ref = append(ref, simWire...)
	}
	if len(ref) < 30 {
		t.Fatalf("only %d responses recorded", len(ref))
	}
	d := &fastDecoder{strs: map[string]string{}}
	for _, w := range ref {
		if !checkDecode(t, d, w) {
			t.Fatalf("fell back for a real peer's response %x", w)
		}
	}
}

// FuzzDecodeSubscribeResponse: any bytes either decode exactly as proto.Unmarshal decodes
// them or are left to protobuf-go; decoding never panics, also into a tree that held an
// earlier message.
func FuzzDecodeSubscribeResponse(f *testing.F) {
	for _, msgs := range vendorWire(f) {
		for _, w := range msgs {
			f.Add(w)
		}
	}
	f.Add(mustMarshal(f, &gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: benchNotification(10)}}))
	f.Add([]byte{0x18, 0x01})
	d := &fastDecoder{strs: map[string]string{}}
	prev := mustMarshal(f, &gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: benchNotification(3)}})
	f.Fuzz(func(t *testing.T, b []byte) {
		d.decode(prev)
		checkDecode(t, d, b)
		fresh := &fastDecoder{strs: map[string]string{}}
		checkDecode(t, fresh, b)
	})
}

package gnmi

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/netpulse/netpulse/collector"
)

// scriptedServer is a gNMI server whose Subscribe does what the test says: the error paths
// the reference server cannot produce.
type scriptedServer struct {
	gnmipb.UnimplementedGNMIServer
	handler func(call int, s gnmipb.GNMI_SubscribeServer) error
	calls   atomic.Int32
}

func (s *scriptedServer) Subscribe(stream gnmipb.GNMI_SubscribeServer) error {
	if _, err := stream.Recv(); err != nil { // the SubscriptionList
		return err
	}
	return s.handler(int(s.calls.Add(1)), stream)
}

// badUTF8Marker in a string value is turned into invalid UTF-8 on the wire (same length, so
// the protobuf length prefixes stay right): protobuf-go refuses to marshal invalid UTF-8.
const badUTF8Marker = "INVALID-UTF8"

type markerCodec struct{}

func (markerCodec) Marshal(v any) (mem.BufferSlice, error) {
	b, err := proto.Marshal(v.(proto.Message))
	if err != nil {
		return nil, err
	}
	b = bytes.ReplaceAll(b, []byte(badUTF8Marker), []byte("\xff\xfeVALID-UTF8"))
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (markerCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return proto.Unmarshal(data.Materialize(), v.(proto.Message))
}

func (markerCodec) Name() string { return "proto" }

func startScripted(t *testing.T, handler func(call int, s gnmipb.GNMI_SubscribeServer) error) (string, *scriptedServer) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ss := &scriptedServer{handler: handler}
	gs := grpc.NewServer(grpc.ForceServerCodecV2(markerCodec{}))
	gnmipb.RegisterGNMIServer(gs, ss)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	return lis.Addr().String(), ss
}

// syncBuffer is a goroutine-safe log destination.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

func runSessionLog(t *testing.T, ctx context.Context, cfg Config, rt collector.Runtime, sink collector.Sink, w io.Writer) <-chan error {
	t.Helper()
	s, err := New(cfg, rt, slog.New(slog.NewTextHandler(w, nil)))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, sink) }()
	return done
}

func upd(ts int64, ifname, leaf string, v *gnmipb.TypedValue) *gnmipb.SubscribeResponse {
	return &gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: &gnmipb.Notification{
		Timestamp: ts,
		Prefix: &gnmipb.Path{Elem: []*gnmipb.PathElem{
			{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": ifname}}}},
		Update: []*gnmipb.Update{{Path: mustPath(leaf), Val: v}},
	}}}
}

func mustPath(s string) *gnmipb.Path {
	p, err := ParsePath(s)
	if err != nil {
		panic(err)
	}
	return p
}

var syncResp = &gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_SyncResponse{SyncResponse: true}}

func uintVal(v uint64) *gnmipb.TypedValue {
	return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: v}}
}

// TestStreamEOFEndsSession: a stream the server closes after one update ends the session
// with an error that says so, after the update was written; the session does not redial by
// itself (targets.Manager does, with one backoff rule: see its redial tests).
func TestStreamEOFEndsSession(t *testing.T) {
	addr, ss := startScripted(t, func(call int, s gnmipb.GNMI_SubscribeServer) error {
		if err := s.Send(upd(int64(call), "eth0", "state/counters/in-octets", uintVal(uint64(call)))); err != nil {
			return err
		}
		return nil // EOF right after one update
	})
	cfg := baseConfig(addr, ifSub("stream", "on_change"))
	rt, st := counted()
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := <-runSessionLog(t, ctx, cfg, rt, rec, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "the server ended the stream") {
		t.Fatalf("error %v, want it to say the server ended the stream", err)
	}
	if f, ok := fieldValue(rec.snapshot(), "eth0", "state/counters/in-octets"); !ok || f.UintValue() != 1 {
		t.Errorf("the update before the EOF was not written: %v %v", f.Format(), ok)
	}
	if ss.calls.Load() != 1 || st.Reconnects.Load() != 0 {
		t.Errorf("calls=%d reconnects=%d: the session redialled by itself", ss.calls.Load(), st.Reconnects.Load())
	}
}

func TestAuthFailureIsClear(t *testing.T) {
	addr, _ := startScripted(t, func(int, gnmipb.GNMI_SubscribeServer) error {
		return status.Error(codes.Unauthenticated, "bad credentials")
	})
	cfg := baseConfig(addr, ifSub("stream", "sample"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := <-runSession(t, ctx, cfg, once, newRecorder())
	if err == nil || !strings.Contains(err.Error(), "authentication failed: check username and password") {
		t.Fatalf("got %v", err)
	}
}

// TestSilentStreamWatchdog: a stream that is connected but silent past its promise (3 ×
// the sample interval + slack) ends the session with an error naming the watchdog.
func TestSilentStreamWatchdog(t *testing.T) {
	addr, _ := startScripted(t, func(call int, s gnmipb.GNMI_SubscribeServer) error {
		if err := s.Send(upd(0, "eth0", "state/counters/in-octets", uintVal(uint64(call)))); err != nil {
			return err
		}
		if err := s.Send(syncResp); err != nil {
			return err
		}
		<-s.Context().Done() // connected, then silent forever
		return nil
	})
	sub := ifSub("stream", "sample")
	sub.SampleInterval = 50 * time.Millisecond // watchdog: 3×50ms + 1s slack
	cfg := baseConfig(addr, sub)
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := <-runSessionLog(t, ctx, cfg, collector.Runtime{}, rec, io.Discard)
	if took := time.Since(start); took < time.Second || ctx.Err() != nil {
		t.Errorf("session ended after %s: want after the silence limit (1.15s), before the test's deadline", took)
	}
	if err == nil || !strings.Contains(err.Error(), "stream silent") {
		t.Errorf("error %v does not name the watchdog", err)
	}
	if _, ok := fieldValue(rec.snapshot(), "eth0", "state/counters/in-octets"); !ok {
		t.Error("no data before the silence")
	}
}

func TestBadInputFromDevice(t *testing.T) {
	const leaf = "state/mtu"
	addr, _ := startScripted(t, func(call int, s gnmipb.GNMI_SubscribeServer) error {
		msgs := []*gnmipb.SubscribeResponse{
			// changing value types for one leaf
			upd(10, "eth0", leaf, &gnmipb.TypedValue{Value: &gnmipb.TypedValue_IntVal{IntVal: 1500}}),
			upd(11, "eth0", leaf, &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: "jumbo"}}),
			upd(12, "eth0", leaf, &gnmipb.TypedValue{Value: &gnmipb.TypedValue_DoubleVal{DoubleVal: 9.5}}),
			// invalid UTF-8 on the wire
			upd(13, "eth1", "state/description", &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: badUTF8Marker}}),
			// no timestamp
			upd(0, "eth2", "state/counters/in-octets", uintVal(5)),
			// bytes: counted, skipped
			upd(14, "eth3", "state/raw", &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BytesVal{BytesVal: []byte{1, 2}}}),
			// delete only
			{Response: &gnmipb.SubscribeResponse_Update{Update: &gnmipb.Notification{Timestamp: 15,
				Delete: []*gnmipb.Path{mustPath("/interfaces/interface[name=eth4]")}}}},
			// empty notification
			{Response: &gnmipb.SubscribeResponse_Update{Update: &gnmipb.Notification{}}},
			syncResp,
		}
		for _, m := range msgs {
			if err := s.Send(m); err != nil {
				return err
			}
		}
		return nil
	})
	cfg := baseConfig(addr, ifSub("stream", "sample"))
	cfg.EmitDeletes = true
	st := &collector.Stats{}
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := time.Now()
	if err := <-runSession(t, ctx, cfg, collector.Runtime{Once: true, Stats: st}, rec); err != nil {
		t.Fatal(err)
	}
	pts := rec.snapshot()
	kinds := []collector.Kind{}
	for _, p := range pts {
		if f, ok := p.Field(leaf); ok {
			kinds = append(kinds, f.Kind)
		}
	}
	// mtu is a uint16 in openconfig-interfaces: 1500 is converted, "jumbo" and 9.5 cannot be
	// and are dropped as type conflicts (README "Field types").
	if fmt.Sprint(kinds) != "[uint]" {
		t.Errorf("changing types: %v", kinds)
	}
	if n := st.TypeConflicts.Load(); n != 2 {
		t.Errorf("TypeConflicts %d, want 2", n)
	}
	if f, ok := fieldValue(pts, "eth1", "state/description"); !ok || f.StringValue() != "\uFFFDVALID-UTF8" {
		t.Errorf("invalid UTF-8: got %q %v", f.StringValue(), ok)
	}
	for _, p := range pts {
		if v, _ := p.Tag("interface_name"); v == "eth2" && p.Time.Before(before) {
			t.Errorf("no-timestamp point has time %v, want receive time", p.Time)
		}
		if v, _ := p.Tag("interface_name"); v == "eth3" {
			t.Errorf("bytes value written: %v", p)
		}
	}
	if f, ok := fieldValue(pts, "eth4", "deleted"); !ok || !f.BoolValue() {
		t.Error("delete-only notification: no deleted=true point")
	}
	if st.Dropped.Load() != 3 {
		t.Errorf("dropped %d, want 3 (the bytes value and two type conflicts)", st.Dropped.Load())
	}
}

func TestHugeMessages(t *testing.T) {
	const n = 30000
	big := &gnmipb.Notification{Timestamp: 1, Prefix: mustPath("/interfaces/interface[name=eth0]/state")}
	long := strings.Repeat("x", 150)
	for i := range n {
		big.Update = append(big.Update, &gnmipb.Update{Path: mustPath(fmt.Sprintf("%s%d", long, i)), Val: uintVal(uint64(i))})
	}
	if size := proto.Size(big); size < 4<<20 {
		t.Fatalf("test message is %d bytes: not above grpc's 4 MiB default", size)
	}
	addr, _ := startScripted(t, func(call int, s gnmipb.GNMI_SubscribeServer) error {
		if err := s.Send(&gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: big}}); err != nil {
			return err
		}
		return s.Send(syncResp)
	})
	cfg := baseConfig(addr, ifSub("stream", "sample"))
	var fields atomic.Int64 // the stream and the grouping flusher both emit
	sink := collector.SinkFunc(func(_ context.Context, pts []collector.Point) error {
		for _, p := range pts {
			fields.Add(int64(len(p.Fields)))
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := <-runSession(t, ctx, cfg, once, sink); err != nil {
		t.Fatal(err)
	}
	if fields.Load() != int64(n) {
		t.Fatalf("got %d fields, want %d", fields.Load(), n)
	}
	// Above max_msg_size: a clear error, not a hang.
	cfg.MaxMsgSize = 1 << 20
	err := <-runSession(t, ctx, cfg, once, sink)
	if err == nil || !strings.Contains(err.Error(), "max_msg_size") {
		t.Fatalf("got %v, want a max_msg_size error", err)
	}
}

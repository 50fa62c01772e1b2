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
	"github.com/netpulse/netpulse/internal/gnmiserver"
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

func runSessionLog(t *testing.T, ctx context.Context, cfg Config, sink collector.Sink, w io.Writer) <-chan error {
	t.Helper()
	s, err := New(cfg, slog.New(slog.NewTextHandler(w, nil)))
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

func TestStreamEOFRedials(t *testing.T) {
	addr, ss := startScripted(t, func(call int, s gnmipb.GNMI_SubscribeServer) error {
		if err := s.Send(upd(int64(call), "eth0", "state/counters/in-octets", uintVal(uint64(call)))); err != nil {
			return err
		}
		return nil // EOF right after one update
	})
	cfg := baseConfig(addr, ifSub("stream", "on_change"))
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	logs := &syncBuffer{}
	done := runSessionLog(t, ctx, cfg, rec, logs)
	rec.waitFor(t, 5*time.Second, "data from a third session", func(p []collector.Point) bool {
		f, _ := fieldValue(p, "eth0", "state/counters/in-octets")
		return f.UintValue() >= 3
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ss.calls.Load() < 3 || cfg.Stats.Reconnects.Load() < 2 {
		t.Fatalf("calls=%d reconnects=%d", ss.calls.Load(), cfg.Stats.Reconnects.Load())
	}
	if !strings.Contains(logs.String(), "the server ended the stream") {
		t.Errorf("log does not say why the session ended:\n%s", logs.String())
	}
}

func TestServerRestartRecovers(t *testing.T) {
	srv := startRef(t, gnmiserver.Config{})
	if err := srv.Update("dev1", ifCounters("eth0", 1, false)); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(srv.Addr(), ifSub("stream", "on_change"))
	cfg.Redial = Redial{Min: 100 * time.Millisecond, Max: 500 * time.Millisecond}
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := runSession(t, ctx, cfg, rec)
	rec.waitFor(t, 5*time.Second, "first data", func(p []collector.Point) bool {
		_, ok := fieldValue(p, "eth0", "state/counters/in-octets")
		return ok
	})
	srv.Stop()
	// Down for longer than a few backoff steps, like a rebooting device.
	time.Sleep(700 * time.Millisecond)
	if err := srv.Update("dev1", ifCounters("eth0", 2, false)); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, 5*time.Second, "data after restart", func(p []collector.Point) bool {
		f, _ := fieldValue(p, "eth0", "state/counters/in-octets")
		return f.UintValue() == 2
	})
	// Back within the backoff bound (max 500ms) plus connection setup, with room for a
	// loaded CI machine (race detector, packages in parallel); a broken backoff (the 1s
	// default max or no redial at all) would take far longer or time out above.
	if took := time.Since(restarted); took > 500*time.Millisecond+3*time.Second {
		t.Errorf("recovery took %s, above the backoff bound", took)
	}
	if cfg.Stats.Reconnects.Load() < 1 {
		t.Error("no reconnect counted")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestAuthFailureIsClear(t *testing.T) {
	addr, _ := startScripted(t, func(int, gnmipb.GNMI_SubscribeServer) error {
		return status.Error(codes.Unauthenticated, "bad credentials")
	})
	cfg := baseConfig(addr, ifSub("stream", "sample"))
	cfg.Once = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := <-runSession(t, ctx, cfg, newRecorder())
	if err == nil || !strings.Contains(err.Error(), "authentication failed: check username and password") {
		t.Fatalf("got %v", err)
	}
}

func TestSilentStreamWatchdog(t *testing.T) {
	addr, ss := startScripted(t, func(call int, s gnmipb.GNMI_SubscribeServer) error {
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
	logs := &syncBuffer{}
	done := runSessionLog(t, ctx, cfg, rec, logs)
	rec.waitFor(t, 5*time.Second, "data from the second session", func(p []collector.Point) bool {
		f, _ := fieldValue(p, "eth0", "state/counters/in-octets")
		return f.UintValue() >= 2
	})
	if took := time.Since(start); took < time.Second {
		t.Errorf("redialled after %s: before the silence limit", took)
	}
	if !strings.Contains(logs.String(), "stream silent") {
		t.Errorf("log does not name the watchdog:\n%s", logs.String())
	}
	cancel()
	<-done
	if ss.calls.Load() < 2 {
		t.Fatal("no redial")
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
	cfg.Once = true
	cfg.EmitDeletes = true
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	before := time.Now()
	if err := <-runSession(t, ctx, cfg, rec); err != nil {
		t.Fatal(err)
	}
	pts := rec.snapshot()
	kinds := []collector.Kind{}
	for _, p := range pts {
		if f, ok := p.Field(leaf); ok {
			kinds = append(kinds, f.Kind)
		}
	}
	if fmt.Sprint(kinds) != "[int string float]" {
		t.Errorf("changing types: %v", kinds)
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
	if cfg.Stats.Dropped.Load() != 1 {
		t.Errorf("dropped %d, want 1 (the bytes value)", cfg.Stats.Dropped.Load())
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
	cfg.Once = true
	var fields atomic.Int64 // the stream and the grouping flusher both emit
	sink := collector.SinkFunc(func(_ context.Context, pts []collector.Point) error {
		for _, p := range pts {
			fields.Add(int64(len(p.Fields)))
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := <-runSession(t, ctx, cfg, sink); err != nil {
		t.Fatal(err)
	}
	if fields.Load() != int64(n) {
		t.Fatalf("got %d fields, want %d", fields.Load(), n)
	}
	// Above max_msg_size: a clear error, not a hang.
	cfg.MaxMsgSize = 1 << 20
	err := <-runSession(t, ctx, cfg, sink)
	if err == nil || !strings.Contains(err.Error(), "max_msg_size") {
		t.Fatalf("got %v, want a max_msg_size error", err)
	}
}

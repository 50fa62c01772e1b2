package gnmi

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
)

// A session's goroutine parks in grpc's receive for the stream's life, about 5.5 KiB deep,
// so its stack never shrinks below the next size up from the deepest call it made: opening
// the stream on it (grpc's NewStream goes past 8 KiB) left every session a 16 KiB stack.
// openStream opens it on a goroutine of its own. 100 sessions' streams to a simulated
// device, each on its own connection, opened under a KiB of frames (the supervisor's) and
// then parked in RecvMsg after the sync; stack per session, both ways.
func TestOpenStreamKeepsSessionStackSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process with a simulated device")
	}
	if raceEnabled {
		t.Skip("the race detector's instrumentation changes the frame sizes measured here; scripts/test.sh runs this test without it")
	}
	// The device runs in a child process (TestIdleSimProcess), so that its goroutines are
	// not counted.
	addrs, _ := startSimProcess(t, 1, false, "")
	req, err := NewSubscribeRequest("stream", ifSub("stream", "on_change"))
	if err != nil {
		t.Fatal(err)
	}
	inline := func(ctx context.Context, conn *grpc.ClientConn) (grpc.ClientStream, error) {
		s, err := conn.NewStream(ctx, &gnmipb.GNMI_ServiceDesc.Streams[0], gnmipb.GNMI_Subscribe_FullMethodName, grpc.ForceCodecV2(rawCodec{}))
		if err != nil {
			return nil, err
		}
		return s, s.SendMsg(req)
	}
	own := func(ctx context.Context, conn *grpc.ClientConn) (grpc.ClientStream, error) {
		return openStream(ctx, conn, req)
	}
	perStream := func(open func(context.Context, *grpc.ClientConn) (grpc.ClientStream, error)) int64 {
		const n = 100
		ctx, cancel := context.WithCancel(context.Background())
		var synced, done sync.WaitGroup
		synced.Add(n)
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			done.Add(1)
			go func() {
				defer done.Done()
				conn, err := dial(baseConfig(addrs[0]), nil, false) // a connection per device
				if err != nil {
					t.Error(err)
					synced.Done()
					return
				}
				defer conn.Close()
				underFrames(1<<10, func() {
					s, err := open(ctx, conn)
					if err != nil {
						t.Error(err)
						synced.Done()
						return
					}
					for {
						var raw rawMessage
						if err := s.RecvMsg(&raw); err != nil {
							return // the test's cancel
						}
						// Decoded elsewhere in a session (Gate.Do); here only the sync_response
						// is looked for: SubscribeResponse field 3, true.
						sync := bytes.Equal(raw.data.Materialize(), []byte{3<<3 | 0, 1})
						raw.free()
						if sync {
							synced.Done() // and park in RecvMsg, as a session does
						}
					}
				})
			}()
		}
		synced.Wait()
		runtime.GC()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		cancel()
		done.Wait()
		return (int64(after.StackInuse) - int64(before.StackInuse)) / n
	}
	perStream(own) // grpc's one-time set-up
	// The least of three rounds each, alternating: the stack figures move with what the
	// runtime keeps of freed stacks between rounds.
	a, b := int64(1<<62), int64(1<<62)
	for range 3 {
		a, b = min(a, perStream(inline)), min(b, perStream(own))
	}
	t.Logf("stack per device (its connection's goroutines and the parked session): %d bytes opening the stream on the session's goroutine, %d through openStream", a, b)
	if a-b < 5<<10 {
		t.Errorf("openStream saves %d bytes of stack per session, want at least 5 KiB (a 16 KiB stack becomes 8 KiB)", a-b)
	}
}

// underFrames runs f below about n bytes of stack frames.
//
//go:noinline
func underFrames(n int, f func()) {
	var pad [128]byte
	if n <= len(pad) {
		f()
		return
	}
	underFrames(n-len(pad), f)
	runtime.KeepAlive(pad)
}

//go:build stackprobe && !race

// Run by scripts/test.sh as
//
//	go test -tags stackprobe -ldflags=-checklinkname=0 -run Stack ./collector/gnmi/
//
// It reads each goroutine's stack bounds from the runtime (runtime.allgs, the layout of
// Go 1.26's runtime.g), since no API reports a goroutine's stack size and the process-wide
// StackInuse moved by ±8 KiB per session with the stacks the runtime caches. The race
// detector's instrumentation changes every frame's size: not under it.

package gnmi

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
	"unsafe"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"

	"github.com/netpulse/netpulse/internal/gnmiserver"
)

//go:linkname probeAllgs runtime.allgs
var probeAllgs []unsafe.Pointer

// Offsets in Go 1.26's runtime.g: stack.lo, stack.hi, goid.
const (
	gStackLo = 0
	gStackHi = 8
	gGoid    = 152
)

func currentGoid() uint64 {
	var b [64]byte
	var id uint64
	_, _ = fmt.Sscanf(string(b[:runtime.Stack(b[:], false)]), "goroutine %d ", &id)
	return id
}

// stackSizes returns the stack size of each goroutine in ids that is alive.
func stackSizes(ids map[uint64]bool) map[uint64]uintptr {
	out := map[uint64]uintptr{}
	for _, g := range probeAllgs {
		if id := *(*uint64)(unsafe.Add(g, gGoid)); ids[id] {
			out[id] = *(*uintptr)(unsafe.Add(g, gStackHi)) - *(*uintptr)(unsafe.Add(g, gStackLo))
		}
	}
	return out
}

// A session's goroutine parks in grpc's receive for the stream's life, about 5.5 KiB deep,
// so its stack never shrinks below the next size up from the deepest call it made (a stack
// shrinks only while less than a quarter of it is in use): opening the stream on it (grpc's
// first NewStream on a connection goes past 8 KiB) left every session a 16 KiB stack.
// openStream opens it on a goroutine of its own. 20 sessions each way, each on its own
// connection to the reference server, opened under a KiB of frames like the supervisor's,
// then parked in RecvMsg after the sync: their stacks.
func TestOpenStreamKeepsSessionStackSmall(t *testing.T) {
	if s := stackSizes(map[uint64]bool{currentGoid(): true}); len(s) != 1 || s[currentGoid()] < 2048 || s[currentGoid()]&(s[currentGoid()]-1) != 0 {
		t.Fatalf("cannot read this goroutine's stack (%v): runtime.g's layout differs from Go 1.26's, update the offsets", s)
	}
	srv := startRef(t, gnmiserver.Config{})
	if err := srv.Update("dev1", ifCounters("eth0", 1, true)); err != nil {
		t.Fatal(err)
	}
	srv.Sync("dev1")
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
	sessions := func(open func(context.Context, *grpc.ClientConn) (grpc.ClientStream, error)) []uintptr {
		const n = 20
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var mu sync.Mutex
		ids := map[uint64]bool{}
		var synced, done sync.WaitGroup
		synced.Add(n)
		for range n {
			done.Add(1)
			go func() {
				defer done.Done()
				mu.Lock()
				ids[currentGoid()] = true
				mu.Unlock()
				conn, err := dial(baseConfig(srv.Addr()), nil, false) // a connection per device
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
							return // the end of the measurement
						}
						// Decoded elsewhere in a session; here only the sync_response is looked
						// for: SubscribeResponse field 3, true.
						sync := string(raw.data.Materialize()) == string([]byte{3<<3 | 0, 1})
						raw.free()
						if sync {
							synced.Done() // and park in RecvMsg, as a session does
						}
					}
				})
			}()
		}
		all := make(chan struct{})
		go func() { synced.Wait(); close(all) }()
		select {
		case <-all:
		case <-time.After(30 * time.Second):
			t.Fatal("the streams did not sync within 30 s")
		}
		runtime.GC() // a stack that can shrink does
		runtime.GC()
		mu.Lock()
		sizes := stackSizes(ids)
		mu.Unlock()
		cancel()
		done.Wait()
		out := make([]uintptr, 0, len(sizes))
		for _, s := range sizes {
			out = append(out, s)
		}
		return out
	}
	a, b := sessions(inline), sessions(own)
	t.Logf("session stacks: %v opening the stream on the session's goroutine, %v through openStream", a, b)
	for _, s := range a {
		if s < 16<<10 {
			t.Fatalf("a session that opened its stream itself has a %d-byte stack: the test no longer shows what openStream avoids", s)
		}
	}
	for _, s := range b {
		if s > 8<<10 {
			t.Errorf("a session that opened its stream through openStream has a %d-byte stack, want at most 8 KiB", s)
		}
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

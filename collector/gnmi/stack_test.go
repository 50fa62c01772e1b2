package gnmi

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
)

// stackProbeEnv makes the test binary measure stacks for TestOpenStreamKeepsSessionStackSmall:
// "inline" or "own", with the device's address in stackProbeAddrEnv.
const (
	stackProbeEnv     = "NETPULSE_TEST_STACK_PROBE"
	stackProbeAddrEnv = "NETPULSE_TEST_STACK_PROBE_ADDR"
)

// A session's goroutine parks in grpc's receive for the stream's life, about 5.5 KiB deep,
// so its stack never shrinks below the next size up from the deepest call it made: opening
// the stream on it (grpc's NewStream goes past 8 KiB while it waits for the new connection)
// left every session a 16 KiB stack. openStream opens it on a goroutine of its own. Each
// way is measured in a fresh process (TestStackProbeProcess: 100 sessions' streams to a
// simulated device, each on its own connection, opened under a KiB of frames like the
// supervisor's, then parked in RecvMsg after the sync), twice, alternating: stack per session.
func TestOpenStreamKeepsSessionStackSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	if raceEnabled {
		t.Skip("the race detector's instrumentation changes the frame sizes measured here; scripts/test.sh runs this test without it")
	}
	addrs, _ := startSimProcess(t, 1, false, "") // its goroutines are not counted
	probe := func(way string) int64 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStackProbeProcess$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), stackProbeEnv+"="+way, stackProbeAddrEnv+"="+addrs[0])
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("stack probe (%s): %v\n%s", way, err, out)
		}
		var n int64
		for _, l := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "stack per session "); ok {
				if _, err := fmt.Sscan(v, &n); err == nil {
					return n
				}
			}
		}
		t.Fatalf("stack probe (%s) printed no figure:\n%s", way, out)
		return 0
	}
	a, b := int64(1<<62), int64(1<<62)
	for range 2 {
		a, b = min(a, probe("inline")), min(b, probe("own"))
	}
	t.Logf("stack per session (its connection's goroutines and the parked session): %d bytes opening the stream on the session's goroutine, %d through openStream", a, b)
	if a-b < 5<<10 {
		t.Errorf("openStream saves %d bytes of stack per session, want at least 5 KiB (a 16 KiB stack becomes 8 KiB)", a-b)
	}
}

// TestStackProbeProcess is not a test: run by TestOpenStreamKeepsSessionStackSmall with
// stackProbeEnv set, it prints the stack per session one way of opening streams leaves.
func TestStackProbeProcess(t *testing.T) {
	way, addr := os.Getenv(stackProbeEnv), os.Getenv(stackProbeAddrEnv)
	if way == "" {
		t.Skip("helper process of TestOpenStreamKeepsSessionStackSmall")
	}
	req, err := NewSubscribeRequest("stream", ifSub("stream", "on_change"))
	if err != nil {
		t.Fatal(err)
	}
	open := func(ctx context.Context, conn *grpc.ClientConn) (grpc.ClientStream, error) {
		return openStream(ctx, conn, req)
	}
	if way == "inline" {
		open = func(ctx context.Context, conn *grpc.ClientConn) (grpc.ClientStream, error) {
			s, err := conn.NewStream(ctx, &gnmipb.GNMI_ServiceDesc.Streams[0], gnmipb.GNMI_Subscribe_FullMethodName, grpc.ForceCodecV2(rawCodec{}))
			if err != nil {
				return nil, err
			}
			return s, s.SendMsg(req)
		}
	}
	sessions := func(n int) int64 {
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
				conn, err := dial(baseConfig(addr), nil, false) // a connection per device
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
		return (int64(after.StackInuse) - int64(before.StackInuse)) / int64(n)
	}
	sessions(1) // grpc's one-time set-up
	fmt.Printf("stack per session %d\n", sessions(100))
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

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"

	"github.com/netpulse/netpulse/internal/peers"
)

// flappingDevice is a scripted gNMI device: until settleAt, every Subscribe gets one update
// and then EOF (issue 9); from then on the stream stays open, so the daemon stops
// redialling and its counters can be compared with what the device saw.
type flappingDevice struct {
	gnmipb.UnimplementedGNMIServer
	start    time.Time
	settleAt time.Duration
	settled  chan struct{}
	once     sync.Once

	mu    sync.Mutex
	calls []time.Duration
}

func (d *flappingDevice) Subscribe(stream gnmipb.GNMI_SubscribeServer) error {
	if _, err := stream.Recv(); err != nil {
		return err
	}
	at := time.Since(d.start)
	d.mu.Lock()
	d.calls = append(d.calls, at)
	n := len(d.calls)
	d.mu.Unlock()
	err := stream.Send(&gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: &gnmipb.Notification{
		Timestamp: time.Now().UnixNano(),
		Prefix: &gnmipb.Path{Elem: []*gnmipb.PathElem{
			{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": "eth0"}}}},
		Update: []*gnmipb.Update{{
			Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "state"}, {Name: "counters"}, {Name: "in-octets"}}},
			Val:  &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: uint64(n)}},
		}},
	}}})
	if err != nil || at < d.settleAt {
		return err // EOF right after the one update
	}
	d.once.Do(func() { close(d.settled) })
	<-stream.Context().Done()
	return nil
}

// TestDaemonRedialsFlappingGNMIDevice is issue 9's acceptance 1 as a user sees it: `netpulse
// run` against a device that sends one update and closes the stream, redial 100ms..3s. At
// most 10 redials reach the device in 4 s (52 when any data reset the backoff), and
// netpulse_target_reconnects_total on /metrics equals the redials the device saw.
func TestDaemonRedialsFlappingGNMIDevice(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dev := &flappingDevice{settleAt: 4 * time.Second, settled: make(chan struct{})}
	gs := grpc.NewServer()
	gnmipb.RegisterGNMIServer(gs, dev)
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()

	port := peers.FreeTCPPort(t)
	cfg := writeConfig(t, fmt.Sprintf(`
outputs:
  - type: file
    path: %s/out.lp
metrics:
  listen: 127.0.0.1:%d
targets:
  - name: flappy
    address: %s
    gnmi: {insecure: true, subscriptions: [ifs], redial: {min: 100ms, max: 3s}}
subscriptions:
  ifs: {paths: [/interfaces/interface/state/counters], stream_mode: on_change}
`, t.TempDir(), port, lis.Addr()))
	ctx, cancel := context.WithCancel(t.Context())
	exited := make(chan int, 1)
	dev.start = time.Now()
	go func() {
		exited <- execute(ctx, []string{"run", "--config", cfg, "--log-level", "error"}, strings.NewReader(""), io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		if code := <-exited; code != 0 {
			t.Errorf("daemon exit %d after cancel, want 0", code)
		}
	}()
	select {
	case <-dev.settled:
	case <-time.After(30 * time.Second):
		t.Fatal("the device saw no Subscribe after 4s")
	}
	dev.mu.Lock()
	calls := append([]time.Duration(nil), dev.calls...)
	dev.mu.Unlock()
	within := 0
	for _, at := range calls {
		if at < 4*time.Second {
			within++
		}
	}
	t.Logf("%d redials in 4s; Subscribes at %v", within-1, calls)
	if within-1 > 10 {
		t.Errorf("%d redials in 4s, want at most 10", within-1)
	}
	series := `netpulse_target_reconnects_total{target="flappy",proto="gnmi"}`
	var got float64
	waitFor(t, 10*time.Second, "the reconnects counter on /metrics", func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got = metricValue(string(b), series)
		return got >= 0
	})
	if want := float64(len(calls) - 1); got != want {
		t.Errorf("%s = %v, the device saw %v redials", series, got, want)
	}
}

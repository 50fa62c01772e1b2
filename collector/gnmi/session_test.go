package gnmi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/gnmiserver"
)

// recorder is a Sink that keeps every point and wakes waiters.
type recorder struct {
	mu     sync.Mutex
	points []collector.Point
	ch     chan struct{}
}

func newRecorder() *recorder { return &recorder{ch: make(chan struct{}, 1)} }

func (r *recorder) Emit(_ context.Context, pts []collector.Point) error {
	r.mu.Lock()
	r.points = append(r.points, pts...)
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
	return nil
}

func (r *recorder) snapshot() []collector.Point {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]collector.Point(nil), r.points...)
}

// waitFor polls cond whenever points arrive, failing after d.
func (r *recorder) waitFor(t *testing.T, d time.Duration, what string, cond func([]collector.Point) bool) {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if cond(r.snapshot()) {
			return
		}
		select {
		case <-r.ch:
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s; got %d points", d, what, len(r.snapshot()))
		}
	}
}

// fieldValue finds the latest value of field in points tagged interface_name=ifname.
func fieldValue(pts []collector.Point, ifname, field string) (collector.Field, bool) {
	var out collector.Field
	found := false
	for _, p := range pts {
		if v, _ := p.Tag("interface_name"); v != ifname {
			continue
		}
		if f, ok := p.Field(field); ok {
			out, found = f, true
		}
	}
	return out, found
}

// eventually checks cond every 10ms until it holds, failing after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
	}
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func ifCounters(ifname string, v uint64, atomic bool) *gnmipb.Notification {
	n := &gnmipb.Notification{
		Atomic: atomic,
		Prefix: &gnmipb.Path{Elem: []*gnmipb.PathElem{
			{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": ifname}},
			{Name: "state"}, {Name: "counters"}}},
	}
	for _, leaf := range []string{"in-octets", "out-octets"} {
		n.Update = append(n.Update, &gnmipb.Update{
			Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: leaf}}},
			Val:  &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: v}},
		})
	}
	return n
}

func startRef(t *testing.T, cfg gnmiserver.Config) *gnmiserver.Server {
	t.Helper()
	if len(cfg.Targets) == 0 {
		cfg.Targets = []string{"dev1"}
	}
	s, err := gnmiserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func baseConfig(addr string, subs ...Subscription) Config {
	return Config{
		Name:          "dev1",
		Address:       addr,
		Insecure:      true,
		Tags:          []collector.Tag{{Key: "site", Value: "lab"}, {Key: "source", Value: "dev1"}},
		Subscriptions: subs,
	}
}

func ifSub(mode, streamMode string) Subscription {
	return Subscription{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"}, Mode: mode,
		StreamMode: streamMode, SampleInterval: 100 * time.Millisecond, Measurement: "interfaces"}
}

// once is the runtime of a `run --once` session.
var once = collector.Runtime{Once: true}

// counted is a stream-mode runtime that counts into a fresh Stats.
func counted() (collector.Runtime, *collector.Stats) {
	st := &collector.Stats{}
	return collector.Runtime{Stats: st}, st
}

func runSession(t *testing.T, ctx context.Context, cfg Config, rt collector.Runtime, sink collector.Sink) <-chan error {
	t.Helper()
	s, err := New(cfg, rt, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, sink) }()
	return done
}

func TestOnceAgainstReferenceServer(t *testing.T) {
	srv := startRef(t, gnmiserver.Config{})
	for i := range 5 {
		if err := srv.Update("dev1", ifCounters(fmt.Sprintf("eth%d", i), uint64(1000+i), i%2 == 0)); err != nil {
			t.Fatal(err)
		}
	}
	srv.Sync("dev1")
	cfg := baseConfig(srv.Addr(), ifSub("stream", "sample"))
	st := &collector.Stats{}
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := <-runSession(t, ctx, cfg, collector.Runtime{Once: true, Stats: st}, rec); err != nil {
		t.Fatalf("once: %v", err)
	}
	pts := rec.snapshot()
	for i := range 5 {
		name := fmt.Sprintf("eth%d", i)
		for _, leaf := range []string{"state/counters/in-octets", "state/counters/out-octets"} {
			// Atomic notifications are stored under the prefix; both kinds must name alike.
			f, ok := fieldValue(pts, name, leaf)
			if !ok || f.Kind != collector.KindUint || f.UintValue() != uint64(1000+i) {
				t.Errorf("%s %s: got %v %v, want %d", name, leaf, f.Format(), ok, 1000+i)
			}
		}
	}
	if len(pts) == 0 {
		t.Fatal("no points")
	}
	p := pts[0]
	if p.Measurement != "interfaces" {
		t.Errorf("measurement %q", p.Measurement)
	}
	if v, _ := p.Tag("source"); v != "dev1" {
		t.Errorf("source tag %q", v)
	}
	if v, _ := p.Tag("site"); v != "lab" {
		t.Errorf("static tag site %q", v)
	}
	if got := st.Polls.Load(); got != 1 {
		t.Errorf("sync cycles %d, want 1", got)
	}
	if st.Points.Load() != int64(len(pts)) || st.Updates.Load() < 10 {
		t.Errorf("stats points=%d updates=%d, recorded %d points", st.Points.Load(), st.Updates.Load(), len(pts))
	}
}

func TestPollAgainstReferenceServer(t *testing.T) {
	srv := startRef(t, gnmiserver.Config{})
	if err := srv.Update("dev1", ifCounters("eth0", 1, false)); err != nil {
		t.Fatal(err)
	}
	sub := ifSub("poll", "")
	sub.SampleInterval = 0
	sub.PollInterval = 50 * time.Millisecond
	cfg := baseConfig(srv.Addr(), sub)
	rt, st := counted()
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := runSession(t, ctx, cfg, rt, rec)
	rec.waitFor(t, 5*time.Second, "first poll", func(p []collector.Point) bool {
		_, ok := fieldValue(p, "eth0", "state/counters/in-octets")
		return ok
	})
	if err := srv.Update("dev1", ifCounters("eth0", 2, false)); err != nil {
		t.Fatal(err)
	}
	// POLL answers only when polled: the new value proves a Poll was sent.
	rec.waitFor(t, 5*time.Second, "polled value 2", func(p []collector.Point) bool {
		f, _ := fieldValue(p, "eth0", "state/counters/in-octets")
		return f.UintValue() == 2
	})
	// The poll's sync_response follows its updates.
	eventually(t, 5*time.Second, "a second poll cycle", func() bool { return st.Polls.Load() >= 2 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run after cancel: %v", err)
	}
}

func TestStreamAgainstReferenceServer(t *testing.T) {
	for _, mode := range []string{"sample", "on_change"} {
		t.Run(mode, func(t *testing.T) {
			srv := startRef(t, gnmiserver.Config{})
			if err := srv.Update("dev1", ifCounters("eth0", 1, false)); err != nil {
				t.Fatal(err)
			}
			cfg := baseConfig(srv.Addr(), ifSub("stream", mode))
			rec := newRecorder()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done := runSession(t, ctx, cfg, collector.Runtime{}, rec)
			rec.waitFor(t, 5*time.Second, "initial state", func(p []collector.Point) bool {
				_, ok := fieldValue(p, "eth0", "state/counters/in-octets")
				return ok
			})
			for v := uint64(2); v <= 5; v++ {
				// eth1 one update per notification, eth2 all counters in one (atomic)
				// notification; the cache needs each path fed consistently one way.
				if err := srv.Update("dev1", ifCounters("eth1", v, false)); err != nil {
					t.Fatal(err)
				}
				if err := srv.Update("dev1", ifCounters("eth2", v, true)); err != nil {
					t.Fatal(err)
				}
			}
			rec.waitFor(t, 5*time.Second, "streamed updates", func(p []collector.Point) bool {
				f1, _ := fieldValue(p, "eth1", "state/counters/out-octets")
				f2, _ := fieldValue(p, "eth2", "state/counters/out-octets")
				return f1.UintValue() == 5 && f2.UintValue() == 5
			})
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("Run did not return promptly after cancel")
			}
		})
	}
}

func TestSharedStream(t *testing.T) {
	subA := Subscription{Name: "in", Paths: []string{"/interfaces/interface/state/counters/in-octets"}, Measurement: "ifin", StreamMode: "on_change"}
	subB := Subscription{Name: "out", Paths: []string{"/interfaces/interface/state/counters/out-octets"}, Measurement: "ifout", StreamMode: "on_change"}
	subC := Subscription{Name: "json", Paths: []string{"/system"}, Encoding: "json_ietf"}
	s, err := New(baseConfig("127.0.0.1:1", subA, subB, subC), collector.Runtime{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Streams()
	if len(got) != 2 || strings.Join(got[0], ",") != "in,out" || strings.Join(got[1], ",") != "json" {
		t.Fatalf("streams %v, want [[in out] [json]]", got)
	}
	// The two subscriptions share one stream; each update maps back to its own measurement.
	srv := startRef(t, gnmiserver.Config{})
	if err := srv.Update("dev1", ifCounters("eth0", 7, false)); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig(srv.Addr(), subA, subB)
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := <-runSession(t, ctx, cfg, once, rec); err != nil {
		t.Fatal(err)
	}
	meas := map[string]string{}
	for _, p := range rec.snapshot() {
		for _, f := range p.Fields {
			meas[f.Key] = p.Measurement
		}
	}
	if meas["state/counters/in-octets"] != "ifin" || meas["state/counters/out-octets"] != "ifout" {
		t.Fatalf("measurements by field: %v", meas)
	}
}

func TestTLSAndAuth(t *testing.T) {
	pki, err := gnmiserver.NewPKI("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	files, err := pki.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	other, err := gnmiserver.NewPKI()
	if err != nil {
		t.Fatal(err)
	}
	otherFiles, err := other.WriteFiles(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mtls := startRef(t, gnmiserver.Config{TLS: pki.ServerTLS(true), Username: "admin", Password: "secret"})
	if err := mtls.Update("dev1", ifCounters("eth0", 9, false)); err != nil {
		t.Fatal(err)
	}
	tlsOnly := startRef(t, gnmiserver.Config{TLS: pki.ServerTLS(false)})
	if err := tlsOnly.Update("dev1", ifCounters("eth0", 9, false)); err != nil {
		t.Fatal(err)
	}
	plain := startRef(t, gnmiserver.Config{})

	good := func(addr string) Config {
		c := baseConfig(addr, ifSub("stream", "sample"))
		c.Insecure = false
		c.TLSCA, c.TLSCert, c.TLSKey = files.CA, files.ClientCert, files.ClientKey
		c.Username, c.Password = "admin", "secret"
		return c
	}
	cases := []struct {
		name   string
		cfg    func() Config
		errHas string // "" = must succeed
	}{
		{"mTLS+auth", func() Config { return good(mtls.Addr()) }, ""},
		{"TLS server-only, name via server_name", func() Config {
			c := good(tlsOnly.Addr())
			c.TLSCert, c.TLSKey = "", ""
			c.ServerName = "localhost"
			return c
		}, ""},
		{"skip_verify", func() Config {
			c := good(tlsOnly.Addr())
			c.TLSCA, c.TLSCert, c.TLSKey, c.SkipVerify = "", "", "", true
			return c
		}, ""},
		{"wrong password", func() Config { c := good(mtls.Addr()); c.Password = "nope"; return c }, "authentication failed"},
		{"wrong CA", func() Config { c := good(mtls.Addr()); c.TLSCA = otherFiles.CA; return c }, "not signed by a CA we trust"},
		{"wrong server name", func() Config { c := good(tlsOnly.Addr()); c.ServerName = "router.example"; return c }, "does not match the name"},
		{"no client certificate", func() Config { c := good(mtls.Addr()); c.TLSCert, c.TLSKey = "", ""; return c }, "client certificate"},
		{"TLS to a plaintext server", func() Config { return good(plain.Addr()) }, "plaintext"},
		{"plaintext to a TLS server", func() Config {
			c := good(tlsOnly.Addr())
			c.Insecure, c.TLSCA, c.TLSCert, c.TLSKey = true, "", "", ""
			return c
		}, "it probably wants TLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rec := newRecorder()
			err := <-runSession(t, ctx, tc.cfg(), once, rec)
			if tc.errHas == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := fieldValue(rec.snapshot(), "eth0", "state/counters/in-octets"); !ok {
					t.Fatal("no data")
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("error %v, want it to say %q", err, tc.errHas)
			}
		})
	}
}

// TestDeadTargetEndsSession: a session that cannot connect returns its error at once, in
// stream mode too: redial (and counting it) is the supervisor's job (targets.Manager), so
// the session neither waits nor counts a reconnect itself.
func TestDeadTargetEndsSession(t *testing.T) {
	cfg := baseConfig("127.0.0.1:1", ifSub("stream", "sample"))
	rt, st := counted()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := <-runSession(t, ctx, cfg, rt, newRecorder())
	if err == nil || ctx.Err() != nil {
		t.Fatalf("want a connection error before the deadline, got %v", err)
	}
	if st.Reconnects.Load() != 0 || st.PollErrors.Load() != 0 {
		t.Errorf("the session counted its own end: reconnects=%d errors=%d", st.Reconnects.Load(), st.PollErrors.Load())
	}
}

func TestOnceFailsOnDeadTarget(t *testing.T) {
	cfg := baseConfig("127.0.0.1:1", ifSub("stream", "sample"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := <-runSession(t, ctx, cfg, once, newRecorder())
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a connection error, got %v", err)
	}
}

func TestStreamPlanning(t *testing.T) {
	sample := Subscription{Name: "a", Paths: []string{"/a"}, StreamMode: "sample", SampleInterval: 10 * time.Second}
	hb := Subscription{Name: "b", Paths: []string{"/b"}, StreamMode: "on_change", HeartbeatInterval: 30 * time.Second}
	quiet := Subscription{Name: "c", Paths: []string{"/c"}, StreamMode: "on_change"}
	poll := Subscription{Name: "d", Paths: []string{"/d"}, Mode: "poll", PollInterval: 5 * time.Second}
	withPrefix := Subscription{Name: "e", Prefix: "/interfaces", Origin: "openconfig", Paths: []string{"interface/state"}}
	for _, tc := range []struct {
		subs    []Subscription
		silence time.Duration
		poll    time.Duration
	}{
		{[]Subscription{sample}, 31 * time.Second, 0},
		{[]Subscription{sample, hb}, 91 * time.Second, 0}, // three times the longest promise
		{[]Subscription{quiet}, 0, 0},                     // on_change without heartbeat may be silent
		{[]Subscription{poll}, 16 * time.Second, 5 * time.Second},
	} {
		req, err := NewSubscribeRequest("", tc.subs...)
		if err != nil {
			t.Fatal(err)
		}
		opt := streamOptions(req.GetSubscribe(), tc.subs)
		if opt.Silence != tc.silence || opt.PollInterval != tc.poll {
			t.Errorf("%v: silence %s poll %s, want %s %s", tc.subs, opt.Silence, opt.PollInterval, tc.silence, tc.poll)
		}
	}
	// A prefix with elements carries the origin; the paths then have none (gNMI §2.2.2.1).
	req, err := NewSubscribeRequest("once", withPrefix)
	if err != nil {
		t.Fatal(err)
	}
	l := req.GetSubscribe()
	if l.Mode != gnmipb.SubscriptionList_ONCE || PathString(l.Prefix) != "openconfig:/interfaces" || PathString(l.Subscription[0].Path) != "/interface/state" {
		t.Errorf("request %v", l)
	}
	// Without a prefix the origin goes on each path.
	req, _ = NewSubscribeRequest("", Subscription{Name: "f", Origin: "openconfig", Paths: []string{"/x", "eos_native:/Sysdb"}, Encoding: "json_ietf"})
	l = req.GetSubscribe()
	if l.Prefix != nil || PathString(l.Subscription[0].Path) != "openconfig:/x" || PathString(l.Subscription[1].Path) != "eos_native:/Sysdb" || l.Encoding != gnmipb.Encoding_JSON_IETF {
		t.Errorf("request %v", l)
	}
	if _, err := NewSubscribeRequest("", sample, Subscription{Name: "g", Paths: []string{"/g"}, Encoding: "json"}); err == nil {
		t.Error("subscriptions with different encodings were put on one stream")
	}
}

// TestNoGoroutineLeft: after Run returns, every goroutine the session started (streams,
// watchdog, poller, gRPC transport) is gone, and so are the server's per-stream ones.
func TestNoGoroutineLeft(t *testing.T) {
	srv := startRef(t, gnmiserver.Config{})
	if err := srv.Update("dev1", ifCounters("eth0", 1, false)); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	sample := ifSub("stream", "sample")
	poll := Subscription{Name: "poll", Paths: []string{"/interfaces"}, Mode: "poll", PollInterval: 20 * time.Millisecond}
	cfg := baseConfig(srv.Addr(), sample, poll)
	rt, st := counted()
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	done := runSession(t, ctx, cfg, rt, rec)
	eventually(t, 5*time.Second, "two poll cycles", func() bool { return st.Polls.Load() >= 3 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, fmt.Sprintf("goroutines back to %d", before), func() bool { return runtime.NumGoroutine() <= before })
}

func TestWatchdogOnlyForStreamsThatPromiseData(t *testing.T) {
	sub := func(mode string, interval, heartbeat time.Duration, suppress bool) Subscription {
		return Subscription{Name: "s", Paths: []string{"/interfaces"}, Mode: "stream", StreamMode: mode,
			SampleInterval: interval, HeartbeatInterval: heartbeat, SuppressRedundant: suppress, Encoding: "proto"}
	}
	cases := []struct {
		name string
		sub  Subscription
		want time.Duration
	}{
		{"sample", sub("sample", 10*time.Second, 0, false), 30*time.Second + silenceSlack},
		{"sample with suppress_redundant", sub("sample", 10*time.Second, 0, true), 0},
		{"sample with suppress_redundant and heartbeat", sub("sample", 10*time.Second, time.Minute, true), 3*time.Minute + silenceSlack},
		{"target_defined", sub("target_defined", 10*time.Second, 0, false), 0},
		{"on_change", sub("on_change", 0, 0, false), 0},
		{"on_change with heartbeat", sub("on_change", 0, 20*time.Second, false), 60*time.Second + silenceSlack},
	}
	for _, tc := range cases {
		req, err := NewSubscribeRequest("", tc.sub)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := streamOptions(req.GetSubscribe(), []Subscription{tc.sub}).Silence; got != tc.want {
			t.Errorf("%s: watchdog after %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestOnceIgnoresUpdatesOnly(t *testing.T) {
	s := Subscription{Name: "s", Paths: []string{"/interfaces"}, Mode: "stream", StreamMode: "sample", SampleInterval: time.Second, UpdatesOnly: true, Encoding: "proto"}
	once, err := NewSubscribeRequest("once", s)
	if err != nil {
		t.Fatal(err)
	}
	if once.GetSubscribe().GetUpdatesOnly() {
		t.Error("ONCE request asks for updates_only: the device may answer with no data")
	}
	stream, _ := NewSubscribeRequest("", s)
	if !stream.GetSubscribe().GetUpdatesOnly() {
		t.Error("STREAM request lost updates_only")
	}
}

// TestWorkGateHoldsDecoding checks that a session decodes and normalizes only inside the
// runtime's Gate: while the test holds the only slot nothing is counted or written (the
// responses wait in wire form), and everything arrives once it lets go. Cancelling the
// session while it waits for the Gate ends it promptly.
func TestWorkGateHoldsDecoding(t *testing.T) {
	srv := startRef(t, gnmiserver.Config{})
	if err := srv.Update("dev1", ifCounters("eth0", 7, true)); err != nil {
		t.Fatal(err)
	}
	gate := collector.NewGate(1, nil)
	if err := gate.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := &collector.Stats{}
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := runSession(t, ctx, baseConfig(srv.Addr(), ifSub("stream", "sample")), collector.Runtime{Stats: st, Work: gate}, rec)
	time.Sleep(300 * time.Millisecond) // time enough to connect, receive and (wrongly) decode
	if n := st.Updates.Load(); n != 0 || len(rec.snapshot()) != 0 {
		t.Fatalf("with the Gate held the session counted %d updates and wrote %d points, want none", n, len(rec.snapshot()))
	}
	gate.Leave()
	rec.waitFor(t, 5*time.Second, "the initial state after the Gate opened", func(p []collector.Point) bool {
		f, ok := fieldValue(p, "eth0", "state/counters/in-octets")
		return ok && f.UintValue() == 7
	})

	// Hold the Gate again, make the session wait for it with a response in hand, then cancel.
	if err := gate.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer gate.Leave()
	if err := srv.Update("dev1", ifCounters("eth0", 8, true)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return promptly after cancel while waiting for the Gate")
	}
}

package snmp

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/sim"
)

// simV3 starts one simulated device and returns a v3 authPriv and a v2c config for it.
func simV3(t *testing.T) (v3, v2 Config) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, sim.Config{SNMPDevices: 1, Interfaces: 8, Seed: 1, SNMPListen: "127.0.0.1:0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Wait() })
	d := f.Devices()[0]
	var u sim.V3User
	for _, x := range d.V3Users {
		if x.PrivProtocol == "AES" {
			u = x
		}
	}
	sys, _ := BuiltinProfile("system")
	ifm, _ := BuiltinProfile("if-mib")
	base := Config{Name: d.Name, Address: d.Address, Interval: time.Minute, Timeout: 2 * time.Second,
		Profiles: Share([]Profile{sys, ifm})} // as the config loader hands them to every target
	v3, v2 = base, base
	v3.Version, v3.SecurityLevel, v3.User = "3", "authPriv", u.Name
	v3.AuthProtocol, v3.AuthPassword = u.AuthProtocol, collector.Secret(u.AuthPassword)
	v3.PrivProtocol, v3.PrivPassword = u.PrivProtocol, collector.Secret(u.PrivPassword)
	v2.Version, v2.Community = "2c", collector.Secret(d.Community)
	return v3, v2
}

// TestIdleBetweenPolls: after a poll the session holds no socket and no gosnmp receive
// buffer, and the next SNMPv3 poll does not repeat engine discovery (the agent counts
// discovery requests in usmStatsUnknownEngineIDs, RFC 3414 §3.2 step 3).
func TestIdleBetweenPolls(t *testing.T) {
	v3, v2 := simV3(t)
	ctx := context.Background()
	s, err := New(v3, collector.Runtime{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	discoveries := func() uint64 {
		c, err := Dial(ctx, &v2)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		pkt, err := c.Get(ctx, []string{".1.3.6.1.6.3.15.1.1.4.0"})
		if err != nil || len(pkt.Variables) != 1 {
			t.Fatalf("read usmStatsUnknownEngineIDs: %v %v", pkt, err)
		}
		n, _ := pkt.Variables[0].Value.(uint)
		return uint64(n)
	}
	before := discoveries()
	for i := range 3 {
		pts, err := s.Poll(ctx)
		if err != nil || len(pts) != 9 {
			t.Fatalf("poll %d: %d points, %v", i, len(pts), err)
		}
		c, ok := s.client.(*goSNMPClient)
		if !ok || c.g != nil || c.rec != nil || c.w.conn != nil || c.w.rx != nil {
			t.Fatalf("poll %d: the client still holds its gosnmp connection between polls", i)
		}
	}
	if got := discoveries() - before; got != 1 {
		t.Errorf("3 polls made %d engine discoveries, want 1", got)
	}
}

// TestIdleSessionMemory bounds the heap an idle session keeps after polling: before the
// client let go of gosnmp between polls, every session kept its 64 KiB receive buffer.
func TestIdleSessionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("polls 100 sessions")
	}
	v3, v2 := simV3(t)
	ctx := context.Background()
	const n = 100
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	// Warm up: the sim's and gosnmp's one-time allocations (password-to-key cache, …).
	for _, cfg := range []Config{v3, v2} {
		s, err := New(cfg, collector.Runtime{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	h0 := heap()
	sessions := make([]*Session, n)
	for i := range sessions {
		cfg := v2
		if i%2 == 1 {
			cfg = v3
		}
		s, err := New(cfg, collector.Runtime{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Poll(ctx); err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
	}
	per := (int64(heap()) - int64(h0)) / n
	runtime.KeepAlive(sessions)
	t.Logf("%d bytes of heap per idle session (half v2c, half v3 authPriv)", per)
	if per > 32<<10 {
		t.Errorf("an idle session holds %d bytes, want under 32 KiB", per)
	}
}

package snmp

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/sim"
)

// TestPollsTakeTurns polls 8 simulated devices over real UDP through one CPU gate of one
// slot (collector.Turn), together with a device that never answers: every live poll
// completes with every interface, within a fraction of the silent device's timeout (a poll
// waiting for its agent holds no turn), and the silent one fails on its own timeout.
func TestPollsTakeTurns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f, err := sim.Start(ctx, sim.Config{SNMPDevices: 8, Interfaces: 12, Seed: 5}, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Wait() })
	// A UDP port that reads and never answers: a dead device without ICMP errors.
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })

	gate := collector.NewGate(1, nil)
	session := func(name, addr, community string, timeout time.Duration) *Session {
		cfg := testConfig(t)
		cfg.Version, cfg.Community, cfg.Address, cfg.Name = "2c", collector.Secret(community), addr, name
		cfg.Interval, cfg.Timeout = 10*time.Second, timeout
		retries := 0
		cfg.Retries = &retries
		s, err := New(cfg, collector.Runtime{Stats: &collector.Stats{}, Work: gate}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	const deadTimeout = 3 * time.Second
	dead := session("dead", silent.LocalAddr().String(), "public", deadTimeout)
	var live []*Session
	for _, d := range f.Devices() {
		live = append(live, session(d.Name, d.Address, d.Community, deadTimeout))
	}

	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	var deadErr error
	go func() {
		defer wg.Done()
		_, deadErr = dead.Poll(context.Background())
	}()
	took := make([]time.Duration, len(live))
	for i, s := range live {
		wg.Add(1)
		go func() {
			defer wg.Done()
			points, err := s.Poll(context.Background())
			took[i] = time.Since(start)
			if err != nil {
				t.Errorf("%s: %v", s.cfg.Name, err)
				return
			}
			if n := len(interfaceFields(points)); n != 12 {
				t.Errorf("%s: %d interfaces, want 12", s.cfg.Name, n)
			}
		}()
	}
	wg.Wait()
	for i, d := range took {
		if d > deadTimeout/2 {
			t.Errorf("%s took %s: the silent device's poll held the turn while it waited", live[i].cfg.Name, d)
		}
	}
	if deadErr == nil {
		t.Error("the silent device's poll succeeded")
	}
	if free := gate.Free(); free != 1 {
		t.Errorf("after every poll, %d slots free, want 1: a turn was not given back", free)
	}
}

// panicky is a Client whose walks panic, as a bug in handling a device's reply would.
type panicky struct{ Client }

func (panicky) GetBulk(context.Context, []string, uint32) (*gosnmp.SnmpPacket, error) {
	panic("bug in a walk")
}

// TestPanickingPollGivesItsTurnBack: a poll that panics while it holds its turn (the
// supervisor, targets.runSafely, recovers the panic and restarts the session) gives the
// slot back; kept, it would stop every other poll and every gNMI decode of the process.
func TestPanickingPollGivesItsTurnBack(t *testing.T) {
	gate := collector.NewGate(1, nil)
	s, err := NewWithClient(testConfig(t), collector.Runtime{Work: gate}, nil, panicky{mustFake(t, "edgeswitch_8xp", nil)})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if p := recover(); p == nil {
				t.Error("the poll did not panic")
			}
		}()
		_, _ = s.Poll(context.Background())
	}()
	if free := gate.Free(); free != 1 {
		t.Fatalf("after a poll panicked, %d slots free, want 1", free)
	}
}

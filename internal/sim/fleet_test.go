package sim

import (
	"context"
	"log/slog"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

// startFleet starts a fleet for a test and stops it (and waits for it) at cleanup.
func startFleet(t testing.TB, cfg Config) *Fleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := Start(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		f.Wait()
	})
	return f
}

// TestFleetStopsCleanly checks that cancelling the context stops every device: Wait
// returns, the sockets are closed and no goroutine of the fleet is left.
func TestFleetStopsCleanly(t *testing.T) {
	base := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := Start(ctx, Config{SNMPDevices: 20, GNMIDevices: 5, Interfaces: 4, UpdateInterval: 10 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := runtime.NumGoroutine(); n < base+25 {
		t.Fatalf("%d goroutines with 25 devices running, base %d", n, base)
	}
	snmpAddr := f.Devices()[0].Address
	cancel()
	waited := make(chan struct{})
	go func() { f.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return after cancel")
	}
	// The SNMP port is free again.
	c, err := net.ListenPacket("udp", snmpAddr)
	if err != nil {
		t.Fatalf("SNMP socket still bound after stop: %v", err)
	}
	c.Close()
	// gRPC tears its connections down asynchronously: give it a bounded moment.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base+2 && time.Now().Before(deadline) {
		tm := time.NewTimer(20 * time.Millisecond)
		<-tm.C
	}
	if n := runtime.NumGoroutine(); n > base+2 {
		t.Fatalf("%d goroutines left after stop, base %d", n, base)
	}
}

func TestConfigValidate(t *testing.T) {
	c := Config{}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Interfaces != DefaultInterfaces || c.Community != "public" || len(c.V3Users) != 4 || c.UpdateInterval != time.Second {
		t.Errorf("defaults not applied: %+v", c)
	}
	for _, bad := range []Config{
		{SNMPDevices: -1},
		{Interfaces: 5000},
		{SNMPListen: "localhost"},
		{SNMPMaxMsgSize: 100},
		{UpdateInterval: time.Millisecond},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	if _, err := Start(context.Background(), Config{SNMPDevices: 1, V3Users: []V3User{{Name: "x", AuthProtocol: "SHA", AuthPassword: "short"}}}, nil); err == nil {
		t.Error("a 5-character pass phrase was accepted")
	}
	if _, err := listenAddr("127.0.0.1:65535", 1); err == nil {
		t.Error("port 65536 was assigned")
	}
}

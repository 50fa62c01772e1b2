package sim

import (
	"context"
	"log/slog"
	"net"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/internal/peers"
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
	if _, err := listenAddr("127.0.0.1:65535", 1, false); err == nil {
		t.Error("port 65536 was assigned")
	}
	if _, err := listenAddr("127.255.255.254:161", 2, true); err == nil {
		t.Error("an address outside 127.0.0.0/8 was assigned")
	}
	if a, err := listenAddr("127.0.0.1:161", 300, true); err != nil || a != "127.0.1.45:161" {
		t.Errorf("device 300 per-address = %s, %v", a, err)
	}
}

// TestAddressingModes runs devices on consecutive ports and on consecutive loopback
// addresses and reads sysName from each.
func TestAddressingModes(t *testing.T) {
	port := peers.FreeUDPPort(t)
	for _, perAddr := range []bool{false, true} {
		t.Run(strconv.FormatBool(perAddr), func(t *testing.T) { checkAddressing(t, port, perAddr) })
	}
}

// checkAddressing runs one addressing mode (a subtest, so the ports are free for the next).
func checkAddressing(t *testing.T, port int, perAddr bool) {
	f := startFleet(t, Config{SNMPDevices: 3, GNMIDevices: 2, Interfaces: 1, PerDeviceAddress: perAddr,
		SNMPListen: "127.0.0.1:" + strconv.Itoa(port), GNMIListen: "127.0.0.1:" + strconv.Itoa(peers.FreeTCPPort(t))})
	for i, d := range f.Devices()[:3] {
		want := "127.0.0.1:" + strconv.Itoa(port+i)
		if perAddr {
			want = "127.0.0." + strconv.Itoa(1+i) + ":" + strconv.Itoa(port)
		}
		if d.Address != want {
			t.Errorf("perAddress=%v: device %d at %s, want %s", perAddr, i, d.Address, want)
		}
		r, err := goSNMP(t, d, gosnmp.Version2c).Get([]string{"1.3.6.1.2.1.1.5.0"})
		if err != nil {
			t.Fatalf("get sysName from %s: %v", d.Address, err)
		}
		if got, _ := r.Variables[0].Value.([]byte); string(got) != d.Name {
			t.Errorf("sysName from %s = %q, want %q", d.Address, got, d.Name)
		}
	}
	if perAddr {
		g := f.Devices()[4]
		if host, _, _ := net.SplitHostPort(g.Address); host != "127.0.0.2" {
			t.Errorf("second gNMI device at %s", g.Address)
		}
	}
}

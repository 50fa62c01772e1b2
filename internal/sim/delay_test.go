package sim

import (
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// TestSNMPResponseDelay: every answer comes SNMPResponseDelay after its request, so a walk
// of n requests takes n delays, measured by gosnmp (the independent peer) over real UDP.
func TestSNMPResponseDelay(t *testing.T) {
	const delay = 40 * time.Millisecond
	f := startFleet(t, Config{SNMPDevices: 1, Interfaces: 4, SNMPResponseDelay: delay})
	g := goSNMP(t, f.Devices()[0], gosnmp.Version2c, func(g *gosnmp.GoSNMP) { g.MaxRepetitions = 1 })
	before := f.Stats().SNMPRequests
	start := time.Now()
	vars, err := g.BulkWalkAll("1.3.6.1.2.1.31.1.1.1.1") // ifName: 4 rows, max-repetitions 1
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(vars) != 4 {
		t.Fatalf("walk gave %d varbinds, want 4", len(vars))
	}
	n := f.Stats().SNMPRequests - before
	if want := time.Duration(n) * delay; took < want {
		t.Errorf("%d requests took %s, want at least %s", n, took, want)
	}
	if err := (&Config{SNMPResponseDelay: -time.Second}).Validate(); err == nil {
		t.Error("a negative delay was accepted")
	}
}

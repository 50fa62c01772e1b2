package sim

import (
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// testAgent builds one agent without a socket.
func testAgent(t testing.TB, interfaces int) *agent {
	t.Helper()
	m := NewModel(1, 0, interfaces, "dut", time.Now())
	a := &agent{dev: m, mib: newMIB(), start: time.Now(), community: []byte("public"),
		engineID: engineIDFor(m), boots: 1, maxMsg: DefaultSNMPMaxMsgSize}
	tmpl, err := newUserTemplate(DefaultV3Users()[0])
	if err != nil {
		t.Fatal(err)
	}
	u, err := tmpl.localize(a.engineID)
	if err != nil {
		t.Fatal(err)
	}
	a.users = []*usmUser{u}
	return a
}

// encodeRequest encodes a request with gosnmp's marshaller (an independent encoder).
func encodeRequest(t testing.TB, g *gosnmp.GoSNMP, typ gosnmp.PDUType, oids []string, nonRep uint8, maxRep uint32) []byte {
	t.Helper()
	var pdus []gosnmp.SnmpPDU
	for _, o := range oids {
		pdus = append(pdus, gosnmp.SnmpPDU{Name: o, Type: gosnmp.Null})
	}
	b, err := g.SnmpEncodePacket(typ, pdus, nonRep, maxRep)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAgentDoesNotAllocate pins the per-request cost the 1,000-device scale relies on: a
// GETBULK over four ifXTable columns, answered and decoded back, allocates nothing in the
// agent.
func TestAgentDoesNotAllocate(t *testing.T) {
	a := testAgent(t, 48)
	g := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "public"}
	req := encodeRequest(t, g, gosnmp.GetBulkRequest, []string{".1.3.6.1.2.1.31.1.1.1.1", ".1.3.6.1.2.1.31.1.1.1.6",
		".1.3.6.1.2.1.31.1.1.1.10", ".1.3.6.1.2.1.2.2.1.8"}, 0, 10)
	out := make([]byte, 0, 4096)
	var resp []byte
	allocs := testing.AllocsPerRun(200, func() {
		resp = a.handle(req, out[:0])
	})
	if allocs > 0 {
		t.Errorf("a GETBULK allocates %v times", allocs)
	}
	p, err := g.SnmpDecodePacket(resp)
	if err != nil {
		t.Fatalf("gosnmp cannot decode the answer: %v", err)
	}
	if len(p.Variables) != 40 || p.Variables[0].Name != ".1.3.6.1.2.1.31.1.1.1.1.1" || p.Variables[39].Name != ".1.3.6.1.2.1.2.2.1.8.10" {
		t.Errorf("answer = %d varbinds, first %s", len(p.Variables), p.Variables[0].Name)
	}
}

func BenchmarkAgentGetBulk(b *testing.B) {
	a := testAgent(b, 48)
	g := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "public"}
	req := encodeRequest(b, g, gosnmp.GetBulkRequest, []string{".1.3.6.1.2.1.31.1.1.1.6", ".1.3.6.1.2.1.31.1.1.1.10"}, 0, 24)
	out := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out = a.handle(req, out[:0])
	}
}

// FuzzAgentHandle feeds arbitrary datagrams to the agent: it must never panic, and whatever
// it answers must be a well-formed SEQUENCE.
func FuzzAgentHandle(f *testing.F) {
	a := testAgent(f, 4)
	g := &gosnmp.GoSNMP{Version: gosnmp.Version2c, Community: "public"}
	f.Add(encodeRequest(f, g, gosnmp.GetBulkRequest, []string{".1.3.6.1.2.1.2"}, 0, 5))
	f.Add(encodeRequest(f, g, gosnmp.GetRequest, []string{".1.3.6.1.2.1.1.5.0"}, 0, 0))
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		out := a.handle(pkt, nil)
		if out == nil {
			return
		}
		if _, rest, err := berExpect(out, tagSequence); err != nil || len(rest) != 0 {
			t.Fatalf("malformed answer %x to %x", out, pkt)
		}
	})
}

package snmp

import (
	"context"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/internal/sim"
)

// The fast path (wire.go) must decode every response into exactly what gosnmp would. These
// tests walk real agents (net-snmp's snmpd, the simulator) and decode each raw response both
// ways, then poll through the client on every SNMP version and USM protocol the agents
// offer and check that the fast path, not the gosnmp fallback, carried the poll.

// rawWalk GETBULK-walks the agent at addr (v2c) from .1.3.6.1 and decodes every raw response
// with the fast path's decoder and with gosnmp's, which must agree; it returns the varbinds
// and how many responses the fast path left to gosnmp.
func rawWalk(t *testing.T, addr, community string, limit int) (varbinds, fallbacks int) {
	t.Helper()
	var w wire
	if err := w.open(context.Background(), addr); err != nil {
		t.Fatal(err)
	}
	defer w.close()
	cursor := ".1.3.6.1"
	for varbinds < limit {
		w.reqID++
		msg, ok := w.encode(gosnmp.Version2c, community, nil, pduGetBulk, []string{cursor}, 25, time.Now())
		if !ok {
			t.Fatalf("encode GETBULK %s", cursor)
		}
		_ = w.conn.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := w.conn.Write(msg); err != nil {
			t.Fatal(err)
		}
		n, err := w.conn.Read(w.rx)
		if n == len(w.rx) {
			t.Fatalf("GETBULK %s: the answer may not fit the %d-byte buffer", cursor, n)
		}
		if err != nil {
			t.Fatalf("GETBULK %s: %v", cursor, err)
		}
		raw := append([]byte(nil), w.rx[:n]...)
		theirs, err := (&gosnmp.GoSNMP{Version: gosnmp.Version2c, Logger: gosnmp.NewLogger(nil)}).SnmpDecodePacket(append([]byte(nil), raw...))
		if err != nil {
			t.Fatalf("gosnmp cannot decode the answer to GETBULK %s: %v", cursor, err)
		}
		ours, m := w.decode(raw, gosnmp.Version2c, nil)
		switch m {
		case matchFallback:
			fallbacks++
			if !hasType(theirs.Variables, gosnmp.Opaque, gosnmp.OpaqueFloat, gosnmp.OpaqueDouble, gosnmp.BitString, gosnmp.UnknownType) {
				t.Fatalf("the fast path left the answer to GETBULK %s to gosnmp, which holds no type it cannot decode: %v", cursor, theirs.Variables)
			}
		case matchOther:
			t.Fatalf("answer to GETBULK %s taken for another request", cursor)
		default:
			if ours.Error != theirs.Error || ours.ErrorIndex != theirs.ErrorIndex || ours.RequestID != theirs.RequestID {
				t.Fatalf("GETBULK %s: status %v/%d id %d, gosnmp %v/%d id %d", cursor, ours.Error, ours.ErrorIndex, ours.RequestID,
					theirs.Error, theirs.ErrorIndex, theirs.RequestID)
			}
			if len(ours.Variables) != len(theirs.Variables) {
				t.Fatalf("GETBULK %s: %d varbinds, gosnmp %d", cursor, len(ours.Variables), len(theirs.Variables))
			}
			for i := range ours.Variables {
				if !reflect.DeepEqual(ours.Variables[i], theirs.Variables[i]) {
					t.Fatalf("GETBULK %s varbind %d:\n fast   %#v\n gosnmp %#v", cursor, i, ours.Variables[i], theirs.Variables[i])
				}
			}
		}
		vars := theirs.Variables
		if len(vars) == 0 || vars[len(vars)-1].Type == gosnmp.EndOfMibView {
			break
		}
		varbinds += len(vars)
		cursor = vars[len(vars)-1].Name
	}
	return varbinds, fallbacks
}

func hasType(vars []gosnmp.SnmpPDU, types ...gosnmp.Asn1BER) bool {
	for _, v := range vars {
		for _, t := range types {
			if v.Type == t {
				return true
			}
		}
	}
	return false
}

// TestWireDecodeSnmpd walks all of net-snmp's MIB view: strings, OIDs, IpAddresses,
// Counter64s, TimeTicks, negative Integers, UCD's Opaque floats (left to gosnmp).
func TestWireDecodeSnmpd(t *testing.T) {
	agent := peers.StartSnmpd(t)
	n, fb := rawWalk(t, agent.Addr, peers.SnmpdCommunity, 20000)
	t.Logf("snmpd: %d varbinds compared, %d responses left to gosnmp", n, fb)
	if n < 500 {
		t.Fatalf("only %d varbinds walked", n)
	}
}

// TestWireDecodeSim walks a simulated device (every MIB the simulator serves).
func TestWireDecodeSim(t *testing.T) {
	_, d := simAgent(t, sim.Config{})
	n, fb := rawWalk(t, d.Address, d.Community, 20000)
	t.Logf("simulator: %d varbinds compared, %d responses left to gosnmp", n, fb)
	if n < 300 || fb != 0 {
		t.Fatalf("%d varbinds walked, %d responses left to gosnmp", n, fb)
	}
}

// TestWireDecodeEdges decodes values at the edges of each type against gosnmp.
func TestWireDecodeEdges(t *testing.T) {
	vb := func(typ byte, content ...byte) []byte {
		b := []byte{berSequence, 0, berOID, 4, 0x2b, 6, 1, 2}
		b = append(b, typ, byte(len(content)))
		b = append(b, content...)
		b[1] = byte(len(b) - 2)
		return b
	}
	cases := [][]byte{
		vb(berInteger, 0x80), vb(berInteger, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe), vb(berInteger, 0x7f, 0xff, 0xff, 0xff),
		vb(0x47, 0xff), vb(0x47, 0x00, 0xff, 0xff, 0xff, 0xff), // Uinteger32
		vb(0x41, 0x00, 0xff, 0xff, 0xff, 0xff), vb(0x41), vb(0x42, 0x05), // Counter32, empty, Gauge32
		vb(0x43, 0x00, 0x80, 0x00, 0x00, 0x00),                                         // TimeTicks
		vb(0x46, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), vb(0x46, 0x01), // Counter64
		vb(berOctetString), vb(berOctetString, 'a', 0, 0xff), vb(berNull),
		vb(berOID), vb(berOID, 0x2b, 6, 1, 0x84, 0x80, 0x80, 0x80, 0x00), vb(berOID, 0x88, 0x37, 0x05), // .0.0, a 2^31 arc, 2.999.5
		vb(0x40), vb(0x40, 10, 0, 0, 1), vb(0x40, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), // IpAddress
		vb(0x80), vb(0x81), vb(0x82),
	}
	for _, c := range cases {
		msg := []byte{0x02, 0x01, 0x01, 0x04, 0x01, 'p'}
		pdu := []byte{0x02, 0x01, 0x07, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, berSequence, byte(len(c))}
		pdu = append(pdu, c...)
		msg = append(msg, pduResponse, byte(len(pdu)))
		msg = append(msg, pdu...)
		raw := append([]byte{berSequence, byte(len(msg))}, msg...)
		theirs, err := (&gosnmp.GoSNMP{Version: gosnmp.Version2c, Logger: gosnmp.NewLogger(nil)}).SnmpDecodePacket(append([]byte(nil), raw...))
		if err != nil {
			t.Fatalf("% x: gosnmp: %v", c, err)
		}
		w := wire{reqID: 7}
		ours, m := w.decode(raw, gosnmp.Version2c, nil)
		if m != matchOK {
			t.Fatalf("% x: the fast path did not decode it (%d); gosnmp: %#v", c, m, theirs.Variables)
		}
		if !reflect.DeepEqual(ours.Variables, theirs.Variables) {
			t.Errorf("% x:\n fast   %#v\n gosnmp %#v", c, ours.Variables, theirs.Variables)
		}
	}
}

// TestWireCarriesPolls polls through the client with every identity of the snmpd peer and
// every SNMPv3 user of the simulator (MD5/DES, SHA/AES, SHA256/AES256, SHA without privacy):
// the points equal those of a poll with the fast path switched off (gosnmp for everything),
// and every request, SNMPv3 engine discovery included, goes the fast way.
func TestWireCarriesPolls(t *testing.T) {
	type target struct {
		name string
		cfg  Config
	}
	var targets []target
	agent := peers.StartSnmpd(t)
	for _, id := range identities() {
		cfg := agentConfig(t, agent.Addr, id.cfg)
		cfg.Profiles = cfg.Profiles[:1] // system: stable values, so two polls compare
		targets = append(targets, target{"snmpd " + id.name, cfg})
	}
	_, d := simAgent(t, sim.Config{})
	for _, u := range d.V3Users {
		cfg := testConfig(t, "system")
		cfg.Address, cfg.Version, cfg.User = d.Address, "3", u.Name
		cfg.SecurityLevel, cfg.AuthProtocol, cfg.AuthPassword = u.SecurityLevel(), u.AuthProtocol, collector.Secret(u.AuthPassword)
		cfg.PrivProtocol, cfg.PrivPassword = u.PrivProtocol, collector.Secret(u.PrivPassword)
		targets = append(targets, target{"simulator " + u.Name, cfg})
	}
	ctx := context.Background()
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			poll := func(fast bool) ([]collector.Point, *goSNMPClient) {
				c, err := Dial(ctx, &tg.cfg)
				if err != nil {
					t.Fatal(err)
				}
				gc := c.(*goSNMPClient)
				if !fast {
					gc.noFast = true
				}
				s, err := NewWithClient(tg.cfg, collector.Runtime{}, nil, c)
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				var points []collector.Point
				for range 2 { // the second poll starts with the engine known
					if points, err = s.Poll(ctx); err != nil {
						t.Fatal(err)
					}
				}
				return points, gc
			}
			slow, _ := poll(false)
			fast, gc := poll(true)
			if gc.w.fast == 0 || gc.slow != 0 {
				t.Fatalf("%d requests on the fast path, %d through gosnmp (want none: discovery too is on the fast path)", gc.w.fast, gc.slow)
			}
			if len(fast) == 0 || len(fast) != len(slow) {
				t.Fatalf("fast path %d points, gosnmp %d", len(fast), len(slow))
			}
			for i := range fast {
				a, b := fast[i], slow[i]
				a.Time, b.Time = time.Time{}, time.Time{}
				a.Fields, b.Fields = dropVolatile(a.Fields), dropVolatile(b.Fields)
				if !reflect.DeepEqual(a, b) {
					t.Errorf("point %d:\n fast   %v\n gosnmp %v", i, a, b)
				}
			}
		})
	}
}

// dropVolatile leaves out the unsigned fields (uptime moves between two polls).
func dropVolatile(fs []collector.Field) []collector.Field {
	var out []collector.Field
	for _, f := range fs {
		if f.Kind != collector.KindUint {
			out = append(out, f)
		}
	}
	return out
}

// TestWireTimeoutRetries: a silent agent costs timeout × (retries+1), the fast path's try
// counting as the first, and the error is gosnmp's.
func TestWireTimeoutRetries(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	got := make(chan int, 1)
	go func() {
		n, buf := 0, make([]byte, 2048)
		for {
			_ = pc.SetReadDeadline(time.Now().Add(2 * time.Second))
			if _, _, err := pc.ReadFrom(buf); err != nil {
				got <- n
				return
			}
			n++
		}
	}()
	retries := 2
	cfg := Config{Version: "2c", Community: "public", Address: pc.LocalAddr().String(), Timeout: 200 * time.Millisecond, Retries: &retries}
	c, err := Dial(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, err = c.Get(context.Background(), []string{".1.3.6.1.2.1.1.1.0"})
	took := time.Since(start)
	if err == nil || !isTimeout(err) {
		t.Fatalf("error %v, want a timeout", err)
	}
	if took < 600*time.Millisecond || took > 2*time.Second {
		t.Errorf("took %v, want about 3 × 200ms", took)
	}
	if n := <-got; n != 3 {
		t.Errorf("the agent received %d requests, want 3 (1 + 2 retries)", n)
	}
}

// TestWireLargeDatagrams: an agent whose answers exceed the fast path's first buffer (4 KiB
// against a 64 KiB message size) still yields every interface; the cut answer goes to
// gosnmp once and the buffer grows.
func TestWireLargeDatagrams(t *testing.T) {
	_, d := simAgent(t, sim.Config{SNMPMaxMsgSize: 65507})
	cfg := testConfig(t, "if-mib")
	cfg.Address, cfg.Community = d.Address, collector.Secret(d.Community)
	c, err := Dial(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewWithClient(cfg, collector.Runtime{}, nil, c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 2 {
		points, err := s.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(points) != 12 {
			t.Fatalf("%d points, want one per interface (12)", len(points))
		}
	}
	gc := c.(*goSNMPClient)
	if gc.w.rxSize != rxSize || gc.w.fast == 0 {
		t.Errorf("receive buffer %d bytes after large answers, %d requests on the fast path", gc.w.rxSize, gc.w.fast)
	}
}

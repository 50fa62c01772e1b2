package snmp

import (
	"context"
	"fmt"
	"net"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
	"github.com/netpulse/netpulse/internal/sim"

	"github.com/netpulse/netpulse/internal/ber"
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

// fuzzKeys are the SNMPv3 identities FuzzWireDecode decodes as: noAuthNoPriv (the fuzzer
// reaches the scopedPDU freely), SHA/AES and MD5/DES (it reaches the digest check; the seeds
// carry valid digests, so decryption of well-formed PDUs is covered too).
func fuzzKeys() []*usmKeys {
	key := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + 1)
		}
		return b
	}
	return []*usmKeys{
		{engineID: "\x80\x00\x1f\x88\x04fuzz", user: "u"},
		{engineID: "\x80\x00\x1f\x88\x04fuzz", user: "u", flags: 3, auth: gosnmp.SHA, priv: gosnmp.AES,
			authKey: key(20), privKey: key(16), digestLen: 12, boots: 1, time: 100},
		{engineID: "\x80\x00\x1f\x88\x04fuzz", user: "u", flags: 3, auth: gosnmp.MD5, priv: gosnmp.DES,
			authKey: key(16), privKey: key(16), digestLen: 12, boots: 1, time: 100},
	}
}

// fuzzIDs are the request and message IDs the fuzzed decoder waits for.
const fuzzReqID, fuzzMsgID = 7, 9

// FuzzWireDecode feeds arbitrary datagrams to the fast path's response decoder, which parses
// what untrusted agents send: it must not panic, must allocate in proportion to the datagram,
// and whenever gosnmp decodes a v1/v2c datagram the fast path gives the same PDU or declines
// (leaves it to gosnmp). The first byte picks the version: 0 v1, 1 v2c, 2–4 SNMPv3 as each
// of fuzzKeys.
func FuzzWireDecode(f *testing.F) {
	vbs := [][]byte{}
	for _, c := range []struct {
		typ     byte
		content []byte
	}{{berInteger, []byte{0x80}}, {0x47, []byte{0, 0xff, 0xff, 0xff, 0xff}}, {0x41, []byte{0x05}},
		{0x43, []byte{0, 0x80, 0, 0, 0}}, {0x46, []byte{1, 2, 3, 4, 5, 6, 7, 8}}, {berOctetString, []byte("eth0")},
		{berNull, nil}, {berOID, []byte{0x2b, 6, 1, 0x84, 0x80, 0x80, 0x80, 0}}, {0x40, []byte{10, 0, 0, 1}},
		{0x80, nil}, {0x81, nil}, {0x82, nil}, {0x44, []byte{0x9f, 0x78, 4, 0x3f, 0x80, 0, 0}}} {
		vb := []byte{berSequence, 0, berOID, 10, 0x2b, 6, 1, 2, 1, 2, 2, 1, 2, 1, c.typ, byte(len(c.content))}
		vb = append(vb, c.content...)
		vb[1] = byte(len(vb) - 2)
		vbs = append(vbs, vb)
	}
	v12 := func(version byte, list []byte) []byte {
		pdu := []byte{0x02, 0x01, fuzzReqID, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, berSequence, byte(len(list))}
		pdu = append(pdu, list...)
		msg := []byte{0x02, 0x01, version, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c', pduResponse}
		msg = ber.AppendLength(msg, len(pdu))
		msg = append(msg, pdu...)
		return append(ber.AppendLength([]byte{berSequence}, len(msg)), msg...)
	}
	var all []byte
	for _, vb := range vbs {
		all = append(all, vb...)
		f.Add(append([]byte{1}, v12(1, vb)...))
	}
	f.Add(append([]byte{0}, v12(0, all)...))
	f.Add(append([]byte{1}, v12(1, all)...))
	f.Add(append([]byte{1}, v12(1, nil)...))
	// SNMPv3: a response as the encoder writes a message, each identity.
	for i, k := range fuzzKeys() {
		w := wire{reqID: fuzzReqID, msgID: fuzzMsgID - 1}
		msg, ok := w.encode(gosnmp.Version3, "", k, pduResponse, []string{".1.3.6.1.2.1.1.3.0", ".1.3.6.1.2.1.2.2.1.10.1"}, 0, time.Now())
		if !ok {
			f.Fatalf("encode as %d", i)
		}
		f.Add(append([]byte{byte(2 + i)}, msg...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		mode, dgram := data[0]%5, data[1:]
		version := []gosnmp.SnmpVersion{gosnmp.Version1, gosnmp.Version2c, gosnmp.Version3, gosnmp.Version3, gosnmp.Version3}[mode]
		var k *usmKeys
		if mode >= 2 {
			k = fuzzKeys()[mode-2]
		}
		w := wire{reqID: fuzzReqID, msgID: fuzzMsgID}
		if k != nil && k.flags&2 != 0 {
			// The cipher the client made when it encrypted its request.
			if _, err := w.encrypt(k, nil, make([]byte, 8), 0, 0); err != nil {
				t.Fatal(err)
			}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		pkt, m := w.decode(append([]byte(nil), dgram...), version, k)
		runtime.ReadMemStats(&after)
		// The decoder's scratch and results grow with what the datagram holds: at most one
		// varbind per two bytes, OID text at most four bytes per byte of OID (a one-byte
		// arc is ".127"; ".0.0" for an empty one). TotalAlloc counts the fuzzing engine's
		// goroutines too (a 9-byte input once "allocated" 5.6 KiB), so its bound is loose:
		// it catches a length field turned into a huge make.
		if cap(w.vars) > len(dgram)/2 || cap(w.ends) > len(dgram)/2 || len(w.names) > 4*len(dgram) {
			t.Fatalf("decoding %d bytes kept %d varbinds, %d ends, %d bytes of names", len(dgram), cap(w.vars), cap(w.ends), len(w.names))
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(64*len(dgram)+1<<20) {
			t.Fatalf("decoding %d bytes allocated %d", len(dgram), grew)
		}
		if m != matchOK {
			return
		}
		if pkt == nil || len(pkt.Variables) > len(dgram)/2 {
			t.Fatalf("matchOK with %v", pkt)
		}
		if version == gosnmp.Version3 {
			return // gosnmp needs the agent's localized keys to decode these: the tests above compare polls
		}
		theirs, err := gosnmpDecode(version, dgram)
		if err != nil {
			return // the fast path may accept what gosnmp refuses; it never differs where both decode
		}
		if pkt.Error != theirs.Error || pkt.ErrorIndex != theirs.ErrorIndex || pkt.RequestID != theirs.RequestID ||
			theirs.PDUType != gosnmp.GetResponse {
			t.Fatalf("status %v/%d id %d; gosnmp %v/%d id %d %v", pkt.Error, pkt.ErrorIndex, pkt.RequestID,
				theirs.Error, theirs.ErrorIndex, theirs.RequestID, theirs.PDUType)
		}
		if len(pkt.Variables) != len(theirs.Variables) {
			t.Fatalf("%d varbinds, gosnmp %d", len(pkt.Variables), len(theirs.Variables))
		}
		for i := range pkt.Variables {
			if !reflect.DeepEqual(pkt.Variables[i], theirs.Variables[i]) {
				t.Fatalf("varbind %d:\n fast   %#v\n gosnmp %#v", i, pkt.Variables[i], theirs.Variables[i])
			}
		}
	})
}

// gosnmpDecode decodes a v1/v2c datagram with gosnmp; a panic in gosnmp counts as an error
// (not the fast path's to answer for).
func gosnmpDecode(version gosnmp.SnmpVersion, dgram []byte) (pkt *gosnmp.SnmpPacket, err error) {
	defer func() {
		if r := recover(); r != nil {
			pkt, err = nil, fmt.Errorf("gosnmp panicked: %v", r)
		}
	}()
	return (&gosnmp.GoSNMP{Version: version, Logger: gosnmp.NewLogger(nil)}).SnmpDecodePacket(append([]byte(nil), dgram...))
}

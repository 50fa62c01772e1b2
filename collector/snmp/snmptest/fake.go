package snmptest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/gosnmp/gosnmp"
)

// entry is one object of the fake agent's MIB view, with its OID parsed for ordering.
type entry struct {
	arcs []uint32
	pdu  gosnmp.SnmpPDU
}

// Fake is a map-backed SNMP agent answering GET, GETNEXT and GETBULK in lexicographic OID
// order, as snmp.Client. It is safe for concurrent use.
type Fake struct {
	// V1 makes the fake answer like an SNMPv1 agent: noSuchName errors instead of
	// exceptions, and no GETBULK.
	V1 bool
	// MaxVarbinds truncates GETBULK responses to this many varbinds (0: no limit), as agents
	// do to fit one message (RFC 3416 §4.2.3).
	MaxVarbinds int
	// Err, when set, is returned by every request (a dead or unauthenticated agent).
	Err error

	mu       sync.Mutex
	entries  []entry // sorted by arcs
	requests int
	closed   int
}

// NewFake returns a fake agent serving pdus (any order; names with or without leading dot).
func NewFake(pdus []gosnmp.SnmpPDU) (*Fake, error) {
	f := &Fake{}
	for _, p := range pdus {
		arcs, err := ParseOID(p.Name)
		if err != nil {
			return nil, err
		}
		p.Name = FormatOID(arcs)
		f.entries = append(f.entries, entry{arcs: arcs, pdu: p})
	}
	slices.SortFunc(f.entries, func(a, b entry) int { return slices.Compare(a.arcs, b.arcs) })
	for i := 1; i < len(f.entries); i++ {
		if slices.Equal(f.entries[i-1].arcs, f.entries[i].arcs) {
			return nil, fmt.Errorf("duplicate OID %s", f.entries[i].pdu.Name)
		}
	}
	return f, nil
}

// Set replaces or adds one object (for tests that change values between polls).
func (f *Fake) Set(p gosnmp.SnmpPDU) error {
	arcs, err := ParseOID(p.Name)
	if err != nil {
		return err
	}
	p.Name = FormatOID(arcs)
	f.mu.Lock()
	defer f.mu.Unlock()
	i, found := slices.BinarySearchFunc(f.entries, arcs, func(e entry, t []uint32) int { return slices.Compare(e.arcs, t) })
	if found {
		f.entries[i].pdu = p
		return nil
	}
	f.entries = slices.Insert(f.entries, i, entry{arcs: arcs, pdu: p})
	return nil
}

// Delete removes one object, if present (for tests where a row or value goes away).
func (f *Fake) Delete(oid string) error {
	arcs, err := ParseOID(oid)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if i, found := slices.BinarySearchFunc(f.entries, arcs, func(e entry, t []uint32) int { return slices.Compare(e.arcs, t) }); found {
		f.entries = slices.Delete(f.entries, i, i+1)
	}
	return nil
}

// Requests returns how many requests the fake answered.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Closed returns how many times Close was called.
func (f *Fake) Closed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// Get answers a GetRequest.
func (f *Fake) Get(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx); err != nil {
		return nil, err
	}
	pkt := &gosnmp.SnmpPacket{PDUType: gosnmp.GetResponse}
	for i, o := range oids {
		arcs, err := ParseOID(o)
		if err != nil {
			return nil, err
		}
		j, found := f.find(arcs)
		if found {
			pkt.Variables = append(pkt.Variables, f.entries[j].pdu)
			continue
		}
		if f.V1 {
			return &gosnmp.SnmpPacket{PDUType: gosnmp.GetResponse, Error: gosnmp.NoSuchName, ErrorIndex: uint8(i + 1), Variables: nullVarbinds(oids)}, nil
		}
		pkt.Variables = append(pkt.Variables, gosnmp.SnmpPDU{Name: FormatOID(arcs), Type: gosnmp.NoSuchInstance})
	}
	return pkt, nil
}

// GetNext answers a GetNextRequest.
func (f *Fake) GetNext(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx); err != nil {
		return nil, err
	}
	pkt := &gosnmp.SnmpPacket{PDUType: gosnmp.GetResponse}
	for i, o := range oids {
		arcs, err := ParseOID(o)
		if err != nil {
			return nil, err
		}
		j := f.next(arcs)
		if j < 0 {
			if f.V1 {
				return &gosnmp.SnmpPacket{PDUType: gosnmp.GetResponse, Error: gosnmp.NoSuchName, ErrorIndex: uint8(i + 1), Variables: nullVarbinds(oids)}, nil
			}
			pkt.Variables = append(pkt.Variables, gosnmp.SnmpPDU{Name: FormatOID(arcs), Type: gosnmp.EndOfMibView})
			continue
		}
		pkt.Variables = append(pkt.Variables, f.entries[j].pdu)
	}
	return pkt, nil
}

// GetBulk answers a GetBulkRequest with non-repeaters 0.
func (f *Fake) GetBulk(ctx context.Context, oids []string, maxRepetitions uint32) (*gosnmp.SnmpPacket, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin(ctx); err != nil {
		return nil, err
	}
	if f.V1 {
		return nil, fmt.Errorf("GETBULK not supported in SNMPv1")
	}
	cursors := make([][]uint32, len(oids))
	for i, o := range oids {
		arcs, err := ParseOID(o)
		if err != nil {
			return nil, err
		}
		cursors[i] = arcs
	}
	pkt := &gosnmp.SnmpPacket{PDUType: gosnmp.GetResponse}
	for r := uint32(0); r < maxRepetitions; r++ {
		allEnd := true
		for i := range cursors {
			if f.MaxVarbinds > 0 && len(pkt.Variables) >= f.MaxVarbinds {
				return pkt, nil
			}
			j := f.next(cursors[i])
			if j < 0 {
				pkt.Variables = append(pkt.Variables, gosnmp.SnmpPDU{Name: FormatOID(cursors[i]), Type: gosnmp.EndOfMibView})
				continue
			}
			allEnd = false
			cursors[i] = f.entries[j].arcs
			pkt.Variables = append(pkt.Variables, f.entries[j].pdu)
		}
		if allEnd {
			break // RFC 3416 §4.2.3: an agent may stop once every variable reached the end
		}
	}
	return pkt, nil
}

// Close counts the call; the fake keeps answering (NewWithClient reuses it).
func (f *Fake) Close() error {
	f.mu.Lock()
	f.closed++
	f.mu.Unlock()
	return nil
}

func (f *Fake) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.requests++
	return f.Err
}

func (f *Fake) find(arcs []uint32) (int, bool) {
	return slices.BinarySearchFunc(f.entries, arcs, func(e entry, t []uint32) int { return slices.Compare(e.arcs, t) })
}

// next returns the first entry after arcs, or -1.
func (f *Fake) next(arcs []uint32) int {
	i, found := f.find(arcs)
	if found {
		i++
	}
	if i >= len(f.entries) {
		return -1
	}
	return i
}

func nullVarbinds(oids []string) []gosnmp.SnmpPDU {
	out := make([]gosnmp.SnmpPDU, len(oids))
	for i, o := range oids {
		out[i] = gosnmp.SnmpPDU{Name: o, Type: gosnmp.Null}
	}
	return out
}

// ParseOID parses a dotted numeric OID (leading dot optional).
func ParseOID(s string) ([]uint32, error) {
	t := strings.TrimPrefix(s, ".")
	if t == "" {
		return nil, fmt.Errorf("empty OID")
	}
	parts := strings.Split(t, ".")
	arcs := make([]uint32, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("OID %q: arc %q: %w", s, p, err)
		}
		arcs[i] = uint32(n)
	}
	return arcs, nil
}

// FormatOID renders arcs with a leading dot, as gosnmp names varbinds.
func FormatOID(arcs []uint32) string {
	var b strings.Builder
	for _, a := range arcs {
		b.WriteByte('.')
		b.WriteString(strconv.FormatUint(uint64(a), 10))
	}
	return b.String()
}

package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/internal/gnmiserver"
)

// numCounterLeaves is how many counter leaves an interface has.
const numCounterLeaves = 18

// counterLeaves are the OpenConfig interfaces/state/counters leaves the feeder sends, in the
// order counterValues fills them (openconfig-interfaces.yang, grouping interface-counters-state).
func counterLeaves() [numCounterLeaves]string {
	return [...]string{
		"in-octets", "in-pkts", "in-unicast-pkts", "in-broadcast-pkts", "in-multicast-pkts",
		"in-discards", "in-errors", "in-unknown-protos", "in-fcs-errors",
		"out-octets", "out-pkts", "out-unicast-pkts", "out-broadcast-pkts", "out-multicast-pkts",
		"out-discards", "out-errors", "carrier-transitions", "last-clear",
	}
}

// counterValues fills vals in counterLeaves order.
func counterValues(c *Counters, lastClear uint64, vals *[numCounterLeaves]uint64) {
	*vals = [numCounterLeaves]uint64{
		c.InOctets, c.InPkts(), c.InUnicastPkts, c.InBroadcastPkts, c.InMulticastPkts,
		c.InDiscards, c.InErrors, c.InUnknownProtos, c.InFCSErrors,
		c.OutOctets, c.OutPkts(), c.OutUnicastPkts, c.OutBroadcastPkts, c.OutMulticastPkts,
		c.OutDiscards, c.OutErrors, c.CarrierTransitions, lastClear,
	}
}

// gnmiDevice is one simulated gNMI device: a reference server and the paths it is fed on.
// Only the fleet's feeder goroutine touches the mutable fields.
type gnmiDevice struct {
	name  string
	model *Model
	srv   *gnmiserver.Server
	// Per interface: the prefix elements of .../interface[name=X], of its state and of its
	// state/counters. They are shared by every notification (read-only after start).
	ifElems, stateElems, counterElems [][]*gnmipb.PathElem
	leafPaths                         []*gnmipb.Path // counterLeaves as single-element paths
	operUp                            []bool
	enc                               encoder
}

// Leaf paths shared by notifications of one device.
func elems(names ...string) []*gnmipb.PathElem {
	out := make([]*gnmipb.PathElem, len(names))
	for i, n := range names {
		out[i] = &gnmipb.PathElem{Name: n}
	}
	return out
}

func leaf(name string) *gnmipb.Path { return &gnmipb.Path{Elem: elems(name)} }

// Encoding is how a simulated gNMI device encodes leaf values (gNMI §2.3).
type Encoding int

const (
	// EncodingProto sends typed scalars: uint_val, string_val, bool_val (default).
	EncodingProto Encoding = iota
	// EncodingJSONIETF sends each leaf as json_ietf_val by RFC 7951 §6.1: 64-bit integers
	// (counter64, timeticks64) as JSON strings, smaller integers as JSON numbers (Arista,
	// Nokia SR Linux).
	EncodingJSONIETF
	// EncodingJSON sends each leaf as json_val with every number a JSON number (older
	// Cisco and Juniper releases).
	EncodingJSON
)

// String returns "proto", "json_ietf" or "json".
func (e Encoding) String() string {
	switch e {
	case EncodingJSONIETF:
		return "json_ietf"
	case EncodingJSON:
		return "json"
	}
	return "proto"
}

// ParseEncoding parses "proto", "json_ietf" or "json".
func ParseEncoding(s string) (Encoding, error) {
	switch s {
	case "", "proto":
		return EncodingProto, nil
	case "json_ietf":
		return EncodingJSONIETF, nil
	case "json":
		return EncodingJSON, nil
	}
	return 0, fmt.Errorf("parse gNMI encoding %q: want proto, json_ietf or json", s)
}

// encoder builds a device's leaf values in its encoding. u64 is for 64-bit YANG integers
// (counter64, timeticks64), u32 for uint32 and smaller: the two differ only in JSON_IETF.
type encoder Encoding

func (e encoder) u64(v uint64) *gnmipb.TypedValue {
	if Encoding(e) == EncodingJSONIETF {
		return e.raw(strconv.AppendQuote(nil, strconv.FormatUint(v, 10)))
	}
	return e.u32(v)
}

func (e encoder) u32(v uint64) *gnmipb.TypedValue {
	if Encoding(e) == EncodingProto {
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: v}}
	}
	return e.raw(strconv.AppendUint(nil, v, 10))
}

func (e encoder) str(v string) *gnmipb.TypedValue {
	if Encoding(e) == EncodingProto {
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: v}}
	}
	b, _ := json.Marshal(v)
	return e.raw(b)
}

func (e encoder) bool(v bool) *gnmipb.TypedValue {
	if Encoding(e) == EncodingProto {
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BoolVal{BoolVal: v}}
	}
	return e.raw(strconv.AppendBool(nil, v))
}

func (e encoder) raw(b []byte) *gnmipb.TypedValue {
	if Encoding(e) == EncodingJSON {
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonVal{JsonVal: b}}
	}
	return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: b}}
}

func upDown(up bool) string {
	if up {
		return "UP"
	}
	return "DOWN"
}

// macString formats a MAC as yang:mac-address (RFC 6991), lower case.
func macString(m [6]byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// portSpeed is the openconfig-if-ethernet ETHERNET_SPEED identity for a speed.
func portSpeed(mbps uint64) string {
	switch mbps {
	case 10000:
		return "openconfig-if-ethernet:SPEED_10GB"
	case 25000:
		return "openconfig-if-ethernet:SPEED_25GB"
	case 40000:
		return "openconfig-if-ethernet:SPEED_40GB"
	case 100000:
		return "openconfig-if-ethernet:SPEED_100GB"
	}
	return "openconfig-if-ethernet:SPEED_UNKNOWN"
}

// startGNMI starts one reference server per gNMI device, loads its initial tree, marks it
// synced and starts the fleet's feeder.
func (f *Fleet) startGNMI(ctx context.Context) error {
	if f.cfg.GNMIDevices == 0 {
		return nil
	}
	var ca []byte
	if f.cfg.TLS {
		// The server certificate names every address a device listens on, so clients can
		// verify it whatever the addressing mode.
		hosts := []string{"localhost"}
		seen := map[string]bool{}
		for i := 0; i < f.cfg.GNMIDevices; i++ {
			addr, err := listenAddr(f.cfg.GNMIListen, i, f.cfg.PerDeviceAddress)
			if err != nil {
				return err
			}
			ip := netip.MustParseAddrPort(addr).Addr()
			cands := []string{ip.String()}
			if ip.IsUnspecified() {
				cands = []string{"127.0.0.1", "::1"}
			}
			for _, h := range cands {
				if !seen[h] {
					seen[h] = true
					hosts = append(hosts, h)
				}
			}
		}
		pki, err := gnmiserver.NewPKI(hosts...)
		if err != nil {
			return fmt.Errorf("create gNMI TLS certificates: %w", err)
		}
		f.pki, ca = pki, pki.CAPEM
	}
	t0 := time.Since(f.start)
	for i := 0; i < f.cfg.GNMIDevices; i++ {
		name := deviceName("gnmi", i)
		addr, err := listenAddr(f.cfg.GNMIListen, i, f.cfg.PerDeviceAddress)
		if err != nil {
			return err
		}
		scfg := gnmiserver.Config{
			Targets: []string{name}, Listen: addr,
			Username: f.cfg.GNMIUsername, Password: f.cfg.GNMIPassword,
		}
		if f.pki != nil {
			scfg.TLS = f.pki.ServerTLS(false)
		}
		srv, err := gnmiserver.New(scfg)
		if err != nil {
			return fmt.Errorf("create gNMI server %s: %w", name, err)
		}
		d := newGNMIDevice(name, f.newModel(i, name), srv)
		d.enc = encoder(f.cfg.GNMIEncoding)
		if err := d.loadInitial(f, t0); err != nil {
			return err
		}
		if err := srv.Start(ctx); err != nil {
			return fmt.Errorf("start gNMI server %s: %w", name, err)
		}
		f.gnmi = append(f.gnmi, d)
		f.devices = append(f.devices, Device{
			Name: name, Proto: "gnmi", Address: srv.Addr(), Username: f.cfg.GNMIUsername,
			Password: f.cfg.GNMIPassword, TLS: f.cfg.TLS, CAPEM: ca, Model: d.model,
		})
	}
	f.wg.Add(1)
	go f.feed(ctx)
	return nil
}

// stopGNMI stops every gNMI server (idempotent).
func (f *Fleet) stopGNMI() {
	for _, d := range f.gnmi {
		d.srv.Stop()
	}
}

func newGNMIDevice(name string, m *Model, srv *gnmiserver.Server) *gnmiDevice {
	d := &gnmiDevice{name: name, model: m, srv: srv, operUp: make([]bool, len(m.Interfaces))}
	for _, l := range counterLeaves() {
		d.leafPaths = append(d.leafPaths, leaf(l))
	}
	for _, it := range m.Interfaces {
		ifc := []*gnmipb.PathElem{{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": it.Name}}}
		d.ifElems = append(d.ifElems, ifc)
		d.stateElems = append(d.stateElems, append(ifc[:2:2], &gnmipb.PathElem{Name: "state"}))
		d.counterElems = append(d.counterElems, append(ifc[:2:2], &gnmipb.PathElem{Name: "state"}, &gnmipb.PathElem{Name: "counters"}))
	}
	return d
}

// loadInitial feeds the whole tree once: configuration-like state, counters, /system.
func (d *gnmiDevice) loadInitial(f *Fleet, t time.Duration) error {
	m := d.model
	e := d.enc
	ts := f.start.Add(t).UnixNano()
	for i := range m.Interfaces {
		it := &m.Interfaces[i]
		st := m.State(i, t)
		d.operUp[i] = st.OperUp
		u := func(path string, v *gnmipb.TypedValue) *gnmipb.Update {
			p := &gnmipb.Path{}
			for _, e := range splitPath(path) {
				p.Elem = append(p.Elem, &gnmipb.PathElem{Name: e})
			}
			return &gnmipb.Update{Path: p, Val: v}
		}
		ups := []*gnmipb.Update{
			u("name", e.str(it.Name)),
			u("config/name", e.str(it.Name)),
			u("config/type", e.str("iana-if-type:ethernetCsmacd")),
			u("config/mtu", e.u32(uint64(it.MTU))),
			u("config/description", e.str(it.Description)),
			u("config/enabled", e.bool(it.AdminUp)),
			u("state/name", e.str(it.Name)),
			u("state/type", e.str("iana-if-type:ethernetCsmacd")),
			u("state/mtu", e.u32(uint64(it.MTU))),
			u("state/description", e.str(it.Description)),
			u("state/enabled", e.bool(it.AdminUp)),
			u("state/ifindex", e.u32(uint64(it.IfIndex))),
			u("state/admin-status", e.str(upDown(it.AdminUp))),
			u("state/oper-status", e.str(upDown(st.OperUp))),
			u("state/last-change", e.u64(uint64(m.BootTime().Add(st.LastChange).UnixNano()))),
			u("state/high-speed", e.u32(it.SpeedMbps)),
			u("ethernet/state/mac-address", e.str(macString(it.MAC))),
			u("ethernet/state/port-speed", e.str(portSpeed(it.SpeedMbps))),
		}
		// One update per notification: the cache would otherwise proto.Clone the whole
		// notification for every leaf (the prefix elements are shared, not copied).
		for _, up := range ups {
			n := &gnmipb.Notification{Timestamp: ts, Prefix: &gnmipb.Path{Elem: d.ifElems[i]}, Update: []*gnmipb.Update{up}}
			if err := d.srv.Update(d.name, n); err != nil {
				return fmt.Errorf("load %s: %w", d.name, err)
			}
		}
	}
	sys := &gnmipb.Notification{
		Timestamp: ts,
		Prefix:    &gnmipb.Path{Elem: elems("system")},
		Update: []*gnmipb.Update{
			{Path: &gnmipb.Path{Elem: elems("config", "hostname")}, Val: e.str(m.Name)},
			{Path: &gnmipb.Path{Elem: elems("state", "hostname")}, Val: e.str(m.Name)},
			{Path: &gnmipb.Path{Elem: elems("state", "boot-time")}, Val: e.u64(uint64(m.BootTime().UnixNano()))},
			{Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "cpus"}, {Name: "cpu", Key: map[string]string{"index": "0"}}, {Name: "state"}, {Name: "index"}}}, Val: e.u32(0)},
		},
	}
	if err := d.srv.Update(d.name, sys); err != nil {
		return fmt.Errorf("load %s: %w", d.name, err)
	}
	for _, n := range componentInventory(m, ts, d.enc) {
		if err := d.srv.Update(d.name, n); err != nil {
			return fmt.Errorf("load %s: %w", d.name, err)
		}
	}
	d.tick(f, t)
	d.srv.Sync(d.name)
	return nil
}

// splitPath splits "a/b/c" (no keys) into its elements.
func splitPath(p string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			out = append(out, p[start:i])
			start = i + 1
		}
	}
	return out
}

// tick pushes the values that change over time: counters (in the fleet's shape), oper-status
// and last-change when they changed, current-datetime and the CPU. It returns how many leaf
// updates it pushed.
func (d *gnmiDevice) tick(f *Fleet, t time.Duration) int {
	m := d.model
	now := f.start.Add(t)
	ts := now.UnixNano()
	lastClear := uint64(m.BootTime().UnixNano())
	var vals [numCounterLeaves]uint64
	sent := 0
	push := func(n *gnmipb.Notification) {
		if err := d.srv.Update(d.name, n); err != nil {
			f.log.Warn("update gNMI cache", "target", d.name, "err", err)
			return
		}
		sent += len(n.Update)
	}
	for i := range m.Interfaces {
		c := m.Counters(i, t)
		counterValues(&c, lastClear, &vals)
		if f.cfg.NotificationShape == ShapePerInterface {
			n := &gnmipb.Notification{Timestamp: ts, Atomic: true, Prefix: &gnmipb.Path{Elem: d.counterElems[i]},
				Update: make([]*gnmipb.Update, len(vals))}
			for k, v := range vals {
				n.Update[k] = &gnmipb.Update{Path: d.leafPaths[k], Val: d.enc.u64(v)}
			}
			push(n)
		} else {
			for k, v := range vals {
				push(&gnmipb.Notification{Timestamp: ts, Prefix: &gnmipb.Path{Elem: d.counterElems[i]},
					Update: []*gnmipb.Update{{Path: d.leafPaths[k], Val: d.enc.u64(v)}}})
			}
		}
		st := m.State(i, t)
		if st.OperUp != d.operUp[i] {
			d.operUp[i] = st.OperUp
			push(&gnmipb.Notification{Timestamp: ts, Prefix: &gnmipb.Path{Elem: d.stateElems[i]}, Update: []*gnmipb.Update{
				{Path: leaf("oper-status"), Val: d.enc.str(upDown(st.OperUp))},
				{Path: leaf("last-change"), Val: d.enc.u64(uint64(m.BootTime().Add(st.LastChange).UnixNano()))},
			}})
		}
	}
	push(&gnmipb.Notification{Timestamp: ts, Prefix: &gnmipb.Path{Elem: elems("system")}, Update: []*gnmipb.Update{
		{Path: &gnmipb.Path{Elem: elems("state", "current-datetime")}, Val: d.enc.str(now.UTC().Format(time.RFC3339))},
		{Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "cpus"}, {Name: "cpu", Key: map[string]string{"index": "0"}}, {Name: "state"}, {Name: "total"}, {Name: "instant"}}},
			Val: d.enc.u32(uint64(m.CPU(t)))},
	}})
	for _, n := range componentValues(m, t, ts, d.enc) {
		push(n)
	}
	return sent
}

// feed is the fleet's one ticker: every UpdateInterval it updates every gNMI device, spread
// over GOMAXPROCS workers; with SpreadUpdates the interval is cut into slots and each slot
// updates its share of the devices (device i in slot i mod slots). A tick that overruns
// its slot makes the ticker drop ticks rather than queue them.
func (f *Fleet) feed(ctx context.Context) {
	defer f.wg.Done()
	slots := 1
	if f.cfg.SpreadUpdates {
		// Slots of at least 10 ms: finer would cost the ticker more than it smooths.
		slots = max(1, min(len(f.gnmi), int(f.cfg.UpdateInterval/(10*time.Millisecond))))
	}
	tk := time.NewTicker(f.cfg.UpdateInterval / time.Duration(slots))
	defer tk.Stop()
	workers := min(runtime.GOMAXPROCS(0), len(f.gnmi))
	var round time.Duration // the time spent in this round's slots so far
	for slot := 0; ; slot = (slot + 1) % slots {
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		began := time.Now()
		t := began.Sub(f.start)
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				n := 0
				for i := slot + w*slots; i < len(f.gnmi); i += workers * slots {
					n += f.gnmi[i].tick(f, t)
				}
				f.gnmiUpdates.Add(uint64(n))
			}(w)
		}
		wg.Wait()
		round += time.Since(began)
		if slot < slots-1 {
			continue
		}
		d := int64(round)
		round = 0
		f.gnmiTickSum.Add(d)
		f.gnmiTicks.Add(1)
		if d > f.gnmiMaxTick.Load() {
			f.gnmiMaxTick.Store(d) // only this goroutine writes it
		}
	}
}

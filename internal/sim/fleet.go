package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netpulse/netpulse/internal/gnmiserver"
)

// Shape is how the gNMI feeder packs counter updates into notifications.
type Shape int

const (
	// ShapePerLeaf sends one update per notification (each counter leaf its own
	// notification, as many devices stream in sample mode).
	ShapePerLeaf Shape = iota
	// ShapePerInterface sends all counters of an interface in one atomic notification with
	// the prefix /interfaces/interface[name=X]/state/counters (subscribe at or above that
	// prefix: the reference cache stores atomic notifications under their prefix).
	ShapePerInterface
)

// String returns "leaf" or "interface".
func (s Shape) String() string {
	if s == ShapePerInterface {
		return "interface"
	}
	return "leaf"
}

// ParseShape parses "leaf" or "interface".
func ParseShape(s string) (Shape, error) {
	switch s {
	case "", "leaf":
		return ShapePerLeaf, nil
	case "interface":
		return ShapePerInterface, nil
	}
	return 0, fmt.Errorf("parse notification shape %q: want leaf or interface", s)
}

// Defaults applied by Config.Validate.
const (
	DefaultInterfaces     = 8
	DefaultCommunity      = "public"
	DefaultUpdateInterval = time.Second
	DefaultSNMPMaxMsgSize = 1472 // one Ethernet-MTU-sized UDP datagram, as many devices answer
	DefaultListen         = "127.0.0.1:0"
)

// Config describes a simulated fleet.
type Config struct {
	// SNMPDevices and GNMIDevices are how many devices of each protocol to run.
	SNMPDevices, GNMIDevices int
	// Interfaces is the number of interfaces per device (default 8).
	Interfaces int
	// SNMPListen is where SNMP device i listens (UDP): "host:0" gives every device its own
	// ephemeral port, "host:port" gives device i port+i. Default "127.0.0.1:0".
	SNMPListen string
	// GNMIListen is the same for the gNMI devices (TCP).
	GNMIListen string
	// PerDeviceAddress gives device i the listen IP plus i and the same port instead of
	// port+i, e.g. SNMP on 127.0.0.1:161, 127.0.0.2:161, … (all of 127.0.0.0/8 is loopback on
	// Linux; other systems need the aliases configured).
	PerDeviceAddress bool
	// Community is the SNMPv1/v2c community (default "public"); other communities get no
	// answer.
	Community string
	// V3Users are the USM users (default DefaultV3Users()).
	V3Users []V3User
	// SNMPMaxMsgSize caps an SNMP response (default 1472 bytes); GETBULK answers are cut to
	// fit, as on real agents.
	SNMPMaxMsgSize int
	// SNMPBulkTooBig makes a GETBULK whose full answer does not fit SNMPMaxMsgSize get
	// tooBig with an empty varbind list instead of a cut answer: not what RFC 3416 §4.2.3
	// asks, but what some agents do (MikroTik RouterOS, reported in bonomani/devmon#102;
	// net-snmp/net-snmp#212). Default off.
	SNMPBulkTooBig bool
	// SNMPGenErrColumns are object OIDs (dotted, e.g. "1.3.6.1.2.1.2.2.1.4" for ifMtu) the
	// agent cannot serve: any GET, GETNEXT or GETBULK with a varbind naming the object or one
	// of its instances is answered genErr, error-index pointing at that varbind, the request's
	// varbinds echoed (RFC 3416 §4.2.1–4.2.3), as an agent whose handler for one column
	// fails. Default none.
	SNMPGenErrColumns []string
	// GNMIUsername and GNMIPassword, when the username is set, are required in the gRPC
	// metadata of every gNMI RPC.
	GNMIUsername, GNMIPassword string
	// TLS serves gNMI over TLS with a throwaway CA (Fleet.PKI).
	TLS bool
	// UpdateInterval is how often the gNMI feeder pushes counters (default 1s).
	UpdateInterval time.Duration
	// SpreadUpdates gives each gNMI device its own phase within UpdateInterval (device i
	// of n pushes at i/n of it), as in a fleet of real devices, whose sample timers start
	// when each subscription does. False pushes every device in the same instant: the
	// worst burst a collector can see.
	SpreadUpdates bool
	// Seed makes the models reproducible: the same seed gives the same devices.
	Seed int64
	// NotificationShape is how counter updates are packed (default ShapePerLeaf).
	NotificationShape Shape
	// SNMPResponseDelay is how long each SNMP device takes to answer a request, like an
	// agent with a slow CPU or a busy management plane. A device answers its requests one
	// at a time (as net-snmp's single-threaded snmpd does), so a walk of n requests takes
	// at least n × the delay. Default 0 (as fast as the model computes).
	SNMPResponseDelay time.Duration
	// GNMIEncoding is how the gNMI devices encode leaf values (default EncodingProto), so
	// one model can be served as PROTO, JSON_IETF and JSON by three fleets.
	GNMIEncoding Encoding
	// BrokenSNMPFirmware makes every SNMP device answer like an agent with broken firmware
	// (issue 8): ifHCInOctets, ifHCOutOctets, ifInOctets and ifOutOctets as an OctetString
	// holding the counter's 8 bytes, ifInErrors, ifOutErrors and ifInDiscards as negative
	// Integers, and ifName as binary bytes. Every other object is answered normally.
	BrokenSNMPFirmware bool
	// NumericDescription gives every device's first interface the description "100" (SNMP
	// ifAlias and gNMI description): text that looks like a number.
	NumericDescription bool
}

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if c.SNMPDevices < 0 || c.GNMIDevices < 0 {
		return errors.New("check fleet: device counts must not be negative")
	}
	if c.Interfaces == 0 {
		c.Interfaces = DefaultInterfaces
	}
	if c.Interfaces < 0 || c.Interfaces > 4096 {
		return fmt.Errorf("check fleet: interfaces %d out of range 1..4096", c.Interfaces)
	}
	if c.SNMPListen == "" {
		c.SNMPListen = DefaultListen
	}
	if c.GNMIListen == "" {
		c.GNMIListen = DefaultListen
	}
	for _, l := range []string{c.SNMPListen, c.GNMIListen} {
		if _, err := netip.ParseAddrPort(l); err != nil {
			return fmt.Errorf("check fleet: listen address %q: %w", l, err)
		}
	}
	if c.Community == "" {
		c.Community = DefaultCommunity
	}
	if c.V3Users == nil {
		c.V3Users = DefaultV3Users()
	}
	if c.SNMPMaxMsgSize == 0 {
		c.SNMPMaxMsgSize = DefaultSNMPMaxMsgSize
	}
	if c.SNMPMaxMsgSize < 484 || c.SNMPMaxMsgSize > 65507 {
		// 484 is the minimum every SNMP engine must accept (RFC 3417 §3.2).
		return fmt.Errorf("check fleet: SNMP max message size %d out of range 484..65507", c.SNMPMaxMsgSize)
	}
	for _, col := range c.SNMPGenErrColumns {
		if _, err := parseOID(col); err != nil {
			return fmt.Errorf("check fleet: SNMP genErr column: %w", err)
		}
	}
	if c.UpdateInterval == 0 {
		c.UpdateInterval = DefaultUpdateInterval
	}
	if c.UpdateInterval < 10*time.Millisecond {
		return fmt.Errorf("check fleet: update interval %v below 10ms", c.UpdateInterval)
	}
	if c.SNMPResponseDelay < 0 {
		return fmt.Errorf("check fleet: SNMP response delay %v is negative", c.SNMPResponseDelay)
	}
	return nil
}

// Device is one running simulated device and what a client needs to reach it.
type Device struct {
	// Name is the device's hostname: SNMP sysName and gNMI /system/state/hostname.
	Name string
	// Proto is "snmp" or "gnmi".
	Proto string
	// Address is host:port (UDP for SNMP, TCP for gNMI).
	Address string
	// Community is the SNMPv1/v2c community (SNMP devices).
	Community string
	// V3Users are the SNMPv3 users the device accepts (SNMP devices).
	V3Users []V3User
	// EngineID is the SNMPv3 authoritative engine ID (SNMP devices).
	EngineID []byte
	// Username and Password are the gNMI credentials ("" when not required).
	Username, Password string
	// TLS tells whether the gNMI device serves TLS; CAPEM is then the CA to trust.
	TLS   bool
	CAPEM []byte
	// Model is the device's value model (the same seed and index give the same model on
	// the SNMP and the gNMI side).
	Model *Model
}

// Fleet is a running set of simulated devices.
type Fleet struct {
	cfg     Config
	log     *slog.Logger
	start   time.Time
	devices []Device
	agents  []*agent
	conns   []*net.UDPConn
	gnmi    []*gnmiDevice
	pki     *gnmiserver.PKI
	outPool sync.Pool
	wg      sync.WaitGroup
	stopped <-chan struct{} // closed when the fleet's context ends

	snmpIn, snmpOut atomic.Uint64
	gnmiUpdates     atomic.Uint64
	gnmiTicks       atomic.Uint64
	gnmiMaxTick     atomic.Int64
	gnmiTickSum     atomic.Int64
}

// newModel is device i's model, with the configured quirks.
func (f *Fleet) newModel(i int, name string) *Model {
	m := NewModel(f.cfg.Seed, i, f.cfg.Interfaces, name, f.start)
	if f.cfg.NumericDescription && len(m.Interfaces) > 0 {
		m.Interfaces[0].Description = "100"
	}
	return m
}

// deviceName is the hostname of device i of proto: sim-snmp-0001, sim-gnmi-0001, …
func deviceName(proto string, i int) string { return fmt.Sprintf("sim-%s-%04d", proto, i+1) }

// engineIDFor builds an RFC 3411 SnmpEngineID: enterprise number with the top bit set,
// format 3 (MAC address), then a MAC unique to the device.
func engineIDFor(m *Model) []byte {
	ent := uint32(30065) // Arista
	if m.Vendor == VendorJuniper {
		ent = 2636
	}
	ent |= 0x80000000
	return []byte{byte(ent >> 24), byte(ent >> 16), byte(ent >> 8), byte(ent), 3,
		0x02, 0x00, byte(m.Index >> 16), byte(m.Index >> 8), byte(m.Index), 0x01}
}

// listenAddr is the address of device i for a listen spec: with perAddress, the IP plus i
// and the same port; otherwise port 0 stays 0 (ephemeral) and other ports are consecutive.
func listenAddr(spec string, i int, perAddress bool) (string, error) {
	ap, err := netip.ParseAddrPort(spec)
	if err != nil {
		return "", fmt.Errorf("parse listen address %q: %w", spec, err)
	}
	if perAddress {
		ip := ap.Addr()
		for k := 0; k < i; k++ {
			ip = ip.Next()
		}
		if !ip.IsValid() || (ap.Addr().IsLoopback() && !ip.IsLoopback()) {
			return "", fmt.Errorf("assign address for device %d: beyond %s's range", i, ap.Addr())
		}
		return netip.AddrPortFrom(ip, ap.Port()).String(), nil
	}
	if ap.Port() == 0 {
		return spec, nil
	}
	p := int(ap.Port()) + i
	if p > 65535 {
		return "", fmt.Errorf("assign port for device %d: %d beyond 65535", i, p)
	}
	return net.JoinHostPort(ap.Addr().String(), strconv.Itoa(p)), nil
}

// Start builds the models and starts every device; they run until ctx ends. On error,
// whatever was started is stopped again.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Fleet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &Fleet{cfg: cfg, log: log, start: time.Now()}
	f.outPool.New = func() any { b := make([]byte, 0, cfg.SNMPMaxMsgSize+256); return &b }
	ctx, cancel := context.WithCancel(ctx)
	f.stopped = ctx.Done()
	ok := false
	defer func() {
		if !ok {
			cancel()
			f.closeConns()
			f.stopGNMI()
			f.wg.Wait()
		}
	}()
	if err := f.startSNMP(); err != nil {
		return nil, err
	}
	if err := f.startGNMI(ctx); err != nil {
		return nil, err
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		<-ctx.Done()
		f.closeConns() // unblocks the serve goroutines
		f.stopGNMI()
		cancel()
	}()
	ok = true
	log.Info("simulated fleet started", "snmp", cfg.SNMPDevices, "gnmi", cfg.GNMIDevices, "interfaces", cfg.Interfaces)
	return f, nil
}

// startSNMP binds one UDP socket per SNMP device and starts its serve goroutine.
func (f *Fleet) startSNMP() error {
	if f.cfg.SNMPDevices == 0 {
		return nil
	}
	tmpls := make([]*userTemplate, 0, len(f.cfg.V3Users))
	for _, u := range f.cfg.V3Users {
		t, err := newUserTemplate(u)
		if err != nil {
			return err
		}
		tmpls = append(tmpls, t)
	}
	m := newMIB()
	genErr := make([][]uint32, 0, len(f.cfg.SNMPGenErrColumns))
	for _, col := range f.cfg.SNMPGenErrColumns {
		oid, err := parseOID(col)
		if err != nil {
			return fmt.Errorf("parse SNMP genErr column: %w", err)
		}
		genErr = append(genErr, oid)
	}
	for i := 0; i < f.cfg.SNMPDevices; i++ {
		name := deviceName("snmp", i)
		model := f.newModel(i, name)
		a := &agent{
			broken: f.cfg.BrokenSNMPFirmware,
			dev:    model, mib: m, start: f.start, community: []byte(f.cfg.Community),
			engineID: engineIDFor(model), boots: 1 + uint32(i%3), maxMsg: f.cfg.SNMPMaxMsgSize,
			bulkTooBig: f.cfg.SNMPBulkTooBig, genErr: genErr,
		}
		for _, t := range tmpls {
			u, err := t.localize(a.engineID)
			if err != nil {
				return fmt.Errorf("localize user %q: %w", t.Name, err)
			}
			a.users = append(a.users, u)
		}
		addr, err := listenAddr(f.cfg.SNMPListen, i, f.cfg.PerDeviceAddress)
		if err != nil {
			return err
		}
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return fmt.Errorf("resolve %s: %w", addr, err)
		}
		conn, err := net.ListenUDP("udp", ua)
		if err != nil {
			return fmt.Errorf("listen for %s on %s: %w", name, addr, err)
		}
		f.conns = append(f.conns, conn)
		f.agents = append(f.agents, a)
		f.devices = append(f.devices, Device{
			Name: name, Proto: "snmp", Address: conn.LocalAddr().String(), Community: f.cfg.Community,
			V3Users: f.cfg.V3Users, EngineID: a.engineID, Model: model,
		})
	}
	for i, a := range f.agents {
		f.wg.Add(1)
		go f.serveSNMP(a, f.conns[i])
	}
	return nil
}

// closeConns closes every SNMP socket (idempotent: closing twice returns an error we ignore).
func (f *Fleet) closeConns() {
	for _, c := range f.conns {
		_ = c.Close()
	}
}

// readBufSize bounds an SNMP request; larger requests are truncated and dropped as
// malformed. Requests are small (a walk's request is < 100 bytes), responses are not.
const readBufSize = 4096

// serveSNMP answers one device's socket until it is closed.
func (f *Fleet) serveSNMP(a *agent, conn *net.UDPConn) {
	defer f.wg.Done()
	buf := make([]byte, readBufSize)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue // e.g. a transient ICMP-induced error; the socket is still good
		}
		f.snmpIn.Add(1)
		if !f.delay() {
			return
		}
		ob := f.outPool.Get().(*[]byte)
		resp := a.handle(buf[:n], (*ob)[:0])
		if resp != nil {
			if _, err := conn.WriteToUDPAddrPort(resp, from); err == nil {
				f.snmpOut.Add(1)
			}
			*ob = resp[:0]
		}
		f.outPool.Put(ob)
	}
}

// delay waits Config.SNMPResponseDelay before a device answers; it reports false when the
// fleet stopped meanwhile.
func (f *Fleet) delay() bool {
	if f.cfg.SNMPResponseDelay <= 0 {
		return true
	}
	t := time.NewTimer(f.cfg.SNMPResponseDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-f.stopped:
		return false
	}
}

// Devices lists the running devices: SNMP first, then gNMI, each in index order.
func (f *Fleet) Devices() []Device { return f.devices }

// PKI is the throwaway CA and certificates of the gNMI TLS mode (nil without TLS).
func (f *Fleet) PKI() *gnmiserver.PKI { return f.pki }

// StartTime is the moment every model's time is counted from.
func (f *Fleet) StartTime() time.Time { return f.start }

// Wait blocks until the fleet has stopped (after its context ended).
func (f *Fleet) Wait() { f.wg.Wait() }

// Stats are fleet-wide activity counters.
type Stats struct {
	// SNMPRequests and SNMPResponses count datagrams received and answered.
	SNMPRequests, SNMPResponses uint64
	// GNMIUpdates counts leaf updates pushed into the gNMI caches.
	GNMIUpdates uint64
	// GNMITicks counts feeder rounds; GNMIMaxTick is the longest one (a round longer than
	// the update interval makes the ticker drop rounds).
	GNMITicks   uint64
	GNMIMaxTick time.Duration
	// GNMIMeanTick is the mean duration of a feeder round.
	GNMIMeanTick time.Duration
}

// Stats returns the activity counters so far.
func (f *Fleet) Stats() Stats {
	s := Stats{SNMPRequests: f.snmpIn.Load(), SNMPResponses: f.snmpOut.Load(), GNMIUpdates: f.gnmiUpdates.Load(),
		GNMITicks: f.gnmiTicks.Load(), GNMIMaxTick: time.Duration(f.gnmiMaxTick.Load())}
	if s.GNMITicks > 0 {
		s.GNMIMeanTick = time.Duration(f.gnmiTickSum.Load() / int64(s.GNMITicks))
	}
	return s
}

package sim

import (
	"fmt"
	"math"
	"time"
)

// Vendor is the style a simulated device imitates: it picks interface names, sysDescr,
// sysObjectID and MTU the way that vendor's agents report them.
type Vendor uint8

const (
	// VendorArista names interfaces Ethernet1..M (EOS) and uses a 9214-byte MTU on routed
	// ports.
	VendorArista Vendor = iota
	// VendorJuniper names interfaces et-0/0/0.. (Junos PIC/port numbering, 0-based).
	VendorJuniper
)

// String returns the vendor's short name.
func (v Vendor) String() string {
	if v == VendorJuniper {
		return "juniper"
	}
	return "arista"
}

// Model is one simulated device's deterministic model: every value is a pure function of
// (seed, index, time since the fleet started), so the SNMP and the gNMI view of the same
// model agree and two runs with the same seed agree.
//
// A Model is immutable after NewModel and safe for concurrent use; value methods do not
// allocate.
type Model struct {
	// Name is the hostname (sysName, /system/state/hostname).
	Name string
	// Index is the device's index in its model space (the seed stream it draws from).
	Index int
	// Vendor is the imitated vendor style.
	Vendor Vendor
	// Start is the wall-clock moment the fleet started; times passed to value methods are
	// offsets from it.
	Start time.Time
	// UptimeAtStart is how long the device had been up when the fleet started (counters
	// count from boot, so they are already large).
	UptimeAtStart time.Duration
	// Descr is sysDescr.
	Descr string
	// ObjectID is sysObjectID (dotted, no leading dot).
	ObjectID string
	// Contact is sysContact.
	Contact string
	// Location is sysLocation.
	Location string
	// Interfaces are the device's interfaces, ifIndex order.
	Interfaces []Interface

	// Components are the device's hardware (components.go), entPhysicalIndex order.
	Components []Component

	cpuBase, cpuPhase float64
	objectID          []uint32
	cpuComponent      string
	memUsedBase       float64  // share of RAMBytes in use, mean
	entRows           []uint32 // entPhysicalIndex of each component
	sensorIdx         []uint32 // entPhysicalIndex of each sensor component
	sensorComp        []int    // its position in Components
}

// Interface is one interface's static attributes and traffic parameters.
type Interface struct {
	// Name is ifName / ifDescr and the OpenConfig list key.
	Name string
	// Description is ifAlias / state/description (empty on unused ports, as on real gear).
	Description string
	// IfIndex is the SNMP ifIndex and state/ifindex.
	IfIndex int
	// MTU is ifMtu / state/mtu.
	MTU int
	// SpeedMbps is ifHighSpeed / state/high-speed (Mb/s).
	SpeedMbps uint64
	// MAC is ifPhysAddress / ethernet/state/mac-address.
	MAC [6]byte
	// AdminUp is ifAdminStatus up(1) / admin-status UP.
	AdminUp bool

	traffic [2]direction // 0 in, 1 out
	errs    bool         // this port sees errors
	// Flapping: oper-status goes DOWN for flapDown seconds every flapPeriod seconds.
	flapPeriod, flapDown, flapPhase float64
	lastChange                      float64 // seconds after boot of the last change when not flapping
	carrierBase                     uint64
}

// direction holds the traffic pattern of one direction of an interface.
type direction struct {
	rate    float64    // mean bytes per second
	pktSize float64    // mean bytes per packet
	amp     [4]float64 // relative amplitudes of the four sine components
	phase   [4]float64 // their phases
}

// Periods of the traffic sines (seconds): a day, a quarter hour, a minute and a few seconds,
// so that a 30-second demo already shows rates that move.
const (
	periodDay    = 86400.0
	periodQuart  = 900.0
	periodMinute = 60.0
	periodShort  = 11.0
)

// Counters are an interface's counters at one moment (OpenConfig interfaces/state/counters
// names in comments; IF-MIB objects are these truncated to 32 bits where Counter32).
type Counters struct {
	InOctets           uint64 // in-octets, ifHCInOctets
	InUnicastPkts      uint64 // in-unicast-pkts, ifHCInUcastPkts
	InMulticastPkts    uint64 // in-multicast-pkts, ifHCInMulticastPkts
	InBroadcastPkts    uint64 // in-broadcast-pkts, ifHCInBroadcastPkts
	InDiscards         uint64 // in-discards, ifInDiscards
	InErrors           uint64 // in-errors, ifInErrors
	InUnknownProtos    uint64 // in-unknown-protos, ifInUnknownProtos
	InFCSErrors        uint64 // in-fcs-errors (no IF-MIB object)
	OutOctets          uint64 // out-octets, ifHCOutOctets
	OutUnicastPkts     uint64 // out-unicast-pkts, ifHCOutUcastPkts
	OutMulticastPkts   uint64 // out-multicast-pkts, ifHCOutMulticastPkts
	OutBroadcastPkts   uint64 // out-broadcast-pkts, ifHCOutBroadcastPkts
	OutDiscards        uint64 // out-discards, ifOutDiscards
	OutErrors          uint64 // out-errors, ifOutErrors
	CarrierTransitions uint64 // carrier-transitions
}

// InPkts is in-pkts: the sum of the unicast, multicast and broadcast packets.
func (c *Counters) InPkts() uint64 { return c.InUnicastPkts + c.InMulticastPkts + c.InBroadcastPkts }

// OutPkts is out-pkts.
func (c *Counters) OutPkts() uint64 {
	return c.OutUnicastPkts + c.OutMulticastPkts + c.OutBroadcastPkts
}

// IfState is an interface's operational state at one moment.
type IfState struct {
	// OperUp is ifOperStatus up(1) / oper-status UP.
	OperUp bool
	// LastChange is the device uptime at the last oper-status change (ifLastChange).
	LastChange time.Duration
}

// rng is splitmix64: a tiny deterministic stream, local to one NewModel call.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// float returns a value in [0,1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// between returns a value in [lo,hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// intn returns a value in [0,n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// NewModel builds the model of device index (its seed stream) with m interfaces. The same
// (seed, index, m) always gives the same model; name is only its hostname.
func NewModel(seed int64, index, m int, name string, start time.Time) *Model {
	r := rng{s: uint64(seed)*0x100000001b3 ^ uint64(index)*0x9e3779b97f4a7c15}
	r.next()
	d := &Model{
		Name:          name,
		Index:         index,
		Vendor:        Vendor(index % 2),
		Start:         start,
		UptimeAtStart: time.Duration(r.between(1, 20)*86400) * time.Second,
		Contact:       "noc@example.net",
		cpuBase:       r.between(5, 35),
		cpuPhase:      r.between(0, 2*math.Pi),
	}
	sites := [...]string{"ams1", "fra2", "lon3", "nyc1", "sjc2", "sin1"}
	site := sites[r.intn(len(sites))]
	d.Location = fmt.Sprintf("%s, hall %d, rack %02d", site, 1+r.intn(4), 1+r.intn(40))
	mtu := 9214
	var oui [3]byte
	switch d.Vendor {
	case VendorJuniper:
		d.Descr = "Juniper Networks, Inc. qfx5120-48y-8c Ethernet Switch, kernel JUNOS 22.4R3.25, Build date: 2024-01-18 04:05:32 UTC Copyright (c) 1996-2024 Juniper Networks, Inc."
		d.ObjectID = "1.3.6.1.4.1.2636.1.1.1.4.155.1"
		mtu = 9192
		oui = [3]byte{0x3c, 0x61, 0x04}
	default:
		d.Descr = "Arista Networks EOS version 4.31.2F running on an Arista Networks DCS-7050SX3-48YC8"
		d.ObjectID = "1.3.6.1.4.1.30065.1.3011.7050.3741.48"
		oui = [3]byte{0x00, 0x1c, 0x73}
	}
	d.objectID = mustParseOID(d.ObjectID)
	speeds := [...]uint64{10000, 25000, 25000, 100000}
	uptime := d.UptimeAtStart.Seconds()
	d.Interfaces = make([]Interface, m)
	for i := range d.Interfaces {
		it := &d.Interfaces[i]
		it.IfIndex = i + 1
		it.Name = interfaceName(d.Vendor, i)
		it.MTU = mtu
		it.SpeedMbps = speeds[r.intn(len(speeds))]
		// Vendor OUI, then 12 bits of device index and 12 of port: unique for up to 4,096
		// devices × 4,096 ports.
		low := uint32(index&0xfff)<<12 | uint32(i&0xfff)
		it.MAC = [6]byte{oui[0], oui[1], oui[2], byte(low >> 16), byte(low >> 8), byte(low)}
		it.AdminUp = r.float() >= 0.06
		switch {
		case i < 4 && m > 8:
			it.Description = fmt.Sprintf("uplink: spine%d %s", i+1, interfaceName(d.Vendor, index%32))
			it.SpeedMbps = 100000
		case !it.AdminUp:
			it.Description = ""
		case r.float() < 0.15:
			it.Description = ""
		default:
			it.Description = fmt.Sprintf("server rack%02d-host%02d eth%d", 1+r.intn(40), 1+r.intn(24), r.intn(2))
		}
		util := r.between(0.005, 0.3)
		for dir := range it.traffic {
			t := &it.traffic[dir]
			t.rate = float64(it.SpeedMbps) * 1e6 / 8 * util * r.between(0.6, 1.0)
			t.pktSize = r.between(300, 1200)
			// Amplitudes sum below 1, so the instantaneous rate stays positive and the
			// counters strictly increase.
			t.amp = [4]float64{r.between(0.3, 0.45), r.between(0.05, 0.15), r.between(0.05, 0.1), r.between(0.03, 0.08)}
			for k := range t.phase {
				t.phase[k] = r.between(0, 2*math.Pi)
			}
		}
		it.errs = r.float() < 0.12
		if it.AdminUp && r.float() < 0.06 {
			it.flapPeriod = r.between(120, 900)
			it.flapDown = r.between(3, 20)
			it.flapPhase = r.between(0, it.flapPeriod)
		}
		it.lastChange = r.between(5, math.Min(uptime, 3600))
		it.carrierBase = 2 * uint64(r.intn(4))
	}
	d.buildComponents(&r)
	for i, c := range d.Components {
		d.entRows = append(d.entRows, c.Index)
		if c.Sensor != SensorNone {
			d.sensorIdx = append(d.sensorIdx, c.Index)
			d.sensorComp = append(d.sensorComp, i)
		}
	}
	return d
}

// interfaceName is the vendor's name for the i-th (0-based) front-panel port.
func interfaceName(v Vendor, i int) string {
	if v == VendorJuniper {
		return fmt.Sprintf("et-0/%d/%d", i/48, i%48)
	}
	return fmt.Sprintf("Ethernet%d", i+1)
}

// Uptime is the device's uptime at offset t from the fleet start.
func (d *Model) Uptime(t time.Duration) time.Duration { return d.UptimeAtStart + t }

// BootTime is the wall-clock boot time (/system/state/boot-time).
func (d *Model) BootTime() time.Time { return d.Start.Add(-d.UptimeAtStart) }

// CPU is the total CPU utilisation in percent at offset t
// (/system/cpus/cpu[index=0]/state/total/instant, hrProcessorLoad).
func (d *Model) CPU(t time.Duration) uint8 {
	s := t.Seconds()
	v := d.cpuBase + 12*math.Sin(2*math.Pi*s/300+d.cpuPhase) + 4*math.Sin(2*math.Pi*s/23+2*d.cpuPhase)
	return uint8(math.Max(1, math.Min(99, v)))
}

// downtime is the time an interface has spent oper-down between boot and uptime tau
// (seconds), with the number of down events and the start of the current phase.
func (it *Interface) flap(tau float64) (down float64, events uint64, inDown bool, lastChange float64) {
	if it.flapPeriod == 0 {
		return 0, 0, false, math.Min(it.lastChange, tau)
	}
	p, dd := it.flapPeriod, it.flapDown
	g := func(x float64) float64 {
		n := math.Floor(x / p)
		return n*dd + math.Min(x-n*p, dd)
	}
	x := tau + it.flapPhase
	n := math.Floor(x / p)
	within := x - n*p
	down = g(x) - g(it.flapPhase)
	events = uint64(n - math.Floor(it.flapPhase/p))
	inDown = within < dd
	if inDown {
		lastChange = n*p - it.flapPhase
	} else {
		lastChange = n*p + dd - it.flapPhase
	}
	if lastChange < 0 {
		lastChange = 0
	}
	return down, events, inDown, lastChange
}

// State returns interface i's oper state at offset t from the fleet start.
func (d *Model) State(i int, t time.Duration) IfState {
	it := &d.Interfaces[i]
	tau := d.Uptime(t).Seconds()
	if !it.AdminUp {
		return IfState{OperUp: false, LastChange: time.Duration(it.lastChange * float64(time.Second))}
	}
	_, _, inDown, last := it.flap(tau)
	return IfState{OperUp: !inDown, LastChange: time.Duration(last * float64(time.Second))}
}

// octets integrates the direction's rate over u seconds of up time:
// ∫0^u rate·(1 + Σ a_k sin(2πs/P_k + φ_k)) ds, in closed form, so a value costs four cosines
// and no state.
func (t *direction) octets(u float64) float64 {
	periods := [4]float64{periodDay, periodQuart, periodMinute, periodShort}
	v := u
	for k, p := range periods {
		w := 2 * math.Pi / p
		v += t.amp[k] / w * (math.Cos(t.phase[k]) - math.Cos(w*u+t.phase[k]))
	}
	return t.rate * v
}

// Counters returns interface i's counters at offset t from the fleet start. Counters start at
// zero at boot, stand still while the interface is down and never decrease.
func (d *Model) Counters(i int, t time.Duration) Counters {
	it := &d.Interfaces[i]
	tau := d.Uptime(t).Seconds()
	var c Counters
	if !it.AdminUp {
		return c
	}
	down, events, inDown, _ := it.flap(tau)
	u := tau - down
	in, out := it.traffic[0].octets(u), it.traffic[1].octets(u)
	inPkts, outPkts := in/it.traffic[0].pktSize, out/it.traffic[1].pktSize
	c.InOctets = uint64(in)
	c.OutOctets = uint64(out)
	c.InUnicastPkts = uint64(inPkts * 0.96)
	c.InMulticastPkts = uint64(inPkts * 0.03)
	c.InBroadcastPkts = uint64(inPkts * 0.01)
	c.OutUnicastPkts = uint64(outPkts * 0.97)
	c.OutMulticastPkts = uint64(outPkts * 0.025)
	c.OutBroadcastPkts = uint64(outPkts * 0.005)
	c.InDiscards = uint64(inPkts * 2e-7)
	c.OutDiscards = uint64(outPkts * 5e-7)
	c.InUnknownProtos = uint64(inPkts * 1e-8)
	if it.errs {
		c.InErrors = uint64(inPkts * 3e-7)
		c.InFCSErrors = uint64(inPkts * 2.5e-7)
		c.OutErrors = uint64(outPkts * 1e-8)
	}
	c.CarrierTransitions = it.carrierBase + 2*events
	if inDown && c.CarrierTransitions > 0 {
		c.CarrierTransitions-- // went down, not yet back up
	}
	return c
}

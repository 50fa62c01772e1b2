package sim

import (
	"fmt"
	"math"
	"strconv"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
)

// Components: the hardware of a simulated device, served over SNMP (ENTITY-MIB,
// ENTITY-SENSOR-MIB, HOST-RESOURCES-MIB hrStorage/hrDevice) and over gNMI (OpenConfig
// /components) from this one model, so netpulse's SNMP profiles and its gNMI normalizer
// must write the same `components` lines for both (collector/snmp/PROFILES.md).

// SensorKind is what an entity's sensor measures.
type SensorKind uint8

const (
	SensorNone    SensorKind = iota
	SensorTemp               // °C, tenths (ENTITY-SENSOR celsius, precision 1)
	SensorFan                // rpm (ENTITY-SENSOR rpm)
	SensorRxPower            // dBm, hundredths (ENTITY-SENSOR dBm, precision 2)
	SensorTxPower            // dBm, hundredths
)

// Entity classes used (ENTITY-MIB PhysicalClass, RFC 6933).
const (
	classChassis = 3
	classFan     = 7
	classSensor  = 8
	classModule  = 9
	classCPU     = 12
)

// Component is one entPhysicalEntry / OpenConfig component.
type Component struct {
	Index   uint32 // entPhysicalIndex
	Name    string // entPhysicalName, the OpenConfig component name
	Descr   string
	Class   int    // entPhysicalClass
	Parent  uint32 // entPhysicalContainedIn (0: none)
	Serial  string
	PartNo  string
	Mfg     string
	HwRev   string
	SwRev   string
	FRU     bool
	Sensor  SensorKind
	base    float64 // sensor mean (°C, rpm, dBm)
	amp     float64
	phase   float64
	channel bool // an optical power sensor of its parent transceiver (channel 0)
}

// RAMBytes is the simulated device's memory size (hrStorageSize × 1024, state/memory).
const RAMBytes = 16 << 30

// buildComponents adds the chassis, CPU, fans, temperature sensors and one transceiver with
// Rx/Tx power sensors for each of the first four interfaces.
func (d *Model) buildComponents(r *rng) {
	mfg, part := "Arista Networks", "DCS-7050SX3-48YC8"
	if d.Vendor == VendorJuniper {
		mfg, part = "Juniper Networks", "QFX5120-48Y-8C"
	}
	idx := uint32(0)
	add := func(c Component) *Component {
		idx++
		c.Index = idx
		d.Components = append(d.Components, c)
		return &d.Components[len(d.Components)-1]
	}
	serial := func() string { return fmt.Sprintf("SN%08X", uint32(r.next())) }
	chassis := add(Component{Name: "Chassis", Descr: part + " chassis", Class: classChassis, Serial: serial(),
		PartNo: part, Mfg: mfg, HwRev: "11.02", SwRev: "sim-1.0"}).Index
	d.cpuComponent = "CPU0"
	add(Component{Name: d.cpuComponent, Descr: "CPU0", Class: classCPU, Parent: chassis, Mfg: mfg})
	for i := 1; i <= 2; i++ {
		add(Component{Name: fmt.Sprintf("Fan%d", i), Descr: fmt.Sprintf("Fan tray %d fan", i), Class: classFan, Parent: chassis,
			Serial: serial(), PartNo: "FAN-SIM-F", Mfg: mfg, FRU: true, Sensor: SensorFan,
			base: r.between(5200, 7800), amp: r.between(100, 400), phase: r.between(0, 2*math.Pi)})
	}
	for _, s := range []string{"Inlet", "Outlet", "CPU"} {
		add(Component{Name: "Temp " + s, Descr: s + " temperature sensor", Class: classSensor, Parent: chassis,
			Sensor: SensorTemp, base: r.between(24, 55), amp: r.between(1, 4), phase: r.between(0, 2*math.Pi)})
	}
	for i := 0; i < min(4, len(d.Interfaces)); i++ {
		name := d.Interfaces[i].Name
		x := add(Component{Name: name, Descr: "Transceiver for " + name, Class: classModule, Parent: chassis,
			Serial: serial(), PartNo: "QSFP-100G-SR4", Mfg: "SimOptics", FRU: true}).Index
		rx := r.between(-6, -1)
		add(Component{Name: name + " Rx Power", Descr: name + " Rx Power Sensor", Class: classSensor, Parent: x,
			Sensor: SensorRxPower, base: rx, amp: 0.3, phase: r.between(0, 2*math.Pi), channel: true})
		add(Component{Name: name + " Tx Power", Descr: name + " Tx Power Sensor", Class: classSensor, Parent: x,
			Sensor: SensorTxPower, base: r.between(-2, 1), amp: 0.1, phase: r.between(0, 2*math.Pi), channel: true})
	}
	d.memUsedBase = r.between(0.25, 0.6)
}

// SensorRaw is the sensor's reading at offset t as the integer ENTITY-SENSOR-MIB carries
// (scale units, precision: tenths of °C, rpm, hundredths of dBm). The gNMI side divides
// the same integer, so both transports carry the same number.
func (c *Component) SensorRaw(t time.Duration) int64 {
	v := c.base + c.amp*math.Sin(2*math.Pi*t.Seconds()/120+c.phase)
	switch c.Sensor {
	case SensorTemp:
		return int64(math.Round(v * 10))
	case SensorFan:
		return int64(math.Round(v))
	case SensorRxPower, SensorTxPower:
		return int64(math.Round(v * 100))
	}
	return 0
}

// SensorPrecision is entPhySensorPrecision: decimal places of SensorRaw.
func (c *Component) SensorPrecision() int {
	switch c.Sensor {
	case SensorTemp:
		return 1
	case SensorRxPower, SensorTxPower:
		return 2
	}
	return 0
}

// SensorType is entPhySensorType (RFC 3433): celsius 8, rpm 10, dBm 14.
func (c *Component) SensorType() int {
	switch c.Sensor {
	case SensorTemp:
		return 8
	case SensorFan:
		return 10
	case SensorRxPower, SensorTxPower:
		return 14
	}
	return 1
}

// MemUsedKiB is the used memory in KiB at offset t (hrStorageUsed with 1024-byte units).
func (d *Model) MemUsedKiB(t time.Duration) uint64 {
	frac := d.memUsedBase + 0.05*math.Sin(2*math.Pi*t.Seconds()/600)
	return uint64(frac * RAMBytes / 1024)
}

// CPUComponent is the name of the CPU component (hrDeviceDescr, /components/component).
func (d *Model) CPUComponent() string { return d.cpuComponent }

// entityClassName is the state/type string netpulse writes for an entity class: the
// openconfig-platform-types identity where one exists (collector/snmp entPhysicalClass).
func entityClassName(class int) string {
	switch class {
	case classChassis:
		return "openconfig-platform-types:CHASSIS"
	case classFan:
		return "openconfig-platform-types:FAN"
	case classSensor:
		return "openconfig-platform-types:SENSOR"
	case classCPU:
		return "openconfig-platform-types:CPU"
	case classModule:
		return "module"
	}
	return "other"
}

// componentPrefix is the gNMI prefix of component name.
func componentPrefix(name string) *gnmipb.Path {
	return &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "components"}, {Name: "component", Key: map[string]string{"name": name}}}}
}

// dec64 encodes an OpenConfig decimal64 leaf (temperature, optical power): a double over
// PROTO, a number in JSON, and a string in JSON_IETF (RFC 7951 §6.1: decimal64 is a string).
func (e encoder) dec64(v float64) *gnmipb.TypedValue {
	switch Encoding(e) {
	case EncodingProto:
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_DoubleVal{DoubleVal: v}}
	case EncodingJSONIETF:
		return e.raw(strconv.AppendQuote(nil, strconv.FormatFloat(v, 'f', -1, 64)))
	}
	return e.raw(strconv.AppendFloat(nil, v, 'f', -1, 64))
}

// componentInventory is the /components/component/state inventory of m, one notification
// per component: the same non-empty strings ENTITY-MIB carries (netpulse writes no field
// for a blank entPhysical column).
func componentInventory(m *Model, ts int64, e encoder) []*gnmipb.Notification {
	names := map[uint32]string{}
	for _, c := range m.Components {
		names[c.Index] = c.Name
	}
	var out []*gnmipb.Notification
	for _, c := range m.Components {
		n := &gnmipb.Notification{Timestamp: ts, Prefix: componentPrefix(c.Name)}
		add := func(path string, v *gnmipb.TypedValue) {
			n.Update = append(n.Update, &gnmipb.Update{Path: &gnmipb.Path{Elem: elems(splitPath(path)...)}, Val: v})
		}
		for _, kv := range [][2]string{{"state/description", c.Descr}, {"state/hardware-version", c.HwRev},
			{"state/software-version", c.SwRev}, {"state/serial-no", c.Serial}, {"state/mfg-name", c.Mfg},
			{"state/part-no", c.PartNo}, {"state/parent", names[c.Parent]}, {"state/type", entityClassName(c.Class)}} {
			if kv[1] != "" {
				add(kv[0], e.str(kv[1]))
			}
		}
		add("state/removable", e.bool(c.FRU))
		out = append(out, n)
	}
	return out
}

// componentValues are the changing /components leaves at offset t: CPU, memory, sensors
// (optical power on the parent transceiver's channel 0).
func componentValues(m *Model, t time.Duration, ts int64, e encoder) []*gnmipb.Notification {
	leafVal := func(path string, v *gnmipb.TypedValue) *gnmipb.Update {
		return &gnmipb.Update{Path: &gnmipb.Path{Elem: elems(splitPath(path)...)}, Val: v}
	}
	used := m.MemUsedKiB(t) * 1024
	out := []*gnmipb.Notification{
		{Timestamp: ts, Prefix: componentPrefix(m.CPUComponent()), Update: []*gnmipb.Update{
			leafVal("cpu/utilization/state/instant", e.u32(uint64(m.CPU(t))))}},
		{Timestamp: ts, Prefix: componentPrefix("RAM"), Update: []*gnmipb.Update{
			leafVal("state/memory/utilized", e.u64(used)),
			leafVal("state/memory/available", e.u64(RAMBytes-used))}},
	}
	names := map[uint32]string{}
	for _, c := range m.Components {
		names[c.Index] = c.Name
	}
	for i := range m.Components {
		c := &m.Components[i]
		raw := c.SensorRaw(t)
		switch c.Sensor {
		case SensorTemp:
			out = append(out, &gnmipb.Notification{Timestamp: ts, Prefix: componentPrefix(c.Name), Update: []*gnmipb.Update{
				leafVal("state/temperature/instant", e.dec64(float64(raw)/10))}})
		case SensorFan:
			out = append(out, &gnmipb.Notification{Timestamp: ts, Prefix: componentPrefix(c.Name), Update: []*gnmipb.Update{
				leafVal("fan/state/speed", e.u32(uint64(raw)))}})
		case SensorRxPower, SensorTxPower:
			leafName := "input-power"
			if c.Sensor == SensorTxPower {
				leafName = "output-power"
			}
			p := componentPrefix(names[c.Parent])
			p.Elem = append(p.Elem, &gnmipb.PathElem{Name: "transceiver"}, &gnmipb.PathElem{Name: "physical-channels"},
				&gnmipb.PathElem{Name: "channel", Key: map[string]string{"index": "0"}})
			out = append(out, &gnmipb.Notification{Timestamp: ts, Prefix: p, Update: []*gnmipb.Update{
				leafVal("state/"+leafName+"/instant", e.dec64(float64(raw)/100))}})
		}
	}
	return out
}

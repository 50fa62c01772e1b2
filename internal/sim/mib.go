package sim

import (
	"sort"
	"time"

	"github.com/netpulse/netpulse/internal/ber"
)

// objKind names one MIB object the agent serves.
type objKind uint8

const (
	// SNMPv2-MIB system group (1.3.6.1.2.1.1, RFC 3418).
	oSysDescr objKind = iota
	oSysObjectID
	oSysUpTime
	oSysContact
	oSysName
	oSysLocation
	oSysServices
	oSysORLastChange
	// IF-MIB (RFC 2863).
	oIfNumber
	oIfIndex
	oIfDescr
	oIfType
	oIfMtu
	oIfSpeed
	oIfPhysAddress
	oIfAdminStatus
	oIfOperStatus
	oIfLastChange
	oIfInOctets
	oIfInUcastPkts
	oIfInNUcastPkts
	oIfInDiscards
	oIfInErrors
	oIfInUnknownProtos
	oIfOutOctets
	oIfOutUcastPkts
	oIfOutNUcastPkts
	oIfOutDiscards
	oIfOutErrors
	oIfOutQLen
	oIfSpecific
	oIfName
	oIfInMulticastPkts
	oIfInBroadcastPkts
	oIfOutMulticastPkts
	oIfOutBroadcastPkts
	oIfHCInOctets
	oIfHCInUcastPkts
	oIfHCInMulticastPkts
	oIfHCInBroadcastPkts
	oIfHCOutOctets
	oIfHCOutUcastPkts
	oIfHCOutMulticastPkts
	oIfHCOutBroadcastPkts
	oIfLinkUpDownTrapEnable
	oIfHighSpeed
	oIfPromiscuousMode
	oIfConnectorPresent
	oIfAlias
	oIfCounterDiscontinuityTime
	// HOST-RESOURCES-MIB hrProcessorLoad (RFC 2790), the SNMP side of the gNMI CPU leaf.
	oHrProcessorLoad
	// HOST-RESOURCES-MIB hrDeviceDescr and hrStorageTable (one RAM row).
	oHrDeviceDescr
	oHrStorageType
	oHrStorageDescr
	oHrStorageUnits
	oHrStorageSize
	oHrStorageUsed
	// ENTITY-MIB entPhysicalTable (RFC 6933) and ENTITY-SENSOR-MIB (RFC 3433): components.go.
	oEntDescr
	oEntContainedIn
	oEntClass
	oEntName
	oEntHardwareRev
	oEntSoftwareRev
	oEntSerialNum
	oEntMfgName
	oEntModelName
	oEntIsFRU
	oEntSensorType
	oEntSensorScale
	oEntSensorPrecision
	oEntSensorValue
	oEntSensorOperStatus
	// SNMP-FRAMEWORK-MIB snmpEngine (RFC 3411) and SNMP-USER-BASED-SM-MIB usmStats (RFC
	// 3414): every v3 agent has them, and they sit after mib-2, so a walk of mib-2 ends on
	// them instead of on endOfMibView.
	oSnmpEngineID
	oSnmpEngineBoots
	oSnmpEngineTime
	oSnmpEngineMaxMessageSize
	oUsmStats // + usmStat
)

// Which index a column is keyed by.
const (
	rowsScalar uint8 = iota
	rowsIf
	rowsHr
	rowsEnt     // entPhysicalIndex of every component
	rowsSensor  // entPhysicalIndex of the sensor components
	rowsStorage // hrStorageIndex 1
)

// mibObject is one scalar (instance .0) or table column (instances .<index>).
type mibObject struct {
	oid       []uint32
	rows      uint8
	kind      objKind
	counter64 bool // Counter64 is not representable in SNMPv1 (RFC 3584 §4.2.2.1)
}

// mib is the sorted object list every simulated agent serves (shared, read-only).
type mib struct {
	objects []mibObject
}

// newMIB lists the served objects in lexicographic OID order.
func newMIB() *mib {
	m := &mib{}
	add := func(oid string, rows uint8, k objKind) {
		m.objects = append(m.objects, mibObject{oid: mustParseOID(oid), rows: rows, kind: k})
	}
	sys := "1.3.6.1.2.1.1."
	for i, k := range []objKind{oSysDescr, oSysObjectID, oSysUpTime, oSysContact, oSysName, oSysLocation, oSysServices, oSysORLastChange} {
		add(sys+itoa(i+1), rowsScalar, k)
	}
	add("1.3.6.1.2.1.2.1", rowsScalar, oIfNumber)
	for col := 1; col <= 22; col++ {
		add("1.3.6.1.2.1.2.2.1."+itoa(col), rowsIf, oIfIndex+objKind(col-1))
	}
	add("1.3.6.1.2.1.25.3.3.1.2", rowsHr, oHrProcessorLoad)
	add("1.3.6.1.2.1.25.3.2.1.3", rowsHr, oHrDeviceDescr)
	for col, k := range map[int]objKind{2: oHrStorageType, 3: oHrStorageDescr, 4: oHrStorageUnits, 5: oHrStorageSize, 6: oHrStorageUsed} {
		add("1.3.6.1.2.1.25.2.3.1."+itoa(col), rowsStorage, k)
	}
	for col, k := range map[int]objKind{2: oEntDescr, 4: oEntContainedIn, 5: oEntClass, 7: oEntName, 8: oEntHardwareRev,
		10: oEntSoftwareRev, 11: oEntSerialNum, 12: oEntMfgName, 13: oEntModelName, 16: oEntIsFRU} {
		add("1.3.6.1.2.1.47.1.1.1.1."+itoa(col), rowsEnt, k)
	}
	for col := 1; col <= 5; col++ {
		add("1.3.6.1.2.1.99.1.1.1."+itoa(col), rowsSensor, oEntSensorType+objKind(col-1))
	}
	for col := 1; col <= 19; col++ {
		add("1.3.6.1.2.1.31.1.1.1."+itoa(col), rowsIf, oIfName+objKind(col-1))
		if col >= 6 && col <= 13 {
			m.objects[len(m.objects)-1].counter64 = true
		}
	}
	for i, k := range []objKind{oSnmpEngineID, oSnmpEngineBoots, oSnmpEngineTime, oSnmpEngineMaxMessageSize} {
		add("1.3.6.1.6.3.10.2.1."+itoa(i+1), rowsScalar, k)
	}
	for st := statUnsupportedSecLevels; st <= statDecryptionErrors; st++ {
		add("1.3.6.1.6.3.15.1.1."+itoa(int(st)), rowsScalar, oUsmStats+objKind(st))
	}
	sort.Slice(m.objects, func(i, j int) bool { return compareOID(m.objects[i].oid, m.objects[j].oid) < 0 })
	return m
}

// itoa is strconv.Itoa for small non-negative numbers (keeps newMIB readable).
func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// view is one request's view of one device: the device, the moment all values are taken at
// (one timestamp per PDU, like a real agent's cache), and a one-entry counter cache so a
// GETBULK over many columns of one row computes the counters once.
type view struct {
	dev       *Model
	agent     *agent
	t         time.Duration
	cacheRow  int
	cacheCtrs Counters
	v1        bool
}

// rows is the sorted instance index list of a column.
func (v *view) rowIndex(rows uint8, i int) (uint32, bool) {
	switch rows {
	case rowsIf:
		if i < len(v.dev.Interfaces) {
			return uint32(v.dev.Interfaces[i].IfIndex), true
		}
	case rowsHr, rowsStorage:
		if i < 1 {
			return 1, true
		}
	case rowsEnt, rowsSensor:
		if l := v.indexList(rows); i < len(l) {
			return l[i], true
		}
	}
	return 0, false
}

// indexList is the sorted instance list of component-backed rows.
func (v *view) indexList(rows uint8) []uint32 {
	if rows == rowsSensor {
		return v.dev.sensorIdx
	}
	return v.dev.entRows
}

// findRow returns the position of the row with index idx.
func (v *view) findRow(rows uint8, idx uint32) (int, bool) {
	switch rows {
	case rowsIf:
		// ifIndex is 1..M in order, but search rather than assume.
		ifs := v.dev.Interfaces
		i := sort.Search(len(ifs), func(i int) bool { return uint32(ifs[i].IfIndex) >= idx })
		return i, i < len(ifs) && uint32(ifs[i].IfIndex) == idx
	case rowsHr, rowsStorage:
		return 0, idx == 1
	case rowsEnt, rowsSensor:
		l := v.indexList(rows)
		i := sort.Search(len(l), func(i int) bool { return l[i] >= idx })
		return i, i < len(l) && l[i] == idx
	}
	return 0, false
}

// nextRow returns the first row whose index is > idx.
func (v *view) nextRow(rows uint8, idx uint32) (int, bool) {
	switch rows {
	case rowsIf:
		ifs := v.dev.Interfaces
		i := sort.Search(len(ifs), func(i int) bool { return uint32(ifs[i].IfIndex) > idx })
		return i, i < len(ifs)
	case rowsHr, rowsStorage:
		return 0, idx < 1
	case rowsEnt, rowsSensor:
		l := v.indexList(rows)
		i := sort.Search(len(l), func(i int) bool { return l[i] > idx })
		return i, i < len(l)
	}
	return 0, false
}

// lookup resolves a GET: the object and row, or the exception tag (noSuchObject when no
// object type matches, noSuchInstance when the type exists but this instance does not).
func (m *mib) lookup(v *view, oid []uint32) (*mibObject, int, byte) {
	i := sort.Search(len(m.objects), func(i int) bool { return compareOID(m.objects[i].oid, oid) > 0 }) - 1
	if i < 0 || !hasPrefix(oid, m.objects[i].oid) {
		return nil, 0, tagNoSuchObject
	}
	o := &m.objects[i]
	if v.v1 && o.counter64 {
		return nil, 0, tagNoSuchObject
	}
	suffix := oid[len(o.oid):]
	if len(suffix) != 1 {
		return nil, 0, tagNoSuchInstance
	}
	if o.rows == rowsScalar {
		if suffix[0] != 0 {
			return nil, 0, tagNoSuchInstance
		}
		return o, 0, 0
	}
	r, ok := v.findRow(o.rows, suffix[0])
	if !ok {
		return nil, 0, tagNoSuchInstance
	}
	return o, r, 0
}

// next resolves a GETNEXT: the first instance strictly after oid, or ok=false at the end of
// the MIB view.
func (m *mib) next(v *view, oid []uint32) (o *mibObject, row int, ok bool) {
	// Start at the last object whose OID is <= oid: everything before it is entirely smaller.
	i := sort.Search(len(m.objects), func(i int) bool { return compareOID(m.objects[i].oid, oid) > 0 }) - 1
	if i < 0 {
		i = 0
	}
	for ; i < len(m.objects); i++ {
		o := &m.objects[i]
		if v.v1 && o.counter64 {
			continue
		}
		switch {
		case compareOID(oid, o.oid) < 0 && !hasPrefix(oid, o.oid):
			// oid sorts before the whole object: its first instance is next.
			if o.rows == rowsScalar {
				return o, 0, true
			}
			if _, ok := v.rowIndex(o.rows, 0); ok {
				return o, 0, true
			}
		case hasPrefix(oid, o.oid):
			suffix := oid[len(o.oid):]
			if o.rows == rowsScalar {
				if len(suffix) == 0 {
					return o, 0, true
				}
				continue // .0 or anything after it
			}
			if len(suffix) == 0 {
				if _, ok := v.rowIndex(o.rows, 0); ok {
					return o, 0, true
				}
				continue
			}
			if r, ok := v.nextRow(o.rows, suffix[0]); ok {
				return o, r, true
			}
		}
	}
	return nil, 0, false
}

// appendInstance appends the instance OID of (o, row).
func (v *view) appendInstance(dst []byte, o *mibObject, row int) []byte {
	var buf [32]uint32
	inst := append(buf[:0], o.oid...)
	if o.rows == rowsScalar {
		inst = append(inst, 0)
	} else {
		idx, _ := v.rowIndex(o.rows, row)
		inst = append(inst, idx)
	}
	return appendOID(dst, inst)
}

// counters returns the counters of interface row, cached for the request.
func (v *view) counters(row int) *Counters {
	if v.cacheRow != row+1 {
		v.cacheCtrs = v.dev.Counters(row, v.t)
		v.cacheRow = row + 1
	}
	return &v.cacheCtrs
}

// ticks converts a duration to TimeTicks (hundredths of a second, RFC 2578 §7.1.8).
func ticks(d time.Duration) uint64 { return uint64(d/(10*time.Millisecond)) & 0xffffffff }

// Enumerations from IF-MIB and SNMPv2-TC.
const (
	ifStatusUp       = 1
	ifStatusDown     = 2
	truthTrue        = 1
	truthFalse       = 2
	ifTypeEthernet   = 6 // ethernetCsmacd (IANAifType-MIB)
	sysServicesL2L3  = 6 // layers 2 and 3 (RFC 3418 sysServices: 2^(L-1) summed)
	gauge32Max       = 0xffffffff
	counter32Mask    = 0xffffffff
	linkTrapsEnabled = 1
)

// brokenValue is what an agent with broken firmware (Config.BrokenSNMPFirmware) sends for
// the objects it gets wrong: octet counters as 8 raw bytes in an OctetString, error and
// discard counters as negative Integers, ifName as binary. ok is false for the others.
func (v *view) brokenValue(dst []byte, o *mibObject, row int, it *Interface) ([]byte, bool) {
	c := v.counters(row)
	var x uint64
	switch o.kind {
	case oIfHCInOctets, oIfInOctets:
		x = c.InOctets
	case oIfHCOutOctets, oIfOutOctets:
		x = c.OutOctets
	case oIfInErrors, oIfOutErrors, oIfInDiscards:
		// The Counter32 squeezed into a signed Integer with the top bit set.
		return ber.AppendInt(dst, tagInteger, -1-int64(c.InErrors&0x7fffffff)), true
	case oIfName:
		return appendBytes(dst, tagOctetString, []byte{0xff, 0xfe, 0x00, byte(it.IfIndex >> 8), byte(it.IfIndex)}), true
	default:
		return dst, false
	}
	var b [8]byte
	for i := range b {
		b[i] = byte(x >> (56 - 8*i))
	}
	return appendBytes(dst, tagOctetString, b[:]), true
}

// appendEntity appends an entPhysicalTable column of c.
func appendEntity(dst []byte, c *Component, k objKind) []byte {
	switch k {
	case oEntDescr:
		return appendString(dst, c.Descr)
	case oEntContainedIn:
		return ber.AppendInt(dst, tagInteger, int64(c.Parent))
	case oEntClass:
		return ber.AppendInt(dst, tagInteger, int64(c.Class))
	case oEntName:
		return appendString(dst, c.Name)
	case oEntHardwareRev:
		return appendString(dst, c.HwRev)
	case oEntSoftwareRev:
		return appendString(dst, c.SwRev)
	case oEntSerialNum:
		return appendString(dst, c.Serial)
	case oEntMfgName:
		return appendString(dst, c.Mfg)
	case oEntModelName:
		return appendString(dst, c.PartNo)
	}
	if c.FRU { // oEntIsFRU
		return ber.AppendInt(dst, tagInteger, truthTrue)
	}
	return ber.AppendInt(dst, tagInteger, truthFalse)
}

// appendValue appends the value TLV of (o, row).
func (v *view) appendValue(dst []byte, o *mibObject, row int) []byte {
	d := v.dev
	var it *Interface
	if o.rows == rowsIf {
		it = &d.Interfaces[row]
		if v.agent.broken {
			if b, ok := v.brokenValue(dst, o, row, it); ok {
				return b
			}
		}
	}
	switch o.kind {
	case oSysDescr:
		return appendString(dst, d.Descr)
	case oSysObjectID:
		return appendOID(dst, d.objectID)
	case oSysUpTime:
		return appendUint(dst, tagTimeTicks, ticks(d.Uptime(v.t)))
	case oSysContact:
		return appendString(dst, d.Contact)
	case oSysName:
		return appendString(dst, d.Name)
	case oSysLocation:
		return appendString(dst, d.Location)
	case oSysServices:
		return ber.AppendInt(dst, tagInteger, sysServicesL2L3)
	case oSysORLastChange:
		return appendUint(dst, tagTimeTicks, 0)
	case oIfNumber:
		return ber.AppendInt(dst, tagInteger, int64(len(d.Interfaces)))
	case oIfIndex:
		return ber.AppendInt(dst, tagInteger, int64(it.IfIndex))
	case oIfDescr, oIfName:
		return appendString(dst, it.Name)
	case oIfType:
		return ber.AppendInt(dst, tagInteger, ifTypeEthernet)
	case oIfMtu:
		return ber.AppendInt(dst, tagInteger, int64(it.MTU))
	case oIfSpeed:
		// ifSpeed saturates at 2^32-1 for faster links; ifHighSpeed carries the truth
		// (RFC 2863 §3.1.6).
		return appendUint(dst, tagGauge32, min(it.SpeedMbps*1e6, gauge32Max))
	case oIfPhysAddress:
		return appendBytes(dst, tagOctetString, it.MAC[:])
	case oIfAdminStatus:
		if it.AdminUp {
			return ber.AppendInt(dst, tagInteger, ifStatusUp)
		}
		return ber.AppendInt(dst, tagInteger, ifStatusDown)
	case oIfOperStatus:
		if d.State(row, v.t).OperUp {
			return ber.AppendInt(dst, tagInteger, ifStatusUp)
		}
		return ber.AppendInt(dst, tagInteger, ifStatusDown)
	case oIfLastChange:
		return appendUint(dst, tagTimeTicks, ticks(d.State(row, v.t).LastChange))
	case oIfOutQLen:
		return appendUint(dst, tagGauge32, 0)
	case oIfSpecific:
		return appendOID(dst, []uint32{0, 0})
	case oIfLinkUpDownTrapEnable:
		return ber.AppendInt(dst, tagInteger, linkTrapsEnabled)
	case oIfHighSpeed:
		return appendUint(dst, tagGauge32, it.SpeedMbps)
	case oIfPromiscuousMode:
		return ber.AppendInt(dst, tagInteger, truthFalse)
	case oIfConnectorPresent:
		return ber.AppendInt(dst, tagInteger, truthTrue)
	case oIfAlias:
		return appendString(dst, it.Description)
	case oIfCounterDiscontinuityTime:
		return appendUint(dst, tagTimeTicks, 0)
	case oHrProcessorLoad:
		return ber.AppendInt(dst, tagInteger, int64(d.CPU(v.t)))
	case oHrDeviceDescr:
		return appendString(dst, d.CPUComponent())
	case oHrStorageType:
		return appendOID(dst, []uint32{1, 3, 6, 1, 2, 1, 25, 2, 1, 2}) // hrStorageRam
	case oHrStorageDescr:
		return appendString(dst, "RAM")
	case oHrStorageUnits:
		return ber.AppendInt(dst, tagInteger, 1024)
	case oHrStorageSize:
		return ber.AppendInt(dst, tagInteger, RAMBytes/1024)
	case oHrStorageUsed:
		return ber.AppendInt(dst, tagInteger, int64(d.MemUsedKiB(v.t)))
	}
	if o.kind >= oEntDescr && o.kind <= oEntIsFRU {
		return appendEntity(dst, &d.Components[row], o.kind)
	}
	if o.kind >= oEntSensorType && o.kind <= oEntSensorOperStatus {
		c := &d.Components[d.sensorComp[row]]
		switch o.kind {
		case oEntSensorType:
			return ber.AppendInt(dst, tagInteger, int64(c.SensorType()))
		case oEntSensorScale:
			return ber.AppendInt(dst, tagInteger, 9) // units
		case oEntSensorPrecision:
			return ber.AppendInt(dst, tagInteger, int64(c.SensorPrecision()))
		case oEntSensorValue:
			return ber.AppendInt(dst, tagInteger, c.SensorRaw(v.t))
		default:
			return ber.AppendInt(dst, tagInteger, 1) // ok
		}
	}
	switch o.kind {
	case oSnmpEngineID:
		return appendBytes(dst, tagOctetString, v.agent.engineID)
	case oSnmpEngineBoots:
		return ber.AppendInt(dst, tagInteger, int64(v.agent.boots))
	case oSnmpEngineTime:
		return ber.AppendInt(dst, tagInteger, int64(v.agent.engineTime(v.t)))
	case oSnmpEngineMaxMessageSize:
		return ber.AppendInt(dst, tagInteger, int64(v.agent.maxMsg))
	}
	if o.kind > oUsmStats {
		return appendUint(dst, tagCounter32, uint64(v.agent.stats[o.kind-oUsmStats].Load()))
	}
	c := v.counters(row)
	var x uint64
	tag := byte(tagCounter32)
	switch o.kind {
	case oIfInOctets:
		x = c.InOctets
	case oIfInUcastPkts:
		x = c.InUnicastPkts
	case oIfInNUcastPkts:
		x = c.InMulticastPkts + c.InBroadcastPkts
	case oIfInDiscards:
		x = c.InDiscards
	case oIfInErrors:
		x = c.InErrors
	case oIfInUnknownProtos:
		x = c.InUnknownProtos
	case oIfOutOctets:
		x = c.OutOctets
	case oIfOutUcastPkts:
		x = c.OutUnicastPkts
	case oIfOutNUcastPkts:
		x = c.OutMulticastPkts + c.OutBroadcastPkts
	case oIfOutDiscards:
		x = c.OutDiscards
	case oIfOutErrors:
		x = c.OutErrors
	case oIfInMulticastPkts:
		x = c.InMulticastPkts
	case oIfInBroadcastPkts:
		x = c.InBroadcastPkts
	case oIfOutMulticastPkts:
		x = c.OutMulticastPkts
	case oIfOutBroadcastPkts:
		x = c.OutBroadcastPkts
	default:
		tag = tagCounter64
		switch o.kind {
		case oIfHCInOctets:
			x = c.InOctets
		case oIfHCInUcastPkts:
			x = c.InUnicastPkts
		case oIfHCInMulticastPkts:
			x = c.InMulticastPkts
		case oIfHCInBroadcastPkts:
			x = c.InBroadcastPkts
		case oIfHCOutOctets:
			x = c.OutOctets
		case oIfHCOutUcastPkts:
			x = c.OutUnicastPkts
		case oIfHCOutMulticastPkts:
			x = c.OutMulticastPkts
		case oIfHCOutBroadcastPkts:
			x = c.OutBroadcastPkts
		}
		return appendUint(dst, tag, x)
	}
	// Counter32 objects are the low 32 bits of the 64-bit counter: they wrap like real ones.
	return appendUint(dst, tag, x&counter32Mask)
}

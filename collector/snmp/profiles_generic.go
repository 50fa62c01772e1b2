package snmp

import "fmt"

// Built-in profiles for the standard MIBs beyond IF-MIB: ENTITY-MIB inventory,
// ENTITY-SENSOR-MIB, HOST-RESOURCES-MIB, UCD-SNMP-MIB, LLDP-MIB, LLDP-V2-MIB and BGP4-MIB.
// Every value is written under the measurement, tags and field name that netpulse's gNMI
// normalizer gives the OpenConfig leaf carrying it (PROFILES.md has the full mapping), so
// one dashboard reads both transports.

const (
	oidEntPhysicalEntry = "1.3.6.1.2.1.47.1.1.1.1" // ENTITY-MIB::entPhysicalEntry (RFC 6933)
	oidEntPhySensor     = "1.3.6.1.2.1.99.1.1.1"   // ENTITY-SENSOR-MIB::entPhySensorEntry (RFC 3433)
	oidHrStorageEntry   = "1.3.6.1.2.1.25.2.3.1"   // HOST-RESOURCES-MIB::hrStorageEntry (RFC 2790)
	oidHrDeviceDescr    = "1.3.6.1.2.1.25.3.2.1.3" // HOST-RESOURCES-MIB::hrDeviceDescr
	oidHrProcessorLoad  = "1.3.6.1.2.1.25.3.3.1.2" // HOST-RESOURCES-MIB::hrProcessorLoad
	oidUcdMemory        = "1.3.6.1.4.1.2021.4"     // UCD-SNMP-MIB::memory (scalars, instance 0)
	oidLldpRemEntry     = "1.0.8802.1.1.2.1.4.1.1" // LLDP-MIB::lldpRemEntry (IEEE 802.1AB-2005)
	oidLldpLocPortEntry = "1.0.8802.1.1.2.1.3.7.1" // LLDP-MIB::lldpLocPortEntry
	oidLldpV2RemEntry   = "1.3.111.2.802.1.1.13.1.4.1.1"
	oidBgpPeerEntry     = "1.3.6.1.2.1.15.3.1" // BGP4-MIB::bgpPeerEntry (RFC 4273)
	oidBgpLocalAs       = "1.3.6.1.2.1.15.2"   // BGP4-MIB::bgpLocalAs (instance 0)
	oidIfName           = "1.3.6.1.2.1.31.1.1.1.1"
	oidIfDescr          = "1.3.6.1.2.1.2.2.1.2"
)

// Field names of the components measurement (openconfig-platform and its augments).
const (
	fCPU      = "cpu/utilization/state/instant" // percent
	fMemUsed  = "state/memory/utilized"         // bytes
	fMemAvail = "state/memory/available"        // bytes
	// No OpenConfig leaf: devices that report memory only as a percentage (PROFILES.md).
	fMemPct      = "state/memory/utilized-percent"
	fTemperature = "state/temperature/instant"  // °C
	fFanSpeed    = "fan/state/speed"            // rpm
	fInPower     = "state/input-power/instant"  // dBm (transceiver channel)
	fOutPower    = "state/output-power/instant" // dBm (transceiver channel)
	fLaserBias   = "state/laser-bias-current/instant"
	// No OpenConfig leaf: names chosen under the same measurement (PROFILES.md).
	fVoltage = "state/voltage/instant" // V
	fCurrent = "state/current/instant" // A
	fPower   = "state/power/instant"   // W
)

// componentsMeasurement is the measurement of every /components value.
const componentsMeasurement = "components"

// componentDuplicateTag disambiguates components of one device with the same name (the
// entity index, cpu index or pool index), as interface_index does for interfaces.
const componentDuplicateTag = "component_index"

// inventoryEvery is the poll divisor of inventory tables: part numbers and serials change
// when hardware is swapped, not between polls.
const inventoryEvery = 10

// entPhysicalClass names entPhysicalClass (RFC 6933 PhysicalClass) as the
// openconfig-platform-types identities a gNMI device sends for /components/component/state/type.
func entPhysicalClass() map[int64]string {
	m := map[int64]string{
		1: "other", 2: "unknown", 3: "CHASSIS", 4: "BACKPLANE", 5: "container", 6: "POWER_SUPPLY",
		7: "FAN", 8: "SENSOR", 9: "module", 10: "PORT", 11: "stack", 12: "CPU",
		13: "ENERGY_OBJECT", 14: "BATTERY", 15: "STORAGE",
	}
	for k, v := range m {
		if v[0] >= 'A' && v[0] <= 'Z' {
			m[k] = "openconfig-platform-types:" + v
		}
	}
	return m
}

// entityProfile reads ENTITY-MIB's entPhysicalTable as /components/component/state.
func entityProfile() Profile {
	e := oidEntPhysicalEntry
	return Profile{
		Name: "entity",
		Tables: []Table{{
			Measurement: componentsMeasurement,
			// Names and strings up to a NUL (EdgeOS pads them with NULs and garbage), without
			// the padding spaces Cisco IDPROMs carry ("TED2502H16L     ").
			Columns: map[string]string{
				"name": e + ".7", "descr": e + ".2", "parent_idx": e + ".4", "hw": e + ".8", "fw": e + ".9",
				"sw": e + ".10", "serial": e + ".11", "mfg": e + ".12", "model": e + ".13",
			},
			Fields: map[string]string{
				"state/type":      e + ".5",
				"state/removable": e + ".16",
			},
			Formats: map[string]string{"state/type": "enum", "state/removable": "truthvalue"},
			Enums:   map[string]map[int64]string{"state/type": entPhysicalClass()},
			Lookups: map[string]Lookup{
				"parent_name":  {Column: e + ".7", Key: "parent_idx"},
				"parent_descr": {Column: e + ".2", Key: "parent_idx"},
			},
			ComputedTags: map[string]string{"component_name": "first(cstr(name), cstr(descr), index)"},
			ComputedFields: map[string]string{
				"state/description":      "cstr(descr)",
				"state/hardware-version": "cstr(hw)",
				"state/firmware-version": "cstr(fw)",
				"state/software-version": "cstr(sw)",
				"state/serial-no":        "cstr(serial)",
				"state/mfg-name":         "cstr(mfg)",
				"state/part-no":          "cstr(model)",
				"state/parent":           "first(cstr(parent_name), cstr(parent_descr))",
			},
			Types: map[string]string{
				"state/description": "string", "state/type": "string", "state/hardware-version": "string",
				"state/firmware-version": "string", "state/software-version": "string",
				"state/serial-no": "string", "state/mfg-name": "string", "state/part-no": "string",
				"state/removable": "bool", "state/parent": "string",
			},
			DuplicateTag: componentDuplicateTag,
			Every:        inventoryEvery,
		}},
	}
}

// sensorClass is one OpenConfig value an entity sensor row may yield.
type sensorClass struct {
	cond  string // on the row's vars (type, label, optic, rx)
	field string
	expr  string // of value (scaled to the SI unit)
	valid string
}

// entitySensorClasses maps entPhySensorType (RFC 3433 EntitySensorDataType: voltsAC 3,
// voltsDC 4, amperes 5, watts 6, celsius 8, rpm 10, dBm 14) to fields. Optical power comes
// as dBm, or (Arista DOM) as watts on a sensor named "… Power …": written as dBm.
func entitySensorClasses() []sensorClass {
	// LibreNMS's entity-sensor rules, which RFC 3433 implies: −1000000000 and −127 are the
	// "no reading" values devices send; no board sensor reads above 200 °C.
	const noReading = "raw != -1000000000 && raw != -127"
	return []sensorClass{
		{cond: "type == 8", field: fTemperature, expr: "value", valid: noReading + " && value <= 200"},
		{cond: "type == 10", field: fFanSpeed, expr: "value", valid: noReading + " && value >= 0"},
		{cond: "optic && rx", field: fInPower, expr: "if(type == 6, mw_dbm(value * 1000), value)", valid: noReading},
		{cond: "optic && !rx", field: fOutPower, expr: "if(type == 6, mw_dbm(value * 1000), value)", valid: noReading},
		{cond: "type == 3 || type == 4", field: fVoltage, expr: "value", valid: noReading},
		{cond: "bias", field: fLaserBias, expr: "value * 1000", valid: noReading},
		{cond: "type == 5 && !bias", field: fCurrent, expr: "value", valid: noReading},
		{cond: "type == 6 && !optic", field: fPower, expr: "value", valid: noReading},
	}
}

// entitySensorTables reads a sensor table with ENTITY-SENSOR's layout (type .1, scale .2,
// precision .3, value .4, oper status .5), indexed by entPhysicalIndex:
// CISCO-ENTITY-SENSOR-MIB has the same columns under its own OID. One table serves every
// class: each row yields the one field its type (and name) selects, so the sensor table is
// walked and its rows evaluated once per poll.
func entitySensorTables(base string) []Table {
	fields := map[string]string{}
	valid := map[string]string{}
	types := map[string]string{}
	for _, c := range entitySensorClasses() {
		// RFC 3433 §4: value × 10^(3·(scale−9)) (SI prefix yocto=1 … units=9 … yotta=17),
		// with precision decimal places.
		fields[c.field] = "if(" + c.cond + ", " + sensorExpr(c.expr) + ", null)"
		valid[c.field] = c.valid
		types[c.field] = sensorType(c.field)
	}
	e := oidEntPhysicalEntry
	return []Table{{
		Measurement: componentsMeasurement,
		Columns: map[string]string{
			"type": base + ".1", "scale": base + ".2", "prec": base + ".3", "raw": base + ".4", "oper": base + ".5",
		},
		Lookups: map[string]Lookup{
			"name":         {Column: e + ".7", Key: "index"},
			"descr":        {Column: e + ".2", Key: "index"},
			"parent":       {Column: e + ".4", Key: "index"},
			"parent_descr": {Column: e + ".2", Key: "parent"},
			"parent_name":  {Column: e + ".7", Key: "parent"},
		},
		Vars: map[string]string{
			"label": `first(name, "") + " " + first(descr, "")`,
			// A watts sensor is optical power when its name says so (Arista "DOM RX Power
			// Sensor", "Lane 1 … Power"); a power supply's "Input Power" is not.
			"optic": `type == 14 || type == 6 && (contains(label, "dom") || contains(label, "lane") || contains(label, "rx power") || contains(label, "tx power") || contains(label, "transceiver"))`,
			"rx":    `contains(label, "rx") || contains(label, "receive")`,
			"bias":  `type == 5 && contains(label, "bias")`,
		},
		// oper: ok(1); unavailable(2) and nonoperational(3) readings are not values (an
		// agent without the column, NX-OS, counts as ok).
		Filter: "has(raw) && first(oper, 1) == 1",
		ComputedTags: map[string]string{
			// The transceiver component carries the channel (openconfig-platform-transceiver
			// /components/component/transceiver/physical-channels/channel/state/…): the
			// sensor's parent entity is the transceiver.
			"component_name": "if(optic || bias, first(parent_name, parent_descr, name, descr, index), first(name, descr, index))",
			"channel_index":  `if(optic || bias, "0", null)`,
		},
		ComputedFields: fields,
		Valid:          valid,
		Types:          types,
		DuplicateTag:   componentDuplicateTag,
	}}
}

// sensorType is the type of a sensor field: OpenConfig's fan speed is uint32 rpm, the
// other readings decimal64.
func sensorType(field string) string {
	if field == fFanSpeed {
		return "uint"
	}
	return "float"
}

// sensorExpr substitutes the scaled reading for "value" in expr.
func sensorExpr(expr string) string {
	// Divided by 10^precision rather than multiplied by 10^−precision: 315 / 10 is 31.5
	// exactly, as a gNMI device's decimal64 is.
	// An absent scale is units(9), an absent precision 0; a precision outside the MIB's
	// −8..9 is an agent bug (Cisco's 1615384784, which LibreNMS ignores too) and ignored.
	const scaled = "(raw * pow10(3 * (first(scale, 9) - 9)) / pow10(if(first(prec, 0) > 9 || first(prec, 0) < -8, 0, first(prec, 0))))"
	out := ""
	for i := 0; i < len(expr); {
		if i+5 <= len(expr) && expr[i:i+5] == "value" {
			out += scaled
			i += 5
			continue
		}
		out += expr[i : i+1]
		i++
	}
	return out
}

// entitySensorProfile reads ENTITY-SENSOR-MIB (RFC 3433).
func entitySensorProfile() Profile {
	return Profile{Name: "entity-sensor", Tables: entitySensorTables(oidEntPhySensor)}
}

// hrStorageMemory is the hrStorage part shared by host-resources: RAM-like rows
// (hrStorageOther 1, hrStorageRam 2, hrStorageVirtualMemory 3; disks are not memory).
func hrStorageTable() Table {
	s := oidHrStorageEntry
	// Buffers and cache are reclaimable: on the RAM row they are not counted as utilized,
	// as `free` and LibreNMS do. net-snmp puts them at fixed rows 6 ("Memory buffers") and
	// 7 ("Cached memory"); Arista EOS at 2 ("RAM (Buffers)") and 3 ("RAM (Cache)").
	reclaim := `if(descr == "Physical memory" || descr == "RAM", ` +
		`if(d6 == "Memory buffers", u6, 0) + if(d7 == "Cached memory", u7, 0) + ` +
		`if(d2 == "RAM (Buffers)", u2, 0) + if(d3 == "RAM (Cache)", u3, 0), 0)`
	return Table{
		Measurement: componentsMeasurement,
		Tags:        map[string]string{"component_name": s + ".3"},
		Columns:     map[string]string{"type": s + ".2", "descr": s + ".3", "units": s + ".4", "size": s + ".5", "used": s + ".6"},
		Lookups: map[string]Lookup{
			"d2": {Column: s + ".3", Key: `"2"`}, "u2": {Column: s + ".6", Key: `"2"`},
			"d3": {Column: s + ".3", Key: `"3"`}, "u3": {Column: s + ".6", Key: `"3"`},
			"d6": {Column: s + ".3", Key: `"6"`}, "u6": {Column: s + ".6", Key: `"6"`},
			"d7": {Column: s + ".3", Key: `"7"`}, "u7": {Column: s + ".6", Key: `"7"`},
		},
		// Some agents (Aruba CX) already leave buffers and cache out of "used": then there
		// is nothing to subtract (used < buffers + cache).
		Vars:   map[string]string{"rec": "if(used > " + reclaim + ", " + reclaim + ", 0)"},
		Filter: `(type == "1.3.6.1.2.1.25.2.1.1" || type == "1.3.6.1.2.1.25.2.1.2" || type == "1.3.6.1.2.1.25.2.1.3") && size > 0`,
		ComputedFields: map[string]string{
			fMemUsed:  "(used - rec) * units",
			fMemAvail: "(size - used + rec) * units",
		},
		Types:        map[string]string{fMemUsed: "uint", fMemAvail: "uint"},
		DuplicateTag: componentDuplicateTag,
	}
}

// hostResourcesProfile reads HOST-RESOURCES-MIB (RFC 2790): hrProcessorLoad per processor
// (a one-minute average, RFC 2790) named by hrDeviceDescr, and RAM from hrStorage.
func hostResourcesProfile() Profile {
	return Profile{
		Name: "host-resources",
		Tables: []Table{{
			Measurement:    componentsMeasurement,
			Tags:           map[string]string{"component_name": oidHrDeviceDescr},
			Columns:        map[string]string{"load": oidHrProcessorLoad},
			Filter:         "has(load)",
			ComputedFields: map[string]string{fCPU: "load"},
			Types:          map[string]string{fCPU: "uint"},
			DuplicateTag:   componentDuplicateTag,
		}, hrStorageTable()},
	}
}

// ucdProfile reads UCD-SNMP-MIB memory (net-snmp's /proc/meminfo figures, KiB) as the
// component "Physical memory" (hrStorage's name for it) where hrStorage lacks it, and
// LM-SENSORS-MIB temperatures. Matched to net-snmp agents (sysObjectID NET-SNMP-MIB
// netSnmpAgentOIDs 1.3.6.1.4.1.8072.3.2).
func ucdProfile() Profile {
	m := oidUcdMemory
	return Profile{
		Name:  "ucd",
		Match: &Match{SysObjectID: []string{"1.3.6.1.4.1.8072.3.2"}},
		Tables: []Table{{
			Measurement: componentsMeasurement,
			// memTotalReal .5, memAvailReal .6 (MemFree), memBuffer .14, memCached .15.
			Columns: map[string]string{"total": m + ".5", "free": m + ".6", "buffer": m + ".14", "cached": m + ".15"},
			// net-snmp serves the same figures as hrStorage "Physical memory" (row 1), which
			// host-resources already writes under that name: UCD is the fallback for agents
			// built without the hr_storage module.
			Lookups:      map[string]Lookup{"hr1": {Column: oidHrStorageEntry + ".3", Key: `"1"`}},
			Filter:       `has(total) && hr1 != "Physical memory"`,
			ComputedTags: map[string]string{"component_name": `"Physical memory"`},
			ComputedFields: map[string]string{
				fMemUsed:  "(total - free - first(buffer, 0) - first(cached, 0)) * 1024",
				fMemAvail: "(free + first(buffer, 0) + first(cached, 0)) * 1024",
			},
			Types: map[string]string{fMemUsed: "uint", fMemAvail: "uint"},
		}, {
			// LM-SENSORS-MIB (under UCD) lmTempSensorsTable: name .2, milli-°C .3.
			Measurement:    componentsMeasurement,
			Tags:           map[string]string{"component_name": "1.3.6.1.4.1.2021.13.16.2.1.2"},
			Columns:        map[string]string{"t": "1.3.6.1.4.1.2021.13.16.2.1.3"},
			Filter:         "has(t)",
			ComputedFields: map[string]string{fTemperature: "t / 1000"},
			Valid:          map[string]string{fTemperature: "value > -127 && value <= 200"},
			Types:          map[string]string{fTemperature: "float"},
			DuplicateTag:   componentDuplicateTag,
		}},
	}
}

// lldpSessionState is not needed: LLDP neighbours are state only.

// lldpProfile reads LLDP-MIB's remote table as openconfig-lldp
// /lldp/interfaces/interface[name]/neighbors/neighbor[id]/state (measurement lldp, tags
// interface_name and neighbor_id). The index is lldpRemTimeMark.lldpRemLocalPortNum.
// lldpRemIndex; the local port is named by lldpLocPortDesc/lldpLocPortId, or ifName when the
// port number is the ifIndex (as on most agents).
func lldpProfile() Profile {
	r := oidLldpRemEntry
	return Profile{
		Name: "lldp",
		Tables: []Table{{
			Measurement: "lldp",
			Index:       []IndexPart{{Name: "timemark", Type: "int"}, {Name: "port", Type: "int"}, {Name: "remidx", Type: "int"}},
			Columns: map[string]string{
				"csub": r + ".4", "chassis": r + ".5", "psub": r + ".6", "portid": r + ".7",
			},
			Lookups: map[string]Lookup{
				"ifname":   {Column: oidIfName, Key: "port"},
				"locpid":   {Column: oidLldpLocPortEntry + ".3", Key: "port"},
				"locpdesc": {Column: oidLldpLocPortEntry + ".4", Key: "port"},
				"locpsub":  {Column: oidLldpLocPortEntry + ".2", Key: "port"},
				// Junos sends lldpLocPortId as the ifIndex in decimal.
				"pidifname": {Column: oidIfName, Key: "locpid"},
			},
			Fields: map[string]string{
				"state/port-description":   r + ".8",
				"state/system-name":        r + ".9",
				"state/system-description": r + ".10",
			},
			ComputedTags: map[string]string{
				// lldpLocPortId names the port (VRP, NX-OS), unless it is a number: then it
				// is the ifIndex (Junos). Else the port description, else ifName of the
				// port number (many agents number LLDP ports by ifIndex).
				"interface_name": "first(if(str(num(locpid)) == trim(locpid), pidifname, trim(locpid)), trim(locpdesc), ifname, str(port))",
				"neighbor_id":    "str(remidx)",
			},
			ComputedFields: lldpRemoteComputed(),
			Types:          lldpRemoteTypes(),
			DuplicateTag:   "neighbor_index",
		}},
	}
}

// lldpRemoteComputed is what LLDP-MIB and LLDP-V2-MIB remote rows derive alike from their
// csub/chassis/psub/portid columns and remidx index part. Subtype macAddress(4) (chassis) and
// (3) (port) are six bytes: written as a MAC, as OpenConfig does.
func lldpRemoteComputed() map[string]string {
	return map[string]string{
		"state/chassis-id":      "if(csub == 4, mac(chassis), chassis)",
		"state/chassis-id-type": lldpChassisIDType,
		"state/port-id":         "if(psub == 3, mac(portid), portid)",
		"state/port-id-type":    lldpPortIDType,
		"state/id":              "str(remidx)",
	}
}

// lldpRemoteTypes declares the type of every field an LLDP remote row writes (all strings,
// as openconfig-lldp's neighbor state leaves are).
func lldpRemoteTypes() map[string]string {
	return map[string]string{
		"state/port-description": "string", "state/system-name": "string",
		"state/system-description": "string", "state/chassis-id": "string",
		"state/chassis-id-type": "string", "state/port-id": "string", "state/port-id-type": "string",
		"state/id": "string",
	}
}

// lldpV2Profile reads LLDP-V2-MIB (IEEE 802.1AB-2009), whose remote index carries the local
// ifIndex directly: timeMark.ifIndex.destAddressIndex.remIndex.
func lldpV2Profile() Profile {
	return Profile{Name: "lldp-v2", Tables: []Table{lldpV2Table(oidLldpV2RemEntry, 5)}}
}

// lldpV2Table reads a remote table laid out as LLDP-V2-MIB's lldpV2RemTable (index
// timeMark.ifIndex.destAddressIndex.remIndex; columns chassis-id subtype, chassis id, port-id
// subtype, port id, port description, system name, system description from column first
// on), as LLDP-V2-MIB and TIMETRA-LLDP-MIB both have it.
func lldpV2Table(r string, first int) Table {
	col := func(i int) string { return fmt.Sprintf("%s.%d", r, first+i) }
	return Table{
		Measurement: "lldp",
		Index: []IndexPart{{Name: "timemark", Type: "int"}, {Name: "ifindex", Type: "int"},
			{Name: "dest", Type: "int"}, {Name: "remidx", Type: "int"}},
		Columns: map[string]string{"csub": col(0), "chassis": col(1), "psub": col(2), "portid": col(3)},
		Lookups: map[string]Lookup{
			"ifname":  {Column: oidIfName, Key: "ifindex"},
			"ifdescr": {Column: oidIfDescr, Key: "ifindex"},
		},
		Fields: map[string]string{
			"state/port-description":   col(4),
			"state/system-name":        col(5),
			"state/system-description": col(6),
		},
		ComputedTags: map[string]string{
			"interface_name": "first(ifname, ifdescr, str(ifindex))",
			"neighbor_id":    "str(remidx)",
		},
		ComputedFields: lldpRemoteComputed(),
		Types:          lldpRemoteTypes(),
		DuplicateTag:   "neighbor_index",
	}
}

// nokiaLLDPProfile reads TIMETRA-LLDP-MIB tmnxLldpRemTable 1.3.6.1.4.1.6527.3.1.2.59.4.1.1
// (index timeMark.ifIndex.destMACAddress.remIndex, chassis-id subtype in column 4): SR OS
// serves its LLDP neighbours there and not in LLDP-MIB. It replaces `lldp` where it matches
// and reads LLDP-MIB only when its own table wrote nothing, so no neighbour is written twice.
func nokiaLLDPProfile() Profile {
	fallback := lldpProfile().Tables
	fallback[0].Otherwise = true
	return Profile{Name: "nokia-lldp", Match: enterprise(6527), Replaces: []string{"lldp"},
		Tables: append([]Table{lldpV2Table("1.3.6.1.4.1.6527.3.1.2.59.4.1.1", 4)}, fallback...)}
}

// lldpChassisIDType names LldpChassisIdSubtype (IEEE 802.1AB) as openconfig-lldp's
// chassis-id-type enum.
const lldpChassisIDType = `if(csub == 1, "CHASSIS_COMPONENT", if(csub == 2, "INTERFACE_ALIAS", if(csub == 3, "PORT_COMPONENT", ` +
	`if(csub == 4, "MAC_ADDRESS", if(csub == 5, "NETWORK_ADDRESS", if(csub == 6, "INTERFACE_NAME", if(csub == 7, "LOCAL", str(csub))))))))`

// lldpPortIDType names LldpPortIdSubtype as openconfig-lldp's port-id-type enum.
const lldpPortIDType = `if(psub == 1, "INTERFACE_ALIAS", if(psub == 2, "PORT_COMPONENT", if(psub == 3, "MAC_ADDRESS", ` +
	`if(psub == 4, "NETWORK_ADDRESS", if(psub == 5, "INTERFACE_NAME", if(psub == 6, "AGENT_CIRCUIT_ID", if(psub == 7, "LOCAL", str(psub))))))))`

// bgpSessionState names bgpPeerState (RFC 4273) as openconfig-bgp's session-state enum.
func bgpSessionState() map[int64]string {
	return map[int64]string{1: "IDLE", 2: "CONNECT", 3: "ACTIVE", 4: "OPENSENT", 5: "OPENCONFIRM", 6: "ESTABLISHED"}
}

// bgpTags are the keys of openconfig-network-instance's path to a BGP neighbor
// (/network-instances/network-instance[name]/protocols/protocol[identifier][name]/bgp/
// neighbors/neighbor[neighbor-address]) for the default instance, as the gNMI normalizer
// names them.
func bgpTags(addr string) map[string]string {
	return map[string]string{
		"network-instance_name":     `"DEFAULT"`,
		"protocol_identifier":       `"BGP"`,
		"protocol_name":             `"BGP"`,
		"neighbor_neighbor-address": addr,
	}
}

// bgp4Profile reads BGP4-MIB's bgpPeerTable (RFC 4273, IPv4 peers, indexed by the remote
// address) as openconfig-bgp neighbor state (measurement bgp). The vendor BGP profiles
// (profiles_bgp.go) replace it where they match and read this table only as a fallback.
func bgp4Profile() Profile {
	return Profile{Name: "bgp4", Tables: []Table{bgp4Table()}}
}

// bgp4Table is bgp4Profile's one table.
func bgp4Table() Table {
	b := oidBgpPeerEntry
	return Table{
		Measurement: "bgp",
		Index:       []IndexPart{{Name: "addr", Type: "ipv4"}},
		Columns:     map[string]string{"admin": b + ".3", "ras": b + ".9"},
		Lookups:     map[string]Lookup{"las": {Column: oidBgpLocalAs, Key: `"0"`}},
		Fields: map[string]string{
			"state/session-state":            b + ".2",
			"state/local-address":            b + ".5",
			"state/remote-router-id":         b + ".1",
			"state/messages/received/UPDATE": b + ".10",
			"state/messages/sent/UPDATE":     b + ".11",
			"state/established-transitions":  b + ".15",
		},
		Formats:      map[string]string{"state/session-state": "enum"},
		Enums:        map[string]map[int64]string{"state/session-state": bgpSessionState()},
		ComputedTags: bgpTags("addr"),
		ComputedFields: map[string]string{
			"state/peer-as":          "ras",
			"state/local-as":         "las",
			"state/neighbor-address": "addr",
			"state/enabled":          "admin == 2", // bgpPeerAdminStatus start(2)
		},
		Types: bgpTypes(),
	}
}

// bgpTypes are the declared types of every bgp field (PROFILES.md).
func bgpTypes() map[string]string {
	return map[string]string{
		"state/session-state": "string", "state/local-address": "string", "state/remote-router-id": "string",
		"state/messages/received/UPDATE": "uint", "state/messages/sent/UPDATE": "uint",
		"state/established-transitions": "uint", "state/peer-as": "uint", "state/local-as": "uint",
		"state/neighbor-address": "string", "state/enabled": "bool",
	}
}

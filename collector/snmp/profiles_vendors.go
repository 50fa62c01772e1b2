package snmp

import "fmt"

// Vendor profiles beyond Cisco (profiles_cisco.go): the CPU, memory, environment and optics
// tables each vendor keeps under its enterprise OID. PROFILES.md lists every OID with its
// unit and conversion. Each profile matches on the vendor's sysObjectID prefix.

// cpuTable is a components table whose rows carry one CPU load in percent.
func cpuTable(name, load string, cols map[string]string) Table {
	return componentTable(name, map[string]string{fCPU: load}, map[string]string{fCPU: "uint"}, cols)
}

// componentTable is a components table with computed name and fields over cols.
func componentTable(name string, fields, types, cols map[string]string) Table {
	return Table{
		Measurement:    componentsMeasurement,
		Columns:        cols,
		ComputedTags:   map[string]string{"component_name": "first(" + name + ", index)"},
		ComputedFields: fields,
		Types:          types,
		DuplicateTag:   componentDuplicateTag,
	}
}

// memFields are the two memory fields from bytes-used and bytes-free expressions.
func memFields(used, free string) (map[string]string, map[string]string) {
	return map[string]string{fMemUsed: used, fMemAvail: free}, map[string]string{fMemUsed: "uint", fMemAvail: "uint"}
}

// percentMemTable writes memory a device reports as a percentage of a size in bytes (an
// expression; absent or not positive: the percentage alone).
func percentMemTable(name, pct, size string, cols map[string]string) Table {
	return componentTable(name, map[string]string{
		fMemPct:   pct,
		fMemUsed:  "if(" + size + " > 0, " + size + " * " + pct + " / 100, null)",
		fMemAvail: "if(" + size + " > 0, " + size + " * (100 - " + pct + ") / 100, null)",
	}, map[string]string{fMemPct: "uint", fMemUsed: "uint", fMemAvail: "uint"}, cols)
}

// opticsTable is a transceiver channel's optical power in dBm (and optionally bias in mA and
// module temperature): name is the transceiver component, channel the channel_index.
func opticsTable(name, channel string, fields map[string]string, cols map[string]string, lookups map[string]Lookup) Table {
	// A reading of 0 µW/mW has no dBm value (−∞): it is skipped and counted, not written.
	// Readings the device itself reports as −40 dBm ("no light") are kept: a dark fibre
	// is worth seeing.
	types := map[string]string{}
	valid := map[string]string{}
	for f := range fields {
		types[f] = "float"
	}
	tags := map[string]string{"component_name": name}
	if channel != "" {
		tags["channel_index"] = channel
	}
	return Table{
		Measurement:    componentsMeasurement,
		Columns:        cols,
		Lookups:        lookups,
		ComputedTags:   tags,
		ComputedFields: fields,
		Valid:          valid,
		Types:          types,
		DuplicateTag:   componentDuplicateTag,
	}
}

func enterprise(n int) *Match {
	return &Match{SysObjectID: []string{fmt.Sprintf("1.3.6.1.4.1.%d", n)}}
}

// ifNameLookup names a row by the ifName of the ifIndex expression key.
func ifNameLookup(key string) map[string]Lookup {
	return map[string]Lookup{"ifname": {Column: oidIfName, Key: key}, "ifdescr": {Column: oidIfDescr, Key: key}}
}

// juniperProfile: JUNIPER-MIB jnxOperatingTable (per FRU: CPU %, buffer memory % of
// jnxOperatingMemory MB, temperature °C) and JUNIPER-DOM-MIB (0.01 dBm, per module and per
// lane). Index of jnxOperatingTable: jnxOperatingContentsIndex.L1.L2.L3.
func juniperProfile() Profile {
	const op = "1.3.6.1.4.1.2636.3.1.13.1"
	const dom = "1.3.6.1.4.1.2636.3.60.1.1.1.1"  // jnxDomCurrentEntry, index ifIndex
	const lane = "1.3.6.1.4.1.2636.3.60.1.2.1.1" // jnxDomModuleLaneEntry, index ifIndex.lane
	opCols := map[string]string{"descr": op + ".5", "temp": op + ".7", "cpu": op + ".8", "dram": op + ".10", "buf": op + ".11", "mem": op + ".15"}
	// Memory in bytes: jnxOperatingMemory (MB), else the deprecated jnxOperatingDRAMSize
	// (bytes) of older releases.
	memVars := map[string]string{"memb": "first(mem * 1048576, dram)"}
	cpu := cpuTable("descr", "cpu", opCols)
	cpu.Vars = memVars
	// Rows without memory are not processors (fans, PEMs, the chassis).
	cpu.Filter = "memb > 0"
	memF, memT := memFields("memb * buf / 100", "memb * (100 - buf) / 100")
	mem := componentTable("descr", memF, memT, opCols)
	mem.Vars = memVars
	mem.Filter = "memb > 0"
	temp := componentTable("descr", map[string]string{fTemperature: "temp"}, map[string]string{fTemperature: "float"}, opCols)
	temp.Filter = "temp != 0" // jnxOperatingTemp is 0 on rows without a sensor
	domCols := map[string]string{"rx": dom + ".5", "bias": dom + ".6", "tx": dom + ".7", "mtemp": dom + ".8"}
	// Module-level readings are the transceiver's aggregate (openconfig-platform-transceiver
	// /components/component/transceiver/state/…); lanes are its physical channels.
	module := opticsTable("first(ifname, ifdescr, index)", "", map[string]string{
		"transceiver/state/input-power/instant":  "rx / 100",
		"transceiver/state/output-power/instant": "tx / 100",
		fTemperature:                             "mtemp",
	}, domCols, ifNameLookup("index"))
	// An empty port reads 0 in every column.
	module.Filter = "!(rx == 0 && tx == 0 && mtemp == 0)"
	lanes := opticsTable("first(ifname, ifdescr, str(ifindex))", "str(ln)", map[string]string{
		fInPower:  "rx / 100",
		fOutPower: "tx / 100",
	}, map[string]string{"rx": lane + ".6", "tx": lane + ".8"}, ifNameLookup("ifindex"))
	lanes.Index = []IndexPart{{Name: "ifindex", Type: "int"}, {Name: "ln", Type: "int"}}
	// JNX-OPT-IF-EXT-MIB jnxPMCurTable 1.3.6.1.4.1.2636.3.71.1.2.1.1 (index ifIndex): the
	// coherent OTN optics of MX/PTX line cards, which JUNIPER-DOM leaves out: .7 Tx and .8 Rx
	// power (0.01 dBm), .39 module temperature (°C). Read only where JUNIPER-DOM's module
	// table wrote nothing, so no transceiver is written twice.
	const pm = "1.3.6.1.4.1.2636.3.71.1.2.1.1"
	otn := opticsTable("first(ifname, ifdescr, index)", "", map[string]string{
		"transceiver/state/input-power/instant":  "rx / 100",
		"transceiver/state/output-power/instant": "tx / 100",
		fTemperature:                             "mtemp",
	}, map[string]string{"tx": pm + ".7", "rx": pm + ".8", "mtemp": pm + ".39"}, ifNameLookup("index"))
	otn.Filter = "has(rx) || has(tx)"
	otn.Otherwise = true
	// JUNIPER-SRX5000-SPU-MONITORING-MIB jnxJsSPUMonitoringObjectsTable
	// 1.3.6.1.4.1.2636.3.39.1.12.1.1.1: SRX services processing units, CPUs of their own
	// beside the routing engine: .2 FPC, .3 SPU, .4 CPU %, .5 memory % (no size).
	const spu = "1.3.6.1.4.1.2636.3.39.1.12.1.1.1"
	spuCols := map[string]string{"fpc": spu + ".2", "n": spu + ".3", "cpu": spu + ".4", "memp": spu + ".5"}
	spuName := `"FPC " + str(fpc) + " SPU " + str(n)`
	spuCPU := cpuTable(spuName, "cpu", spuCols)
	spuCPU.Filter = "has(cpu) && has(fpc)"
	spuMem := percentMemTable(spuName, "memp", "0", spuCols)
	spuMem.Filter = "has(memp) && has(fpc)"
	return Profile{
		Name:     "juniper",
		Match:    enterprise(2636),
		Replaces: []string{"host-resources"},
		Tables:   append([]Table{cpu, mem, temp, module, otn, lanes, spuCPU, spuMem}, juniperInventoryTables()...),
	}
}

// nokiaProfile: TIMETRA-SYSTEM-MIB (sgiCpuUsage %, sgiKbMemoryUsed/Available KB),
// TIMETRA-CHASSIS-MIB tmnxHwTemperature (°C, −128 when absent) and TIMETRA-PORT-MIB DDM
// (temperature in 1/256 °C, power in 0.1 µW, per port and per lane). Ports are named by
// ifName: an SR OS port ID is its ifIndex.
func nokiaProfile() Profile {
	const sys = "1.3.6.1.4.1.6527.3.1.2.1.1"
	const hw = "1.3.6.1.4.1.6527.3.1.2.2.1.8.1"    // tmnxHwEntry, index chassis.hwIndex
	const ddm = "1.3.6.1.4.1.6527.3.1.2.2.4.31.1"  // tmnxDDMEntry, index chassis.port
	const lane = "1.3.6.1.4.1.6527.3.1.2.2.4.66.1" // tmnxDDMLaneEntry, index chassis.port.lane
	sysCols := map[string]string{"cpu": sys + ".1", "avail": sys + ".10", "used": sys + ".11"}
	cpu := cpuTable(`"CPU"`, "cpu", sysCols)
	cpu.Filter = "has(cpu)"
	memF, memT := memFields("used * 1024", "avail * 1024")
	mem := componentTable(`"Memory"`, memF, memT, sysCols)
	mem.Filter = "has(used)"
	temp := componentTable("first(name, index)", map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"},
		map[string]string{"name": hw + ".8", "t": hw + ".18"})
	temp.Valid = map[string]string{fTemperature: "value > -128"}
	temp.Filter = "has(t)"
	portIdx := []IndexPart{{Name: "chassis", Type: "int"}, {Name: "port", Type: "int"}}
	module := opticsTable("first(ifname, ifdescr, str(port))", "", map[string]string{
		fTemperature:                             "t / 256",
		"transceiver/state/output-power/instant": "uw_dbm(tx / 10)",
		"transceiver/state/input-power/instant":  "uw_dbm(rx / 10)",
	}, map[string]string{"t": ddm + ".1", "tx": ddm + ".16", "rx": ddm + ".21"}, ifNameLookup("port"))
	module.Index = portIdx
	module.Filter = "has(t) || has(rx)"
	lanes := opticsTable("first(ifname, ifdescr, str(port))", "str(ln)", map[string]string{
		fOutPower: "uw_dbm(tx / 10)",
		fInPower:  "uw_dbm(rx / 10)",
	}, map[string]string{"tx": lane + ".12", "rx": lane + ".17"}, ifNameLookup("port"))
	lanes.Index = append(portIdx, IndexPart{Name: "ln", Type: "int"})
	return Profile{Name: "nokia-sros", Match: enterprise(6527), Tables: append([]Table{cpu, mem, temp, module, lanes}, nokiaInventoryTables()...)}
}

// huaweiProfile: HUAWEI-ENTITY-EXTENT-MIB hwEntityStateTable (per board, entPhysicalIndex:
// CPU %, memory % of hwEntityMemSize bytes, temperature °C) and hwOpticalModuleInfoTable
// (temperature °C, power in µW, or on newer VRP as 0.01 dBm strings).
func huaweiProfile() Profile {
	const st = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1"
	const opt = "1.3.6.1.4.1.2011.5.25.31.1.1.3.1"
	const ts = "1.3.6.1.4.1.2011.5.25.31.1.1.8.1" // hwTemperatureSensorEntry (4-part index)
	name := `first(name, descr, "entity " + index)`
	stCols := map[string]string{"cpu": st + ".5", "memp": st + ".7", "size": st + ".9", "temp": st + ".11",
		"name": oidEntPhysicalEntry + ".7", "descr": oidEntPhysicalEntry + ".2"}
	// Only boards with memory have a CPU (hwEntityMemSize ≠ 0; LibreNMS's rule too). A size
	// of −1 (NetEngine 8000: unknown) gives the percentage alone.
	cpu := cpuTable(name, "cpu", stCols)
	cpu.Filter = "size != 0 && has(cpu)"
	mem := percentMemTable(name, "memp", "size", stCols)
	mem.Filter = "size != 0 && has(memp)"
	temp := componentTable(name, map[string]string{fTemperature: "temp"}, map[string]string{fTemperature: "float"}, stCols)
	temp.Filter = "temp != 0 && has(temp)"
	temp.Valid = map[string]string{fTemperature: "value > -127 && value < 255"}
	optCols := map[string]string{"t": opt + ".5", "rxuw": opt + ".8", "txuw": opt + ".9", "rxdbm": opt + ".32", "txdbm": opt + ".33",
		"name": oidEntPhysicalEntry + ".7", "descr": oidEntPhysicalEntry + ".2"}
	optics := opticsTable(name, `"0"`, map[string]string{
		// The 0.01 dBm string where the agent has it, else µW.
		fInPower: "first(num(rxdbm) / 100, uw_dbm(rxuw))",
		// Tx in µW where the agent has it (a positive value), else the 0.01 dBm string.
		fOutPower: "first(if(txuw > 0, uw_dbm(txuw), null), num(txdbm) / 100)",
	}, optCols, nil)
	optics.Filter = "has(rxuw) || has(rxdbm)"
	optTemp := componentTable(name, map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"}, optCols)
	optTemp.Filter = "has(t) && t != -255"
	optTemp.Valid = map[string]string{fTemperature: "value > -127 && value < 255"}
	sensors := componentTable(`"TempSensor " + index`, map[string]string{fTemperature: "v"}, map[string]string{fTemperature: "float"},
		map[string]string{"v": ts + ".6"})
	sensors.Filter = "has(v)"
	return Profile{Name: "huawei", Match: enterprise(2011), Replaces: []string{"host-resources"},
		Tables: []Table{cpu, mem, temp, optics, optTemp, sensors}}
}

// comwareProfile: HH3C-ENTITY-EXT-MIB hh3cEntityExtStateTable (per entPhysicalIndex: CPU %,
// memory % of hh3cEntityExtMemSize bytes, temperature °C; 0 and 65535 mean none).
func comwareProfile() Profile {
	const st = "1.3.6.1.4.1.25506.2.6.1.1.1.1"
	name := `first(name, descr, "entity " + index)`
	cols := map[string]string{"cpu": st + ".6", "memp": st + ".8", "size": st + ".10", "temp": st + ".12",
		"name": oidEntPhysicalEntry + ".7", "descr": oidEntPhysicalEntry + ".2"}
	cpu := cpuTable(name, "cpu", cols)
	cpu.Filter = "cpu > 0" // LibreNMS's rule: modules reporting 0 have no CPU
	mem := percentMemTable(name, "memp", "size", cols)
	mem.Filter = "memp > 0"
	temp := componentTable(name, map[string]string{fTemperature: "temp"}, map[string]string{fTemperature: "float"}, cols)
	temp.Filter = "temp > 0 && temp != 65535"
	// HH3C-TRANSCEIVER-INFO-MIB hh3cTransceiverInfoTable 1.3.6.1.4.1.25506.2.70.1.1.1 (index
	// ifIndex): .9 Tx and .12 Rx power (0.01 dBm), .15 temperature (°C), .17 bias (0.01 mA);
	// 2147483647 is "not supported" (copper and non-DDM modules).
	const xcvr = "1.3.6.1.4.1.25506.2.70.1.1.1"
	optics := opticsTable("first(ifname, ifdescr, index)", `"0"`, map[string]string{
		fOutPower:    "if(tx != 2147483647, tx / 100, null)",
		fInPower:     "if(rx != 2147483647, rx / 100, null)",
		fLaserBias:   "if(bias != 2147483647, bias / 100, null)",
		fTemperature: "if(t != 2147483647, t, null)",
	}, map[string]string{"tx": xcvr + ".9", "rx": xcvr + ".12", "t": xcvr + ".15", "bias": xcvr + ".17"}, ifNameLookup("index"))
	optics.Filter = "(has(tx) && tx != 2147483647) || (has(rx) && rx != 2147483647)"
	return Profile{Name: "hpe-comware", Match: &Match{SysObjectID: []string{"1.3.6.1.4.1.25506", "1.3.6.1.4.1.2011.2.23"}},
		Tables: []Table{cpu, mem, temp, optics}}
}

// dellProfile: Dell EMC Networking OS9 (FORCE10/DELL-NETWORKING-CHASSIS-MIB): stack unit
// temperature (°C) and the transceiver DOM table, whose readings are decimal strings (dBm
// per lane 1–4, °C).
func dellProfile() Profile {
	const unit = "1.3.6.1.4.1.6027.3.26.1.3.4.1" // dellNetStackUnitEntry
	const dom = "1.3.6.1.4.1.6027.3.11.1.3.1.1"  // DOM entry, index ifIndex
	temp := componentTable(`"Stack Unit " + index`, map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"},
		map[string]string{"t": unit + ".13"})
	temp.Filter = "has(t)"
	tables := []Table{temp}
	domCols := map[string]string{"port": dom + ".2", "t": dom + ".16"}
	for l := 1; l <= 4; l++ {
		domCols[fmt.Sprintf("tx%d", l)] = fmt.Sprintf("%s.%d", dom, 7+l)
		domCols[fmt.Sprintf("rx%d", l)] = fmt.Sprintf("%s.%d", dom, 11+l)
	}
	for l := 1; l <= 4; l++ {
		t := opticsTable("first(port, index)", fmt.Sprintf(`"%d"`, l), map[string]string{
			fOutPower: fmt.Sprintf("num(tx%d)", l),
			fInPower:  fmt.Sprintf("num(rx%d)", l),
		}, domCols, nil)
		t.Filter = fmt.Sprintf("num(tx%d) != 0 || num(rx%d) != 0", l, l)
		tables = append(tables, t)
	}
	dt := componentTable("first(port, index)", map[string]string{fTemperature: "num(t)"}, map[string]string{fTemperature: "float"}, domCols)
	dt.Filter = "has(num(t))"
	tables = append(tables, dt)
	tables = append(tables, dellCPUMemTables()...)
	return Profile{Name: "dell-os9", Match: enterprise(6027), Tables: tables}
}

// dellCPUMemTables: DELL-NETWORKING-CHASSIS-MIB (OS9 9.x) per stack-unit CPU and memory, else
// the older F10-S-SERIES-CHASSIS-MIB, and the power supply and fan tray states.
//   - dellNetCpuUtilTable 1.3.6.1.4.1.6027.3.26.1.4.4.1 (index deviceType.unit.processor):
//     .5 dellNetCpuUtil5Min (%), .6 dellNetCpuUtilMemUsage (%); dellNetProcessorTable
//     …3.26.1.4.3.1 .6 dellNetProcessorMemSize (MB), same index.
//   - chStackUnitUtilTable 1.3.6.1.4.1.6027.3.10.1.2.9.1 (index unit): .4
//     chStackUnitCpuUtil5Min, .5 chStackUnitMemUsageUtil (%, no size).
//   - dellNetPowerSupplyOperStatus …3.26.1.4.6.1.4 and dellNetFanTrayOperStatus
//     …3.26.1.4.7.1.4 (index deviceType.unit.n): up(1), down(2), absent(3).
//
// The CPU load is the 5-minute average, as for Cisco (cpmCPUTotal5minRev).
func dellCPUMemTables() []Table {
	const util = "1.3.6.1.4.1.6027.3.26.1.4.4.1"
	const proc = "1.3.6.1.4.1.6027.3.26.1.4.3.1"
	const s = "1.3.6.1.4.1.6027.3.10.1.2.9.1"
	idx := []IndexPart{{Name: "dt", Type: "int"}, {Name: "unit", Type: "int"}, {Name: "n", Type: "int"}}
	name := `"Stack Unit " + str(unit) + " CPU"`
	cols := map[string]string{"cpu": util + ".5", "mem": util + ".6", "size": proc + ".6"}
	cpu := cpuTable(name, "cpu", cols)
	cpu.Index = idx
	cpu.Filter = "has(cpu)"
	oldCols := map[string]string{"cpu": s + ".4", "mem": s + ".5"}
	oldCPU := cpuTable(`"Stack Unit " + index + " CPU"`, "cpu", oldCols)
	oldCPU.Filter = "has(cpu)"
	oldCPU.Otherwise = true
	mem := percentMemTable(name, "mem", "first(size, 0) * 1048576", cols)
	mem.Index = idx
	mem.Filter = "has(mem)"
	oldMem := percentMemTable(`"Stack Unit " + index + " CPU"`, "mem", "0", oldCols)
	oldMem.Filter = "has(mem)"
	oldMem.Otherwise = true
	tables := []Table{cpu, oldCPU, mem, oldMem}
	const p = "openconfig-platform-types:"
	for _, st := range []struct{ oid, what string }{
		{"1.3.6.1.4.1.6027.3.26.1.4.6.1.4", "PSU"},
		{"1.3.6.1.4.1.6027.3.26.1.4.7.1.4", "Fan Tray"},
	} {
		tables = append(tables, Table{
			Measurement:  componentsMeasurement,
			Index:        idx,
			Columns:      map[string]string{"st": st.oid},
			Filter:       "has(st) && st != 3", // absent(3)
			ComputedTags: map[string]string{"component_name": `"Stack Unit " + str(unit) + " ` + st.what + ` " + str(n)`},
			Fields:       map[string]string{"state/oper-status": st.oid},
			Formats:      map[string]string{"state/oper-status": "enum"},
			Enums:        map[string]map[int64]string{"state/oper-status": {1: p + "ACTIVE", 2: p + "INACTIVE"}},
			Types:        map[string]string{"state/oper-status": "string"},
			DuplicateTag: componentDuplicateTag,
		})
	}
	return tables
}

// dellOS10Profile: Dell EMC SmartFabric OS10 (DELLEMC-OS10-CHASSIS-MIB). CPU and memory come
// from HOST-RESOURCES-MIB (OS10 runs net-snmp); temperatures from os10ChassisTemp
// 1.3.6.1.4.1.674.11000.5000.100.4.1.1.3.1.11 (index chassis) and os10CardTemp
// …100.4.1.1.4.1.5 (index chassis.card), both °C.
func dellOS10Profile() Profile {
	const ch = "1.3.6.1.4.1.674.11000.5000.100.4.1.1.3.1"
	const card = "1.3.6.1.4.1.674.11000.5000.100.4.1.1.4.1"
	chassis := componentTable(`"Chassis " + index`, map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"},
		map[string]string{"t": ch + ".11"})
	chassis.Filter = "has(t)"
	cards := componentTable(`"Card " + index`, map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"},
		map[string]string{"t": card + ".5"})
	cards.Filter = "has(t)"
	return Profile{Name: "dell-os10", Match: &Match{SysObjectID: []string{"1.3.6.1.4.1.674.11000.5000.100"}}, Tables: []Table{chassis, cards}}
}

// fortinetProfile: FORTINET-FORTIGATE-MIB fgSysCpuUsage, fgProcessorUsage per core,
// fgSysMemUsage % of fgSysMemCapacity KB, and fgHwSensorTable (value strings; fans and
// temperatures told apart by name, as FortiOS names them "Fan …" and "… Temp…").
func fortinetProfile() Profile {
	const sys = "1.3.6.1.4.1.12356.101.4.1"
	const core = "1.3.6.1.4.1.12356.101.4.4.2.1.2"
	const hw = "1.3.6.1.4.1.12356.101.4.3.2.1"
	sysCols := map[string]string{"cpu": sys + ".3", "memp": sys + ".4", "cap": sys + ".5"}
	cpu := cpuTable(`"CPU"`, "cpu", sysCols)
	cpu.Filter = "has(cpu)"
	cores := cpuTable(`"CPU Core " + index`, "load", map[string]string{"load": core})
	sysCols["capb"] = sys + ".5" // fgSysMemCapacity is in KB
	mem := percentMemTable(`"Main Memory"`, "memp", "cap * 1024", sysCols)
	mem.Filter = "has(memp)"
	hwCols := map[string]string{"name": hw + ".2", "v": hw + ".3"}
	fan := componentTable("name", map[string]string{fFanSpeed: "num(v)"}, map[string]string{fFanSpeed: "uint"}, hwCols)
	fan.Filter = `contains(name, "fan")`
	temp := componentTable("name", map[string]string{fTemperature: "num(v)"}, map[string]string{fTemperature: "float"}, hwCols)
	temp.Filter = `contains(name, "temp")`
	return Profile{Name: "fortinet", Match: enterprise(12356), Tables: []Table{cpu, cores, mem, fan, temp}}
}

// arubaCXProfile: ARUBAWIRED-TEMPSENSOR-MIB (milli-°C) and ARUBAWIRED-PORT-DOM (strings:
// mW per lane, °C per port). CPU and memory come from host-resources.
func arubaCXProfile() Profile {
	const ts = "1.3.6.1.4.1.47196.4.1.1.3.11.3.1.1" // arubaWiredTempSensorEntry
	const port = "1.3.6.1.4.1.47196.4.1.1.3.27.1.2.1.1"
	const lane = "1.3.6.1.4.1.47196.4.1.1.3.27.1.2.2.1"
	temp := componentTable("name", map[string]string{fTemperature: "t / 1000"}, map[string]string{fTemperature: "float"},
		map[string]string{"name": ts + ".5", "t": ts + ".7"})
	temp.Filter = "has(t)"
	ptemp := componentTable("first(pname, index)", map[string]string{fTemperature: "num(t)"}, map[string]string{fTemperature: "float"},
		map[string]string{"pname": port + ".1", "t": port + ".2"})
	ptemp.Filter = "has(num(t))"
	optics := opticsTable("first(pname, str(p))", "str(ln)", map[string]string{
		fOutPower:  "mw_dbm(num(tx))",
		fInPower:   "mw_dbm(num(rx))",
		fLaserBias: "num(bias)",
	}, map[string]string{"bias": lane + ".2", "tx": lane + ".7", "rx": lane + ".12"},
		map[string]Lookup{"pname": {Column: port + ".1", Key: "p"}})
	optics.Index = []IndexPart{{Name: "p", Type: "int"}, {Name: "ln", Type: "int"}}
	return Profile{Name: "aruba-cx", Match: enterprise(47196), Tables: []Table{temp, ptemp, optics}}
}

// mikrotikProfile: MIKROTIK-MIB mtxrOpticalTable (per ifIndex: °C, dBm in thousandths) and
// mtxrGaugeTable (value with unit: celsius 1, rpm 2). An empty SFP cage reads 0 everywhere:
// it is skipped (LibreNMS writes 0 dBm and 0 °C).
func mikrotikProfile() Profile {
	const opt = "1.3.6.1.4.1.14988.1.1.19.1.1"
	const g = "1.3.6.1.4.1.14988.1.1.3.100.1"
	optCols := map[string]string{"name": opt + ".2", "t": opt + ".6", "tx": opt + ".9", "rx": opt + ".10"}
	optics := opticsTable("first(name, index)", `"0"`, map[string]string{
		fOutPower: "tx / 1000",
		fInPower:  "rx / 1000",
	}, optCols, nil)
	optics.Filter = "!(t == 0 && tx == 0 && rx == 0)"
	otemp := componentTable("first(name, index)", map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"}, optCols)
	otemp.Filter = "has(t) && !(t == 0 && tx == 0 && rx == 0)"
	gCols := map[string]string{"name": g + ".2", "v": g + ".3", "unit": g + ".4"}
	temp := componentTable("name", map[string]string{fTemperature: "v"}, map[string]string{fTemperature: "float"}, gCols)
	temp.Filter = "unit == 1"
	fan := componentTable("name", map[string]string{fFanSpeed: "v"}, map[string]string{fFanSpeed: "uint"}, gCols)
	fan.Filter = "unit == 2"
	return Profile{Name: "mikrotik", Match: enterprise(14988), Tables: []Table{optics, otemp, temp, fan}}
}

// extremeProfile: EXTREME-SYSTEM-MIB extremeCurrentTemperature (°C), extremeFanStatusTable
// speed (rpm) and EXTREME-SOFTWARE-MONITOR-MIB total CPU utilization (%).
func extremeProfile() Profile {
	fan := componentTable(`"Fan " + index`, map[string]string{fFanSpeed: "rpm"}, map[string]string{fFanSpeed: "uint"},
		map[string]string{"rpm": "1.3.6.1.4.1.1916.1.1.1.9.1.4"})
	fan.Filter = "has(rpm)"
	temp := componentTable(`"Chassis"`, map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"},
		map[string]string{"t": "1.3.6.1.4.1.1916.1.1.1.8"})
	temp.Filter = "has(t)"
	cpu := cpuTable(`"CPU"`, "load", map[string]string{"load": "1.3.6.1.4.1.1916.1.32.1.2"})
	cpu.Filter = "has(load)"
	return Profile{Name: "extreme", Match: enterprise(1916), Tables: []Table{cpu, temp, fan}}
}

// fcMgmtProfile: FIBRE-CHANNEL-MGMT-MIB (experimental 1.3.6.1.3.94, RFC 4044's
// predecessor) connUnitSensorTable, which storage enclosures (Seagate/Dot Hill, enterprise
// 347) fill with text: "CPU Temperature-Ctlr B: 67 C 152.60F". The reading is the number
// after the last ": " of connUnitSensorMessage for characteristic temperature(3), status
// not failed(5).
func fcMgmtProfile() Profile {
	const s = "1.3.6.1.3.94.1.8.1"
	temp := componentTable("name", map[string]string{fTemperature: `num(after(msg, ": "))`}, map[string]string{fTemperature: "float"},
		map[string]string{"name": s + ".3", "status": s + ".4", "msg": s + ".6", "char": s + ".8"})
	temp.Filter = "char == 3 && status != 5"
	temp.Valid = map[string]string{fTemperature: "value > -127 && value <= 200"}
	return Profile{Name: "fc-mgmt", Match: enterprise(347), Tables: []Table{temp}}
}

// dellPowerConnectProfile: Dell PowerConnect (RADLAN-MIB, enterprise 89, sysObjectID under
// Dell 674.10895): rlCpuUtilDuringLastMinute (%) and rlEnvMonTemperature (°C).
func dellPowerConnectProfile() Profile {
	cpu := cpuTable(`"CPU"`, "load", map[string]string{"load": "1.3.6.1.4.1.89.1.7"})
	cpu.Filter = "has(load) && load <= 100" // 101: not measured yet
	temp := componentTable(`"Internal " + index`, map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"},
		map[string]string{"t": "1.3.6.1.4.1.89.53.15.1.9"})
	temp.Filter = "has(t)"
	return Profile{Name: "dell-powerconnect", Match: &Match{SysObjectID: []string{"1.3.6.1.4.1.674.10895", "1.3.6.1.4.1.89"}},
		Tables: []Table{cpu, temp}}
}

// hpProCurveProfile: HP ProCurve/ArubaOS-Switch (sysObjectID under hpEtherSwitch 11.2.3.7): the CPU
// statistic (STATISTICS-MIB hpSwitchCpuStat, %) and HP-ICF-TRANSCEIVER-MIB DOM (temperature in milli-°C, power in thousandths of dBm).
func hpProCurveProfile() Profile {
	const x = "1.3.6.1.4.1.11.2.14.11.5.1.82.1.1.1.1" // hpicfXcvrInfoEntry, index ifIndex
	cpu := cpuTable(`"CPU"`, "load", map[string]string{"load": "1.3.6.1.4.1.11.2.14.11.5.1.9.6.1"})
	cpu.Filter = "has(load)"
	cols := map[string]string{"t": x + ".11", "tx": x + ".14", "rx": x + ".15"}
	optics := opticsTable("first(ifname, ifdescr, index)", `"0"`, map[string]string{
		fOutPower: "tx / 1000",
		fInPower:  "rx / 1000",
	}, cols, ifNameLookup("index"))
	optics.Filter = "has(tx) || has(rx)"
	// −99999 is the transceiver's "not available" (no receive power on an unlit port).
	optics.Valid = map[string]string{fInPower: "value > -99", fOutPower: "value > -99"}
	temp := componentTable("first(ifname, ifdescr, index)", map[string]string{fTemperature: "t / 1000"}, map[string]string{fTemperature: "float"}, cols)
	temp.Lookups = ifNameLookup("index")
	temp.Filter = "has(t)"
	// HP-ICF-CHASSIS hpicfPsTable 1.3.6.1.4.1.11.2.14.11.5.1.55.1.1.1 (index bay): .2 state,
	// .4 temperature (°C). psNotPresent(1) and psNotPlugged(2) bays are skipped.
	const ps = "1.3.6.1.4.1.11.2.14.11.5.1.55.1.1.1"
	psCols := map[string]string{"st": ps + ".2", "t": ps + ".4"}
	psName := `"Power Supply #" + index`
	psTemp := componentTable(psName, map[string]string{fTemperature: "t"}, map[string]string{fTemperature: "float"}, psCols)
	psTemp.Filter = "has(t) && st > 2"
	const p = "openconfig-platform-types:"
	psState := Table{
		Measurement:  componentsMeasurement,
		Columns:      psCols,
		Filter:       "st > 2",
		ComputedTags: map[string]string{"component_name": psName},
		Fields:       map[string]string{"state/oper-status": ps + ".2"},
		Formats:      map[string]string{"state/oper-status": "enum"},
		// psPowered(3) → ACTIVE; psFailed(4), psPermFailure(5), psMax(6), psAuxFailure(7) →
		// INACTIVE; psNotPowered(8), psAuxNotPowered(9) → DISABLED.
		Enums: map[string]map[int64]string{"state/oper-status": {3: p + "ACTIVE", 4: p + "INACTIVE", 5: p + "INACTIVE",
			6: p + "INACTIVE", 7: p + "INACTIVE", 8: p + "DISABLED", 9: p + "DISABLED"}},
		Types:        map[string]string{"state/oper-status": "string"},
		DuplicateTag: componentDuplicateTag,
	}
	return Profile{Name: "hp-procurve", Match: &Match{SysObjectID: []string{"1.3.6.1.4.1.11.2.3.7"}}, Tables: []Table{cpu, optics, temp, psTemp, psState}}
}

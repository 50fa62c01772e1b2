package snmp

// Cisco (enterprise 9): CPU (CISCO-PROCESS-MIB per core, else per CPU), memory
// (CISCO-ENHANCED-MEMPOOL-MIB, else CISCO-MEMORY-POOL-MIB), sensors
// (CISCO-ENTITY-SENSOR-MIB) and environment (CISCO-ENVMON-MIB).

const (
	oidCiscoEnterprise = "1.3.6.1.4.1.9"
	oidCpmCPUTotal     = "1.3.6.1.4.1.9.9.109.1.1.1.1" // CISCO-PROCESS-MIB::cpmCPUTotalEntry
	oidCpmCore         = "1.3.6.1.4.1.9.9.109.1.1.2.1" // CISCO-PROCESS-MIB::cpmCoreEntry
	oidCempMemPool     = "1.3.6.1.4.1.9.9.221.1.1.1.1" // CISCO-ENHANCED-MEMPOOL-MIB::cempMemPoolEntry
	oidCiscoMemPool    = "1.3.6.1.4.1.9.9.48.1.1.1"    // CISCO-MEMORY-POOL-MIB::ciscoMemoryPoolEntry
	oidCiscoEntSensor  = "1.3.6.1.4.1.9.9.91.1.1.1.1"  // CISCO-ENTITY-SENSOR-MIB::entSensorValueEntry
	oidCiscoEnvTemp    = "1.3.6.1.4.1.9.9.13.1.3.1"    // CISCO-ENVMON-MIB::ciscoEnvMonTemperatureStatusEntry
	oidCiscoEnvFan     = "1.3.6.1.4.1.9.9.13.1.4.1"    // CISCO-ENVMON-MIB::ciscoEnvMonFanStatusEntry
	oidCiscoEnvSupply  = "1.3.6.1.4.1.9.9.13.1.5.1"    // CISCO-ENVMON-MIB::ciscoEnvMonSupplyStatusEntry
)

// envMonOperStatus maps CiscoEnvMonState (normal 1, warning 2, critical 3, shutdown 4,
// notPresent 5, notFunctioning 6) to openconfig-platform-types COMPONENT_OPER_STATUS.
func envMonOperStatus() map[int64]string {
	const p = "openconfig-platform-types:"
	return map[int64]string{1: p + "ACTIVE", 2: p + "ACTIVE", 3: p + "ACTIVE", 4: p + "DISABLED", 6: p + "INACTIVE"}
}

func ciscoMatch() *Match { return &Match{SysObjectID: []string{oidCiscoEnterprise}} }

// ciscoProfile reads the CPU, memory and environment MIBs of IOS, IOS-XE, IOS-XR and NX-OS.
func ciscoProfile() Profile {
	physName := map[string]Lookup{"physname": {Column: oidEntPhysicalEntry + ".7", Key: "phys"}}
	cpuTables := []Table{{
		// cpmCoreTable (index cpmCPUTotalIndex.cpmCoreIndex): per-core load where the agent
		// has it (IOS-XE 16+), named "<CPU's entPhysicalName> core <n>".
		Measurement: componentsMeasurement,
		Index:       []IndexPart{{Name: "cpu", Type: "int"}, {Name: "core", Type: "int"}},
		Columns:     map[string]string{"load": oidCpmCore + ".5"}, // cpmCore5min
		Lookups: map[string]Lookup{
			"phys":     {Column: oidCpmCPUTotal + ".2", Key: "cpu"},
			"physname": {Column: oidEntPhysicalEntry + ".7", Key: "phys"},
		},
		Filter:         "has(load)",
		ComputedTags:   map[string]string{"component_name": `first(physname, "CPU " + str(cpu)) + " core " + str(core)`},
		ComputedFields: map[string]string{fCPU: "load"},
		Types:          map[string]string{fCPU: "uint"},
		DuplicateTag:   componentDuplicateTag,
	}, {
		// cpmCPUTotalTable: cpmCPUTotal5minRev (.8), the figure Cisco's own tools chart;
		// named by the entPhysicalName of cpmCPUTotalPhysicalIndex (.2).
		Measurement: componentsMeasurement,
		// cpmCPUTotal5min (.5, deprecated) on IOS releases without the Rev objects.
		Columns:        map[string]string{"load": oidCpmCPUTotal + ".8", "old": oidCpmCPUTotal + ".5", "phys": oidCpmCPUTotal + ".2"},
		Lookups:        physName,
		Filter:         "has(load) || has(old)",
		ComputedTags:   map[string]string{"component_name": `first(physname, "CPU " + index)`},
		ComputedFields: map[string]string{fCPU: "first(load, old)"},
		Types:          map[string]string{fCPU: "uint"},
		DuplicateTag:   componentDuplicateTag,
		Otherwise:      true,
	}, {
		// OLD-CISCO-CPU-MIB avgBusy5 (1.3.6.1.4.1.9.2.1.58.0), the last resort of IOS 11/12
		// images without CISCO-PROCESS-MIB.
		Measurement:    componentsMeasurement,
		Columns:        map[string]string{"load": "1.3.6.1.4.1.9.2.1.58"},
		Filter:         "has(load)",
		ComputedTags:   map[string]string{"component_name": `"CPU"`},
		ComputedFields: map[string]string{fCPU: "load"},
		Types:          map[string]string{fCPU: "uint"},
		Otherwise:      true,
	}}
	memTables := []Table{{
		// cempMemPoolTable, index entPhysicalIndex.cempMemPoolIndex: 64-bit HC counters
		// (.18 used, .20 free) where present, else the 32-bit ones (.7, .8).
		Measurement: componentsMeasurement,
		Index:       []IndexPart{{Name: "phys", Type: "int"}, {Name: "pool", Type: "int"}},
		Columns: map[string]string{
			"name": oidCempMemPool + ".3", "used": oidCempMemPool + ".7", "free": oidCempMemPool + ".8",
			"hcused": oidCempMemPool + ".18", "hcfree": oidCempMemPool + ".20",
		},
		Lookups:      physName,
		Filter:       "has(used) || has(hcused)",
		ComputedTags: map[string]string{"component_name": `first(physname, "module " + str(phys)) + " - " + name`},
		ComputedFields: map[string]string{
			fMemUsed:  "first(hcused, used)",
			fMemAvail: "first(hcfree, free)",
		},
		Types:        map[string]string{fMemUsed: "uint", fMemAvail: "uint"},
		DuplicateTag: componentDuplicateTag,
	}, {
		// CISCO-MEMORY-POOL-MIB (older IOS): used .5, free .6.
		Measurement:    componentsMeasurement,
		Columns:        map[string]string{"name": oidCiscoMemPool + ".2", "used": oidCiscoMemPool + ".5", "free": oidCiscoMemPool + ".6"},
		Filter:         "has(used)",
		ComputedTags:   map[string]string{"component_name": "name"},
		ComputedFields: map[string]string{fMemUsed: "used", fMemAvail: "free"},
		Types:          map[string]string{fMemUsed: "uint", fMemAvail: "uint"},
		DuplicateTag:   componentDuplicateTag,
		Otherwise:      true,
	}}
	envTables := []Table{{
		// Temperatures in whole °C (.3), state .6: notPresent(5) and notFunctioning(6) are
		// not readings.
		Measurement:    componentsMeasurement,
		Columns:        map[string]string{"descr": oidCiscoEnvTemp + ".2", "value": oidCiscoEnvTemp + ".3", "state": oidCiscoEnvTemp + ".6"},
		Filter:         "has(value)",
		ComputedTags:   map[string]string{"component_name": "descr"},
		ComputedFields: map[string]string{fTemperature: "value"},
		Valid:          map[string]string{fTemperature: "state != 5 && state != 6 && value > -127 && value <= 200"},
		Types:          map[string]string{fTemperature: "float"},
		DuplicateTag:   componentDuplicateTag,
	}}
	for _, base := range []string{oidCiscoEnvFan, oidCiscoEnvSupply} {
		envTables = append(envTables, Table{
			Measurement:  componentsMeasurement,
			Tags:         map[string]string{"component_name": base + ".2"},
			Columns:      map[string]string{"state": base + ".3"},
			Filter:       "state != 5", // notPresent
			Fields:       map[string]string{"state/oper-status": base + ".3"},
			Formats:      map[string]string{"state/oper-status": "enum"},
			Enums:        map[string]map[int64]string{"state/oper-status": envMonOperStatus()},
			Types:        map[string]string{"state/oper-status": "string"},
			DuplicateTag: componentDuplicateTag,
		})
	}
	cpuTables = append(cpuTables, Table{
		// CISCO-ENTITY-QFP-MIB ceqfpUtilProcessingLoad (1.3.6.1.4.1.9.9.715.1.1.6.1.14, index
		// entPhysicalIndex.ceqfpUtilTimeInterval): the QuantumFlow Processor of ASR 1000, ISR
		// 1000/4000 and Catalyst 8000 routers, a CPU of its own; interval fiveMinutes(3), as
		// for the route processor's cpmCPUTotal5minRev.
		Measurement:    componentsMeasurement,
		Index:          []IndexPart{{Name: "phys", Type: "int"}, {Name: "interval", Type: "int"}},
		Columns:        map[string]string{"load": "1.3.6.1.4.1.9.9.715.1.1.6.1.14"},
		Lookups:        physName,
		Filter:         "interval == 3 && has(load)",
		ComputedTags:   map[string]string{"component_name": `first(physname, "QFP " + str(phys))`},
		ComputedFields: map[string]string{fCPU: "load"},
		Types:          map[string]string{fCPU: "uint"},
		DuplicateTag:   componentDuplicateTag,
	})
	envTables = append(envTables, Table{
		// CISCO-WAN-3G-MIB c3gCurrentModemTemperature (1.3.6.1.4.1.9.9.661.1.1.1.12, index
		// the modem's entPhysicalIndex, °C): the cellular modem of ISR routers.
		Measurement:    componentsMeasurement,
		Index:          []IndexPart{{Name: "phys", Type: "int"}},
		Columns:        map[string]string{"t": "1.3.6.1.4.1.9.9.661.1.1.1.12"},
		Lookups:        physName,
		Filter:         "has(t)",
		ComputedTags:   map[string]string{"component_name": `first(physname, "modem " + str(phys))`},
		ComputedFields: map[string]string{fTemperature: "t"},
		Valid:          map[string]string{fTemperature: "value > -127 && value <= 200"},
		Types:          map[string]string{fTemperature: "float"},
		DuplicateTag:   componentDuplicateTag,
	})
	return Profile{
		Name:  "cisco",
		Match: ciscoMatch(),
		Tables: append(append(append(cpuTables, memTables...), envTables...),
			entitySensorTables(oidCiscoEntSensor)...),
	}
}

package snmp

// Vendor inventory tables of devices without ENTITY-MIB (Junos vMX and MX, SR OS), written
// as the `entity` profile writes entPhysicalTable: measurement components, component_name,
// string fields state/description, state/type, state/serial-no, state/part-no,
// state/hardware-version, state/parent (blank values are not written). Read every
// inventoryEvery polls, as `entity`. PROFILES.md lists the OIDs.

// inventoryTypes declares the fields of the vendor inventory tables.
func inventoryTypes(fields map[string]string) map[string]string {
	t := map[string]string{}
	for f := range fields {
		t[f] = "string"
	}
	return t
}

// juniperInventoryTables: JUNIPER-MIB jnxContainersTable 1.3.6.1.4.1.2636.3.1.6.1 (index
// container: .6 descr, the slot types "FPC slot", …) and jnxContentsTable
// 1.3.6.1.4.1.2636.3.1.8.1 (index container.L1.L2.L3: .6 descr, .7 serial, .8 revision,
// .10 part number). Components are named by their description, as jnxOperatingTable's
// rows (the same text) are, so a FRU's inventory and its CPU/temperature share the name.
func juniperInventoryTables() []Table {
	const ctr = "1.3.6.1.4.1.2636.3.1.6.1"
	const cnt = "1.3.6.1.4.1.2636.3.1.8.1"
	// Container 1 is the chassis frame; it carries the serial of what it holds at 1.1.0.0
	// (the midplane), as LibreNMS's inventory of Junos does.
	ctrFields := map[string]string{
		"state/description": "cstr(descr)",
		"state/type":        `if(index == "1", "openconfig-platform-types:CHASSIS", "container")`,
		"state/serial-no":   `if(index == "1", cstr(frame), null)`,
	}
	containers := Table{
		Measurement:    componentsMeasurement,
		Columns:        map[string]string{"descr": ctr + ".6"},
		Lookups:        map[string]Lookup{"frame": {Column: cnt + ".7", Key: `"1.1.0.0"`}},
		Filter:         "has(descr)",
		ComputedTags:   map[string]string{"component_name": "first(cstr(descr), index)"},
		ComputedFields: ctrFields,
		Types:          inventoryTypes(ctrFields),
		DuplicateTag:   componentDuplicateTag,
		Every:          inventoryEvery,
	}
	cntFields := map[string]string{
		"state/description":      "cstr(descr)",
		"state/serial-no":        "cstr(serial)",
		"state/hardware-version": "cstr(rev)",
		"state/part-no":          "cstr(part)",
		"state/parent":           "cstr(slot)",
	}
	contents := Table{
		Measurement: componentsMeasurement,
		Index:       []IndexPart{{Name: "c", Type: "int"}, {Name: "rest", Type: "rest"}},
		Columns:     map[string]string{"descr": cnt + ".6", "serial": cnt + ".7", "rev": cnt + ".8", "part": cnt + ".10"},
		Lookups:     map[string]Lookup{"slot": {Column: ctr + ".6", Key: "str(c)"}},
		Filter:      "has(descr)",
		ComputedTags: map[string]string{
			"component_name": "first(cstr(descr), index)",
		},
		ComputedFields: cntFields,
		Types:          inventoryTypes(cntFields),
		DuplicateTag:   componentDuplicateTag,
		Every:          inventoryEvery,
	}
	return []Table{containers, contents}
}

// nokiaInventoryTables: TIMETRA-CHASSIS-MIB tmnxHwTable 1.3.6.1.4.1.6527.3.1.2.2.1.8.1
// (index chassis.hwIndex: .4 part number, .5 serial, .7 class, .8 name, .13 containing
// hwIndex) and the chassis row of tmnxChassisTable …2.2.1.3.1 (.4 chassis type) named by
// tmnxChassisTypeTable …2.2.1.6.1 (.2 name "7250 IXR-e", .3 description).
func nokiaInventoryTables() []Table {
	const hw = "1.3.6.1.4.1.6527.3.1.2.2.1.8.1"
	const chassis = "1.3.6.1.4.1.6527.3.1.2.2.1.3.1"
	const ctype = "1.3.6.1.4.1.6527.3.1.2.2.1.6.1"
	const p = "openconfig-platform-types:"
	chFields := map[string]string{"state/description": "cstr(tdescr)", "state/type": `"` + p + `CHASSIS"`}
	ch := Table{
		Measurement:    componentsMeasurement,
		Columns:        map[string]string{"t": chassis + ".4"},
		Lookups:        map[string]Lookup{"tname": {Column: ctype + ".2", Key: "str(t)"}, "tdescr": {Column: ctype + ".3", Key: "str(t)"}},
		Filter:         "has(t)",
		ComputedTags:   map[string]string{"component_name": `first(cstr(tname), "chassis " + index)`},
		ComputedFields: chFields,
		Types:          inventoryTypes(chFields),
		DuplicateTag:   componentDuplicateTag,
		Every:          inventoryEvery,
	}
	hwFields := map[string]string{
		"state/serial-no": "cstr(serial)",
		"state/part-no":   "trim(cstr(part))",
		"state/parent":    "cstr(pname)",
		// tmnxHwClass, as the recordings and LibreNMS name them: physChassis(3),
		// powerSupply(5), fan(6), ioModule(8), cpmModule(9), mdaModule(11),
		// flashDiskModule(12); other classes are written by number.
		"state/type": `if(class == 3, "` + p + `CHASSIS", if(class == 5, "` + p + `POWER_SUPPLY", if(class == 6, "` + p + `FAN", ` +
			`if(class == 8, "` + p + `LINECARD", if(class == 9, "` + p + `CONTROLLER_CARD", if(class == 11, "module", ` +
			`if(class == 12, "` + p + `STORAGE", str(class))))))))`,
	}
	hwT := Table{
		Measurement: componentsMeasurement,
		Index:       []IndexPart{{Name: "chassis", Type: "int"}, {Name: "hw", Type: "int"}},
		Columns:     map[string]string{"part": hw + ".4", "serial": hw + ".5", "class": hw + ".7", "name": hw + ".8", "parent": hw + ".13"},
		Lookups:     map[string]Lookup{"pname": {Column: hw + ".8", Key: `str(chassis) + "." + str(parent)`}},
		Filter:      "has(name)",
		ComputedTags: map[string]string{
			"component_name": "first(cstr(name), index)",
		},
		ComputedFields: hwFields,
		Types:          inventoryTypes(hwFields),
		DuplicateTag:   componentDuplicateTag,
		Every:          inventoryEvery,
	}
	return []Table{ch, hwT}
}

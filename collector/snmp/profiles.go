package snmp

// OIDs of the built-in profiles (numeric: no MIB files are loaded).
const (
	oidSystem   = "1.3.6.1.2.1.1"        // SNMPv2-MIB::system
	oidIfEntry  = "1.3.6.1.2.1.2.2.1"    // IF-MIB::ifEntry (RFC 2863)
	oidIfXEntry = "1.3.6.1.2.1.31.1.1.1" // IF-MIB::ifXEntry (RFC 2863)
)

// BuiltinProfile returns the built-in profile called name: "system" or "if-mib". Each call
// returns a fresh copy, so callers may modify it.
func BuiltinProfile(name string) (Profile, bool) {
	switch name {
	case "system":
		return systemProfile(), true
	case "if-mib":
		return ifMIBProfile(), true
	}
	return deviceProfile(name) // profiles_devices.go
}

// BuiltinProfileNames lists the built-in profiles, sorted.
func BuiltinProfileNames() []string {
	return sortedNames(append([]string{"if-mib", "system"}, deviceProfileNames()...))
}

// systemProfile reads SNMPv2-MIB's system group (RFC 3418). Fields are named like the
// OpenConfig /system/state leaves where one means the same thing (hostname, up-time in
// nanoseconds as oc-types:timeticks64); the others keep their MIB object names.
func systemProfile() Profile {
	return Profile{
		Name: "system",
		Scalars: []Scalar{{
			Measurement: "system",
			Fields: map[string]string{
				"sysDescr":       oidSystem + ".1.0",
				"sysObjectID":    oidSystem + ".2.0",
				"state/up-time":  oidSystem + ".3.0",
				"sysContact":     oidSystem + ".4.0",
				"state/hostname": oidSystem + ".5.0",
				"sysLocation":    oidSystem + ".6.0",
			},
			Formats: map[string]string{"state/up-time": "timeticks-ns"},
			// DisplayString and OBJECT IDENTIFIER objects (RFC 3418).
			Types: map[string]string{
				"sysDescr": "string", "sysObjectID": "string", "sysContact": "string",
				"state/hostname": "string", "sysLocation": "string",
			},
		}},
	}
}

// ifOperStatus names ifOperStatus (RFC 2863) as openconfig-interfaces' oper-status enum.
func ifOperStatus() map[int64]string {
	return map[int64]string{1: "UP", 2: "DOWN", 3: "TESTING", 4: "UNKNOWN", 5: "DORMANT", 6: "NOT_PRESENT", 7: "LOWER_LAYER_DOWN"}
}

// ifAdminStatus names ifAdminStatus (RFC 2863) as openconfig-interfaces' admin-status enum.
func ifAdminStatus() map[int64]string { return map[int64]string{1: "UP", 2: "DOWN", 3: "TESTING"} }

// ianaIfType names the common IANAifType-MIB values the way openconfig-interfaces' `type`
// leaf (an ietf-interfaces identityref from iana-if-type) does, without the module prefix.
func ianaIfType() map[int64]string {
	names := map[int64]string{
		1: "other", 6: "ethernetCsmacd", 15: "fddi", 18: "ds1", 22: "propPointToPointSerial",
		23: "ppp", 24: "softwareLoopback", 28: "slip", 30: "ds3", 32: "frameRelay",
		33: "rs232", 37: "atm", 39: "sonet", 49: "aal5", 53: "propVirtual", 54: "propMultiplexor",
		56: "fibreChannel", 62: "fastEther", 63: "isdn", 71: "ieee80211", 77: "lapd",
		81: "ds0", 94: "adsl", 97: "vdsl", 108: "pppMultilinkBundle", 117: "gigabitEthernet",
		118: "hdlc", 131: "tunnel", 134: "atmSubInterface", 135: "l2vlan", 136: "l3ipvlan",
		142: "ipForward", 150: "mplsTunnel", 161: "ieee8023adLag", 166: "mpls", 171: "pos",
		209: "bridge", 215: "sixToFour", 244: "wwanPP2", 251: "vdsl2",
		7: "iso88023Csmacd", 9: "iso88025TokenRing", 20: "basicISDN", 21: "primaryISDN",
		92: "frameRelayMPI", 126: "ip", 144: "ieee1394", 160: "usb", 188: "radioMAC",
		195: "opticalChannel", 196: "opticalTransport",
	}
	// Written as the identityref value an OpenConfig device sends for
	// /interfaces/interface/state/type (module-qualified, RFC 7951 §6.8), so SNMP and gNMI
	// rows of one dashboard carry the same string.
	for k, v := range names {
		names[k] = "iana-if-type:" + v
	}
	return names
}

// ifMIBProfile maps ifTable + ifXTable (RFC 2863) onto openconfig-interfaces names, so a
// dashboard built on gNMI `interfaces` data works on SNMP data unchanged. IF-MIB.md is the
// user-facing table; keep the two in step.
func ifMIBProfile() Profile {
	fields := map[string]string{
		"state/name":                 oidIfXEntry + ".1", // same value as the interface_name tag
		"state/type":                 oidIfEntry + ".3",
		"state/mtu":                  oidIfEntry + ".4",
		"state/admin-status":         oidIfEntry + ".7",
		"state/enabled":              oidIfEntry + ".7",
		"state/oper-status":          oidIfEntry + ".8",
		"state/description":          oidIfXEntry + ".18", // ifAlias
		"state/high-speed":           oidIfXEntry + ".15",
		"ethernet/state/mac-address": oidIfEntry + ".6",

		// 64-bit counters first; Fallbacks names the 32-bit column read only where a row has
		// no HC value (cumulus_bgp's Counter32 ifInOctets has wrapped where HC is right).
		"state/counters/in-octets":          oidIfXEntry + ".6",
		"state/counters/in-unicast-pkts":    oidIfXEntry + ".7",
		"state/counters/in-multicast-pkts":  oidIfXEntry + ".8",
		"state/counters/in-broadcast-pkts":  oidIfXEntry + ".9",
		"state/counters/out-octets":         oidIfXEntry + ".10",
		"state/counters/out-unicast-pkts":   oidIfXEntry + ".11",
		"state/counters/out-multicast-pkts": oidIfXEntry + ".12",
		"state/counters/out-broadcast-pkts": oidIfXEntry + ".13",
		"state/counters/in-discards":        oidIfEntry + ".13",
		"state/counters/in-errors":          oidIfEntry + ".14",
		"state/counters/in-unknown-protos":  oidIfEntry + ".15",
		"state/counters/out-discards":       oidIfEntry + ".19",
		"state/counters/out-errors":         oidIfEntry + ".20",
	}
	return Profile{
		Name: "if-mib",
		Tables: []Table{{
			Measurement: "interfaces",
			IndexField:  "state/ifindex",
			Fields:      fields,
			Tags:        map[string]string{"interface_name": oidIfXEntry + ".1"}, // ifName
			Fallbacks: map[string]string{
				"interface_name":                    oidIfEntry + ".2", // ifDescr
				"state/name":                        oidIfEntry + ".2",
				"state/counters/in-octets":          oidIfEntry + ".10",
				"state/counters/in-unicast-pkts":    oidIfEntry + ".11",
				"state/counters/in-multicast-pkts":  oidIfXEntry + ".2",
				"state/counters/in-broadcast-pkts":  oidIfXEntry + ".3",
				"state/counters/out-octets":         oidIfEntry + ".16",
				"state/counters/out-unicast-pkts":   oidIfEntry + ".17",
				"state/counters/out-multicast-pkts": oidIfXEntry + ".4",
				"state/counters/out-broadcast-pkts": oidIfXEntry + ".5",
			},
			Formats: map[string]string{
				"state/type":                 "enum",
				"state/mtu":                  "uint",
				"state/admin-status":         "enum",
				"state/enabled":              "truthvalue",
				"state/oper-status":          "enum",
				"ethernet/state/mac-address": "mac",
			},
			// The types of the openconfig-interfaces leaves these fields are named after, which
			// are also the SNMP types' natural ones: Counter32/Counter64/Gauge32 → uint
			// (oc-yang:counter64, uint32), DisplayString → string.
			Types: map[string]string{
				"state/ifindex":                     "uint",
				"state/name":                        "string",
				"state/description":                 "string",
				"state/high-speed":                  "uint",
				"state/counters/in-octets":          "uint",
				"state/counters/in-unicast-pkts":    "uint",
				"state/counters/in-multicast-pkts":  "uint",
				"state/counters/in-broadcast-pkts":  "uint",
				"state/counters/out-octets":         "uint",
				"state/counters/out-unicast-pkts":   "uint",
				"state/counters/out-multicast-pkts": "uint",
				"state/counters/out-broadcast-pkts": "uint",
				"state/counters/in-discards":        "uint",
				"state/counters/in-errors":          "uint",
				"state/counters/in-unknown-protos":  "uint",
				"state/counters/out-discards":       "uint",
				"state/counters/out-errors":         "uint",
			},
			Enums: map[string]map[int64]string{
				"state/type":         ianaIfType(),
				"state/admin-status": ifAdminStatus(),
				"state/oper-status":  ifOperStatus(),
			},
			DuplicateTag: "interface_index",
		}},
	}
}

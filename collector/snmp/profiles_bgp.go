package snmp

// Vendor BGP peer tables, written under the same measurement, tags and fields as the
// BGP4-MIB profile (openconfig-bgp neighbor state, measurement bgp). BGP4-MIB knows only
// IPv4 peers of the default instance, and several vendors leave it incomplete (SR OS serves
// bgpPeerRemoteAs but no bgpPeerState); their own tables carry IPv6 peers and VRFs too. Each
// profile replaces `bgp4` where it matches and falls back to BGP4-MIB (`otherwise`) when the
// vendor table is absent, so a device that serves both writes each peer once.
// PROFILES.md lists the OIDs.

// bgpVendorProfile is a vendor BGP profile: its table, then BGP4-MIB only if that wrote nothing.
func bgpVendorProfile(name string, match *Match, t Table) Profile {
	fallback := bgp4Table()
	fallback.Otherwise = true
	return Profile{Name: name, Match: match, Replaces: []string{"bgp4"}, Tables: []Table{t, fallback}}
}

// bgpVendorTable is a bgp table over cols with the neighbor address expression addr, the
// network-instance name expression inst and the given field expressions; the session state
// column (an idle(1) … established(6) enum, as in RFC 4273) goes through the openconfig enum.
func bgpVendorTable(index []IndexPart, cols map[string]string, inst, addr, stateOID string, computed map[string]string) Table {
	tags := bgpTags(addr)
	tags["network-instance_name"] = inst
	computed["state/neighbor-address"] = addr
	// A table without its own local AS (or a row without it) takes BGP4-MIB's bgpLocalAs.
	computed["state/local-as"] = "first(las, glas)"
	all := bgpTypes()
	types := map[string]string{"state/session-state": all["state/session-state"]}
	for f := range computed {
		types[f] = all[f]
	}
	return Table{
		Measurement:    "bgp",
		Index:          index,
		Lookups:        map[string]Lookup{"glas": {Column: oidBgpLocalAs, Key: `"0"`}},
		Columns:        cols,
		Fields:         map[string]string{"state/session-state": stateOID},
		Formats:        map[string]string{"state/session-state": "enum"},
		Enums:          map[string]map[int64]string{"state/session-state": bgpSessionState()},
		ComputedTags:   tags,
		ComputedFields: computed,
		Types:          types,
	}
}

// ciscoBGPProfile: CISCO-BGP4-MIB cbgpPeer2Table (IPv4 and IPv6 peers; index
// cbgpPeer2Type.cbgpPeer2RemoteAddr, an InetAddressType and a length-prefixed InetAddress).
func ciscoBGPProfile() Profile {
	const e = "1.3.6.1.4.1.9.9.187.1.2.5.1" // cbgpPeer2Entry
	t := bgpVendorTable(
		[]IndexPart{{Name: "atype", Type: "int"}, {Name: "addr", Type: "inet"}},
		map[string]string{
			"admin": e + ".4", "laddr": e + ".6", "las": e + ".8", "ras": e + ".11", "rid": e + ".12",
			"inupd": e + ".13", "outupd": e + ".14", "trans": e + ".18",
		},
		`"DEFAULT"`, "addr", e+".3",
		map[string]string{
			"state/enabled":                  "admin == 2", // cbgpPeer2AdminStatus start(2)
			"state/local-address":            "ip(laddr)",
			"state/peer-as":                  "ras",
			"state/remote-router-id":         "ip(rid)",
			"state/messages/received/UPDATE": "inupd",
			"state/messages/sent/UPDATE":     "outupd",
			"state/established-transitions":  "trans",
		})
	return bgpVendorProfile("cisco-bgp", ciscoMatch(), t)
}

// aristaBGPProfile: ARISTA-BGP4V2-MIB aristaBgp4V2PeerTable 1.3.6.1.4.1.30065.4.1.1.2.1 and
// aristaBgp4V2PeerCountersTable …4.1.1.7.1.
func aristaBGPProfile() Profile {
	return bgpVendorProfile("arista-bgp", enterprise(30065),
		bgp4V2DraftTable("1.3.6.1.4.1.30065.4.1.1.2.1", "1.3.6.1.4.1.30065.4.1.1.7.1"))
}

// dellOS10BGPProfile: DELLEMC-OS10-BGP4V2-MIB os10bgp4V2PeerTable
// 1.3.6.1.4.1.674.11000.5000.200.1.1.2.1 and os10bgp4V2PeerCountersTable …200.1.1.7.1, laid
// out as Arista's.
func dellOS10BGPProfile() Profile {
	return bgpVendorProfile("dell-os10-bgp", &Match{SysObjectID: []string{"1.3.6.1.4.1.674.11000.5000.100"}},
		bgp4V2DraftTable("1.3.6.1.4.1.674.11000.5000.200.1.1.2.1", "1.3.6.1.4.1.674.11000.5000.200.1.1.7.1"))
}

// bgp4V2DraftTable reads a peer table in the draft-ietf-idr-bgp4-mibv2 layout that Arista
// and Dell OS10 ship under their own OIDs: index instance.remoteAddrType.remoteAddr (the
// address length-prefixed); columns .3 local addr, .7 local AS, .10 remote AS, .11 remote
// identifier, .12 admin status (halted(1), running(2)), .13 state; counters table (same
// index) .1/.2 updates in/out, .5 established transitions. Instance 1 is the default
// instance.
func bgp4V2DraftTable(e, c string) Table {
	return bgpVendorTable(
		[]IndexPart{{Name: "inst", Type: "int"}, {Name: "atype", Type: "int"}, {Name: "addr", Type: "inet"}},
		map[string]string{
			"laddr": e + ".3", "las": e + ".7", "ras": e + ".10", "rid": e + ".11", "admin": e + ".12",
			"inupd": c + ".1", "outupd": c + ".2", "trans": c + ".5",
		},
		`if(inst == 1, "DEFAULT", str(inst))`, "addr", e+".13",
		map[string]string{
			"state/enabled":                  "admin == 2", // running(2)
			"state/local-address":            "ip(laddr)",
			"state/peer-as":                  "ras",
			"state/remote-router-id":         "ip(rid)",
			"state/messages/received/UPDATE": "inupd",
			"state/messages/sent/UPDATE":     "outupd",
			"state/established-transitions":  "trans",
		})
}

// juniperBGPProfile: BGP4-V2-MIB-JUNIPER jnxBgpM2PeerTable and jnxBgpM2PeerCountersTable.
// Junos writes the index addresses without a length prefix (routingInstance.localAddrType.
// localAddr.remoteAddrType.remoteAddr, 4 or 16 arcs by type), so the neighbor address is
// read from the jnxBgpM2PeerRemoteAddr column instead of decoded from the index. Routing
// instances are not told apart: every peer is written under network instance DEFAULT.
func juniperBGPProfile() Profile {
	const e = "1.3.6.1.4.1.2636.5.1.1.2.1.1.1" // jnxBgpM2PeerEntry
	const c = "1.3.6.1.4.1.2636.5.1.1.2.6.1.1" // jnxBgpM2PeerCountersEntry, same index
	t := bgpVendorTable(
		[]IndexPart{{Name: "idx", Type: "rest"}},
		map[string]string{
			"rid": e + ".1", "status": e + ".3", "laddr": e + ".7", "las": e + ".9", "raddr": e + ".11",
			"ras": e + ".13", "inupd": c + ".1", "outupd": c + ".2",
		},
		`"DEFAULT"`, "ip(raddr)", e+".2",
		map[string]string{
			"state/enabled":                  "status == 2", // jnxBgpM2PeerStatus running(2)
			"state/local-address":            "ip(laddr)",
			"state/peer-as":                  "ras",
			"state/remote-router-id":         "ip(rid)",
			"state/messages/received/UPDATE": "inupd",
			"state/messages/sent/UPDATE":     "outupd",
		})
	t.Filter = "has(raddr)"
	return bgpVendorProfile("juniper-bgp", enterprise(2636), t)
}

// nokiaBGPProfile: TIMETRA-BGP-MIB tBgpPeerNgTable (index vRtrID.addrType.addr, the address
// length-prefixed) with tBgpPeerNgConnState from tBgpPeerNgOperTable (same index; 6 is
// established). vRtrID 1 is the Base router (network instance DEFAULT); the others are named
// by TIMETRA-VRTR-MIB vRtrName ("vprn…"). SR OS's BGP4-MIB has no bgpPeerState.
func nokiaBGPProfile() Profile {
	const e = "1.3.6.1.4.1.6527.3.1.2.14.4.7.1"     // tBgpPeerNgEntry
	const o = "1.3.6.1.4.1.6527.3.1.2.14.4.8.1"     // tBgpPeerNgOperEntry
	const vrName = "1.3.6.1.4.1.6527.3.1.2.3.1.1.4" // vRtrName, index vRtrID
	t := bgpVendorTable(
		[]IndexPart{{Name: "vrtr", Type: "int"}, {Name: "atype", Type: "int"}, {Name: "addr", Type: "inet"}},
		map[string]string{"las": e + ".65", "ras": e + ".66"},
		`if(vrtr == 1, "DEFAULT", first(vrname, str(vrtr)))`, "addr", o+".11",
		map[string]string{
			"state/peer-as": "ras", // tBgpPeerNgPeerAS4Byte (las: tBgpPeerNgLocalAS4Byte)
		})
	t.Lookups["vrname"] = Lookup{Column: vrName, Key: "str(vrtr)"}
	return bgpVendorProfile("nokia-bgp", enterprise(6527), t)
}

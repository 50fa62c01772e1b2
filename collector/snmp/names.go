package snmp

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// mibObject is one named SNMP object resolved without MIB files.
type mibObject struct {
	oid    string // numeric, no leading dot
	scalar bool   // a single-instance object: `snmp get sysName` means sysName.0
}

// mibNames are the SNMPv2-MIB (RFC 3418), IF-MIB (RFC 2863) and SNMP-FRAMEWORK-MIB
// (RFC 3411) objects behind the built-in profiles, by their MIB names. No MIB is parsed at
// run time (DESIGN §4): these are the names a network engineer types from memory. Built once,
// never modified.
var mibNames = sync.OnceValue(func() map[string]mibObject {
	m := map[string]mibObject{
		"mib-2":      {oid: "1.3.6.1.2.1"},
		"system":     {oid: "1.3.6.1.2.1.1"},
		"interfaces": {oid: "1.3.6.1.2.1.2"},
		"ifNumber":   {oid: "1.3.6.1.2.1.2.1", scalar: true},
		"ifTable":    {oid: "1.3.6.1.2.1.2.2"},
		"ifEntry":    {oid: "1.3.6.1.2.1.2.2.1"},
		"ifMIB":      {oid: "1.3.6.1.2.1.31"},
		"ifXTable":   {oid: "1.3.6.1.2.1.31.1.1"},
		"ifXEntry":   {oid: "1.3.6.1.2.1.31.1.1.1"},
		"sysORTable": {oid: "1.3.6.1.2.1.1.9"},
		"sysOREntry": {oid: "1.3.6.1.2.1.1.9.1"},
		"snmpEngine": {oid: "1.3.6.1.6.3.10.2.1"},
	}
	add := func(base string, scalar bool, names ...string) {
		for i, n := range names {
			if n != "" {
				m[n] = mibObject{oid: fmt.Sprintf("%s.%d", base, i+1), scalar: scalar}
			}
		}
	}
	add("1.3.6.1.2.1.1", true, "sysDescr", "sysObjectID", "sysUpTime", "sysContact", "sysName", "sysLocation", "sysServices", "sysORLastChange")
	add("1.3.6.1.2.1.1.9.1", false, "sysORIndex", "sysORID", "sysORDescr", "sysORUpTime")
	add("1.3.6.1.2.1.2.2.1", false, "ifIndex", "ifDescr", "ifType", "ifMtu", "ifSpeed", "ifPhysAddress",
		"ifAdminStatus", "ifOperStatus", "ifLastChange", "ifInOctets", "ifInUcastPkts", "ifInNUcastPkts",
		"ifInDiscards", "ifInErrors", "ifInUnknownProtos", "ifOutOctets", "ifOutUcastPkts", "ifOutNUcastPkts",
		"ifOutDiscards", "ifOutErrors", "ifOutQLen", "ifSpecific")
	add("1.3.6.1.2.1.31.1.1.1", false, "ifName", "ifInMulticastPkts", "ifInBroadcastPkts", "ifOutMulticastPkts",
		"ifOutBroadcastPkts", "ifHCInOctets", "ifHCInUcastPkts", "ifHCInMulticastPkts", "ifHCInBroadcastPkts",
		"ifHCOutOctets", "ifHCOutUcastPkts", "ifHCOutMulticastPkts", "ifHCOutBroadcastPkts",
		"ifLinkUpDownTrapEnable", "ifHighSpeed", "ifPromiscuousMode", "ifConnectorPresent", "ifAlias",
		"ifCounterDiscontinuityTime")
	add("1.3.6.1.6.3.10.2.1", true, "snmpEngineID", "snmpEngineBoots", "snmpEngineTime", "snmpEngineMaxMessageSize")
	addDeviceMIBNames(add) // names_devices.go
	return m
})

// profileNames adds the built-in profiles' own names: "<profile>:<field or tag>", e.g.
// "if-mib:state/counters/in-octets" or "system:state/hostname", so a field seen in InfluxDB
// can be read back raw.
func profileNames() map[string]mibObject {
	m := map[string]mibObject{}
	for _, pn := range BuiltinProfileNames() {
		p, _ := BuiltinProfile(pn)
		for _, s := range p.Scalars {
			for _, kv := range []map[string]string{s.Fields, s.Tags} {
				for k, oid := range kv {
					m[pn+":"+k] = mibObject{oid: strings.TrimSuffix(strings.TrimPrefix(oid, "."), ".0"), scalar: true}
				}
			}
		}
		for _, t := range p.Tables {
			for _, kv := range []map[string]string{t.Fields, t.Tags} {
				for k, oid := range kv {
					m[pn+":"+k] = mibObject{oid: strings.TrimPrefix(oid, ".")}
				}
			}
		}
	}
	return m
}

// OIDName names a numeric OID (no leading dot) by the longest known prefix: "ifName.3",
// "sysName.0". It returns "" when no name covers it.
func OIDName(oid string) string {
	oid = strings.TrimPrefix(oid, ".")
	best, bestOID := "", ""
	for name, o := range mibNames() {
		if (oid == o.oid || strings.HasPrefix(oid, o.oid+".")) && len(o.oid) > len(bestOID) {
			best, bestOID = name, o.oid
		}
	}
	if best == "" {
		return ""
	}
	return best + strings.TrimPrefix(oid, bestOID)
}

// ResolveOID turns a command-line OID into numeric form with a leading dot (as gosnmp
// writes OIDs). It accepts numeric OIDs (".1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.5.0"), MIB
// names with an optional instance ("sysName.0", "ifHCInOctets.3"), the same with a module
// prefix ("IF-MIB::ifName"), and profile names ("if-mib:state/counters/in-octets").
// instance, for get, appends ".0" to a scalar given without one and rejects a bare column.
func ResolveOID(arg string, instance bool) (string, error) {
	s := strings.TrimSpace(arg)
	if s == "" {
		return "", errors.New("empty OID")
	}
	if c := s[0]; c == '.' || (c >= '0' && c <= '9') {
		s = strings.TrimPrefix(s, ".")
		for _, part := range strings.Split(s, ".") {
			if part == "" || strings.Trim(part, "0123456789") != "" {
				return "", fmt.Errorf("OID %q: %q is not a number: write numbers separated by dots, like 1.3.6.1.2.1.1.5.0", arg, part)
			}
		}
		return "." + s, nil
	}
	if i := strings.Index(s, "::"); i >= 0 {
		s = s[i+2:] // SNMPv2-MIB::sysName.0: the module does not matter, names are unique here
	}
	profiles := profileNames()
	lookup := func(n string) (mibObject, bool) {
		if o, ok := mibNames()[n]; ok {
			return o, true
		}
		o, ok := profiles[n]
		return o, ok
	}
	obj, ok := lookup(s)
	suffix := ""
	if i := strings.IndexByte(s, '.'); !ok && i >= 0 {
		obj, ok = lookup(s[:i])
		suffix = s[i:]
	}
	if !ok {
		return "", fmt.Errorf("unknown OID name %q: use a numeric OID, or one of %s", arg, strings.Join(knownNames(), ", "))
	}
	if suffix != "" {
		if _, err := ResolveOID(suffix, false); err != nil {
			return "", fmt.Errorf("OID %q: the instance after the name must be numbers: %w", arg, err)
		}
	}
	if instance && suffix == "" {
		if !obj.scalar {
			return "", fmt.Errorf("%s is a table or column: add the row index (%s.1) or use `netpulse snmp walk %s`", arg, arg, arg)
		}
		suffix = ".0"
	}
	return "." + obj.oid + suffix, nil
}

// knownNames lists the MIB names, sorted, for error messages.
func knownNames() []string {
	names := make([]string, 0, len(mibNames()))
	for n := range mibNames() {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

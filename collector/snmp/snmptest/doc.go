// Package snmptest provides a map-backed fake snmp.Client with sorted walks, and a loader for
// snmpsim .snmprec recordings of real devices, for tests of package snmp and its users.
package snmptest

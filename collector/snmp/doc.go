// Package snmp polls SNMP agents (v1, v2c, v3) with gosnmp and turns the answers into
// collector.Points.
//
// A Session (New) implements collector.Collector: it waits the runtime's Offset, then polls
// every Config.Interval, never overlapping polls and never cutting one at the interval
// (overruns skip ticks, counted in Stats.Skipped). A poll reads the configured profiles:
// scalars with GET, tables with multi-column GETBULK walks (GETNEXT on SNMPv1); each request
// is bounded by timeout × (retries+1), the poll by Config.PollBudget. When an agent
// answers part of a walk with tooBig or genErr, the walk steps down (fewer repetitions, fewer
// columns per request, the column alone) and finally skips the column, counted in
// Stats.SkippedColumns; the steps that worked are kept per table for the next polls (walk.go,
// IF-MIB.md). Columns read only as a fallback (Table.Fallbacks) are walked when a row needs
// them, with every column every 20th poll at the target's phase (walk.go walkLazy); the
// entPhysicalTable names that sensor lookups read are kept per session while
// entLastChangeTime and sysUpTime say nothing changed, and read afresh every 20 polls
// (meta.go). Both leave the points as they would be with everything read every poll.
//
// Names come from profiles, never from MIB files: the built-in "system" and "if-mib"
// (IF-MIB.md documents its OpenConfig-style mapping), the device profiles of
// profiles_generic.go, profiles_cisco.go and profiles_vendors.go (PROFILES.md), and user
// profiles from the config's snmp_profiles. `auto` (AutoProfiles, profiles_devices.go)
// selects profiles by their match rules (match.go); derive.go evaluates the derived values
// (index decoding, lookups, and the expressions expr.go parses) that device MIBs need to be
// written under OpenConfig names and units; types.go reads the declared field types
// (`types:`), and normalize.go's coerce converts a value into its declared type, exactly or
// not at all. normalize.go holds
// the pure conversion from varbinds to points; walk.go the request logic; client.go the
// small Client interface over gosnmp, which tests replace with the map-backed fake in
// package snmptest; wire.go the client's fast path, which encodes GET/GETNEXT/GETBULK and
// decodes their responses itself into the values gosnmp would produce and hands gosnmp
// everything else (SNMPv3 reports, anything unusual); ber.go its BER; names.go the MIB
// names (sysName, ifHCInOctets, …) that the CLI and `explain` resolve to numeric OIDs
// without MIB files; sample.go the sample poll `explain` runs: sample varbinds
// (ParseVarbind) through the daemon's own Session against an agent that holds only them
// (SamplePoll).
package snmp

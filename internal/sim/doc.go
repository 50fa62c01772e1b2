// Package sim runs simulated network devices that look real on the wire: SNMP agents
// (v1, v2c, v3 USM) and gNMI servers, many per process, all fed from one deterministic
// model. It is what `netpulse sim` and `netpulse demo` run, and what tests and benchmarks
// use when they need hundreds of devices no lab has.
//
// # Model
//
// NewModel builds a device from (seed, index): vendor style (even index Arista "Ethernet1..M",
// odd index Juniper "et-0/0/N"), sysDescr/sysObjectID, location, uptime at start (1–20 days),
// and per interface a name, description (empty on some ports), speed, MTU, MAC, admin status
// (about 6 % admin-down), a traffic rate and, for about 6 %, a flap schedule. Every value
// at time t (offset from the fleet start) is a closed-form function: counters integrate a
// rate of four sines (a day, 15 min, 1 min, 11 s) whose amplitudes sum below 1, so they
// always grow, never allocate, and stand still while the interface is down. The SNMP and
// the gNMI device with the same seed and index therefore show the same values (modulo the
// moment each is read).
//
// # SNMP agent
//
// One UDP socket and one goroutine per device (127.0.0.1:base+i, or ephemeral ports).
// Requests are decoded and answered by this package's own small BER codec (ber.go): the
// gosnmp packet code is client-side (it parses responses, not requests, and has no agent
// side of USM), so gosnmp and net-snmp serve as the independent peers in the tests. Served:
// SNMPv2-MIB system, IF-MIB ifNumber/ifTable (columns 1–22)/ifXTable (1–19),
// HOST-RESOURCES-MIB hrProcessorLoad.1, SNMP-FRAMEWORK-MIB snmpEngine and usmStats.
// GET/GETNEXT/GETBULK follow RFC 3416 (exceptions noSuchObject / noSuchInstance /
// endOfMibView; GETBULK cut to the message size; tooBig with an empty varbind list);
// SET answers notWritable. SNMPv1 gets v1 semantics (noSuchName, no Counter64, no GETBULK).
// Fault modes for tests: tooBig instead of cut GETBULK answers (Config.SNMPBulkTooBig) and
// genErr for every request naming given columns (Config.SNMPGenErrColumns).
// A wrong community gets no answer. SNMPv3 follows RFC 3414 §3.2 in order: unknown engine
// ID (discovery) → usmStatsUnknownEngineIDs report; unknown user → usmStatsUnknownUserNames;
// level above the user's → usmStatsUnsupportedSecLevels; bad HMAC → usmStatsWrongDigests;
// outside the 150 s window → an authenticated usmStatsNotInTimeWindows report;
// undecryptable → usmStatsDecryptionErrors. Auth MD5, SHA, SHA-224/256/384/512 (RFC 3414,
// RFC 7860); privacy DES, AES-128 (RFC 3826), AES-192/256 with Blumenthal or Reeder
// ("…C") key extension.
//
// # gNMI devices
//
// One internal/gnmiserver.Server per device (the reference openconfig cache + subscribe
// packages), loaded with OpenConfig interfaces and /system leaves, then fed by one ticker
// per fleet (not per device) every UpdateInterval, either one update per notification
// (ShapePerLeaf) or all counters of an interface in one atomic notification
// (ShapePerInterface, stored under .../state/counters: subscribe at or above it).
//
// README.md lists the paths, OIDs, default credentials and the measured cost per device.
package sim

// Package influx is the InfluxDB output: a Writer that posts line protocol to /api/v2/write
// (InfluxDB 1.8+ with bucket "db/rp", 2.x and 3.x) through influxdb-client-go/v2's HTTP
// service, gzip-compressed, and classifies every HTTP status for outputs.Output (DESIGN.md §7).
//
// Unsigned integers (DESIGN.md §4): SNMP counters are uint64, but InfluxDB 1.x rejects the
// "u" suffix with a 400 and loses the whole line. In "auto" mode the writer probes /ping and
// /health once and sends "u" to a server of major version 2 or later; for 1.x and for
// InfluxDB 1.8.10 built from source, which reports its version as "unknown" (the case that
// makes gnmic lose every counter), it asks the write endpoint to parse one unsigned value
// followed by an invalid timestamp (never stored): only a server that gets as far as the
// timestamp takes "u" (the -tags uint build). Anything else gets int64. A 400 "invalid
// number" answer to a batch with "u" values switches the writer to int64 and retries the
// batch at once; a batch stored as int64 while the probe could not reach the server keeps
// the writer on int64 for good, so that no field flips type.
//
// Field types (issue 8): the Writer tells outputs.Output what the server holds (FieldTypes:
// SHOW FIELD KEYS over /query) and what a 400/422 answer names (answer.go: type conflicts,
// lines that failed to parse, dropped=N), so that Output pins the server's types and resends
// only the affected points.
package influx

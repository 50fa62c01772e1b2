// Package influx is the InfluxDB output: a Writer that posts line protocol to /api/v2/write
// (InfluxDB 1.8+ with bucket "db/rp", 2.x and 3.x) through influxdb-client-go/v2's HTTP
// service, gzip-compressed, and classifies every HTTP status for outputs.Output (DESIGN.md §7).
//
// Unsigned integers (DESIGN.md §4): SNMP counters are uint64, but InfluxDB 1.x rejects the
// "u" suffix with a 400 and loses the whole line. In "auto" mode the writer probes /ping and
// /health once and sends "u" only to a server positively known to accept it (major version
// 2 or later); InfluxDB 1.8.10 built from source reports its version as "unknown" (the case
// that makes gnmic lose every counter) and gets int64. A 400 "invalid number" answer to a
// batch with "u" values switches the writer to int64 and retries the batch at once.
package influx

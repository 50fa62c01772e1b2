// Package peers starts the real servers that integration tests and benchmarks talk to:
// InfluxDB 1.8.10 (influxd built from the Go module proxy) and net-snmp's snmpd, each as a
// child process on 127.0.0.1 with its own temporary directory, stopped by t.Cleanup.
//
// A missing binary skips the test with a message that says how to install it, except under
// CI=true, where it fails: CI must never pass by skipping the real peers.
package peers

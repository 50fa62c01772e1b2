// Package sim runs simulated network devices that look real on the wire, for the quick
// start (`netpulse demo`, `netpulse sim`), tests and benchmarks. See README.md for the full
// wire behaviour and the measured cost per device.
package sim

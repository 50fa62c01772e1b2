// Command netpulse collects telemetry from network devices over gNMI and SNMP and writes it to
// InfluxDB or line-protocol files. See README.md.
//
// This package is the only one that reads flags and the environment and wires the others
// together: root.go builds the cobra commands; run.go's runFile is the daemon and the --once
// job (config → outputs → targets.Manager → sessions → outputs); main.go's runExit decides
// every exit code of run, and main is the only caller of os.Exit.
package main

// Command gnmibench is the client half of scripts/bench-gnmi.sh: it runs the collector's
// real gNMI session (collector/gnmi.New) against a server and encodes every point to line
// protocol (outputs.AppendLineProtocol) into io.Discard, then reports updates received, CPU
// seconds used by this process (getrusage) and its RSS over time, as JSON on stdout.
package main

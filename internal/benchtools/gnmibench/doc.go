// Command gnmibench is the client half of scripts/bench-gnmi.sh: it runs the collector's
// real gNMI session (collector/gnmi.New) against a server and reports updates received, CPU
// seconds used by this process (getrusage) and its RSS over time, as JSON on stdout.
//
// With -sink output (the default) every point goes through a real outputs.Output (buffer,
// flush loop, the field-type guard of DESIGN.md §4, batching) into the file output's writer
// (outputs/file), whose bytes are counted and discarded: the whole path of `netpulse run`
// with a `type: file` output, less the disk. The Output's written and dropped counts are in
// the report; a run with drops measured less than the whole pipeline. With -sink encode the
// points are only encoded to line protocol (outputs.AppendLineProtocol) into io.Discard, as
// the benchmark did before issue 8, which leaves the Output and its guard off the path.
package main

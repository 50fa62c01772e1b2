// Command gnmibench is the client half of scripts/bench-gnmi.sh: it runs the collector's
// real gNMI session (collector/gnmi.New) against a server and reports updates received,
// duplicates, CPU seconds used by this process (getrusage) and its RSS over time, as JSON on
// stdout.
//
// -sink chooses where the points go:
//   - output (the default): through a real outputs.Output (buffer, flush loop, the
//     field-type guard of DESIGN.md §4, batching) into the file output's writer
//     (outputs/file), whose bytes are counted and discarded: the whole path of `netpulse
//     run` with a `type: file` output, less the disk.
//   - influx: through the same outputs.Output into netpulse's InfluxDB writer
//     (outputs/influx, gzip) to the server given by -influx (database -bucket): the path
//     of a `type: influx` output, with a real server's back-pressure.
//   - encode: line-protocol encoding alone (outputs.AppendLineProtocol) into io.Discard,
//     as the benchmark did before issue 8, which leaves the Output and its guard off the
//     path.
//
// With output and influx the Output's written, lost and dropped counts are in the report,
// after a final flush whose CPU is counted; a run with losses or drops measured less than
// the whole pipeline. -sample-window D subscribes in SAMPLE mode so that updates of one
// interface within D are grouped into one line (collector/gnmi's sample-window grouping);
// it is orthogonal to -sink.
package main

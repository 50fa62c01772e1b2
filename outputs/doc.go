// Package outputs is the write path between collectors and storage (DESIGN.md §7): the
// Writer interface and its error taxonomy, line-protocol encoding, and Output — a bounded
// in-memory buffer with an optional disk spool and a flush loop that batches, retries with
// capped exponential backoff, splits batches the server rejects, and counts every point it
// cannot deliver.
//
// Lifecycle, as cmd/netpulse wires it:
//
//	w, _ := influx.New(influx.Config{...}, log)            // or file.New
//	out, _ := outputs.New(outputs.Config{...}, w, log)
//	go out.Run(ctx)                                        // flush loop; returns when ctx ends
//	collectors emit into out (or an outputs.Fanout of several Outputs)
//	... signal: stop collectors first, then
//	rep, err := out.Close(deadlineCtx)                     // final flush, rest to spool or lost
//	if rep.Failed { exit code 4 }
//
// Nothing disappears without a number: every point that is not written is counted under a
// reason in Report.Dropped, Report.Lost or Report.Spooled, and Stats exposes the same counters
// while running for the self-metrics endpoint.
package outputs

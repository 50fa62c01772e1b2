// Package outputs is the write path between collectors and storage (DESIGN.md §7): the
// Writer interface and its error taxonomy, line-protocol encoding (AppendLineProtocol), and
// Output — a bounded in-memory buffer with an optional disk spool and a flush loop that
// batches, retries with capped exponential backoff, splits batches the server rejects, and
// counts every point it cannot deliver. Fanout hands one collector's points to several
// Outputs.
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
// Close flushes under its context's deadline, so several outputs should be closed
// concurrently, each with the whole deadline, or one dead server eats the others' time.
//
// What happens to a failed write (Writer errors are classified *Error values):
//
//	Retryable      429, 5xx, 408, network      keep, back off (Retry-After wins), retry
//	Misconfigured  401, 403, 404, bad TLS cert keep, alarm (Stats.Alarm), retry every RetryMax
//	TooLarge       413                         split in halves; a lone point → dead letter
//	BadData        400, 422 (partial write)    act on what it names: type conflicts → pin the
//	                                           server's type, fix and resend only the affected
//	                                           points; unparsable lines → dead letter; an
//	                                           unreadable answer → split; ≤20 requests a batch
//	Permanent      other 4xx                   the batch → dead letter
//
// Before a batch is written, every field is held to one type per (measurement, field): the
// first type written, or the one the server holds (FieldTypeReader); values are converted
// when exact, else that field is dropped (type_conflict). See typeGuard.
//
// Nothing disappears without a number. Every point that is not written is counted in
// Report/Stats: Dropped by reason (the Reason* constants: invalid_*, uint_overflow and
// type_conflict for data no server could take; buffer_full, rejected, too_large, permanent, closed, spool_error,
// spool_corrupt, spool_full for delivery problems), Lost (unsent at Close without a spool) or
// Spooled (on disk, replayed by the next run). Report.Failed is true when anything but a
// data problem kept points from being delivered.
package outputs

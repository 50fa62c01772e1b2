package outputs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// Config configures an Output. The zero values of the optional fields take the Default*
// constants below (applied in one place: Config.withDefaults).
type Config struct {
	// Name identifies the output in logs, self-metrics and the dead-letter file.
	Name string
	// BatchSize is the number of points (lines) per write; default DefaultBatchSize.
	BatchSize int
	// FlushInterval writes a partial batch after this long; default DefaultFlushInterval.
	FlushInterval time.Duration
	// MaxBytes bounds the in-memory buffer (estimated bytes of the buffered points); default
	// DefaultMaxBytes. When full, the oldest points are dropped and counted (buffer_full), or moved to
	// the spool when SpoolDir is set. One batch being written is held outside this bound.
	MaxBytes int64
	// SpoolDir, when set, keeps overflow and data still unsent at Close on disk and replays it
	// when the sink comes back or at the next start.
	SpoolDir string
	// SpoolMaxBytes bounds the spool on disk; beyond it the oldest segments are deleted and
	// their points counted (spool_full). Default DefaultSpoolMaxBytes.
	SpoolMaxBytes int64
	// DeadLetter is a file the lines the server rejects are appended to (with the server's
	// message). Empty: rejected lines are counted and logged only.
	DeadLetter string
	// RetryMin and RetryMax bound the exponential backoff between retries of a failed
	// write; defaults DefaultRetryMin and DefaultRetryMax. A server's Retry-After overrides the backoff (capped at
	// maxRetryAfter).
	RetryMin, RetryMax time.Duration
	// TypesFile keeps the output's pinned field types across restarts (one type per field,
	// DESIGN.md §4). Default: field-types.json in SpoolDir when SpoolDir is set; without
	// either, pins live in memory and an InfluxDB output reads the server's types back at
	// start.
	TypesFile string
}

// Defaults of Config, the one place each is defined (DESIGN §9): the config loader
// (targets) and the README's config reference take them from here.
const (
	// DefaultBatchSize is Config.BatchSize's default, in points (lines) per write.
	DefaultBatchSize = 5000
	// DefaultFlushInterval is Config.FlushInterval's default.
	DefaultFlushInterval = time.Second
	// DefaultMaxBytes is Config.MaxBytes's default (the config's buffer.max_bytes): 64 MiB.
	DefaultMaxBytes = 64 << 20
	// DefaultSpoolMaxBytes is Config.SpoolMaxBytes's default: 1 GiB.
	DefaultSpoolMaxBytes = 1 << 30
	// DefaultRetryMin and DefaultRetryMax are the defaults of Config.RetryMin and RetryMax.
	DefaultRetryMin = 500 * time.Millisecond
	DefaultRetryMax = 30 * time.Second
)

const (
	defaultTypesFile = "field-types.json"
	// maxRejectWrites bounds the write requests one batch may cost once the server rejects
	// data (400/422): conflict rounds and splits together. What is still unresolved then
	// is dead-lettered (rejected): a batch of 5,000 bad lines must not cost 10,000
	// requests while every other device's points wait behind it.
	maxRejectWrites = 20
	// maxRetryAfter caps a server's Retry-After: a misconfigured proxy saying "come back in a
	// day" must not silence the output for a day.
	maxRetryAfter = 5 * time.Minute
)

func (c Config) withDefaults() Config {
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.SpoolMaxBytes <= 0 {
		c.SpoolMaxBytes = DefaultSpoolMaxBytes
	}
	if c.RetryMin <= 0 {
		c.RetryMin = DefaultRetryMin
	}
	if c.RetryMax <= 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.RetryMax < c.RetryMin {
		c.RetryMax = c.RetryMin
	}
	if c.TypesFile == "" && c.SpoolDir != "" {
		c.TypesFile = filepath.Join(c.SpoolDir, defaultTypesFile)
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.BatchSize < 0:
		return fmt.Errorf("output %q: batch_size must not be negative", c.Name)
	case c.FlushInterval < 0:
		return fmt.Errorf("output %q: flush_interval must not be negative", c.Name)
	case c.MaxBytes < 0 || c.SpoolMaxBytes < 0:
		return fmt.Errorf("output %q: buffer and spool sizes must not be negative", c.Name)
	case c.RetryMin < 0 || c.RetryMax < 0:
		return fmt.Errorf("output %q: retry bounds must not be negative", c.Name)
	}
	return nil
}

// Output buffers points from collectors and delivers them in batches through a Writer
// (DESIGN.md §7). It implements collector.Sink. Use New, then Run in its own goroutine, then
// Close once the collectors have stopped.
type Output struct {
	cfg Config
	w   Writer
	log *slog.Logger
	dl  deadLetter
	sp  *spool // nil without SpoolDir
	g   *typeGuard

	// Reading the server's field types (FieldTypeReader), under readMu.
	readTypes  bool      // read before the next write
	readOff    bool      // the server does not let us: rely on its answers
	readFailed time.Time // a retryable failure: try again after the next successful write
	readMu     sync.Mutex

	mu     sync.Mutex
	q      []collector.Point // q[head:] is the buffer, oldest first
	head   int
	qBytes int64
	closed bool // Emit refuses
	final  bool // Close finished its flush: a late requeue counts as lost
	drops  map[string]int64

	kick    chan struct{} // a full batch is waiting
	stop    chan struct{} // closed by Close
	runDone chan struct{} // closed when Run returns
	running atomic.Bool

	emitted, written, lost, spooled, replayed, retries, writeErrors atomic.Int64
	alarm                                                           atomic.Bool
	failing                                                         atomic.Bool
	dropLogged                                                      atomic.Bool // a buffer_full streak was logged
	lastErr                                                         atomic.Pointer[string]
	lastWrite                                                       atomic.Int64 // unix nanos

	batch []collector.Point // Run's reusable batch
}

// New returns an Output that delivers through w. With SpoolDir set it opens the spool and
// indexes what a previous run left there (replayed by Run); corrupt segments are reported and
// moved aside, not fatal.
func New(cfg Config, w Writer, log *slog.Logger) (*Output, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if w == nil {
		return nil, fmt.Errorf("output %q: no writer", cfg.Name)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	o := &Output{
		cfg:     cfg,
		w:       w,
		log:     log.With("output", cfg.Name),
		dl:      deadLetter{path: cfg.DeadLetter},
		drops:   map[string]int64{},
		kick:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
		runDone: make(chan struct{}),
	}
	o.g = newTypeGuard(cfg.TypesFile, o.log)
	_, o.readTypes = w.(FieldTypeReader)
	if cfg.SpoolDir != "" {
		sp, corrupt, err := openSpool(cfg.SpoolDir, cfg.SpoolMaxBytes, o.log)
		if err != nil {
			return nil, fmt.Errorf("output %q: %w", cfg.Name, err)
		}
		o.sp = sp
		if corrupt > 0 {
			o.drops[ReasonSpoolCorrupt] += int64(corrupt) // segments: their point count is unknowable
		}
		if segs, pts, _ := sp.size(); segs > 0 {
			o.log.Info("spool holds data from a previous run; replaying", "segments", segs, "points", pts)
		}
	}
	return o, nil
}

// Emit implements collector.Sink. It validates and buffers the points and returns at once:
// it never waits for the network. Points that cannot be encoded are dropped and counted under
// their invalid_* reason. When the buffer exceeds MaxBytes the oldest points are dropped
// (buffer_full) or, with a spool, written to disk. After Close it returns ErrClosed and counts
// the points as dropped (closed). Tags are sorted in place (Emit owns the points).
func (o *Output) Emit(_ context.Context, points []collector.Point) error {
	if len(points) == 0 {
		return nil
	}
	o.emitted.Add(int64(len(points)))
	// Validate outside the lock: many device sessions emit concurrently.
	var bad map[string]int64
	var skip []bool // allocated only when some point is invalid
	var size int64
	var prev *collector.Point // the last valid point, see validatePoint
	for i := range points {
		p := &points[i]
		p.SortTags()
		if r := validatePoint(p, prev); r != "" {
			if bad == nil {
				bad, skip = map[string]int64{}, make([]bool, len(points))
			}
			bad[r]++
			skip[i] = true
			continue
		}
		prev = p
		size += pointSize(p)
	}
	o.mu.Lock()
	if o.closed {
		o.drops[ReasonClosed] += int64(len(points))
		o.mu.Unlock()
		return ErrClosed
	}
	if skip == nil {
		o.q = append(o.q, points...)
	} else {
		for i := range points {
			if !skip[i] {
				o.q = append(o.q, points[i])
			}
		}
	}
	o.qBytes += size
	for r, n := range bad {
		o.drops[r] += n
	}
	overflow, dropped := o.trimLocked()
	ready := len(o.q)-o.head >= o.cfg.BatchSize
	o.mu.Unlock()
	if len(overflow) > 0 {
		// Deliberately in the caller's goroutine: with a spool configured the user asked
		// for nothing to be lost, and one segment write (about a quarter of MaxBytes, one
		// fsync) is the backpressure that keeps it so. Queueing it for another goroutine
		// would need a second bound, and under sustained overload that bound would drop
		// exactly the data the spool is there to keep. Without a spool this path only
		// counts drops and never touches the disk.
		o.spoolOrDrop(overflow, ReasonBufferFull)
	}
	if dropped > 0 && !o.dropLogged.Swap(true) {
		o.log.Warn("buffer full; dropping the oldest points until writes catch up (see dropped{reason=buffer_full})",
			"points", dropped, "max_bytes", o.cfg.MaxBytes)
	}
	if ready {
		select {
		case o.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// Behind reports that the collectors should wait before decoding more for this output
// (collector.Gate): more than a HighWater share of MaxBytes is buffered while writes are
// succeeding, so the buffer drains, only slower than the devices send (a fleet's initial
// syncs at once). The points it would take could only wait here, in their large decoded
// form, and push the buffer towards dropping; waiting keeps them in wire form and then on
// the devices. A failing or stalled output (no successful write for StallAfter) is never
// behind: its buffer bounds itself, dropping or spooling the oldest and saying so, and the
// sessions keep receiving.
func (o *Output) Behind() bool {
	if o.failing.Load() || time.Since(time.Unix(0, o.lastWrite.Load())) > StallAfter {
		return false
	}
	o.mu.Lock()
	b := o.qBytes
	o.mu.Unlock()
	return b > o.cfg.MaxBytes/HighWater
}

const (
	// HighWater: Behind above MaxBytes/HighWater buffered (8 MiB of the default 64 MiB).
	HighWater = 8
	// StallAfter: an output with no successful write for this long is stalled, not behind.
	StallAfter = time.Second
)

// trimLocked enforces MaxBytes, dropping the oldest points; with a spool it returns them
// for the caller to write to disk outside the lock.
func (o *Output) trimLocked() (spill []collector.Point, dropped int) {
	if o.qBytes <= o.cfg.MaxBytes {
		return nil, 0
	}
	start := o.head
	// Trim to 3/4 of the bound rather than just under it, so that a full buffer spools in
	// segments of useful size instead of one point per Emit.
	target := o.cfg.MaxBytes
	if o.sp != nil {
		target = o.cfg.MaxBytes / 4 * 3
	}
	for o.qBytes > target && o.head < len(o.q) {
		o.qBytes -= pointSize(&o.q[o.head])
		o.head++
	}
	n := o.head - start
	if o.sp != nil {
		spill = make([]collector.Point, n)
		copy(spill, o.q[start:o.head])
	} else {
		o.drops[ReasonBufferFull] += int64(n)
		dropped = n
	}
	clear(o.q[start:o.head])
	o.compactLocked()
	return spill, dropped
}

// spoolOrDrop writes points to the spool, or counts them under reason when there is none or
// it fails.
func (o *Output) spoolOrDrop(points []collector.Point, reason string) {
	if o.sp != nil {
		err := o.toSpool(points)
		if err == nil {
			return
		}
		o.log.Error("spool write failed; dropping points", "points", len(points), "err", err)
		reason = ReasonSpoolError
	}
	o.mu.Lock()
	o.drops[reason] += int64(len(points))
	o.mu.Unlock()
}

func (o *Output) compactLocked() {
	if o.head == len(o.q) {
		o.q, o.head = o.q[:0], 0
		return
	}
	if o.head > 1024 && o.head > len(o.q)/2 {
		n := copy(o.q, o.q[o.head:])
		clear(o.q[n:])
		o.q, o.head = o.q[:n], 0
	}
}

// take removes up to BatchSize points from the buffer into dst; with full only when a whole
// batch is waiting.
func (o *Output) take(dst []collector.Point, full bool) []collector.Point {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := min(len(o.q)-o.head, o.cfg.BatchSize)
	if n == 0 || (full && n < o.cfg.BatchSize) {
		return dst[:0]
	}
	dst = append(dst[:0], o.q[o.head:o.head+n]...)
	for i := range dst {
		o.qBytes -= pointSize(&dst[i])
	}
	clear(o.q[o.head : o.head+n])
	o.head += n
	o.compactLocked()
	return dst
}

// requeue puts undelivered points back at the front of the buffer (they are the oldest).
func (o *Output) requeue(points []collector.Point) {
	if len(points) == 0 {
		return
	}
	o.mu.Lock()
	if o.final {
		o.mu.Unlock()
		o.spoolOrLose(points)
		return
	}
	q := make([]collector.Point, 0, len(points)+len(o.q)-o.head)
	q = append(q, points...)
	q = append(q, o.q[o.head:]...)
	o.q, o.head = q, 0
	for i := range points {
		o.qBytes += pointSize(&points[i])
	}
	overflow, _ := o.trimLocked()
	o.mu.Unlock()
	if len(overflow) > 0 {
		o.spoolOrDrop(overflow, ReasonBufferFull)
	}
}

// spoolOrLose is the end of the line at shutdown: disk if there is a spool, else lost.
func (o *Output) spoolOrLose(points []collector.Point) {
	if o.sp != nil && o.toSpool(points) == nil {
		return
	}
	o.lost.Add(int64(len(points)))
}

// toSpool writes points to the spool and counts what it stored and evicted.
func (o *Output) toSpool(points []collector.Point) error {
	n, evicted, err := o.sp.write(points)
	if evicted > 0 {
		o.mu.Lock()
		o.drops[ReasonSpoolFull] += evicted
		o.mu.Unlock()
		o.log.Warn("spool full; deleted the oldest segments", "points", evicted)
	}
	if err != nil {
		o.setLastError(err)
		return err
	}
	o.spooled.Add(n)
	return nil
}

// Run is the flush loop: it writes a batch as soon as BatchSize points are buffered and
// whatever is buffered every FlushInterval, retries failed writes with capped exponential
// backoff and jitter (honouring Retry-After), and replays the spool once writes succeed. It
// returns nil when ctx ends or Close is called; the final flush is Close's job, so cancelling
// Run's context first (signal) and calling Close afterwards (once collectors stopped) loses
// nothing. Run may be called once.
func (o *Output) Run(ctx context.Context) error {
	if !o.running.CompareAndSwap(false, true) {
		return fmt.Errorf("output %q: Run called twice", o.cfg.Name)
	}
	defer close(o.runDone)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // Close stops Run by cancelling its writes and waits.
		select {
		case <-o.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	tick := time.NewTicker(o.cfg.FlushInterval)
	defer tick.Stop()
	o.replayOne(ctx, false) // what a previous run left, before the first interval
	for {
		full := true
		select {
		case <-ctx.Done():
			return nil
		case <-o.kick:
		case <-tick.C:
			full = false
		}
		if !o.flush(ctx, full) {
			continue
		}
		if !full {
			o.replayOne(ctx, false)
		}
	}
}

// flush writes batches until the buffer is empty (or holds less than a batch, with full). It
// reports whether everything taken was delivered.
func (o *Output) flush(ctx context.Context, full bool) bool {
	for ctx.Err() == nil {
		o.batch = o.take(o.batch, full)
		if len(o.batch) == 0 {
			return true
		}
		unsent := o.deliver(ctx, o.batch, false)
		// The batch's array is reused, but not its points: until the next batch they would
		// keep every field and tag slice of a delivered batch alive (5,000 points, about
		// 6 MB of a gNMI fleet's heap, counted live by the GC and doubled).
		clear(o.batch)
		if len(unsent) > 0 {
			o.requeue(unsent)
			return false
		}
	}
	return false
}

// replayOne writes the oldest spool segment, a batch at a time, and deletes it when all its
// points were delivered (or dead-lettered). Run replays one segment per flush interval so
// fresh data keeps flowing; Close replays what its deadline allows.
// It reports whether a segment was replayed or skipped as corrupt (false: none left, or the
// sink failed).
func (o *Output) replayOne(ctx context.Context, final bool) bool {
	if o.sp == nil {
		return false
	}
	seg, ok := o.sp.oldest()
	if !ok {
		return false
	}
	points, err := o.sp.read(seg)
	if err != nil {
		o.sp.quarantineSegment(seg, err)
		o.mu.Lock()
		o.drops[ReasonSpoolCorrupt] += max(seg.points, 1)
		o.mu.Unlock()
		return true
	}
	for len(points) > 0 {
		n := min(len(points), o.cfg.BatchSize)
		if unsent := o.deliver(ctx, points[:n], final); len(unsent) > 0 {
			// Keep the segment: the part already written is written again on the next
			// replay, which InfluxDB treats as an overwrite of identical points.
			return false
		}
		points = points[n:]
	}
	o.sp.remove(seg)
	o.replayed.Add(seg.points)
	o.log.Info("replayed spool segment", "points", seg.points, "path", seg.path)
	return true
}

// deliver writes batch, first holding every field to its pinned type (typeGuard), then
// acting on the server's answer: TooLarge halves the batch; BadData pins the types the
// answer names and resends only the affected points, dead-letters the lines it could not
// parse, or — when the answer names nothing — splits the batch, all within maxRejectWrites
// requests; Retryable and Misconfigured failures are retried until ctx ends. It returns the
// points it could not deliver (nil when all were written, dropped or dead-lettered). In final
// mode (Close) it gives up at the first retry that would not finish before ctx's deadline.
func (o *Output) deliver(ctx context.Context, batch []collector.Point, final bool) []collector.Point {
	batch = o.guardBatch(ctx, batch)
	bo := collector.Backoff{Min: o.cfg.RetryMin, Max: o.cfg.RetryMax}
	stack := [][]collector.Point{batch}
	writes := 1 // write requests spent or scheduled for this batch, retries of the same data aside
	// Isolating bad lines can reject many single points in one batch: log them once.
	var rejected int
	var lastReject *Error
	defer func() {
		if rejected == 0 {
			return
		}
		if o.dl.path == "" {
			o.log.Warn("server rejected points (no dead_letter file configured)", "points", rejected, "err", lastReject)
		} else {
			o.log.Warn("server rejected points; written to the dead-letter file", "points", rejected, "path", o.dl.path, "err", lastReject)
		}
	}()
	reject := func(b []collector.Point, reason string, e *Error) {
		o.reject(b, reason, e)
		rejected += len(b)
		lastReject = e
	}
	unsent := func(cur []collector.Point) []collector.Point {
		out := append([]collector.Point(nil), cur...)
		for i := len(stack) - 1; i >= 0; i-- {
			out = append(out, stack[i]...)
		}
		return out
	}
	for len(stack) > 0 {
		b := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(b) == 0 {
			continue
		}
		err := o.w.Write(ctx, b)
		if err == nil {
			o.delivered(len(b))
			bo.Reset()
			continue
		}
		if ctx.Err() != nil {
			return unsent(b)
		}
		o.writeErrors.Add(1)
		e := Classify(err)
		switch e.Class {
		case BadData:
			if resend, ok := o.resolveRejection(ctx, b, e, reject); ok {
				if len(resend) == 0 {
					continue
				}
				if writes < maxRejectWrites {
					writes++
					stack = append(stack, resend)
					continue
				}
				b = resend // out of requests: dead-letter what is left
			} else if len(b) > 1 && writes+2 <= maxRejectWrites {
				// The answer names nothing we can act on: halve to isolate the bad lines,
				// O(k·log n) writes for k bad lines, within the bound. InfluxDB has already
				// stored the good lines of a "partial write"; writing them again is
				// harmless (same series and timestamp: the point overwrites itself).
				writes += 2
				mid := len(b) / 2
				stack = append(stack, b[mid:], b[:mid])
				continue
			}
			reject(b, ReasonRejected, e)
			continue
		case TooLarge:
			// Halve until the points fit: a lone point still too large is dead-lettered.
			if len(b) > 1 {
				mid := len(b) / 2
				stack = append(stack, b[mid:], b[:mid])
				continue
			}
			reject(b, ReasonTooLarge, e)
			continue
		case Permanent:
			reject(b, ReasonPermanent, e)
			continue
		}
		// Retryable or Misconfigured: keep the batch and wait.
		o.failed(e)
		wait := bo.Next()
		if e.Class == Misconfigured {
			wait = o.cfg.RetryMax // nothing changes until an operator acts
		}
		if e.RetryAfter > 0 {
			wait = min(e.RetryAfter, maxRetryAfter)
		}
		if final {
			if dl, ok := ctx.Deadline(); !ok || time.Until(dl) < wait {
				return unsent(b)
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return unsent(b)
		case <-t.C:
		}
		o.retries.Add(1)
		stack = append(stack, b)
	}
	return nil
}

// guardBatch holds every field of batch to its pinned type (reading the server's types
// first when due) and returns the batch without the points left with no fields.
func (o *Output) guardBatch(ctx context.Context, batch []collector.Point) []collector.Point {
	if o.g == nil {
		return batch
	}
	o.readServerTypes(ctx, false)
	uintAsInt := false
	if ue, ok := o.w.(UintEncoder); ok {
		uintAsInt = ue.UintAsInt(ctx)
	}
	o.g.mu.Lock()
	o.g.setUintAsInt(uintAsInt)
	batch, dropped := o.g.apply(batch)
	o.g.save()
	o.g.mu.Unlock()
	o.countTypeDrops(dropped)
	return batch
}

func (o *Output) countTypeDrops(n int) {
	if n == 0 {
		return
	}
	o.mu.Lock()
	o.drops[ReasonTypeConflict] += int64(n)
	o.mu.Unlock()
}

// readServerTypes pins the field types the server holds (FieldTypeReader), at the first
// write and again after a type conflict (force). A server that refuses the query is logged
// once and not asked again: Output then relies on its write answers. A server that cannot
// be reached is asked again after the next successful write.
func (o *Output) readServerTypes(ctx context.Context, force bool) {
	r, ok := o.w.(FieldTypeReader)
	if !ok || o.g == nil {
		return
	}
	o.readMu.Lock()
	defer o.readMu.Unlock()
	if force {
		o.readTypes, o.readFailed = true, time.Time{}
	}
	if o.readOff || !o.readTypes || (!o.readFailed.IsZero() && o.lastWrite.Load() < o.readFailed.UnixNano()) {
		return
	}
	types, err := r.FieldTypes(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		switch e := Classify(err); e.Class {
		case Retryable:
			o.readFailed = time.Now()
			o.log.Debug("could not read the server's field types; trying again after the next successful write", "err", err)
		default:
			o.readOff = true
			o.log.Warn("cannot read the field types the server holds; relying on its answers to writes", "err", err)
		}
		return
	}
	o.readTypes, o.readFailed = false, time.Time{}
	o.g.mu.Lock()
	changed := o.g.learn(types)
	o.g.save()
	o.g.mu.Unlock()
	o.log.Debug("read the server's field types", "fields", len(types), "pins_changed", changed)
}

// resolveRejection acts on a BadData answer the Writer could read. It returns the points to
// write again and true, or false when the answer names nothing netpulse can act on.
//
//   - Lines the server could not parse (Error.BadPoints) are dead-lettered; it stored the
//     rest of the batch, so nothing is resent.
//   - Field type conflicts (Error.Conflicts): the named types are pinned, the server's types
//     read again, and the batch checked against the pins. The points that change are those
//     the server dropped; when its dropped=N count matches them, only they are resent, else
//     (InfluxDB names only the first conflict per shard) the whole fixed batch is, which
//     rewrites the stored points with themselves.
func (o *Output) resolveRejection(ctx context.Context, b []collector.Point, e *Error, reject func([]collector.Point, string, *Error)) ([]collector.Point, bool) {
	if len(e.BadPoints) > 0 {
		var bad []collector.Point
		for _, i := range e.BadPoints {
			if i >= 0 && i < len(b) {
				bad = append(bad, b[i])
			}
		}
		if len(bad) == 0 {
			return nil, false
		}
		reject(bad, ReasonRejected, e)
		o.delivered(len(b) - len(bad)) // the server stored the rest
		return nil, true
	}
	if len(e.Conflicts) == 0 || o.g == nil {
		return nil, false
	}
	named := make([]FieldType, len(e.Conflicts))
	for i, c := range e.Conflicts {
		named[i] = FieldType{Measurement: c.Measurement, Field: c.Field, Kind: c.Held}
	}
	o.g.mu.Lock()
	o.g.learn(named)
	o.g.mu.Unlock()
	o.readServerTypes(ctx, true)

	o.g.mu.Lock()
	changed, dropped := 0, 0
	var affected []collector.Point
	kept := b[:0]
	for i := range b {
		ch, n, empty := o.g.fix(&b[i])
		dropped += n
		if ch {
			changed++
			if !empty {
				affected = append(affected, b[i])
			}
		}
		if !empty {
			kept = append(kept, b[i])
		}
	}
	o.g.save()
	o.g.mu.Unlock()
	o.countTypeDrops(dropped)
	if changed == 0 {
		return nil, false
	}
	if e.Dropped == changed {
		if n := len(b) - changed; n > 0 {
			o.delivered(n) // the server stored the others
		}
		return affected, true
	}
	return kept, true
}

// delivered records a successful write.
func (o *Output) delivered(n int) {
	o.written.Add(int64(n))
	o.lastWrite.Store(time.Now().UnixNano())
	o.dropLogged.Store(false)
	if o.failing.Swap(false) {
		o.alarm.Store(false)
		o.log.Info("writes recovered", "points", n)
	}
}

// failed records a failed write that will be retried; it logs the first of a streak (and
// every change into the alarm state) so a dead server does not flood the log.
func (o *Output) failed(e *Error) {
	o.setLastError(e)
	wasFailing := o.failing.Swap(true)
	if e.Class == Misconfigured {
		if !o.alarm.Swap(true) {
			o.log.Error("output misconfigured; keeping data and retrying", "status", e.StatusCode, "err", e)
		}
		return
	}
	if !wasFailing {
		o.log.Warn("write failed; keeping data and retrying", "status", e.StatusCode, "err", e)
	}
}

// reject dead-letters points the server will never accept.
func (o *Output) reject(points []collector.Point, reason string, e *Error) {
	o.setLastError(e)
	o.mu.Lock()
	o.drops[reason] += int64(len(points))
	o.mu.Unlock()
	if err := o.dl.write(o.cfg.Name, points, reason, e); err != nil {
		o.log.Error("dead-letter write failed", "points", len(points), "reason", reason, "err", err)
	}
}

func (o *Output) setLastError(err error) {
	s := err.Error()
	o.lastErr.Store(&s)
}

// Close stops accepting points (Emit returns ErrClosed), stops Run, and flushes the buffer
// under ctx's deadline: a write that fails is retried only while its backoff fits before the
// deadline (without a deadline: not retried). Whatever is still unsent then goes to the spool (if configured) or is counted as
// lost. It then closes the Writer if it implements io.Closer. The error is non-nil when
// points were lost at shutdown or the writer failed to close; Report has the numbers either
// way. Close may be called more than once; later calls only return the report.
func (o *Output) Close(ctx context.Context) (Report, error) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return o.Report(), nil
	}
	o.closed = true
	o.mu.Unlock()
	close(o.stop)
	stuck := false
	if o.running.Load() {
		select {
		case <-o.runDone:
		case <-ctx.Done():
			// A Writer that ignores its context still holds a batch; requeue will count it
			// once it returns (final is set below), which is after this report: say so, so
			// that the caller does not take the report for complete delivery.
			stuck = true
		}
	}
	lostBefore := o.lost.Load()
	var batch []collector.Point
	flushed := false
	for ctx.Err() == nil {
		batch = o.take(batch, false)
		if len(batch) == 0 {
			flushed = true
			break
		}
		if unsent := o.deliver(ctx, batch, true); len(unsent) > 0 {
			o.requeue(unsent)
			break
		}
	}
	// The sink works: use the rest of the deadline to empty the spool, so that a short
	// `run --once` after an outage does not leave (and report) old data on disk forever.
	for flushed && ctx.Err() == nil && o.replayOne(ctx, true) {
	}
	o.mu.Lock()
	rest := append([]collector.Point(nil), o.q[o.head:]...)
	clear(o.q)
	o.q, o.head, o.qBytes, o.final = nil, 0, 0, true
	o.mu.Unlock()
	if len(rest) > 0 {
		o.spoolOrLose(rest)
	}
	var errs []error
	if stuck {
		errs = append(errs, fmt.Errorf("close output %q: a write was still in progress at the shutdown deadline; its points may be lost", o.cfg.Name))
	}
	if lost := o.lost.Load() - lostBefore; lost > 0 {
		errs = append(errs, fmt.Errorf("close output %q: %d points not delivered and no spool to keep them", o.cfg.Name, lost))
	}
	if c, ok := o.w.(io.Closer); ok {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close output %q writer: %w", o.cfg.Name, err))
		}
	}
	rep := o.Report()
	o.log.Info("output closed", "written", rep.Written, "lost", rep.Lost, "spooled", rep.Spooled, "dropped", rep.Dropped)
	return rep, errors.Join(errs...)
}

// Report summarises an Output's life for the exit code and the final log line.
type Report struct {
	Written int64            // points the sink accepted
	Lost    int64            // points unsent at Close with no spool to keep them
	Dropped map[string]int64 // reason → points (uint_overflow: fields) never delivered
	// Spooled is the number of points on disk in the spool when the report was made: not
	// delivered yet, replayed by the next run.
	Spooled   int64
	LastError string
	// Failed is true when some points could not be delivered: Lost, Spooled, or any drop
	// whose reason is not a data problem (see IsDataReason). Invalid points alone do not
	// fail the output: no server could have taken them.
	Failed bool
}

// Report returns the current summary (Close returns the final one).
func (o *Output) Report() Report {
	st := o.Stats()
	r := Report{Written: st.Written, Lost: st.Lost, Dropped: st.Dropped, Spooled: st.SpoolPoints, LastError: st.LastError}
	r.Failed = r.Lost > 0 || r.Spooled > 0
	for reason, n := range r.Dropped {
		if n > 0 && !IsDataReason(reason) {
			r.Failed = true
		}
	}
	return r
}

// Stats is a snapshot of an Output's self-metrics.
type Stats struct {
	Name         string
	Emitted      int64            // points handed to Emit
	Written      int64            // points the sink accepted
	Lost         int64            // points lost at Close
	Dropped      map[string]int64 // reason → count, see the Reason constants
	Retries      int64            // retried writes
	WriteErrors  int64            // failed write calls (each split part counts)
	BufferPoints int              // points waiting in memory
	BufferBytes  int64            // their estimated size (bounded by MaxBytes)
	Spooled      int64            // points moved to the spool since start
	Replayed     int64            // points replayed from the spool since start
	SpoolSegs    int              // segments on disk now
	SpoolPoints  int64            // points on disk now
	SpoolBytes   int64            // bytes on disk now
	Alarm        bool             // the sink says we are misconfigured (401/403/404)
	Failing      bool             // the last write failed and is being retried
	LastError    string
	LastWrite    time.Time // zero until the first successful write
}

// DropCounter is implemented by Writers that drop data while encoding (uint_overflow); Output
// adds their counts to Stats and Report.
type DropCounter interface {
	Dropped() map[string]int64
}

// Stats returns the current counters; safe to call at any time from any goroutine.
func (o *Output) Stats() Stats {
	s := Stats{
		Name:        o.cfg.Name,
		Emitted:     o.emitted.Load(),
		Written:     o.written.Load(),
		Lost:        o.lost.Load(),
		Retries:     o.retries.Load(),
		WriteErrors: o.writeErrors.Load(),
		Spooled:     o.spooled.Load(),
		Replayed:    o.replayed.Load(),
		Alarm:       o.alarm.Load(),
		Failing:     o.failing.Load(),
	}
	if p := o.lastErr.Load(); p != nil {
		s.LastError = *p
	}
	if ns := o.lastWrite.Load(); ns != 0 {
		s.LastWrite = time.Unix(0, ns)
	}
	o.mu.Lock()
	s.Dropped = maps.Clone(o.drops)
	s.BufferPoints = len(o.q) - o.head
	s.BufferBytes = o.qBytes
	o.mu.Unlock()
	if dc, ok := o.w.(DropCounter); ok {
		for r, n := range dc.Dropped() {
			s.Dropped[r] += n
		}
	}
	if o.sp != nil {
		s.SpoolSegs, s.SpoolPoints, s.SpoolBytes = o.sp.size()
	}
	return s
}

// pointSize estimates a buffered point's memory: its line-protocol size plus the Go structs
// that hold it. Strings shared between points (keys) are counted per point, which errs on
// the safe side.
func pointSize(p *collector.Point) int64 {
	const pointStruct, tagStruct, fieldStruct = 88, 32, 48
	n := pointStruct + len(p.Measurement) + 20
	for _, t := range p.Tags {
		n += tagStruct + len(t.Key) + len(t.Value) + 2
	}
	for _, f := range p.Fields {
		n += fieldStruct + len(f.Key) + len(f.StringValue()) + 2
	}
	return int64(n)
}

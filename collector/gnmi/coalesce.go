package gnmi

import (
	"context"
	"hash/maphash"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
)

// coalescer groups points from consecutive notifications into one point (one line-protocol
// line with many fields), which is what keeps InfluxDB writes and its series index cheap
// (DESIGN §3). Many devices send one leaf per notification in SAMPLE mode (Arista, Juniper
// and the reference server all do), so grouping within a notification alone would write one
// line per counter.
//
// Two rules, chosen per measurement (sampleWindows):
//
//   - exact: points with the same measurement, tags and timestamp are merged. They wait at
//     most flushEvery.
//   - sample window (SAMPLE subscriptions, the default): points with the same measurement
//     and tags whose timestamps lie within one sample interval of the line's are merged even
//     when every leaf has its own timestamp (Juniper and Cisco stamp each leaf). A group is
//     written when it has as many fields as the previous group of its series had (then at
//     once, with the notification that completed it), or when the next sample begins, else
//     when its sample interval has passed since it opened.
//
// Which timestamp a sample-window line carries, and why no value is ever overwritten:
// InfluxDB keeps one value per series, timestamp and field, so a second line of a series at a
// timestamp already used, with a field the first had, silently replaces that value. Hence:
//
//   - A line carries the timestamp of the update that opened it, which is its EARLIEST: an
//     update older than the open line does not join it.
//   - A line opens only at a timestamp later than every line the series had before (the
//     snapshot's exact lines included): seriesState.last. The window lines of a series thus
//     have strictly increasing timestamps, and a field appears once per line (a field that
//     arrives again starts the next line).
//   - An update not later than that (a late leaf of a sample already written, or one older
//     than the open line) goes into an exact line at its own timestamp, which only updates of
//     that very timestamp join. It can meet an earlier line at that timestamp only on a field
//     that line got from the same update, sent twice: a duplicate (below), not a new value.
//     This relies on one leaf's updates arriving in timestamp order, as a target's cache
//     sends them (the reference cache rejects an older timestamp than the one it holds).
//
// Before these rules a late leaf opened a window at the timestamp of a line already written
// and the next sample's leaves joined it: a few values in 10,000 were replaced under load
// (TestCoalescerWindowNeverOverwrites replays the orders that did it).
//
// Everything pending is written at sync_response, when maxPending points are pending and
// when the stream ends (close), so nothing is held back indefinitely or lost. Sample windows
// start at the sync_response: the initial snapshot is grouped exactly. Flushes run on
// a timer armed only while something is pending: an idle stream costs no goroutine.
type coalescer struct {
	sink    collector.Sink
	stats   *collector.Stats         // Points counts what reaches the sink, after grouping
	windows map[string]time.Duration // measurement → sample window; absent = exact

	emitMu sync.Mutex // serializes emits (timer, add, close) so close waits for the timer's

	mu       sync.Mutex
	pending  []*group                // in arrival order; a group keeps its address until written
	complete int                     // pending groups closed to new fields (key ""): written by add
	index    map[string]*group       // open group key → its group
	series   map[uint64]*seriesState // sample-window series (hash of its key as in index) → what it wrote
	key      []byte
	dupKey   []byte
	// sealed: the fields of the lines already closed or written (hashes of series,
	// timestamp and field key), kept for dupMemory to 2×dupMemory (sealedPrev is the older;
	// the snapshot's lines from the sync_response on), to recognise an update the device
	// sends twice (the same leaf and timestamp: the reference subscribe server does when an
	// update races its initial walk). InfluxDB keeps one value for both, so the second is
	// counted in Duplicates instead of Updates and not written again. A redial's new stream
	// starts afresh: its snapshot rewrites the values it repeats (the same values) and
	// counts them again.
	//
	// series and sealed hold 64-bit hashes, not the keys: at fleet scale they were the
	// largest part of a gNMI session's heap (series keys 12 KiB per 48-interface device,
	// kept for the life of the stream; sealed lines 19 KiB after every sample), and the
	// GC doubles it (BENCHMARKS.md, "gNMI memory per device, third pass"). Two keys of one
	// stream with the same hash (about 1 in 10^16 for the 1,500 fields a device's sample
	// leaves in sealed) would count a real update as a duplicate, or let two series share
	// their last timestamp (an update then goes into an exact line at its own timestamp).
	// sealed is a hashSet (about 11 bytes per field) rather than a map (18 KiB for a
	// 946-field sample, 30 % of an idle session's heap, held by every device of a lock-step
	// fleet at once while the burst runs; BENCHMARKS.md, "gNMI memory per device, fourth
	// pass"), sized for as many fields as the last generation had.
	seed               maphash.Seed
	sealed, sealedPrev hashSet
	sealHint           int       // fields sealed in the last generation: the next one's capacity
	rotated            time.Time // when sealed last became sealedPrev
	synced             bool      // the stream's sync_response came (flush): windows apply
	timer              *time.Timer
	armed              time.Time // when the timer fires; zero when not armed
	closed             bool
}

// seriesState is what a sample-window series keeps between lines: 16 bytes per list
// element (an interface, a queue), under the hash of its key (no key string kept). It is
// held by pointer so that a new line of a known series updates it in place, without a
// second hash and store per line.
type seriesState struct {
	last   int64 // UnixNano of its latest line: a new window line must be later
	fields int   // how many fields its last complete window line had: as many completes one
}

// group is one pending point.
type group struct {
	p      collector.Point
	key    string    // its index key while open, "" once closed to new fields
	due    time.Time // when it is written at the latest
	window time.Duration
}

const (
	flushEvery = 200 * time.Millisecond
	maxPending = 2000
	// dupMemory bounds how long a written line's fields are remembered to recognise a
	// repeated update: the reference server's repeats follow the first copy within the
	// initial sync, milliseconds apart; a second covers a loaded machine.
	dupMemory = time.Second
)

// newCoalescer returns a coalescer writing to sink. windows may be nil (every measurement
// exact).
func newCoalescer(sink collector.Sink, stats *collector.Stats, windows map[string]time.Duration) *coalescer {
	return &coalescer{sink: sink, stats: stats, windows: windows, seed: maphash.MakeSeed()}
}

// sampleWindows gives each measurement of a STREAM stream its sample-window grouping: the
// smallest sample interval among its SAMPLE subscriptions, unless one of them asks for exact
// timestamps (exact_timestamps). ONCE/POLL streams and on_change/target_defined
// subscriptions group exactly.
func sampleWindows(spec *streamSpec) map[string]time.Duration {
	if spec.req.GetSubscribe().GetMode() != gnmipb.SubscriptionList_STREAM {
		return nil
	}
	w := map[string]time.Duration{}
	exact := map[string]bool{}
	for _, s := range spec.subs {
		m := s.Measurement
		if m == "" {
			m = s.Name
		}
		sm, _ := parseStreamMode(s.StreamMode)
		if s.ExactTimestamps || sm != gnmipb.SubscriptionMode_SAMPLE || s.SampleInterval <= 0 {
			exact[m] = true
			continue
		}
		if cur, ok := w[m]; !ok || s.SampleInterval < cur {
			w[m] = s.SampleInterval
		}
	}
	for m := range exact {
		delete(w, m)
	}
	return w
}

func (c *coalescer) emit(ctx context.Context, out []collector.Point) error {
	if len(out) == 0 {
		return nil
	}
	c.stats.Points.Add(int64(len(out)))
	return c.sink.Emit(ctx, out)
}

// seriesKey renders measurement and tags (tags are sorted by the normalizer), then the time
// (exact) or a marker (sample window).
func (c *coalescer) seriesKey(p *collector.Point, window bool) []byte {
	k := c.key[:0]
	k = append(k, p.Measurement...)
	for _, t := range p.Tags {
		k = append(k, 0)
		k = append(k, t.Key...)
		k = append(k, 0)
		k = append(k, t.Value...)
	}
	if window {
		k = append(k, 1)
	} else {
		k = append(k, 0)
		k = strconv.AppendInt(k, p.Time.UnixNano(), 10)
	}
	c.key = k
	return k
}

// add merges points into the pending groups; it writes at once when maxPending are pending.
func (c *coalescer) add(ctx context.Context, points []collector.Point) error {
	now := time.Now()
	c.mu.Lock()
	for i := range points {
		c.addLocked(&points[i], now)
	}
	var out []collector.Point
	switch {
	case len(c.pending) >= maxPending:
		out = c.takeLocked(time.Time{})
	case c.complete > 0:
		// Lines that take no more fields are written with the notification that completed
		// them, not up to flushEvery later: in a lock-step fleet every device's sample would
		// otherwise wait in the heap for the timer while the GC measures the burst
		// (BENCHMARKS.md, "gNMI memory per device, fourth pass"). The lines are the same.
		out = c.takeCompleteLocked()
	}
	c.mu.Unlock()
	if out == nil {
		return nil
	}
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	return c.emit(ctx, out)
}

func (c *coalescer) addLocked(p *collector.Point, now time.Time) {
	window, windowed := c.windows[p.Measurement]
	if !windowed {
		if !c.dropSealedLocked(p) {
			c.addExactLocked(p, now)
		}
		return
	}
	k := c.seriesKey(p, true)
	st := c.series[maphash.Bytes(c.seed, k)]
	known := st != nil
	ts := p.Time.UnixNano()
	// Every line of the series lies at or before st.last: a later update cannot repeat one.
	if known && ts <= st.last && c.dropSealedLocked(p) {
		return
	}
	if !c.synced {
		// Until the sync_response the stream carries the device's stored snapshot, every
		// leaf at once: it is grouped exactly and written as it comes, not held for a
		// window; its timestamps count as used.
		if !known {
			c.newSeriesLocked(k).last = ts
		} else if ts > st.last {
			st.last = ts
		}
		c.addExactLocked(p, now)
		return
	}
	if g, ok := c.index[string(k)]; ok {
		if p.Time.Equal(g.p.Time) && c.dropFieldsLocked(p, g.p.Fields) {
			return
		}
		if !p.Time.Before(g.p.Time) {
			if p.Time.Sub(g.p.Time) < window && !sharesField(g.p.Fields, p.Fields) {
				g.p.Fields = append(g.p.Fields, p.Fields...)
				if n := st.fields; n > 0 && len(g.p.Fields) >= n {
					c.closeLocked(g, now.Add(flushEvery)) // complete: as many fields as last time
				}
				return
			}
			c.closeLocked(g, now) // the next sample began: write this one now (st learns its size)
		}
		// else: an update older than the open line; the line stays open for its sample.
	}
	if known && ts <= st.last {
		// Not later than a line the series already has: a late leaf of a sample already
		// written, or older than the open line. At its own timestamp, grouped exactly, it
		// never puts a value at a timestamp where the series already has one for its field.
		c.addExactLocked(p, now)
		return
	}
	if !known {
		st = c.newSeriesLocked(k)
	}
	st.last = ts
	if n := st.fields; n > 0 && len(p.Fields) >= n {
		// Complete as it arrives (a device that sends a whole sample of the list element in
		// one notification): it is closed at once, so it never enters the index, and it
		// keeps p's fields (the normalizer's, handed over) since nothing will join them.
		st.fields = len(p.Fields)
		g := &group{p: *p, due: now.Add(flushEvery), window: window}
		c.pending = append(c.pending, g)
		c.complete++
		c.sealLocked(&g.p)
		c.armLocked(g.due)
		return
	}
	key := string(k) // the index needs the exact key while the line is open
	g := &group{p: *p, key: key, due: now.Add(window), window: window}
	// It grows as leaves arrive: room for as many as the series' last line had.
	g.p.Fields = append(make([]collector.Field, 0, max(st.fields, len(p.Fields))), p.Fields...)
	c.indexLocked(key, g)
	c.pending = append(c.pending, g)
	c.armLocked(g.due)
}

// indexLocked makes g the open group of key. The index is made when a group opens and let go
// when the last one is written (keepLocked): a map keeps the table its busiest moment grew
// (the snapshot's lines), and a stream whose lines arrive complete never opens one.
func (c *coalescer) indexLocked(key string, g *group) {
	if c.index == nil {
		c.index = make(map[string]*group)
	}
	c.index[key] = g
}

// newSeriesLocked adds the sample-window series k.
func (c *coalescer) newSeriesLocked(k []byte) *seriesState {
	if c.series == nil {
		c.series = make(map[uint64]*seriesState)
	}
	st := &seriesState{}
	c.series[maphash.Bytes(c.seed, k)] = st
	return st
}

// addExactLocked merges p into the pending line of its series and timestamp, or opens one.
func (c *coalescer) addExactLocked(p *collector.Point, now time.Time) {
	k := c.seriesKey(p, false)
	if g, ok := c.index[string(k)]; ok {
		var dup int
		g.p.Fields, dup = mergeFields(g.p.Fields, p.Fields)
		c.duplicates(dup)
		return
	}
	key := string(k)
	g := &group{p: *p, key: key, due: now.Add(flushEvery)}
	c.indexLocked(key, g)
	c.pending = append(c.pending, g)
	c.armLocked(g.due)
}

// closeLocked takes g out of the index (no more fields join it) and brings its due time
// forward; for a sample-window series it remembers how many fields a complete group has.
func (c *coalescer) closeLocked(g *group, due time.Time) {
	if g.key == "" {
		return
	}
	if g.window > 0 {
		c.learnFieldsLocked(g)
	}
	delete(c.index, g.key)
	g.key = ""
	c.complete++
	c.sealLocked(&g.p)
	if due.Before(g.due) {
		g.due = due
		c.armLocked(due)
	}
}

// learnFieldsLocked records how many fields g, an open window group, has.
func (c *coalescer) learnFieldsLocked(g *group) {
	if st := c.series[maphash.String(c.seed, g.key)]; st != nil {
		st.fields = len(g.p.Fields)
	}
}

func sharesField(a, b []collector.Field) bool {
	for _, f := range b {
		for i := range a {
			if a[i].Key == f.Key {
				return true
			}
		}
	}
	return false
}

// mergeFields adds src to dst; a field sent twice for the same time keeps the later value
// and counts as a duplicate.
func mergeFields(dst, src []collector.Field) ([]collector.Field, int) {
	dup := 0
outer:
	for _, f := range src {
		for i := range dst {
			if dst[i].Key == f.Key {
				dst[i] = f
				dup++
				continue outer
			}
		}
		dst = append(dst, f)
	}
	return dst, dup
}

// duplicates moves n updates from Updates to Duplicates.
func (c *coalescer) duplicates(n int) {
	if n > 0 {
		c.stats.Updates.Add(-int64(n))
		c.stats.Duplicates.Add(int64(n))
	}
}

// dropSealedLocked removes from p the fields a closed or written line of the same series
// and timestamp already has; it reports whether nothing is left.
func (c *coalescer) dropSealedLocked(p *collector.Point) bool {
	if c.sealed.len() == 0 && c.sealedPrev.len() == 0 {
		return false
	}
	line := maphash.Bytes(c.seed, c.exactKey(p))
	return c.dropKeysLocked(p, func(key string) bool {
		h := c.sealHash(line, key)
		return c.sealed.has(h) || c.sealedPrev.has(h)
	})
}

// sealHash is the sealed entry of field key in the line whose exact key hashes to line.
func (c *coalescer) sealHash(line uint64, key string) uint64 {
	return maphash.Comparable(c.seed, sealedField{line, key})
}

type sealedField struct {
	line uint64
	key  string
}

// dropFieldsLocked removes from p the fields that fs has (same leaf, same time).
func (c *coalescer) dropFieldsLocked(p *collector.Point, fs []collector.Field) bool {
	return c.dropKeysLocked(p, func(key string) bool {
		return slices.ContainsFunc(fs, func(f collector.Field) bool { return f.Key == key })
	})
}

func (c *coalescer) dropKeysLocked(p *collector.Point, has func(string) bool) bool {
	dup := 0
	for _, f := range p.Fields {
		if has(f.Key) {
			dup++
		}
	}
	if dup == 0 {
		return false
	}
	c.duplicates(dup)
	kept := make([]collector.Field, 0, len(p.Fields)-dup) // p's slice is the normalizer's: copy
	for _, f := range p.Fields {
		if !has(f.Key) {
			kept = append(kept, f)
		}
	}
	p.Fields = kept
	return len(kept) == 0
}

// exactKey is seriesKey with the time, in its own buffer.
func (c *coalescer) exactKey(p *collector.Point) []byte {
	saved := c.key
	c.key = c.dupKey
	k := c.seriesKey(p, false)
	c.dupKey, c.key = k, saved
	return k
}

// sealLocked records a line that takes no more fields.
func (c *coalescer) sealLocked(p *collector.Point) {
	if c.sealed.len() == 0 && len(p.Fields) > 0 {
		c.sealed.reserve(max(c.sealHint, len(p.Fields)))
	}
	line := maphash.Bytes(c.seed, c.exactKey(p))
	for _, f := range p.Fields {
		c.sealed.add(c.sealHash(line, f.Key))
	}
}

// takeLocked removes the groups due by now (all of them when now is zero) and returns their
// points in arrival order.
func (c *coalescer) takeLocked(now time.Time) []collector.Point {
	if c.sealed.len() == 0 {
		// The lines about to be sealed, at once: the snapshot's at the sync_response.
		n := 0
		for _, g := range c.pending {
			if g.key != "" && (now.IsZero() || !g.due.After(now)) {
				n += len(g.p.Fields)
			}
		}
		if n > 0 {
			c.sealed.reserve(max(c.sealHint, n))
		}
	}
	var out []collector.Point
	kept := c.pending[:0]
	for _, g := range c.pending {
		if now.IsZero() || !g.due.After(now) {
			if g.key != "" {
				if g.window > 0 && !now.IsZero() {
					// A sync_response or a full buffer cuts groups short: learn sizes from
					// windows that ran out only.
					c.learnFieldsLocked(g)
				}
				c.sealLocked(&g.p)
				delete(c.index, g.key)
			}
			out = append(out, g.p)
			continue
		}
		kept = append(kept, g)
	}
	c.keepLocked(kept)
	return out
}

// takeCompleteLocked removes the groups closed to new fields (complete window lines) and
// returns their points in arrival order; open groups stay pending.
func (c *coalescer) takeCompleteLocked() []collector.Point {
	var out []collector.Point
	kept := c.pending[:0]
	for _, g := range c.pending {
		if g.key == "" {
			out = append(out, g.p)
			continue
		}
		kept = append(kept, g)
	}
	c.keepLocked(kept)
	return out
}

// keepLocked makes kept, a prefix of pending's array, the pending groups.
func (c *coalescer) keepLocked(kept []*group) {
	clear(c.pending[len(kept):])
	c.pending = kept
	c.complete = 0
	for _, g := range kept {
		if g.key == "" {
			c.complete++
		}
	}
	if len(c.pending) == 0 {
		c.pending = nil // release a burst's backing array
	}
	if len(c.index) == 0 {
		c.index = nil // and the index's table
	}
}

// armLocked makes the timer fire by due: it only ever moves the timer earlier.
func (c *coalescer) armLocked(due time.Time) {
	if c.closed || (!c.armed.IsZero() && !due.Before(c.armed)) {
		return
	}
	c.armed = due
	if c.timer == nil {
		c.timer = time.AfterFunc(time.Until(due), c.onTimer)
	} else {
		c.timer.Reset(time.Until(due))
	}
}

// onTimer writes the groups that are due and re-arms for the rest.
func (c *coalescer) onTimer() {
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.armed = time.Time{}
	// Whatever falls due within the next period goes now too: one write instead of many.
	now := time.Now()
	out := c.takeLocked(now.Add(flushEvery))
	// The snapshot is remembered whole until dupMemory after the sync_response: under load
	// the reference server repeated snapshot leaves over a second after the first copy, while
	// its initial sync still ran. It is what the subscription covers, once.
	if c.synced && now.Sub(c.rotated) >= dupMemory {
		if n := c.sealed.len(); n > 0 {
			c.sealHint = n
		}
		c.sealedPrev, c.sealed, c.rotated = c.sealed, hashSet{}, now
	}
	if len(c.pending) == 0 && c.sealed.len()+c.sealedPrev.len() > 0 {
		c.armLocked(now.Add(dupMemory)) // to forget them
	}
	if len(c.pending) > 0 {
		next := c.pending[0].due
		for _, g := range c.pending[1:] {
			if g.due.Before(next) {
				next = g.due
			}
		}
		c.armLocked(next)
	}
	c.mu.Unlock()
	// The timer's write has no caller to take a context from: Emit does not block
	// (collector.Sink), and close stops the timer when the stream ends.
	_ = c.emit(context.Background(), out) // the outputs count their own failures; the stream goes on
}

// flush writes everything pending (sync_response: the snapshot is complete); sample
// windows apply from now on.
func (c *coalescer) flush(ctx context.Context) error {
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.mu.Lock()
	c.synced, c.rotated = true, time.Now()
	out := c.takeLocked(time.Time{})
	c.mu.Unlock()
	return c.emit(ctx, out)
}

// close stops the timer, waits for a flush in progress and writes what is pending even when
// ctx (the stream's) has ended: the outputs buffer accepts until it is closed itself, after
// the sessions.
func (c *coalescer) close(ctx context.Context) {
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.mu.Lock()
	c.closed = true
	if c.timer != nil {
		c.timer.Stop()
	}
	out := c.takeLocked(time.Time{})
	c.mu.Unlock()
	_ = c.emit(context.WithoutCancel(ctx), out)
}

// hashSet is a set of 64-bit hashes in one slice, open addressing with linear probing at
// a load of at most 3/4: 8 bytes a slot, 11 a hash when full, where a map[uint64]struct{}
// takes 16–19 at the load factors it grows through (18 KiB for a 946-field sample). The
// hashes are maphash's, uniform, so a slot is picked by multiplying into the table's size
// (any size, not a power of two: it is sized for the entries it is given). 0 marks an empty
// slot, so a hash of 0 is stored as 1: one more way in 2^64 for two fields to collide.
type hashSet struct {
	slots []uint64
	n     int
}

func (s *hashSet) len() int { return s.n }

// reserve makes room for n entries without growing.
func (s *hashSet) reserve(n int) {
	if want := n*4/3 + 1; want > len(s.slots) {
		old := s.slots
		s.slots, s.n = make([]uint64, want), 0
		for _, x := range old {
			if x != 0 {
				s.insert(x)
			}
		}
	}
}

func (s *hashSet) add(x uint64) {
	if (s.n+1)*4 > len(s.slots)*3 {
		s.reserve(max(16, (s.n+1)*3/2))
	}
	s.insert(max(x, 1))
}

func (s *hashSet) insert(x uint64) {
	for i := s.slot(x); ; i = s.next(i) {
		switch s.slots[i] {
		case 0:
			s.slots[i] = x
			s.n++
			return
		case x:
			return
		}
	}
}

func (s *hashSet) has(x uint64) bool {
	if s.n == 0 {
		return false
	}
	x = max(x, 1)
	for i := s.slot(x); ; i = s.next(i) {
		switch s.slots[i] {
		case 0:
			return false
		case x:
			return true
		}
	}
}

func (s *hashSet) slot(x uint64) int {
	hi, _ := bits.Mul64(x, uint64(len(s.slots)))
	return int(hi)
}

func (s *hashSet) next(i int) int {
	if i++; i == len(s.slots) {
		return 0
	}
	return i
}

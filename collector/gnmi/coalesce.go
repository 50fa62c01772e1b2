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
	pending  []*group          // in arrival order; a group keeps its address until written
	complete int               // pending groups closed to new fields (key ""): written by add
	index    map[string]*group // open group key → its group
	series   seriesTable       // sample-window series (hash of its key as in index) → what it wrote
	key      []byte
	dupKey   []byte
	// sealed: the fields of the lines already closed or written (per line, the hash of its
	// series and timestamp and the set of its field keys), kept for dupMemory to
	// 2×dupMemory (two generations; the snapshot's lines from the sync_response on), to
	// recognise an update the device sends twice (the same leaf and timestamp: the
	// reference subscribe server does when an update races its initial walk). InfluxDB
	// keeps one value for both, so the second is counted in Duplicates instead of Updates
	// and not written again. A redial's new stream starts afresh: its snapshot rewrites the
	// values it repeats (the same values) and counts them again.
	//
	// series and sealed hold 64-bit hashes of the series keys, not the keys (sealed's field
	// keys are the points' strings, which the normalizer interns: shared, not copied): at
	// fleet scale the keys were the largest part of a gNMI session's heap (series keys
	// 12 KiB per 48-interface device, kept for the life of the stream; sealed lines 19 KiB
	// after every sample), and the GC doubles it (BENCHMARKS.md, "gNMI memory per device,
	// third pass"). Two keys of one stream with the same hash (about 1 in 10^16 for the
	// lines of a device's sample) would count a real update as a duplicate, or let two
	// series share their last timestamp (an update then goes into an exact line at its own
	// timestamp). sealed keeps a line, not a field: one hash per (line, field) was 10 KiB for
	// a 946-field sample in a set (18 KiB in a map), held by every device of a lock-step
	// fleet at once while the burst runs (BENCHMARKS.md, "gNMI memory per device", fourth
	// and fifth pass); sealedLines says how.
	seed    maphash.Seed
	sealed  sealedLines
	rotated time.Time // when sealed last rotated
	synced  bool      // the stream's sync_response came (flush): windows apply
	timer   *time.Timer
	armed   time.Time // when the timer fires; zero when not armed
	closed  bool
}

// seriesState is what a sample-window series keeps between lines: 24 bytes per list
// element (an interface, a queue) in seriesTable, under the hash of its key (no key string
// kept). A new line of a known series updates it in place, without a second hash and store
// per line.
type seriesState struct {
	key    uint64 // the hash of the series key
	last   int64  // UnixNano of its latest line: a new window line must be later
	fields int32  // how many fields its last complete window line had: as many completes one
	used   bool   // the slot holds a series
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
	seed := maphash.MakeSeed()
	return &coalescer{sink: sink, stats: stats, windows: windows, seed: seed, sealed: sealedLines{seed: seed}}
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
	st := c.series.get(maphash.Bytes(c.seed, k))
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
				if n := int(st.fields); n > 0 && len(g.p.Fields) >= n {
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
	if n := int(st.fields); n > 0 && len(p.Fields) >= n {
		// Complete as it arrives (a device that sends a whole sample of the list element in
		// one notification): it is closed at once, so it never enters the index, and it
		// keeps p's fields (the normalizer's, handed over) since nothing will join them.
		st.fields = int32(len(p.Fields))
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
	g.p.Fields = append(make([]collector.Field, 0, max(int(st.fields), len(p.Fields))), p.Fields...)
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

// newSeriesLocked adds the sample-window series k; the states got before are stale.
func (c *coalescer) newSeriesLocked(k []byte) *seriesState {
	return c.series.add(maphash.Bytes(c.seed, k))
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
	if st := c.series.get(maphash.String(c.seed, g.key)); st != nil {
		st.fields = int32(len(g.p.Fields))
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
	ts := p.Time.UnixNano()
	if !c.sealed.mayHave(ts) {
		return false // later than every sealed line (a stream's next sample): no key, no hash
	}
	a, b := c.sealed.find(maphash.Bytes(c.seed, c.exactKey(p)), ts)
	if a == nil && b == nil {
		return false
	}
	return c.dropKeysLocked(p, func(key string) bool {
		return a.pos(c.seed, key) >= 0 || b.pos(c.seed, key) >= 0
	})
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
	if len(p.Fields) == 0 {
		return
	}
	if c.sealed.cur.len() == 0 {
		c.sealed.reserve(1)
	}
	c.sealed.seal(maphash.Bytes(c.seed, c.exactKey(p)), p.Time.UnixNano(), p.Fields)
}

// takeLocked removes the groups due by now (all of them when now is zero) and returns their
// points in arrival order.
func (c *coalescer) takeLocked(now time.Time) []collector.Point {
	if c.sealed.cur.len() == 0 {
		// Room for the lines about to be sealed, at once: the snapshot's at the sync_response.
		n := 0
		for _, g := range c.pending {
			if g.key != "" && len(g.p.Fields) > 0 && (now.IsZero() || !g.due.After(now)) {
				n++
			}
		}
		if n > 0 {
			c.sealed.reserve(n)
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
		c.sealed.rotate()
		c.rotated = now
	}
	if len(c.pending) == 0 && c.sealed.len() > 0 {
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
	c.series.fit()
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

// sealedLines is what the coalescer remembers of the lines it closed or wrote, to recognise
// an update sent twice (coalescer.sealed): per line, the hash of its exact key (measurement,
// tags, time) and the set of its field keys, in two generations (cur: the lines sealed since
// the last rotation; prev: those before it), forgotten a generation at a time.
//
// A line is one slot of 12 bytes (its hash, its set's number) and the sets are shared: the
// lines of a device mostly have one or two sets of keys (the simulator's 48-interface sample:
// one set of 18–20 counters), and a set is made once and reused by the next generations while
// they see it. A generation holding such a sample takes 1.3 KiB, where one 64-bit hash per
// (line, field) took 10.6 KiB (TestCoalescerSealedMemory: 48 lines of 20 fields), and in a
// lock-step fleet every device holds one at once while the burst runs: 7.3 MB of the 42.5 MB
// live heap at the GC marks at 500 devices (BENCHMARKS.md, "gNMI memory per device, fifth
// pass"). Membership is a comparison of the field key with the set's keys (no second hash
// per field), so a line hash is the only place two keys can collide, as before. A line of a
// single field (per-leaf devices with exact timestamps) costs more than its one hash did (11
// bytes): 16 bytes when its key recurs (the same leaf of the other interfaces: one set per
// leaf), up to about 140 when every line has a key of its own (a set each); lines of one
// field are not the ones a fleet holds many of (sample windows group them).
type sealedLines struct {
	seed maphash.Seed
	// cur and prev are nil while empty: a coalescer outlives its sealed lines (2 s after a
	// sample), and two generations inline made it 456 bytes instead of 280.
	cur, prev *sealedGen
	hint      int // lines sealed in the last generation: the next one's capacity
}

// sealedGen is one generation of sealed lines: open addressing with linear probing at a
// load of at most 3/4 over two arrays without pointers (the GC does not scan them). A probe
// reads lines only (one cache line per lookup in a large table, as the hash per field did:
// BenchmarkCoalescerPerLeaf's exact case seals 700,000 lines a second), sets only on a match.
// A nil *sealedGen is an empty one.
type sealedGen struct {
	lines     []uint64          // per slot, the hash of a line's exact key (0 stored as 1); 0: empty slot
	sets      []uint32          // per slot, 1 + its line's set in fieldSets
	n         int               // lines
	newest    int64             // the latest time of a line (UnixNano)
	fieldSets []*fieldSet       // the sets of this generation's lines, each once
	refs      []uint32          // per set in fieldSets, how many of this generation's lines have it
	bySum     map[uint64]uint32 // 1 + index in fieldSets by sum, once there are more than linearSets
	last      uint32            // 1 + index of the set given to a line last
}

// fieldSet is the field keys of sealed lines, each once, in the order they came. Immutable
// once made: lines and generations share it.
type fieldSet struct {
	keys []string
	sum  uint64 // sum of the keys' hashes: the same in any order; finds a set to share
	// index, for more than smallSet keys: 1 + position of a key, by its hash (open
	// addressing, load ≤ 1/2). A flat subscription can put hundreds of fields in one line;
	// a lookup is then one hash, not a scan.
	index []uint32
}

const (
	// smallSet: up to this many keys a set is searched by comparing the keys in turn (an
	// interface's ~20 counters, most of different lengths: cheaper than hashing the key).
	smallSet = 32
	// linearSets: up to this many sets a generation finds one by comparing sums in turn.
	linearSets = 8
)

func (r *sealedLines) len() int { return r.cur.len() + r.prev.len() }

// reserve makes room in the current generation for n lines, or as many as the last
// generation had, without growing.
func (r *sealedLines) reserve(n int) {
	if r.cur == nil {
		r.cur = &sealedGen{}
	}
	r.cur.reserve(max(r.hint, n))
}

// rotate forgets the older generation and starts a new one.
func (r *sealedLines) rotate() {
	if n := r.cur.len(); n > 0 {
		r.hint = n
	}
	r.prev, r.cur = r.cur, nil
}

// mayHave reports whether a line at time ts (UnixNano) may have been sealed: not if it is
// later than every sealed line. A stream's updates mostly are (the next sample), and
// then a lookup is one comparison where it was a key, a hash and two probes: in a
// large table two cache misses (BenchmarkCoalescerPerLeaf's exact case seals 700,000 lines
// a second).
func (r *sealedLines) mayHave(ts int64) bool { return r.cur.mayHave(ts) || r.prev.mayHave(ts) }

// find returns the field sets the line at time ts, whose exact key hashes to line, has in
// the two generations (nil where it has none).
func (r *sealedLines) find(line uint64, ts int64) (cur, prev *fieldSet) {
	return r.cur.find(line, ts), r.prev.find(line, ts)
}

// has reports whether the line was sealed with field key in either generation.
func (r *sealedLines) has(line uint64, ts int64, key string) bool {
	a, b := r.find(line, ts)
	return a.pos(r.seed, key) >= 0 || b.pos(r.seed, key) >= 0
}

// seal records fields' keys for the line at time ts whose exact key hashes to line; a line
// sealed again in the same generation (a second line at one series and timestamp: a late
// leaf grouped exactly) gets the union.
func (r *sealedLines) seal(line uint64, ts int64, fields []collector.Field) {
	if len(fields) == 0 {
		return
	}
	if r.cur == nil {
		r.cur = &sealedGen{newest: ts}
	}
	g := r.cur
	if g.n == 0 || ts > g.newest {
		g.newest = ts
	}
	if (g.n+1)*4 > len(g.lines)*3 {
		g.reserve(max(16, (g.n+1)*3/2))
	}
	line = max(line, 1) // 0 marks an empty slot: hashes 0 and 1 are one line
	i := slotOf(line, len(g.lines))
	for ; g.lines[i] != 0; i = nextSlot(i, len(g.lines)) {
		if g.lines[i] == line {
			o := g.sets[i]
			if old := g.fieldSets[o-1]; !old.hasAll(r.seed, fields) {
				u := newFieldSet(r.seed, old, fields)
				key := func(j int) string { return u.keys[j] }
				switch x := g.lookup(r.seed, u.sum, len(u.keys), key); {
				case x != 0: // another line of this generation has the union's keys
					g.release(o)
					g.sets[i] = x
					g.refs[x-1]++
				case g.refs[o-1] == 1:
					// The old set is this line's alone: the union takes its place. Kept
					// beside it, a line whose leaves are sealed one flush at a time (a slow
					// snapshot) would leave sets of 1, 2, …, n keys behind until the next
					// rotation, which does not come before the sync_response.
					g.replace(o, u)
				default:
					g.release(o)
					g.sets[i] = r.intern(u)
					g.refs[g.sets[i]-1]++
				}
			}
			return
		}
	}
	x := r.setOf(fields)
	g.lines[i], g.sets[i] = line, x
	g.refs[x-1]++
	g.n++
}

// replace makes s the set at 1 + index x, in the place of one no other line has.
func (g *sealedGen) replace(x uint32, s *fieldSet) {
	g.unindex(x)
	g.fieldSets[x-1] = s
	if g.bySum != nil {
		if _, ok := g.bySum[s.sum]; !ok {
			g.bySum[s.sum] = x
		}
	}
}

// release takes one line off the set at 1 + index x; a set no line has any more is let go
// (its place stays, nil: indexes are the lines' references).
func (g *sealedGen) release(x uint32) {
	if g.refs[x-1]--; g.refs[x-1] > 0 {
		return
	}
	g.unindex(x)
	g.fieldSets[x-1] = nil
	if g.last == x {
		g.last = 0
	}
}

// unindex takes the set at 1 + index x out of bySum.
func (g *sealedGen) unindex(x uint32) {
	if g.bySum != nil && g.bySum[g.fieldSets[x-1].sum] == x {
		delete(g.bySum, g.fieldSets[x-1].sum)
	}
}

// setOf returns the set of fields' keys in the current generation (1 + its index): one it
// has or the last generation had when the keys are the same, else a new one.
func (r *sealedLines) setOf(fields []collector.Field) uint32 {
	key := func(i int) string { return fields[i].Key }
	g, p := r.cur, r.prev
	// The set given last: a device's lines follow one another with the same keys, mostly in
	// the same order (a comparison per key, pointers equal: the normalizer interns them).
	if g.last != 0 && sameKeys(r.seed, g.fieldSets[g.last-1], len(fields), key) {
		return g.last
	}
	if len(g.fieldSets) == 0 && p != nil && p.last != 0 && sameKeys(r.seed, p.fieldSets[p.last-1], len(fields), key) {
		return g.add(p.fieldSets[p.last-1])
	}
	var sum uint64
	for _, f := range fields {
		sum += maphash.String(r.seed, f.Key)
	}
	if x := g.lookup(r.seed, sum, len(fields), key); x != 0 {
		g.last = x
		return x
	}
	if x := p.lookup(r.seed, sum, len(fields), key); x != 0 {
		return g.add(p.fieldSets[x-1])
	}
	// Not found by the sum of fields' keys; fields may have a key twice, then by its set's.
	return r.intern(newFieldSet(r.seed, nil, fields))
}

// intern returns s, or a set with the same keys the two generations have, in the current
// generation.
func (r *sealedLines) intern(s *fieldSet) uint32 {
	key := func(i int) string { return s.keys[i] }
	if x := r.cur.lookup(r.seed, s.sum, len(s.keys), key); x != 0 {
		return x
	}
	if x := r.prev.lookup(r.seed, s.sum, len(s.keys), key); x != 0 {
		return r.cur.add(r.prev.fieldSets[x-1])
	}
	return r.cur.add(s)
}

func (g *sealedGen) len() int {
	if g == nil {
		return 0
	}
	return g.n
}

// reserve makes room for n lines without growing.
func (g *sealedGen) reserve(n int) {
	want := n*4/3 + 1
	if want <= len(g.lines) {
		return
	}
	lines, sets := g.lines, g.sets
	g.lines, g.sets = make([]uint64, want), make([]uint32, want)
	for i, h := range lines {
		if h == 0 {
			continue
		}
		j := slotOf(h, want)
		for g.lines[j] != 0 {
			j = nextSlot(j, want)
		}
		g.lines[j], g.sets[j] = h, sets[i]
	}
}

func (g *sealedGen) mayHave(ts int64) bool { return g.len() > 0 && ts <= g.newest }

func (g *sealedGen) find(line uint64, ts int64) *fieldSet {
	if !g.mayHave(ts) {
		return nil
	}
	line = max(line, 1) // as seal stores it
	for i := slotOf(line, len(g.lines)); g.lines[i] != 0; i = nextSlot(i, len(g.lines)) {
		if g.lines[i] == line {
			return g.fieldSets[g.sets[i]-1]
		}
	}
	return nil
}

// lookup returns 1 + the index of a set of this generation whose keys are key(0..n-1), whose
// hashes sum to sum; 0 if none.
func (g *sealedGen) lookup(seed maphash.Seed, sum uint64, n int, key func(int) string) uint32 {
	if g == nil {
		return 0
	}
	if g.bySum != nil {
		if x := g.bySum[sum]; x != 0 && sameKeys(seed, g.fieldSets[x-1], n, key) {
			return x
		}
		return 0
	}
	for i, s := range g.fieldSets {
		if s != nil && s.sum == sum && sameKeys(seed, s, n, key) {
			return uint32(i + 1)
		}
	}
	return 0
}

// add makes s a set of this generation and the last given; it returns 1 + its index.
func (g *sealedGen) add(s *fieldSet) uint32 {
	g.fieldSets = append(g.fieldSets, s)
	g.refs = append(g.refs, 0) // the caller gives it to a line
	x := uint32(len(g.fieldSets))
	switch {
	case g.bySum != nil:
		if _, ok := g.bySum[s.sum]; !ok { // two sets with one sum: the first is found by it
			g.bySum[s.sum] = x
		}
	case len(g.fieldSets) > linearSets:
		g.bySum = make(map[uint64]uint32, 2*len(g.fieldSets))
		for i := len(g.fieldSets) - 1; i >= 0; i-- {
			if g.fieldSets[i] != nil { // nil: let go (release)
				g.bySum[g.fieldSets[i].sum] = uint32(i + 1)
			}
		}
	}
	g.last = x
	return x
}

// newFieldSet makes the set of base's keys (base may be nil) and fields' keys, each once.
func newFieldSet(seed maphash.Seed, base *fieldSet, fields []collector.Field) *fieldSet {
	n := len(fields)
	if base != nil {
		n += len(base.keys)
	}
	s := &fieldSet{keys: make([]string, 0, n)}
	if n > smallSet {
		s.index = make([]uint32, 2*n)
	}
	if base != nil {
		for _, k := range base.keys {
			s.insert(seed, k)
		}
	}
	for _, f := range fields {
		s.insert(seed, f.Key)
	}
	return s
}

// insert adds key unless s has it; only while s is being made.
func (s *fieldSet) insert(seed maphash.Seed, key string) {
	h := maphash.String(seed, key)
	if s.index == nil {
		if slices.Contains(s.keys, key) {
			return
		}
	} else {
		i := slotOf(h, len(s.index))
		for ; s.index[i] != 0; i = nextSlot(i, len(s.index)) {
			if s.keys[s.index[i]-1] == key {
				return
			}
		}
		s.index[i] = uint32(len(s.keys) + 1)
	}
	s.keys = append(s.keys, key)
	s.sum += h
}

// pos returns the position of key in s, -1 if s (which may be nil) does not have it.
func (s *fieldSet) pos(seed maphash.Seed, key string) int {
	if s == nil {
		return -1
	}
	if s.index == nil {
		return slices.Index(s.keys, key)
	}
	for i := slotOf(maphash.String(seed, key), len(s.index)); s.index[i] != 0; i = nextSlot(i, len(s.index)) {
		if p := int(s.index[i] - 1); s.keys[p] == key {
			return p
		}
	}
	return -1
}

func (s *fieldSet) hasAll(seed maphash.Seed, fields []collector.Field) bool {
	for _, f := range fields {
		if s.pos(seed, f.Key) < 0 {
			return false
		}
	}
	return true
}

// sameKeys reports whether key(0..n-1) are exactly s's keys, in any order: as many, each
// of them in s, none twice.
func sameKeys(seed maphash.Seed, s *fieldSet, n int, key func(int) string) bool {
	if len(s.keys) != n {
		return false
	}
	i := 0
	for i < n && key(i) == s.keys[i] {
		i++
	}
	if i == n {
		return true
	}
	var small uint64 // positions matched, for up to 64 keys
	var seen []uint64
	if n > 64 {
		seen = make([]uint64, (n+63)/64)
	}
	for i := range n {
		p := s.pos(seed, key(i))
		if p < 0 {
			return false
		}
		w, bit := &small, uint64(1)<<(p%64)
		if seen != nil {
			w = &seen[p/64]
		}
		if *w&bit != 0 {
			return false
		}
		*w |= bit
	}
	return true
}

// seriesTable holds the sample-window series' states by the hash of their key: open
// addressing with linear probing at a load of at most 3/4, in one array without pointers. A
// map[uint64]*seriesState took a 16-byte heap object per series besides its table (1.7 MB
// of the live heap at 500 devices); a state is updated in place through the pointer get
// returns, valid until the next add.
type seriesTable struct {
	slots []seriesState
	n     int
}

func (t *seriesTable) get(h uint64) *seriesState {
	if t.n == 0 {
		return nil
	}
	for i := slotOf(h, len(t.slots)); t.slots[i].used; i = nextSlot(i, len(t.slots)) {
		if t.slots[i].key == h {
			return &t.slots[i]
		}
	}
	return nil
}

// add adds the series h, which the table does not have, and returns its state.
func (t *seriesTable) add(h uint64) *seriesState {
	if (t.n+1)*4 > len(t.slots)*3 {
		old := t.slots
		t.slots = make([]seriesState, max(8, 2*len(old)))
		for _, st := range old {
			if st.used {
				*t.place(st.key) = st
			}
		}
	}
	t.n++
	st := t.place(h)
	*st = seriesState{key: h, used: true}
	return st
}

// fit sizes the table for the series it has, at a load of 3/4. The snapshot brings a
// stream's series (the fleet's devices: 73), after which few are added, and doubling left the
// table anywhere from 3/8 to 3/4 full (73 series in 128 slots, 3 KiB, held for the life of
// the stream): flush calls it at the sync_response.
func (t *seriesTable) fit() {
	want := t.n*4/3 + 1
	if t.n == 0 || want >= len(t.slots) {
		return
	}
	old := t.slots
	t.slots = make([]seriesState, want)
	for _, st := range old {
		if st.used {
			*t.place(st.key) = st
		}
	}
}

// place returns the empty slot where h goes.
func (t *seriesTable) place(h uint64) *seriesState {
	i := slotOf(h, len(t.slots))
	for t.slots[i].used {
		i = nextSlot(i, len(t.slots))
	}
	return &t.slots[i]
}

// slotOf picks the slot of hash h in a table of n slots: the hashes are maphash's, uniform,
// so multiplying into n (any n, not a power of two: tables are sized for what they hold).
func slotOf(h uint64, n int) int {
	hi, _ := bits.Mul64(h, uint64(n))
	return int(hi)
}

func nextSlot(i, n int) int {
	if i++; i == n {
		return 0
	}
	return i
}

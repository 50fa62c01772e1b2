package gnmi

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// coalescer groups points from consecutive notifications that share measurement, tags and
// timestamp into one point (one line-protocol line with many fields). Many devices send one
// leaf per notification in SAMPLE mode (Arista, Juniper and the reference server all do), so
// grouping within a notification alone would write one line per counter; across
// notifications a 10-counter interface becomes one line, which is what keeps InfluxDB writes
// (and the series index's work) cheap (DESIGN §3).
//
// Points wait at most one flush period (flushEvery) or until maxPending points are pending,
// and are flushed at sync_response and when the stream ends, so nothing is held back
// indefinitely.
type coalescer struct {
	sink  collector.Sink
	stats *collector.Stats // Points counts what reaches the sink, after grouping

	mu      sync.Mutex
	pending []collector.Point
	index   map[string]int // series+time key → position in pending
	key     []byte
}

const (
	flushEvery = 200 * time.Millisecond
	maxPending = 2000
)

func newCoalescer(sink collector.Sink, stats *collector.Stats) *coalescer {
	return &coalescer{sink: sink, stats: stats, index: make(map[string]int)}
}

func (c *coalescer) emit(ctx context.Context, out []collector.Point) error {
	c.stats.Points.Add(int64(len(out)))
	return c.sink.Emit(ctx, out)
}

// seriesKey renders measurement, tags and time; tags are sorted by the normalizer.
func (c *coalescer) seriesKey(p *collector.Point) []byte {
	k := c.key[:0]
	k = append(k, p.Measurement...)
	for _, t := range p.Tags {
		k = append(k, 0)
		k = append(k, t.Key...)
		k = append(k, 0)
		k = append(k, t.Value...)
	}
	k = append(k, 0)
	k = strconv.AppendInt(k, p.Time.UnixNano(), 10)
	c.key = k
	return k
}

// add merges points into the pending set and flushes when it is large.
func (c *coalescer) add(ctx context.Context, points []collector.Point) error {
	c.mu.Lock()
	for i := range points {
		p := &points[i]
		k := c.seriesKey(p)
		if at, ok := c.index[string(k)]; ok { // no allocation for the lookup
			c.pending[at].Fields = mergeFields(c.pending[at].Fields, p.Fields)
			continue
		}
		c.index[string(k)] = len(c.pending)
		c.pending = append(c.pending, *p)
	}
	var out []collector.Point
	if len(c.pending) >= maxPending {
		out = c.takeLocked()
	}
	c.mu.Unlock()
	if out != nil {
		return c.emit(ctx, out)
	}
	return nil
}

// mergeFields adds src to dst; a field sent twice for the same time keeps the later value.
func mergeFields(dst, src []collector.Field) []collector.Field {
outer:
	for _, f := range src {
		for i := range dst {
			if dst[i].Key == f.Key {
				dst[i] = f
				continue outer
			}
		}
		dst = append(dst, f)
	}
	return dst
}

func (c *coalescer) takeLocked() []collector.Point {
	out := c.pending
	c.pending = nil
	clear(c.index)
	return out
}

// flush emits everything pending.
func (c *coalescer) flush(ctx context.Context) error {
	c.mu.Lock()
	out := c.takeLocked()
	c.mu.Unlock()
	if len(out) == 0 {
		return nil
	}
	return c.emit(ctx, out)
}

// run flushes every flushEvery until ctx ends, then once more. Emit ignores a cancelled
// context (the outputs buffer accepts until Close), so the last points are not lost.
func (c *coalescer) run(ctx context.Context) {
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			_ = c.flush(context.WithoutCancel(ctx))
			return
		case <-t.C:
			_ = c.flush(ctx)
		}
	}
}

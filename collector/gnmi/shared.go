package gnmi

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/netpulse/netpulse/collector"
)

// Shared holds what the gNMI sessions of one process compute alike, because it derives from
// the schema and the subscriptions, never from a device: interned field names and tag keys,
// the OpenConfig type of each leaf (per prefix schema path and suffix), and the session plan
// of each subscription list (parsed paths, SubscribeRequest, stream options). A fleet
// subscribes to the same paths on every device, so one copy serves all of them: at 500
// devices the per-stream copies were about 8 KiB of a 75 KiB live heap per device, which the
// GC's goal doubles (BENCHMARKS.md, "gNMI memory per device, fifth pass"). It also pools the
// normalizers' scratch buffers, which a Normalize call borrows: sessions normalize a few at
// a time (collector.Gate), so a pool of a few serves the fleet.
//
// It is safe for concurrent use: normalizers read it without locks (memo) and take a mutex
// only on a miss. Every cache is bounded as a Normalizer's own were (maxInterned): past the
// bound values are still built, just not cached, so a device inventing names can neither grow
// it without bound nor evict what other devices use. The bounds are the process's now, not a
// stream's, and nothing is forgotten: once a device has filled one, no new name is cached for
// any device until netpulse restarts (the points stay the same; building a name per update
// costs an allocation). The composition root (cmd/netpulse)
// builds one per process; New and NewNormalizer without one use a private one.
type Shared struct {
	names    memo[string, string]    // field names, by their raw (unrepaired) text
	tkeys    memo[[2]string, string] // "<list>_<key>" tag keys
	qkeys    memo[[3]string, string] // "<parent>_<list>_<key>" tag keys
	prefixes memo[string, *memo[string, cachedLeaf]]
	plans    memo[string, *plan]
	scratch  sync.Pool // *scratch: the normalizers' buffers, borrowed per Normalize call
}

// maxPrefixes bounds the per-prefix lookup caches (prefix schema paths: a device has a few
// dozen); maxPlans the session plans (one per distinct subscription list and mode; a reload
// that edits subscriptions adds one).
const (
	maxPrefixes = 1024
	maxPlans    = 1024
)

// NewShared returns empty caches for the gNMI sessions of one process.
func NewShared() *Shared {
	return &Shared{
		names:    memo[string, string]{limit: maxInterned},
		tkeys:    memo[[2]string, string]{limit: maxInterned},
		qkeys:    memo[[3]string, string]{limit: maxInterned},
		prefixes: memo[string, *memo[string, cachedLeaf]]{limit: maxPrefixes},
		plans:    memo[string, *plan]{limit: maxPlans},
		scratch:  sync.Pool{New: func() any { return new(scratch) }},
	}
}

// New is gnmi.New with the process's shared caches: sessions with the same subscriptions
// share one plan, and their normalizers share names and type lookups.
func (sh *Shared) New(cfg Config, rt collector.Runtime, log *slog.Logger) (*Session, error) {
	return newSession(cfg, rt, sh, log)
}

// memo is a map shared by goroutines that read it far more often than they add to it. Reads
// index an immutable snapshot (load) without locks or allocation, so a hit costs what a
// private map's did; a miss adds its value under the mutex to a pending set, which is
// published as a new snapshot (a copy with the pending entries) once the misses since the
// last publication number a quarter of the entries: a copy of n entries is paid for by n/4
// misses, each of which already took the lock, and a stable set of keys is published after a
// handful of misses. RLock per lookup instead would make every core write the same cache
// line on every update.
type memo[K comparable, V any] struct {
	snap  atomic.Pointer[map[K]V]
	limit int // most entries kept; past it values are built and returned, not kept

	mu      sync.Mutex
	pending map[K]V // added since snap was published
	misses  int     // lookups that reached the mutex since then
}

// load returns the current snapshot (nil before the first publication). Callers index it
// directly, so that m.load()[string(b)] does not allocate.
func (m *memo[K, V]) load() map[K]V {
	if p := m.snap.Load(); p != nil {
		return *p
	}
	return nil
}

// full says the snapshot holds limit entries: no more will be kept.
func (m *memo[K, V]) full() bool { return len(m.load()) >= m.limit }

// add is the miss path after load()[k] failed: it returns the value the memo keeps for k (a
// value added concurrently, or v, now kept), and whether that value is kept. Past the limit v
// is returned and not kept.
func (m *memo[K, V]) add(k K, v V) (V, bool) {
	if m.full() {
		return v, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	snap := m.load()
	if old, ok := snap[k]; ok { // published between the caller's load and the lock
		return old, true
	}
	m.misses++
	kept := true
	if old, ok := m.pending[k]; ok {
		v = old
	} else if len(snap)+len(m.pending) < m.limit {
		if m.pending == nil {
			m.pending = map[K]V{}
		}
		m.pending[k] = v
	} else {
		kept = false
	}
	if len(m.pending) > 0 && m.misses > (len(snap)+len(m.pending))/4 {
		next := make(map[K]V, len(snap)+len(m.pending))
		for k, v := range snap {
			next[k] = v
		}
		for k, v := range m.pending {
			next[k] = v
		}
		m.snap.Store(&next)
		m.pending, m.misses = nil, 0
	}
	return v, kept
}

// len is the number of entries kept, published or not (for tests).
func (m *memo[K, V]) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.load()) + len(m.pending)
}

// plan is what a session derives from its subscription list and mode alone: its streams.
// It is immutable once built and shared by every session with the same list (Shared.plans).
type plan struct {
	streams []streamSpec
}

// planKey identifies a subscription list and mode override. %#v prints every field of every
// subscription (a field added later joins the key by itself), so two lists share a plan
// only when they are equal.
func planKey(subs []Subscription, override string) string {
	return fmt.Sprintf("%q %#v", override, subs)
}

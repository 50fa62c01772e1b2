package collector

import (
	"container/heap"
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Gate bounds how many sessions do CPU-bound work at once (decoding and normalizing what a
// device sent). One Gate is shared by all the sessions of a process. Its purpose is memory,
// not speed: when a whole fleet sends at the same instant (devices sampling on the same
// clock), every session would otherwise hold a decoded message and its points at once,
// and the GC sizes the heap for that peak. Through the Gate, messages that are waiting
// stay in their compact wire form and at most n are decoded at a time. The owner leaves
// the rest of the CPUs to what consumes the decoded points (targets.Manager: one fewer
// than the CPUs), since decoding faster than the outputs can write only fills their
// buffers.
//
// With a Behind function (the outputs' backpressure), a holder also waits after taking its
// slot while the consumers report that they are behind: the points it would decode could
// only pile up in their buffers. The message waits in wire form, the next ones in the
// stream's flow-control window and then on the device, which is where gNMI expects a slow
// collector's data to wait (a target coalesces samples). Each wait is bounded (MaxWait):
// Behind is meant to report only consumers that are writing, so a stalled output's buffer
// bounds itself by dropping (and says so) rather than stalling every session.
//
// SNMP polls take their turns at the same slots (Turn): the slot is held while a poll
// computes and given back while it waits for the agent. Freed slots go to the earliest
// claim within a class (a poll's start; Enter's claim is the moment it is called), and
// alternate between the two classes when both wait.
//
// A nil *Gate lets everyone through.
type Gate struct {
	mu     sync.Mutex
	free   int            // slots not held
	queues [2]gateWaiters // who waits for a slot, per class (gateEnter, gateTurn), earliest claim first
	next   int            // the class a freed slot goes to when both wait
	seq    uint64         // arrival order among equal claims
	behind func() bool
	waits  atomic.Int64 // holders that waited for the consumers
	waited atomic.Int64 // nanoseconds they waited in all
	// SNMP turns that had to queue for a slot, and the nanoseconds they queued in all: the
	// polls' wait for the CPU, which grows before ticks start being skipped.
	turnWaits, turnWaited atomic.Int64
}

// The two classes of waiters: Enter's (gNMI responses, claimed when they arrive) and
// Turn's (SNMP polls, claimed when the poll began). When both wait, freed slots alternate
// between them: an SNMP poll's claim is older than any response that just arrived, and
// ordered together a fleet of polls would keep every gNMI stream waiting until its device
// gave up on it (a 20,000 SNMP + 2,000 gNMI fleet, beyond two cores, lost 7 streams and
// 95 % of the updates that way).
const (
	gateEnter = iota
	gateTurn
)

// gateWaiter is one holder-to-be: its claim (Enter: when it came; a Turn: when its poll
// began) and the channel closed when it is given a slot.
type gateWaiter struct {
	class int
	since time.Time
	seq   uint64
	given chan struct{}
	index int // in the heap; -1 once given a slot
}

// gateWaiters is a min-heap of waiters by claim, then arrival (container/heap).
type gateWaiters []*gateWaiter

func (h gateWaiters) Len() int { return len(h) }
func (h gateWaiters) Less(i, j int) bool {
	if !h[i].since.Equal(h[j].since) {
		return h[i].since.Before(h[j].since)
	}
	return h[i].seq < h[j].seq
}
func (h gateWaiters) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *gateWaiters) Push(x any) {
	w := x.(*gateWaiter)
	w.index = len(*h)
	*h = append(*h, w)
}
func (h *gateWaiters) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.index = -1
	return w
}

const (
	// BehindPoll is how often a waiting holder asks Behind again.
	BehindPoll = 5 * time.Millisecond
	// MaxWait bounds one holder's wait for the consumers; then it goes on regardless (the
	// consumers' own bounds apply, buffer_full).
	MaxWait = time.Second
)

// NewGate returns a Gate that admits n holders at once (at least one). behind may be nil.
func NewGate(n int, behind func() bool) *Gate {
	return &Gate{free: max(n, 1), behind: behind}
}

// take waits for a slot, or returns ctx.Err() if ctx ends first. A freed slot goes to the
// waiter of class with the earliest claim (since): a poll that began earlier goes before
// one that began later, whenever each asked (Leave alternates the classes).
func (g *Gate) take(ctx context.Context, class int, since time.Time) error {
	g.mu.Lock()
	if g.free > 0 && len(g.queues[gateEnter]) == 0 && len(g.queues[gateTurn]) == 0 {
		g.free--
		g.mu.Unlock()
		return nil
	}
	if class == gateTurn {
		start := time.Now()
		defer func() {
			g.turnWaits.Add(1)
			g.turnWaited.Add(int64(time.Since(start)))
		}()
	}
	g.seq++
	w := &gateWaiter{class: class, since: since, seq: g.seq, given: make(chan struct{})}
	heap.Push(&g.queues[class], w)
	g.mu.Unlock()
	select {
	case <-w.given:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	if w.index < 0 { // given the slot meanwhile: pass it on
		g.mu.Unlock()
		g.Leave()
		return ctx.Err()
	}
	heap.Remove(&g.queues[w.class], w.index)
	g.mu.Unlock()
	return ctx.Err()
}

// Enter waits for a slot, then, with a Behind function, while the consumers are behind
// (at most MaxWait); it returns ctx.Err() if ctx ends first. Every successful Enter must be
// followed by one Leave.
func (g *Gate) Enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	if err := g.take(ctx, gateEnter, time.Now()); err != nil {
		return err
	}
	if g.behind == nil || !g.behind() {
		return nil
	}
	start := time.Now()
	defer func() {
		g.waits.Add(1)
		g.waited.Add(int64(time.Since(start)))
	}()
	t := time.NewTimer(BehindPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			g.Leave()
			return ctx.Err()
		case <-t.C:
		}
		if !g.behind() || time.Since(start) >= MaxWait {
			return nil
		}
		t.Reset(BehindPoll)
	}
}

// Leave gives the slot back.
func (g *Gate) Leave() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.next
	if len(g.queues[c]) == 0 {
		c ^= 1
	}
	if len(g.queues[c]) > 0 {
		g.next = c ^ 1
		close(heap.Pop(&g.queues[c]).(*gateWaiter).given)
		return
	}
	g.free++
}

// Waited reports how many holders waited for the consumers and for how long in all.
func (g *Gate) Waited() (waits int64, total time.Duration) {
	if g == nil {
		return 0, 0
	}
	return g.waits.Load(), time.Duration(g.waited.Load())
}

// TurnWaited reports how many times SNMP turns queued for a slot and for how long in all.
func (g *Gate) TurnWaited() (waits int64, total time.Duration) {
	if g == nil {
		return 0, 0
	}
	return g.turnWaits.Load(), time.Duration(g.turnWaited.Load())
}

// Turn is one SNMP poll's hold on a Gate. A poll is mostly waiting for the agent, and a
// slot held across those waits would let a few slow or dead devices stall the fleet; so the
// poll holds its Turn while it computes (encoding, decoding, normalizing) and gives it back
// while it waits on the network (Wait), taking it again when the answer is in. A freed slot
// goes to the poll that began earliest, so when polls need more CPU than there is (the
// first minute of a large fleet, when every target's first poll runs), the polls already
// under way finish first and the ones not yet begun wait before they open a socket or hold
// any table, instead of every poll advancing a little at a time while their partial tables
// and sockets pile up (a 20,000-device daemon reached 1.9 GiB that way, and ran out of
// ephemeral ports). Turns and gNMI responses (Enter) alternate when both wait, so a fleet of
// polls never keeps the streams from being read. A nil *Turn (no Gate) does nothing.
type Turn struct {
	g     *Gate
	since time.Time
	held  bool
}

// Turn returns a Turn on g for a poll that began at since (nil when g is nil).
func (g *Gate) Turn(since time.Time) *Turn {
	if g == nil {
		return nil
	}
	return &Turn{g: g, since: since}
}

// Take waits for the turn (unless it is held), or returns ctx.Err() if ctx ends first.
func (t *Turn) Take(ctx context.Context) error {
	if t == nil || t.held {
		return nil
	}
	if err := t.g.take(ctx, gateTurn, t.since); err != nil {
		return err
	}
	t.held = true
	return nil
}

// Give gives the turn back (if it is held).
func (t *Turn) Give() {
	if t == nil || !t.held {
		return
	}
	t.held = false
	t.g.Leave()
}

// Wait runs wait, which blocks on the network (a read, a dial), without the turn, and takes
// it again after. If ctx ends while the turn is waited for, the turn stays given back and
// the caller sees ctx's end in what it does next.
func (t *Turn) Wait(ctx context.Context, wait func()) {
	if t == nil || !t.held {
		wait()
		return
	}
	t.Give()
	wait()
	_ = t.Take(ctx)
}

type turnKey struct{}

// WithTurn returns ctx carrying t, for the client calls of one poll (TurnFrom).
func WithTurn(ctx context.Context, t *Turn) context.Context {
	if t == nil {
		return ctx
	}
	return context.WithValue(ctx, turnKey{}, t)
}

// TurnFrom returns the Turn ctx carries, or nil.
func TurnFrom(ctx context.Context) *Turn {
	t, _ := ctx.Value(turnKey{}).(*Turn)
	return t
}

// Free reports how many slots no one holds (tests, diagnostics).
func (g *Gate) Free() int {
	if g == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.free
}

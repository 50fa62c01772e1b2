package collector

import (
	"context"
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
// A nil *Gate lets everyone through.
type Gate struct {
	slots  chan struct{}
	behind func() bool
	waits  atomic.Int64 // holders that waited for the consumers
	waited atomic.Int64 // nanoseconds they waited in all
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
	return &Gate{slots: make(chan struct{}, max(n, 1)), behind: behind}
}

// Enter waits for a slot, then, with a Behind function, while the consumers are behind
// (at most MaxWait); it returns ctx.Err() if ctx ends first. Every successful Enter must be
// followed by one Leave.
func (g *Gate) Enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
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
			<-g.slots
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
	if g != nil {
		<-g.slots
	}
}

// Waited reports how many holders waited for the consumers and for how long in all.
func (g *Gate) Waited() (waits int64, total time.Duration) {
	if g == nil {
		return 0, 0
	}
	return g.waits.Load(), time.Duration(g.waited.Load())
}

package collector

import "context"

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
// A nil *Gate lets everyone through.
type Gate struct{ slots chan struct{} }

// NewGate returns a Gate that admits n holders at once (at least one).
func NewGate(n int) *Gate { return &Gate{slots: make(chan struct{}, max(n, 1))} }

// Enter waits for a slot; it returns ctx.Err() if ctx ends first. Every successful Enter
// must be followed by one Leave.
func (g *Gate) Enter(ctx context.Context) error {
	if g == nil {
		return nil
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Leave gives the slot back.
func (g *Gate) Leave() {
	if g != nil {
		<-g.slots
	}
}

package collector

import (
	"context"
	"math/rand/v2"
	"time"
)

// Default redial bounds: the one place they are defined (targets.Load fills a gNMI target's
// `redial:` from them, targets.Manager uses them for SNMP, and Backoff's zero value).
const (
	DefaultRedialMin = time.Second
	DefaultRedialMax = time.Minute
)

// Backoff computes redial waits: capped exponential backoff with full jitter (AWS
// architecture blog, "Exponential Backoff And Jitter"), so that a fleet that lost its
// collector at once does not redial in lockstep. The zero value uses DefaultRedialMin..Max.
type Backoff struct {
	Min, Max time.Duration
	attempt  int
}

// Next returns the wait before the next attempt and advances the attempt counter.
func (b *Backoff) Next() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = DefaultRedialMin
	}
	if hi < lo {
		hi = DefaultRedialMax
		if hi < lo {
			hi = lo
		}
	}
	ceil := lo
	for i := 0; i < b.attempt && ceil < hi; i++ {
		ceil *= 2
	}
	if ceil > hi {
		ceil = hi
	}
	b.attempt++
	// Full jitter in [lo/2, ceil]: never a zero wait (a hot redial loop against a dead
	// device helps no one) and never above the cap.
	half := lo / 2
	return half + time.Duration(rand.Int64N(int64(ceil-half)+1))
}

// Reset starts over: the next wait is drawn from the smallest range again. The supervisor
// calls it only after a session that stayed up for its healthy period (targets.Manager).
func (b *Backoff) Reset() { b.attempt = 0 }

// Wait sleeps for Next() or until ctx ends; it returns ctx.Err() when cancelled.
func (b *Backoff) Wait(ctx context.Context) error {
	t := time.NewTimer(b.Next())
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

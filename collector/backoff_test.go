package collector

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// TestBackoffBounds: wait i is in [min/2, min(max, min·2^i)] (full jitter under a doubling,
// capped ceiling), Reset starts from the smallest range again, and the zero value uses the
// default bounds.
func TestBackoffBounds(t *testing.T) {
	for trial := 0; trial < 200; trial++ {
		b := Backoff{Min: 100 * time.Millisecond, Max: 3 * time.Second}
		ceil := b.Min
		for i := 0; i < 12; i++ {
			if w := b.Next(); w < b.Min/2 || w > ceil {
				t.Fatalf("wait %d = %s, outside [%s, %s]", i, w, b.Min/2, ceil)
			}
			ceil = min(2*ceil, b.Max)
		}
		b.Reset()
		if w := b.Next(); w > b.Min {
			t.Fatalf("after Reset: %s, above min %s", w, b.Min)
		}
	}
	var zero Backoff
	for i := 0; i < 20; i++ {
		if w := zero.Next(); w < DefaultRedialMin/2 || w > DefaultRedialMax {
			t.Fatalf("zero value wait %s outside [%s, %s]", w, DefaultRedialMin/2, DefaultRedialMax)
		}
	}
	// The jitter is real: waits at the cap are spread, not all equal.
	b := Backoff{Min: time.Second, Max: time.Minute}
	seen := map[time.Duration]bool{}
	for i := 0; i < 20; i++ {
		seen[b.Next()] = true
	}
	if len(seen) < 10 {
		t.Errorf("%d distinct waits out of 20: no jitter", len(seen))
	}
}

// TestBackoffWaitEndsWithContext: Wait returns ctx's error as soon as ctx ends, not after
// the wait.
func TestBackoffWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := Backoff{Min: time.Hour, Max: time.Hour}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		if err := b.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait: %v", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Errorf("Wait returned after %s, want 1s (the context's end)", d)
		}
		if err := (&Backoff{Min: time.Millisecond, Max: time.Millisecond}).Wait(t.Context()); err != nil {
			t.Errorf("completed wait: %v", err)
		}
	})
}

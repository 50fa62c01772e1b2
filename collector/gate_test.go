package collector

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestGateBoundsHolders(t *testing.T) {
	const slots, workers = 2, 16
	g := NewGate(slots)
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if err := g.Enter(context.Background()); err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(10 * time.Microsecond)
				inside.Add(-1)
				g.Leave()
			}
		}()
	}
	wg.Wait()
	if m := most.Load(); m != slots {
		t.Errorf("at most %d holders at once, want exactly %d (the bound, reached under contention)", m, slots)
	}
}

func TestGateEnterEndsWithContext(t *testing.T) {
	g := NewGate(1)
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.Enter(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Enter on a full gate returned %v, want the context's error", err)
	}
	g.Leave()
	if err := g.Enter(context.Background()); err != nil {
		t.Fatalf("Enter after Leave: %v", err)
	}
}

func TestNilGateAdmitsEveryone(t *testing.T) {
	var g *Gate
	for range 3 {
		if err := g.Enter(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	g.Leave()
}

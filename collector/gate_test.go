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
	g := NewGate(slots, nil)
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
	g := NewGate(1, nil)
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

// While the consumers are behind a holder waits after taking its slot, and the others wait
// for the slot; once they catch up it goes on, and the wait is counted.
func TestGateWaitsWhileBehind(t *testing.T) {
	var behind atomic.Bool
	behind.Store(true)
	g := NewGate(1, behind.Load)
	entered := make(chan error, 1)
	go func() { entered <- g.Enter(context.Background()) }()
	select {
	case err := <-entered:
		t.Fatalf("Enter returned %v while the consumers were behind", err)
	case <-time.After(50 * time.Millisecond):
	}
	behind.Store(false)
	if err := <-entered; err != nil {
		t.Fatal(err)
	}
	g.Leave()
	if n, d := g.Waited(); n != 1 || d < 50*time.Millisecond {
		t.Errorf("Waited() = %d, %v; want 1 wait of at least 50ms", n, d)
	}
	if err := g.Enter(context.Background()); err != nil { // not behind: no wait
		t.Fatal(err)
	}
	g.Leave()
	if n, _ := g.Waited(); n != 1 {
		t.Errorf("%d waits after an Enter that was not behind, want still 1", n)
	}
}

// Consumers that stay behind delay a holder by MaxWait at most; a cancelled context ends
// the wait and gives the slot back.
func TestGateWaitIsBounded(t *testing.T) {
	var behind atomic.Bool
	behind.Store(true)
	g := NewGate(1, behind.Load)
	start := time.Now()
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < MaxWait || d > MaxWait+time.Second {
		t.Errorf("Enter took %v with the consumers always behind, want about MaxWait (%v)", d, MaxWait)
	}
	g.Leave()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.Enter(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Enter returned %v, want the context's error", err)
	}
	// The cancelled wait gave its slot back: the next Enter gets it at once.
	behind.Store(false)
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	if err := g.Enter(ctx2); err != nil {
		t.Fatalf("Enter after a cancelled wait: %v (its slot was not given back)", err)
	}
	g.Leave()
}

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

// TestTurnsGoEarliestClaimFirst: with the one slot held, turns claimed at t+3, t+1 and t+2
// (asking in that order) get it in the order of their claims, as polls that began earlier
// finish before later ones start computing.
func TestTurnsGoEarliestClaimFirst(t *testing.T) {
	g := NewGate(1, nil)
	holder := g.Turn(time.Unix(0, 0))
	if err := holder.Take(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := time.Unix(100, 0)
	order := make(chan int, 3)
	var wg sync.WaitGroup
	queued := 0
	for _, k := range []int{3, 1, 2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			turn := g.Turn(base.Add(time.Duration(k) * time.Second))
			if err := turn.Take(context.Background()); err != nil {
				t.Error(err)
				return
			}
			order <- k
			turn.Give()
		}()
		queued++
		waitQueued(t, g, gateTurn, queued) // each asks before the next, so arrival order is 3, 1, 2
	}
	holder.Give()
	wg.Wait()
	close(order)
	var got []int
	for k := range order {
		got = append(got, k)
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Errorf("turns went in order %v, want [1 2 3] (earliest claim first)", got)
	}
	if waits, total := g.TurnWaited(); waits != 3 || total <= 0 {
		t.Errorf("TurnWaited = %d, %s; want the 3 turns that queued, for some time", waits, total)
	}
}

// waitQueued waits until want waiters of class are queued on g (the tests add them one by
// one, so that their arrival order is known).
func waitQueued(t *testing.T, g *Gate, class, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		n := len(g.queues[class])
		g.mu.Unlock()
		if n >= want {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("class %d: %d waiters never queued", class, want)
}

// TestTurnWaitLetsOthersCompute: a turn waiting on the network (Wait) does not hold the
// slot, so a poll whose agent is slow or dead does not stall the others; it takes the turn
// again when its wait is over.
func TestTurnWaitLetsOthersCompute(t *testing.T) {
	g := NewGate(1, nil)
	slow := g.Turn(time.Unix(1, 0))
	if err := slow.Take(context.Background()); err != nil {
		t.Fatal(err)
	}
	answer := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		slow.Wait(context.Background(), func() { <-answer })
		if !slow.held {
			t.Error("the turn was not taken again after the wait")
		}
		slow.Give()
	}()
	other := g.Turn(time.Unix(2, 0))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := other.Take(ctx); err != nil {
		t.Fatalf("another poll could not take the turn while the first waited on the network: %v", err)
	}
	close(answer)
	other.Give()
	<-done
}

// TestTurnTakeEndsWithContext: a turn that cannot be had before ctx ends returns ctx's
// error and leaves the queue, and the slot still reaches the next waiter.
func TestTurnTakeEndsWithContext(t *testing.T) {
	g := NewGate(1, nil)
	holder := g.Turn(time.Unix(0, 0))
	if err := holder.Take(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.Turn(time.Unix(1, 0)).Take(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Take on a held gate returned %v, want the context's error", err)
	}
	g.mu.Lock()
	queued := len(g.queues[gateTurn])
	g.mu.Unlock()
	if queued != 0 {
		t.Fatalf("%d waiters left queued after their context ended", queued)
	}
	holder.Give()
	if err := g.Turn(time.Unix(2, 0)).Take(context.Background()); err != nil {
		t.Fatalf("Take after the holder gave the turn back: %v", err)
	}
	var nilTurn *Turn // no Gate: everything passes
	if err := nilTurn.Take(context.Background()); err != nil {
		t.Fatal(err)
	}
	nilTurn.Wait(context.Background(), func() {})
	nilTurn.Give()
}

// TestGateAlternatesBetweenClasses: with SNMP turns (claims from long ago) and gNMI
// responses (claimed now) both waiting, freed slots alternate between the two, so neither
// transport's sessions wait for the other's whole queue.
func TestGateAlternatesBetweenClasses(t *testing.T) {
	g := NewGate(1, nil)
	holder := g.Turn(time.Unix(0, 0))
	if err := holder.Take(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 6)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			turn := g.Turn(time.Unix(int64(1+i), 0))
			if err := turn.Take(context.Background()); err != nil {
				t.Error(err)
				return
			}
			got <- "turn"
			turn.Give()
		}()
		waitQueued(t, g, gateTurn, i+1)
	}
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.Enter(context.Background()); err != nil {
				t.Error(err)
				return
			}
			got <- "enter"
			g.Leave()
		}()
		waitQueued(t, g, gateEnter, i+1)
	}
	holder.Give()
	wg.Wait()
	close(got)
	var order []string
	for s := range got {
		order = append(order, s)
	}
	for i := 1; i < len(order); i++ {
		if order[i] == order[i-1] {
			t.Fatalf("grants went %v: the same class twice in a row while the other waited", order)
		}
	}
}

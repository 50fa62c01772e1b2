package collector

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// deep recurses n frames of about 1 KiB each: the kind of stack decoding and normalizing a
// response grows.
//
//go:noinline
func deep(n int) int {
	var pad [1000]byte
	pad[n%len(pad)] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return deep(n-1) + int(pad[n%len(pad)])
}

// Do runs f on the Gate's workers: callers that park afterwards keep small stacks, however
// deep f went. 200 goroutines each run a 40 KiB-deep function through Do, then park; their
// stacks must stay near the minimum. Run inline (a nil Gate) the same goroutines hold
// 32 KiB stacks each (a grown stack shrinks by half per GC, and only while less than a
// quarter is in use): what every gNMI session held, at 16 KiB, before Do.
func TestDoKeepsCallersStacksSmall(t *testing.T) {
	const n = 200
	perCaller := func(g *Gate) int64 {
		var ready, release sync.WaitGroup
		ready.Add(n)
		release.Add(1)
		var done sync.WaitGroup
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			done.Add(1)
			go func() {
				defer done.Done()
				if err := g.Do(context.Background(), func() { _ = deep(40) }); err != nil {
					t.Error(err)
				}
				ready.Done()
				release.Wait()
			}()
		}
		ready.Wait()
		runtime.GC() // stacks that can shrink do (the parked callers use a few hundred bytes)
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		release.Done()
		done.Wait()
		return (int64(after.StackInuse) - int64(before.StackInuse)) / n
	}
	inline := perCaller(nil)
	gated := perCaller(NewGate(1, nil))
	t.Logf("stack per parked caller: %d bytes with f inline, %d through Do", inline, gated)
	if inline < 16<<10 {
		t.Fatalf("inline callers hold %d bytes of stack each: the test does not grow stacks as it should", inline)
	}
	if gated > 8<<10 {
		t.Errorf("callers of Do hold %d bytes of stack each, want at most 8 KiB (f's depth must stay on the worker)", gated)
	}
}

// A panic in f reaches Do's caller with its value, the slot is given back, and the worker
// goes on serving.
func TestDoPanicReachesCaller(t *testing.T) {
	g := NewGate(1, nil)
	boom := errors.New("boom")
	func() {
		defer func() {
			if r := recover(); r != boom {
				t.Errorf("caller recovered %v, want the value f panicked with", r)
			}
		}()
		_ = g.Do(context.Background(), func() { panic(boom) })
		t.Error("Do returned after f panicked")
	}()
	if g.Free() != 1 {
		t.Fatalf("after the panic %d slots are free, want 1", g.Free())
	}
	ran := false
	if err := g.Do(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Fatalf("Do after a panic: err %v, ran %v", err, ran)
	}
}

// Do waits for a slot like Enter, and gives up when ctx ends without running f.
func TestDoEndsWithContext(t *testing.T) {
	g := NewGate(1, nil)
	if err := g.Enter(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.Do(ctx, func() { t.Error("f ran without a slot") }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do on a full gate returned %v, want the context's error", err)
	}
	g.Leave()
	var nilGate *Gate
	ran := false
	if err := nilGate.Do(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Fatalf("Do on a nil Gate: err %v, ran %v (want f run inline)", err, ran)
	}
}

// Never more workers than ran at once (the slots), never more than the slots at once; the
// workers end once idle for workerIdle.
func TestDoWorkersBoundedAndRetired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const slots = 3
		g := NewGate(slots, nil)
		var inside, most atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					_ = g.Do(context.Background(), func() {
						n := inside.Add(1)
						for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
						}
						time.Sleep(time.Millisecond) // synctest's clock: the others queue
						inside.Add(-1)
					})
				}
			}()
		}
		wg.Wait()
		if m := most.Load(); m != slots {
			t.Errorf("at most %d functions ran at once, want %d", m, slots)
		}
		g.workers.mu.Lock()
		idle := len(g.workers.idle)
		g.workers.mu.Unlock()
		if idle < 1 || idle > slots {
			t.Errorf("%d idle workers after the burst, want 1..%d", idle, slots)
		}
		time.Sleep(workerIdle + time.Second)
		synctest.Wait() // the workers' timers fired and they returned
		g.workers.mu.Lock()
		idle = len(g.workers.idle)
		g.workers.mu.Unlock()
		if idle != 0 {
			t.Errorf("%d workers still idle after %s, want them ended", idle, workerIdle)
		}
		// synctest.Test fails if a goroutine of the bubble is still running at the end.
	})
}

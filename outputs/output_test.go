package outputs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"sync/atomic"
	"weak"
)

// fakeWriter records what it was given and answers with the result of fn (nil: accept).
type fakeWriter struct {
	mu      sync.Mutex
	fn      func(call int, points []collector.Point) error
	calls   int
	written []collector.Point
	sizes   []int
}

func (f *fakeWriter) Write(ctx context.Context, points []collector.Point) error {
	f.mu.Lock()
	call := f.calls
	f.calls++
	fn := f.fn
	f.mu.Unlock()
	var err error
	if fn != nil {
		err = fn(call, points)
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		f.written = append(f.written, points...)
		f.sizes = append(f.sizes, len(points))
	}
	return err
}

func (f *fakeWriter) setFn(fn func(int, []collector.Point) error) {
	f.mu.Lock()
	f.fn = fn
	f.mu.Unlock()
}

func (f *fakeWriter) names() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := map[string]int{}
	for _, p := range f.written {
		v, _ := p.Tag("n")
		m[v]++
	}
	return m
}

func (f *fakeWriter) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.written)
}

func pt(i int) collector.Point {
	return collector.Point{
		Measurement: "m",
		Tags:        []collector.Tag{{Key: "n", Value: fmt.Sprint(i)}, {Key: "source", Value: "t"}},
		Fields:      []collector.Field{collector.Uint("c", uint64(i))},
		Time:        time.Unix(0, int64(i)+1),
	}
}

func pts(from, n int) []collector.Point {
	out := make([]collector.Point, n)
	for i := range out {
		out[i] = pt(from + i)
	}
	return out
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// start runs o in the background and returns a stop function that cancels Run and waits.
func start(t *testing.T, o *Output) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

func closeOK(t *testing.T, o *Output, d time.Duration) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	rep, err := o.Close(ctx)
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	return rep
}

func TestOutputBatchesBySizeAndInterval(t *testing.T) {
	w := &fakeWriter{}
	o, err := New(Config{Name: "t", BatchSize: 3, FlushInterval: time.Hour}, w, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	start(t, o)
	if err := o.Emit(context.Background(), pts(0, 7)); err != nil {
		t.Fatal(err)
	}
	// Two full batches go out at once; the 7th waits for the (hour-long) interval.
	waitFor(t, "two batches", func() bool { return w.count() == 6 })
	if got := o.Stats().BufferPoints; got != 1 {
		t.Errorf("buffered = %d, want 1", got)
	}
	rep := closeOK(t, o, 5*time.Second)
	if rep.Written != 7 || rep.Failed || rep.Lost != 0 {
		t.Errorf("report %+v, want 7 written, not failed", rep)
	}
	if fmt.Sprint(w.sizes) != "[3 3 1]" {
		t.Errorf("batch sizes %v, want [3 3 1]", w.sizes)
	}

	w2 := &fakeWriter{}
	o2, _ := New(Config{Name: "t2", BatchSize: 100, FlushInterval: 20 * time.Millisecond}, w2, testLogger(t))
	start(t, o2)
	_ = o2.Emit(context.Background(), pts(0, 5))
	waitFor(t, "interval flush", func() bool { return w2.count() == 5 })
	closeOK(t, o2, time.Second)
}

func TestOutputDropsOldestWhenFull(t *testing.T) {
	w := &fakeWriter{}
	one := pointSize(&[]collector.Point{pt(100)}[0])
	o, _ := New(Config{Name: "t", MaxBytes: 10 * one, BatchSize: 1000, FlushInterval: time.Hour}, w, testLogger(t))
	for i := 0; i < 25; i++ {
		_ = o.Emit(context.Background(), pts(100+i, 1))
	}
	st := o.Stats()
	if st.BufferBytes > 10*one || st.BufferPoints != 10 {
		t.Errorf("buffer %d points / %d bytes, want 10 points within %d bytes", st.BufferPoints, st.BufferBytes, 10*one)
	}
	if st.Dropped[ReasonBufferFull] != 15 {
		t.Errorf("dropped %v, want buffer_full=15", st.Dropped)
	}
	rep := closeOK(t, o, time.Second)
	got := w.names()
	for i := 115; i < 125; i++ {
		if got[fmt.Sprint(i)] != 1 {
			t.Errorf("newest point %d not written (got %v)", i, got)
		}
	}
	if rep.Written != 10 || !rep.Failed || rep.Dropped[ReasonBufferFull] != 15 {
		t.Errorf("report %+v, want 10 written, 15 buffer_full, failed", rep)
	}
}

func TestOutputRetriesWithBackoffAndRetryAfter(t *testing.T) {
	w := &fakeWriter{fn: func(call int, _ []collector.Point) error {
		switch call {
		case 0:
			return NewError(Retryable, 503, 0, "unavailable", errors.New("503"))
		case 1:
			return errors.New("connection refused") // unclassified: retryable
		case 2:
			return NewError(Retryable, 429, 300*time.Millisecond, "slow down", errors.New("429"))
		}
		return nil
	}}
	o, _ := New(Config{Name: "t", BatchSize: 10, FlushInterval: 10 * time.Millisecond, RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond}, w, testLogger(t))
	start(t, o)
	began := time.Now()
	_ = o.Emit(context.Background(), pts(0, 10))
	waitFor(t, "write after retries", func() bool { return w.count() == 10 })
	if took := time.Since(began); took < 300*time.Millisecond {
		t.Errorf("delivered after %v, want ≥ 300ms (Retry-After honoured)", took)
	}
	st := o.Stats()
	if st.Retries != 3 || st.WriteErrors != 3 || st.Failing {
		t.Errorf("stats %+v, want 3 retries, 3 errors, not failing", st)
	}
	if rep := closeOK(t, o, time.Second); rep.Failed || rep.Written != 10 {
		t.Errorf("report %+v", rep)
	}
}

// badWriter rejects any batch holding a point whose n tag is in bad, like InfluxDB's
// partial write answer.
func badWriter(bad ...int) *fakeWriter {
	set := map[string]bool{}
	for _, b := range bad {
		set[fmt.Sprint(b)] = true
	}
	return &fakeWriter{fn: func(_ int, points []collector.Point) error {
		for _, p := range points {
			if n, _ := p.Tag("n"); set[n] {
				return NewError(BadData, 400, 0, "partial write: field type conflict: input field \"c\" is type integer, already exists as type string dropped=1", errors.New("400"))
			}
		}
		return nil
	}}
}

func TestOutputIsolatesBadLines(t *testing.T) {
	w := badWriter(3, 17)
	dl := filepath.Join(t.TempDir(), "dead.lp")
	o, _ := New(Config{Name: "influx", BatchSize: 32, FlushInterval: time.Hour, DeadLetter: dl}, w, testLogger(t))
	_ = o.Emit(context.Background(), pts(0, 32))
	rep := closeOK(t, o, 5*time.Second)
	if rep.Written != 30 || rep.Dropped[ReasonRejected] != 2 || !rep.Failed {
		t.Errorf("report %+v, want 30 written, 2 rejected", rep)
	}
	got := w.names()
	for i := 0; i < 32; i++ {
		want := 1
		if i == 3 || i == 17 {
			want = 0
		}
		if got[fmt.Sprint(i)] != want {
			t.Errorf("point %d written %d times, want %d", i, got[fmt.Sprint(i)], want)
		}
	}
	// Binary splitting (the fake's answer names nothing Output can act on): far fewer
	// writes than one per point, within maxRejectWrites.
	if w.calls > maxRejectWrites {
		t.Errorf("%d writes to isolate 2 bad lines in 32, want ≤ %d", w.calls, maxRejectWrites)
	}
	b, err := os.ReadFile(dl)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, n := range []string{"n=3,", "n=17,"} {
		if !strings.Contains(text, "m,"+n+"source=t c=") {
			t.Errorf("dead letter lacks the line with %s:\n%s", n, text)
		}
	}
	if strings.Count(text, "# ") != 2 || !strings.Contains(text, "rejected output=influx status=400: partial write: field type conflict") {
		t.Errorf("dead letter lacks the server's message:\n%s", text)
	}
	// The dead-letter file is valid line protocol (comments included).
	if back, err := decodeLineProtocol(b, 2); err != nil || len(back) != 2 {
		t.Errorf("dead letter does not decode: %d points, %v", len(back), err)
	}
}

// TestOutputRejectionBound: an answer Output cannot read, for a batch in which every line is
// bad, costs at most maxRejectWrites requests; what is still unresolved is dead-lettered
// and counted, and the next batch is written.
func TestOutputRejectionBound(t *testing.T) {
	w := &fakeWriter{fn: func(_ int, p []collector.Point) error {
		for _, q := range p {
			if n, _ := q.Tag("n"); n < "5000" || len(n) < 4 {
				return NewError(BadData, 400, 0, "something went wrong", errors.New("400"))
			}
		}
		return nil
	}}
	o, _ := New(Config{Name: "influx", BatchSize: 5000, FlushInterval: time.Hour}, w, testLogger(t))
	_ = o.Emit(context.Background(), pts(0, 5000))
	_ = o.Emit(context.Background(), pts(5000, 10))
	rep := closeOK(t, o, 5*time.Second)
	if w.calls > maxRejectWrites+1 {
		t.Errorf("%d writes, want ≤ %d for the bad batch + 1 for the good one", w.calls, maxRejectWrites)
	}
	if rep.Written != 10 || rep.Dropped[ReasonRejected] != 5000 {
		t.Errorf("report %+v, want 10 written, 5000 rejected", rep)
	}
}

func TestOutputSplitsTooLarge(t *testing.T) {
	w := &fakeWriter{fn: func(_ int, p []collector.Point) error {
		if len(p) > 3 {
			return NewError(TooLarge, 413, 0, "request entity too large", errors.New("413"))
		}
		return nil
	}}
	o, _ := New(Config{Name: "t", BatchSize: 20, FlushInterval: time.Hour}, w, testLogger(t))
	_ = o.Emit(context.Background(), pts(0, 20))
	rep := closeOK(t, o, 5*time.Second)
	if rep.Written != 20 || rep.Failed {
		t.Errorf("report %+v", rep)
	}
	for _, s := range w.sizes {
		if s > 3 {
			t.Errorf("a batch of %d was accepted; sizes %v", s, w.sizes)
		}
	}
}

func TestOutputMisconfiguredKeepsDataAndAlarms(t *testing.T) {
	w := &fakeWriter{fn: func(int, []collector.Point) error {
		return NewError(Misconfigured, 401, 0, "unauthorized", errors.New("write to http://x: HTTP 401 (check the token)"))
	}}
	o, _ := New(Config{Name: "t", BatchSize: 5, FlushInterval: 5 * time.Millisecond, RetryMin: time.Millisecond, RetryMax: 20 * time.Millisecond}, w, testLogger(t))
	start(t, o)
	_ = o.Emit(context.Background(), pts(0, 5))
	waitFor(t, "alarm", func() bool { return o.Stats().Alarm })
	waitFor(t, "a few retries", func() bool { return o.Stats().Retries >= 2 })
	if st := o.Stats(); !strings.Contains(st.LastError, "check the token") || st.Written != 0 {
		t.Errorf("stats %+v", st)
	}
	w.setFn(nil) // operator fixed the token
	waitFor(t, "recovery", func() bool { return w.count() == 5 })
	waitFor(t, "alarm cleared", func() bool { return !o.Stats().Alarm })
	if rep := closeOK(t, o, time.Second); rep.Failed || rep.Written != 5 {
		t.Errorf("report %+v", rep)
	}
}

func TestOutputPermanentDeadLetters(t *testing.T) {
	w := &fakeWriter{fn: func(int, []collector.Point) error {
		return NewError(Permanent, 405, 0, "method not allowed", errors.New("405"))
	}}
	dl := filepath.Join(t.TempDir(), "dl.lp")
	o, _ := New(Config{Name: "t", DeadLetter: dl}, w, testLogger(t))
	_ = o.Emit(context.Background(), pts(0, 4))
	rep := closeOK(t, o, time.Second)
	if rep.Dropped[ReasonPermanent] != 4 || !rep.Failed || w.calls != 1 {
		t.Errorf("report %+v after %d calls, want 4 permanent in one call", rep, w.calls)
	}
	if b, _ := os.ReadFile(dl); strings.Count(string(b), "\nm,") != 4 {
		t.Errorf("dead letter:\n%s", b)
	}
}

func TestOutputInvalidPointsCountedNotFailed(t *testing.T) {
	w := &fakeWriter{}
	o, _ := New(Config{Name: "t"}, w, testLogger(t))
	bad := pt(1)
	bad.Fields = []collector.Field{collector.Float("f", 0), collector.Float("g", nanValue())}
	unsorted := pt(2)
	unsorted.Tags = []collector.Tag{{Key: "source", Value: "t"}, {Key: "n", Value: "2"}}
	_ = o.Emit(context.Background(), []collector.Point{pt(0), bad, unsorted, {Measurement: "m"}})
	rep := closeOK(t, o, time.Second)
	if rep.Written != 2 || rep.Dropped[ReasonFloat] != 1 || rep.Dropped[ReasonNoFields] != 1 || rep.Failed {
		t.Errorf("report %+v, want 2 written (unsorted tags get sorted), 1 invalid_float, 1 invalid_no_fields, not failed", rep)
	}
}

func nanValue() float64 { z := 0.0; return z / z }

func TestOutputEmitAfterClose(t *testing.T) {
	o, _ := New(Config{Name: "t"}, &fakeWriter{}, testLogger(t))
	closeOK(t, o, time.Second)
	if err := o.Emit(context.Background(), pts(0, 3)); !errors.Is(err, ErrClosed) {
		t.Errorf("Emit after Close = %v, want ErrClosed", err)
	}
	rep, err := o.Close(context.Background())
	if err != nil || rep.Dropped[ReasonClosed] != 3 || !rep.Failed {
		t.Errorf("second Close: %+v, %v", rep, err)
	}
}

// TestOutputCloseHonoursDeadline: with the sink down, Close returns by its deadline, counts
// everything unsent as lost, and leaves no goroutine behind.
func TestOutputCloseHonoursDeadline(t *testing.T) {
	before := runtime.NumGoroutine()
	w := &fakeWriter{fn: func(int, []collector.Point) error {
		return NewError(Retryable, 503, 0, "down", errors.New("503"))
	}}
	o, _ := New(Config{Name: "t", BatchSize: 10, FlushInterval: 5 * time.Millisecond, RetryMin: 50 * time.Millisecond, RetryMax: 100 * time.Millisecond}, w, testLogger(t))
	stop := start(t, o)
	_ = o.Emit(context.Background(), pts(0, 25))
	waitFor(t, "failing", func() bool { return o.Stats().Failing })
	stop() // signal: Run's context ends first, as in the daemon
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	began := time.Now()
	rep, err := o.Close(ctx)
	if took := time.Since(began); took > 3*time.Second { // slack for a loaded CI machine
		t.Errorf("Close took %v, deadline was 300ms", took)
	}
	if err == nil || rep.Lost != 25 || !rep.Failed || rep.Written != 0 {
		t.Errorf("Close = %+v, %v; want 25 lost, failed, an error", rep, err)
	}
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
}

// TestOutputCloseStopsRunMidRetry: Close while Run is waiting out a long backoff (its context
// still live) stops Run at once and spools the batch Run held.
func TestOutputCloseStopsRunMidRetry(t *testing.T) {
	w := &fakeWriter{fn: func(int, []collector.Point) error {
		return NewError(Retryable, 429, time.Hour, "slow down", errors.New("429"))
	}}
	o, _ := New(Config{Name: "t", BatchSize: 10, FlushInterval: 5 * time.Millisecond, SpoolDir: t.TempDir()}, w, testLogger(t))
	start(t, o)
	_ = o.Emit(context.Background(), pts(0, 10))
	waitFor(t, "failing", func() bool { return o.Stats().Failing })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	began := time.Now()
	rep, err := o.Close(ctx)
	if took := time.Since(began); took > 3*time.Second { // slack for a loaded CI machine
		t.Errorf("Close took %v with Run in a 5-minute Retry-After wait", took)
	}
	if err != nil || rep.Spooled != 10 || rep.Lost != 0 {
		t.Errorf("Close = %+v, %v; want the 10 points Run held spooled", rep, err)
	}
}

// TestOutputCloseFlushes: points emitted just before Close are written by the final flush,
// also when Run's context was cancelled first and Run is mid-retry.
func TestOutputCloseFlushes(t *testing.T) {
	before := runtime.NumGoroutine()
	w := &fakeWriter{}
	o, _ := New(Config{Name: "t", BatchSize: 1000, FlushInterval: time.Hour}, w, testLogger(t))
	stop := start(t, o)
	_ = o.Emit(context.Background(), pts(0, 2500))
	stop()
	rep := closeOK(t, o, 5*time.Second)
	if rep.Written != 2500 || rep.Failed {
		t.Errorf("report %+v, want 2500 written", rep)
	}
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
}

func TestOutputSpoolOnCloseAndReplayAfterRestart(t *testing.T) {
	dir := t.TempDir()
	down := &fakeWriter{fn: func(int, []collector.Point) error {
		return NewError(Retryable, 0, 0, "", errors.New("dial tcp: connection refused"))
	}}
	o, _ := New(Config{Name: "t", BatchSize: 10, SpoolDir: dir}, down, testLogger(t))
	_ = o.Emit(context.Background(), pts(0, 35))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	rep, err := o.Close(ctx)
	cancel()
	if err != nil || rep.Lost != 0 || rep.Spooled != 35 || !rep.Failed {
		t.Fatalf("Close = %+v, %v; want 35 spooled, failed (not delivered yet)", rep, err)
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.lp"))
	if len(segs) == 0 {
		t.Fatal("no spool segment on disk")
	}

	// Restart with the sink back: Run replays the spool.
	up := &fakeWriter{}
	o2, err := New(Config{Name: "t", BatchSize: 10, FlushInterval: 10 * time.Millisecond, SpoolDir: dir}, up, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if st := o2.Stats(); st.SpoolPoints != 35 {
		t.Errorf("after restart spool holds %d points, want 35", st.SpoolPoints)
	}
	start(t, o2)
	waitFor(t, "replay", func() bool { return up.count() == 35 })
	rep2 := closeOK(t, o2, time.Second)
	if rep2.Spooled != 0 || rep2.Failed || rep2.Written != 35 {
		t.Errorf("after replay %+v", rep2)
	}
	names := up.names()
	for i := 0; i < 35; i++ {
		if names[fmt.Sprint(i)] != 1 {
			t.Fatalf("point %d replayed %d times", i, names[fmt.Sprint(i)])
		}
	}
	// Types and times survive the disk round trip.
	for _, p := range up.written {
		n, _ := p.Tag("n")
		var i int
		fmt.Sscan(n, &i)
		if f, _ := p.Field("c"); f.Kind != collector.KindUint || f.UintValue() != uint64(i) || p.Time.UnixNano() != int64(i)+1 {
			t.Fatalf("replayed point %s differs from %s", p.String(), pt(i).String())
		}
	}
	if segs, _ := filepath.Glob(filepath.Join(dir, "seg-*")); len(segs) != 0 {
		t.Errorf("segments left after replay: %v", segs)
	}
}

// TestOutputCloseReplaysSpool: a short run (run --once) after an outage empties the spool in
// Close instead of reporting the old data as undelivered forever.
func TestOutputCloseReplaysSpool(t *testing.T) {
	dir := t.TempDir()
	down := &fakeWriter{fn: func(int, []collector.Point) error { return errors.New("connection refused") }}
	o, _ := New(Config{Name: "t", SpoolDir: dir}, down, testLogger(t))
	_ = o.Emit(context.Background(), pts(0, 12))
	if rep, _ := o.Close(context.Background()); rep.Spooled != 12 {
		t.Fatalf("first run spooled %d, want 12", rep.Spooled)
	}
	up := &fakeWriter{}
	o2, _ := New(Config{Name: "t", SpoolDir: dir, FlushInterval: time.Hour}, up, testLogger(t))
	_ = o2.Emit(context.Background(), pts(100, 3))
	rep := closeOK(t, o2, 5*time.Second)
	if rep.Written != 15 || rep.Spooled != 0 || rep.Failed {
		t.Errorf("second run %+v, want 15 written (3 new + 12 replayed), spool empty", rep)
	}
}

func TestOutputOverflowGoesToSpool(t *testing.T) {
	dir := t.TempDir()
	w := &fakeWriter{fn: func(int, []collector.Point) error {
		return NewError(Retryable, 503, 0, "down", errors.New("503"))
	}}
	one := pointSize(&[]collector.Point{pt(100)}[0])
	o, _ := New(Config{Name: "t", BatchSize: 5, FlushInterval: 5 * time.Millisecond, MaxBytes: 20 * one, SpoolDir: dir,
		RetryMin: time.Millisecond, RetryMax: 5 * time.Millisecond}, w, testLogger(t))
	start(t, o)
	for i := 0; i < 100; i++ {
		_ = o.Emit(context.Background(), pts(100+i, 1))
	}
	st := o.Stats()
	if st.Dropped[ReasonBufferFull] != 0 || st.Spooled == 0 || st.BufferBytes > 20*one {
		t.Fatalf("stats %+v: want overflow spooled, nothing dropped, buffer within bound", st)
	}
	w.setFn(nil) // sink back: buffer and spool drain
	waitFor(t, "all 100 delivered", func() bool { return len(w.names()) == 100 })
	waitFor(t, "spool empty", func() bool { return o.Stats().SpoolSegs == 0 })
	rep := closeOK(t, o, time.Second)
	if rep.Failed || rep.Spooled != 0 {
		t.Errorf("report %+v", rep)
	}
}

func TestSpoolCorruptSegmentsAreSkipped(t *testing.T) {
	dir := t.TempDir()
	log := testLogger(t)
	sp, _, err := openSpool(dir, 0, log)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, _, err := sp.write(pts(i*10, 10)); err != nil {
			t.Fatal(err)
		}
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "seg-*.lp"))
	if len(segs) != 3 {
		t.Fatalf("segments %v", segs)
	}
	// Flip one body byte in the second segment (checksum), truncate nothing else.
	b, _ := os.ReadFile(segs[1])
	b[len(b)-5] ^= 0x01
	os.WriteFile(segs[1], b, 0o600)
	// A garbage file with the segment name, and a crash leftover.
	os.WriteFile(filepath.Join(dir, "seg-00000000000000000099.lp"), []byte("garbage"), 0o600)
	os.WriteFile(filepath.Join(dir, "seg-00000000000000000100.lp.tmp"), []byte("half"), 0o600)

	w := &fakeWriter{}
	o, err := New(Config{Name: "t", FlushInterval: 5 * time.Millisecond, SpoolDir: dir}, w, log)
	if err != nil {
		t.Fatalf("New with corrupt spool must not fail: %v", err)
	}
	if d := o.Stats().Dropped[ReasonSpoolCorrupt]; d != 2 {
		t.Errorf("spool_corrupt at open = %d, want 2 (garbage header + tmp leftover)", d)
	}
	start(t, o)
	waitFor(t, "spool drained", func() bool { return o.Stats().SpoolSegs == 0 })
	rep := closeOK(t, o, time.Second)
	if rep.Written != 20 || rep.Dropped[ReasonSpoolCorrupt] != 2+10 || !rep.Failed {
		t.Errorf("report %+v, want 20 replayed and the corrupt segment's 10 counted", rep)
	}
	names := w.names()
	for i := 0; i < 30; i++ {
		want := 1
		if i >= 10 && i < 20 {
			want = 0
		}
		if names[fmt.Sprint(i)] != want {
			t.Errorf("point %d replayed %d times, want %d", i, names[fmt.Sprint(i)], want)
		}
	}
	if c, _ := filepath.Glob(filepath.Join(dir, "*.corrupt")); len(c) != 2 {
		t.Errorf("quarantined %v, want 2 files", c)
	}
}

// TestSpoolBounded: beyond SpoolMaxBytes the oldest segments are deleted and counted.
func TestSpoolBounded(t *testing.T) {
	dir := t.TempDir()
	down := &fakeWriter{fn: func(int, []collector.Point) error { return errors.New("connection refused") }}
	one := pointSize(&[]collector.Point{pt(100)}[0])
	o, _ := New(Config{Name: "t", MaxBytes: 8 * one, SpoolDir: dir, SpoolMaxBytes: 1200}, down, testLogger(t))
	for i := 0; i < 200; i++ {
		_ = o.Emit(context.Background(), pts(1000+i, 1))
	}
	st := o.Stats()
	if st.SpoolBytes > 1200 || st.Dropped[ReasonSpoolFull] == 0 || st.SpoolSegs == 0 {
		t.Fatalf("stats %+v: want spool within 1200 bytes, oldest evicted and counted", st)
	}
	rep, _ := o.Close(context.Background())
	total := rep.Spooled + rep.Dropped[ReasonSpoolFull] + rep.Lost + rep.Written
	if total != 200 || !rep.Failed {
		t.Errorf("report %+v: spooled+evicted+lost+written = %d, want all 200 accounted for", rep, total)
	}
}

func TestFanout(t *testing.T) {
	a, b := &fakeWriter{}, &fakeWriter{}
	oa, _ := New(Config{Name: "a"}, a, testLogger(t))
	ob, _ := New(Config{Name: "b"}, b, testLogger(t))
	f := Fanout{oa, ob}
	if err := f.Emit(context.Background(), pts(0, 3)); err != nil {
		t.Fatal(err)
	}
	closeOK(t, oa, time.Second)
	if err := f.Emit(context.Background(), pts(3, 1)); !errors.Is(err, ErrClosed) {
		t.Errorf("Emit with one closed output = %v, want ErrClosed", err)
	}
	closeOK(t, ob, time.Second)
	if a.count() != 3 || b.count() != 4 {
		t.Errorf("a wrote %d, b wrote %d; want 3 and 4", a.count(), b.count())
	}
}

type discardWriter struct{}

func (discardWriter) Write(context.Context, []collector.Point) error { return nil }

// batchSignalWriter accepts everything and tells how many points each write carried.
type batchSignalWriter struct{ wrote chan int }

func (w batchSignalWriter) Write(_ context.Context, p []collector.Point) error {
	w.wrote <- len(p)
	return nil
}

// BenchmarkOutputEmitFlush measures Emit + batching + flush to a writer that accepts
// everything: the cost the output path adds per point before encoding. Emit waits while
// more than four batches are unwritten, so that the figure is the pipeline's (the slower
// of Emit and the flush loop) and nothing is dropped however fast either side is.
func BenchmarkOutputEmitFlush(b *testing.B) {
	w := batchSignalWriter{wrote: make(chan int, 1<<16)}
	o, _ := New(Config{Name: "bench", BatchSize: 5000, FlushInterval: time.Second}, w, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	src := make([]collector.Point, 100)
	for i := range src {
		src[i] = ifPoint(fmt.Sprintf("Ethernet%d", i), uint64(i))
	}
	batch := make([]collector.Point, len(src))
	var emitted, written int
	b.ReportAllocs()
	for b.Loop() {
		copy(batch, src)
		_ = o.Emit(ctx, batch)
		emitted += len(batch)
		for emitted-written > 4*5000 {
			written += <-w.wrote
		}
	}
	b.StopTimer()
	cancel()
	<-done
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	rep, _ := o.Close(cctx)
	if want := int64(b.N) * 100; rep.Written != want {
		b.Fatalf("written %d, want %d (%+v)", rep.Written, want, rep)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/point")
}

// TestOutputCloseReportsAStuckWrite: a Writer that ignores its context still holds a batch
// when the shutdown deadline passes; Close must not report that as clean delivery.
func TestOutputCloseReportsAStuckWrite(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{}, 1)
	w := &fakeWriter{fn: func(int, []collector.Point) error {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-release // ignores ctx, like a file on a full pipe
		return nil
	}}
	o, _ := New(Config{Name: "t", BatchSize: 10, FlushInterval: 5 * time.Millisecond}, w, testLogger(t))
	start(t, o)
	_ = o.Emit(context.Background(), pts(0, 10))
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := o.Close(ctx); err == nil || !strings.Contains(err.Error(), "still in progress") {
		t.Errorf("Close = %v, want an error about the write in progress", err)
	}
}

// Behind holds collectors back only while the buffer is above the high-water mark and
// writes are succeeding; a stalled or failing output is never behind.
func TestOutputBehindOnlyWhileWriting(t *testing.T) {
	one := pointSize(&[]collector.Point{pt(0)}[0])
	release := make(chan struct{})
	w := &fakeWriter{fn: func(call int, _ []collector.Point) error {
		if call > 0 {
			<-release // the second write hangs: writes in progress, none finishing
		}
		return nil
	}}
	o, _ := New(Config{Name: "t", MaxBytes: 80 * one, BatchSize: 5, FlushInterval: time.Hour}, w, testLogger(t))
	stop := start(t, o)
	defer stop()
	if o.Behind() {
		t.Error("Behind before any write")
	}
	_ = o.Emit(context.Background(), pts(0, 5)) // one batch, written
	waitFor(t, "the first batch", func() bool { return o.Stats().Written == 5 })
	_ = o.Emit(context.Background(), pts(5, 5)) // taken by the hanging write
	waitFor(t, "the second write", func() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.calls == 2 })
	_ = o.Emit(context.Background(), pts(10, 5)) // 5 of 80: below 80/HighWater = 10
	if o.Behind() {
		t.Errorf("Behind with %d of %d points buffered, want only above 1/%d", o.Stats().BufferPoints, 80, HighWater)
	}
	_ = o.Emit(context.Background(), pts(15, 10)) // 15: above
	if !o.Behind() {
		t.Errorf("not Behind with %d of 80 points buffered and a write %v ago", o.Stats().BufferPoints, time.Since(o.Stats().LastWrite))
	}
	time.Sleep(StallAfter + 100*time.Millisecond)
	if o.Behind() {
		t.Errorf("Behind after no successful write for %v: a stalled output must not hold the collectors", StallAfter)
	}
	w.setFn(func(int, []collector.Point) error { return NewError(Retryable, 503, 0, "", errors.New("unavailable")) })
	close(release)
	waitFor(t, "the output failing", func() bool { return o.Stats().Failing })
	if o.Behind() {
		t.Error("Behind while the output is failing")
	}
}

// countingWriter accepts every batch and keeps nothing of it.
type countingWriter struct{ n atomic.Int64 }

func (c *countingWriter) Write(_ context.Context, points []collector.Point) error {
	c.n.Add(int64(len(points)))
	return nil
}

// A delivered batch is not kept alive by the output until the next one: the GC can free
// its points' fields (at fleet scale a batch is megabytes of heap).
func TestOutputReleasesDeliveredBatch(t *testing.T) {
	w := &countingWriter{}
	o, _ := New(Config{Name: "t", BatchSize: 4, FlushInterval: time.Hour}, w, testLogger(t))
	stop := start(t, o)
	defer stop()
	batch := pts(0, 4)
	fields := make([]collector.Field, 1, 64) // the array the last point's fields live in
	fields[0] = batch[3].Fields[0]
	batch[3].Fields = fields
	wp := weak.Make(&fields[:1][0])
	fields = nil
	_ = o.Emit(context.Background(), batch)
	batch = nil
	waitFor(t, "the batch written", func() bool { return w.n.Load() == 4 })
	waitFor(t, "the delivered batch's fields freed", func() bool {
		runtime.GC()
		return wp.Value() == nil
	})
}

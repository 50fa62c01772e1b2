package snmp

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
)

// recordSink collects emitted batches.
type recordSink struct {
	mu      sync.Mutex
	batches [][]collector.Point
	err     error
}

func (r *recordSink) Emit(_ context.Context, pts []collector.Point) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.batches = append(r.batches, pts)
	return nil
}

func (r *recordSink) times(start time.Time) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Duration
	for _, b := range r.batches {
		out = append(out, b[0].Time.Sub(start))
	}
	return out
}

// slowClient makes GETs (one per poll with the system profile) take delay(n) for poll n and
// records the most polls in flight at once.
func slowClient(t *testing.T, delay func(n int) time.Duration) (*scripted, *atomic.Int32) {
	c := &scripted{Client: mustFake(t, "edgeswitch_8xp", nil)}
	var n, inFlight, maxInFlight atomic.Int32
	c.get = func(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
		cur := inFlight.Add(1)
		defer inFlight.Add(-1)
		if cur > maxInFlight.Load() {
			maxInFlight.Store(cur)
		}
		if d := delay(int(n.Add(1)) - 1); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return c.Client.Get(ctx, oids)
	}
	return c, &maxInFlight
}

// TestRunSkipsOverrun: a poll that takes 2.5 intervals is not overlapped; the two ticks that
// passed are skipped and counted, and polling resumes on the original grid.
func TestRunSkipsOverrun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, maxInFlight := slowClient(t, func(n int) time.Duration {
			if n == 0 {
				return 25 * time.Second
			}
			return 0
		})
		cfg := testConfig(t, "system")
		cfg.Interval = 10 * time.Second
		cfg.Timeout = 30 * time.Second
		st := &collector.Stats{}
		s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, c)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 95*time.Second)
		defer cancel()
		sink := &recordSink{}
		if err := s.Run(ctx, sink); err != nil {
			t.Fatalf("Run: %v", err)
		}
		got := sink.times(start)
		want := []time.Duration{0, 30 * time.Second, 40 * time.Second, 50 * time.Second, 60 * time.Second, 70 * time.Second, 80 * time.Second, 90 * time.Second}
		if len(got) != len(want) {
			t.Fatalf("poll times %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("poll times %v, want %v", got, want)
			}
		}
		if sk := st.Skipped.Load(); sk != 2 {
			t.Errorf("skipped %d, want 2", sk)
		}
		if m := maxInFlight.Load(); m != 1 {
			t.Errorf("%d polls overlapped", m)
		}
		if p := st.Points.Load(); p != int64(len(want)) {
			t.Errorf("points %d, want %d", p, len(want))
		}
	})
}

// TestRunOffset: the first poll waits for the supervisor's jitter offset.
func TestRunOffset(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := slowClient(t, func(int) time.Duration { return 0 })
		cfg := testConfig(t, "system")
		cfg.Interval = 10 * time.Second
		s, _ := NewWithClient(cfg, collector.Runtime{Offset: 7 * time.Second}, nil, c)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		sink := &recordSink{}
		if err := s.Run(ctx, sink); err != nil {
			t.Fatal(err)
		}
		got := sink.times(start)
		if len(got) != 2 || got[0] != 7*time.Second || got[1] != 17*time.Second {
			t.Fatalf("poll times %v, want [7s 17s]", got)
		}
	})
}

// TestRunOnce: once mode polls once and returns the poll's error.
func TestRunOnce(t *testing.T) {
	cfg := testConfig(t)
	s, _ := NewWithClient(cfg, collector.Runtime{Once: true}, nil, mustFake(t, "edgeswitch_8xp", nil))
	sink := &recordSink{}
	if err := s.Run(context.Background(), sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.batches) != 1 || len(sink.batches[0]) != 10 {
		t.Fatalf("batches %d", len(sink.batches))
	}

	f := mustFake(t, "edgeswitch_8xp", nil)
	f.Err = gosnmp.ErrWrongDigest
	st := &collector.Stats{}
	cfg.Version, cfg.User = "3", "u1"
	s, _ = NewWithClient(cfg, collector.Runtime{Once: true, Stats: st}, nil, f)
	sink = &recordSink{}
	err := s.Run(context.Background(), sink)
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), `wrong auth_password or auth_protocol for user "u1"`) {
		t.Fatalf("error %v", err)
	}
	if len(sink.batches) != 0 || st.PollErrors.Load() != 1 || st.Snapshot().Up {
		t.Fatalf("batches %d, stats %+v", len(sink.batches), st.Snapshot())
	}
	if f.Closed() == 0 {
		t.Error("client not closed after a failed poll")
	}
}

// TestRunSinkClosed: a closed sink ends Run with an error (the supervisor decides).
func TestRunSinkClosed(t *testing.T) {
	cfg := testConfig(t)
	s, _ := NewWithClient(cfg, collector.Runtime{}, nil, mustFake(t, "edgeswitch_8xp", nil))
	err := s.Run(context.Background(), &recordSink{err: errors.New("buffer closed")})
	if err == nil || !strings.Contains(err.Error(), "emit points: buffer closed") {
		t.Fatalf("error %v", err)
	}
}

// logCounter counts log records by level.
type logCounter struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Level.String()+" "+r.Message)
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

// TestRunLogsStateChanges: failures are logged when they start, not on every interval, and
// the recovery once.
func TestRunLogsStateChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := mustFake(t, "edgeswitch_8xp", nil)
		c := &scripted{Client: f}
		var n atomic.Int32
		// polls 0-2 fail, 3-4 succeed, 5-6 fail
		c.get = func(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
			i := n.Add(1) - 1
			if i < 3 || i >= 5 {
				return nil, errors.New("request timeout (after 1 retries): max retries exceeded")
			}
			return f.Get(ctx, oids)
		}
		h := &logCounter{}
		cfg := testConfig(t, "system")
		cfg.Interval = time.Second
		st := &collector.Stats{}
		s, _ := NewWithClient(cfg, collector.Runtime{Stats: st}, slog.New(h), c)
		ctx, cancel := context.WithTimeout(context.Background(), 6500*time.Millisecond)
		defer cancel()
		if err := s.Run(ctx, &recordSink{}); err != nil {
			t.Fatal(err)
		}
		want := "WARN snmp poll failed|INFO snmp poll recovered|WARN snmp poll failed"
		if got := strings.Join(h.msgs, "|"); got != want {
			t.Fatalf("logs %q, want %q", got, want)
		}
		if e := st.PollErrors.Load(); e != 5 {
			t.Errorf("poll errors %d, want 5", e)
		}
		if p := st.Polls.Load(); p != 2 {
			t.Errorf("polls %d, want 2", p)
		}
	})
}

// TestRunOnceOffsetCancelled: a once run whose context ends during the offset reports it.
func TestRunOnceOffsetCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig(t)
		s, _ := NewWithClient(cfg, collector.Runtime{Once: true, Offset: time.Minute}, nil, mustFake(t, "edgeswitch_8xp", nil))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := s.Run(ctx, &recordSink{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v", err)
		}
	})
}

// TestRunLogsOverrunOnce: polls that overrun their interval are warned about when it starts
// and noted when they fit again, not on every poll; every skipped tick is counted.
func TestRunLogsOverrunOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, _ := slowClient(t, func(n int) time.Duration {
			if n < 3 {
				return 15 * time.Second // 1.5 intervals: one tick skipped each
			}
			return 0
		})
		h := &logCounter{}
		cfg := testConfig(t, "system")
		cfg.Interval = 10 * time.Second
		cfg.Timeout = 30 * time.Second
		st := &collector.Stats{}
		s, _ := NewWithClient(cfg, collector.Runtime{Stats: st}, slog.New(h), c)
		ctx, cancel := context.WithTimeout(context.Background(), 85*time.Second)
		defer cancel()
		if err := s.Run(ctx, &recordSink{}); err != nil {
			t.Fatal(err)
		}
		want := "WARN snmp poll took longer than the interval; skipping the ticks it overran (counted as skipped polls): raise interval, or read less|INFO snmp polls fit their interval again"
		if got := strings.Join(h.msgs, "|"); got != want {
			t.Fatalf("logs %q, want %q", got, want)
		}
		// Polls at 0, 20, 40 (15s each, skipping 10, 30, 50), then 60, 70, 80.
		if sk, p := st.Skipped.Load(), st.Polls.Load(); sk != 3 || p != 6 {
			t.Errorf("skipped %d polls %d, want 3 and 6", sk, p)
		}
	})
}

package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/targets"
)

func TestRunProgressCountsToTotal(t *testing.T) {
	// Each look at the targets finds one more finished every third tick; the first failed.
	var calls atomic.Int64
	var out bytes.Buffer
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		runProgress(context.Background(), &out, func() (int, int) {
			n := min(int(calls.Add(1)/3), 3)
			return n - min(n, 1), min(n, 1)
		}, 3, 5*time.Millisecond)
	}()
	select {
	case <-finished:
	case <-time.After(5 * time.Second):
		t.Fatal("runProgress did not return when every target had finished")
	}
	s := out.String()
	for _, want := range []string{"1/3", "2/3", "(1 failed)"} {
		if !strings.Contains(s, want) {
			t.Errorf("bar output lacks %q: %q", want, s)
		}
	}
	if n := calls.Load(); n < 9 || n > 12 {
		t.Errorf("runProgress looked %d times, want it to stop right after all 3 finished (9)", n)
	}
}

func TestRunProgressStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	began := time.Now()
	runProgress(ctx, &bytes.Buffer{}, func() (int, int) { return 0, 0 }, 2, 5*time.Millisecond)
	if took := time.Since(began); took > 2*time.Second {
		t.Errorf("runProgress outlived its context by %s", took)
	}
}

// Off a terminal the bar stays silent and returns at once, even with targets running.
func TestProgressBarQuietOffTerminal(t *testing.T) {
	m, err := targets.NewManager(targets.ManagerConfig{
		Sink: collector.SinkFunc(func(context.Context, []collector.Point) error { return nil }),
		New:  newCollectors(), Once: true,
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	began := time.Now()
	progressBar(context.Background(), &out, m, 5)
	if out.Len() != 0 || time.Since(began) > time.Second {
		t.Errorf("off a terminal: wrote %q, took %s", out.String(), time.Since(began))
	}
}

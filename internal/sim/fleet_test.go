package sim

import (
	"context"
	"log/slog"
	"os"
	"testing"
)

// startFleet starts a fleet for a test and stops it (and waits for it) at cleanup.
func startFleet(t testing.TB, cfg Config) *Fleet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := Start(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("start fleet: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		f.Wait()
	})
	return f
}

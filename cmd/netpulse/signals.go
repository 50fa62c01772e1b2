package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// signalContext ends on SIGINT or SIGTERM.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, syscall.SIGINT, syscall.SIGTERM)
}

// runSignals is `run`'s signal handling. It is installed before anything slow (config
// loading, which may read secret files from a slow mount; opening the spool; listening):
// until a handler is installed, Go's default action for SIGHUP is to end the process, so a
// reload sent right after a (re)start would kill the daemon instead of reloading it. Signals
// that arrive early wait in the channels: an early SIGHUP reloads once the targets run, an
// early SIGINT/SIGTERM stops the run as soon as it starts. A --once job has nothing to
// reload and ignores SIGHUP: it ends by itself, with its summary.
type runSignals struct {
	stop chan os.Signal // SIGINT, SIGTERM
	hup  chan os.Signal // SIGHUP: reload
}

func notifyRunSignals() *runSignals {
	s := &runSignals{stop: make(chan os.Signal, 1), hup: make(chan os.Signal, 1)}
	signal.Notify(s.stop, syscall.SIGINT, syscall.SIGTERM)
	signal.Notify(s.hup, syscall.SIGHUP)
	return s
}

// context returns a context that ends with parent or at the first SIGINT/SIGTERM.
func (s *runSignals) context(parent context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-s.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// release restores the default handling.
func (s *runSignals) release() {
	signal.Stop(s.stop)
	signal.Stop(s.hup)
}

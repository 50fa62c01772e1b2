//go:build gnmibench_oldapi

package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
)

// This file is compiled only by scripts/bench-gnmi.sh's BEFORE=<ref> mode (-tags
// gnmibench_oldapi), against a tree from before collector.Runtime, where gnmi.New took the
// stats in its Config (e.g. b9fcedb, the tree before issue 8). It does not build against the
// current tree.

type session interface {
	Run(ctx context.Context, sink collector.Sink) error
}

func newSession(addr, path string, window time.Duration, stats *collector.Stats, log *slog.Logger) (session, error) {
	// Sample-window grouping came after these trees: a before/after of it is the window
	// case of bench-gnmi.sh, not BEFORE=<ref>.
	if window > 0 {
		return nil, fmt.Errorf("-sample-window is not supported against a tree from before collector.Runtime")
	}
	return gnmi.New(gnmi.Config{
		Name: "bench", Address: addr, Insecure: true,
		Subscriptions: []gnmi.Subscription{{Name: "interfaces", Paths: []string{path}, Mode: "stream", StreamMode: "on_change"}},
		Redial:        gnmi.Redial{Min: 100 * time.Millisecond, Max: time.Second},
		Stats:         stats,
	}, log)
}

// duplicates: these trees do not count duplicate updates.
func duplicates(*collector.Stats) int64 { return 0 }

//go:build !gnmibench_oldapi

package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
)

// session is what gnmibench needs of a gNMI session.
type session interface {
	Run(ctx context.Context, sink collector.Sink) error
}

// newSession opens the collector's real gNMI session: one stream subscription, on_change,
// or SAMPLE with window as its sample interval when window > 0 (updates of one interface
// within it are grouped into one line). session_oldapi.go builds the same against trees
// from before collector.Runtime, for scripts/bench-gnmi.sh's BEFORE=<ref> mode.
func newSession(addr, path string, window time.Duration, stats *collector.Stats, log *slog.Logger) (session, error) {
	sub := gnmi.Subscription{Name: "interfaces", Paths: []string{path}, Mode: "stream", StreamMode: "on_change"}
	if window > 0 {
		// The reference server sends every accepted update whatever the sample interval,
		// so the updates are the same as with on_change; only the grouping differs.
		sub.StreamMode, sub.SampleInterval = "sample", window
	}
	return gnmi.New(gnmi.Config{
		Name: "bench", Address: addr, Insecure: true,
		Subscriptions: []gnmi.Subscription{sub},
	}, collector.Runtime{Stats: stats}, log)
}

// duplicates is the session's count of updates received twice for the same leaf and
// timestamp (written once); trees from before that count have none.
func duplicates(stats *collector.Stats) int64 { return stats.Duplicates.Load() }

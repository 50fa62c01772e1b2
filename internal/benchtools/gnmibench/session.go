//go:build !gnmibench_oldapi

package main

import (
	"context"
	"log/slog"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
)

// session is what gnmibench needs of a gNMI session.
type session interface {
	Run(ctx context.Context, sink collector.Sink) error
}

// newSession opens the collector's real gNMI session: one stream subscription, on_change.
// session_oldapi.go builds the same against trees from before collector.Runtime, for
// scripts/bench-gnmi.sh's BEFORE=<ref> mode.
func newSession(addr, path string, stats *collector.Stats, log *slog.Logger) (session, error) {
	return gnmi.New(gnmi.Config{
		Name: "bench", Address: addr, Insecure: true,
		Subscriptions: []gnmi.Subscription{{Name: "interfaces", Paths: []string{path}, Mode: "stream", StreamMode: "on_change"}},
	}, collector.Runtime{Stats: stats}, log)
}

package outputs

import (
	"context"
	"errors"

	"github.com/netpulse/netpulse/collector"
)

// Fanout is a Sink that hands every batch to each of its sinks in turn (one collector, several
// outputs). The sinks share the points read-only: Output.Emit copies the Point structs into
// its own buffer and only sorts tags in place, which the first sink does for all. Emit calls
// every sink even when one fails and returns the failures joined.
type Fanout []collector.Sink

// Emit implements collector.Sink.
func (f Fanout) Emit(ctx context.Context, points []collector.Point) error {
	if len(f) == 1 {
		return f[0].Emit(ctx, points)
	}
	var errs []error
	for _, s := range f {
		if err := s.Emit(ctx, points); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Behind reports whether any of the sinks is behind (Output.Behind): the points they share
// stay in memory until the slowest has written them.
func (f Fanout) Behind() bool {
	for _, s := range f {
		if b, ok := s.(interface{ Behind() bool }); ok && b.Behind() {
			return true
		}
	}
	return false
}

package collector

import "context"

// Sink accepts points from collectors. Emit takes ownership of points (the caller must not
// modify them afterwards) and never blocks a device for long: a full buffer drops oldest and
// counts rather than stalling a stream. An error means the sink is closed (shutdown).
type Sink interface {
	Emit(ctx context.Context, points []Point) error
}

// SinkFunc adapts a function to a Sink (tests, CLI printers).
type SinkFunc func(ctx context.Context, points []Point) error

// Emit calls f.
func (f SinkFunc) Emit(ctx context.Context, points []Point) error { return f(ctx, points) }

// Collector is one session with one device. Run returns nil only when ctx ends, or after one
// full cycle in once mode; any other return is a session error and the supervisor redials.
type Collector interface {
	Run(ctx context.Context, sink Sink) error
}

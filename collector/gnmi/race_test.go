//go:build race

package gnmi

// raceEnabled: the race detector's sync.Pool drops a quarter of what is put back, at random
// (to shake out reuse bugs), so allocation counts mean nothing under it; and its
// instrumentation changes every function's frame, so the stack sizes
// TestOpenStreamKeepsSessionStackSmall measures do too.
const raceEnabled = true

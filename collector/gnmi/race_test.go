//go:build race

package gnmi

// raceEnabled: the race detector's sync.Pool drops a quarter of what is put back, at random
// (to shake out reuse bugs), so allocation counts mean nothing under it.
const raceEnabled = true

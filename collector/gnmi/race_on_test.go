//go:build race

package gnmi

// raceEnabled: the race detector instruments every function, which changes the frame sizes
// the stack tests measure.
const raceEnabled = true

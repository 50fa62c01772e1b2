//go:build !race

package gnmi

// raceEnabled: see race_test.go.
const raceEnabled = false

//go:build !race

package gnmi

const raceEnabled = false

// Command gnmiserve is the server half of scripts/bench-gnmi.sh: a reference gNMI server
// (internal/gnmiserver, the openconfig cache + subscribe packages) serving N interfaces'
// OpenConfig counters and changing them at a bounded rate for a bounded time, either all ten
// counters of an interface in one notification or one counter per notification.
package main

// Package octypes generates collector/gnmi's table of OpenConfig leaf types from the
// OpenConfig YANG models (a copy of which is in testdata/yang, see its README.md), so the
// gNMI normalizer writes each known leaf with the type its model declares whatever encoding
// (PROTO, JSON, JSON_IETF) the device chose. It runs at development time only: `go generate
// ./collector/gnmi` (through cmd gen); the binary links the generated table, not goyang.
package octypes

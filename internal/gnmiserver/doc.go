// Package gnmiserver is a reference gNMI server for tests, the simulator and benchmarks. It is
// a thin wrapper around code we did not write: github.com/openconfig/gnmi's `cache` (a tree of
// the latest notification per leaf) and `subscribe` (the Subscribe RPC on top of that cache,
// ONCE / POLL / STREAM), so the collector is tested against someone else's reading of the gNMI
// specification, not against our own.
//
// What the wrapper adds, deliberately:
//   - Capabilities (an OpenConfig model list; encodings PROTO, JSON, JSON_IETF) and Get
//     (answered by walking the cache), which the reference subscribe.Server leaves
//     unimplemented.
//   - Username/password checked from the gRPC metadata keys "username" and "password" on every
//     RPC (wrong or missing → codes.Unauthenticated), and optional TLS / mTLS (see certs.go).
//   - Target defaulting. The reference subscribe.Server takes the cache target from the
//     request prefix's `target` field and rejects a request without one ("missing target"),
//     while real devices ignore `target`. The wrapper fills an empty prefix target with the
//     first configured target, so a client that leaves target empty (as gnmic does by default)
//     works, and a client that names a target still selects it.
//   - Origin "openconfig". The cache indexes a notification's prefix origin as the first path
//     element, so origin "openconfig" and no origin would be two different trees. gNMI
//     specification §2.2.2.1 treats an unset origin as "openconfig", so the wrapper drops the
//     origin "openconfig" from notifications (Update) and from request paths (Get, Subscribe).
//     Other origins are kept and must then be used consistently by feeder and subscriber.
//   - Omitted list keys. gNMI treats "/interfaces/interface/state" as "every interface", but
//     the reference cache indexes key values as path elements and would match nothing; the
//     wrapper learns which elements carry which keys from the notifications fed in and adds
//     [key=*] where a request leaves them out (feed before subscribing).
//
// Quirks of the reference packages that tests must know about:
//   - The cache splits a notification with several updates into one notification per leaf,
//     unless Atomic is set: feed Atomic notifications to serve "all counters of an interface
//     in one notification"; they are stored under the prefix, so subscribe at or above it.
//   - The cache suppresses an update whose value equals the cached one (event-driven
//     emulation), and rejects a timestamp older than the cached one (stale). Update fills a
//     zero timestamp with the current time.
//   - STREAM subscriptions forward every accepted cache update as it arrives, whatever the
//     stream mode (sample, on_change, target_defined): sample_interval and heartbeat_interval
//     are not honoured. The feeder's rate is the sample rate.
package gnmiserver

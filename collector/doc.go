// Package collector holds what every transport shares: the Point model that flows from a
// device session to the outputs, the Sink and Collector interfaces, the redial Backoff and the
// Secret type for credentials.
//
// Lifecycle contract:
//   - A Collector is one session with one device. Run blocks until ctx ends and then returns
//     nil; in once mode it returns after one full cycle (nil when the cycle succeeded). Any other
//     return is a session error: the supervisor (targets.Manager), the one owner of redial,
//     counts and logs it and calls Run again after a Backoff wait. Sessions never redial by
//     themselves.
//   - A Collector is built from its transport's Config (what the user wrote) and a Runtime
//     (what the supervisor decides per run: Stats handle, once mode, first-poll offset).
//   - A Collector hands points to a Sink. Emit may keep the slice and the points: the caller
//     must not modify them after Emit returns. Emit never blocks a device for long (the outputs
//     buffer is bounded and drops oldest rather than blocking). A Sink must be safe for
//     concurrent use: one session may emit from several goroutines at once (a gNMI session's
//     streams and its grouping flusher).
//   - Stopping is by context only: no Close methods on collectors, no stored contexts.
package collector

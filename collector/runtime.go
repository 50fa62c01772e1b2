package collector

import "time"

// Runtime is what the supervisor decides for one run of a session, kept apart from what the
// user wrote (the transport's Config): where the session counts, whether it runs one cycle,
// and when it starts. A Config therefore compares equal across reloads exactly when the
// user's text did (targets.Manager restarts only changed targets by comparing configs), and
// nothing in it has to be zeroed or copied per run.
type Runtime struct {
	// Stats receives the session's counters and health; nil counts into a private Stats.
	Stats *Stats
	// Once runs one full cycle (an SNMP poll, a gNMI sync_response per stream) and returns:
	// the scheduled job (`run --once`).
	Once bool
	// Offset delays the first SNMP poll: the supervisor's per-target phase, so that a fleet
	// started together does not poll in the same millisecond. Streaming transports ignore it.
	Offset time.Duration
	// Work is the process's Gate for decoding and normalizing: gNMI responses enter it,
	// SNMP polls take turns at it (Gate.Turn); nil: no bound.
	Work *Gate
}

// StatsOrNew returns r.Stats, or a new private Stats when it is nil, so that sessions can
// count without nil checks.
func (r Runtime) StatsOrNew() *Stats {
	if r.Stats != nil {
		return r.Stats
	}
	return &Stats{}
}

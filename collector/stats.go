package collector

import (
	"sync"
	"sync/atomic"
	"time"
)

// Stats is one target's health, updated by its session and read by self-metrics, the
// --once summary and `netpulse demo`'s live table. All methods are safe for concurrent use;
// a nil *Stats ignores updates, so sessions need no nil checks.
type Stats struct {
	Polls      atomic.Int64 // SNMP polls / gNMI sync cycles completed
	PollErrors atomic.Int64 // failed polls or session errors
	Skipped    atomic.Int64 // polls skipped because the previous one overran its interval
	Updates    atomic.Int64 // varbinds / gNMI updates received
	Points     atomic.Int64 // points emitted to the sink
	Dropped    atomic.Int64 // updates dropped (unsupported type, bad path, type conflict, …)
	// TypeConflicts counts the fields dropped (also in Dropped) because the device's value
	// cannot be converted exactly into the field's declared type (README "Field types"):
	// reason type_conflict in /metrics and the --once summary.
	TypeConflicts atomic.Int64
	Reconnects    atomic.Int64 // redials by the supervisor after a session ended (each counted once)
	Deletes       atomic.Int64 // gNMI paths the device deleted (counted always, DESIGN §4)
	// Duplicates are gNMI updates received again for the same leaf and timestamp: written
	// once (InfluxDB would keep one value anyway) and not counted in Updates.
	Duplicates atomic.Int64
	// SkippedColumns counts SNMP table columns missing from a poll because the agent failed
	// them even when asked alone (tooBig, genErr, …): once per column per poll.
	SkippedColumns atomic.Int64

	mu          sync.Mutex
	up          bool
	lastSuccess time.Time
	lastErr     string
	lastPoll    time.Duration
}

// Success records a healthy poll or update batch.
func (s *Stats) Success(now time.Time, took time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.up, s.lastSuccess, s.lastErr, s.lastPoll = true, now, "", took
	s.mu.Unlock()
}

// Failure records a failed poll or a broken session.
func (s *Stats) Failure(err error) {
	if s == nil {
		return
	}
	s.PollErrors.Add(1)
	s.mu.Lock()
	s.up = false
	if err != nil {
		s.lastErr = err.Error()
	}
	s.mu.Unlock()
}

// Snapshot is a consistent copy of the non-counter state.
type Snapshot struct {
	Up          bool
	LastSuccess time.Time
	LastError   string
	LastPoll    time.Duration
}

// Snapshot returns the current state.
func (s *Stats) Snapshot() Snapshot {
	if s == nil {
		return Snapshot{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return Snapshot{Up: s.up, LastSuccess: s.lastSuccess, LastError: s.lastErr, LastPoll: s.lastPoll}
}

package snmp

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
)

// lateCtx is a context whose deadline has passed while its cancellation is still to come:
// what a loaded machine shows between the clock passing a context.WithTimeout deadline and
// the runtime timer that cancels the context.
type lateCtx struct {
	context.Context // cancelled by the test, after dl
	dl              time.Time
}

func (c lateCtx) Deadline() (time.Time, bool) { return c.dl, true }

// TestRunDropsThePollCutByItsDeadline: a poll that the run's deadline cuts short (its walk
// fails with DeadlineExceeded, as gosnmp's does when the socket deadline, the context's,
// passes) is not emitted even though the context is not cancelled yet (ended). It was, with
// partial points, which made TestSnmpdDaemon see one more emitted poll than completed polls
// under load ("stats polls 5, emits 6").
func TestRunDropsThePollCutByItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		c := &scripted{Client: mustFake(t, "edgeswitch_8xp", nil)}
		c.bulk = func(ctx context.Context, oids []string, reps uint32) (*gosnmp.SnmpPacket, error) {
			if time.Since(start) < 5*time.Second { // the first poll: answered
				return c.Client.GetBulk(ctx, oids, reps)
			}
			dl, _ := ctx.Deadline()
			time.Sleep(time.Until(dl)) // the second: the agent is slow, the run's deadline passes
			return nil, context.DeadlineExceeded
		}
		cfg := testConfig(t, "system", "if-mib")
		cfg.Interval, cfg.Timeout = 10*time.Second, 30*time.Second
		st := &collector.Stats{}
		s, err := NewWithClient(cfg, collector.Runtime{Stats: st}, nil, c)
		if err != nil {
			t.Fatal(err)
		}
		parent, cancel := context.WithCancel(context.Background())
		defer cancel()
		time.AfterFunc(20*time.Second, cancel) // the late timer
		sink := &recordSink{}
		if err := s.Run(lateCtx{Context: parent, dl: start.Add(15 * time.Second)}, sink); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if got := sink.times(start); len(got) != 1 || got[0] != 0 {
			t.Errorf("emitted polls at %v, want only the one at 0s: the second was cut by the run's deadline", got)
		}
		if p, e := st.Polls.Load(), st.PollErrors.Load(); p != 1 || e != 0 {
			t.Errorf("stats polls %d, poll errors %d; want 1 and 0 (a poll cut by the caller is not the agent's failure)", p, e)
		}
	})
}

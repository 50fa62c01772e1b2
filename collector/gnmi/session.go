package gnmi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"

	"github.com/netpulse/netpulse/collector"
)

// Session is one gNMI target's long-running session; it implements collector.Collector.
// Subscriptions share one gRPC connection and, where their mode, encoding, prefix and
// updates_only agree, one Subscribe stream (a SubscriptionList with several entries):
// Arista and Juniper cap concurrent subscriptions per client.
type Session struct {
	cfg     Config
	once    bool             // ONCE semantics: one full sync per stream, then Run returns
	stats   *collector.Stats // never nil (New fills a private one)
	log     *slog.Logger
	work    *collector.Gate // rt.Work: bounds decoding and normalizing across sessions
	shared  *Shared         // names, type lookups and plans shared with other sessions
	streams []streamSpec    // the plan's: shared, never modified

	// Bad input is counted always and logged once per target (not once per redial).
	loggedSkip, loggedDelete, loggedUTF8 atomic.Bool
	// Type conflicts are logged once per target and leaf (schema path).
	conflictMu     sync.Mutex
	conflictLogged map[string]bool
}

// streamSpec is one Subscribe stream of a plan. Sessions share it: it is read, never
// written, after newPlan (Subscribe only sends req).
type streamSpec struct {
	name  string // subscription names joined by "+", for logs
	subs  []Subscription
	match []subPath // subs parsed for the normalizer's measurement (parseSubscriptions)
	req   *gnmipb.SubscribeRequest
	once  bool
	opt   SubscribeOptions
}

// silenceSlack is added to the watchdog limit so that jitter on a short sample interval
// does not trigger a redial.
const silenceSlack = time.Second

// New validates cfg and plans the session's streams, run as rt says (counters, once mode;
// Offset does not apply to streams). It does not connect: Run does. The session keeps its
// caches to itself; the daemon's sessions share the process's (Shared.New).
func New(cfg Config, rt collector.Runtime, log *slog.Logger) (*Session, error) {
	return newSession(cfg, rt, NewShared(), log)
}

func newSession(cfg Config, rt collector.Runtime, sh *Shared, log *slog.Logger) (*Session, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("gnmi target %s: %w", cfg.Name, err)
	}
	if cfg.Address == "" {
		return nil, fmt.Errorf("gnmi target %s: address is empty", cfg.Name)
	}
	if len(cfg.Subscriptions) == 0 {
		return nil, fmt.Errorf("gnmi target %s: no subscriptions", cfg.Name)
	}
	override := ""
	if rt.Once {
		override = "once"
	}
	// Sessions with the same subscriptions (a fleet, usually) share one immutable plan:
	// parsed paths, SubscribeRequest and stream options were 1.5 KiB per device.
	key := planKey(cfg.Subscriptions, override)
	p, ok := sh.plans.load()[key]
	if !ok {
		built, err := newPlan(cfg.Subscriptions, override)
		if err != nil {
			return nil, fmt.Errorf("gnmi target %s: %w", cfg.Name, err)
		}
		p, _ = sh.plans.add(key, built)
	}
	// The caller's logger already names the target (targets.Manager adds target, proto and
	// address), so the session adds nothing of its own.
	return &Session{cfg: cfg, once: rt.Once, stats: rt.StatsOrNew(), log: log, work: rt.Work,
		shared: sh, streams: p.streams}, nil
}

// newPlan groups the subscriptions into streams and builds each stream's request, options
// and parsed paths. Nothing in it depends on the target: it may serve many sessions.
func newPlan(subscriptions []Subscription, override string) (*plan, error) {
	var keys []string
	groups := map[string][]Subscription{}
	for _, s := range subscriptions {
		k := streamKey(s, override)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], s)
	}
	p := &plan{}
	for _, k := range keys {
		subs := groups[k]
		if len(keys) == 1 {
			// One stream (the usual case): keep the config's list, which the loader shares
			// between the targets that name the same subscriptions, rather than a copy.
			subs = subscriptions
		}
		req, err := NewSubscribeRequest(override, subs...)
		if err != nil {
			return nil, err
		}
		// Names are validated here so Run cannot fail on them later.
		match, err := parseSubscriptions(subs, defaultMeasurement)
		if err != nil {
			return nil, err
		}
		names := make([]string, len(subs))
		for i, sub := range subs {
			names[i] = sub.Name
		}
		spec := streamSpec{
			name:  strings.Join(names, "+"),
			subs:  subs,
			match: match,
			req:   req,
			once:  req.GetSubscribe().GetMode() == gnmipb.SubscriptionList_ONCE,
		}
		spec.opt = streamOptions(req.GetSubscribe(), subs)
		p.streams = append(p.streams, spec)
	}
	p.streams = slices.Clip(p.streams)
	return p, nil
}

// streamOptions derives the poll interval and the watchdog limit: three times the longest
// interval at which the stream promises data (sample interval, heartbeat, poll interval),
// plus slack. A stream whose subscriptions promise nothing (on_change without heartbeat,
// target_defined without interval) may legitimately stay silent: no watchdog; TCP keepalive
// still finds a dead peer.
func streamOptions(list *gnmipb.SubscriptionList, subs []Subscription) SubscribeOptions {
	var opt SubscribeOptions
	var expect time.Duration
	switch list.GetMode() {
	case gnmipb.SubscriptionList_POLL:
		for _, s := range subs {
			iv := s.PollInterval
			if iv == 0 {
				iv = s.SampleInterval
			}
			opt.PollInterval = max(opt.PollInterval, iv)
		}
		if opt.PollInterval == 0 {
			opt.PollInterval = DefaultPollInterval
		}
		expect = opt.PollInterval
	case gnmipb.SubscriptionList_STREAM:
		for _, s := range list.GetSubscription() {
			var e time.Duration
			switch {
			case s.GetMode() == gnmipb.SubscriptionMode_SAMPLE && !s.GetSuppressRedundant():
				e = max(time.Duration(s.GetSampleInterval()), time.Duration(s.GetHeartbeatInterval()))
			default:
				// on_change, target_defined (the device picks per leaf, possibly on change)
				// and sample with suppress_redundant may all stay silent while nothing
				// changes (gNMI spec §3.5.1.5.2): only a heartbeat promises data.
				e = time.Duration(s.GetHeartbeatInterval())
			}
			expect = max(expect, e)
		}
	}
	if expect > 0 {
		opt.Silence = 3*expect + silenceSlack
	}
	return opt
}

// Run is one session: it connects and streams until ctx ends (then it returns nil) or the
// session breaks (dial, auth, stream EOF, a silent stream): then it returns the error and
// the supervisor (targets.Manager), the one owner of redial, counts it, waits out its
// backoff and calls Run again. In once mode every subscription runs as ONCE and Run returns
// after the sync_response of each stream (nil), or the first error.
func (s *Session) Run(ctx context.Context, sink collector.Sink) error {
	err := s.runConn(ctx, sink)
	switch {
	case ctx.Err() != nil:
		if s.once {
			return fmt.Errorf("gnmi target %s: cancelled before the sync_response: %w", s.cfg.Name, ctx.Err())
		}
		return nil
	case s.once || err != nil:
		return err
	}
	// Every stream was a finished ONCE subscription: nothing more to do until the next
	// session (a restart or reload). Returning would make the supervisor redial and poll
	// again, which the user did not ask for.
	<-ctx.Done()
	return nil
}

// runConn is one session: one connection, all streams. It returns when every stream ended
// or the first one failed.
func (s *Session) runConn(ctx context.Context, sink collector.Sink) error {
	keepalive := false
	for _, spec := range s.streams {
		keepalive = keepalive || spec.opt.Silence == 0
	}
	conn, err := dial(s.cfg, s.repairedUTF8, keepalive)
	if err != nil {
		return err
	}
	defer conn.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for i := range s.streams {
		wg.Add(1)
		run := func(spec *streamSpec) {
			defer wg.Done()
			err := s.runStreamSafely(ctx, conn, spec, sink)
			if err == nil && !spec.once && ctx.Err() == nil {
				err = fmt.Errorf("stream %s: the server ended the stream", spec.name)
			}
			if err != nil && ctx.Err() == nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel() // one broken stream means a broken session: redial all together
			}
		}
		if i == len(s.streams)-1 {
			run(&s.streams[i]) // the last (usually only) stream on this goroutine: one stack less per device
		} else {
			go run(&s.streams[i])
		}
	}
	wg.Wait()
	return firstErr
}

// repairedUTF8 is called for each received message whose invalid UTF-8 was repaired.
func (s *Session) repairedUTF8() {
	if !s.loggedUTF8.Swap(true) {
		s.log.Warn("device sent invalid UTF-8 in a string; replaced with U+FFFD (logged once)")
	}
}

// runStreamSafely is runStream with a panic turned into the stream's error: decoding and
// normalizing run here, in the stream's goroutine, where the supervisor's recover cannot
// reach, and a device reply no one foresaw must break one session, not the process.
func (s *Session) runStreamSafely(ctx context.Context, conn *grpc.ClientConn, spec *streamSpec, sink collector.Sink) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("stream %s: handling the device's data panicked (a bug, please report it with the device's reply): %v", spec.name, p)
		}
	}()
	return s.runStream(ctx, conn, spec, sink)
}

// logConflicts logs the first type conflict of each leaf: a device repeats the same wrong
// encoding every sample, and the count keeps growing in /metrics
// (netpulse_target_dropped_fields_total{reason="type_conflict"}).
func (s *Session) logConflicts(log *slog.Logger, cs []TypeConflict) {
	s.conflictMu.Lock()
	defer s.conflictMu.Unlock()
	for _, c := range cs {
		if s.conflictLogged[c.Path] || len(s.conflictLogged) >= 1024 {
			continue
		}
		if s.conflictLogged == nil {
			s.conflictLogged = map[string]bool{}
		}
		s.conflictLogged[c.Path] = true
		log.Warn("gNMI value does not fit the leaf's OpenConfig type: field dropped, the rest of the point is written (logged once per leaf)",
			"path", c.Path, "value", c.Value, "declared_type", c.Want.String(), "yang_type", c.YANG, "reason", "type_conflict")
	}
}

// runStream runs one Subscribe stream, normalizing every notification into the sink.
func (s *Session) runStream(ctx context.Context, conn *grpc.ClientConn, spec *streamSpec, sink collector.Sink) error {
	norm := newNormalizer(NormalizerConfig{
		Source:        s.cfg.Name,
		Tags:          s.cfg.Tags,
		Subscriptions: spec.subs,
		Measurement:   defaultMeasurement,
		EmitDeletes:   s.cfg.EmitDeletes,
		Shared:        s.shared,
	}, spec.match)
	st := s.stats
	// The stream's logger is built when it first warns: a handler's copy with the
	// subscription attribute is about 300 bytes per device (slog's Text and JSON handlers),
	// and most streams never warn.
	var streamLog *slog.Logger
	log := func() *slog.Logger {
		if streamLog == nil {
			streamLog = s.log.With("subscription", spec.name)
		}
		return streamLog
	}
	start := time.Now()
	group := newCoalescer(sink, st, sampleWindows(spec))
	defer group.close(ctx) // the stream's last points are flushed, not lost
	var lastSuccess time.Time
	var synced bool
	opt := spec.opt
	opt.Work, opt.OnRepair = s.work, s.repairedUTF8
	var ptsBuf []collector.Point // reused: the coalescer copies the points it is given
	err := Subscribe(ctx, conn, spec.req, opt, func(r *gnmipb.SubscribeResponse) error {
		switch {
		case r.GetUpdate() != nil:
			now := time.Now()
			pts, c := norm.Normalize(ptsBuf[:0], r.GetUpdate(), now)
			defer func() { ptsBuf = pts; clear(ptsBuf) }()
			st.Updates.Add(int64(c.Updates))
			if c.Skipped > 0 {
				st.Dropped.Add(int64(c.Skipped))
				if !s.loggedSkip.Swap(true) {
					log().Warn("skipped values that have no field type (bytes, proto any, empty or unparsable updates); counted as dropped, logged once", "path", firstPath(r.GetUpdate()))
				}
			}
			if c.Conflicts > 0 {
				st.Dropped.Add(int64(c.Conflicts))
				st.TypeConflicts.Add(int64(c.Conflicts))
				s.logConflicts(log(), norm.TypeConflicts())
			}
			st.Deletes.Add(int64(c.Deletes))
			if c.Deletes > 0 && !s.cfg.EmitDeletes && !s.loggedDelete.Swap(true) {
				log().Info("device deletes paths; counted, not written (set emit_deletes to write deleted=true points)", "path", firstPath(r.GetUpdate()))
			}
			if now.Sub(lastSuccess) >= time.Second {
				lastSuccess = now
				st.Success(now, 0)
			}
			if len(pts) == 0 {
				return nil
			}
			if err := group.add(ctx, pts); err != nil {
				return fmt.Errorf("emit points: %w", err)
			}
		case r.GetSyncResponse():
			// The snapshot is complete: write it now (a ONCE run ends here).
			if err := group.flush(ctx); err != nil {
				return fmt.Errorf("emit points: %w", err)
			}
			synced = true
			st.Polls.Add(1)
			now := time.Now()
			lastSuccess = now
			st.Success(now, now.Sub(start))
			s.log.Debug("sync_response", "subscription", spec.name, "duration", now.Sub(start))
		case r.GetError() != nil: //nolint:staticcheck // deprecated, but old devices still send it
			return fmt.Errorf("device reported an error: %s", r.GetError().GetMessage()) //nolint:staticcheck
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("stream %s: %w", spec.name, ExplainError(s.cfg, err))
	}
	if err == nil && spec.once && !synced {
		return fmt.Errorf("stream %s: %w", spec.name, errOnceIncomplete)
	}
	return err
}

func firstPath(n *gnmipb.Notification) string {
	var p *gnmipb.Path
	switch {
	case len(n.GetUpdate()) > 0:
		p = n.GetUpdate()[0].GetPath()
	case len(n.GetDelete()) > 0:
		p = n.GetDelete()[0]
	}
	return PathString(JoinPath(n.GetPrefix(), p))
}

// Streams describes the planned Subscribe streams (subscription names per stream), for
// `netpulse explain` and logs.
func (s *Session) Streams() [][]string {
	out := make([][]string, 0, len(s.streams))
	for _, st := range s.streams {
		names := make([]string, len(st.subs))
		for i, sub := range st.subs {
			names[i] = sub.Name
		}
		out = append(out, slices.Clip(names))
	}
	return out
}

var _ collector.Collector = (*Session)(nil)

// errOnceIncomplete is returned in once mode when a stream ended before its sync_response.
var errOnceIncomplete = errors.New("the stream ended before sync_response")

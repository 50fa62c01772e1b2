package gnmi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"

	"github.com/netpulse/netpulse/collector"
)

// ErrStop, returned by a Subscribe callback, ends the subscription without an error (the
// CLI's --count).
var ErrStop = errors.New("stop subscription")

// ErrSilent is the cause when a stream stayed connected but sent nothing for longer than
// SubscribeOptions.Silence (the watchdog).
var ErrSilent = errors.New("stream silent")

// Capabilities asks the target which models and encodings it supports.
func Capabilities(ctx context.Context, conn *grpc.ClientConn) (*gnmipb.CapabilityResponse, error) {
	resp, err := gnmipb.NewGNMIClient(conn).Capabilities(ctx, &gnmipb.CapabilityRequest{})
	if err != nil {
		return nil, fmt.Errorf("gNMI Capabilities: %w", err)
	}
	return resp, nil
}

// Get runs one Get RPC.
func Get(ctx context.Context, conn *grpc.ClientConn, req *gnmipb.GetRequest) (*gnmipb.GetResponse, error) {
	resp, err := gnmipb.NewGNMIClient(conn).Get(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("gNMI Get: %w", err)
	}
	return resp, nil
}

// NewGetRequest builds a GetRequest for string paths (ParsePath syntax), an optional prefix
// and origin, and an encoding name (ParseEncoding).
func NewGetRequest(paths []string, prefix, origin, encoding string) (*gnmipb.GetRequest, error) {
	enc, err := ParseEncoding(encoding)
	if err != nil {
		return nil, err
	}
	pre, err := parseOptional(prefix)
	if err != nil {
		return nil, fmt.Errorf("prefix: %w", err)
	}
	req := &gnmipb.GetRequest{Encoding: enc}
	if len(pre.Elem) > 0 || pre.Origin != "" {
		req.Prefix = pre
		if req.Prefix.Origin == "" {
			req.Prefix.Origin = origin
			origin = ""
		}
	}
	for _, s := range paths {
		p, err := ParsePath(s)
		if err != nil {
			return nil, err
		}
		if p.Origin == "" {
			p.Origin = origin
		}
		req.Path = append(req.Path, p)
	}
	return req, nil
}

// SubscribeOptions tune Subscribe.
type SubscribeOptions struct {
	// PollInterval is how often a POLL subscription sends a Poll request (the first answer
	// comes without one). Zero means 10s.
	PollInterval time.Duration
	// Silence, when positive, ends the subscription with ErrSilent if nothing arrives for
	// that long (the watchdog for connected but silent streams).
	Silence time.Duration
	// Work, when set, is entered for decoding each response and running fn on it, and left
	// after: responses waiting for it stay in their wire form (collector.Gate says why).
	Work *collector.Gate
	// OnRepair is called for each response whose invalid UTF-8 was repaired (lenientCodec).
	OnRepair func()
}

// Subscribe runs one Subscribe RPC with req and calls fn for every response, in order, on
// the calling goroutine. The response is valid only while fn runs: its tree is reused for
// the next one (fastDecoder), so fn must not keep a pointer into it or a []byte of it
// (strings may be kept: they are immutable). It returns nil when the server ends the stream, when fn returns
// ErrStop, or after the sync_response of a ONCE subscription (some devices keep ONCE streams
// open); ctx.Err() when ctx ends; otherwise the stream's or fn's error. POLL subscriptions
// send a Poll every opt.PollInterval.
func Subscribe(ctx context.Context, conn *grpc.ClientConn, req *gnmipb.SubscribeRequest, opt SubscribeOptions, fn func(*gnmipb.SubscribeResponse) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stream, err := openStream(ctx, conn, req)
	if err != nil {
		return err
	}
	mode := req.GetSubscribe().GetMode()

	var last atomic.Int64 // unix nanos of the last response, for the watchdog
	last.Store(time.Now().UnixNano())
	done := make(chan struct{})
	defer close(done)
	if opt.Silence > 0 {
		defer watchdog(&last, opt.Silence, cancel)()
	}
	if mode == gnmipb.SubscriptionList_POLL {
		iv := opt.PollInterval
		if iv <= 0 {
			iv = DefaultPollInterval
		}
		go poller(ctx, done, stream, iv, cancel)
	}
	dec := lenientCodec{base: encoding.GetCodecV2("proto"), onRepair: opt.OnRepair}
	for {
		var raw rawMessage
		err := stream.RecvMsg(&raw)
		if err != nil {
			if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
				return cause
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("receive: %w", err)
		}
		if opt.Silence > 0 {
			last.Store(time.Now().UnixNano())
		}
		synced, err := handle(ctx, opt.Work, dec, &raw, fn)
		if err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
		if mode == gnmipb.SubscriptionList_ONCE && synced {
			return nil
		}
	}
}

// openStream opens the Subscribe stream and sends req, on a goroutine of its own. grpc's
// NewStream goes more than 8 KiB deep (it waits for the connection and sets up the
// transport's stream); on the calling goroutine, which then parks in the receive loop 5.5 KiB
// deep for the stream's life, that left a 16 KiB stack per session, since a stack shrinks
// only while less than a quarter of it is in use (BENCHMARKS.md, "gNMI memory per device,
// fifth pass"). The stream receives raw messages (rawCodec) and decodes them in handle.
func openStream(ctx context.Context, conn *grpc.ClientConn, req *gnmipb.SubscribeRequest) (stream grpc.ClientStream, err error) {
	onOwnStack(func() {
		stream, err = conn.NewStream(ctx, &gnmipb.GNMI_ServiceDesc.Streams[0], gnmipb.GNMI_Subscribe_FullMethodName,
			grpc.ForceCodecV2(rawCodec{}))
		if err != nil {
			err = fmt.Errorf("open Subscribe stream: %w", err)
			return
		}
		if serr := stream.SendMsg(req); serr != nil {
			err = fmt.Errorf("send SubscribeRequest: %w", recvErr(stream, serr))
		}
	})
	if stream == nil && err == nil { // f ended without returning (runtime.Goexit)
		err = errors.New("open Subscribe stream: ended without a stream")
	}
	return stream, err
}

// onOwnStack runs f on a new goroutine and waits for it; a panic in f is raised again in
// the caller (whose recover turns it into the stream's error). f's stack ends with it.
func onOwnStack(f func()) {
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		f()
	}()
	if p := <-done; p != nil {
		panic(p)
	}
}

// handle decodes one received message and runs fn on it, inside work, and says whether it
// was a sync_response. The decoded message is a pooled decoder's tree (fastDecoder), or
// protobuf-go's when the fast path does not handle it; either way fn must not keep it.
func handle(ctx context.Context, work *collector.Gate, dec lenientCodec, raw *rawMessage, fn func(*gnmipb.SubscribeResponse) error) (bool, error) {
	defer raw.free()
	if work.Enter(ctx) != nil {
		return false, context.Cause(ctx) // the watchdog's ErrSilent, or the caller's end
	}
	defer work.Leave()
	fd := getDecoder()
	defer putDecoder(fd)
	resp, ok := fd.decodeBuffers(raw.data)
	if !ok {
		resp = &gnmipb.SubscribeResponse{}
		if err := dec.Unmarshal(raw.data, resp); err != nil {
			return false, fmt.Errorf("receive: %w", status.Errorf(codes.Internal, "grpc: failed to unmarshal the received message: %v", err))
		}
	}
	raw.free() // the wire bytes go back to grpc's pool before fn runs
	err := fn(resp)
	return resp.GetSyncResponse(), err
}

// recvErr prefers the server's status (Send only says io.EOF when the server ended the RPC).
func recvErr(stream grpc.ClientStream, err error) error {
	if err == io.EOF {
		if rerr := stream.RecvMsg(&rawMessage{}); rerr != nil && rerr != io.EOF {
			return rerr
		}
	}
	return err
}

// watchdog cancels the stream with ErrSilent once nothing has arrived for silence; stop
// ends it. It runs on a timer rather than a goroutine of its own: at fleet scale a parked
// goroutine per stream is a stack per device.
func watchdog(last *atomic.Int64, silence time.Duration, cancel context.CancelCauseFunc) (stop func()) {
	check := max(silence/4, 10*time.Millisecond)
	var mu sync.Mutex
	var t *time.Timer
	stopped := false
	mu.Lock()
	defer mu.Unlock()
	t = time.AfterFunc(check, func() {
		if quiet := time.Since(time.Unix(0, last.Load())); quiet > silence {
			cancel(fmt.Errorf("%w: nothing received for %s (limit %s): redialling", ErrSilent, quiet.Round(time.Millisecond), silence))
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			t.Reset(check)
		}
	})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		stopped = true
		t.Stop()
	}
}

func poller(ctx context.Context, done <-chan struct{}, stream grpc.ClientStream, iv time.Duration, cancel context.CancelCauseFunc) {
	t := time.NewTicker(iv)
	defer t.Stop()
	poll := &gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Poll{Poll: &gnmipb.Poll{}}}
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-t.C:
			if err := stream.SendMsg(poll); err != nil {
				cancel(fmt.Errorf("send Poll: %w", err))
				return
			}
		}
	}
}

// NewSubscribeRequest builds one SubscribeRequest for subscriptions that can share a stream
// (same mode, encoding, prefix, origin-on-prefix and updates_only; see streamKey). mode, when
// non-empty, overrides the subscriptions' mode ("once" for the --once job and the CLI).
func NewSubscribeRequest(mode string, subs ...Subscription) (*gnmipb.SubscribeRequest, error) {
	if len(subs) == 0 {
		return nil, errors.New("build SubscribeRequest: no subscriptions")
	}
	first := subs[0]
	if mode == "" {
		mode = first.Mode
	}
	m, err := parseMode(mode)
	if err != nil {
		return nil, err
	}
	enc, err := ParseEncoding(first.Encoding)
	if err != nil {
		return nil, err
	}
	prefix, err := parseOptional(first.Prefix)
	if err != nil {
		return nil, fmt.Errorf("subscription %s: prefix: %w", first.Name, err)
	}
	if len(prefix.Elem) > 0 && prefix.Origin == "" {
		prefix.Origin = first.Origin
	}
	list := &gnmipb.SubscriptionList{
		Mode:     m,
		Encoding: enc,
		// A ONCE subscription with updates_only may be answered by a bare sync_response
		// (gNMI spec §3.5.2.3): the scheduled job would report success with no data, so
		// the snapshot is always asked for in ONCE mode.
		UpdatesOnly: first.UpdatesOnly && m != gnmipb.SubscriptionList_ONCE,
	}
	if len(prefix.Elem) > 0 || prefix.Origin != "" {
		list.Prefix = prefix
	}
	for _, s := range subs {
		if streamKey(s, mode) != streamKey(first, mode) {
			return nil, fmt.Errorf("build SubscribeRequest: subscriptions %s and %s cannot share a stream", first.Name, s.Name)
		}
		sm, err := parseStreamMode(s.StreamMode)
		if err != nil {
			return nil, err
		}
		for _, ps := range s.Paths {
			p, err := ParsePath(ps)
			if err != nil {
				return nil, fmt.Errorf("subscription %s: %w", s.Name, err)
			}
			if p.Origin == "" && list.Prefix.GetOrigin() == "" {
				p.Origin = s.Origin
			}
			list.Subscription = append(list.Subscription, &gnmipb.Subscription{
				Path:              p,
				Mode:              sm,
				SampleInterval:    uint64(s.SampleInterval.Nanoseconds()),
				HeartbeatInterval: uint64(s.HeartbeatInterval.Nanoseconds()),
				SuppressRedundant: s.SuppressRedundant,
			})
		}
	}
	return &gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Subscribe{Subscribe: list}}, nil
}

// streamKey is what subscriptions must share to ride one Subscribe stream: everything that
// lives on the SubscriptionList rather than on each Subscription. A prefix with elements
// carries the origin (gNMI forbids an origin on the path then), so the origin joins the key.
func streamKey(s Subscription, modeOverride string) string {
	mode := modeOverride
	if mode == "" {
		mode = s.Mode
	}
	mode = strings.ToLower(mode)
	if mode == "" {
		mode = "stream"
	}
	enc := strings.ToLower(strings.ReplaceAll(s.Encoding, "-", "_"))
	if enc == "" {
		enc = "proto"
	}
	origin := ""
	if s.Prefix != "" {
		origin = s.Origin
	}
	poll := ""
	if mode == "poll" {
		poll = s.PollInterval.String()
	}
	return fmt.Sprintf("%s|%s|%s|%s|%v|%s", mode, enc, s.Prefix, origin, s.UpdatesOnly, poll)
}

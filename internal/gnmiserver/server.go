package gnmiserver

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/openconfig/gnmi/cache"
	"github.com/openconfig/gnmi/ctree"
	gpath "github.com/openconfig/gnmi/path"
	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/openconfig/gnmi/subscribe"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// Config describes one reference server.
type Config struct {
	// Targets are the cache target names (at least one). The first is the default for
	// requests whose prefix names no target.
	Targets []string
	// TLS, when set, serves TLS (set ClientAuth/ClientCAs for mTLS); nil serves plaintext.
	TLS *tls.Config
	// Username and Password, when Username is set, are required in the gRPC metadata keys
	// "username" and "password" of every RPC.
	Username, Password string
	// Listen is the TCP address; empty means "127.0.0.1:0".
	Listen string
	// MaxSendMsgSize raises grpc's default send limit (for huge-message tests); 0 keeps it.
	MaxSendMsgSize int
	// Models overrides the model list Capabilities reports.
	Models []*gnmipb.ModelData
}

// DefaultModels is the OpenConfig model list Capabilities reports by default.
func DefaultModels() []*gnmipb.ModelData {
	return []*gnmipb.ModelData{
		{Name: "openconfig-interfaces", Organization: "OpenConfig working group", Version: "3.7.1"},
		{Name: "openconfig-if-ethernet", Organization: "OpenConfig working group", Version: "2.14.0"},
		{Name: "openconfig-platform", Organization: "OpenConfig working group", Version: "0.25.0"},
		{Name: "openconfig-system", Organization: "OpenConfig working group", Version: "2.1.0"},
		{Name: "openconfig-network-instance", Organization: "OpenConfig working group", Version: "4.4.1"},
	}
}

// Server is a reference gNMI server: the openconfig cache + subscribe packages behind
// Capabilities, Get, Subscribe, metadata authentication and optional TLS. Start and Stop may
// be called repeatedly (a restart keeps the cache and the address).
type Server struct {
	cfg   Config
	cache *cache.Cache
	sub   *subscribe.Server

	mu   sync.Mutex
	gs   *grpc.Server
	addr string
	done chan struct{}

	// schema maps a list's element-name path ("interfaces/interface") to its key names, as
	// learned from the notifications fed in; see completeKeys.
	schemaMu sync.RWMutex
	schema   map[string][]string
}

// New builds a server; it does not listen until Start.
func New(cfg Config) (*Server, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("gnmiserver: at least one target is needed")
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Models == nil {
		cfg.Models = DefaultModels()
	}
	c := cache.New(cfg.Targets)
	sub, err := subscribe.NewServer(c)
	if err != nil {
		return nil, fmt.Errorf("create subscribe server: %w", err)
	}
	c.SetClient(sub.Update)
	return &Server{cfg: cfg, cache: c, sub: sub, schema: map[string][]string{}}, nil
}

// Start listens and serves in the background until Stop or until ctx ends. After a Stop,
// Start listens again on the same address (port included), which is how tests restart a
// device.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gs != nil {
		return errors.New("gnmiserver: already started")
	}
	addr := s.cfg.Listen
	if s.addr != "" {
		addr = s.addr
	}
	var lis net.Listener
	var err error
	// A restarted server may briefly find its old port in use by the kernel; retry within a
	// bounded time (no sleeping loop without bound).
	deadline := time.Now().Add(2 * time.Second)
	for {
		lis, err = net.Listen("tcp", addr)
		if err == nil || s.addr == "" || time.Now().After(deadline) {
			break
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	opts := []grpc.ServerOption{
		grpc.UnaryInterceptor(s.unaryAuth),
		grpc.StreamInterceptor(s.streamAuth),
		// Accept client keepalive pings down to 10s so tests can exercise keepalive without
		// tripping too_many_pings; grpc's default (5 minutes) is what real devices often keep.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}),
	}
	if s.cfg.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.cfg.TLS)))
	}
	if s.cfg.MaxSendMsgSize > 0 {
		opts = append(opts, grpc.MaxSendMsgSize(s.cfg.MaxSendMsgSize))
	}
	gs := grpc.NewServer(opts...)
	gnmipb.RegisterGNMIServer(gs, &service{s: s})
	s.gs, s.addr = gs, lis.Addr().String()
	done := make(chan struct{})
	s.done = done
	go func() {
		_ = gs.Serve(lis) // returns on Stop; Serve errors after that are not interesting
	}()
	go func() {
		select {
		case <-ctx.Done():
			s.Stop()
		case <-done:
		}
	}()
	return nil
}

// Addr is the address the server listens on (host:port), valid after Start.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Stop closes the listener and every open RPC at once (streams end with codes.Unavailable on
// the client, like a device reboot). The cache is kept.
func (s *Server) Stop() {
	s.mu.Lock()
	gs, done := s.gs, s.done
	s.gs, s.done = nil, nil
	s.mu.Unlock()
	if gs == nil {
		return
	}
	close(done)
	gs.Stop()
}

// Update feeds one notification for target into the cache; subscribers see it according to
// their mode. The server takes ownership of n. A zero timestamp becomes the current time;
// prefix target is set to target; origin "openconfig" is dropped (see the package doc).
func (s *Server) Update(target string, n *gnmipb.Notification) error {
	if n.Prefix == nil {
		n.Prefix = &gnmipb.Path{}
	}
	n.Prefix.Target = target
	if n.Prefix.Origin == "openconfig" {
		n.Prefix.Origin = ""
	}
	for _, u := range n.Update {
		if u.GetPath().GetOrigin() == "openconfig" {
			u.Path.Origin = ""
		}
	}
	if n.Timestamp == 0 {
		n.Timestamp = time.Now().UnixNano()
	}
	var buf []byte
	buf = s.learn(buf, n.Prefix.GetElem())
	for _, u := range n.Update {
		s.learn(buf, u.GetPath().GetElem())
	}
	if err := s.cache.GnmiUpdate(n); err != nil && !errors.Is(err, cache.ErrStale) {
		return fmt.Errorf("update cache for %s: %w", target, err)
	}
	return nil
}

// learn records which elements carry keys. buf holds the element names before elems.
func (s *Server) learn(buf []byte, elems []*gnmipb.PathElem) []byte {
	for _, e := range elems {
		if len(buf) > 0 {
			buf = append(buf, '/')
		}
		buf = append(buf, e.GetName()...)
		if len(e.GetKey()) == 0 {
			continue
		}
		s.schemaMu.RLock()
		_, known := s.schema[string(buf)]
		s.schemaMu.RUnlock()
		if known {
			continue
		}
		keys := make([]string, 0, len(e.GetKey()))
		for k := range e.GetKey() {
			keys = append(keys, k)
		}
		s.schemaMu.Lock()
		s.schema[string(buf)] = keys
		s.schemaMu.Unlock()
	}
	return buf
}

// completeKeys adds "*" for every key a request leaves out on a list element. gNMI treats
// omitted keys as wildcards (path-conventions: "/interfaces/interface/state" means every
// interface), but the reference cache indexes key values as path elements, so
// "/interfaces/interface/state" would match nothing there. The key names come from the
// notifications fed in so far.
func (s *Server) completeKeys(prefix, p *gnmipb.Path) {
	var buf []byte
	s.schemaMu.RLock()
	defer s.schemaMu.RUnlock()
	for _, elems := range [][]*gnmipb.PathElem{prefix.GetElem(), p.GetElem()} {
		for _, e := range elems {
			if len(buf) > 0 {
				buf = append(buf, '/')
			}
			buf = append(buf, e.GetName()...)
			keys := s.schema[string(buf)]
			if len(keys) == 0 {
				continue
			}
			if e.Key == nil {
				e.Key = map[string]string{}
			}
			for _, k := range keys {
				if _, ok := e.Key[k]; !ok {
					e.Key[k] = "*"
				}
			}
		}
	}
}

// Sync marks the target's initial state as complete (the cache's meta/sync leaf).
func (s *Server) Sync(target string) { s.cache.Sync(target) }

// Cache exposes the underlying reference cache for advanced feeders.
func (s *Server) Cache() *cache.Cache { return s.cache }

func (s *Server) checkAuth(ctx context.Context) error {
	if s.cfg.Username == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	user, pass := first(md, "username"), first(md, "password")
	if user == "" {
		return status.Error(codes.Unauthenticated, "no username in metadata")
	}
	ok := subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.Username)) == 1
	ok = subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.Password)) == 1 && ok
	if !ok {
		return status.Error(codes.Unauthenticated, "invalid username or password")
	}
	return nil
}

func first(md metadata.MD, key string) string {
	if v := md.Get(key); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (s *Server) unaryAuth(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := s.checkAuth(ctx); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (s *Server) streamAuth(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := s.checkAuth(ss.Context()); err != nil {
		return err
	}
	return h(srv, ss)
}

// service implements gnmipb.GNMIServer on top of the reference packages.
type service struct {
	gnmipb.UnimplementedGNMIServer
	s *Server
}

// Capabilities reports the configured models and the encodings the cache can serve.
func (v *service) Capabilities(context.Context, *gnmipb.CapabilityRequest) (*gnmipb.CapabilityResponse, error) {
	return &gnmipb.CapabilityResponse{
		SupportedModels:    v.s.cfg.Models,
		SupportedEncodings: []gnmipb.Encoding{gnmipb.Encoding_PROTO, gnmipb.Encoding_JSON, gnmipb.Encoding_JSON_IETF},
		GNMIVersion:        "0.10.0",
	}, nil
}

// defaultTarget fills an empty prefix target and drops origin "openconfig" (package doc).
func (v *service) defaultTarget(prefix *gnmipb.Path) *gnmipb.Path {
	if prefix == nil {
		prefix = &gnmipb.Path{}
	}
	if prefix.Target == "" {
		prefix.Target = v.s.cfg.Targets[0]
	}
	if prefix.Origin == "openconfig" {
		prefix.Origin = ""
	}
	return prefix
}

func dropOpenconfigOrigin(p *gnmipb.Path) {
	if p.GetOrigin() == "openconfig" {
		p.Origin = ""
	}
}

// Get answers from the cache: every cached notification under each requested path, in one
// GetResponse. The cache stores one notification per leaf (or per atomic group).
func (v *service) Get(_ context.Context, req *gnmipb.GetRequest) (*gnmipb.GetResponse, error) {
	prefix := v.defaultTarget(req.GetPrefix())
	if !v.s.cache.HasTarget(prefix.Target) {
		return nil, status.Errorf(codes.NotFound, "no such target: %q", prefix.Target)
	}
	var out []*gnmipb.Notification
	for _, p := range req.GetPath() {
		dropOpenconfigOrigin(p)
		v.s.completeKeys(prefix, p)
		q, err := gpath.CompletePath(prefix, p)
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "path %v: %v", p, err)
		}
		err = v.s.cache.Query(prefix.Target, q, func(_ []string, l *ctree.Leaf, val any) error {
			if n, ok := val.(*gnmipb.Notification); ok {
				out = append(out, proto.Clone(n).(*gnmipb.Notification))
			}
			return nil
		})
		if err != nil {
			return nil, status.Errorf(codes.Internal, "query cache: %v", err)
		}
	}
	return &gnmipb.GetResponse{Notification: out}, nil
}

// Subscribe hands the stream to the reference subscribe.Server after defaulting the first
// request's prefix target.
func (v *service) Subscribe(stream gnmipb.GNMI_SubscribeServer) error {
	return v.s.sub.Subscribe(&defaultingStream{GNMI_SubscribeServer: stream, v: v})
}

// defaultingStream rewrites the first SubscribeRequest (the SubscriptionList); later ones are
// Poll triggers and pass through.
type defaultingStream struct {
	gnmipb.GNMI_SubscribeServer
	v     *service
	first bool
}

// Recv passes requests through, defaulting the first one (the SubscriptionList).
func (d *defaultingStream) Recv() (*gnmipb.SubscribeRequest, error) {
	req, err := d.GNMI_SubscribeServer.Recv()
	if err != nil || d.first {
		return req, err
	}
	d.first = true
	if sl := req.GetSubscribe(); sl != nil {
		sl.Prefix = d.v.defaultTarget(sl.Prefix)
		for _, sub := range sl.Subscription {
			dropOpenconfigOrigin(sub.GetPath())
			d.v.s.completeKeys(sl.Prefix, sub.GetPath())
		}
	}
	return req, nil
}

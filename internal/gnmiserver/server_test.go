package gnmiserver

import (
	"context"
	"io"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func counterNoti(ifname string, v uint64) *gnmipb.Notification {
	return &gnmipb.Notification{
		Prefix: &gnmipb.Path{Origin: "openconfig", Elem: []*gnmipb.PathElem{
			{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": ifname}},
			{Name: "state"}, {Name: "counters"}}},
		Update: []*gnmipb.Update{{
			Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "in-octets"}}},
			Val:  &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: v}},
		}},
	}
}

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func dial(t *testing.T, addr string, creds credentials.TransportCredentials) gnmipb.GNMIClient {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return gnmipb.NewGNMIClient(cc)
}

func ifPath() *gnmipb.Path {
	return &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "interfaces"}}}
}

// TestOnceGetCapabilities checks the three RPCs on a plaintext server, with the request
// leaving the prefix target empty (the wrapper must default it) and using origin openconfig.
func TestOnceGetCapabilities(t *testing.T) {
	s := start(t, Config{Targets: []string{"dev1"}})
	for i, name := range []string{"eth0", "eth1", "eth2"} {
		if err := s.Update("dev1", counterNoti(name, uint64(100+i))); err != nil {
			t.Fatal(err)
		}
	}
	s.Sync("dev1")
	c := dial(t, s.Addr(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	caps, err := c.Capabilities(ctx, &gnmipb.CapabilityRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(caps.SupportedModels) == 0 || len(caps.SupportedEncodings) != 3 {
		t.Fatalf("capabilities: %v", caps)
	}

	get, err := c.Get(ctx, &gnmipb.GetRequest{Path: []*gnmipb.Path{{Origin: "openconfig", Elem: ifPath().Elem}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(get.Notification) != 3 {
		t.Fatalf("get: %d notifications, want 3", len(get.Notification))
	}
	// Omitted keys are wildcards (the wrapper completes them for the reference cache).
	deep := &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "interfaces"}, {Name: "interface"}, {Name: "state"}, {Name: "counters"}}}
	get, err = c.Get(ctx, &gnmipb.GetRequest{Path: []*gnmipb.Path{deep}})
	if err != nil {
		t.Fatal(err)
	}
	if len(get.Notification) != 3 {
		t.Fatalf("get without keys: %d notifications, want 3", len(get.Notification))
	}

	st, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Send(&gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Subscribe{Subscribe: &gnmipb.SubscriptionList{
		Mode:         gnmipb.SubscriptionList_ONCE,
		Subscription: []*gnmipb.Subscription{{Path: ifPath()}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	var updates int
	var synced bool
	for {
		r, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if r.GetSyncResponse() {
			synced = true
		}
		updates += len(r.GetUpdate().GetUpdate())
	}
	if !synced || updates != 3 {
		t.Fatalf("ONCE: synced=%v updates=%d, want sync and 3 updates", synced, updates)
	}
}

// TestStreamAndAuth checks TLS with client certificates, metadata authentication and that a
// STREAM subscription sees updates fed after it started.
func TestStreamAndAuth(t *testing.T) {
	pki, err := NewPKI()
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Config{Targets: []string{"dev1"}, TLS: pki.ServerTLS(true), Username: "admin", Password: "pw"})
	c := dial(t, s.Addr(), credentials.NewTLS(pki.ClientTLS("localhost")))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	bad := metadata.AppendToOutgoingContext(ctx, "username", "admin", "password", "nope")
	if _, err := c.Capabilities(bad, &gnmipb.CapabilityRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("wrong password: got %v, want Unauthenticated", err)
	}
	if _, err := c.Capabilities(ctx, &gnmipb.CapabilityRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no credentials: got %v, want Unauthenticated", err)
	}
	good := metadata.AppendToOutgoingContext(ctx, "username", "admin", "password", "pw")
	st, err := c.Subscribe(good)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Send(&gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Subscribe{Subscribe: &gnmipb.SubscriptionList{
		Prefix:       &gnmipb.Path{Target: "dev1"},
		Mode:         gnmipb.SubscriptionList_STREAM,
		Subscription: []*gnmipb.Subscription{{Path: ifPath(), Mode: gnmipb.SubscriptionMode_ON_CHANGE}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := st.Recv()
	if err != nil || !r.GetSyncResponse() {
		t.Fatalf("want sync first on an empty cache, got %v, %v", r, err)
	}
	if err := s.Update("dev1", counterNoti("eth7", 42)); err != nil {
		t.Fatal(err)
	}
	r, err = st.Recv()
	if err != nil {
		t.Fatal(err)
	}
	u := r.GetUpdate()
	if u == nil || u.Update[0].Val.GetUintVal() != 42 || u.Prefix.Elem[1].Key["name"] != "eth7" {
		t.Fatalf("stream update: %v", r)
	}
}

// TestRestart checks that Stop ends streams and Start serves again on the same address.
func TestRestart(t *testing.T) {
	s := start(t, Config{Targets: []string{"dev1"}})
	addr := s.Addr()
	s.Stop()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.Addr() != addr {
		t.Fatalf("restart moved from %s to %s", addr, s.Addr())
	}
	c := dial(t, addr, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.Capabilities(ctx, &gnmipb.CapabilityRequest{}); err != nil {
		t.Fatal(err)
	}
}

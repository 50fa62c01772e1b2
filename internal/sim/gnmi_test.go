package sim

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// gnmiClient dials a simulated gNMI device with its credentials.
func gnmiClient(t testing.TB, d Device) (gnmipb.GNMIClient, context.Context) {
	t.Helper()
	creds := insecure.NewCredentials()
	if d.TLS {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(d.CAPEM) {
			t.Fatal("bad CA PEM")
		}
		host, _, _ := net.SplitHostPort(d.Address)
		creds = credentials.NewClientTLSFromCert(pool, host)
	}
	cc, err := grpc.NewClient(d.Address, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatalf("dial %s: %v", d.Address, err)
	}
	t.Cleanup(func() { cc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	if d.Username != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "username", d.Username, "password", d.Password)
	}
	return gnmipb.NewGNMIClient(cc), ctx
}

// pathString renders prefix+path as /a/b[k=v]/c.
func pathString(prefix, p *gnmipb.Path) string {
	var b strings.Builder
	for _, pp := range []*gnmipb.Path{prefix, p} {
		for _, e := range pp.GetElem() {
			b.WriteString("/" + e.Name)
			for k, v := range e.Key {
				b.WriteString("[" + k + "=" + v + "]")
			}
		}
	}
	return b.String()
}

// subscribeOnce collects every leaf of a ONCE subscription to paths (atomic notifications are
// flattened onto their leaves).
func subscribeOnce(t testing.TB, c gnmipb.GNMIClient, ctx context.Context, paths ...string) map[string]*gnmipb.TypedValue {
	t.Helper()
	st, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	sl := &gnmipb.SubscriptionList{Mode: gnmipb.SubscriptionList_ONCE, Encoding: gnmipb.Encoding_PROTO}
	for _, p := range paths {
		sl.Subscription = append(sl.Subscription, &gnmipb.Subscription{Path: &gnmipb.Path{Elem: elems(splitPath(p)...)}})
	}
	if err := st.Send(&gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Subscribe{Subscribe: sl}}); err != nil {
		t.Fatalf("send subscription: %v", err)
	}
	got := map[string]*gnmipb.TypedValue{}
	for {
		r, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("receive: %v", err)
		}
		if r.GetSyncResponse() {
			break
		}
		n := r.GetUpdate()
		for _, u := range n.GetUpdate() {
			got[pathString(n.Prefix, u.Path)] = u.Val
		}
	}
	return got
}

func TestGNMIOnceShowsTheModel(t *testing.T) {
	for _, shape := range []Shape{ShapePerLeaf, ShapePerInterface} {
		t.Run(shape.String(), func(t *testing.T) {
			f := startFleet(t, Config{GNMIDevices: 2, Interfaces: 6, Seed: 7, TLS: true, PerDeviceAddress: true,
				GNMIUsername: "admin", GNMIPassword: "secret", NotificationShape: shape})
			d := f.Devices()[1]
			if d.Proto != "gnmi" || d.Name != "sim-gnmi-0002" {
				t.Fatalf("device = %s %s", d.Proto, d.Name)
			}
			c, ctx := gnmiClient(t, d)
			got := subscribeOnce(t, c, ctx, "interfaces", "system")
			after := time.Since(f.StartTime())
			if v := got["/system/state/hostname"].GetStringVal(); v != d.Name {
				t.Errorf("hostname = %q, want %q", v, d.Name)
			}
			if v := got["/system/state/boot-time"].GetUintVal(); v != uint64(d.Model.BootTime().UnixNano()) {
				t.Errorf("boot-time = %d", v)
			}
			if v := got["/system/cpus/cpu[index=0]/state/total/instant"]; v == nil || v.GetUintVal() == 0 || v.GetUintVal() > 100 {
				t.Errorf("cpu instant = %v", v)
			}
			if _, err := time.Parse(time.RFC3339, got["/system/state/current-datetime"].GetStringVal()); err != nil {
				t.Errorf("current-datetime: %v", err)
			}
			for i, it := range d.Model.Interfaces {
				p := "/interfaces/interface[name=" + it.Name + "]"
				if v := got[p+"/state/description"].GetStringVal(); v != it.Description {
					t.Errorf("%s description = %q, want %q", it.Name, v, it.Description)
				}
				if v := got[p+"/state/ifindex"].GetUintVal(); v != uint64(i+1) {
					t.Errorf("%s ifindex = %d", it.Name, v)
				}
				if v := got[p+"/state/mtu"].GetUintVal(); v != uint64(it.MTU) {
					t.Errorf("%s mtu = %d", it.Name, v)
				}
				if v := got[p+"/state/high-speed"].GetUintVal(); v != it.SpeedMbps {
					t.Errorf("%s high-speed = %d", it.Name, v)
				}
				if v := got[p+"/ethernet/state/mac-address"].GetStringVal(); v != macString(it.MAC) {
					t.Errorf("%s mac = %q", it.Name, v)
				}
				if v := got[p+"/state/admin-status"].GetStringVal(); v != upDown(it.AdminUp) {
					t.Errorf("%s admin-status = %q", it.Name, v)
				}
				if v := got[p+"/state/oper-status"].GetStringVal(); v != "UP" && v != "DOWN" {
					t.Errorf("%s oper-status = %q", it.Name, v)
				}
				// The counters were sampled between the start and the last tick: they lie
				// between the model's values at the fleet start and now.
				lo, hi := d.Model.Counters(i, 0), d.Model.Counters(i, after)
				in := got[p+"/state/counters/in-octets"]
				if in == nil {
					t.Fatalf("%s: no in-octets in %d leaves", it.Name, len(got))
				}
				if v := in.GetUintVal(); v < lo.InOctets || v > hi.InOctets {
					t.Errorf("%s in-octets = %d, want within [%d, %d]", it.Name, v, lo.InOctets, hi.InOctets)
				}
				if v, w := got[p+"/state/counters/in-pkts"].GetUintVal(), got[p+"/state/counters/in-unicast-pkts"].GetUintVal(); v < w {
					t.Errorf("%s in-pkts %d < in-unicast-pkts %d", it.Name, v, w)
				}
			}
		})
	}
}

// TestGNMIStreamGrows checks that a STREAM subscription sees in-octets updates at the update
// interval and that they never decrease.
func TestGNMIStreamGrows(t *testing.T) {
	for _, shape := range []Shape{ShapePerLeaf, ShapePerInterface} {
		t.Run(shape.String(), func(t *testing.T) {
			f := startFleet(t, Config{GNMIDevices: 1, Interfaces: 2, UpdateInterval: 50 * time.Millisecond, NotificationShape: shape})
			d := f.Devices()[0]
			c, ctx := gnmiClient(t, d)
			st, err := c.Subscribe(ctx)
			if err != nil {
				t.Fatal(err)
			}
			name := d.Model.Interfaces[0].Name
			if !d.Model.Interfaces[0].AdminUp {
				t.Skip("interface 0 is admin down with this seed")
			}
			path := &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "interfaces"},
				{Name: "interface", Key: map[string]string{"name": name}}, {Name: "state"}, {Name: "counters"}}}
			err = st.Send(&gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Subscribe{Subscribe: &gnmipb.SubscriptionList{
				Mode:         gnmipb.SubscriptionList_STREAM,
				Subscription: []*gnmipb.Subscription{{Path: path, Mode: gnmipb.SubscriptionMode_SAMPLE}},
			}}})
			if err != nil {
				t.Fatal(err)
			}
			var last uint64
			seen, synced := 0, false
			deadline := time.Now().Add(10 * time.Second)
			for seen < 5 && time.Now().Before(deadline) {
				r, err := st.Recv()
				if err != nil {
					t.Fatal(err)
				}
				if r.GetSyncResponse() {
					synced = true
					continue
				}
				n := r.GetUpdate()
				if shape == ShapePerLeaf && len(n.GetUpdate()) != 1 {
					t.Fatalf("leaf shape: notification with %d updates", len(n.GetUpdate()))
				}
				if shape == ShapePerInterface && len(n.GetUpdate()) != numCounterLeaves {
					t.Fatalf("interface shape: notification with %d updates", len(n.GetUpdate()))
				}
				for _, u := range n.GetUpdate() {
					if pathString(n.Prefix, u.Path) != pathString(path, &gnmipb.Path{Elem: elems("in-octets")}) {
						continue
					}
					v := u.Val.GetUintVal()
					if v < last {
						t.Fatalf("in-octets went back: %d after %d", v, last)
					}
					if synced && v > last {
						seen++
					}
					last = v
				}
			}
			if seen < 5 {
				t.Fatalf("saw %d growing in-octets updates after sync, want 5", seen)
			}
		})
	}
}

// TestGNMIPollAndGet checks the other two ways of reading a device: a POLL subscription
// answers each poll with fresh counters and a sync, and Get returns the hostname.
func TestGNMIPollAndGet(t *testing.T) {
	f := startFleet(t, Config{GNMIDevices: 1, Interfaces: 2, UpdateInterval: 20 * time.Millisecond})
	d := f.Devices()[0]
	c, ctx := gnmiClient(t, d)

	r, err := c.Get(ctx, &gnmipb.GetRequest{Path: []*gnmipb.Path{{Elem: elems("system", "state", "hostname")}}, Encoding: gnmipb.Encoding_JSON_IETF})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	found := false
	for _, n := range r.GetNotification() {
		for _, u := range n.GetUpdate() {
			if strings.Contains(string(u.GetVal().GetJsonIetfVal())+u.GetVal().GetStringVal(), d.Name) {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("get hostname: %v", r)
	}

	st, err := c.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := d.Model.Interfaces[0].Name
	p := &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": name}},
		{Name: "state"}, {Name: "counters"}, {Name: "in-octets"}}}
	if err := st.Send(&gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Subscribe{Subscribe: &gnmipb.SubscriptionList{
		Mode: gnmipb.SubscriptionList_POLL, Subscription: []*gnmipb.Subscription{{Path: p}}}}}); err != nil {
		t.Fatal(err)
	}
	// readUntilSync returns the in-octets values up to the next sync_response.
	readUntilSync := func() []uint64 {
		var vals []uint64
		for {
			r, err := st.Recv()
			if err != nil {
				t.Fatalf("poll: %v", err)
			}
			if r.GetSyncResponse() {
				return vals
			}
			for _, u := range r.GetUpdate().GetUpdate() {
				vals = append(vals, u.GetVal().GetUintVal())
			}
		}
	}
	first := readUntilSync()
	if len(first) != 1 {
		t.Fatalf("initial poll answer: %v", first)
	}
	tm := time.NewTimer(100 * time.Millisecond)
	<-tm.C
	if err := st.Send(&gnmipb.SubscribeRequest{Request: &gnmipb.SubscribeRequest_Poll{Poll: &gnmipb.Poll{}}}); err != nil {
		t.Fatal(err)
	}
	second := readUntilSync()
	if len(second) != 1 || (d.Model.Interfaces[0].AdminUp && second[0] <= first[0]) {
		t.Fatalf("second poll %v after %v: want one larger value", second, first)
	}
}

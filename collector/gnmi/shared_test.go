package gnmi

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
)

// sharedNotifications is a varied workload: OpenConfig counters (declared types, coerced
// from int), two keyed lists on one path (qualified tag keys), JSON values, vendor-native
// paths (undeclared), and names that differ per device (dev) and per call (i), so that
// normalizers sharing a Shared add to it while others read it.
func sharedNotifications(dev, i int) []*gnmipb.Notification {
	ifName := fmt.Sprintf("Ethernet%d/%d", dev, i%4)
	return []*gnmipb.Notification{
		benchNotification(10),
		{
			Timestamp: testTS,
			Prefix:    mustPath(fmt.Sprintf("/interfaces/interface[name=%s]/subinterfaces/subinterface[index=%d]", ifName, i%3)),
			Update: []*gnmipb.Update{
				{Path: mustPath("state/counters/in-octets"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_IntVal{IntVal: int64(i)}}},
				{Path: mustPath("ipv4/addresses/address[ip=10.0.0.1]/state/prefix-length"), Val: uintVal(24)},
				{Path: mustPath("state"), Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(
					`{"openconfig-interfaces:counters":{"out-octets":"18446744073709551615","in-pkts":5},"description":"x"}`)}}},
			},
		},
		{
			Timestamp: testTS,
			Prefix:    mustPath("eos_native:/Sysdb/ethGroup"),
			Update: []*gnmipb.Update{
				{Path: mustPath(fmt.Sprintf("dev%d-leaf%d/value", dev, i)), Val: uintVal(uint64(i))},
				{Path: mustPath(fmt.Sprintf("entry[mac=01:00:5e:%02x:00:01]/count", i%256)), Val: uintVal(1)},
			},
		},
		{
			Timestamp: testTS,
			Prefix:    mustPath(fmt.Sprintf("/network-instances/network-instance[name=vrf%d]/protocols/protocol[identifier=BGP][name=bgp]", dev)),
			Update: []*gnmipb.Update{
				{Path: mustPath(fmt.Sprintf("bgp/neighbors/neighbor[neighbor-address=10.%d.0.%d]/state/session-state", dev, i%5)),
					Val: &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: "ESTABLISHED"}}},
			},
		},
	}
}

// TestSharedNormalizersConcurrent runs several normalizers on one Shared at once (run it with
// -race): each must write exactly what a normalizer with caches of its own writes.
func TestSharedNormalizersConcurrent(t *testing.T) {
	subs := []Subscription{
		{Name: "interfaces", Paths: []string{"/interfaces"}},
		{Name: "native", Paths: []string{"eos_native:/Sysdb"}},
		{Name: "bgp", Paths: []string{"/network-instances"}},
	}
	const devices, calls = 6, 300
	shared := NewShared()
	var wg sync.WaitGroup
	for dev := range devices {
		wg.Go(func() {
			cfg := NormalizerConfig{Source: fmt.Sprintf("dev%d", dev), Subscriptions: subs}
			own, err := NewNormalizer(cfg)
			if err != nil {
				t.Error(err)
				return
			}
			cfg.Shared = shared
			n, err := NewNormalizer(cfg)
			if err != nil {
				t.Error(err)
				return
			}
			for i := range calls {
				for _, notif := range sharedNotifications(dev, i) {
					want, wc := own.Normalize(nil, notif, time.Time{})
					got, gc := n.Normalize(nil, notif, time.Time{})
					if describe(got) != describe(want) || gc != wc {
						t.Errorf("dev%d call %d: shared caches wrote\n%s%+v\nown caches\n%s%+v", dev, i, describe(got), gc, describe(want), wc)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	// Names common to the devices are kept once: the counters' names, not one per device.
	if got := shared.names.len(); got > devices*calls+50 {
		t.Errorf("shared names: %d entries, want about one per distinct name", got)
	}
}

// TestSharedBound: a device inventing names fills the shared caches only up to their
// bound; past it its names are still right (built, not cached), and what other devices
// cached stays cached.
func TestSharedBound(t *testing.T) {
	shared := NewShared()
	const limit = 64
	shared.names.limit, shared.tkeys.limit = limit, limit
	subs := []Subscription{{Name: "m", Paths: []string{"/"}}}
	good, err := NewNormalizer(NormalizerConfig{Source: "good", Subscriptions: subs, Shared: shared})
	if err != nil {
		t.Fatal(err)
	}
	notif := benchNotification(10)
	want, _ := good.Normalize(nil, notif, time.Time{})
	good.Normalize(nil, notif, time.Time{}) // publishes what the first call added
	before := shared.names.load()
	if len(before) != 10 {
		t.Fatalf("after two calls the shared snapshot has %d field names, want the 10 counters", len(before))
	}

	bad, err := NewNormalizer(NormalizerConfig{Source: "bad", Subscriptions: subs, Shared: shared})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 * limit {
		name, key := fmt.Sprintf("invented-%d", i), fmt.Sprintf("k%d", i)
		leaf := name + "/value" // two elements: joined names are interned
		pts, c := bad.Normalize(nil, &gnmipb.Notification{Timestamp: testTS, Update: []*gnmipb.Update{
			{Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "native"}, {Name: "list", Key: map[string]string{key: "v"}}, {Name: name}, {Name: "value"}}}, Val: uintVal(1)},
			{Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "native"}, {Name: name}, {Name: "x"}}}, Val: uintVal(2)},
		}}, time.Time{})
		if c.Fields != 2 || len(pts) != 2 {
			t.Fatalf("invented name %d: %d fields in %d points", i, c.Fields, len(pts))
		}
		if f := pts[0].Fields[0].Key; f != leaf {
			t.Fatalf("invented name %d: field %q, want %q", i, f, leaf)
		}
		if tk := pts[0].Tags[0].Key; tk != "list_"+key {
			t.Fatalf("invented name %d: tag key %q, want %q", i, tk, "list_"+key)
		}
		if f, want := pts[1].Fields[0].Key, "native/"+name+"/x"; f != want {
			t.Fatalf("invented name %d: field %q, want %q", i, f, want)
		}
	}
	if n := shared.names.len(); n > limit {
		t.Errorf("shared field names: %d entries, want at most the bound %d", n, limit)
	}
	if n := shared.tkeys.len(); n > limit {
		t.Errorf("shared tag keys: %d entries, want at most the bound %d", n, limit)
	}
	after := shared.names.load()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("field name %q was evicted by another device's invented names", k)
		}
	}
	got, _ := good.Normalize(nil, notif, time.Time{})
	if describe(got) != describe(want) {
		t.Errorf("after the bound: %swant %s", describe(got), describe(want))
	}
	// Hits stay free of allocations past the bound: one slice for tags, one for fields.
	if allocs := testing.AllocsPerRun(50, func() { good.Normalize(nil, notif, time.Time{}) }); allocs > 3 && !raceEnabled {
		t.Errorf("%v allocations per call on a full shared cache, want ≤ 3", allocs)
	}
}

// TestMemoPublishes: a stable set of keys is published after a few misses (so hits stop
// taking the mutex), and a stream of new keys costs copies proportional to the keys, not
// to their square.
func TestMemoPublishes(t *testing.T) {
	m := memo[string, string]{limit: 1 << 20}
	for round := range 3 {
		for i := range 10 {
			k := fmt.Sprint(i)
			if _, ok := m.load()[k]; !ok {
				m.add(k, k)
			}
		}
		if round == 2 && len(m.load()) != 10 {
			t.Errorf("after three rounds over 10 keys, %d are published", len(m.load()))
		}
	}
	m = memo[string, string]{limit: 1 << 20}
	copies, last := 0, 0
	const n = 100000
	for i := range n {
		k := fmt.Sprint(i)
		m.add(k, k)
		if l := len(m.load()); l != last {
			copies += l
			last = l
		}
	}
	if copies > 6*n {
		t.Errorf("adding %d keys copied %d entries, want O(n)", n, copies)
	}
}

// TestSharedPlans: sessions with equal subscriptions (equal, not the same slice) share one
// plan and its SubscribeRequest; another list or mode gets its own.
func TestSharedPlans(t *testing.T) {
	shared := NewShared()
	subs := func(path string) []Subscription {
		return []Subscription{{Name: "interfaces", Paths: []string{path}, Mode: "stream", StreamMode: "sample", SampleInterval: 10 * time.Second}}
	}
	newSess := func(name string, subs []Subscription, once bool) *Session {
		s, err := shared.New(Config{Name: name, Address: "127.0.0.1:1", Insecure: true, Subscriptions: subs}, collector.Runtime{Once: once}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a := newSess("a", subs("/interfaces/interface/state/counters"), false)
	b := newSess("b", subs("/interfaces/interface/state/counters"), false)
	c := newSess("c", subs("/interfaces/interface/state"), false)
	d := newSess("d", subs("/interfaces/interface/state/counters"), true)
	if &a.streams[0] != &b.streams[0] || a.streams[0].req != b.streams[0].req {
		t.Error("equal subscriptions got separate plans")
	}
	if a.streams[0].req == c.streams[0].req || a.streams[0].req == d.streams[0].req {
		t.Error("different subscriptions or modes share a plan")
	}
	if got := d.streams[0].req.GetSubscribe().GetMode(); got != gnmipb.SubscriptionList_ONCE {
		t.Errorf("once session's request has mode %v", got)
	}
	if _, err := shared.New(Config{Name: "e", Address: "127.0.0.1:1", Insecure: true, Subscriptions: subs("/interfaces[")}, collector.Runtime{}, nil); err == nil {
		t.Error("a bad path was accepted")
	}
}

// BenchmarkNormalizeParallel runs one normalizer per goroutine (GOMAXPROCS of them, as the
// Gate lets sessions decode at once), each with caches of its own or all on one Shared: the
// shared hit path must cost no more per update than a private map's.
func BenchmarkNormalizeParallel(b *testing.B) {
	sub := Subscription{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"}}
	for _, k := range []int{10, 1} {
		for _, caches := range []string{"own", "shared"} {
			b.Run(fmt.Sprintf("caches=%s/updates_per_notification=%d", caches, k), func(b *testing.B) {
				shared := NewShared()
				notif := benchNotification(k)
				recv := time.Now()
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					cfg := NormalizerConfig{Source: "dev1", Subscriptions: []Subscription{sub}}
					if caches == "shared" {
						cfg.Shared = shared
					}
					n, err := NewNormalizer(cfg)
					if err != nil {
						b.Error(err)
						return
					}
					dst := make([]collector.Point, 0, 4)
					for pb.Next() {
						dst, _ = n.Normalize(dst[:0], notif, recv)
					}
				})
				b.ReportMetric(float64(b.N*k)/b.Elapsed().Seconds(), "updates/s")
			})
		}
	}
}

// TestStreamWarningsNameTheSubscription: the stream's warnings (built lazily, when it first
// warns) carry its subscription, once per kind and leaf; the sync_response debug line too.
func TestStreamWarningsNameTheSubscription(t *testing.T) {
	addr, _ := startScripted(t, func(call int, s gnmipb.GNMI_SubscribeServer) error {
		for range 2 { // repeated: logged once all the same
			for _, r := range []*gnmipb.SubscribeResponse{
				upd(testTS, "eth0", "state/counters/in-octets", &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: "many"}}),
				upd(testTS, "eth0", "state/counters/out-octets", &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BytesVal{BytesVal: []byte{1}}}),
			} {
				if err := s.Send(r); err != nil {
					return err
				}
			}
		}
		return s.Send(syncResp) // then EOF
	})
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("target", "dev1")
	s, err := NewShared().New(baseConfig(addr, ifSub("stream", "on_change")), collector.Runtime{}, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Run(ctx, newRecorder()); err == nil || !strings.Contains(err.Error(), "the server ended the stream") {
		t.Fatalf("error %v, want the stream's end", err)
	}
	out := logs.String()
	for _, want := range []string{
		`level=WARN msg="gNMI value does not fit the leaf's OpenConfig type`,
		`level=WARN msg="skipped values that have no field type`,
		`level=DEBUG msg=sync_response target=dev1 subscription=interfaces duration=`,
	} {
		var lines []string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, want) {
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], "target=dev1 subscription=interfaces") {
			t.Errorf("want one line with %q naming target and subscription, got %q\nlog:\n%s", want, lines, out)
		}
	}
}

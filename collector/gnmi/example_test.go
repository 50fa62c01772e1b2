package gnmi_test

import (
	"context"
	"fmt"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/internal/gnmiserver"
)

// Example shows the building blocks a one-off command uses: Dial, Subscribe (ONCE) with a
// callback per response, and a Normalizer turning each notification into points with the
// daemon's names.
func Example() {
	srv, _ := gnmiserver.New(gnmiserver.Config{Targets: []string{"leaf1"}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Start(ctx)
	defer srv.Stop()
	_ = srv.Update("leaf1", &gnmipb.Notification{
		Timestamp: 1732406400000000000,
		Prefix:    &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": "Ethernet1"}}, {Name: "state"}}},
		Update: []*gnmipb.Update{{
			Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: "counters"}, {Name: "in-octets"}}},
			Val:  &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: 42}},
		}},
	})

	cfg := gnmi.Config{Name: "leaf1", Address: srv.Addr(), Insecure: true}
	conn, err := gnmi.Dial(cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer conn.Close()
	sub := gnmi.Subscription{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"}}
	req, _ := gnmi.NewSubscribeRequest("once", sub)
	norm, _ := gnmi.NewNormalizer(gnmi.NormalizerConfig{Source: cfg.Name, Subscriptions: []gnmi.Subscription{sub}})
	err = gnmi.Subscribe(ctx, conn, req, gnmi.SubscribeOptions{}, func(r *gnmipb.SubscribeResponse) error {
		if n := r.GetUpdate(); n != nil {
			pts, _ := norm.Normalize(nil, n, time.Now())
			for _, p := range pts {
				fmt.Println(p.String())
			}
		}
		return nil
	})
	fmt.Println("err:", gnmi.ExplainError(cfg, err))
	// Output:
	// interfaces,interface_name=Ethernet1,source=leaf1 state/counters/in-octets=42u 1732406400000000000
	// err: <nil>
}

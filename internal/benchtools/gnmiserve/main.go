package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/internal/gnmiserver"
)

var counterLeaves = []string{
	"in-octets", "out-octets", "in-pkts", "out-pkts", "in-unicast-pkts",
	"out-unicast-pkts", "in-errors", "out-errors", "in-discards", "out-discards",
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	ifaces := flag.Int("interfaces", 1000, "number of interfaces")
	perNoti := flag.Int("per-notification", 10, "updates per notification: 10 (all counters of an interface, atomic) or 1")
	rate := flag.Int("rate", 200000, "updates per second to push (upper bound)")
	duration := flag.Duration("duration", 60*time.Second, "how long to push updates; then exit")
	addrFile := flag.String("addr-file", "", "write the listen address here once serving")
	flag.Parse()
	if err := run(*listen, *ifaces, *perNoti, *rate, *duration, *addrFile); err != nil {
		fmt.Fprintln(os.Stderr, "gnmiserve:", err)
		os.Exit(1)
	}
}

func run(listen string, ifaces, perNoti, rate int, duration time.Duration, addrFile string) error {
	if perNoti != 1 && perNoti != 10 {
		return fmt.Errorf("per-notification must be 1 or 10, not %d", perNoti)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	srv, err := gnmiserver.New(gnmiserver.Config{Targets: []string{"bench"}, Listen: listen})
	if err != nil {
		return err
	}
	// Initial state, so a subscriber's first sync has every interface.
	var v uint64 = 1
	push := func(i int) error {
		name := fmt.Sprintf("Ethernet%d", i)
		if perNoti == 10 {
			return srv.Update("bench", notification(name, v, 0, len(counterLeaves), true))
		}
		for j := range counterLeaves {
			if err := srv.Update("bench", notification(name, v, j, j+1, false)); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range ifaces {
		if err := push(i); err != nil {
			return err
		}
	}
	srv.Sync("bench")
	if err := srv.Start(ctx); err != nil {
		return err
	}
	defer srv.Stop()
	if addrFile != "" {
		if err := os.WriteFile(addrFile, []byte(srv.Addr()), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "gnmiserve: serving %d interfaces on %s, %d updates/notification, ≤%d updates/s for %s\n", ifaces, srv.Addr(), perNoti, rate, duration)

	// Push in 10ms slices: rate/100 updates per tick, interface by interface, every counter
	// changing (the cache suppresses unchanged values).
	const tick = 10 * time.Millisecond
	perTick := max(rate/100, len(counterLeaves))
	t := time.NewTicker(tick)
	defer t.Stop()
	next, pushed := 0, 0
	start := time.Now()
	for {
		select {
		case <-ctx.Done():
			el := time.Since(start).Seconds()
			fmt.Fprintf(os.Stderr, "gnmiserve: pushed %d updates in %.1fs (%.0f/s)\n", pushed, el, float64(pushed)/el)
			return nil
		case <-t.C:
		}
		for n := 0; n < perTick; n += len(counterLeaves) {
			if next == 0 {
				v++
			}
			if err := push(next); err != nil {
				return err
			}
			pushed += len(counterLeaves)
			next = (next + 1) % ifaces
		}
	}
}

// notification builds counters [from,to) of one interface.
func notification(ifname string, v uint64, from, to int, atomic bool) *gnmipb.Notification {
	n := &gnmipb.Notification{
		// The device's own timestamp, as real devices send it: with one update per
		// notification every leaf has its own (Juniper and Cisco stamp each leaf).
		Timestamp: time.Now().UnixNano(),
		Atomic:    atomic,
		Prefix: &gnmipb.Path{Elem: []*gnmipb.PathElem{
			{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": ifname}},
			{Name: "state"}, {Name: "counters"}}},
		Update: make([]*gnmipb.Update, 0, to-from),
	}
	for j := from; j < to; j++ {
		n.Update = append(n.Update, &gnmipb.Update{
			Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: counterLeaves[j]}}},
			Val:  &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: v*1000 + uint64(j)}},
		})
	}
	return n
}

package gnmi

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

var counterLeaves = []string{
	"in-octets", "out-octets", "in-pkts", "out-pkts", "in-unicast-pkts",
	"out-unicast-pkts", "in-errors", "out-errors", "in-discards", "out-discards",
}

// benchNotification is what an OpenConfig device sends for one interface: the counters
// container as prefix and k leaves (k=10: all counters in one notification; k=1: one leaf
// per notification, as the reference cache and many devices send them).
func benchNotification(k int) *gnmipb.Notification {
	n := &gnmipb.Notification{
		Timestamp: 1700000000000000000,
		Prefix: &gnmipb.Path{Target: "dev1", Origin: "openconfig", Elem: []*gnmipb.PathElem{
			{Name: "interfaces"}, {Name: "interface", Key: map[string]string{"name": "Ethernet1/1"}},
			{Name: "state"}, {Name: "counters"}}},
	}
	for i := range k {
		n.Update = append(n.Update, &gnmipb.Update{
			Path: &gnmipb.Path{Elem: []*gnmipb.PathElem{{Name: counterLeaves[i%len(counterLeaves)]}}},
			Val:  &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: uint64(1234567890 + i)}},
		})
	}
	return n
}

// BenchmarkNormalize measures the pure naming step per notification; updates/s is per CPU
// core of the benchmark goroutine.
func BenchmarkNormalize(b *testing.B) {
	for _, k := range []int{10, 1} {
		b.Run(fmt.Sprintf("updates_per_notification=%d", k), func(b *testing.B) {
			n := mustNormalizer(b, Subscription{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"}})
			notif := benchNotification(k)
			dst := make([]collector.Point, 0, 4)
			recv := time.Now()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				dst, _ = n.Normalize(dst[:0], notif, recv)
			}
			b.ReportMetric(float64(b.N*k)/b.Elapsed().Seconds(), "updates/s")
		})
	}
}

// BenchmarkNormalizeEncode is the collector's hot path per received message: decode of the
// SubscribeResponse (decoder=fast: the pooled fastDecoder the session uses; decoder=proto:
// proto.Unmarshal into a fresh message, the fallback and the code before it), normalize, and
// line-protocol encode (issue 3 acceptance 4, the in-process part; scripts/bench-gnmi.sh
// measures the whole process with gRPC).
func BenchmarkNormalizeEncode(b *testing.B) {
	for _, dec := range []string{"fast", "proto"} {
		for _, k := range []int{10, 1} {
			b.Run(fmt.Sprintf("decoder=%s/updates_per_notification=%d", dec, k), func(b *testing.B) {
				n := mustNormalizer(b, Subscription{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"}})
				wire, err := proto.Marshal(&gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: benchNotification(k)}})
				if err != nil {
					b.Fatal(err)
				}
				var buf []byte
				recv := time.Now()
				b.ReportAllocs()
				b.SetBytes(int64(len(wire)))
				b.ResetTimer()
				for b.Loop() {
					resp := decodeForBench(b, dec, wire)
					pts, _ := n.Normalize(nil, resp.GetUpdate(), recv)
					buf, err = outputs.AppendLineProtocol(buf[:0], pts, outputs.EncodeOptions{})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*k)/b.Elapsed().Seconds(), "updates/s")
			})
		}
	}
}

// BenchmarkDecode is the decode step alone, per message.
func BenchmarkDecode(b *testing.B) {
	for _, dec := range []string{"fast", "proto"} {
		for _, k := range []int{10, 1} {
			b.Run(fmt.Sprintf("decoder=%s/updates_per_notification=%d", dec, k), func(b *testing.B) {
				wire, err := proto.Marshal(&gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: benchNotification(k)}})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.SetBytes(int64(len(wire)))
				for b.Loop() {
					decodeForBench(b, dec, wire)
				}
				b.ReportMetric(float64(b.N*k)/b.Elapsed().Seconds(), "updates/s")
			})
		}
	}
}

// decodeForBench decodes as handle does (a decoder from the pool, given back) or with
// proto.Unmarshal. The fast tree stays valid after putDecoder here because nothing else
// takes decoders from the pool during a benchmark.
func decodeForBench(b *testing.B, dec string, wire []byte) *gnmipb.SubscribeResponse {
	if dec == "fast" {
		d := getDecoder()
		defer putDecoder(d)
		resp, ok := d.decode(wire)
		if !ok {
			b.Fatal("fell back")
		}
		return resp
	}
	var resp gnmipb.SubscribeResponse
	if err := proto.Unmarshal(wire, &resp); err != nil {
		b.Fatal(err)
	}
	return &resp
}

// BenchmarkStreamPath is what a session does per received message of the fleet benchmark's
// devices (scripts/bench-fleet.sh: 48 interfaces, all counters of an interface in one
// notification, a new sample every round): decode (pooled fast decoder or proto.Unmarshal),
// normalize, and group in the sample-window coalescer (synced, so lines are complete as
// they arrive), the sink discarding. Allocations per message are what the GC sees at fleet
// scale.
func BenchmarkStreamPath(b *testing.B) {
	const ifaces = 48
	for _, dec := range []string{"fast", "proto"} {
		b.Run("decoder="+dec, func(b *testing.B) {
			n := mustNormalizer(b, Subscription{Name: "interfaces", Paths: []string{"/interfaces/interface/state/counters"}})
			wires := make([][]byte, ifaces)
			ts := int64(1700000000000000000)
			marshal := func(i int) {
				nt := benchNotification(len(counterLeaves))
				nt.Timestamp = ts
				nt.Prefix.Elem[1].Key["name"] = fmt.Sprintf("Ethernet1/%d", i)
				w, err := proto.Marshal(&gnmipb.SubscribeResponse{Response: &gnmipb.SubscribeResponse_Update{Update: nt}})
				if err != nil {
					b.Fatal(err)
				}
				wires[i] = w
			}
			for i := range ifaces {
				marshal(i)
			}
			co := newCoalescer(collector.SinkFunc(func(context.Context, []collector.Point) error { return nil }),
				&collector.Stats{}, map[string]time.Duration{"interfaces": 10 * time.Second})
			defer co.close(context.Background())
			if err := co.flush(context.Background()); err != nil { // synced: windows apply
				b.Fatal(err)
			}
			ctx := context.Background()
			recv := time.Now()
			var dst []collector.Point
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if i == ifaces {
					// The next sample: new timestamps, patched into the wire form in place
					// (the notification's first field, a varint of unchanged length).
					ts += int64(10 * time.Second)
					for _, w := range wires {
						setWireTimestamp(b, w, ts)
					}
					i = 0
				}
				resp := decodeForBench(b, dec, wires[i])
				pts, _ := n.Normalize(dst[:0], resp.GetUpdate(), recv)
				if err := co.add(ctx, pts); err != nil {
					b.Fatal(err)
				}
				dst = pts // as the session does: the coalescer copies the points
				clear(dst)
				i++
			}
			b.ReportMetric(float64(b.N*len(counterLeaves))/b.Elapsed().Seconds(), "updates/s")
		})
	}
}

// setWireTimestamp overwrites the timestamp of a marshalled SubscribeResponse update
// (field 1 of the notification, marshalled first) with ts, which must take as many bytes.
func setWireTimestamp(b *testing.B, w []byte, ts int64) {
	_, _, n := protowire.ConsumeTag(w)
	_, m := protowire.ConsumeVarint(w[n:])
	off := n + m
	old, k := protowire.ConsumeVarint(w[off+1:])
	var buf [binary.MaxVarintLen64]byte
	enc := protowire.AppendVarint(buf[:0], uint64(ts))
	if w[off] != 0x08 || k != len(enc) || old == 0 {
		b.Fatal("unexpected wire layout")
	}
	copy(w[off+1:], enc)
}

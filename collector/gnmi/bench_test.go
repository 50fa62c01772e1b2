package gnmi

import (
	"fmt"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
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

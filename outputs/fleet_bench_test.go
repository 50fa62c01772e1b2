package outputs

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// snmpIfKeys are the field keys of an if-mib interface point (collector/snmp's golden
// junos_ber.lp). A profile's names are shared strings, as here.
var snmpIfKeys = [...]string{
	"ethernet/state/mac-address", "state/admin-status", "state/counters/in-discards",
	"state/counters/in-errors", "state/counters/in-octets", "state/counters/in-unicast-pkts",
	"state/counters/in-unknown-protos", "state/counters/out-discards", "state/counters/out-errors",
	"state/counters/out-octets", "state/counters/out-unicast-pkts", "state/enabled",
	"state/ifindex", "state/mtu", "state/name", "state/oper-status", "state/type",
	"state/counters/in-multicast-pkts", "state/counters/in-broadcast-pkts", "state/high-speed",
}

// snmpPoll returns one device's poll of n interfaces the way the SNMP collector emits it:
// four tags (interface_name and description built per poll, site and source shared), 20
// fields of which six are strings.
func snmpPoll(dev string, n int, seq uint64, at time.Time) []collector.Point {
	pts := make([]collector.Point, n)
	for i := range pts {
		name := fmt.Sprintf("ge-0/0/%d", i)
		fields := make([]collector.Field, 0, len(snmpIfKeys))
		for j, k := range snmpIfKeys {
			switch j {
			case 0:
				fields = append(fields, collector.String(k, fmt.Sprintf("30:b6:4f:70:%02x:%02x", i, seq%256)))
			case 1, 15:
				fields = append(fields, collector.String(k, "UP"))
			case 14:
				fields = append(fields, collector.String(k, name))
			case 16:
				fields = append(fields, collector.String(k, "iana-if-type:ethernetCsmacd"))
			case 11:
				fields = append(fields, collector.Bool(k, true))
			default:
				fields = append(fields, collector.Uint(k, seq*uint64(1000+i*j)))
			}
		}
		pts[i] = collector.Point{
			Measurement: "interfaces",
			Tags: []collector.Tag{
				{Key: "description", Value: fmt.Sprintf("uplink to core-%d port %d", i%4, i)},
				{Key: "interface_name", Value: name},
				{Key: "site", Value: "dc1"},
				{Key: "source", Value: dev},
			},
			Fields: fields,
			Time:   at,
		}
	}
	return pts
}

// BenchmarkOutputEmitSNMP is Emit of one SNMP device's 60-point poll (a fleet of 20,000
// devices at 60 s makes 333 of them a second): the per-point cost in the device session's
// goroutine. The buffer is emptied after each poll, as the flush loop does in a goroutine
// of its own (BenchmarkOutputEmitFlush measures the two together).
func BenchmarkOutputEmitSNMP(b *testing.B) {
	o, _ := New(Config{Name: "bench"}, discardWriter{}, nil)
	ctx := context.Background()
	src := snmpPoll("sw-00001.dc1", 60, 1, time.Unix(1763946123, 0))
	batch := make([]collector.Point, len(src))
	b.ReportAllocs()
	for b.Loop() {
		copy(batch, src)
		_ = o.Emit(ctx, batch)
		o.mu.Lock()
		clear(o.q)
		o.q, o.head, o.qBytes = o.q[:0], 0, 0
		o.mu.Unlock()
	}
	if st := o.Stats(); len(st.Dropped) > 0 {
		b.Fatalf("dropped %v", st.Dropped)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(src)), "ns/point")
}

// BenchmarkAppendLineProtocolSNMP encodes SNMP polls 16 points a call, as the file writer
// does (file.Writer's chunkPoints).
func BenchmarkAppendLineProtocolSNMP(b *testing.B) {
	var pts []collector.Point
	for d := range 5 {
		pts = append(pts, snmpPoll(fmt.Sprintf("sw-%05d.dc1", d), 60, uint64(d)<<20, time.Unix(1763946123, 0))...)
	}
	buf, _ := AppendLineProtocol(nil, pts, EncodeOptions{})
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i := 0; i < len(pts); i += 16 {
			buf, _ = AppendLineProtocol(buf, pts[i:min(i+16, len(pts))], EncodeOptions{})
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pts)), "ns/point")
}

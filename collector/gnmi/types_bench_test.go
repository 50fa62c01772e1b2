package gnmi

import (
	"testing"
)

// BenchmarkDeclaredLookup is the per-leaf cost of the field-type table: joining the leaf's
// schema path below the notification prefix and looking it up (BENCHMARKS.md, "gNMI
// normalizer: declared types").
func BenchmarkDeclaredLookup(b *testing.B) {
	for _, tc := range []struct{ name, prefix, leaf string }{
		{"declared counter", "/interfaces/interface[name=Ethernet1]/state/counters", "in-octets"},
		{"vendor path", "/junos/system/linecard/interface[name=xe-0/0/0]", "init-time"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			n, err := NewNormalizer(NormalizerConfig{Source: "d"})
			if err != nil {
				b.Fatal(err)
			}
			n.scratch = new(scratch) // what Normalize borrows for a call
			for _, pe := range mustPath(tc.prefix).GetElem() {
				n.elems, n.kvs = appendElem(n.elems, n.kvs, pe.GetName(), pe.GetKey())
			}
			n.base = len(n.elems)
			n.setSchemaBase()
			n.elems, n.kvs = appendElem(n.elems, n.kvs, tc.leaf, nil)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, ok := n.declared(); ok != (tc.name == "declared counter") {
					b.Fatal("lookup")
				}
			}
		})
	}
}

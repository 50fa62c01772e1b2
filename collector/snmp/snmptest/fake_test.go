package snmptest

import (
	"context"
	"strings"
	"testing"

	"github.com/gosnmp/gosnmp"
)

func testFake(t *testing.T) *Fake {
	t.Helper()
	pdus, err := ParseSnmprec(strings.NewReader(`1.3.6.1.2.1.1.5.0|4|sw1
1.3.6.1.2.1.2.2.1.2.10|4x|6574683130
1.3.6.1.2.1.2.2.1.2.9|4|eth9
1.3.6.1.2.1.2.2.1.6.9|4x|346288XXYYZZ
1.3.6.1.2.1.2.2.1.10.9|65|4294967295
1.3.6.1.2.1.31.1.1.1.6.9|70|18446744073709551615
1.3.6.1.2.1.1.3.0|67|100
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.9
1.3.6.1.2.1.2.2.1.8.9|2|-1
`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFake(pdus)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestParseSnmprecTypes(t *testing.T) {
	f := testFake(t)
	pkt, err := f.Get(context.Background(), []string{".1.3.6.1.2.1.2.2.1.2.10", ".1.3.6.1.2.1.2.2.1.6.9", ".1.3.6.1.2.1.2.2.1.10.9",
		".1.3.6.1.2.1.31.1.1.1.6.9", ".1.3.6.1.2.1.1.3.0", ".1.3.6.1.2.1.1.2.0", ".1.3.6.1.2.1.2.2.1.8.9"})
	if err != nil {
		t.Fatal(err)
	}
	want := []any{[]byte("eth10"), []byte("346288XXYYZZ"), uint(4294967295), uint64(18446744073709551615), uint32(100), ".1.3.6.1.4.1.9", -1}
	for i, w := range want {
		got := pkt.Variables[i].Value
		if b, ok := w.([]byte); ok {
			if string(got.([]byte)) != string(b) {
				t.Errorf("%d: %q, want %q", i, got, b)
			}
			continue
		}
		if got != w {
			t.Errorf("%d: %#v, want %#v", i, got, w)
		}
	}
	for _, bad := range []string{"1.3.6|2", "1.3.6|zz|1", "1.3.6|2|x", "1.3.6|99|1", "1.3.x|2|1"} {
		pdus, err := ParseSnmprec(strings.NewReader(bad))
		if err == nil {
			_, err = NewFake(pdus)
		}
		if err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// TestFakeOrder: walks follow numeric OID order (.9 before .10), across columns and to the
// end of the view.
func TestFakeOrder(t *testing.T) {
	f := testFake(t)
	ctx := context.Background()
	pkt, _ := f.GetNext(ctx, []string{".1.3.6.1.2.1.2.2.1.2"})
	if pkt.Variables[0].Name != ".1.3.6.1.2.1.2.2.1.2.9" {
		t.Fatalf("first ifDescr %s", pkt.Variables[0].Name)
	}
	pkt, _ = f.GetBulk(ctx, []string{".1.3.6.1.2.1.2.2.1.2", ".1.3.6.1.2.1.31.1.1.1.6"}, 3)
	var names []string
	for _, v := range pkt.Variables {
		names = append(names, v.Name+":"+v.Type.String())
	}
	want := ".1.3.6.1.2.1.2.2.1.2.9:OctetString .1.3.6.1.2.1.31.1.1.1.6.9:Counter64 " +
		".1.3.6.1.2.1.2.2.1.2.10:OctetString .1.3.6.1.2.1.31.1.1.1.6.9:EndOfMibView " +
		".1.3.6.1.2.1.2.2.1.6.9:OctetString .1.3.6.1.2.1.31.1.1.1.6.9:EndOfMibView"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("GETBULK\n got %s\nwant %s", got, want)
	}
	f.MaxVarbinds = 3
	pkt, _ = f.GetBulk(ctx, []string{".1.3.6.1.2.1.2.2.1.2", ".1.3.6.1.2.1.31.1.1.1.6"}, 3)
	if len(pkt.Variables) != 3 {
		t.Fatalf("MaxVarbinds: %d varbinds", len(pkt.Variables))
	}
}

func TestFakeV1Errors(t *testing.T) {
	f := testFake(t)
	f.V1 = true
	ctx := context.Background()
	pkt, _ := f.Get(ctx, []string{".1.3.6.1.2.1.1.5.0", ".1.3.6.1.2.1.1.4.0"})
	if pkt.Error != gosnmp.NoSuchName || pkt.ErrorIndex != 2 {
		t.Fatalf("GET missing: %v %d", pkt.Error, pkt.ErrorIndex)
	}
	pkt, _ = f.GetNext(ctx, []string{".1.3.6.1.2.1.31.1.1.1.6.9"})
	if pkt.Error != gosnmp.NoSuchName || pkt.ErrorIndex != 1 {
		t.Fatalf("GETNEXT past end: %v %d", pkt.Error, pkt.ErrorIndex)
	}
	if _, err := f.GetBulk(ctx, []string{".1"}, 1); err == nil {
		t.Fatal("v1 GETBULK accepted")
	}
	f.V1 = false
	pkt, _ = f.Get(ctx, []string{".1.3.6.1.2.1.1.4.0"})
	if pkt.Variables[0].Type != gosnmp.NoSuchInstance {
		t.Fatalf("v2c GET missing: %v", pkt.Variables[0].Type)
	}
	if err := f.Set(gosnmp.SnmpPDU{Name: "1.3.6.1.2.1.1.4.0", Type: gosnmp.OctetString, Value: []byte("noc")}); err != nil {
		t.Fatal(err)
	}
	pkt, _ = f.Get(ctx, []string{".1.3.6.1.2.1.1.4.0"})
	if string(pkt.Variables[0].Value.([]byte)) != "noc" {
		t.Fatal("Set did not add")
	}
	if f.Requests() != 5 {
		t.Errorf("requests %d", f.Requests())
	}
}

package sim

import (
	"slices"
	"strconv"
	"testing"

	"github.com/gosnmp/gosnmp"
)

// ifMIBColumns are the 30 ifTable+ifXTable columns netpulse's if-mib profile walks together
// (one row of them does not fit a 484-byte message).
func ifMIBColumns() []string {
	var cols []string
	for _, c := range []int{2, 3, 4, 6, 7, 8, 10, 11, 13, 14, 15, 16, 17, 19, 20} {
		cols = append(cols, ".1.3.6.1.2.1.2.2.1."+strconv.Itoa(c))
	}
	for _, c := range []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 18} {
		cols = append(cols, ".1.3.6.1.2.1.31.1.1.1."+strconv.Itoa(c))
	}
	return cols
}

// TestBulkTooBigMode: with SNMPBulkTooBig a GETBULK that does not fit gets tooBig with no
// varbinds (checked with gosnmp's decoder); one that fits is answered in full; without the
// mode the same request is cut to fit (RFC 3416 §4.2.3), so the default did not change.
func TestBulkTooBigMode(t *testing.T) {
	cols := ifMIBColumns()
	strict := startFleet(t, Config{SNMPDevices: 1, Interfaces: 4, SNMPMaxMsgSize: 484, SNMPBulkTooBig: true}).Devices()[0]
	g := goSNMP(t, strict, gosnmp.Version2c)
	r, err := g.GetBulk(cols, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.TooBig || r.ErrorIndex != 0 || len(r.Variables) != 0 {
		t.Fatalf("30 columns, max-repetitions 1: %v index %d, %d varbinds; want tooBig, 0, none", r.Error, r.ErrorIndex, len(r.Variables))
	}
	r, err = g.GetBulk(cols[:4], 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.NoError || len(r.Variables) != 8 {
		t.Fatalf("4 columns, max-repetitions 2: %v, %d varbinds; want 8", r.Error, len(r.Variables))
	}
	// SNMPv1 GETNEXT of all 30 columns does not fit either (the Counter64 columns, invisible
	// in v1, answer with the next object): tooBig, error-index 0 (RFC 1157 §4.1.3).
	g1 := goSNMP(t, strict, gosnmp.Version1)
	r, err = g1.GetNext(cols)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.TooBig || r.ErrorIndex != 0 {
		t.Fatalf("v1 GETNEXT of 30 columns: %v index %d, want tooBig 0", r.Error, r.ErrorIndex)
	}

	lenient := startFleet(t, Config{SNMPDevices: 1, Interfaces: 4, SNMPMaxMsgSize: 484}).Devices()[0]
	r, err = goSNMP(t, lenient, gosnmp.Version2c).GetBulk(cols, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r.Error != gosnmp.NoError || len(r.Variables) == 0 || len(r.Variables) >= len(cols) {
		t.Fatalf("default mode: %v with %d varbinds, want a cut answer", r.Error, len(r.Variables))
	}
}

// TestGenErrColumnMode: every request naming the faulty column (the column itself or an
// instance, at any position) gets genErr with error-index at that varbind and the request's
// varbinds echoed; requests that do not name it are answered normally.
func TestGenErrColumnMode(t *testing.T) {
	const mtu = "1.3.6.1.2.1.2.2.1.4"
	d := startFleet(t, Config{SNMPDevices: 1, Interfaces: 4, SNMPGenErrColumns: []string{mtu}}).Devices()[0]
	for _, v := range []gosnmp.SnmpVersion{gosnmp.Version1, gosnmp.Version2c} {
		g := goSNMP(t, d, v)
		req := []string{".1.3.6.1.2.1.2.2.1.2", ".1.3.6.1.2.1.2.2.1.3", "." + mtu + ".2", ".1.3.6.1.2.1.2.2.1.7"}
		check := func(what string, r *gosnmp.SnmpPacket, err error, want gosnmp.SNMPError, index uint8) {
			t.Helper()
			if err != nil {
				t.Fatalf("%v %s: %v", v, what, err)
			}
			if r.Error != want || r.ErrorIndex != index {
				t.Fatalf("%v %s: %v index %d, want %v index %d", v, what, r.Error, r.ErrorIndex, want, index)
			}
			if want == gosnmp.GenErr && !slices.Equal(names(r.Variables), req) {
				t.Fatalf("%v %s: varbinds %v, want the request's %v", v, what, names(r.Variables), req)
			}
		}
		r, err := g.GetNext(req)
		check("GETNEXT", r, err, gosnmp.GenErr, 3)
		r, err = g.Get(req)
		check("GET", r, err, gosnmp.GenErr, 3)
		if v == gosnmp.Version2c {
			r, err = g.GetBulk(req, 0, 3)
			check("GETBULK", r, err, gosnmp.GenErr, 3)
		}
		req = []string{"." + mtu}
		r, err = g.GetNext(req)
		check("GETNEXT of the column", r, err, gosnmp.GenErr, 1)
		req = []string{".1.3.6.1.2.1.2.2.1.2", ".1.3.6.1.2.1.2.2.1.7"}
		r, err = g.GetNext(req)
		check("GETNEXT of other columns", r, err, gosnmp.NoError, 0)
		if len(r.Variables) != 2 || r.Variables[0].Name != ".1.3.6.1.2.1.2.2.1.2.1" {
			t.Fatalf("%v: other columns answered %v", v, names(r.Variables))
		}
	}
	if err := (&Config{SNMPGenErrColumns: []string{"1.3.x"}}).Validate(); err == nil {
		t.Fatal("a malformed genErr column was accepted")
	}
}

package snmp

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestJuniperSRXSPU: an SRX's services processing unit is a CPU with a memory percentage
// (JUNIPER-SRX5000-SPU-MONITORING-MIB). No SRX recording is available; the rows below are
// the shape an SRX5000 answers (FPC 0, SPU 0, CPU 0 %, memory 57 %, as in a published SRX
// walk) plus a second SPU.
func TestJuniperSRXSPU(t *testing.T) {
	rec := `1.3.6.1.2.1.1.1.0|4|Juniper Networks, Inc. srx5800 internet router
1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.2636.1.1.1.2.39
1.3.6.1.2.1.1.3.0|67|1000
1.3.6.1.4.1.2636.3.39.1.12.1.1.1.2.0|66|0
1.3.6.1.4.1.2636.3.39.1.12.1.1.1.2.1|66|2
1.3.6.1.4.1.2636.3.39.1.12.1.1.1.3.0|66|0
1.3.6.1.4.1.2636.3.39.1.12.1.1.1.3.1|66|1
1.3.6.1.4.1.2636.3.39.1.12.1.1.1.4.0|66|0
1.3.6.1.4.1.2636.3.39.1.12.1.1.1.4.1|66|23
1.3.6.1.4.1.2636.3.39.1.12.1.1.1.5.0|66|57
1.3.6.1.4.1.2636.3.39.1.12.1.1.1.5.1|66|61
`
	path := filepath.Join(t.TempDir(), "srx.snmprec")
	if err := os.WriteFile(path, []byte(rec), 0o600); err != nil {
		t.Fatal(err)
	}
	points, _, _ := pollAuto(t, path)
	var got []string
	for _, p := range points {
		if p.Measurement == componentsMeasurement {
			got = append(got, pointLine(p))
		}
	}
	slices.Sort(got)
	want := []string{
		"components component_name=FPC 0 SPU 0 source=dev cpu/utilization/state/instant=0",
		"components component_name=FPC 0 SPU 0 source=dev state/memory/utilized-percent=57",
		"components component_name=FPC 2 SPU 1 source=dev cpu/utilization/state/instant=23",
		"components component_name=FPC 2 SPU 1 source=dev state/memory/utilized-percent=61",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

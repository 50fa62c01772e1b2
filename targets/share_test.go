package targets

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp"
)

// TestFleetSharesSNMPProfiles: a fleet's SNMP targets that list the same profiles share them,
// and their sessions share the compiled forms. Before, each target held its own copy of the
// ~30 `auto` profiles and each session compiled them: about 70 KiB of heap per device in a
// 2,000-device daemon's heap profile (issue 11), now a few KiB.
func TestFleetSharesSNMPProfiles(t *testing.T) {
	const n = 300
	var b strings.Builder
	b.WriteString("outputs: [{type: file, path: \"-\"}]\ntargets:\n")
	for i := range n {
		// Half on the default (auto), half on an explicit list, as a mixed fleet has.
		profiles := ""
		if i%2 == 1 {
			profiles = ", profiles: [system, if-mib]"
		}
		fmt.Fprintf(&b, "  - {name: d%d, address: 127.0.0.1:%d, snmp: {version: 2c, community: public%s}}\n", i, 10000+i, profiles)
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	h0 := heap()
	f, err := Parse([]byte(b.String()), "")
	if err != nil {
		t.Fatal(err)
	}
	a, c := f.Targets[0].SNMP.Profiles, f.Targets[2].SNMP.Profiles
	if len(a) < 10 || &a[0] != &c[0] {
		t.Fatalf("targets on auto do not share their %d profiles", len(a))
	}
	sessions := make([]*snmp.Session, 0, n)
	for _, tg := range f.Targets {
		s, err := snmp.New(*tg.SNMP, collector.Runtime{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, s)
	}
	per := (int64(heap()) - int64(h0)) / n
	runtime.KeepAlive(f)
	runtime.KeepAlive(sessions)
	t.Logf("%d bytes of heap per SNMP target (config and unpolled session)", per)
	if per > 16<<10 {
		t.Errorf("each SNMP target holds %d bytes of config and session, want under 16 KiB: are profiles copied or compiled per target again?", per)
	}
}

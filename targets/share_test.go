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

// TestFleetSharesGNMISubscriptions: gNMI targets that name the same subscriptions share one
// resolved list, and a target naming an unknown subscription is still reported at its own
// line even when another target named the same list.
func TestFleetSharesGNMISubscriptions(t *testing.T) {
	const head = "outputs: [{type: file, path: \"-\"}]\nsubscriptions:\n" +
		"  ifs: {paths: [/interfaces/interface/state/counters]}\n  sys: {paths: [/system/state]}\ntargets:\n"
	f, err := Parse([]byte(head+
		"  - {name: a, address: 127.0.0.1:1, gnmi: {insecure: true, subscriptions: [ifs, sys]}}\n"+
		"  - {name: b, address: 127.0.0.1:2, gnmi: {insecure: true, subscriptions: [ifs, sys]}}\n"+
		"  - {name: c, address: 127.0.0.1:3, gnmi: {insecure: true, subscriptions: [sys]}}\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := f.Targets[0].GNMI.Subscriptions, f.Targets[1].GNMI.Subscriptions, f.Targets[2].GNMI.Subscriptions
	if len(a) != 2 || len(b) != 2 || &a[0] != &b[0] {
		t.Fatalf("targets naming [ifs, sys] do not share one list: %d and %d subscriptions", len(a), len(b))
	}
	if len(c) != 1 || c[0].Name != "sys" || cap(a) != len(a) {
		t.Fatalf("target c got %+v; the shared list must be clipped (cap %d, len %d)", c, cap(a), len(a))
	}

	_, err = Parse([]byte(head+
		"  - {name: a, address: 127.0.0.1:1, gnmi: {insecure: true, subscriptions: [ifz]}}\n"+
		"  - {name: b, address: 127.0.0.1:2, gnmi: {insecure: true, subscriptions: [ifz]}}\n"), "")
	if err == nil || strings.Count(err.Error(), `unknown subscription "ifz"`) != 2 {
		t.Fatalf("want the unknown subscription reported once per target, got %v", err)
	}
}

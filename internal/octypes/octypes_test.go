package octypes

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	yangDir   = "testdata/yang"
	generated = "../../collector/gnmi/octypes_gen.go"
)

// TestGeneratedTableIsCurrent: the committed table is exactly what the generator makes of
// the committed models (run `go generate ./collector/gnmi` after changing either).
func TestGeneratedTableIsCurrent(t *testing.T) {
	want, err := Generate(yangDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run `go generate ./collector/gnmi` and commit the result", generated)
	}
}

// TestModelFilesAreExactlyTheNeededOnes: testdata/yang holds every file the models import
// or include (the generator would fail otherwise) and nothing unused, plus the licence and
// README naming their origin.
func TestModelFilesAreExactlyTheNeededOnes(t *testing.T) {
	_, used, err := Load(yangDir)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(yangDir, "*.yang"))
	var have []string
	for _, f := range files {
		have = append(have, filepath.Base(f))
	}
	if strings.Join(have, " ") != strings.Join(used, " ") {
		t.Errorf("testdata/yang has\n%v\nthe models use\n%v", have, used)
	}
	for _, f := range []string{"README.md", "LICENSE"} {
		if _, err := os.Stat(filepath.Join(yangDir, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestKinds checks the YANG → line-protocol mapping on leaves whose model types are
// written out here from the .yang text (the reference): a typedef chain (counter64 →
// uint64), a union of one kind and of mixed kinds, a leafref, ieeefloat32, an enum and
// decimal64.
func TestKinds(t *testing.T) {
	leaves, _, err := Load(yangDir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Leaf{}
	for _, l := range leaves {
		got[l.Path] = l
	}
	for path, want := range map[string]Kind{
		"interfaces/interface/state/counters/in-octets":                                                    Uint,   // oc-yang:counter64 (uint64)
		"interfaces/interface/state/mtu":                                                                   Uint,   // uint16
		"interfaces/interface/state/description":                                                           String, // string
		"interfaces/interface/state/type":                                                                  String, // identityref
		"interfaces/interface/state/oper-status":                                                           String, // enumeration
		"interfaces/interface/state/enabled":                                                               Bool,   // boolean
		"interfaces/interface/name":                                                                        String, // leafref to config/name
		"interfaces/interface/subinterfaces/subinterface/index":                                            Uint,   // leafref to config/index, uint32
		"interfaces/interface/ethernet/state/mac-address":                                                  String, // oc-yang:mac-address
		"components/component/state/temperature/instant":                                                   Float,  // decimal64
		"components/component/power-supply/state/input-current":                                            Float,  // oc-types:ieeefloat32
		"components/component/properties/property/state/value":                                             String, // union of string, boolean, int64, uint64, decimal64
		"components/component/cpu/utilization/state/instant":                                               Uint,   // oc-types:percentage (uint8)
		"lldp/interfaces/interface/neighbors/neighbor/state/ttl":                                           Uint,   // uint16
		"network-instances/network-instance/protocols/protocol/bgp/neighbors/neighbor/state/peer-as":       Uint,   // oc-inet:as-number (uint32)
		"network-instances/network-instance/protocols/protocol/bgp/neighbors/neighbor/state/session-state": String,
	} {
		if l, ok := got[path]; !ok || l.Kind != want {
			t.Errorf("%s: %+v (found %v), want %s", path, l, ok, want)
		}
	}
	for p := range got {
		if strings.Contains(p, "/bgp/rib/") {
			t.Fatalf("%s: the BGP RIB is left out", p)
		}
	}
}

// TestGoGenerate runs the go:generate line itself, so the documented command works.
func TestGoGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generator")
	}
	out := filepath.Join(t.TempDir(), "gen.go")
	cmd := exec.Command("go", "run", "../../internal/octypes/gen", "-yang", "../../internal/octypes/testdata/yang", "-out", out)
	cmd.Dir = "../../collector/gnmi"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	got, _ := os.ReadFile(out)
	want, _ := os.ReadFile(generated)
	if !bytes.Equal(got, want) {
		t.Fatal("go:generate output differs from the committed table")
	}
}

// Package octypes generates collector/gnmi's table of OpenConfig leaf types from the
// OpenConfig YANG models (a copy of which is in testdata/yang, see its README.md), so the
// gNMI normalizer writes each known leaf with the type its model declares whatever encoding
// (PROTO, JSON, JSON_IETF) the device chose. It runs at development time only: `go generate
// ./collector/gnmi` (through cmd gen); the binary links the generated table, not goyang.
package octypes

import (
	"bytes"
	"fmt"
	"go/format"
	"path/filepath"
	"slices"
	"strings"

	"github.com/openconfig/goyang/pkg/yang"
)

// Mount is one subtree written to the table: the top-level node Top of Module, under the
// schema path At ("" = at the root). OpenConfig instantiates some models under others with
// `uses` (BGP under /network-instances/.../protocol), which a mount reproduces without
// loading the much larger instantiating model and its imports.
type Mount struct {
	Module string
	Top    string
	At     string
	Skip   []string // children of Top left out
}

// Mounts are the subtrees in the table: the interfaces the README documents (with the
// Ethernet, aggregate and IP augmentations: counters, subinterfaces), platform components
// (CPU, memory, temperature, fans, power supplies, transceivers, inventory), LLDP neighbors
// and BGP neighbors, both at /bgp and where openconfig-network-instance puts them.
var Mounts = []Mount{
	{Module: "openconfig-interfaces", Top: "interfaces"},
	{Module: "openconfig-platform", Top: "components"},
	{Module: "openconfig-lldp", Top: "lldp"},
	// The BGP RIB (per-route attributes, 600 leaves) is left out: routes are not the
	// per-device time series netpulse collects.
	{Module: "netpulse-bgp-top", Top: "bgp", Skip: []string{"rib"}},
	{Module: "netpulse-bgp-top", Top: "bgp", At: "network-instances/network-instance/protocols/protocol", Skip: []string{"rib"}},
}

// Modules are loaded besides the mounted ones because they augment the mounted trees.
var Modules = []string{
	"openconfig-if-ethernet", "openconfig-if-aggregate",
	"openconfig-platform-cpu", "openconfig-platform-fan", "openconfig-platform-psu",
	"openconfig-platform-transceiver", "openconfig-platform-port",
}

// Extras are leaves netpulse writes under OpenConfig-style names that the models lack, with
// the type netpulse declares for them: the if-mib profile names ifHighSpeed (RFC 2863,
// Gauge32, Mb/s) state/high-speed beside OpenConfig's leaves, and a gNMI device sending
// the same name must land in the same field type.
var Extras = []Leaf{
	{Path: "interfaces/interface/state/high-speed", Kind: Uint, YANG: "uint32 (netpulse: IF-MIB ifHighSpeed, not in OpenConfig)"},
}

// Kind is the line-protocol type of a leaf, named as collector.Kind's constants.
type Kind string

// The kinds, as the identifiers of collector's Kind constants.
const (
	Uint   Kind = "KindUint"
	Int    Kind = "KindInt"
	Float  Kind = "KindFloat"
	Bool   Kind = "KindBool"
	String Kind = "KindString"
)

// Leaf is one table row.
type Leaf struct {
	Path string // schema path: element names, no keys, no module prefixes
	Kind Kind
	YANG string // the leaf's YANG type as written in the model (typedef name), for explain
}

// Load parses the models in dir and returns every leaf of the mounted subtrees, sorted by
// path, and the .yang files the models needed (imports and includes): the files to keep in
// testdata/yang. Leaves whose type has no exact line-protocol equivalent (binary other than
// ieeefloat32, unresolvable leafrefs) are left out: their type is learned at write time.
func Load(dir string) (leaves []Leaf, used []string, err error) {
	ms := yang.NewModules()
	ms.Path = []string{dir}
	names := append([]string{}, Modules...)
	for _, m := range Mounts {
		if !slices.Contains(names, m.Module) {
			names = append(names, m.Module)
		}
	}
	for _, n := range names {
		if err := ms.Read(filepath.Join(dir, n+".yang")); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", n, err)
		}
	}
	if errs := ms.Process(); len(errs) > 0 {
		return nil, nil, fmt.Errorf("process YANG: %v", errs)
	}
	used = usedFiles(ms)
	byPath := map[string]Leaf{}
	for _, m := range Mounts {
		mod, errs := ms.GetModule(m.Module)
		if len(errs) > 0 {
			return nil, nil, fmt.Errorf("module %s: %v", m.Module, errs)
		}
		top := mod.Dir[m.Top]
		if top == nil {
			return nil, nil, fmt.Errorf("%s has no top-level node %s", m.Module, m.Top)
		}
		base := m.Top
		if m.At != "" {
			base = m.At + "/" + m.Top
		}
		sub := map[string]Leaf{}
		walk(top, base, sub)
		for p, l := range sub {
			skipped := false
			for _, s := range m.Skip {
				skipped = skipped || strings.HasPrefix(p, base+"/"+s+"/")
			}
			if !skipped {
				byPath[p] = l
			}
		}
	}
	for _, l := range Extras {
		if _, dup := byPath[l.Path]; dup {
			return nil, nil, fmt.Errorf("extra leaf %s is in the models now: remove it from Extras", l.Path)
		}
		byPath[l.Path] = l
	}
	leaves = make([]Leaf, 0, len(byPath))
	for _, l := range byPath {
		leaves = append(leaves, l)
	}
	slices.SortFunc(leaves, func(a, b Leaf) int { return strings.Compare(a.Path, b.Path) })
	return leaves, used, nil
}

// usedFiles names the .yang files of every module and submodule the models loaded.
func usedFiles(ms *yang.Modules) []string {
	var files []string
	for _, set := range []map[string]*yang.Module{ms.Modules, ms.SubModules} {
		for n := range set {
			if !strings.Contains(n, "@") { // each module is also listed as name@revision
				files = append(files, n+".yang")
			}
		}
	}
	slices.Sort(files)
	return files
}

// walk adds the leaves below e (at schema path p) to out. Choices and cases are not data
// nodes: their children sit directly under the parent in data paths (RFC 7950 §7.9).
func walk(e *yang.Entry, p string, out map[string]Leaf) {
	names := make([]string, 0, len(e.Dir))
	for n := range e.Dir {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		c := e.Dir[n]
		cp := p + "/" + c.Name
		if c.IsChoice() || c.IsCase() {
			cp = p
		}
		switch {
		case c.IsLeafList():
			// The normalizer writes a leaf-list as one comma-joined string.
			out[cp] = Leaf{Path: cp, Kind: String, YANG: "leaf-list of " + typeName(c, c.Type)}
		case c.IsLeaf():
			k, ok := kindOf(c, c.Type)
			if !ok {
				continue
			}
			out[cp] = Leaf{Path: cp, Kind: k, YANG: typeName(c, c.Type)}
		default:
			walk(c, cp, out)
		}
	}
}

// typeName is the type as the model writes it (a typedef's name such as counter64), and
// for a leafref the type of the leaf it refers to.
func typeName(e *yang.Entry, t *yang.YangType) string {
	if t == nil {
		return ""
	}
	if t.Kind == yang.Yleafref {
		if target := e.Find(t.Path); target != nil && target != e && target.Type != nil {
			return "leafref to " + typeName(target, target.Type)
		}
	}
	return t.Name
}

// kindOf maps a YANG type (RFC 7950 §9) to the line-protocol type netpulse writes it as.
func kindOf(e *yang.Entry, t *yang.YangType) (Kind, bool) {
	if t == nil {
		return "", false
	}
	switch t.Kind {
	case yang.Yint8, yang.Yint16, yang.Yint32, yang.Yint64:
		return Int, true
	case yang.Yuint8, yang.Yuint16, yang.Yuint32, yang.Yuint64:
		return Uint, true
	case yang.Ydecimal64:
		return Float, true
	case yang.Ybool, yang.Yempty:
		return Bool, true
	case yang.Ystring, yang.Yenum, yang.Yidentityref, yang.Ybits:
		return String, true
	case yang.Ybinary:
		// oc-types:ieeefloat32 is a 4-byte binary carrying an IEEE 754 float (PROTO sends it
		// as float_val, JSON as base64); other binaries have no field type.
		if t.Name == "ieeefloat32" {
			return Float, true
		}
		return "", false
	case yang.Yunion:
		// One kind for all members → that kind; mixed members (a number or an enum name,
		// e.g. "uint32 or UNLIMITED") → string, into which every member converts exactly.
		var kinds []Kind
		for _, m := range t.Type {
			k, ok := kindOf(e, m)
			if !ok {
				return "", false
			}
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 1 {
			return kinds[0], true
		}
		return String, true
	case yang.Yleafref:
		target := e.Find(t.Path)
		if target == nil || target == e || target.Type == nil {
			return "", false
		}
		return kindOf(target, target.Type)
	}
	return "", false
}

// Generate renders the Go source of collector/gnmi's table from the models in dir.
func Generate(dir string) ([]byte, error) {
	leaves, _, err := Load(dir)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("// Code generated by go run ../../internal/octypes/gen; DO NOT EDIT.\n")
	b.WriteString("// Source: the OpenConfig YANG models in internal/octypes/testdata/yang (README.md there\n")
	b.WriteString("// names their origin and licence). Regenerate with `go generate ./collector/gnmi`.\n\n")
	b.WriteString("package gnmi\n\nimport \"github.com/netpulse/netpulse/collector\"\n\n")
	b.WriteString("// openConfigLeaves maps the schema path of each leaf of the generated OpenConfig subtrees\n")
	b.WriteString("// (element names without keys or module prefixes, as the Normalizer joins them) to its\n")
	b.WriteString("// declared type. Read-only.\n")
	b.WriteString("var openConfigLeaves = map[string]leafType{\n")
	for _, l := range leaves {
		fmt.Fprintf(&b, "\t%q: {collector.%s, %q},\n", l.Path, l.Kind, l.YANG)
	}
	b.WriteString("}\n\n")
	var roots []string
	for _, l := range leaves {
		r, _, _ := strings.Cut(l.Path, "/")
		if !slices.Contains(roots, r) {
			roots = append(roots, r)
		}
	}
	b.WriteString("// openConfigRoot reports whether a schema path starting with element name can be in\n")
	b.WriteString("// openConfigLeaves, so that other paths (vendor-native ones) skip the lookup.\n")
	b.WriteString("func openConfigRoot(name string) bool {\n\tswitch name {\n\tcase ")
	for i, r := range roots {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", r)
	}
	b.WriteString(":\n\t\treturn true\n\t}\n\treturn false\n}\n")
	return format.Source(b.Bytes())
}

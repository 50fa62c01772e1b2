package snmp

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
	"github.com/influxdata/line-protocol/v2/lineprotocol"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testConfig is a v2c config with the built-in profiles, for the fake client.
func testConfig(t testing.TB, profiles ...string) Config {
	t.Helper()
	if len(profiles) == 0 {
		profiles = []string{"system", "if-mib"}
	}
	cfg := Config{
		Version: "2c", Name: "dev", Address: "127.0.0.1:161",
		Tags:     []collector.Tag{{Key: "site", Value: "lab"}},
		Interval: time.Minute, Timeout: time.Second, MaxRepetitions: 25,
	}
	for _, n := range profiles {
		p, ok := BuiltinProfile(n)
		if !ok {
			t.Fatalf("no built-in profile %q", n)
		}
		cfg.Profiles = append(cfg.Profiles, p)
	}
	return cfg
}

// encodeLP renders points as real line protocol (the encoder rejects what InfluxDB would,
// such as empty tag values), with timestamps set to 0 for stable goldens.
func encodeLP(t testing.TB, points []collector.Point) string {
	t.Helper()
	var enc lineprotocol.Encoder
	enc.SetPrecision(lineprotocol.Nanosecond)
	for _, p := range points {
		enc.StartLine(p.Measurement)
		for _, tg := range p.Tags {
			enc.AddTag(tg.Key, tg.Value)
		}
		for _, f := range p.Fields {
			var v lineprotocol.Value
			var ok bool
			switch f.Kind {
			case collector.KindInt:
				v = lineprotocol.IntValue(f.IntValue())
				ok = true
			case collector.KindUint:
				v = lineprotocol.UintValue(f.UintValue())
				ok = true
			case collector.KindFloat:
				v, ok = lineprotocol.FloatValue(f.FloatValue())
			case collector.KindBool:
				v, ok = lineprotocol.BoolValue(f.BoolValue()), true
			case collector.KindString:
				v, ok = lineprotocol.StringValue(f.StringValue())
			}
			if !ok {
				t.Fatalf("%s: field %s: value not encodable", p.Measurement, f.Key)
			}
			enc.AddField(f.Key, v)
		}
		enc.EndLine(time.Unix(0, 0))
		if err := enc.Err(); err != nil {
			t.Fatalf("encode %v: %v", p, err)
		}
	}
	return string(enc.Bytes())
}

func loadFake(t testing.TB, device string) (*snmptest.Fake, []gosnmp.SnmpPDU) {
	t.Helper()
	pdus, err := snmptest.LoadSnmprecFile(filepath.Join("testdata", "devices", device+".snmprec"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := snmptest.NewFake(pdus)
	if err != nil {
		t.Fatal(err)
	}
	return f, pdus
}

func devices(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "devices", "*.snmprec"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings: %v", err)
	}
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".snmprec"))
	}
	return out
}

// TestGolden polls every recorded device through the fake with system + if-mib and compares
// the line protocol with testdata/golden/<device>.lp.
func TestGolden(t *testing.T) {
	for _, dev := range devices(t) {
		t.Run(dev, func(t *testing.T) {
			fake, _ := loadFake(t, dev)
			s, err := NewWithClient(testConfig(t), collector.Runtime{}, nil, fake)
			if err != nil {
				t.Fatal(err)
			}
			points, err := s.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := encodeLP(t, points)
			path := filepath.Join("testdata", "golden", dev+".lp")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
				for i := range max(len(gl), len(wl)) {
					var g, w string
					if i < len(gl) {
						g = gl[i]
					}
					if i < len(wl) {
						w = wl[i]
					}
					if g != w {
						t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run with -update and review the diff)", path, i+1, g, w)
					}
				}
			}
		})
	}
}

// recordedIfRows returns the union of row indexes of ifTable and ifXTable in a recording,
// and per index the raw values of a few columns.
func recordedIfRows(pdus []gosnmp.SnmpPDU) map[string]map[string]gosnmp.SnmpPDU {
	rows := map[string]map[string]gosnmp.SnmpPDU{}
	for _, p := range pdus {
		for _, prefix := range []string{"." + oidIfEntry + ".", "." + oidIfXEntry + "."} {
			rest, ok := strings.CutPrefix(p.Name, prefix)
			if !ok {
				continue
			}
			col, idx, _ := strings.Cut(rest, ".")
			if rows[idx] == nil {
				rows[idx] = map[string]gosnmp.SnmpPDU{}
			}
			rows[idx][prefix+col] = p
		}
	}
	return rows
}

// TestDevicesPollExactly checks, independently of the goldens, that every recorded interface
// becomes exactly one point, that no two points share measurement and tags (no overwrite in
// InfluxDB), that names and octet counters follow the documented fallbacks, and that every
// point of a poll has the same timestamp.
func TestDevicesPollExactly(t *testing.T) {
	ifName, ifDescr := "."+oidIfXEntry+".1", "."+oidIfEntry+".2"
	hcIn, in32 := "."+oidIfXEntry+".6", "."+oidIfEntry+".10"
	for _, dev := range devices(t) {
		t.Run(dev, func(t *testing.T) {
			fake, pdus := loadFake(t, dev)
			s, err := NewWithClient(testConfig(t), collector.Runtime{}, nil, fake)
			if err != nil {
				t.Fatal(err)
			}
			points, err := s.Poll(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			rows := recordedIfRows(pdus)
			seen := map[string]bool{}
			byIndex := map[string]collector.Point{}
			for _, p := range points {
				if !p.Time.Equal(points[0].Time) {
					t.Fatalf("points carry different timestamps: %v and %v", p.Time, points[0].Time)
				}
				if !slices.IsSortedFunc(p.Tags, func(a, b collector.Tag) int { return strings.Compare(a.Key, b.Key) }) {
					t.Fatalf("tags not sorted: %v", p)
				}
				if src, _ := p.Tag("source"); src != "dev" {
					t.Fatalf("source tag %q: %v", src, p)
				}
				if site, _ := p.Tag("site"); site != "lab" {
					t.Fatalf("static tag missing: %v", p)
				}
				key := p.Measurement
				for _, tg := range p.Tags {
					key += "," + tg.Key + "=" + tg.Value
				}
				if seen[key] {
					t.Fatalf("two points with the same series %s: one would overwrite the other", key)
				}
				seen[key] = true
				if p.Measurement == "interfaces" {
					f, ok := p.Field("state/ifindex")
					if !ok {
						t.Fatalf("no state/ifindex: %v", p)
					}
					byIndex[tagValue(f)] = p
				}
			}
			if len(byIndex) != len(rows) {
				t.Fatalf("%d interface points for %d recorded rows", len(byIndex), len(rows))
			}
			for idx, cols := range rows {
				p, ok := byIndex[idx]
				if !ok {
					t.Fatalf("ifIndex %s has no point", idx)
				}
				wantName := ""
				if v, ok := cols[ifName]; ok {
					wantName = octetString(v.Value.([]byte))
				}
				if wantName == "" {
					if v, ok := cols[ifDescr]; ok {
						wantName = octetString(v.Value.([]byte))
					}
				}
				if wantName == "" {
					wantName = idx
				}
				if got, _ := p.Tag("interface_name"); got != wantName {
					t.Errorf("ifIndex %s: interface_name %q, want %q", idx, got, wantName)
				}
				var want any
				if v, ok := cols[hcIn]; ok {
					want = v.Value.(uint64)
				} else if v, ok := cols[in32]; ok {
					want = uint64(v.Value.(uint))
				}
				f, ok := p.Field("state/counters/in-octets")
				switch {
				case want == nil && ok:
					t.Errorf("ifIndex %s: in-octets %v without a recorded counter", idx, f.Value())
				case want != nil && (!ok || f.Value() != want):
					t.Errorf("ifIndex %s: in-octets %v, want %v", idx, f.Value(), want)
				}
			}
			if sys := points[0]; sys.Measurement != "system" {
				t.Fatalf("first point is %s, want system", sys.Measurement)
			}
		})
	}
}

package gnmi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/protobuf/encoding/protojson"
	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected.lp from the current normalizer")

// goldenRequest is the `request` file of a golden case: the subscriptions in the daemon's
// config vocabulary plus the target's name and options.
type goldenRequest struct {
	Source        string            `yaml:"source"`
	Tags          map[string]string `yaml:"tags"`
	EmitDeletes   bool              `yaml:"emit_deletes"`
	Subscriptions []struct {
		Name         string `yaml:"name"`
		Subscription `yaml:",inline"`
	} `yaml:"subscriptions"`
}

// goldenRecv is the receive time used for notifications without a timestamp.
var goldenRecv = time.Unix(0, 1700000000000000000)

func loadResponses(t testing.TB, path string) []*gnmipb.SubscribeResponse {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := make([]*gnmipb.SubscribeResponse, 0, len(raws))
	for i, r := range raws {
		var resp gnmipb.SubscribeResponse
		if err := protojson.Unmarshal(r, &resp); err != nil {
			t.Fatalf("%s: response %d: %v", path, i, err)
		}
		out = append(out, &resp)
	}
	return out
}

func loadRequest(t testing.TB, path string) NormalizerConfig {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var req goldenRequest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&req); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	cfg := NormalizerConfig{Source: req.Source, EmitDeletes: req.EmitDeletes}
	for k, v := range req.Tags {
		cfg.Tags = append(cfg.Tags, collector.Tag{Key: k, Value: v})
	}
	for _, s := range req.Subscriptions {
		s.Subscription.Name = s.Name
		if err := ValidateSubscription(s.Subscription); err != nil {
			t.Fatalf("%s: subscription %s: %v", path, s.Name, err)
		}
		cfg.Subscriptions = append(cfg.Subscriptions, s.Subscription)
	}
	return cfg
}

// normalizeCase runs a golden case and returns its line protocol and counts.
func normalizeCase(t testing.TB, dir string) ([]byte, Counts) {
	t.Helper()
	cfg := loadRequest(t, filepath.Join(dir, "request"))
	n, err := NewNormalizer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var pts []collector.Point
	var total Counts
	for _, r := range loadResponses(t, filepath.Join(dir, "responses.json")) {
		if r.GetUpdate() == nil {
			continue
		}
		var c Counts
		pts, c = n.Normalize(pts, r.GetUpdate(), goldenRecv)
		total.Add(c)
	}
	lp, err := outputs.AppendLineProtocol(nil, pts, outputs.EncodeOptions{})
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return lp, total
}

// TestGolden checks every testdata/<case>/ folder: request + responses.json must produce
// expected.lp exactly. Run with -update to rewrite the expected files, then review the diff.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/responses.json")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, rp := range dirs {
		dir := filepath.Dir(rp)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got, _ := normalizeCase(t, dir)
			want := filepath.Join(dir, "expected.lp")
			if *update {
				if err := os.WriteFile(want, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, exp) {
				t.Errorf("output differs from %s\n--- got\n%s--- want\n%s", want, got, exp)
			}
		})
	}
}

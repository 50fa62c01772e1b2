package outputs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
)

// awkwardNames are names line protocol handles specially: its separators, its escape
// character, its comment marker, control characters and empty strings (issue 12).
var awkwardNames = []string{
	"#x", "# x", " #x", "x#", "", "a\nb", "a\tb", "a\x00b", "a\x7fb", "a\rb",
	"a b", " a", "a ", "a,b", "a=b", `a"b`, `a\b`, `a\\b`, `a\ b`, `a\,b`, `a\=b`, `a\`, `\`,
	`\\`, `a\"b`, "é/ü", "日本",
}

// TestInfluxdAwkwardNamesReadBackOrCounted writes every awkward name as a measurement, tag
// key, tag value and field key to the real InfluxDB 1.8.10 and reads everything back: each
// point AppendLineProtocol writes must come back with exactly its names, and each point it
// leaves out must be counted in the SkippedError. Nothing may vanish silently (a `#` line is a
// comment to InfluxDB) or arrive under another name.
func TestInfluxdAwkwardNamesReadBackOrCounted(t *testing.T) {
	d := peers.StartInfluxd(t)
	d.CreateDatabase(t, "np")
	base := time.Unix(1763946000, 0)
	var pts []collector.Point
	for i, s := range awkwardNames {
		c := fmt.Sprint(i)
		at := base.Add(time.Duration(i) * time.Second)
		pts = append(pts,
			collector.Point{Measurement: s, Tags: []collector.Tag{{Key: "case", Value: c + "m"}}, Fields: []collector.Field{collector.Int("v", 1)}, Time: at},
			collector.Point{Measurement: "names", Tags: sortTags([]collector.Tag{{Key: "case", Value: c + "tk"}, {Key: s, Value: "x"}}), Fields: []collector.Field{collector.Int("v", 1)}, Time: at},
			collector.Point{Measurement: "names", Tags: []collector.Tag{{Key: "case", Value: c + "tv"}, {Key: "k", Value: s}}, Fields: []collector.Field{collector.Int("v", 1)}, Time: at},
			collector.Point{Measurement: "names", Tags: []collector.Tag{{Key: "case", Value: c + "fk"}}, Fields: []collector.Field{collector.Int(s, 1)}, Time: at},
		)
	}
	var want []string
	skipped := 0
	for _, p := range pts {
		// Encoded one at a time to learn which points the encoder keeps.
		b, err := AppendLineProtocol(nil, []collector.Point{p}, EncodeOptions{})
		if err != nil {
			if len(b) != 0 {
				t.Errorf("%q: skipped, yet wrote %q", p.String(), b)
			}
			skipped++
			continue
		}
		want = append(want, seriesKey(p.Measurement, tagMap(p.Tags), fieldKeys(p)))
	}
	all, err := AppendLineProtocol(nil, pts, EncodeOptions{})
	var se *SkippedError
	if n := countSkipped(err, &se); n != skipped {
		t.Fatalf("the whole batch counts %d skipped points (%v), one at a time %d", n, err, skipped)
	}
	writeInflux(t, d.URL, "np", all)

	var got []string
	for _, s := range d.QuerySeries(t, "np", `SELECT * FROM /.*/ GROUP BY *`) {
		for _, row := range s.Values {
			var fields []string
			for j, col := range s.Columns[1:] {
				if row[j+1] != nil {
					fields = append(fields, col)
				}
			}
			tags := map[string]string{}
			for k, v := range s.Tags {
				if v != "" { // GROUP BY * lists every tag key of the measurement
					tags[k] = v
				}
			}
			got = append(got, seriesKey(s.Name, tags, fields))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok {
			t.Errorf("written but not read back identically: %s", w)
		}
	}
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok {
			t.Errorf("read back but never written: %s", g)
		}
	}
	t.Logf("%d points: %d written and read back, %d left out and counted (%v)", len(pts), len(want), skipped, se.Counts)
}

func sortTags(tags []collector.Tag) []collector.Tag {
	slices.SortFunc(tags, func(a, b collector.Tag) int { return strings.Compare(a.Key, b.Key) })
	return tags
}

func tagMap(tags []collector.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		if t.Value != "" { // left out by design: InfluxDB treats an empty tag as absent
			m[t.Key] = t.Value
		}
	}
	return m
}

func fieldKeys(p collector.Point) []string {
	var ks []string
	for _, f := range p.Fields {
		ks = append(ks, f.Key)
	}
	return ks
}

// seriesKey is a comparable, quoted rendering of a point's names.
func seriesKey(meas string, tags map[string]string, fields []string) string {
	var tk []string
	for k, v := range tags {
		tk = append(tk, fmt.Sprintf("%q=%q", k, v))
	}
	slices.Sort(tk)
	slices.Sort(fields)
	return fmt.Sprintf("%q %s %q", meas, strings.Join(tk, ","), fields)
}

func countSkipped(err error, se **SkippedError) int {
	if err == nil {
		return 0
	}
	e, ok := err.(*SkippedError)
	if !ok {
		return -1
	}
	*se = e
	n := 0
	for _, c := range e.Counts {
		n += c
	}
	return n
}

func writeInflux(t *testing.T, base, db string, body []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/write?"+url.Values{"db": {db}, "precision": {"ns"}}.Encode(), strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("influxd /write: %d %s\nbody:\n%s", resp.StatusCode, msg, body)
	}
}

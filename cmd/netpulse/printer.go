package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

// Output formats of the one-off commands.
const (
	formatLP    = "lp"    // line protocol, exactly as the daemon's outputs encode it
	formatJSON  = "json"  // the gNMI response as protojson, one per line
	formatTable = "table" // aligned columns for a terminal
)

// outputFlags are --format, --output and --measurement, shared by subscribe and get.
type outputFlags struct {
	format      string
	output      string
	measurement string
}

func checkFormat(f string, allowed ...string) error {
	if slices.Contains(allowed, f) {
		return nil
	}
	return usageError(fmt.Errorf("--format %q: use %s", f, strings.Join(allowed, ", ")))
}

// openOutput returns where results go: stdout, or the --output file (created or truncated).
func openOutput(g *globals, path string) (io.Writer, func() error, error) {
	if path == "" || path == "-" {
		return g.stdout, func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, usageError(fmt.Errorf("--output: %w", err))
	}
	return f, f.Close, nil
}

// printer writes results of one or more targets to w in one format. Each call writes whole
// lines under a lock, so targets printing at once never interleave within a line.
type printer struct {
	mu     sync.Mutex
	w      io.Writer
	warn   io.Writer // encoder warnings (skipped invalid points)
	format string
	prefix bool  // prefix table and json lines with "[target] " (several targets)
	widths []int // table column widths so far: they only grow, so columns stay aligned
	header bool  // table header written
	err    error // first write error
}

func newPrinter(w, warn io.Writer, format string, targets int) *printer {
	return &printer{w: w, warn: warn, format: format, prefix: targets > 1}
}

func (p *printer) write(b []byte) {
	if p.err != nil {
		return
	}
	if _, err := p.w.Write(b); err != nil {
		p.err = fmt.Errorf("write output: %w", err)
	}
}

// points prints a batch of points in the lp or table format. Line protocol is never
// prefixed: its source tag already names the target, and the lines stay valid input for
// InfluxDB (`--output file.lp`).
func (p *printer) points(target string, pts []collector.Point) error {
	if len(pts) == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.format {
	case formatLP:
		b, err := outputs.AppendLineProtocol(nil, pts, outputs.EncodeOptions{})
		var skipped *outputs.SkippedError
		if errors.As(err, &skipped) {
			fmt.Fprintf(p.warn, "netpulse: warning: %v\n", err)
		}
		p.write(b)
	case formatTable:
		p.table(target, pts)
	}
	return p.err
}

// message prints one protobuf message as a line of protojson.
func (p *printer) message(target string, m proto.Message) error {
	b, err := protojson.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %T as JSON: %w", m, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.prefix {
		p.write([]byte("[" + target + "] "))
	}
	p.write(append(b, '\n'))
	return p.err
}

// table prints one row per field: time, measurement, tags, field, value. The source tag is
// left out (it is the target, shown as the prefix when there are several).
func (p *printer) table(target string, pts []collector.Point) {
	var rows [][]string
	for _, pt := range pts {
		var tags []string
		for _, t := range pt.Tags {
			if t.Key != "source" && t.Value != "" {
				tags = append(tags, t.Key+"="+t.Value)
			}
		}
		ts := pt.Time.Local().Format("2006-01-02T15:04:05.000")
		for _, f := range pt.Fields {
			rows = append(rows, []string{ts, pt.Measurement, strings.Join(tags, ","), f.Key, f.Format()})
		}
	}
	head := []string{"TIME", "MEASUREMENT", "TAGS", "FIELD", "VALUE"}
	if p.widths == nil {
		p.widths = make([]int, len(head))
		for i, h := range head {
			p.widths[i] = len(h)
		}
	}
	for _, r := range rows {
		for i, c := range r[:len(r)-1] {
			p.widths[i] = max(p.widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		if p.prefix {
			b.WriteString("[" + target + "] ")
		}
		for i, c := range cells {
			b.WriteString(c)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", p.widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		b.WriteByte('\n')
	}
	if !p.header {
		p.header = true
		line(head)
	}
	for _, r := range rows {
		line(r)
	}
	p.write([]byte(b.String()))
}

// mergePoints joins points that share measurement, tags and time into one point, as
// InfluxDB would store them: devices (and the reference cache) often send one leaf per
// notification, and a snapshot reads better as one line per interface. Order is that of
// first appearance, fields sorted by key; a field repeated within a series keeps its last
// value.
func mergePoints(pts []collector.Point) []collector.Point {
	if len(pts) == 0 {
		return pts
	}
	index := map[string]int{}
	out := make([]collector.Point, 0, len(pts))
	var key strings.Builder
	for _, p := range pts {
		key.Reset()
		key.WriteString(p.Measurement)
		for _, t := range p.Tags {
			key.WriteString("\x00" + t.Key + "\x00" + t.Value)
		}
		key.WriteString("\x00" + strconv.FormatInt(p.Time.UnixNano(), 10))
		i, ok := index[key.String()]
		if !ok {
			index[key.String()] = len(out)
			p.Fields = slices.Clone(p.Fields)
			out = append(out, p)
			continue
		}
		for _, f := range p.Fields {
			j := slices.IndexFunc(out[i].Fields, func(e collector.Field) bool { return e.Key == f.Key })
			if j >= 0 {
				out[i].Fields[j] = f
			} else {
				out[i].Fields = append(out[i].Fields, f)
			}
		}
	}
	for i := range out {
		// Sorted fields make snapshots comparable run to run (devices send leaves in any order).
		slices.SortStableFunc(out[i].Fields, func(a, b collector.Field) int { return strings.Compare(a.Key, b.Key) })
	}
	return out
}

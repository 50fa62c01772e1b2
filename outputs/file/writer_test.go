package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

func point(v uint64) collector.Point {
	return collector.Point{
		Measurement: "interfaces",
		Tags:        []collector.Tag{{Key: "interface_name", Value: "Ethernet1"}, {Key: "source", Value: "leaf1"}},
		Fields:      []collector.Field{collector.Uint("state/counters/in-octets", v)},
		Time:        time.Unix(1, 0),
	}
}

func TestFileAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.lp")
	if err := os.WriteFile(path, []byte("# existing\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, v := range []uint64{1, 2} {
		w, err := New(Config{Path: path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(context.Background(), []collector.Point{point(v)}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	want := "# existing\n" +
		"interfaces,interface_name=Ethernet1,source=leaf1 state/counters/in-octets=1u 1000000000\n" +
		"interfaces,interface_name=Ethernet1,source=leaf1 state/counters/in-octets=2u 1000000000\n"
	if string(b) != want {
		t.Errorf("file:\n%s\nwant:\n%s", b, want)
	}
}

func TestFileUintAsIntCountsOverflow(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, Config{UintAsInt: true}, nil)
	if err := w.Write(context.Background(), []collector.Point{point(7), point(math.MaxUint64)}); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != "interfaces,interface_name=Ethernet1,source=leaf1 state/counters/in-octets=7i 1000000000\n" {
		t.Errorf("got %q", got)
	}
	if d := w.Dropped(); d[outputs.ReasonUintOverflow] != 1 {
		t.Errorf("Dropped %v, want uint_overflow=1", d)
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestFileWriteErrorIsRetryable(t *testing.T) {
	w := NewWriter(failing{}, Config{}, nil)
	err := w.Write(context.Background(), []collector.Point{point(1)})
	if e := outputs.Classify(err); err == nil || e.Class != outputs.Retryable || !strings.Contains(err.Error(), "no space") {
		t.Errorf("Write = %v", err)
	}
}

// TestFileThroughOutput is the CLI's path: Output over a file writer, closed at the end.
func TestFileThroughOutput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.lp")
	w, err := New(Config{Path: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := outputs.New(outputs.Config{Name: "file"}, w, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = o.Emit(context.Background(), []collector.Point{point(1), point(2), point(3)})
	rep, err := o.Close(context.Background())
	if err != nil || rep.Written != 3 || rep.Failed {
		t.Fatalf("Close = %+v, %v", rep, err)
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "\n"); n != 3 {
		t.Errorf("%d lines in file, want 3", n)
	}
	// Close closed the file: later writes go nowhere instead of failing.
	if err := w.Write(context.Background(), []collector.Point{point(4)}); err != nil {
		t.Errorf("write after close: %v", err)
	}
}

func TestFileOpenError(t *testing.T) {
	if _, err := New(Config{Path: filepath.Join(t.TempDir(), "missing", "dir", "x.lp")}, nil); err == nil {
		t.Error("New in a missing directory succeeded")
	}
}

// TestFileOneTypePerField: a file output holds each field to the first type written, in
// this run and the next (pins in the spool directory), on the wire type (integer with
// uint_support false).
func TestFileOneTypePerField(t *testing.T) {
	for _, uintAsInt := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "out.lp")
		spool := filepath.Join(dir, "spool")
		run := func(f collector.Field) {
			w, err := New(Config{Path: path, UintAsInt: uintAsInt}, nil)
			if err != nil {
				t.Fatal(err)
			}
			o, err := outputs.New(outputs.Config{Name: "file", SpoolDir: spool}, w, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := point(0)
			p.Fields = []collector.Field{f}
			if err := o.Emit(context.Background(), []collector.Point{p}); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if rep, err := o.Close(ctx); err != nil || rep.Written != 1 {
				t.Fatalf("report %+v, %v", rep, err)
			}
		}
		run(collector.Uint("state/counters/in-octets", 5))
		run(collector.Int("state/counters/in-octets", 6))      // another device, same run would do too
		run(collector.String("state/counters/in-octets", "7")) // after a restart
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		suffix := "u"
		if uintAsInt {
			suffix = "i"
		}
		for _, v := range []string{"5", "6", "7"} {
			if want := "in-octets=" + v + suffix + " "; !strings.Contains(string(b), want) {
				t.Errorf("uintAsInt=%v: file lacks %q:\n%s", uintAsInt, want, b)
			}
		}
	}
}

// writes records each write(2) the Writer makes.
type writes struct {
	bytes.Buffer
	sizes []int
}

func (w *writes) Write(b []byte) (int, error) {
	w.sizes = append(w.sizes, len(b))
	return w.Buffer.Write(b)
}

// A large batch goes out in chunks of whole lines, every line exactly once, and the
// Writer does not keep a buffer the size of the batch.
func TestFileLargeBatchInChunks(t *testing.T) {
	out := &writes{}
	w := NewWriter(out, Config{}, nil)
	const n = 5000
	batch := make([]collector.Point, n)
	for i := range batch {
		batch[i] = point(uint64(i))
	}
	if err := w.Write(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n {
		t.Fatalf("%d lines, want %d", len(lines), n)
	}
	for i, l := range lines {
		if want := fmt.Sprintf("in-octets=%du ", i); !strings.Contains(l, want) {
			t.Fatalf("line %d is %q, want it to contain %q", i, l, want)
		}
	}
	if len(out.sizes) < 2 {
		t.Errorf("%d write(2) calls for %d bytes, want it chunked", len(out.sizes), out.Len())
	}
	for _, s := range out.sizes {
		if s > chunkBytes+chunkPoints*200 {
			t.Errorf("a write of %d bytes, want about %d at most", s, chunkBytes)
		}
	}
	if c := cap(w.buf); c > 2*chunkBytes {
		t.Errorf("the Writer keeps a %d-byte buffer after the batch, want at most %d", c, 2*chunkBytes)
	}
}

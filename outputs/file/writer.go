package file

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

// Config configures a Writer.
type Config struct {
	// Path is the file to append to; "-" (or empty) is stdout.
	Path string
	// UintAsInt writes uint64 fields as int64, for files meant for InfluxDB 1.x.
	UintAsInt bool
}

// Writer appends line protocol to a file or stdout. It is safe for concurrent use; each
// write(2) carries whole lines, so concurrent writers to one file never interleave inside a
// line.
type Writer struct {
	cfg      Config
	log      *slog.Logger
	mu       sync.Mutex
	out      io.Writer
	file     *os.File // nil for stdout
	buf      []byte
	overflow atomic.Int64
}

// New opens cfg.Path for appending (creating it with mode 0644) or uses stdout.
func New(cfg Config, log *slog.Logger) (*Writer, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Writer{cfg: cfg, log: log}
	if cfg.Path == "" || cfg.Path == "-" {
		w.out = os.Stdout
		return w, nil
	}
	f, err := os.OpenFile(cfg.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open output file: %w", err)
	}
	w.out, w.file = f, f
	return w, nil
}

// NewWriter returns a Writer on any io.Writer (tests, `netpulse demo`'s terminal).
func NewWriter(out io.Writer, cfg Config, log *slog.Logger) *Writer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Writer{cfg: cfg, log: log, out: out}
}

// Write appends the points as line protocol. Invalid points are skipped (outputs.Output has
// counted them already); a failed write is Retryable (a full disk may drain).
//
// A batch is encoded and written chunkBytes at a time, each chunk one write(2) of whole
// lines: the buffer stays that small instead of growing to the largest batch (5,000 points
// of 48-counter interfaces are about 7 MB) and being kept for the life of the process,
// where the GC counts it as live heap and doubles it (BENCHMARKS.md, "gNMI memory per
// device, third pass"). A failed write leaves the lines of the chunks before it in the
// file; the retry writes them again, as a short write(2) could before.
func (w *Writer) Write(_ context.Context, points []collector.Point) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	opt := outputs.EncodeOptions{UintAsInt: w.cfg.UintAsInt}
	buf := w.buf[:0]
	for len(points) > 0 {
		n := min(len(points), chunkPoints)
		var skipErr error
		buf, skipErr = outputs.AppendLineProtocol(buf, points[:n], opt)
		points = points[n:]
		var se *outputs.SkippedError
		if errors.As(skipErr, &se) {
			w.overflow.Add(int64(se.Counts[outputs.ReasonUintOverflow]))
		}
		if len(buf) < chunkBytes && len(points) > 0 {
			continue
		}
		if len(buf) == 0 {
			continue
		}
		if _, err := w.out.Write(buf); err != nil {
			w.buf = buf[:0]
			return outputs.NewError(outputs.Retryable, 0, 0, "", fmt.Errorf("write line protocol to %s: %w", w.name(), err))
		}
		buf = buf[:0]
	}
	if cap(buf) > 2*chunkBytes {
		buf = nil // a few very long lines grew it: not kept
	}
	w.buf = buf
	return nil
}

const (
	// chunkBytes is about how much line protocol one write(2) carries.
	chunkBytes = 64 << 10
	// chunkPoints is how many points are encoded between checks of the buffer's length.
	chunkPoints = 16
)

// UintAsInt implements outputs.UintEncoder, so that the Output pins the types the file
// holds (integer for counters with uint_support false).
func (w *Writer) UintAsInt(context.Context) bool { return w.cfg.UintAsInt }

func (w *Writer) name() string {
	if w.file != nil {
		return w.file.Name()
	}
	return "stdout"
}

// Dropped implements outputs.DropCounter (uint64 values above MaxInt64 with UintAsInt).
func (w *Writer) Dropped() map[string]int64 {
	if n := w.overflow.Load(); n > 0 {
		return map[string]int64{outputs.ReasonUintOverflow: n}
	}
	return nil
}

// Close syncs and closes the file; stdout is left open.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file == nil {
		return nil
	}
	err := w.file.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil // a pipe or character device given as the path: nothing to sync
	}
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	w.file = nil
	w.out = io.Discard
	if err != nil {
		return fmt.Errorf("close output file: %w", err)
	}
	return nil
}

package outputs

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/netpulse/netpulse/collector"
)

// deadLetter appends the lines a server refused to a file, each group preceded by a comment
// with the time, reason and the server's message:
//
//	# 2026-11-24T01:02:03Z rejected output=influx status=400: partial write: field type conflict ...
//	interfaces,source=leaf1 state/counters/in-octets=12u 1763946123000000000
//
// Comments are valid line protocol, so after fixing the cause the file can be written back
// as is (influx write / curl --data-binary @file).
type deadLetter struct {
	path string
	mu   sync.Mutex
	buf  []byte
}

// write appends points with their reason; it returns the error of the file write (the caller
// has counted the points already).
func (d *deadLetter) write(name string, points []collector.Point, reason string, e *Error) error {
	if d.path == "" {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	// Keep the comment on one line whatever the server put in its message.
	msg = strings.Join(strings.Fields(msg), " ")
	b := fmt.Appendf(d.buf[:0], "# %s %s output=%s status=%d: %s\n",
		time.Now().UTC().Format(time.RFC3339), reason, name, e.StatusCode, msg)
	b, _ = AppendLineProtocol(b, points, EncodeOptions{})
	d.buf = b[:0]
	f, err := os.OpenFile(d.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open dead-letter file: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write dead-letter file %s: %w", d.path, err)
	}
	return nil
}

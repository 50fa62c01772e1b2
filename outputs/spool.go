package outputs

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/influxdata/line-protocol/v2/lineprotocol"

	"github.com/netpulse/netpulse/collector"
)

// The spool keeps points on disk while the sink is down or the buffer overflows, and across
// restarts (DESIGN.md §7). Each write is one segment file, named by a sequence number so that
// a directory listing replays in order:
//
//	seg-00000000000000000042.lp
//
// A segment is plain line protocol (uint64 kept as "u", nanosecond timestamps) after one
// comment header that carries the point count and a CRC-32C of the body:
//
//	# netpulse-spool v1 points=5000 bytes=812345 crc32c=1a2b3c4d
//
// so an operator can also feed a segment to InfluxDB by hand. Segments are written to a
// temporary name, fsynced, renamed and the directory fsynced, so a crash leaves either a whole
// segment or a *.tmp file (removed and reported at the next start). A segment that fails its
// header or checksum is renamed to *.corrupt, reported and skipped, never fatal.
type spool struct {
	dir      string
	maxBytes int64 // bound on the segments' bytes; the oldest are evicted beyond it
	log      *slog.Logger

	mu      sync.Mutex
	segs    []segment // ordered by seq
	nextSeq uint64
	points  int64
	bytes   int64
	buf     []byte
}

type segment struct {
	seq    uint64
	path   string
	points int64
	bytes  int64
}

const (
	spoolMagic  = "# netpulse-spool v1"
	segPrefix   = "seg-"
	segSuffix   = ".lp"
	corruptExt  = ".corrupt"
	tmpExt      = ".tmp"
	maxSegBytes = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// openSpool creates dir if needed and indexes the segments a previous run left behind.
// Leftover temporary files (a crash mid-write) and segments with unreadable headers are
// reported through corrupt and moved aside.
func openSpool(dir string, maxBytes int64, log *slog.Logger) (s *spool, corrupt int, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, 0, fmt.Errorf("create spool directory: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, fmt.Errorf("read spool directory: %w", err)
	}
	s = &spool{dir: dir, maxBytes: maxBytes, log: log, nextSeq: 1}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasSuffix(name, tmpExt):
			log.Warn("removing incomplete spool segment left by a crash", "path", path)
			_ = os.Remove(path)
			corrupt++
			continue
		case !strings.HasPrefix(name, segPrefix) || !strings.HasSuffix(name, segSuffix):
			continue
		}
		seq, perr := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(name, segPrefix), segSuffix), 10, 64)
		if perr != nil {
			continue
		}
		seg, herr := readHeader(path)
		if herr != nil {
			s.quarantine(path, herr)
			corrupt++
			continue
		}
		seg.seq = seq
		s.segs = append(s.segs, seg)
		s.points += seg.points
		s.bytes += seg.bytes
		s.nextSeq = max(s.nextSeq, seq+1)
	}
	slices.SortFunc(s.segs, func(a, b segment) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	return s, corrupt, nil
}

// readHeader reads a segment's first line.
func readHeader(path string) (segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return segment{}, err
	}
	defer f.Close()
	var head [128]byte
	n, _ := f.Read(head[:])
	line, _, ok := bytes.Cut(head[:n], []byte("\n"))
	if !ok {
		return segment{}, errors.New("no header line")
	}
	points, size, _, err := parseHeader(string(line))
	if err != nil {
		return segment{}, err
	}
	return segment{path: path, points: points, bytes: size}, nil
}

func parseHeader(line string) (points, size int64, crc uint32, err error) {
	rest, ok := strings.CutPrefix(line, spoolMagic+" ")
	if !ok {
		return 0, 0, 0, fmt.Errorf("bad header %q", line)
	}
	var sawP, sawB, sawC bool
	for _, kv := range strings.Fields(rest) {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "points":
			points, err = strconv.ParseInt(v, 10, 64)
			sawP = err == nil
		case "bytes":
			size, err = strconv.ParseInt(v, 10, 64)
			sawB = err == nil
		case "crc32c":
			var c uint64
			c, err = strconv.ParseUint(v, 16, 32)
			crc, sawC = uint32(c), err == nil
		}
	}
	if !sawP || !sawB || !sawC || points < 0 || size < 0 || size > maxSegBytes {
		return 0, 0, 0, fmt.Errorf("bad header %q", line)
	}
	return points, size, crc, nil
}

// write stores points as one new segment and returns how many were stored (invalid points
// are skipped by the encoder, see AppendLineProtocol) and how many older points were evicted
// to keep the spool within maxBytes.
func (s *spool) write(points []collector.Point) (stored, evicted int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	body, skipErr := AppendLineProtocol(s.buf[:0], points, EncodeOptions{})
	s.buf = body[:0]
	n := int64(len(points))
	var se *SkippedError
	if errors.As(skipErr, &se) {
		for r, c := range se.Counts {
			if r != ReasonUintOverflow {
				n -= int64(c)
			}
		}
	}
	if n == 0 {
		return 0, 0, nil
	}
	// Disk is bounded too: the oldest data goes first, as in the memory buffer.
	for s.maxBytes > 0 && len(s.segs) > 0 && s.bytes+int64(len(body)) > s.maxBytes {
		old := s.segs[0]
		s.drop(old)
		evicted += old.points
		if err := os.Remove(old.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.log.Warn("remove evicted spool segment", "path", old.path, "err", err)
		}
	}
	seq := s.nextSeq
	s.nextSeq++
	path := filepath.Join(s.dir, fmt.Sprintf("%s%020d%s", segPrefix, seq, segSuffix))
	header := fmt.Sprintf("%s points=%d bytes=%d crc32c=%08x\n", spoolMagic, n, len(body), crc32.Checksum(body, castagnoli))
	if err := writeSynced(path, path+tmpExt, []byte(header), body); err != nil {
		return 0, evicted, err
	}
	s.segs = append(s.segs, segment{seq: seq, path: path, points: n, bytes: int64(len(body))})
	s.points += n
	s.bytes += int64(len(body))
	return n, evicted, nil
}

// writeSynced writes a file durably: the chunks to tmp, fsync, rename over path, fsync the
// directory (without it the rename itself may be lost in a crash, POSIX rename(2) being
// atomic but not durable). Both the spool's segments and the pinned field types use it.
func writeSynced(path, tmp string, chunks ...[]byte) error {
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", tmp, err)
	}
	for _, c := range chunks {
		if err == nil {
			_, err = f.Write(c)
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// oldest returns the first segment in sequence order.
func (s *spool) oldest() (segment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.segs) == 0 {
		return segment{}, false
	}
	return s.segs[0], true
}

// read loads a segment, verifying its header and checksum.
func (s *spool) read(seg segment) ([]collector.Point, error) {
	data, err := os.ReadFile(seg.path)
	if err != nil {
		return nil, fmt.Errorf("read spool segment: %w", err)
	}
	line, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, errors.New("no header line")
	}
	points, size, crc, err := parseHeader(string(line))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) != size {
		return nil, fmt.Errorf("body is %d bytes, header says %d (truncated)", len(body), size)
	}
	if got := crc32.Checksum(body, castagnoli); got != crc {
		return nil, fmt.Errorf("checksum %08x, header says %08x", got, crc)
	}
	out, err := decodeLineProtocol(body, int(points))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) != points {
		return nil, fmt.Errorf("decoded %d points, header says %d", len(out), points)
	}
	return out, nil
}

// remove deletes a replayed segment.
func (s *spool) remove(seg segment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop(seg)
	if err := os.Remove(seg.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.log.Warn("remove replayed spool segment", "path", seg.path, "err", err)
	}
}

// quarantineSegment moves a segment that failed verification aside.
func (s *spool) quarantineSegment(seg segment, why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop(seg)
	s.quarantine(seg.path, why)
}

func (s *spool) drop(seg segment) {
	for i := range s.segs {
		if s.segs[i].seq == seg.seq {
			s.segs = slices.Delete(s.segs, i, i+1)
			s.points -= seg.points
			s.bytes -= seg.bytes
			return
		}
	}
}

func (s *spool) quarantine(path string, why error) {
	s.log.Error("corrupt spool segment skipped; renamed for inspection", "path", path+corruptExt, "err", why)
	if err := os.Rename(path, path+corruptExt); err != nil {
		_ = os.Remove(path)
	}
}

// size returns the number of segments, points and bytes on disk.
func (s *spool) size() (segs int, points, size int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.segs), s.points, s.bytes
}

// decodeLineProtocol parses what AppendLineProtocol wrote back into points (spool replay;
// not a hot path).
func decodeLineProtocol(data []byte, hint int) ([]collector.Point, error) {
	out := make([]collector.Point, 0, hint)
	dec := lineprotocol.NewDecoderWithBytes(data)
	for dec.Next() {
		m, err := dec.Measurement()
		if err != nil {
			return nil, fmt.Errorf("decode spool segment: %w", err)
		}
		p := collector.Point{Measurement: string(m)}
		for {
			k, v, err := dec.NextTag()
			if err != nil {
				return nil, fmt.Errorf("decode spool segment: %w", err)
			}
			if k == nil {
				break
			}
			p.Tags = append(p.Tags, collector.Tag{Key: string(k), Value: string(v)})
		}
		for {
			k, v, err := dec.NextField()
			if err != nil {
				return nil, fmt.Errorf("decode spool segment: %w", err)
			}
			if k == nil {
				break
			}
			key := string(k)
			switch v.Kind() {
			case lineprotocol.Int:
				p.Fields = append(p.Fields, collector.Int(key, v.IntV()))
			case lineprotocol.Uint:
				p.Fields = append(p.Fields, collector.Uint(key, v.UintV()))
			case lineprotocol.Float:
				p.Fields = append(p.Fields, collector.Float(key, v.FloatV()))
			case lineprotocol.Bool:
				p.Fields = append(p.Fields, collector.Bool(key, v.BoolV()))
			default:
				p.Fields = append(p.Fields, collector.String(key, v.StringV()))
			}
		}
		t, err := dec.Time(lineprotocol.Nanosecond, time.Time{})
		if err != nil {
			return nil, fmt.Errorf("decode spool segment: %w", err)
		}
		p.Time = t
		out = append(out, p)
	}
	return out, nil
}

package influx

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

// The texts of InfluxDB's 400/422 write answers that netpulse acts on, verified against
// InfluxDB 1.8.10 (both builds; tsdb/shard.go and models/points.go of that release):
//
//	partial write: field type conflict: input field "f" on measurement "m" is type integer, already exists as type unsigned dropped=2
//	partial write: unable to parse 'm,s=y f=1i g 3000': bad timestamp unable to parse '…': invalid boolean dropped=0
//	unable to parse 'm f=1u 2000': invalid number
//
// InfluxDB names only the first type conflict of each shard it wrote to; a write that spans
// shards can carry several (each with its own dropped=N). 2.x sends the same text inside a
// JSON body {"code": "…", "message": "failure writing points to database: partial write: …"}
// (422 since 2.x, 400 on 1.x). influxdb-client-go's transport already unwraps a JSON body
// served as application/json; unwrapJSON covers a proxy that serves it as text.
const (
	conflictMarker = "field type conflict: input field \""
	parseMarker    = "unable to parse '"
)

// rejection is what a 400/422 answer says.
type rejection struct {
	conflicts []outputs.TypeConflict
	lines     []string // lines the server could not parse, verbatim
	dropped   int      // sum of dropped=N; -1 when absent
}

// parseRejection reads a write answer's message. An answer it cannot read returns an empty
// rejection (dropped -1): the caller then isolates bad lines by splitting.
func parseRejection(msg string) rejection {
	msg = unwrapJSON(msg)
	r := rejection{dropped: -1}
	for rest := msg; ; {
		i := strings.Index(rest, conflictMarker)
		if i < 0 {
			break
		}
		rest = rest[i+len(conflictMarker):]
		c, n, ok := parseConflict(rest)
		if ok {
			r.conflicts = append(r.conflicts, c)
		}
		rest = rest[n:]
	}
	for rest := msg; ; {
		i := strings.Index(rest, "dropped=")
		if i < 0 {
			break
		}
		rest = rest[i+len("dropped="):]
		end := 0
		for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
			end++
		}
		if n, err := strconv.Atoi(rest[:end]); err == nil {
			r.dropped = max(r.dropped, 0) + n
		}
	}
	return r
}

// parseConflict reads `f" on measurement "m" is type integer, already exists as type
// unsigned` (after the marker) and returns how much it consumed.
func parseConflict(s string) (outputs.TypeConflict, int, bool) {
	var c outputs.TypeConflict
	// Field and measurement names may contain '"' (InfluxDB does not escape them here), so
	// anchor on the fixed words that follow rather than on the next quote.
	const onMeas, isType, exists = "\" on measurement \"", "\" is type ", ", already exists as type "
	i := strings.Index(s, onMeas)
	if i < 0 {
		return c, 0, false
	}
	c.Field = s[:i]
	rest := s[i+len(onMeas):]
	j := strings.Index(rest, isType)
	if j < 0 {
		return c, i, false
	}
	c.Measurement = rest[:j]
	rest = rest[j+len(isType):]
	sent, rest := cutWord(rest)
	if !strings.HasPrefix(rest, exists) {
		return c, i, false
	}
	held, tail := cutWord(rest[len(exists):])
	var ok1, ok2 bool
	c.Sent, ok1 = outputs.ParseInfluxType(sent)
	c.Held, ok2 = outputs.ParseInfluxType(held)
	return c, len(s) - len(tail), ok1 && ok2
}

func cutWord(s string) (word, rest string) {
	end := 0
	for end < len(s) && s[end] >= 'a' && s[end] <= 'z' {
		end++
	}
	return s[:end], s[end:]
}

// unwrapJSON returns the "message" (2.x) or "error" (1.x) of a JSON error body, or msg.
func unwrapJSON(msg string) string {
	t := strings.TrimSpace(msg)
	if !strings.HasPrefix(t, "{") {
		return msg
	}
	var body struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal([]byte(t), &body) != nil {
		return msg
	}
	if body.Message != "" {
		return body.Message
	}
	if body.Error != "" {
		return body.Error
	}
	return msg
}

// badLineIndexes finds the points of a batch whose lines the answer says the server could
// not parse. lines[i] is the line protocol of points[i] ("" for a point that encoded to
// nothing). A quoted line may itself contain "': ", so each candidate end is tried against
// the batch's lines.
func badLineIndexes(msg string, lines []string) []int {
	msg = unwrapJSON(msg)
	if !strings.Contains(msg, parseMarker) {
		return nil
	}
	index := make(map[string][]int, len(lines))
	for i, l := range lines {
		if l != "" {
			index[l] = append(index[l], i)
		}
	}
	var out []int
	seen := map[int]bool{}
	for rest := msg; ; {
		i := strings.Index(rest, parseMarker)
		if i < 0 {
			break
		}
		rest = rest[i+len(parseMarker):]
		for off := 0; ; {
			j := strings.Index(rest[off:], "': ")
			if j < 0 {
				break
			}
			cand := rest[:off+j]
			if idx, ok := index[cand]; ok {
				for _, k := range idx {
					if !seen[k] {
						seen[k] = true
						out = append(out, k)
					}
				}
				rest = rest[off+j:]
				break
			}
			off += j + 1
		}
	}
	return out
}

// encodeLines encodes each point on its own, for badLineIndexes (a rare path: only when the
// server could not parse some lines).
func encodeLines(points []collector.Point, opt outputs.EncodeOptions) []string {
	lines := make([]string, len(points))
	var buf []byte
	for i := range points {
		buf, _ = outputs.AppendLineProtocol(buf[:0], points[i:i+1], opt)
		lines[i] = strings.TrimSuffix(string(buf), "\n")
	}
	return lines
}

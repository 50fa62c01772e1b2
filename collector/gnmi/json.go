package gnmi

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/netpulse/netpulse/collector"
)

// flattenJSON writes the leaves of a JSON or JSON_IETF value (RFC 7951) found at n.elems as
// fields, by the same naming rules as proto paths: object members become path elements
// (module prefixes stripped, "openconfig-platform-psu:capacity" → "capacity"), list entries
// become keyed elements. A leaf the OpenConfig table declares is decoded into its declared
// type (jsonTyped); other scalar leaves are typed by their encoding:
//
//   - a string holding a canonical integer is a number (RFC 7951 §6.1 sends int64/uint64 as
//     strings): non-negative → uint64, negative → int64; a canonical decimal ("35.000000",
//     RFC 7951 decimal64) → float64; every other string stays a string (identityrefs,
//     base64 ieeefloat32 from Cisco, descriptions);
//   - a JSON number: integer → int64 (uint64 above MaxInt64), with a fraction → float64;
//   - true/false → bool; [null] (the YANG "empty" type) → true; null → skipped;
//   - an array of scalars (leaf-list) → the values joined by ",".
//
// List keys cannot be read from a schema here, so they are found the OpenConfig way: scalar
// members repeated in the entry's "config" container are the keys; failing that, the first of
// "name", "index", "id" present; failing that, the entry's position as key "index".
func (n *Normalizer) flattenJSON(m string, raw []byte, c *Counts) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		c.Skipped++
		return
	}
	n.walkJSON(m, v, c)
}

func (n *Normalizer) walkJSON(m string, v any, c *Counts) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		// Deterministic order by the names that will be written (module prefixes stripped).
		slices.SortFunc(keys, func(a, b string) int {
			if c := strings.Compare(stripModule(a), stripModule(b)); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		for _, k := range keys {
			e, kv0 := len(n.elems), len(n.kvs)
			n.elems = append(n.elems, elemRef{name: stripModule(k), k0: int32(kv0), k1: int32(kv0)})
			n.walkJSON(m, x[k], c)
			n.elems, n.kvs = n.elems[:e], n.kvs[:kv0]
		}
	case []any:
		n.walkArray(m, x, c)
	default:
		if lt, declared := n.declared(); declared {
			f, ok, scalar := jsonTyped(v, lt)
			switch {
			case !scalar:
				c.Skipped++
			case !ok:
				n.conflict(jsonScalarString(v), lt, c)
			default:
				c.Fields++
				n.emit(m, f, false)
			}
			return
		}
		f, ok := jsonScalar(v)
		if !ok {
			c.Skipped++
			return
		}
		c.Fields++
		n.emit(m, f, false)
	}
}

func (n *Normalizer) walkArray(m string, arr []any, c *Counts) {
	if len(arr) == 0 {
		return
	}
	if len(arr) == 1 && arr[0] == nil { // RFC 7951 §6.9: the "empty" type is [null]
		c.Fields++
		n.emit(m, collector.Bool("", true), false)
		return
	}
	if _, isObj := arr[0].(map[string]any); !isObj {
		// leaf-list
		var b strings.Builder
		for i, e := range arr {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(jsonScalarString(e))
		}
		c.Fields++
		n.emit(m, collector.String("", validUTF8(b.String())), false)
		return
	}
	if len(n.elems) == 0 {
		c.Skipped++
		return
	}
	// A YANG list: key the current (last) element with each entry's keys in turn. That
	// element may belong to the prefix, so the cached prefix tags are void from here on.
	n.candBase = false
	defer func() { n.candBase = false }()
	top := len(n.elems) - 1
	saved := n.elems[top]
	for i, e := range arr {
		obj, ok := e.(map[string]any)
		if !ok {
			c.Skipped++
			continue
		}
		kv0 := len(n.kvs)
		for _, k := range listKeys(obj) {
			n.kvs = append(n.kvs, kv{k, jsonScalarString(obj[k])})
		}
		if len(n.kvs) == kv0 {
			n.kvs = append(n.kvs, kv{"index", strconv.Itoa(i)})
		}
		n.elems[top] = elemRef{name: saved.name, k0: int32(kv0), k1: int32(len(n.kvs))}
		n.walkJSON(m, obj, c)
		n.elems = n.elems[:top+1]
		n.kvs = n.kvs[:kv0]
	}
	n.elems[top] = saved
}

// listKeys returns the member names (as they appear, module prefix included) that key a list
// entry, sorted by their stripped names.
func listKeys(obj map[string]any) []string {
	var keys []string
	var config map[string]any
	for k, v := range obj {
		if stripModule(k) == "config" {
			config, _ = v.(map[string]any)
		}
	}
	if config != nil {
		for k, v := range obj {
			if _, scalar := jsonScalar(v); !scalar {
				continue
			}
			for ck, cv := range config {
				if stripModule(ck) == stripModule(k) && jsonScalarString(cv) == jsonScalarString(v) {
					keys = append(keys, k)
					break
				}
			}
		}
	}
	if len(keys) == 0 {
		for _, want := range []string{"name", "index", "id"} {
			for k, v := range obj {
				if _, scalar := jsonScalar(v); scalar && stripModule(k) == want {
					keys = append(keys, k)
					break
				}
			}
			if len(keys) > 0 {
				break
			}
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(stripModule(a), stripModule(b)) })
	return keys
}

// jsonScalar types one JSON scalar (see flattenJSON); ok is false for null, objects, arrays.
func jsonScalar(v any) (collector.Field, bool) {
	switch x := v.(type) {
	case bool:
		return collector.Bool("", x), true
	case json.Number:
		return jsonNumber(string(x)), true
	case string:
		if isCanonicalInt(x) {
			if x[0] == '-' {
				if i, err := strconv.ParseInt(x, 10, 64); err == nil {
					return collector.Int("", i), true
				}
			} else if u, err := strconv.ParseUint(x, 10, 64); err == nil {
				return collector.Uint("", u), true
			}
		} else if isCanonicalDecimal(x) {
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return collector.Float("", f), true
			}
		}
		return collector.String("", validUTF8(x)), true
	}
	return collector.Field{}, false
}

func jsonNumber(s string) collector.Field {
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return collector.Int("", i)
		}
		if u, err := strconv.ParseUint(s, 10, 64); err == nil {
			return collector.Uint("", u)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil { // out of float64 range: line protocol cannot carry ±Inf, keep the text
		return collector.String("", s)
	}
	return collector.Float("", f)
}

// isCanonicalInt: optional '-', then "0" or a digit string without a leading zero
// (RFC 7951 §6.1 encodes 64-bit integers this way; "007" or "+1" is text, not a number).
func isCanonicalInt(s string) bool {
	if s != "" && s[0] == '-' {
		s = s[1:]
	}
	if s == "" || len(s) > 20 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isCanonicalDecimal: an integer part as isCanonicalInt, a '.', and at least one digit
// (RFC 7951 §6.1 decimal64 strings such as "35.000000").
func isCanonicalDecimal(s string) bool {
	i := strings.IndexByte(s, '.')
	if i <= 0 || i == len(s)-1 || !isCanonicalInt(s[:i]) {
		return false
	}
	for j := i + 1; j < len(s); j++ {
		if s[j] < '0' || s[j] > '9' {
			return false
		}
	}
	return true
}

func jsonScalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

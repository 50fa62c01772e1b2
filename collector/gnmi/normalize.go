package gnmi

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
)

// NormalizerConfig describes what a Normalizer needs to name points.
type NormalizerConfig struct {
	// Source is the target's name, written as the "source" tag.
	Source string
	// Tags are the target's static tags (a "source" entry, if present, is replaced by Source).
	Tags []collector.Tag
	// Subscriptions decide the measurement of each update: the subscription whose full path
	// (prefix + path) matches the update's path the longest. An update no subscription
	// matches (Juniper answers /junos/... subscriptions under /components/...) takes the
	// first subscription's measurement; with no subscriptions at all, Measurement.
	Subscriptions []Subscription
	// Measurement is the fallback when Subscriptions is empty (CLI `get`); default "gnmi".
	Measurement string
	// EmitDeletes writes a point with field deleted=true for every deleted path (DESIGN §4).
	// Deletes are counted either way.
	EmitDeletes bool
	// Explain records where each written field's type comes from (FieldOrigins), for
	// `netpulse explain`; off in the daemon.
	Explain bool
	// Shared holds the names, type lookups and scratch buffers the normalizers of a
	// process share (the daemon's sessions get the process's); nil: a private one.
	Shared *Shared
}

// Counts says what one Normalize call did with a notification's contents.
type Counts struct {
	Updates int // gNMI Update messages seen (including empty ones)
	Fields  int // leaves written as fields (a JSON value can hold many)
	Skipped int // leaves not written: bytes / proto any / empty updates / unknown value types
	Deletes int // deleted paths
	// Conflicts are leaves not written because their value cannot be converted exactly into
	// the type the OpenConfig model declares (Normalizer.TypeConflicts names them).
	Conflicts int
}

// Add accumulates c2 into c.
func (c *Counts) Add(c2 Counts) {
	c.Updates += c2.Updates
	c.Fields += c2.Fields
	c.Skipped += c2.Skipped
	c.Deletes += c2.Deletes
	c.Conflicts += c2.Conflicts
}

// Normalizer turns gNMI notifications into points by the naming rules of DESIGN.md §4:
//
//   - measurement: the matching subscription's measurement (else its name);
//   - tags: source, the static tags, and every list key on the full path (prefix + update
//     path) as <list>_<key>, YANG names kept; when two lists on one path give the same tag
//     key, the deeper one is qualified with its parent element (<parent>_<list>_<key>);
//   - field: the schema path (element names only: no keys, no origin, no module prefixes)
//     below the deepest keyed list element, or the whole path when no element has keys; a
//     value sitting on the keyed element itself is named after that element;
//   - time: the notification timestamp, or the receive time when it is zero (see
//     notificationTime for devices that send milliseconds or seconds).
//
// Because names come from the full path only, they do not depend on how deep the
// subscription was or on how the device split prefix and path. A Normalizer is not safe for
// concurrent use; use one per stream. What it caches about names and types depends on the
// schema only, and its scratch buffers (reused: the hot path allocates per call, not per
// update) are needed only during a call: both live in its Shared, which many normalizers
// may use at once.
type Normalizer struct {
	static      []collector.Tag
	subs        []subPath
	fallback    string
	emitDeletes bool

	// the current call's scratch buffers: borrowed from the Shared's pool for the call only
	*scratch
	sbase int // sbuf[:sbase] is the prefix's part of the schema path
	// the process's interned names and field-type lookups (never nil); cur is the
	// lookups of the current notification's prefix schema path (setSchemaBase)
	shared *Shared
	cur    *memo[string, cachedLeaf]
	// conflicts of the current Normalize call, for the session's log (TypeConflicts)
	conflicts []TypeConflict
	explain   bool
	origins   []FieldOrigin // with explain: one per field emitted by the current call
	// candBase says n.cand holds the tags of the current notification's prefix: valid while
	// the deepest keyed element lies in the prefix (the common case: every update of the
	// notification then has the same tags), reset per notification.
	candBase  bool
	candPoint int // the point those tags went to last, or -1
	base      int // number of prefix elements in elems
	baseK     int // number of prefix keys in kvs
}

// scratch is what a Normalize call builds its points in. The hot path allocates per call,
// not per update, because these are reused; they live in a pool of the Shared rather than
// in each Normalizer because sessions normalize a few at a time (collector.Gate): an idle
// session held about 1.4 KiB of them, sized by its largest notification.
type scratch struct {
	elems  []elemRef
	kvs    []kv
	cand   []collector.Tag
	tagBuf []collector.Tag // tags of the points being built, back to back
	fields []pendingField
	pts    []pendingPoint
	buf    []byte
	sbuf   []byte // the schema path of the current leaf (joinSchema)
	suf    []byte // the leaf's path below the prefix (declared)
	offs   []int  // finish's per-point field offsets
}

// maxInterned bounds each intern map of a Shared; past it names are still built, just not
// cached, so a device inventing new names cannot grow memory without bound.
const maxInterned = 1 << 16

// defaultMeasurement is the measurement when no subscription names one (CLI `get`).
const defaultMeasurement = "gnmi"

type kv struct{ k, v string }

// elemRef is one path element after module-prefix stripping; its keys are n.kvs[k0:k1],
// sorted by key name.
type elemRef struct {
	name   string
	k0, k1 int32
}

type subPath struct {
	measurement string
	elems       []elemRef // keys in kvs below
	kvs         []kv
}

type pendingPoint struct {
	measurement string
	t0, t1      int // tags in tagBuf[t0:t1]
	nfields     int
}

type pendingField struct {
	point int
	f     collector.Field
}

// NewNormalizer checks the subscriptions' paths and builds a Normalizer.
func NewNormalizer(cfg NormalizerConfig) (*Normalizer, error) {
	if cfg.Measurement == "" {
		cfg.Measurement = defaultMeasurement
	}
	subs, err := parseSubscriptions(cfg.Subscriptions, cfg.Measurement)
	if err != nil {
		return nil, err
	}
	return newNormalizer(cfg, subs), nil
}

// newNormalizer builds a Normalizer on subscriptions parsed by parseSubscriptions with
// cfg.Measurement (set) as the fallback: a session's plan parses them once for all its
// streams' normalizers, and for every session with the same subscriptions (Shared).
func newNormalizer(cfg NormalizerConfig, subs []subPath) *Normalizer {
	n := &Normalizer{
		subs:        subs,
		fallback:    cfg.Measurement,
		emitDeletes: cfg.EmitDeletes,
		explain:     cfg.Explain,
		shared:      cfg.Shared,
	}
	if n.shared == nil {
		n.shared = NewShared()
	}
	n.static = append(n.static, collector.Tag{Key: "source", Value: cfg.Source})
	for _, t := range cfg.Tags {
		if t.Key != "source" {
			n.static = append(n.static, t)
		}
	}
	slices.SortFunc(n.static, func(a, b collector.Tag) int { return strings.Compare(a.Key, b.Key) })
	return n
}

// parseSubscriptions parses the subscriptions' paths into what measurement matches against;
// fallback is the measurement of a subscription without measurement and name.
func parseSubscriptions(subscriptions []Subscription, fallback string) ([]subPath, error) {
	var subs []subPath
	for _, s := range subscriptions {
		m := s.Measurement
		if m == "" {
			m = s.Name
		}
		if m == "" {
			m = fallback
		}
		prefix, err := parseOptional(s.Prefix)
		if err != nil {
			return nil, fmt.Errorf("subscription %s: prefix: %w", s.Name, err)
		}
		for _, ps := range s.Paths {
			p, err := ParsePath(ps)
			if err != nil {
				return nil, fmt.Errorf("subscription %s: %w", s.Name, err)
			}
			sp := subPath{measurement: m}
			for _, pe := range append(slices.Clone(prefix.GetElem()), p.GetElem()...) {
				sp.elems, sp.kvs = appendElem(sp.elems, sp.kvs, pe.GetName(), pe.GetKey())
			}
			subs = append(subs, sp)
		}
		if len(s.Paths) == 0 {
			subs = append(subs, subPath{measurement: m})
		}
	}
	return slices.Clip(subs), nil
}

func parseOptional(s string) (*gnmipb.Path, error) {
	if s == "" {
		return &gnmipb.Path{}, nil
	}
	return ParsePath(s)
}

// appendElem appends one gNMI path element, stripping a module prefix from its name and
// sorting its keys. An element with keys but no name (Juniper native sensors send
// {"key":{"name":"xe-0/0/0:0"}} after "qmon-sw") lends its keys to the element before it:
// the keys describe that list's entry.
func appendElem(elems []elemRef, kvs []kv, name string, keys map[string]string) ([]elemRef, []kv) {
	name = stripModule(name)
	start := int32(len(kvs))
	if name == "" && len(keys) > 0 && len(elems) > 0 {
		last := &elems[len(elems)-1]
		if last.k1 == start { // the previous element's keys end here: extend them
			for k, v := range keys {
				kvs = append(kvs, kv{k, v})
			}
			sortKV(kvs[last.k0:])
			last.k1 = int32(len(kvs))
			return elems, kvs
		}
	}
	for k, v := range keys {
		kvs = append(kvs, kv{k, v})
	}
	if len(keys) > 1 {
		sortKV(kvs[start:])
	}
	return append(elems, elemRef{name: name, k0: start, k1: int32(len(kvs))}), kvs
}

func sortKV(s []kv) {
	slices.SortFunc(s, func(a, b kv) int { return strings.Compare(a.k, b.k) })
}

// stripModule removes a YANG module prefix ("openconfig-interfaces:interfaces" →
// "interfaces", RFC 7951 §4 member names). A name is module-qualified only when it has
// exactly one colon with a YANG identifier on both sides: Arista eos_native paths carry data
// in element names (a MAC address "01:00:5e:1e:1e:1e", IPv6 addresses), which have several
// colons or start with a digit and are kept verbatim.
func stripModule(name string) string {
	i := strings.IndexByte(name, ':')
	if i <= 0 || i == len(name)-1 || strings.IndexByte(name[i+1:], ':') >= 0 {
		return name
	}
	if !isIdentStart(name[0]) || !isIdentStart(name[i+1]) {
		return name
	}
	for j := 1; j < i; j++ {
		c := name[j]
		if !isIdentStart(c) && !(c >= '0' && c <= '9') && c != '-' && c != '.' {
			return name
		}
	}
	return name[i+1:]
}

func isIdentStart(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// Normalize appends the points for one notification to dst and says what it did. recv is
// used as the time when the notification has no timestamp. The returned points own their
// Tags and Fields (fresh slices per call), so dst may be handed to a Sink.
func (n *Normalizer) Normalize(dst []collector.Point, notif *gnmipb.Notification, recv time.Time) ([]collector.Point, Counts) {
	n.scratch = n.shared.scratch.Get().(*scratch)
	dst, c := n.normalize(dst, notif, recv)
	n.shared.scratch.Put(n.scratch)
	n.scratch = nil
	return dst, c
}

func (n *Normalizer) normalize(dst []collector.Point, notif *gnmipb.Notification, recv time.Time) ([]collector.Point, Counts) {
	var c Counts
	n.tagBuf, n.fields, n.pts = n.tagBuf[:0], n.fields[:0], n.pts[:0]
	n.conflicts, n.origins = n.conflicts[:0], n.origins[:0]
	n.elems, n.kvs = n.elems[:0], n.kvs[:0]
	for _, pe := range notif.GetPrefix().GetElem() {
		n.elems, n.kvs = appendElem(n.elems, n.kvs, pe.GetName(), pe.GetKey())
	}
	baseE, baseK := len(n.elems), len(n.kvs)
	n.base, n.baseK, n.candBase, n.candPoint = baseE, baseK, false, -1
	n.setSchemaBase()
	// A key-only element at the start of an update path (Juniper) extends the prefix's last
	// element in place; restore it before each update.
	var lastPrefix elemRef
	if baseE > 0 {
		lastPrefix = n.elems[baseE-1]
	}
	reset := func() {
		n.elems, n.kvs = n.elems[:baseE], n.kvs[:baseK]
		if baseE > 0 && n.elems[baseE-1] != lastPrefix {
			n.elems[baseE-1] = lastPrefix
			n.candBase = false
		}
	}
	for _, u := range notif.GetUpdate() {
		c.Updates++
		reset()
		if u.GetPath() == nil && u.GetVal() == nil {
			c.Skipped++ // Huawei sends "update": [{}] next to real deletes
			continue
		}
		for _, pe := range u.GetPath().GetElem() {
			n.elems, n.kvs = appendElem(n.elems, n.kvs, pe.GetName(), pe.GetKey())
		}
		m := n.measurement()
		n.value(m, u.GetVal(), &c)
	}
	for _, d := range notif.GetDelete() {
		reset()
		if len(d.GetElem()) == 0 && len(n.elems) == 0 {
			c.Skipped++ // Huawei's "delete": [{}]
			continue
		}
		c.Deletes++
		if !n.emitDeletes {
			continue
		}
		for _, pe := range d.GetElem() {
			n.elems, n.kvs = appendElem(n.elems, n.kvs, pe.GetName(), pe.GetKey())
		}
		n.emit(n.measurement(), collector.Bool("deleted", true), true)
	}
	if len(n.pts) == 0 {
		return dst, c
	}
	return n.finish(dst, notificationTime(notif.GetTimestamp(), recv)), c
}

// notificationTime reads a notification timestamp. gNMI says nanoseconds since the epoch,
// but some devices send milliseconds or seconds (older IOS-XR and Huawei releases); read
// literally those land in 1970 and the series vanish from every dashboard. Nanosecond
// timestamps of this century are above 1e17, so smaller values are rescaled by magnitude.
// Zero means "no timestamp": the receive time is used.
func notificationTime(ts int64, recv time.Time) time.Time {
	switch {
	case ts <= 0:
		return recv
	case ts >= 1e17:
		return time.Unix(0, ts)
	case ts >= 1e14: // microseconds
		return time.UnixMicro(ts)
	case ts >= 1e11: // milliseconds
		return time.UnixMilli(ts)
	default: // seconds
		return time.Unix(ts, 0)
	}
}

// measurement picks the subscription whose path matches n.elems the longest (either path
// may be the longer one: an update can sit above the subscription path when it carries a
// JSON container). Origins and module prefixes are ignored; a subscription key of "*" or an
// absent key matches any value.
func (n *Normalizer) measurement() string {
	if len(n.subs) == 0 {
		return n.fallback
	}
	best, bestLen := 0, -1
	for i := range n.subs {
		s := &n.subs[i]
		matched, ok := 0, true
		for j := 0; ok && j < len(s.elems) && j < len(n.elems); j++ {
			se, ue := s.elems[j], n.elems[j]
			if se.name == "..." {
				break // matches the rest
			}
			if se.name != "*" && se.name != ue.name {
				ok = false
				break
			}
			for _, skv := range s.kvs[se.k0:se.k1] {
				if skv.v == "*" {
					continue
				}
				if v, found := findKV(n.kvs[ue.k0:ue.k1], skv.k); !found || v != skv.v {
					ok = false
					break
				}
			}
			if ok {
				matched++
			}
		}
		if ok && matched > bestLen {
			best, bestLen = i, matched
		}
	}
	return n.subs[best].measurement
}

func findKV(s []kv, k string) (string, bool) {
	for _, e := range s {
		if e.k == k {
			return e.v, true
		}
	}
	return "", false
}

// value converts one TypedValue at n.elems into fields (DESIGN §4 value rules), in the
// leaf's declared type when the OpenConfig table has it.
func (n *Normalizer) value(m string, v *gnmipb.TypedValue, c *Counts) {
	var f collector.Field
	switch x := v.GetValue().(type) {
	case *gnmipb.TypedValue_IntVal:
		f = collector.Int("", x.IntVal)
	case *gnmipb.TypedValue_UintVal:
		f = collector.Uint("", x.UintVal)
	case *gnmipb.TypedValue_DoubleVal:
		f = collector.Float("", x.DoubleVal)
	case *gnmipb.TypedValue_FloatVal:
		// float32 → shortest decimal that round-trips, so 0.1 stays 0.1, not 0.10000000149.
		d, _ := strconv.ParseFloat(strconv.FormatFloat(float64(x.FloatVal), 'g', -1, 32), 64)
		f = collector.Float("", d)
	case *gnmipb.TypedValue_DecimalVal:
		f = collector.Float("", decimal(x.DecimalVal.GetDigits(), x.DecimalVal.GetPrecision()))
	case *gnmipb.TypedValue_BoolVal:
		f = collector.Bool("", x.BoolVal)
	case *gnmipb.TypedValue_StringVal:
		f = collector.String("", validUTF8(x.StringVal))
	case *gnmipb.TypedValue_AsciiVal:
		f = collector.String("", validUTF8(x.AsciiVal))
	case *gnmipb.TypedValue_LeaflistVal:
		f = collector.String("", joinLeafList(x.LeaflistVal))
	case *gnmipb.TypedValue_JsonVal:
		n.flattenJSON(m, x.JsonVal, c)
		return
	case *gnmipb.TypedValue_JsonIetfVal:
		n.flattenJSON(m, x.JsonIetfVal, c)
		return
	case *gnmipb.TypedValue_BytesVal:
		// oc-types:ieeefloat32 is a 4-byte binary; other bytes have no field type.
		if lt, ok := n.declared(); ok && lt.yang == "ieeefloat32" {
			if g, ok := ieeeFloat32(x.BytesVal); ok {
				c.Fields++
				n.emit(m, g, false)
				return
			}
		}
		c.Skipped++
		return
	default: // proto any, nil: no field type carries them faithfully
		c.Skipped++
		return
	}
	if lt, ok := n.declared(); ok && f.Kind != lt.kind {
		g, ok := coerce(f, lt.kind)
		if !ok {
			n.conflict(f.Format(), lt, c)
			return
		}
		f = g
	}
	c.Fields++
	n.emit(m, f, false)
}

func decimal(digits int64, precision uint32) float64 {
	if precision == 0 {
		return float64(digits)
	}
	if precision <= 18 {
		// Formatting and parsing gives the correctly rounded value (digits/10^p in float
		// arithmetic would not be, e.g. 1/10^1 is fine but 35000000/10^6 drifts for some).
		var b [32]byte
		s := strconv.AppendInt(b[:0], digits, 10)
		s = append(s, 'e', '-')
		s = strconv.AppendUint(s, uint64(precision), 10)
		f, err := strconv.ParseFloat(string(s), 64)
		if err == nil {
			return f
		}
	}
	return float64(digits) / math.Pow10(int(precision))
}

func joinLeafList(l *gnmipb.ScalarArray) string {
	var b strings.Builder
	for i, e := range l.GetElement() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(scalarString(e))
	}
	return validUTF8(b.String())
}

func scalarString(v *gnmipb.TypedValue) string {
	switch x := v.GetValue().(type) {
	case *gnmipb.TypedValue_IntVal:
		return strconv.FormatInt(x.IntVal, 10)
	case *gnmipb.TypedValue_UintVal:
		return strconv.FormatUint(x.UintVal, 10)
	case *gnmipb.TypedValue_DoubleVal:
		return strconv.FormatFloat(x.DoubleVal, 'g', -1, 64)
	case *gnmipb.TypedValue_FloatVal:
		return strconv.FormatFloat(float64(x.FloatVal), 'g', -1, 32)
	case *gnmipb.TypedValue_DecimalVal:
		return strconv.FormatFloat(decimal(x.DecimalVal.GetDigits(), x.DecimalVal.GetPrecision()), 'g', -1, 64)
	case *gnmipb.TypedValue_BoolVal:
		return strconv.FormatBool(x.BoolVal)
	case *gnmipb.TypedValue_StringVal:
		return x.StringVal
	case *gnmipb.TypedValue_AsciiVal:
		return x.AsciiVal
	case *gnmipb.TypedValue_JsonVal:
		return string(x.JsonVal)
	case *gnmipb.TypedValue_JsonIetfVal:
		return string(x.JsonIetfVal)
	}
	return ""
}

// validUTF8 replaces invalid bytes: line protocol and InfluxDB want UTF-8, and one bad
// description must not cost the whole batch.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// emit names the leaf at n.elems and adds f to the point with the same measurement and tags.
// del marks a delete tombstone: its field keeps the name "deleted".
func (n *Normalizer) emit(m string, f collector.Field, del bool) {
	deepest := -1
	for i := len(n.elems) - 1; i >= 0; i-- {
		if n.elems[i].k1 > n.elems[i].k0 {
			deepest = i
			break
		}
	}
	if del {
		n.candBase = false // a tombstone's tags are computed like any other, but not cached
	}
	// The cached prefix tags hold only while the prefix elements are the notification's own:
	// a key-only element merged into the prefix's last element changes them.
	reuse := n.candBase && deepest < n.base && (n.base == 0 || n.elems[n.base-1].k1 <= int32(n.baseK))
	if !reuse {
		n.buildTags(deepest)
		n.candBase = deepest < n.base && !del && (n.base == 0 || n.elems[n.base-1].k1 <= int32(n.baseK))
		n.candPoint = -1
	}
	if !del {
		f.Key = n.fieldName(deepest)
		if n.explain {
			lt, ok := n.declared()
			n.joinSchema() // also for undeclared leaves
			n.origins = append(n.origins, FieldOrigin{Measurement: m, Field: f.Key, SchemaPath: string(n.sbuf), Declared: ok, Kind: f.Kind, YANG: lt.yang})
		}
	}
	// Find the point: usually the previous one (updates of one notification share a prefix).
	pi := -1
	if reuse && n.candPoint >= 0 && n.pts[n.candPoint].measurement == m {
		pi = n.candPoint
	}
	for i := len(n.pts) - 1; pi < 0 && i >= 0; i-- {
		p := &n.pts[i]
		if p.measurement == m && tagsEqual(n.tagBuf[p.t0:p.t1], n.cand) {
			pi = i
		}
	}
	if pi < 0 {
		t0 := len(n.tagBuf)
		n.tagBuf = append(n.tagBuf, n.cand...)
		n.pts = append(n.pts, pendingPoint{measurement: m, t0: t0, t1: len(n.tagBuf)})
		pi = len(n.pts) - 1
	}
	if n.candBase {
		n.candPoint = pi
	}
	n.pts[pi].nfields++
	n.fields = append(n.fields, pendingField{point: pi, f: f})
}

// buildTags fills n.cand: the static tags merged with one tag per list key on
// elems[:deepest+1], sorted by key.
func (n *Normalizer) buildTags(deepest int) {
	n.cand = n.cand[:0]
	for i := 0; i <= deepest; i++ {
		e := n.elems[i]
		for _, p := range n.kvs[e.k0:e.k1] {
			key := n.tagKey(e.name, p.k)
			if n.candHas(key) {
				parent := ""
				if i > 0 {
					parent = n.elems[i-1].name
				}
				key = n.qualifiedTagKey(parent, e.name, p.k)
				for n.candHas(key) { // still taken (pathological): add underscores until free
					key += "_"
				}
			}
			n.cand = append(n.cand, collector.Tag{Key: key, Value: validUTF8(p.v)})
		}
	}
	if len(n.cand) > 1 {
		slices.SortFunc(n.cand, func(a, b collector.Tag) int { return strings.Compare(a.Key, b.Key) })
	}
	n.cand = mergeTags(n.cand, n.static)
}

// mergeTags appends the static tags into the sorted dynamic ones (in place, through the
// scratch slice). A path key equal to a static tag key wins: it identifies the series.
func mergeTags(dyn, static []collector.Tag) []collector.Tag {
	nd := len(dyn)
	for _, s := range static {
		dup := false
		for _, d := range dyn[:nd] {
			if d.Key == s.Key {
				dup = true
				break
			}
		}
		if !dup {
			dyn = append(dyn, s)
		}
	}
	if len(dyn) > nd && nd > 0 {
		slices.SortFunc(dyn, func(a, b collector.Tag) int { return strings.Compare(a.Key, b.Key) })
	}
	return dyn
}

func tagsEqual(a, b []collector.Tag) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (n *Normalizer) candHas(key string) bool {
	for _, t := range n.cand {
		if t.Key == key {
			return true
		}
	}
	return false
}

func (n *Normalizer) tagKey(list, key string) string {
	k := [2]string{list, key}
	if s, ok := n.shared.tkeys.load()[k]; ok {
		return s
	}
	s, _ := n.shared.tkeys.add(k, validUTF8(list+"_"+key))
	return s
}

func (n *Normalizer) qualifiedTagKey(parent, list, key string) string {
	k := [3]string{parent, list, key}
	if s, ok := n.shared.qkeys.load()[k]; ok {
		return s
	}
	s, _ := n.shared.qkeys.add(k, validUTF8(parent+"_"+list+"_"+key))
	return s
}

// fieldName joins the element names below the deepest keyed element (all of them when
// deepest is -1; the keyed element's own name when nothing is below it).
func (n *Normalizer) fieldName(deepest int) string {
	from := deepest + 1
	if from == len(n.elems) {
		if deepest < 0 {
			return "value" // an update at the root: nothing names it
		}
		from = deepest
	}
	if from == len(n.elems)-1 {
		if n.elems[from].name == "" {
			return "value" // a JSON member named "": nothing else names it
		}
		return validUTF8(n.elems[from].name)
	}
	n.buf = n.buf[:0]
	for i := from; i < len(n.elems); i++ {
		if i > from {
			n.buf = append(n.buf, '/')
		}
		n.buf = append(n.buf, n.elems[i].name...)
	}
	if s, ok := n.shared.names.load()[string(n.buf)]; ok { // no allocation: the compiler elides the conversion
		return s
	}
	raw := string(n.buf)
	s, _ := n.shared.names.add(raw, validUTF8(raw))
	return s
}

// finish turns the pending points into Points: one allocation for all tags, one for all
// fields, fields grouped per point in arrival order, a repeated field keeping its last value.
func (n *Normalizer) finish(dst []collector.Point, ts time.Time) []collector.Point {
	tags := make([]collector.Tag, len(n.tagBuf))
	copy(tags, n.tagBuf)
	fields := make([]collector.Field, len(n.fields))
	// n.offs[i]: where point i's fields start; n.offs[len(pts)+i]: where the next one goes.
	np := len(n.pts)
	n.offs = slices.Grow(n.offs[:0], 2*np)[:2*np]
	off := 0
	for i := range n.pts {
		n.offs[i], n.offs[np+i] = off, off
		off += n.pts[i].nfields
	}
	for _, pf := range n.fields {
		fields[n.offs[np+pf.point]] = pf.f
		n.offs[np+pf.point]++
	}
	for i, p := range n.pts {
		lo, hi := n.offs[i], n.offs[i]+p.nfields
		fs := fields[lo:hi:hi]
		fs = dedupeFields(fs)
		dst = append(dst, collector.Point{
			Measurement: p.measurement,
			Tags:        tags[p.t0:p.t1:p.t1],
			Fields:      fs,
			Time:        ts,
		})
	}
	return dst
}

// dedupeFields keeps the last value of a repeated field key, in place, preserving order of
// first appearance.
func dedupeFields(fs []collector.Field) []collector.Field {
	if len(fs) < 2 {
		return fs
	}
	if len(fs) <= 32 {
		out := fs[:0]
		for _, f := range fs {
			replaced := false
			for j := range out {
				if out[j].Key == f.Key {
					out[j] = f
					replaced = true
					break
				}
			}
			if !replaced {
				out = append(out, f)
			}
		}
		return out
	}
	idx := make(map[string]int, len(fs))
	out := fs[:0]
	for _, f := range fs {
		if j, ok := idx[f.Key]; ok {
			out[j] = f
			continue
		}
		idx[f.Key] = len(out)
		out = append(out, f)
	}
	return out
}

package gnmi

import (
	"math"
	"sync"
	"unicode/utf8"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
)

// fastDecoder decodes SubscribeResponse wire bytes into a message tree it owns and reuses
// (structs, slices with their capacity, PathElem.Key maps), with the strings of paths and
// short string values interned, so that in steady state decoding allocates almost nothing:
// at fleet scale protobuf-go's decode (a fresh struct per message, path element, value and
// string) was a quarter of the CPU and most of the GC's work (BENCHMARKS.md, "gNMI decode
// without allocation").
//
// It handles the fields gNMI devices send in telemetry (SubscribeResponse update and
// sync_response; Notification timestamp, prefix, update, delete, atomic; Update path, val,
// duplicates; Path origin, elem, target; PathElem name and keys; TypedValue string, int,
// uint, bool, bytes, float, double, json, json_ietf, ascii). Anything else (extensions, the
// deprecated error, alias, Path.element, Update.value and decimal values, leaf-lists, Any,
// proto_bytes, unknown fields, a singular message field sent twice, which protobuf merges,
// invalid UTF-8, malformed wire data) makes decode report false, and the caller decodes
// with protobuf-go (lenientCodec): the fast path only has to be right for what it accepts,
// which the differential tests and FuzzDecodeSubscribeResponse check against proto.Unmarshal.
//
// The tree is valid until the next decode: whoever reads it must not keep a pointer into it,
// nor a []byte of it (JSON and bytes values are copied into reused buffers). Strings are
// immutable and may be kept.
type fastDecoder struct {
	resp  gnmipb.SubscribeResponse
	upd   gnmipb.SubscribeResponse_Update
	sync  gnmipb.SubscribeResponse_SyncResponse
	notif gnmipb.Notification

	// Slots handed out in order while decoding one message; nX counts the ones in use.
	updates []*gnmipb.Update
	paths   []*gnmipb.Path
	elems   []*gnmipb.PathElem
	vals    []*valueSlot
	nu, np  int
	ne, nv  int

	strs    map[string]string // interned strings
	scratch []byte            // a message that arrived in several buffers, joined
}

// valueSlot is a reused TypedValue with one reused wrapper per oneof case it decodes.
type valueSlot struct {
	tv    gnmipb.TypedValue
	str   gnmipb.TypedValue_StringVal
	i     gnmipb.TypedValue_IntVal
	u     gnmipb.TypedValue_UintVal
	b     gnmipb.TypedValue_BoolVal
	bytes gnmipb.TypedValue_BytesVal
	f     gnmipb.TypedValue_FloatVal
	d     gnmipb.TypedValue_DoubleVal
	json  gnmipb.TypedValue_JsonVal
	ietf  gnmipb.TypedValue_JsonIetfVal
	ascii gnmipb.TypedValue_AsciiVal
}

const (
	// maxDecodeInterned bounds the interned strings: names, keys and short values repeat
	// (element names, interface names, oper-status), but a device inventing new ones must
	// not grow memory without bound. Past it strings are still decoded, just allocated.
	maxDecodeInterned = 1 << 14
	// maxInternLen: longer strings (descriptions, messages) are allocated, not interned.
	maxInternLen = 64
	// maxKeptUpdates: a decoder that grew past this (a device sending its whole tree in one
	// notification) is not kept for reuse, so the pool holds only ordinary-sized trees.
	maxKeptUpdates = 4096
	maxKeptScratch = 1 << 20
)

// decoders holds the decoders not in use. Sessions take one inside their collector.Gate
// and give it back when fn has returned, so the trees in existence are about as many as the
// Gate's slots, not one per device (at 2,000 devices a kept tree per session would cost more
// memory than the allocations it saves). A sync.Pool rather than a per-Gate list because the
// Gate is optional (CLI) and shared by SNMP; it drops idle decoders at GC, which only costs
// re-interning a few hundred names.
var decoders = sync.Pool{New: func() any { return &fastDecoder{strs: map[string]string{}} }}

func getDecoder() *fastDecoder { return decoders.Get().(*fastDecoder) }

func putDecoder(d *fastDecoder) {
	if len(d.updates) > maxKeptUpdates || cap(d.scratch) > maxKeptScratch {
		return
	}
	decoders.Put(d)
}

// decodeBuffers decodes a received message (grpc's buffers, usually one).
func (d *fastDecoder) decodeBuffers(data mem.BufferSlice) (*gnmipb.SubscribeResponse, bool) {
	if len(data) == 1 {
		return d.decode(data[0].ReadOnlyData())
	}
	d.scratch = d.scratch[:0]
	for _, b := range data {
		d.scratch = append(d.scratch, b.ReadOnlyData()...)
	}
	return d.decode(d.scratch)
}

// decode decodes b into the decoder's tree; false means b holds something it does not
// handle (fastDecoder's doc) and the tree is garbage.
func (d *fastDecoder) decode(b []byte) (*gnmipb.SubscribeResponse, bool) {
	d.nu, d.np, d.ne, d.nv = 0, 0, 0, 0
	r := &d.resp
	r.Response, r.Extension = nil, nil
	seenUpdate := false
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, false
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.BytesType: // update
			v, n := protowire.ConsumeBytes(b)
			if n < 0 || seenUpdate { // twice: protobuf would merge the two
				return nil, false
			}
			b = b[n:]
			seenUpdate = true
			if !d.notification(&d.notif, v) {
				return nil, false
			}
			d.upd.Update = &d.notif
			r.Response = &d.upd
		case num == 3 && typ == protowire.VarintType: // sync_response
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, false
			}
			b = b[n:]
			d.sync.SyncResponse = v != 0
			r.Response = &d.sync
		default:
			return nil, false
		}
	}
	return r, true
}

func (d *fastDecoder) notification(m *gnmipb.Notification, b []byte) bool {
	m.Timestamp, m.Prefix, m.Atomic = 0, nil, false
	m.Update, m.Delete = m.Update[:0], m.Delete[:0]
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		switch {
		case (num == 1 || num == 6) && typ == protowire.VarintType: // timestamp, atomic
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return false
			}
			b = b[n:]
			if num == 1 {
				m.Timestamp = int64(v)
			} else {
				m.Atomic = v != 0
			}
		case (num == 2 || num == 4 || num == 5) && typ == protowire.BytesType: // prefix, update, delete
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return false
			}
			b = b[n:]
			switch num {
			case 2:
				if m.Prefix != nil {
					return false
				}
				p := d.path()
				if !d.decodePath(p, v) {
					return false
				}
				m.Prefix = p
			case 4:
				u := d.update()
				if !d.decodeUpdate(u, v) {
					return false
				}
				m.Update = append(m.Update, u)
			case 5:
				p := d.path()
				if !d.decodePath(p, v) {
					return false
				}
				m.Delete = append(m.Delete, p)
			}
		default:
			return false
		}
	}
	return true
}

func (d *fastDecoder) decodeUpdate(u *gnmipb.Update, b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		switch {
		case (num == 1 || num == 3) && typ == protowire.BytesType: // path, val
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return false
			}
			b = b[n:]
			if num == 1 {
				if u.Path != nil {
					return false
				}
				p := d.path()
				if !d.decodePath(p, v) {
					return false
				}
				u.Path = p
			} else {
				if u.Val != nil {
					return false
				}
				tv, ok := d.value(v)
				if !ok {
					return false
				}
				u.Val = tv
			}
		case num == 4 && typ == protowire.VarintType: // duplicates
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return false
			}
			b = b[n:]
			u.Duplicates = uint32(v)
		default:
			return false
		}
	}
	return true
}

func (d *fastDecoder) decodePath(p *gnmipb.Path, b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return false
		}
		b = b[n:]
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		switch num {
		case 2: // origin
			s, ok := d.str(v)
			if !ok {
				return false
			}
			p.Origin = s
		case 3: // elem
			e := d.elem()
			if !d.decodeElem(e, v) {
				return false
			}
			p.Elem = append(p.Elem, e)
		case 4: // target
			s, ok := d.str(v)
			if !ok {
				return false
			}
			p.Target = s
		default: // 1: the deprecated string elements, or unknown
			return false
		}
	}
	return true
}

func (d *fastDecoder) decodeElem(e *gnmipb.PathElem, b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType {
			return false
		}
		b = b[n:]
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		switch num {
		case 1: // name
			s, ok := d.str(v)
			if !ok {
				return false
			}
			e.Name = s
		case 2: // one key map entry
			k, val, ok := d.mapEntry(v)
			if !ok {
				return false
			}
			if e.Key == nil {
				e.Key = make(map[string]string, 2)
			}
			e.Key[k] = val
		default:
			return false
		}
	}
	return true
}

// mapEntry decodes a map<string,string> entry: key 1, value 2, a missing one empty, the last
// of a repeated one winning (as protobuf-go decodes them).
func (d *fastDecoder) mapEntry(b []byte) (k, v string, ok bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || typ != protowire.BytesType || (num != 1 && num != 2) {
			return "", "", false
		}
		b = b[n:]
		raw, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return "", "", false
		}
		b = b[n:]
		s, ok := d.str(raw)
		if !ok {
			return "", "", false
		}
		if num == 1 {
			k = s
		} else {
			v = s
		}
	}
	return k, v, true
}

func (d *fastDecoder) value(b []byte) (*gnmipb.TypedValue, bool) {
	if d.nv == len(d.vals) {
		d.vals = append(d.vals, new(valueSlot))
	}
	s := d.vals[d.nv]
	d.nv++
	tv := &s.tv
	tv.Value = nil
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, false
		}
		b = b[n:]
		switch typ {
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, false
			}
			b = b[n:]
			switch num {
			case 2:
				s.i.IntVal = int64(v)
				tv.Value = &s.i
			case 3:
				s.u.UintVal = v
				tv.Value = &s.u
			case 4:
				s.b.BoolVal = v != 0
				tv.Value = &s.b
			default:
				return nil, false
			}
		case protowire.Fixed32Type:
			v, n := protowire.ConsumeFixed32(b)
			if n < 0 || num != 6 {
				return nil, false
			}
			b = b[n:]
			s.f.FloatVal = math.Float32frombits(v)
			tv.Value = &s.f
		case protowire.Fixed64Type:
			v, n := protowire.ConsumeFixed64(b)
			if n < 0 || num != 14 {
				return nil, false
			}
			b = b[n:]
			s.d.DoubleVal = math.Float64frombits(v)
			tv.Value = &s.d
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, false
			}
			b = b[n:]
			switch num {
			case 1, 12: // string_val, ascii_val
				str, ok := d.str(v)
				if !ok {
					return nil, false
				}
				if num == 1 {
					s.str.StringVal = str
					tv.Value = &s.str
				} else {
					s.ascii.AsciiVal = str
					tv.Value = &s.ascii
				}
			case 5: // bytes_val
				s.bytes.BytesVal = append(s.bytes.BytesVal[:0], v...)
				tv.Value = &s.bytes
			case 10: // json_val
				s.json.JsonVal = append(s.json.JsonVal[:0], v...)
				tv.Value = &s.json
			case 11: // json_ietf_val
				s.ietf.JsonIetfVal = append(s.ietf.JsonIetfVal[:0], v...)
				tv.Value = &s.ietf
			default: // decimal (deprecated), leaf-list, Any, proto_bytes
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return tv, true
}

func (d *fastDecoder) update() *gnmipb.Update {
	if d.nu == len(d.updates) {
		d.updates = append(d.updates, new(gnmipb.Update))
	}
	u := d.updates[d.nu]
	d.nu++
	u.Path, u.Value, u.Val, u.Duplicates = nil, nil, nil, 0
	return u
}

func (d *fastDecoder) path() *gnmipb.Path {
	if d.np == len(d.paths) {
		d.paths = append(d.paths, new(gnmipb.Path))
	}
	p := d.paths[d.np]
	d.np++
	p.Element, p.Origin, p.Elem, p.Target = nil, "", p.Elem[:0], ""
	return p
}

func (d *fastDecoder) elem() *gnmipb.PathElem {
	if d.ne == len(d.elems) {
		d.elems = append(d.elems, new(gnmipb.PathElem))
	}
	e := d.elems[d.ne]
	d.ne++
	e.Name = ""
	clear(e.Key)
	return e
}

// str returns b as a string: interned when it is short, allocated otherwise; false when b
// is not valid UTF-8 (proto3 requires it; the caller falls back to the lenient decode,
// which repairs it).
func (d *fastDecoder) str(b []byte) (string, bool) {
	if len(b) == 0 {
		return "", true
	}
	if len(b) <= maxInternLen {
		if s, ok := d.strs[string(b)]; ok { // no allocation: the compiler elides the conversion
			return s, true
		}
	}
	if !utf8.Valid(b) {
		return "", false
	}
	s := string(b)
	if len(b) <= maxInternLen && len(d.strs) < maxDecodeInterned {
		d.strs[s] = s
	}
	return s, true
}

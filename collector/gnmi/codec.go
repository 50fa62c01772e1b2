package gnmi

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"google.golang.org/grpc/encoding"
	_ "google.golang.org/grpc/encoding/proto" // registers the "proto" codec we wrap
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// lenientCodec is grpc's proto codec, except that a message with invalid UTF-8 in a string
// field is repaired (bad bytes become U+FFFD) instead of failing the stream. proto3 requires
// UTF-8 and protobuf-go enforces it on unmarshal, but devices do send Latin-1 interface
// descriptions; without this one bad description would break the stream, the session would
// redial, receive the same description again, and never deliver anything. Valid messages take
// the normal path at normal cost.
type lenientCodec struct {
	base     encoding.CodecV2
	onRepair func() // may be nil
}

func newLenientCodec(onRepair func()) encoding.CodecV2 {
	return lenientCodec{base: encoding.GetCodecV2("proto"), onRepair: onRepair}
}

// Marshal is the proto codec's.
func (c lenientCodec) Marshal(v any) (mem.BufferSlice, error) { return c.base.Marshal(v) }

// Name is "proto": the codec replaces the default one, not the content type.
func (c lenientCodec) Name() string { return c.base.Name() }

// Unmarshal decodes, repairing invalid UTF-8 when the strict decode fails on it.
func (c lenientCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.base.Unmarshal(data, v)
	if err == nil || !strings.Contains(err.Error(), "UTF-8") {
		return err
	}
	m, ok := v.(proto.Message)
	if !ok {
		return err
	}
	fixed := repairUTF8(data.Materialize(), m.ProtoReflect().Descriptor())
	proto.Reset(m)
	if err := proto.Unmarshal(fixed, m); err != nil {
		return err
	}
	if c.onRepair != nil {
		c.onRepair()
	}
	return nil
}

// repairUTF8 copies a wire-format message, replacing invalid UTF-8 in string fields
// (recursively through sub-messages and map entries). Anything it cannot parse is copied
// verbatim for proto.Unmarshal to report.
func repairUTF8(b []byte, md protoreflect.MessageDescriptor) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return append(out, b...)
		}
		fd := md.Fields().ByNumber(num)
		if typ == protowire.BytesType && fd != nil {
			v, m := protowire.ConsumeBytes(b[n:])
			if m < 0 {
				return append(out, b...)
			}
			switch fd.Kind() {
			case protoreflect.StringKind:
				if !utf8.Valid(v) {
					v = []byte(strings.ToValidUTF8(string(v), "\uFFFD"))
				}
			case protoreflect.MessageKind:
				v = repairUTF8(v, fd.Message())
			}
			out = protowire.AppendTag(out, num, typ)
			out = protowire.AppendBytes(out, v)
			b = b[n+m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return append(out, b...)
		}
		out = append(out, b[:n+m]...)
		b = b[n+m:]
	}
	return out
}

// rawMessage is a received message kept in its wire form: rawCodec does not decode it, the
// receiver does when it is ready to (Subscribe, inside its collector.Gate). The bytes are
// grpc's pooled buffers, referenced until free.
type rawMessage struct{ data mem.BufferSlice }

func (r *rawMessage) free() {
	if r.data != nil {
		r.data.Free()
		r.data = nil
	}
}

// rawCodec sends like the proto codec and receives into a *rawMessage without decoding.
type rawCodec struct{}

// Marshal is the proto codec's.
func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return encoding.GetCodecV2("proto").Marshal(v)
}

// Name is "proto": the content type does not change.
func (rawCodec) Name() string { return "proto" }

// Unmarshal keeps a reference to data in v, which must be a *rawMessage.
func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	r, ok := v.(*rawMessage)
	if !ok {
		return fmt.Errorf("raw codec: cannot receive into %T", v)
	}
	data.Ref()
	r.data = data
	return nil
}

package gnmi

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
)

// SampleValue builds a sample update's value from text: as the named type (uint, int,
// float/double, bool, string, json, json_ietf), or, when typ is empty, as a guess: a bare
// non-negative number is a uint (as counters arrive), a negative one an int, a decimal a
// float, JSON objects and arrays JSON_IETF, anything else a string.
func SampleValue(v, typ string) (*gnmipb.TypedValue, error) {
	if typ == "" {
		switch {
		case strings.HasPrefix(v, "{") || strings.HasPrefix(v, "["):
			typ = "json_ietf"
		case v == "true" || v == "false":
			typ = "bool"
		default:
			if _, err := strconv.ParseUint(v, 10, 64); err == nil {
				typ = "uint"
			} else if _, err := strconv.ParseInt(v, 10, 64); err == nil {
				typ = "int"
			} else if _, err := strconv.ParseFloat(v, 64); err == nil {
				typ = "float"
			} else {
				typ = "string"
			}
		}
	}
	bad := func(err error) (*gnmipb.TypedValue, error) {
		return nil, fmt.Errorf("value %q is not a %s: %w", v, typ, err)
	}
	switch strings.ToLower(typ) {
	case "uint":
		u, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return bad(err)
		}
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_UintVal{UintVal: u}}, nil
	case "int":
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return bad(err)
		}
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_IntVal{IntVal: i}}, nil
	case "float", "double":
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return bad(err)
		}
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_DoubleVal{DoubleVal: f}}, nil
	case "bool":
		b, err := strconv.ParseBool(v)
		if err != nil {
			return bad(err)
		}
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_BoolVal{BoolVal: b}}, nil
	case "string":
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_StringVal{StringVal: v}}, nil
	case "json_ietf":
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonIetfVal{JsonIetfVal: []byte(v)}}, nil
	case "json":
		return &gnmipb.TypedValue{Value: &gnmipb.TypedValue_JsonVal{JsonVal: []byte(v)}}, nil
	}
	return nil, fmt.Errorf("type %q: use uint, int, float, bool, string, json or json_ietf", typ)
}

// Sample is what one update becomes under a target's configuration.
type Sample struct {
	Points    []collector.Point // time 0: a sample has no notification timestamp
	Counts    Counts
	Conflicts []TypeConflict
	// Origins says where each field's type comes from, keyed by measurement and field.
	Origins map[[2]string]FieldOrigin
}

// SampleUpdate runs one notification holding the update path = val through the normalizer
// the target's session would build (its subscriptions, tags, source and emit_deletes): the
// same code, so `netpulse explain` shows exactly what the daemon writes.
func SampleUpdate(c Config, path string, val *gnmipb.TypedValue) (Sample, error) {
	p, err := ParsePath(path)
	if err != nil {
		return Sample{}, err
	}
	norm, err := NewNormalizer(NormalizerConfig{Source: c.Name, Tags: c.Tags, Subscriptions: c.Subscriptions, EmitDeletes: c.EmitDeletes, Explain: true})
	if err != nil {
		return Sample{}, err
	}
	notif := &gnmipb.Notification{Update: []*gnmipb.Update{{Path: p, Val: val}}}
	var s Sample
	s.Points, s.Counts = norm.Normalize(nil, notif, time.Unix(0, 0))
	s.Conflicts = append(s.Conflicts, norm.TypeConflicts()...)
	s.Origins = map[[2]string]FieldOrigin{}
	for _, o := range norm.FieldOrigins() {
		s.Origins[[2]string{o.Measurement, o.Field}] = o
	}
	return s, nil
}

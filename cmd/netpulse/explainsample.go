package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"
	gnmipb "github.com/openconfig/gnmi/proto/gnmi"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
	"github.com/netpulse/netpulse/collector/snmp/snmptest"
	"github.com/netpulse/netpulse/outputs"
)

// sampleTypedValue builds the sample update's value: the named type, or a guess (a bare
// number is a uint, as counters arrive; JSON objects and arrays are JSON_IETF).
func sampleTypedValue(v, typ string) (*gnmipb.TypedValue, error) {
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
		return nil, usageError(fmt.Errorf("--sample-value %q is not a %s: %w", v, typ, err))
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
	return nil, usageError(fmt.Errorf("--sample-type %q: use uint, int, float, bool, string, json or json_ietf", typ))
}

// explainGNMISample runs one notification with the sample update through the target's own
// normalizer (its subscriptions, tags and source) and prints the resulting points.
func explainGNMISample(w io.Writer, c gnmi.Config, o *explainOptions) error {
	p, err := gnmi.ParsePath(o.samplePath)
	if err != nil {
		return usageError(fmt.Errorf("--sample-path: %w", err))
	}
	val, err := sampleTypedValue(o.sampleVal, o.sampleType)
	if err != nil {
		return err
	}
	norm, err := gnmi.NewNormalizer(gnmi.NormalizerConfig{Source: c.Name, Tags: c.Tags, Subscriptions: c.Subscriptions, EmitDeletes: c.EmitDeletes, Explain: true})
	if err != nil {
		return usageError(err)
	}
	notif := &gnmipb.Notification{Update: []*gnmipb.Update{{Path: p, Val: val}}}
	pts, counts := norm.Normalize(nil, notif, time.Unix(0, 0))
	fmt.Fprintf(w, "  sample update %s = %s\n", gnmi.PathString(p), strings.TrimSpace(val.String()))
	for _, tc := range norm.TypeConflicts() {
		fmt.Fprintf(w, "    ! %s = %s does not fit its OpenConfig type %s (YANG %s): the field is dropped and counted as type_conflict\n", tc.Path, tc.Value, tc.Want, tc.YANG)
	}
	if len(pts) == 0 {
		if counts.Conflicts == 0 {
			fmt.Fprintf(w, "    → no point: %d value(s) skipped (bytes, proto any or an empty value have no field type)\n", counts.Skipped)
		}
		return nil
	}
	origins := map[string]string{}
	for _, o := range norm.FieldOrigins() {
		src := "learned at write time: not in the OpenConfig table, so the device's encoding decides and each output pins the first type written"
		if o.Declared {
			src = fmt.Sprintf("OpenConfig model: %s is %s", o.SchemaPath, o.YANG)
		}
		origins[o.Measurement+"\x00"+o.Field] = src
	}
	return printSamplePoints(w, pts, func(m, f string) string { return origins[m+"\x00"+f] })
}

// printSamplePoints shows each point's parts, each field's type and where the type comes
// from (origin), and the line protocol the daemon writes (the time is the notification's or
// the poll's; 0 here).
func printSamplePoints(w io.Writer, pts []collector.Point, origin func(measurement, field string) string) error {
	for _, pt := range pts {
		fmt.Fprintf(w, "    → measurement %s\n      tags   %s\n", pt.Measurement, tagList(pt.Tags))
		for _, f := range pt.Fields {
			fmt.Fprintf(w, "      field  %s = %s (%s)\n", f.Key, f.Format(), f.Kind)
			if o := origin(pt.Measurement, f.Key); o != "" {
				fmt.Fprintf(w, "             type %s: %s\n", f.Kind, o)
			}
		}
	}
	b, err := outputs.AppendLineProtocol(nil, pts, outputs.EncodeOptions{})
	if err != nil {
		fmt.Fprintf(w, "    ! %v\n", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if l != "" {
			fmt.Fprintf(w, "    line protocol: %s\n", l)
		}
	}
	return nil
}

// parseVarbind reads OID=VALUE, VALUE as net-snmp prints it ("Counter64: 42", "STRING: x",
// "INTEGER: 1", "Gauge32:", "Counter32:", "Timeticks: (n)", "Hex-STRING: 00 1A", "OID:",
// "IpAddress:"), or bare: a non-negative integer is a Counter64, anything else a STRING.
func parseVarbind(s string) (gosnmp.SnmpPDU, error) {
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		return gosnmp.SnmpPDU{}, usageError(fmt.Errorf("--sample-varbind %q: write OID=VALUE, e.g. ifHCInOctets.3=42", s))
	}
	oid, err := resolveOID(strings.TrimSpace(name), true)
	if err != nil {
		return gosnmp.SnmpPDU{}, usageError(fmt.Errorf("--sample-varbind: %w", err))
	}
	val = strings.TrimSpace(val)
	typ, rest, typed := strings.Cut(val, ": ")
	if !typed {
		if u, err := strconv.ParseUint(val, 10, 64); err == nil {
			return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.Counter64, Value: u}, nil
		}
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: []byte(strings.Trim(val, `"`))}, nil
	}
	bad := func(err error) (gosnmp.SnmpPDU, error) {
		return gosnmp.SnmpPDU{}, usageError(fmt.Errorf("--sample-varbind %q: %w", s, err))
	}
	num := func() (uint64, error) {
		return strconv.ParseUint(strings.Trim(strings.Fields(rest + " ")[0], "()"), 10, 64)
	}
	switch typ {
	case "STRING":
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: []byte(strings.Trim(rest, `"`))}, nil
	case "Hex-STRING":
		b, err := hex.DecodeString(strings.Join(strings.Fields(rest), ""))
		if err != nil {
			return bad(err)
		}
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.OctetString, Value: b}, nil
	case "INTEGER":
		i, err := strconv.Atoi(rest)
		if err != nil {
			return bad(err)
		}
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.Integer, Value: i}, nil
	case "Counter64":
		u, err := num()
		if err != nil {
			return bad(err)
		}
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.Counter64, Value: u}, nil
	case "Counter32", "Gauge32", "Timeticks":
		u, err := num()
		if err != nil || u > 1<<32-1 {
			return bad(errors.Join(err, errors.New("a 32-bit unsigned number")))
		}
		t := map[string]gosnmp.Asn1BER{"Counter32": gosnmp.Counter32, "Gauge32": gosnmp.Gauge32, "Timeticks": gosnmp.TimeTicks}[typ]
		if t == gosnmp.TimeTicks {
			return gosnmp.SnmpPDU{Name: oid, Type: t, Value: uint32(u)}, nil
		}
		return gosnmp.SnmpPDU{Name: oid, Type: t, Value: uint(u)}, nil
	case "OID":
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.ObjectIdentifier, Value: rest}, nil
	case "IpAddress":
		return gosnmp.SnmpPDU{Name: oid, Type: gosnmp.IPAddress, Value: rest}, nil
	}
	return bad(fmt.Errorf("unknown type %q: use STRING, Hex-STRING, INTEGER, Counter32, Counter64, Gauge32, Timeticks, OID or IpAddress", typ))
}

// explainSNMPSample polls the target's profiles once against an agent that holds only the
// sample varbinds, with the daemon's own session, and prints the points that come out.
func explainSNMPSample(ctx context.Context, w io.Writer, c snmp.Config, varbinds []string) error {
	pdus := make([]gosnmp.SnmpPDU, 0, len(varbinds))
	for _, s := range varbinds {
		vb, err := parseVarbind(s)
		if err != nil {
			return err
		}
		pdus = append(pdus, vb)
		fmt.Fprintf(w, "  sample varbind %s\n", formatVarbind(vb))
	}
	fake, err := snmptest.NewFake(pdus)
	if err != nil {
		return usageError(fmt.Errorf("--sample-varbind: %w", err))
	}
	var logBuf strings.Builder
	s, err := snmp.NewWithClient(c, collector.Runtime{}, slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn})), fake)
	if err != nil {
		return usageError(err)
	}
	defer s.Close()
	pts, err := s.Poll(ctx)
	if err != nil {
		return fmt.Errorf("normalize the sample: %w", err)
	}
	for _, l := range strings.Split(strings.TrimSpace(logBuf.String()), "\n") {
		if strings.Contains(l, "type_conflict") {
			fmt.Fprintf(w, "    ! %s\n", l[strings.Index(l, "msg="):])
		}
	}
	if len(pts) == 0 {
		fmt.Fprintln(w, "    → no point: no profile of this target reads these OIDs")
		return nil
	}
	for i := range pts {
		pts[i].Time = time.Unix(0, 0)
	}
	return printSamplePoints(w, pts, func(m, f string) string { return snmpFieldOrigin(c.Profiles, m, f) })
}

// snmpFieldOrigin says where the type of field f of measurement m comes from.
func snmpFieldOrigin(profiles []snmp.Profile, m, f string) string {
	for _, p := range profiles {
		for i := range p.Scalars {
			if s := &p.Scalars[i]; s.Measurement == m {
				if _, ok := s.Fields[f]; ok {
					return declaredOrigin(p.Name, s.Types, s.Formats, f, s.FieldType)
				}
			}
		}
		for i := range p.Tables {
			if t := &p.Tables[i]; t.Measurement == m {
				if _, ok := t.Fields[f]; ok || f == t.IndexField {
					return declaredOrigin(p.Name, t.Types, t.Formats, f, t.FieldType)
				}
			}
		}
	}
	return ""
}

func declaredOrigin(profile string, types, formats map[string]string, f string, fieldType func(string) (collector.Kind, bool)) string {
	k, ok := fieldType(f)
	switch {
	case !ok:
		return fmt.Sprintf("learned at write time: profile %s declares no type, so the SNMP type decides and each output pins the first type written (add types: {%s: …})", profile, f)
	case types[f] != "":
		return fmt.Sprintf("profile %s declares %s", profile, k)
	}
	return fmt.Sprintf("profile %s: format %s writes a %s", profile, formats[f], k)
}

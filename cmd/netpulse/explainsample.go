package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
	"github.com/netpulse/netpulse/outputs"
)

// The samplers themselves live next to the normalizers they run (gnmi.SampleUpdate,
// snmp.SamplePoll); this file turns the flags into their inputs and prints what comes out.

// explainGNMISample runs one notification with the sample update through the target's own
// normalizer (its subscriptions, tags and source) and prints the resulting points.
func explainGNMISample(w io.Writer, c gnmi.Config, o *explainOptions) error {
	val, err := gnmi.SampleValue(o.sampleVal, o.sampleType)
	if err != nil {
		return usageError(fmt.Errorf("--sample-value/--sample-type: %w", err))
	}
	s, err := gnmi.SampleUpdate(c, o.samplePath, val)
	if err != nil {
		return usageError(fmt.Errorf("--sample-path: %w", err))
	}
	p, _ := gnmi.ParsePath(o.samplePath)
	fmt.Fprintf(w, "  sample update %s = %s\n", gnmi.PathString(p), strings.TrimSpace(val.String()))
	for _, tc := range s.Conflicts {
		fmt.Fprintf(w, "    ! %s = %s does not fit its OpenConfig type %s (YANG %s): the field is dropped and counted as type_conflict\n", tc.Path, tc.Value, tc.Want, tc.YANG)
	}
	if len(s.Points) == 0 {
		if s.Counts.Conflicts == 0 {
			fmt.Fprintf(w, "    → no point: %d value(s) skipped (bytes, proto any or an empty value have no field type)\n", s.Counts.Skipped)
		}
		return nil
	}
	return printSamplePoints(w, s.Points, func(m, f string) string {
		o, ok := s.Origins[[2]string{m, f}]
		switch {
		case !ok:
			return ""
		case o.Declared:
			return fmt.Sprintf("OpenConfig model: %s is %s", o.SchemaPath, o.YANG)
		}
		return "learned at write time: not in the OpenConfig table, so the device's encoding decides and each output pins the first type written"
	})
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

// explainSNMPSample polls the target's profiles once against an agent that holds only the
// sample varbinds, with the daemon's own session, and prints the points that come out.
func explainSNMPSample(ctx context.Context, w io.Writer, c snmp.Config, varbinds []string) error {
	pdus := make([]gosnmp.SnmpPDU, 0, len(varbinds))
	for _, s := range varbinds {
		vb, err := snmp.ParseVarbind(s)
		if err != nil {
			return usageError(fmt.Errorf("--sample-varbind: %w", err))
		}
		pdus = append(pdus, vb)
		fmt.Fprintf(w, "  sample varbind %s\n", formatVarbind(vb))
	}
	sample, err := snmp.SamplePoll(ctx, c, pdus)
	if err != nil {
		return usageError(fmt.Errorf("--sample-varbind: %w", err))
	}
	for _, l := range sample.Conflicts {
		fmt.Fprintf(w, "    ! %s\n", l)
	}
	explainMatches(w, sample) // snmpmatch.go: profiles matched on the sample's sysObjectID
	pts := sample.Points
	if len(pts) == 0 {
		fmt.Fprintln(w, "    → no point: no profile of this target reads these OIDs")
		return nil
	}
	return printSamplePoints(w, pts, func(m, f string) string {
		o, ok := snmp.FieldTypeOrigin(c.Profiles, m, f)
		switch {
		case !ok:
			return ""
		case !o.Declared:
			return fmt.Sprintf("learned at write time: profile %s declares no type, so the SNMP type decides and each output pins the first type written (add types: {%s: …})", o.Profile, f)
		case o.Format == "":
			return fmt.Sprintf("profile %s declares %s", o.Profile, o.Kind)
		}
		return fmt.Sprintf("profile %s: format %s writes a %s", o.Profile, o.Format, o.Kind)
	})
}

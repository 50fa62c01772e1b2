package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/netpulse/netpulse/collector/snmp"
)

// explainMatch prints which devices a profile polls (its match rule and what it replaces).
func explainMatch(w io.Writer, p snmp.Profile) {
	if p.Match == nil {
		fmt.Fprintf(w, "    matches every device\n")
	} else {
		var why []string
		if len(p.Match.SysObjectID) > 0 {
			why = append(why, "sysObjectID under "+strings.Join(p.Match.SysObjectID, " or "))
		}
		if p.Match.SysDescr != "" {
			why = append(why, "sysDescr matching /"+p.Match.SysDescr+"/")
		}
		fmt.Fprintf(w, "    matches devices with %s (read once per session, again after a restart)\n", strings.Join(why, " and "))
	}
	if len(p.Replaces) > 0 {
		fmt.Fprintf(w, "    replaces %s where it matches\n", strings.Join(p.Replaces, ", "))
	}
}

// explainDerived prints a table's derived values (collector/snmp/PROFILES.md).
func explainDerived(w io.Writer, tb snmp.Table) {
	for _, name := range slices.Sorted(maps.Keys(tb.Columns)) {
		fmt.Fprintf(w, "      col   %-34s ← %s\n", name, describeOID(tb.Columns[name]))
	}
	for i, p := range tb.Index {
		fmt.Fprintf(w, "      index part %d %s (%s)\n", i+1, p.Name, p.Type)
	}
	for _, name := range slices.Sorted(maps.Keys(tb.Lookups)) {
		l := tb.Lookups[name]
		fmt.Fprintf(w, "      look  %-34s ← %s at row %s\n", name, describeOID(l.Column), l.Key)
	}
	for _, name := range slices.Sorted(maps.Keys(tb.Vars)) {
		fmt.Fprintf(w, "      var   %-34s = %s\n", name, tb.Vars[name])
	}
	if tb.Filter != "" {
		fmt.Fprintf(w, "      rows where %s\n", tb.Filter)
	}
	for _, name := range slices.Sorted(maps.Keys(tb.ComputedTags)) {
		fmt.Fprintf(w, "      tag   %-34s = %s\n", name, tb.ComputedTags[name])
	}
	for _, name := range slices.Sorted(maps.Keys(tb.ComputedFields)) {
		line := fmt.Sprintf("      field %-34s = %s", name, tb.ComputedFields[name])
		if v, ok := tb.Valid[name]; ok {
			line += " [valid: " + v + "]"
		}
		if ty, ok := tb.Types[name]; ok {
			line += " (" + ty + ")"
		}
		fmt.Fprintln(w, line)
	}
	if tb.Every > 1 {
		fmt.Fprintf(w, "      read every %d polls\n", tb.Every)
	}
	if tb.Otherwise {
		fmt.Fprintf(w, "      read only when the table before it wrote nothing\n")
	}
}

// explainMatches prints the verdicts of a session's first poll: which profiles matched the
// device and why.
func explainMatches(w io.Writer, s snmp.Sample) {
	if s.Matches == nil {
		return
	}
	fmt.Fprintf(w, "  device sysObjectID %s, sysDescr %q\n", s.ObjectID, firstLine(s.Descr))
	for _, pm := range s.Matches {
		verdict := "skipped"
		if pm.Active {
			verdict = "polled "
		}
		fmt.Fprintf(w, "    %s %-18s %s\n", verdict, pm.Profile, pm.Why)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/targets"
)

type explainOptions struct {
	config     string
	target     string
	samplePath string
	sampleVal  string
	sampleType string
	varbinds   []string
}

func newExplainCmd(g *globals) *cobra.Command {
	var o explainOptions
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "Show what each target collects and what a sample update becomes",
		Long: `explain loads the config as run does, except that it reads no secret (each shows as
<secret from FILE> or <secret from $ENV>), and prints, per target, its transport, address,
interval, and what it collects: gNMI subscriptions (paths, mode, measurement, and how they
share Subscribe streams) or SNMP profiles (measurement, tables, and which OID each field
and tag reads). Nothing is sent to a device.

With a sample it also shows the exact point the daemon would write, through the same
normalizer the daemon runs:
  gNMI  --sample-path PATH --sample-value VALUE [--sample-type uint|int|float|bool|string|json_ietf]
        (a bare number is a uint, as counters arrive)
  SNMP  --sample-varbind OID=VALUE (repeatable); VALUE as net-snmp prints it
        ("Counter64: 42", "STRING: Ethernet3", "INTEGER: 1"); a bare number is a Counter64,
        other bare text a STRING. Give the row's ifName too to see the interface_name tag.`,
		Example: `  netpulse explain --config netpulse.yaml
  netpulse explain --config netpulse.yaml --target leaf1 \
      --sample-path '/interfaces/interface[name=Ethernet1]/state/counters/in-octets' --sample-value 42
  netpulse explain --config netpulse.yaml --target sw1 \
      --sample-varbind ifHCInOctets.3=42 --sample-varbind 'ifName.3=STRING: Gi0/3'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runExplain(cmd, g, &o) },
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.config, "config", "c", "", "config file (YAML)")
	fl.StringVar(&o.target, "target", "", "only this target (default: all)")
	fl.StringVar(&o.samplePath, "sample-path", "", "gNMI: path of a sample update, e.g. /interfaces/interface[name=Ethernet1]/state/counters/in-octets")
	fl.StringVar(&o.sampleVal, "sample-value", "", "gNMI: the sample update's value")
	fl.StringVar(&o.sampleType, "sample-type", "", "gNMI: the value's type: uint, int, float, bool, string or json_ietf (default: guessed)")
	fl.StringArrayVar(&o.varbinds, "sample-varbind", nil, "SNMP: a sample varbind OID=VALUE (repeatable)")
	return cmd
}

func runExplain(cmd *cobra.Command, g *globals, o *explainOptions) error {
	if o.config == "" {
		return usageError(errNoConfig)
	}
	if (o.samplePath == "") != (o.sampleVal == "") && o.sampleType == "" {
		return usageError(errors.New("--sample-path and --sample-value go together"))
	}
	// Saying what a config collects needs no credential: secret files stay unopened and
	// secret variables unread, so the shipped examples explain on any laptop.
	f, err := targets.LoadWith(o.config, targets.Options{WithoutSecrets: true})
	if err != nil {
		return usageError(err)
	}
	ts := f.Targets
	if o.target != "" {
		i := slices.IndexFunc(ts, func(t targets.Target) bool { return t.Name == o.target })
		if i < 0 {
			names := make([]string, len(ts))
			for j, t := range ts {
				names[j] = t.Name
			}
			return usageError(fmt.Errorf("--target %q is not in %s: use one of %s", o.target, o.config, strings.Join(names, ", ")))
		}
		ts = ts[i : i+1]
	}
	w := cmd.OutOrStdout()
	for i, t := range ts {
		if i > 0 {
			fmt.Fprintln(w)
		}
		switch {
		case t.GNMI != nil:
			if err := explainGNMI(w, t); err != nil {
				return err
			}
			explainSecrets(w, f, t)
			if o.samplePath != "" {
				if err := explainGNMISample(w, *t.GNMI, o); err != nil {
					return err
				}
			}
		case t.SNMP != nil:
			explainSNMPTarget(w, t)
			explainSecrets(w, f, t)
			if len(o.varbinds) > 0 {
				if err := explainSNMPSample(cmd.Context(), w, *t.SNMP, o.varbinds); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func tagList(tags []collector.Tag) string {
	var s []string
	for _, t := range tags {
		s = append(s, t.Key+"="+t.Value)
	}
	return strings.Join(s, ",")
}

func explainGNMI(w io.Writer, t targets.Target) error {
	c := t.GNMI
	security := "TLS, server verified against the system roots"
	switch {
	case c.Insecure:
		security = "plaintext (insecure)"
	case c.SkipVerify:
		security = "TLS without verifying the server (skip_verify)"
	case c.TLSCA != "":
		security = "TLS, server verified against " + c.TLSCA
	}
	if c.TLSCert != "" {
		security += ", client certificate " + c.TLSCert
	}
	if c.Username != "" {
		security += ", user " + c.Username
	}
	fmt.Fprintf(w, "target %s: gnmi %s\n  transport: %s\n  tags: %s\n", t.Name, t.Address, security, tagList(c.Tags))
	fmt.Fprintf(w, "  redial: %s..%s\n", c.Redial.Min, c.Redial.Max)
	sess, err := gnmi.New(*c, collector.Runtime{}, nil)
	if err != nil {
		return usageError(err)
	}
	for _, st := range sess.Streams() {
		fmt.Fprintf(w, "  Subscribe stream: %s\n", strings.Join(st, " + "))
	}
	for _, s := range c.Subscriptions {
		fmt.Fprintf(w, "  subscription %s → measurement %q\n", s.Name, s.Measurement)
		mode := s.Mode
		switch s.Mode {
		case "stream":
			mode += "/" + s.StreamMode
			if s.SampleInterval > 0 {
				mode += " every " + s.SampleInterval.String()
			}
		case "poll":
			mode += fmt.Sprintf(" every %s", s.PollInterval)
		}
		if s.HeartbeatInterval > 0 {
			mode += ", heartbeat " + s.HeartbeatInterval.String()
		}
		if s.UpdatesOnly {
			mode += ", updates only"
		}
		fmt.Fprintf(w, "    mode %s, encoding %s (run --once uses mode once)\n", mode, s.Encoding)
		if s.Prefix != "" || s.Origin != "" {
			fmt.Fprintf(w, "    prefix %q origin %q\n", s.Prefix, s.Origin)
		}
		for _, p := range s.Paths {
			line := "    path " + p
			if n, err := gnmi.DeclaredUnder(p); err == nil && n > 0 {
				line += fmt.Sprintf(" (%d leaves typed by the OpenConfig models; others learned at write time)", n)
			} else if err == nil {
				line += " (no OpenConfig-typed leaves: types learned at write time)"
			}
			fmt.Fprintln(w, line)
		}
	}
	return nil
}

func explainSNMPTarget(w io.Writer, t targets.Target) {
	c := t.SNMP
	auth := "community (hidden)"
	if c.Version == "3" {
		auth = fmt.Sprintf("user %s, %s", c.User, c.SecurityLevel)
		if c.SecurityLevel != "noAuthNoPriv" {
			auth += ", auth " + c.AuthProtocol
		}
		if c.SecurityLevel == "authPriv" {
			auth += ", priv " + c.PrivProtocol
		}
		if c.Context != "" {
			auth += ", context " + c.Context
		}
	}
	retries := 0
	if c.Retries != nil {
		retries = *c.Retries
	}
	fmt.Fprintf(w, "target %s: snmp v%s %s\n  transport: UDP, %s\n  tags: %s\n", t.Name, c.Version, t.Address, auth, tagList(c.Tags))
	fmt.Fprintf(w, "  interval %s, timeout %s, retries %d, max_repetitions %d\n", c.Interval, c.Timeout, retries, c.MaxRepetitions)
	for _, p := range c.Profiles {
		fmt.Fprintf(w, "  profile %s\n", p.Name)
		for _, s := range p.Scalars {
			fmt.Fprintf(w, "    scalars (GET) → measurement %q\n", s.Measurement)
			explainColumns(w, "tag", s.Tags, nil, s.Formats, nil)
			explainColumns(w, "field", s.Fields, nil, s.Formats, s.FieldType)
		}
		for _, tb := range p.Tables {
			fmt.Fprintf(w, "    table (walk) → measurement %q, one point per row\n", tb.Measurement)
			if tb.IndexTag != "" {
				fmt.Fprintf(w, "      tag   %s ← the row index\n", tb.IndexTag)
			}
			if tb.IndexField != "" {
				line := fmt.Sprintf("      field %-34s ← the row index", tb.IndexField)
				if k, ok := tb.FieldType(tb.IndexField); ok {
					line += ", type " + k.String()
				}
				fmt.Fprintln(w, line)
			}
			explainColumns(w, "tag", tb.Tags, tb.Fallbacks, tb.Formats, nil)
			explainColumns(w, "field", tb.Fields, tb.Fallbacks, tb.Formats, tb.FieldType)
			dup := tb.DuplicateTag
			if dup == "" {
				dup = "index"
			}
			fmt.Fprintf(w, "      rows whose tags collide get tag %s=<row index>\n", dup)
		}
	}
}

// explainColumns lists name ← OID (MIB name), with the fallback column, format and, for
// fields, the declared type ("type learned" when the profile declares none: README "Field
// types").
func explainColumns(w io.Writer, kind string, m, fallbacks, formats map[string]string, fieldType func(string) (collector.Kind, bool)) {
	for _, name := range slices.Sorted(maps.Keys(m)) {
		line := fmt.Sprintf("      %-5s %-34s ← %s", kind, name, describeOID(m[name]))
		if fb, ok := fallbacks[name]; ok {
			line += ", else " + describeOID(fb)
		}
		if f, ok := formats[name]; ok {
			line += " [" + f + "]"
		}
		if fieldType != nil {
			if k, ok := fieldType(name); ok {
				line += ", type " + k.String()
			} else {
				line += ", type learned at write time"
			}
		}
		fmt.Fprintln(w, line)
	}
}

func describeOID(oid string) string {
	oid = strings.TrimPrefix(oid, ".")
	if n := oidName(oid); n != "" {
		return oid + " (" + n + ")"
	}
	return oid
}

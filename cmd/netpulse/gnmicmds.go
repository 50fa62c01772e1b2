package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
	"github.com/spf13/cobra"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
)

type getOptions struct {
	conn     gnmiConnFlags
	out      outputFlags
	paths    []string
	prefix   string
	origin   string
	dataType string
	encoding string
	timeout  time.Duration
}

func newGetCmd(g *globals) *cobra.Command {
	var o getOptions
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Run one gNMI Get on one or more targets and print the result",
		Long: `get sends one gNMI GetRequest per --address and prints the answer, normalized into the
measurement, tags and fields the daemon would write (table or lp), or as the GetResponse
in protojson (json). Points of one series are merged into one line.`,
		Example: `  netpulse get -a 192.0.2.1:6030 -u admin --insecure --path /system/state/hostname
  netpulse get -a leaf1:57400 --tls-ca ca.pem --path /interfaces/interface[name=ethernet-1/1]/state \
      --type state --encoding json_ietf --format lp
  netpulse get -a r1:9339 -u admin --skip-verify --path /components --format json --output comps.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGet(cmd.Context(), g, &o) },
	}
	fl := cmd.Flags()
	o.conn.register(fl)
	fl.StringArrayVar(&o.paths, "path", nil, "path to get (repeatable)")
	fl.StringVar(&o.prefix, "prefix", "", "common path prefix")
	fl.StringVar(&o.origin, "origin", "", "path origin (e.g. openconfig)")
	fl.StringVar(&o.dataType, "type", "all", "data type: all, config, state or operational")
	fl.StringVarP(&o.encoding, "encoding", "e", "json_ietf", "encoding: json_ietf, json, proto, ascii or bytes")
	fl.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound for each target's Get")
	fl.StringVar(&o.out.format, "format", formatTable, "output format: table, lp or json")
	fl.StringVar(&o.out.output, "output", "", "write to this file instead of stdout")
	fl.StringVar(&o.out.measurement, "measurement", "", "measurement name (default: the first path element)")
	return cmd
}

func parseDataType(s string) (gnmipb.GetRequest_DataType, error) {
	switch strings.ToLower(s) {
	case "all", "":
		return gnmipb.GetRequest_ALL, nil
	case "config":
		return gnmipb.GetRequest_CONFIG, nil
	case "state":
		return gnmipb.GetRequest_STATE, nil
	case "operational":
		return gnmipb.GetRequest_OPERATIONAL, nil
	}
	return 0, usageError(fmt.Errorf("--type %q: use all, config, state or operational", s))
}

func runGet(parent context.Context, g *globals, o *getOptions) error {
	if err := checkFormat(o.out.format, formatTable, formatLP, formatJSON); err != nil {
		return err
	}
	if len(o.paths) == 0 {
		return usageError(errors.New("--path is required (repeatable), e.g. --path /system/state"))
	}
	typ, err := parseDataType(o.dataType)
	if err != nil {
		return err
	}
	req, err := gnmi.NewGetRequest(o.paths, o.prefix, o.origin, o.encoding)
	if err != nil {
		return usageError(errors.New(subFlagNames.Replace(err.Error())))
	}
	req.Type = typ
	meas := o.out.measurement
	if meas == "" {
		meas = defaultMeasurement(o.paths, o.prefix)
	}
	// The same naming as a subscription with these paths, so get and subscribe agree.
	sub := gnmi.Subscription{Name: meas, Paths: o.paths, Prefix: o.prefix, Origin: o.origin, Measurement: meas}
	cfgs, err := o.conn.configs(g)
	if err != nil {
		return err
	}
	w, closeOut, err := openOutput(g, o.out.output)
	if err != nil {
		return err
	}
	ctx, stop := signalContext(parent)
	defer stop()
	pr := newPrinter(w, g.stderr, o.out.format, len(cfgs))
	errs := make([]error, len(cfgs))
	for i, cfg := range cfgs {
		errs[i] = getTarget(ctx, cfg, req, sub, o.timeout, pr)
	}
	if err := closeOut(); err != nil && pr.err == nil {
		pr.err = fmt.Errorf("write output: %w", err)
	}
	if pr.err != nil {
		return pr.err
	}
	if err := interrupted(parent, ctx); err != nil {
		return err
	}
	return targetErrors(cfgs, errs)
}

func getTarget(ctx context.Context, cfg gnmi.Config, req *gnmipb.GetRequest, sub gnmi.Subscription, timeout time.Duration, pr *printer) error {
	conn, err := dialGNMI(cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	resp, err := gnmi.Get(ctx, conn, req)
	if err != nil {
		return gnmi.ExplainError(cfg, err)
	}
	if pr.format == formatJSON {
		return pr.message(cfg.Name, resp)
	}
	norm, err := gnmi.NewNormalizer(gnmi.NormalizerConfig{Source: cfg.Name, Subscriptions: []gnmi.Subscription{sub}})
	if err != nil {
		return usageError(err)
	}
	now := time.Now()
	var pts []collector.Point
	for _, n := range resp.GetNotification() {
		pts, _ = norm.Normalize(pts, n, now)
	}
	return pr.points(cfg.Name, mergePoints(pts))
}

func newCapabilitiesCmd(g *globals) *cobra.Command {
	var (
		conn    gnmiConnFlags
		format  string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:     "capabilities",
		Aliases: []string{"cap"},
		Short:   "Ask gNMI targets which models, encodings and gNMI version they support",
		Example: `  netpulse capabilities -a 192.0.2.1:6030 -u admin --insecure
  netpulse capabilities -a leaf1:57400 --tls-ca ca.pem --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "text", formatJSON); err != nil {
				return err
			}
			cfgs, err := conn.configs(g)
			if err != nil {
				return err
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			pr := newPrinter(g.stdout, g.stderr, format, len(cfgs))
			errs := make([]error, len(cfgs))
			for i, cfg := range cfgs {
				errs[i] = capabilitiesTarget(ctx, cfg, timeout, pr, len(cfgs) > 1)
			}
			if pr.err != nil {
				return pr.err
			}
			if err := interrupted(cmd.Context(), ctx); err != nil {
				return err
			}
			return targetErrors(cfgs, errs)
		},
	}
	conn.register(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json (the CapabilityResponse as protojson)")
	cmd.Flags().DurationVar(&timeout, "timeout", 30*time.Second, "bound for each target's Capabilities RPC")
	return cmd
}

func capabilitiesTarget(ctx context.Context, cfg gnmi.Config, timeout time.Duration, pr *printer, several bool) error {
	conn, err := dialGNMI(cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	resp, err := gnmi.Capabilities(ctx, conn)
	if err != nil {
		return gnmi.ExplainError(cfg, err)
	}
	if pr.format == formatJSON {
		return pr.message(cfg.Name, resp)
	}
	var b strings.Builder
	if several {
		fmt.Fprintf(&b, "target %s\n", cfg.Name)
	}
	writeCapabilities(&b, resp)
	pr.mu.Lock()
	defer pr.mu.Unlock()
	pr.write([]byte(b.String()))
	return pr.err
}

// writeCapabilities renders a CapabilityResponse for a terminal: version, encodings, then
// the models sorted by name in aligned columns.
func writeCapabilities(w io.Writer, resp *gnmipb.CapabilityResponse) {
	fmt.Fprintf(w, "gNMI version: %s\n", resp.GetGNMIVersion())
	var encs []string
	for _, e := range resp.GetSupportedEncodings() {
		encs = append(encs, e.String())
	}
	fmt.Fprintf(w, "Encodings: %s\n", strings.Join(encs, ", "))
	models := slices.Clone(resp.GetSupportedModels())
	slices.SortFunc(models, func(a, b *gnmipb.ModelData) int { return strings.Compare(a.GetName(), b.GetName()) })
	fmt.Fprintf(w, "Models (%d):\n", len(models))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, m := range models {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", m.GetName(), m.GetOrganization(), m.GetVersion())
	}
	_ = tw.Flush()
}

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

	"github.com/gosnmp/gosnmp"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/snmp"
	"github.com/netpulse/netpulse/targets"
)

// snmpFlags are the agent and credential flags shared by `snmp get|walk|table`, named like
// net-snmp's long options where they exist.
type snmpFlags struct {
	address, version, community         string
	user, secLevel, authProto, authPass string
	privProto, privPass, context        string
	timeout                             time.Duration
	retries                             int
	maxReps                             uint32
	profile, config, format             string
}

func (f *snmpFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.address, "address", "a", "", "agent host[:port] (port 161 by default)")
	fs.StringVarP(&f.version, "version", "v", "2c", "SNMP version: 1, 2c or 3")
	fs.StringVarP(&f.community, "community", "c", "public", "community (versions 1 and 2c)")
	fs.StringVarP(&f.user, "user", "u", "", "SNMPv3 user")
	fs.StringVarP(&f.secLevel, "security-level", "l", "", "SNMPv3 level: noAuthNoPriv, authNoPriv or authPriv (default authPriv)")
	fs.StringVar(&f.authProto, "auth-protocol", "", "SNMPv3 auth: MD5, SHA, SHA224, SHA256, SHA384, SHA512")
	fs.StringVar(&f.authPass, "auth-password", "", "SNMPv3 auth password")
	fs.StringVar(&f.privProto, "priv-protocol", "", "SNMPv3 privacy: DES, AES, AES192, AES256, AES192C, AES256C")
	fs.StringVar(&f.privPass, "priv-password", "", "SNMPv3 privacy password")
	fs.StringVarP(&f.context, "context", "n", "", "SNMPv3 context name")
	fs.DurationVarP(&f.timeout, "timeout", "t", targets.DefaultSNMPTimeout, "per-request timeout")
	fs.IntVarP(&f.retries, "retries", "r", targets.DefaultSNMPRetries, "retries per request")
	fs.Uint32Var(&f.maxReps, "max-repetitions", targets.DefaultMaxRepetitions, "GETBULK max-repetitions (walks)")
	fs.StringVar(&f.profile, "profile", "", "instead of OIDs, poll this profile once and print its points (built-in: "+strings.Join(snmp.BuiltinProfileNames(), ", ")+", or one from --config)")
	fs.StringVar(&f.config, "config", "", "config file whose snmp_profiles --profile may name")
	fs.StringVar(&f.format, "format", formatTable, "with --profile: table or lp (exactly what the daemon writes)")
}

// snmpFlagNames rewrites snmp.Config.Validate's config keys into these flags.
var snmpFlagNames = strings.NewReplacer(
	" (or community_file)", "", " (or auth_password_file)", "", " (or priv_password_file)", "",
	"security_level", "--security-level", "auth_protocol", "--auth-protocol", "auth_password", "--auth-password",
	"priv_protocol", "--priv-protocol", "priv_password", "--priv-password", "max_repetitions", "--max-repetitions",
	"needs user", "needs --user", "needs a community", "needs --community", "version ", "--version ",
	"timeout ", "--timeout ", "retries ", "--retries ",
)

// snmpConfig builds and checks the session settings, with --profile's profile resolved.
func (f *snmpFlags) snmpConfig() (snmp.Config, error) {
	if f.address == "" {
		return snmp.Config{}, usageError(errors.New("--address is required: the agent's host[:port], e.g. --address 192.0.2.1"))
	}
	cfg := snmp.Config{
		Version: f.version, SecurityLevel: f.secLevel, User: f.user, AuthProtocol: f.authProto,
		AuthPassword: collector.Secret(f.authPass), PrivProtocol: f.privProto, PrivPassword: collector.Secret(f.privPass),
		Context: f.context, Timeout: f.timeout, Retries: &f.retries, MaxRepetitions: f.maxReps,
		Name: f.address, Address: f.address, Tags: []collector.Tag{{Key: "source", Value: f.address}},
	}
	if f.version != "3" {
		cfg.Community = collector.Secret(f.community)
	}
	// The interval only bounds the one poll, whose budget is snmp.PollBudgetIntervals
	// intervals (and at least one request's timeout × (retries+1)): a minute in all, long
	// enough for a whole walk with retries.
	cfg.Interval = time.Minute / snmp.PollBudgetIntervals
	p, err := f.resolveProfile()
	if err != nil {
		return cfg, err
	}
	cfg.Profiles = []snmp.Profile{p}
	if err := cfg.Validate(); err != nil {
		return cfg, usageError(errors.New(snmpFlagNames.Replace(err.Error())))
	}
	return cfg, nil
}

// resolveProfile returns --profile from --config's snmp_profiles or the built-ins; without
// --profile, a placeholder that satisfies validation (get/walk do not poll profiles).
func (f *snmpFlags) resolveProfile() (snmp.Profile, error) {
	if f.profile == "" {
		if f.config != "" {
			return snmp.Profile{}, usageError(errors.New("--config only serves --profile: name the profile to poll"))
		}
		p, _ := snmp.BuiltinProfile("system")
		return p, nil
	}
	if f.config != "" {
		file, err := targets.Load(f.config)
		if err != nil {
			return snmp.Profile{}, usageError(err)
		}
		if p, ok := file.SNMPProfiles[f.profile]; ok {
			return p, nil
		}
	}
	if p, ok := snmp.BuiltinProfile(f.profile); ok {
		return p, nil
	}
	return snmp.Profile{}, usageError(fmt.Errorf("--profile %q: unknown: use one of %s, or a profile under snmp_profiles in --config", f.profile, strings.Join(snmp.BuiltinProfileNames(), ", ")))
}

func newSNMPCmd(g *globals) *cobra.Command {
	var f snmpFlags
	cmd := &cobra.Command{
		Use:   "snmp",
		Short: "One-off SNMP requests: get, walk, table, or one poll of a profile",
		Long: `snmp talks to one agent with the same client the daemon uses. OIDs are numeric
(.1.3.6.1.2.1.1.5.0) or names from SNMPv2-MIB, IF-MIB and the built-in profiles (sysName,
ifHCInOctets.3, IF-MIB::ifName, ifXTable, if-mib:state/counters/in-octets); no MIB files
are read. get and walk print like net-snmp's "snmpwalk -On", so the outputs can be diffed.

--profile NAME polls a built-in profile (system, if-mib) or one from --config once and
prints the points exactly as the daemon would write them.

A timeout usually means a wrong address, a filter, or wrong credentials: agents drop
requests with a wrong community (and some wrong v3 credentials) without answering.`,
		Example: `  netpulse snmp get -a 192.0.2.1 -c public sysName sysUpTime
  netpulse snmp walk -a 192.0.2.1 -c public ifXTable
  netpulse snmp walk -a switch1:161 -v 3 -u monitor -l authPriv --auth-protocol SHA256 \
      --auth-password 'auth-secret' --priv-protocol AES --priv-password 'priv-secret' system
  netpulse snmp table -a 192.0.2.1 -c public ifXTable
  netpulse snmp get -a 192.0.2.1 -c public --profile if-mib --format lp`,
	}
	f.register(cmd.PersistentFlags())
	cmd.AddCommand(
		snmpSubcommand(g, &f, "get", "GET the OIDs and print their values", 1,
			`  netpulse snmp get -a 192.0.2.1 -c public sysName.0 .1.3.6.1.2.1.1.3.0
  netpulse snmp get -a 192.0.2.1 -c public ifHCInOctets.3 ifName.3`, runSNMPGet),
		snmpSubcommand(g, &f, "walk", "Walk subtrees (default mib-2) and print every varbind", 0,
			`  netpulse snmp walk -a 192.0.2.1 -c public system
  netpulse snmp walk -a 192.0.2.1 -c public .1.3.6.1.2.1.31.1.1.1.6`, runSNMPWalk),
		snmpSubcommand(g, &f, "table", "Walk a conceptual table and print it row by row", 1,
			`  netpulse snmp table -a 192.0.2.1 -c public ifXTable
  netpulse snmp table -a 192.0.2.1 -c public .1.3.6.1.2.1.2.2`, runSNMPTable),
	)
	return cmd
}

type snmpRunFunc func(ctx context.Context, w io.Writer, c snmp.Client, cfg snmp.Config, args []string) error

func snmpSubcommand(g *globals, f *snmpFlags, use, short string, minArgs int, example string, run snmpRunFunc) *cobra.Command {
	return &cobra.Command{
		Use:     use + " OID...",
		Short:   short,
		Example: example,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.profile != "" {
				if len(args) > 0 {
					return usageError(errors.New("--profile polls the profile's own OIDs: drop the OID arguments"))
				}
				return runSNMPProfile(cmd.Context(), g, f)
			}
			if cmd.Flags().Changed("format") {
				return usageError(errors.New("--format applies to --profile; get, walk and table print like net-snmp"))
			}
			if len(args) < minArgs {
				return usageError(fmt.Errorf("%s needs at least one OID, e.g. netpulse snmp %s -a 192.0.2.1 sysName", use, use))
			}
			if use == "table" && len(args) > 1 {
				return usageError(errors.New("table takes one table, e.g. ifXTable"))
			}
			cfg, err := f.snmpConfig()
			if err != nil {
				return err
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			c, err := snmp.Dial(ctx, &cfg)
			if err != nil {
				return usageError(err)
			}
			defer c.Close()
			err = run(ctx, g.stdout, c, cfg, args)
			if ierr := interrupted(cmd.Context(), ctx); ierr != nil {
				return ierr
			}
			return err
		},
	}
}

func runSNMPGet(ctx context.Context, w io.Writer, c snmp.Client, cfg snmp.Config, args []string) error {
	oids := make([]string, len(args))
	for i, a := range args {
		o, err := resolveOID(a, true)
		if err != nil {
			return usageError(err)
		}
		oids[i] = o
	}
	for len(oids) > 0 {
		n := min(len(oids), gosnmp.MaxOids)
		pkt, err := c.Get(ctx, oids[:n])
		if err != nil {
			return explainSNMP(cfg, err, "get "+strings.Join(args, " "))
		}
		if pkt.Error != gosnmp.NoError {
			// SNMPv1 (and some v2c agents) fail the whole GET for one bad varbind.
			bad := ""
			if i := int(pkt.ErrorIndex) - 1; i >= 0 && i < n {
				bad = " for " + oids[i]
			}
			return fmt.Errorf("get: the agent answered %s%s", pkt.Error, bad)
		}
		for _, vb := range pkt.Variables {
			if _, err := fmt.Fprintln(w, formatVarbind(vb)); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
		oids = oids[n:]
	}
	return nil
}

func runSNMPWalk(ctx context.Context, w io.Writer, c snmp.Client, cfg snmp.Config, args []string) error {
	if len(args) == 0 {
		args = []string{"mib-2"}
	}
	for _, a := range args {
		root, err := resolveOID(a, false)
		if err != nil {
			return usageError(err)
		}
		err = walkSubtree(ctx, c, cfg.Version == "1", root, cfg.MaxRepetitions, func(vb gosnmp.SnmpPDU) error {
			_, err := fmt.Fprintln(w, formatVarbind(vb))
			return err
		})
		if err != nil {
			return explainSNMP(cfg, err, "walk "+a)
		}
	}
	return nil
}

// runSNMPTable walks a table and prints one row per index, one column per table column,
// named by the MIB names the CLI knows (numbers otherwise).
func runSNMPTable(ctx context.Context, w io.Writer, c snmp.Client, cfg snmp.Config, args []string) error {
	root, err := resolveOID(args[0], false)
	if err != nil {
		return usageError(err)
	}
	entry := root + ".1" // a table's columns live under its entry (SMIv2: xxxTable.1 = xxxEntry)
	if name := oidName(root); strings.HasSuffix(name, "Entry") {
		entry = root
	}
	var cols []string
	var rows []string
	cells := map[[2]string]string{}
	err = walkSubtree(ctx, c, cfg.Version == "1", root, cfg.MaxRepetitions, func(vb gosnmp.SnmpPDU) error {
		rest, ok := strings.CutPrefix(vb.Name, entry+".")
		if !ok {
			return nil
		}
		col, idx, _ := strings.Cut(rest, ".")
		if !slices.Contains(cols, col) {
			cols = append(cols, col)
		}
		if !slices.Contains(rows, idx) {
			rows = append(rows, idx)
		}
		cells[[2]string{idx, col}] = formatValue(vb, false)
		return nil
	})
	if err != nil {
		return explainSNMP(cfg, err, "walk "+args[0])
	}
	if len(rows) == 0 {
		return fmt.Errorf("table %s: the agent has no rows under %s", args[0], entry)
	}
	slices.SortFunc(rows, compareOID)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"INDEX"}
	for _, col := range cols {
		name := oidName(entry + "." + col)
		if name == "" || strings.Contains(name, ".") {
			name = col
		}
		head = append(head, name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, idx := range rows {
		line := []string{idx}
		for _, col := range cols {
			line = append(line, strings.ReplaceAll(cells[[2]string{idx, col}], "\n", " "))
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func runSNMPProfile(parent context.Context, g *globals, f *snmpFlags) error {
	if err := checkFormat(f.format, formatTable, formatLP); err != nil {
		return err
	}
	cfg, err := f.snmpConfig()
	if err != nil {
		return err
	}
	ctx, stop := signalContext(parent)
	defer stop()
	pts, err := pollProfile(ctx, cfg)
	pr := newPrinter(g.stdout, g.stderr, f.format, 1)
	if perr := pr.points(cfg.Name, pts); perr != nil {
		return perr
	}
	if ierr := interrupted(parent, ctx); ierr != nil {
		return ierr
	}
	if err != nil {
		return fmt.Errorf("profile %s: %w", f.profile, err)
	}
	return nil
}

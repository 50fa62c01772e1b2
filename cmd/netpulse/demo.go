package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/netpulse/netpulse/internal/sim"
	"github.com/netpulse/netpulse/targets"
)

func newDemoCmd(g *globals) *cobra.Command {
	var (
		duration, interval       time.Duration
		out, influxURL, bucket   string
		influxToken              string
		snmpDevices, gnmiDevices int
		ifaces                   int
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run netpulse against a simulated fleet started in-process (no devices needed)",
		Long: `demo starts a small simulated fleet inside the process (SNMP v2c and v3 devices and
gNMI devices with the same OpenConfig interfaces), generates the config that targets it and
runs exactly what 'netpulse run' runs on it, writing line protocol to a local file (and to
InfluxDB with --influx-url). A live per-target table shows data flowing; --duration bounds
the run. Afterwards the file's interfaces lines carry the same field names for both
transports.`,
		Example: `  netpulse demo
  netpulse demo --duration 1m --out /tmp/demo.lp
  netpulse demo --influx-url http://127.0.0.1:8086 --influx-bucket netpulse/autogen`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("log-level") {
				// The live table is the demo's report; info logs would scroll it away.
				g.logLevel = "warn"
			}
			switch {
			case snmpDevices < 0 || gnmiDevices < 0 || snmpDevices+gnmiDevices == 0:
				return usageError(errors.New("--snmp-devices and --gnmi-devices must be ≥ 0, and at least one of them > 0"))
			case ifaces < 1:
				return usageError(errors.New("--interfaces must be at least 1"))
			case interval <= 0 || duration < 0:
				return usageError(errors.New("--interval must be positive and --duration not negative"))
			case influxURL != "" && !strings.HasPrefix(influxURL, "http://") && !strings.HasPrefix(influxURL, "https://"):
				return usageError(fmt.Errorf("--influx-url %q needs a scheme: http:// or https://", influxURL))
			}
			defer quietReferenceLogs()()
			log := g.logger()
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			// --duration cancels ctx from a timer rather than giving it a deadline: gRPC sends a
			// context's deadline to the server (grpc-timeout), whose own timer can end the stream
			// (RST_STREAM CANCEL, DeadlineExceeded) a moment before ctx reports done here, and
			// the session would log that as a failed stream.
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			if duration > 0 {
				defer time.AfterFunc(duration, cancel).Stop()
			}
			// Shutdown order: the collector stops first (ctx: --duration or Ctrl-C), the
			// simulated devices only after runFile has returned. Devices that went away under
			// live sessions would end their streams with RST_STREAM CANCEL, which the sessions
			// rightly log as a warning and redial: on a clean run the user must see none. So the
			// fleet has its own context, which ends neither with --duration nor with a signal.
			fleetCtx, stopFleet := context.WithCancel(context.WithoutCancel(cmd.Context()))
			fleet, err := sim.Start(fleetCtx, sim.Config{SNMPDevices: snmpDevices, GNMIDevices: gnmiDevices, Interfaces: ifaces, UpdateInterval: time.Second, Seed: 1}, log)
			if err != nil {
				stopFleet()
				return fmt.Errorf("start simulated fleet: %w", err)
			}
			// Stop the fleet before waiting for it, also when the demo fails early.
			defer func() { stopFleet(); fleet.Wait() }()
			if err := os.Remove(out); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("remove old demo output: %w", err)
			}
			outputs := fmt.Sprintf("outputs:\n  - type: file\n    path: %q\n    flush_interval: 1s\n", out)
			if influxURL != "" {
				outputs += fmt.Sprintf("  - type: influxdb\n    url: %q\n    bucket: %q\n    token: %q\n", influxURL, bucket, influxToken)
			}
			f, err := targets.Parse([]byte(fleetYAML(fleet.Devices(), interval, outputs)), "")
			if err != nil {
				return fmt.Errorf("generated demo config: %w", err)
			}
			fmt.Fprintf(g.stderr, "netpulse demo: %d SNMP + %d gNMI simulated devices × %d interfaces → %s (for %s; Ctrl-C stops)\n",
				snmpDevices, gnmiDevices, ifaces, out, duration)
			err = runFile(ctx, g, f, runOptions{flushTimeout: 5 * time.Second, watch: func(ctx context.Context, m *targets.Manager, _ *pipeline) {
				liveTable(ctx, g.stderr, m)
			}})
			if err != nil {
				return err
			}
			return demoReport(g.stdout, out)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&duration, "duration", 20*time.Second, "how long to run (0 = until Ctrl-C)")
	fl.DurationVar(&interval, "interval", 5*time.Second, "SNMP poll and gNMI sample interval")
	fl.StringVar(&out, "out", "netpulse-demo.lp", "line-protocol file to write (replaced)")
	fl.StringVar(&influxURL, "influx-url", "", "also write to this InfluxDB (e.g. http://127.0.0.1:8086)")
	fl.StringVar(&bucket, "influx-bucket", "netpulse/autogen", "bucket (\"db/rp\" on InfluxDB 1.x; the database must exist)")
	fl.StringVar(&influxToken, "influx-token", "", "InfluxDB token (\"user:password\" on 1.x with auth)")
	fl.IntVar(&snmpDevices, "snmp-devices", 2, "simulated SNMP devices")
	fl.IntVar(&gnmiDevices, "gnmi-devices", 2, "simulated gNMI devices")
	fl.IntVar(&ifaces, "interfaces", 4, "interfaces per device")
	return cmd
}

// liveTable prints each target's state every two seconds: redrawn in place on a terminal,
// one compact line per refresh otherwise (logs, CI).
func liveTable(ctx context.Context, w io.Writer, m *targets.Manager) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	tty := isTerminal(w)
	drawn := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		ts := m.Stats()
		slices.SortFunc(ts, func(a, b targets.TargetStats) int { return strings.Compare(a.Target.Name, b.Target.Name) })
		if !tty {
			var parts []string
			for _, t := range ts {
				parts = append(parts, fmt.Sprintf("%s=%d", t.Target.Name, t.Stats.Points.Load()))
			}
			fmt.Fprintf(w, "points: %s\n", strings.Join(parts, " "))
			continue
		}
		if drawn > 0 {
			fmt.Fprintf(w, "\x1b[%dA", drawn) // cursor up over the previous table
		}
		fmt.Fprintf(w, "\x1b[2K%-16s %-5s %-4s %8s %8s %6s  %s\n", "TARGET", "PROTO", "UP", "UPDATES", "POINTS", "ERRORS", "LAST ERROR")
		for _, t := range ts {
			s := t.Stats.Snapshot()
			up := "no"
			if s.Up {
				up = "yes"
			}
			fmt.Fprintf(w, "\x1b[2K%-16s %-5s %-4s %8d %8d %6d  %.60s\n", t.Target.Name, t.Target.Proto(), up,
				t.Stats.Updates.Load(), t.Stats.Points.Load(), t.Stats.PollErrors.Load(), s.LastError)
		}
		drawn = len(ts) + 1
	}
}

// demoReport shows what landed in the file: lines per measurement and transport, and the
// same interface as seen over gNMI and over SNMP (device i of either kind shares its model),
// so the shared measurement, tags and field names are visible side by side.
func demoReport(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read demo output: %w", err)
	}
	defer f.Close()
	counts := map[string]int{}
	// samples[proto][device number + interface] = the longest interfaces line with counters.
	samples := map[string]map[string]string{"gnmi": {}, "snmp": {}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	total := 0
	for sc.Scan() {
		line := sc.Text()
		total++
		meas, _, _ := strings.Cut(line, ",")
		proto := "gnmi"
		if strings.Contains(line, "source=sim-snmp") {
			proto = "snmp"
		}
		counts[meas+" from "+proto]++
		if meas != "interfaces" || !strings.Contains(line, "state/counters/in-octets=") {
			continue
		}
		key := tagValue(line, "source=sim-"+proto+"-") + "/" + tagValue(line, "interface_name=")
		if len(line) > len(samples[proto][key]) {
			samples[proto][key] = line
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read demo output: %w", err)
	}
	fmt.Fprintf(w, "\n%s: %d lines\n", path, total)
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %6d  %s\n", counts[k], k)
	}
	var pick string
	for k, l := range samples["snmp"] {
		if g, ok := samples["gnmi"][k]; ok && (pick == "" || strings.Contains(l+g, `oper-status="UP"`) && k < pick) {
			pick = k
		}
	}
	if pick == "" {
		return nil
	}
	fmt.Fprintf(w, "\nthe same interface over both transports (one dashboard, either one):\n")
	for _, p := range []string{"gnmi", "snmp"} {
		l := samples[p][pick]
		if len(l) > 600 {
			l = l[:600] + "…"
		}
		fmt.Fprintf(w, "  %s: %s\n", p, l)
	}
	return nil
}

// tagValue returns what follows prefix in a line-protocol line, up to the next , or space.
func tagValue(line, prefix string) string {
	i := strings.Index(line, prefix)
	if i < 0 {
		return ""
	}
	v := line[i+len(prefix):]
	if j := strings.IndexAny(v, ", "); j >= 0 {
		v = v[:j]
	}
	return v
}

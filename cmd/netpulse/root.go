package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// globals are the persistent flags every command shares. They live in the root command's
// closure, not in package variables.
type globals struct {
	logLevel  string
	logFormat string
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:   "netpulse",
		Short: "Telemetry collector for network devices: gNMI and SNMP into InfluxDB",
		Long: `netpulse subscribes to routers and switches over gNMI, polls them over SNMP, normalizes
what they send into measurements (tags + fields) and writes them to InfluxDB or to
line-protocol files.

Run it as a daemon over a fleet (netpulse run), as a scheduled job that polls once and exits
(netpulse run --once), or for one-off debugging of a single box.`,
		Example: `  netpulse demo                                   # simulated fleet, no devices needed
  netpulse config check --config netpulse.yaml    # validate without touching the network
  netpulse run --config netpulse.yaml             # daemon until SIGINT/SIGTERM
  netpulse run --once --config netpulse.yaml      # scheduled job: one cycle, exit code`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := parseLevel(g.logLevel); err != nil {
				return usageError(err)
			}
			if g.logFormat != "text" && g.logFormat != "json" && g.logFormat != "auto" {
				return usageError(fmt.Errorf("--log-format %q: use text, json or auto", g.logFormat))
			}
			return nil
		},
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError(fmt.Errorf("%w (see --help)", err))
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	pf.StringVar(&g.logFormat, "log-format", "auto", "log format: text, json, or auto (text on a terminal, JSON otherwise)")

	root.AddCommand(
		newRunCmd(g),
		newConfigCmd(g),
		newVersionCmd(g),
		newDemoCmd(g),
		newSimCmd(g),
		newSubscribeCmd(g),
		newGetCmd(g),
		newCapabilitiesCmd(g),
		newSNMPCmd(g),
		newExplainCmd(g),
	)
	return root
}

// isFlagError recognises cobra's argument errors that bypass the flag error func.
func isFlagError(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "unknown command") || strings.HasPrefix(s, "accepts ") || strings.HasPrefix(s, "requires ") || strings.Contains(s, "unknown flag")
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: use debug, info, warn or error", s)
	}
	return l, nil
}

// logger builds the process logger: text on a terminal, JSON otherwise (DESIGN §8), on stderr.
func (g *globals) logger() *slog.Logger {
	lvl, _ := parseLevel(g.logLevel)
	opts := &slog.HandlerOptions{Level: lvl}
	format := g.logFormat
	if format == "auto" {
		format = "json"
		if isTerminal(g.stderr) {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(g.stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(g.stderr, opts))
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

var errNoConfig = errors.New("--config is required: the YAML file with outputs and targets (see examples/)")

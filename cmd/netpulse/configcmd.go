package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/targets"
)

func newConfigCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Work with the config file",
	}
	var path string
	check := &cobra.Command{
		Use:   "check",
		Short: "Validate a config file without touching the network",
		Long: `check loads the config exactly as run would (strict keys, ${ENV} expansion, *_file secrets,
defaults, profile and subscription names) and prints a one-line summary per target. It
never connects to a device or an output. Exit 0 when valid, 2 with every problem listed
(each naming its line and the fix) when not.`,
		Example: `  netpulse config check --config netpulse.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return usageError(errNoConfig)
			}
			f, err := targets.Load(path)
			if err != nil {
				return usageError(err)
			}
			out := cmd.OutOrStdout()
			for _, o := range f.Outputs {
				switch o.Type {
				case "influxdb":
					fmt.Fprintf(out, "output influxdb %s bucket=%s batch_size=%d flush_interval=%s uint_support=%s\n", collector.RedactURL(o.URL), o.Bucket, o.BatchSize, o.FlushInterval, o.UintSupport)
				default:
					fmt.Fprintf(out, "output %s %s\n", o.Type, o.Path)
				}
			}
			for _, t := range f.Targets {
				switch {
				case t.SNMP != nil:
					fmt.Fprintf(out, "target %s snmp v%s %s interval=%s profiles=%v\n", t.Name, t.SNMP.Version, t.Address, t.SNMP.Interval, t.SNMP.ProfileNames)
				case t.GNMI != nil:
					fmt.Fprintf(out, "target %s gnmi %s subscriptions=%v\n", t.Name, t.Address, t.GNMI.SubscriptionNames)
				}
			}
			fmt.Fprintf(out, "config %s is valid: %s, %s\n", path, count(len(f.Targets), "target"), count(len(f.Outputs), "output"))
			return nil
		},
	}
	check.Flags().StringVarP(&path, "config", "c", "", "config file (YAML)")
	cmd.AddCommand(check)
	return cmd
}

// count is "1 target", "2 targets".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

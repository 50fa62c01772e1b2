package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/netpulse/netpulse/internal/sim"
)

func newSimCmd(g *globals) *cobra.Command {
	var (
		devices, snmpDevices, gnmiDevices, ifaces int
		snmpAddr, gnmiAddr, shape, configOut      string
		update, interval                          time.Duration
		spread                                    bool
		seed                                      int64
	)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run a simulated fleet of SNMP and gNMI devices and print a config that targets it",
		Long: `sim starts simulated devices that look real on the wire: SNMP agents (v1, v2c, v3
authNoPriv/authPriv; GET, GETNEXT, GETBULK over SNMPv2-MIB system and IF-MIB) and gNMI
servers (OpenConfig interfaces and system over the reference cache/subscribe packages),
with the same interfaces and values on both sides. It prints a netpulse config for the
fleet (to --config-out or stdout) and runs until SIGINT/SIGTERM.

Device i listens on the base port + i when --snmp-addr/--gnmi-addr name a port, or on an
ephemeral port each with port 0. net-snmp's tools work against it, e.g.
  snmpbulkwalk -v2c -c public 127.0.0.1:16100 1.3.6.1.2.1.31.1.1.1.1`,
		Example: `  netpulse sim --devices 10 --interfaces 48 --config-out fleet.yaml &
  netpulse run --config fleet.yaml
  netpulse sim --snmp-devices 1000 --gnmi-devices 100 --interfaces 48 --snmp-addr 127.0.0.1:20000 --gnmi-addr 127.0.0.1:30000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			defer quietReferenceLogs()()
			log := g.logger()
			if snmpDevices < 0 {
				snmpDevices = devices
			}
			if gnmiDevices < 0 {
				gnmiDevices = devices
			}
			sh, err := sim.ParseShape(shape)
			if err != nil {
				return usageError(err)
			}
			cfg := sim.Config{SNMPDevices: snmpDevices, GNMIDevices: gnmiDevices, Interfaces: ifaces,
				SNMPListen: snmpAddr, GNMIListen: gnmiAddr, UpdateInterval: update, Seed: seed, NotificationShape: sh,
				SpreadUpdates: spread}
			if err := cfg.Validate(); err != nil {
				return usageError(err)
			}
			ctx, stop := signalContext(cmd.Context())
			defer stop()
			fleet, err := sim.Start(ctx, cfg, log)
			if err != nil {
				return fmt.Errorf("start simulated fleet: %w", err)
			}
			yaml := fleetYAML(fleet.Devices(), interval, "outputs:\n  - type: file\n    path: \"-\"\n")
			if configOut == "" || configOut == "-" {
				fmt.Fprint(cmd.OutOrStdout(), yaml)
			} else if err := os.WriteFile(configOut, []byte(yaml), 0o644); err != nil {
				return fmt.Errorf("write config: %w", err)
			}
			log.Info("simulated fleet running; stop with Ctrl-C", "snmp_devices", snmpDevices, "gnmi_devices", gnmiDevices, "interfaces", cfg.Interfaces)
			<-ctx.Done()
			fleet.Wait()
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&devices, "devices", 2, "devices per protocol (see --snmp-devices, --gnmi-devices)")
	fl.IntVar(&snmpDevices, "snmp-devices", -1, "SNMP devices (default --devices)")
	fl.IntVar(&gnmiDevices, "gnmi-devices", -1, "gNMI devices (default --devices)")
	fl.IntVar(&ifaces, "interfaces", 8, "interfaces per device")
	fl.StringVar(&snmpAddr, "snmp-addr", "127.0.0.1:0", "SNMP listen address; with a port, device i uses port+i")
	fl.StringVar(&gnmiAddr, "gnmi-addr", "127.0.0.1:0", "gNMI listen address; with a port, device i uses port+i")
	fl.StringVar(&shape, "shape", "leaf", "gNMI notification shape: leaf (one update each) or interface (all counters of an interface in one)")
	fl.DurationVar(&update, "update-interval", time.Second, "how often gNMI devices push counters")
	fl.BoolVar(&spread, "spread", false, "gNMI devices push at their own phase within --update-interval (device i of n at i/n), like real devices, instead of all in the same instant")
	fl.DurationVar(&interval, "interval", 10*time.Second, "poll / sample interval written into the printed config")
	fl.Int64Var(&seed, "seed", 1, "model seed: the same seed gives the same devices")
	fl.StringVar(&configOut, "config-out", "", "write the config here instead of stdout")
	return cmd
}

package sim_test

import (
	"context"
	"fmt"

	"github.com/netpulse/netpulse/internal/sim"
)

// A fleet of two SNMP and one gNMI device; the lead's `netpulse sim` prints a targets file
// from the same Devices list.
func ExampleStart() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := sim.Start(ctx, sim.Config{SNMPDevices: 2, GNMIDevices: 1, Interfaces: 4, Seed: 1,
		GNMIUsername: "admin", GNMIPassword: "admin"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range f.Devices() {
		fmt.Println(d.Name, d.Proto, d.Model.Interfaces[0].Name, len(d.Model.Interfaces))
	}
	cancel()
	f.Wait()
	// Output:
	// sim-snmp-0001 snmp Ethernet1 4
	// sim-snmp-0002 snmp et-0/0/0 4
	// sim-gnmi-0001 gnmi Ethernet1 4
}

package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/netpulse/netpulse/internal/sim"
)

// simProfiles are the SNMP profiles of simulated devices: the MIBs the simulator serves
// (internal/sim components.go) rather than auto, whose vendor profiles would pick the
// imitated vendor's own MIBs (Juniper's replace host-resources), which the simulator does not
// serve.
const simProfiles = "system, if-mib, entity, entity-sensor, host-resources"

// fleetYAML renders a netpulse config that targets a simulated fleet. `netpulse sim` prints
// it and `netpulse demo` loads it through the same loader as any user file, so the demo runs
// exactly the `run` code path. SNMP devices alternate v2c and v3 authPriv so both are shown.
func fleetYAML(devs []sim.Device, interval time.Duration, outputs string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# netpulse config for a simulated fleet (netpulse sim / demo)\ninterval: %s\n", interval)
	b.WriteString(outputs)
	b.WriteString("targets:\n")
	snmpN := 0
	for _, d := range devs {
		fmt.Fprintf(&b, "  - name: %s\n    address: %s\n    tags: {site: sim}\n", d.Name, d.Address)
		switch d.Proto {
		case "snmp":
			var u *sim.V3User
			for i := range d.V3Users {
				if d.V3Users[i].PrivProtocol != "" {
					u = &d.V3Users[i]
					break
				}
			}
			if snmpN%2 == 1 && u != nil {
				fmt.Fprintf(&b, "    snmp:\n      version: 3\n      security_level: authPriv\n      user: %s\n      auth_protocol: %s\n      auth_password: %q\n      priv_protocol: %s\n      priv_password: %q\n      profiles: [%s]\n",
					u.Name, u.AuthProtocol, u.AuthPassword, u.PrivProtocol, u.PrivPassword, simProfiles)
			} else {
				fmt.Fprintf(&b, "    snmp:\n      version: 2c\n      community: %q\n      profiles: [%s]\n", d.Community, simProfiles)
			}
			snmpN++
		case "gnmi":
			b.WriteString("    gnmi:\n      insecure: true\n")
			if d.Username != "" {
				fmt.Fprintf(&b, "      username: %q\n      password: %q\n", d.Username, d.Password)
			}
			b.WriteString("      subscriptions: [interfaces, system, components]\n      redial: {min: 500ms, max: 5s}\n")
		}
	}
	fmt.Fprintf(&b, `subscriptions:
  interfaces:
    paths: [/interfaces/interface/state]
    mode: stream
    stream_mode: sample
    sample_interval: %s
  system:
    paths: [/system/state]
    mode: stream
    stream_mode: sample
    sample_interval: %s
  components:
    paths: [/components]
    mode: stream
    stream_mode: sample
    sample_interval: %s
`, interval, interval, interval)
	return b.String()
}

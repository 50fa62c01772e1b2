package snmp

import "slices"

// deviceProfiles lists the built-in profiles beyond system and if-mib, in the order `auto`
// polls them (generic MIBs first, then vendors). Each entry builds a fresh copy.
var deviceProfiles = []func() Profile{
	entityProfile,
	entitySensorProfile,
	hostResourcesProfile,
	ucdProfile,
	lldpProfile,
	lldpV2Profile,
	nokiaLLDPProfile,
	bgp4Profile,
	ciscoBGPProfile,
	aristaBGPProfile,
	dellOS10BGPProfile,
	juniperBGPProfile,
	nokiaBGPProfile,
	ciscoProfile,
	juniperProfile,
	nokiaProfile,
	huaweiProfile,
	comwareProfile,
	dellProfile,
	dellOS10Profile,
	fortinetProfile,
	arubaCXProfile,
	mikrotikProfile,
	extremeProfile,
	fcMgmtProfile,
	dellPowerConnectProfile,
	hpProCurveProfile,
}

// deviceProfile returns the built-in device profile called name.
func deviceProfile(name string) (Profile, bool) {
	for _, f := range deviceProfiles {
		if p := f(); p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

func deviceProfileNames() []string {
	names := make([]string, 0, len(deviceProfiles))
	for _, f := range deviceProfiles {
		names = append(names, f().Name)
	}
	return names
}

func sortedNames(names []string) []string {
	slices.Sort(names)
	return names
}

// AutoProfiles returns what `profiles: [auto]` stands for: system, if-mib and every device
// profile, in polling order. user holds the config's snmp_profiles: one named like a
// built-in takes its place (how to change the inventory's `every`, say); the others that
// declare a match are added after the built-ins (sorted by name), each then polled only
// where it matches.
func AutoProfiles(user map[string]Profile) []Profile {
	out := []Profile{systemProfile(), ifMIBProfile()}
	for _, f := range deviceProfiles {
		out = append(out, f())
	}
	for i := range out {
		if p, ok := user[out[i].Name]; ok {
			p.Name = out[i].Name
			out[i] = p
		}
	}
	for _, name := range sortedKeys(user) {
		if p := user[name]; p.Match != nil && !slices.ContainsFunc(out, func(q Profile) bool { return q.Name == name }) {
			p.Name = name
			out = append(out, p)
		}
	}
	return out
}

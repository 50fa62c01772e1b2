package snmp

// BuiltinProfile returns the built-in profile name (placeholder list: the SNMP work fills in
// system and if-mib).
func BuiltinProfile(name string) (Profile, bool) { return Profile{}, false }

// BuiltinProfileNames lists the built-in profiles.
func BuiltinProfileNames() []string { return nil }

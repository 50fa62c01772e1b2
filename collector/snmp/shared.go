package snmp

import "sync"

// sharedCompile holds one profile's compiled form for every session that polls it.
type sharedCompile struct {
	once sync.Once
	cp   compiledProfile
	err  error
}

// Share returns ps with each profile marked final: every session built from a copy of one of
// them compiles it once and reads the same compiled form, which no session changes (a
// session's own state, its plans and row hints, lives in Session). A config lists the same
// profiles on thousands of targets: `profiles: [auto]` is some 30 of them, and compiled
// per session they were about 70 KiB of heap per SNMP device (issue 11's heap profile of a
// 2,000-device daemon); shared, they cost that once. The caller must not change a profile
// after sharing it; a copy renamed afterwards compiles on its own (compile).
func Share(ps []Profile) []Profile {
	out := make([]Profile, len(ps))
	for i, p := range ps {
		p.shared = new(sharedCompile)
		out[i] = p
	}
	return out
}

// compile returns p's compiled form: the shared one when p came from Share.
func (p Profile) compile() (compiledProfile, error) {
	c := p.shared
	if c == nil {
		return compileProfile(p)
	}
	c.once.Do(func() { c.cp, c.err = compileProfile(p) })
	if c.err == nil && c.cp.name != p.Name {
		return compileProfile(p)
	}
	return c.cp, c.err
}

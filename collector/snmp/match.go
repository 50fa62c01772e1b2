package snmp

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/gosnmp/gosnmp"
)

// This file decides which of a target's profiles apply to the device behind it (Profile.Match,
// Profile.Replaces): `profiles: [auto]` lists every built-in profile, and each vendor
// profile then polls only the devices whose sysObjectID (or sysDescr) it names.

// OIDs read to match profiles (SNMPv2-MIB, RFC 3418).
const (
	oidSysDescr    = ".1.3.6.1.2.1.1.1.0"
	oidSysObjectID = ".1.3.6.1.2.1.1.2.0"
	oidSysUpTime   = ".1.3.6.1.2.1.1.3.0"
)

// AutoProfile is the profile name that stands for every built-in profile plus the
// snmp_profiles entries that declare a match, each polled only where its match holds.
const AutoProfile = "auto"

// matcher is a compiled Match.
type matcher struct {
	prefixes []string // leading-dot OIDs
	descr    *regexp.Regexp
}

func compileMatch(m *Match) (*matcher, error) {
	if m == nil {
		return nil, nil
	}
	if len(m.SysObjectID) == 0 && m.SysDescr == "" {
		return nil, fmt.Errorf("give sys_object_id prefixes or a sys_descr regular expression (or drop match to poll every device)")
	}
	mt := &matcher{}
	for i, p := range m.SysObjectID {
		if err := checkOID(p); err != nil {
			return nil, fmt.Errorf("sys_object_id[%d]: %w", i, err)
		}
		mt.prefixes = append(mt.prefixes, normalOID(p))
	}
	if m.SysDescr != "" {
		re, err := regexp.Compile(m.SysDescr)
		if err != nil {
			return nil, fmt.Errorf("sys_descr: %w", err)
		}
		mt.descr = re
	}
	return mt, nil
}

// matches reports whether the device matches and says why, for explain.
func (m *matcher) matches(objectID, descr string) (bool, string) {
	var why []string
	if len(m.prefixes) > 0 {
		oid := normalOID(objectID)
		i := slices.IndexFunc(m.prefixes, func(p string) bool {
			return oid == p || strings.HasPrefix(oid, p+".")
		})
		if i < 0 {
			return false, fmt.Sprintf("sysObjectID %s is under none of %s", strings.TrimPrefix(oid, "."), strings.Join(trimDots(m.prefixes), ", "))
		}
		why = append(why, fmt.Sprintf("sysObjectID %s is under %s", strings.TrimPrefix(oid, "."), strings.TrimPrefix(m.prefixes[i], ".")))
	}
	if m.descr != nil {
		if !m.descr.MatchString(descr) {
			return false, fmt.Sprintf("sysDescr does not match /%s/", m.descr)
		}
		why = append(why, fmt.Sprintf("sysDescr matches /%s/", m.descr))
	}
	return true, strings.Join(why, " and ")
}

func trimDots(oids []string) []string {
	out := make([]string, len(oids))
	for i, o := range oids {
		out[i] = strings.TrimPrefix(o, ".")
	}
	return out
}

// ProfileMatch is one profile's verdict for a target, as `explain` prints it.
type ProfileMatch struct {
	Profile string
	Active  bool
	Why     string
}

// deviceID is what profiles are matched on; read once per session and again after the
// agent restarted (sysUpTime went back).
type deviceID struct {
	objectID string
	descr    string
	upTime   uint64 // hundredths of a second
}

// needMatch reports whether any profile has a match or replaces another (else every
// profile is active and the device is never asked who it is).
func (s *Session) needMatch() bool {
	return slices.ContainsFunc(s.profiles, func(p compiledProfile) bool { return p.match != nil || len(p.replaces) > 0 })
}

// matchProfiles reads the device's identity when unknown (or sysUpTime alone when known)
// and decides s.active. A device that has restarted is identified again: its software, and
// so its sysObjectID, may have changed.
func (s *Session) matchProfiles(ctx context.Context, w *walker, cache columnCache) error {
	if s.active == nil {
		s.active = make([]bool, len(s.profiles))
		for i := range s.active {
			s.active[i] = true
		}
	}
	if !s.needMatch() {
		return nil
	}
	if s.device != nil {
		cells, err := s.getScalars(ctx, w, cache, []string{oidSysUpTime})
		if err != nil {
			return fmt.Errorf("read sysUpTime: %w", err)
		}
		up, ok := uptime(cells[0])
		if ok && up >= s.device.upTime {
			s.device.upTime = up
			return nil
		}
		s.log.Info("snmp agent restarted (sysUpTime went back): matching profiles again")
	}
	cells, err := s.getScalars(ctx, w, cache, []string{oidSysObjectID, oidSysDescr, oidSysUpTime})
	if err != nil {
		return fmt.Errorf("read sysObjectID to match profiles: %w", err)
	}
	d := &deviceID{objectID: cellVal(cells[0]).String(), descr: cellVal(cells[1]).String()}
	d.upTime, _ = uptime(cells[2])
	s.device = d
	s.decideActive()
	return nil
}

func uptime(c cell) (uint64, bool) {
	if c.typ != gosnmp.TimeTicks {
		return 0, false
	}
	_, u, signed, ok := number(c.val)
	return u, ok && !signed
}

// decideActive sets s.active and s.why from s.device.
func (s *Session) decideActive() {
	s.why = make([]string, len(s.profiles))
	for i := range s.profiles {
		p := &s.profiles[i]
		if p.match == nil {
			s.active[i], s.why[i] = true, "no match rule: every device"
			continue
		}
		s.active[i], s.why[i] = p.match.matches(s.device.objectID, s.device.descr)
	}
	for i := range s.profiles {
		if !s.active[i] {
			continue
		}
		for _, r := range s.profiles[i].replaces {
			for j := range s.profiles {
				if j != i && s.profiles[j].name == r && s.active[j] {
					s.active[j], s.why[j] = false, "replaced by "+s.profiles[i].name
				}
			}
		}
	}
}

// Matches returns each profile's verdict after the first poll (nil before it, or when no
// profile has a match rule).
func (s *Session) Matches() []ProfileMatch {
	if s.why == nil {
		return nil
	}
	out := make([]ProfileMatch, len(s.profiles))
	for i := range s.profiles {
		out[i] = ProfileMatch{Profile: s.profiles[i].name, Active: s.active[i], Why: s.why[i]}
	}
	return out
}

// DeviceIdentity returns the sysObjectID and sysDescr profiles were matched on ("" before
// the first poll).
func (s *Session) DeviceIdentity() (objectID, descr string) {
	if s.device == nil {
		return "", ""
	}
	return s.device.objectID, s.device.descr
}

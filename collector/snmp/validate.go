package snmp

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Validate checks a target's SNMP settings and names the key and the fix for each problem.
// It reports every problem it finds (errors.Join), each message starting with the key it is
// about, so that `config check` can list them all with their lines in one run; a check that
// only makes sense once another key is right (a password's length once it is set) is
// skipped while that key is wrong.
func (c *Config) Validate() error {
	var errs []error
	add := func(err error) { errs = append(errs, err) }
	switch c.Version {
	case "1", "2c":
		if !c.Community.IsSet() {
			add(fmt.Errorf("version %s needs a community (or community_file)", c.Version))
		}
	case "3":
		if c.User == "" {
			add(errors.New("version 3 needs user"))
		}
		if c.SecurityLevel == "" {
			c.SecurityLevel = "authPriv"
		}
		switch c.SecurityLevel {
		case "noAuthNoPriv":
		case "authNoPriv", "authPriv":
			if c.AuthProtocol == "" {
				add(fmt.Errorf("security_level %s needs auth_protocol (MD5, SHA, SHA224, SHA256, SHA384 or SHA512)", c.SecurityLevel))
			} else if _, err := authProtocol(c.AuthProtocol); err != nil {
				add(err)
			}
			if !c.AuthPassword.IsSet() {
				add(fmt.Errorf("security_level %s needs auth_password (or auth_password_file)", c.SecurityLevel))
			} else if len(c.AuthPassword.Reveal()) < 8 {
				// RFC 3414 §11.2: passwords shorter than 8 octets are rejected by agents
				// (net-snmp refuses them), so the session could never authenticate.
				add(errors.New("auth_password is shorter than 8 characters, which SNMPv3 agents reject (RFC 3414 §11.2)"))
			}
			if c.SecurityLevel == "authPriv" {
				if c.PrivProtocol == "" {
					add(errors.New("security_level authPriv needs priv_protocol (DES, AES, AES192, AES256, AES192C or AES256C)"))
				} else if _, err := privProtocol(c.PrivProtocol); err != nil {
					add(err)
				}
				if !c.PrivPassword.IsSet() {
					add(errors.New("security_level authPriv needs priv_password (or priv_password_file)"))
				} else if len(c.PrivPassword.Reveal()) < 8 {
					add(errors.New("priv_password is shorter than 8 characters, which SNMPv3 agents reject (RFC 3414 §11.2)"))
				}
			}
		default:
			add(fmt.Errorf("security_level %q: use noAuthNoPriv, authNoPriv or authPriv", c.SecurityLevel))
		}
		if c.Community.IsSet() {
			add(errors.New("community is for versions 1 and 2c; version 3 uses user and passwords"))
		}
	case "":
		add(errors.New("version is missing: use 1, 2c or 3"))
	default:
		add(fmt.Errorf("version %q: use 1, 2c or 3", c.Version))
	}
	if c.Interval <= 0 {
		add(fmt.Errorf("interval %s must be positive", c.Interval))
	}
	if c.Timeout <= 0 {
		add(fmt.Errorf("timeout %s must be positive", c.Timeout))
	}
	if c.Retries != nil && *c.Retries < 0 {
		add(fmt.Errorf("retries %d is negative", *c.Retries))
	}
	if c.MaxRepetitions > 10000 {
		add(fmt.Errorf("max_repetitions %d is too large: agents cap a response at one UDP datagram; 10..100 is typical", c.MaxRepetitions))
	}
	if len(c.Profiles) == 0 {
		add(errors.New("no profiles: set profiles, e.g. [system, if-mib]"))
	}
	return errors.Join(errs...)
}

// ValidateProfile checks a profile from the config's snmp_profiles section. Like Validate it
// reports every problem (errors.Join), each starting with where it is ("tables[0].fields.x:")
// so that the loader can place it on its line; maps are checked in key order so that the
// report is the same on every run.
func ValidateProfile(p Profile) error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(p.Scalars) == 0 && len(p.Tables) == 0 {
		add("has neither scalars nor tables")
	}
	// entry checks what scalars and tables share; at is "scalars[0]" or "tables[0]".
	// computed is the number of derived fields (derive.go): a table may have only those.
	entry := func(at, measurement string, computed int, fields, tags, fallbacks, formats map[string]string, enums map[string]map[int64]string) {
		if measurement == "" {
			add("%s: measurement is empty", at)
		}
		if len(fields)+computed == 0 {
			add("%s: fields is empty", at)
		}
		for _, name := range sortedKeys(fields) {
			if err := checkOID(fields[name]); err != nil {
				add("%s.fields.%s: %w", at, name, err)
			}
		}
		for _, name := range sortedKeys(tags) {
			if err := checkOID(tags[name]); err != nil {
				add("%s.tags.%s: %w", at, name, err)
			}
		}
		for _, err := range checkExtras(fields, tags, fallbacks, formats, enums) {
			add("%s.%w", at, err)
		}
	}
	for i, s := range p.Scalars {
		at := fmt.Sprintf("scalars[%d]", i)
		entry(at, s.Measurement, 0, s.Fields, s.Tags, nil, s.Formats, s.Enums)
		if err := typesError(s.typeErrs); err != nil {
			add("%s: %w", at, err)
		}
		if err := checkTypes(s.FieldNames(), s.Tags, s.Formats, s.Types); err != nil {
			add("%s.%w", at, err)
		}
	}
	for i, t := range p.Tables {
		at := fmt.Sprintf("tables[%d]", i)
		entry(at, t.Measurement, len(t.ComputedFields), t.Fields, t.Tags, t.Fallbacks, t.Formats, t.Enums)
		if err := typesError(t.typeErrs); err != nil {
			add("%s: %w", at, err)
		}
		if err := checkTypes(t.FieldNames(), t.Tags, t.Formats, t.Types); err != nil {
			add("%s.%w", at, err)
		}
		if t.IndexTag == "source" || t.DuplicateTag == "source" {
			add("%s: tag name source is reserved (the target's name)", at)
		}
		if _, ok := t.Tags[t.IndexTag]; ok && t.IndexTag != "" {
			add("%s: index_tag %s is also under tags: rename one", at, t.IndexTag)
		}
		if _, ok := t.Fields[t.IndexField]; ok && t.IndexField != "" {
			add("%s: index_field %s is also under fields: rename one", at, t.IndexField)
		}
		if _, ok := t.Tags[t.DuplicateTag]; ok && t.DuplicateTag != "" {
			add("%s: duplicate_tag %s is also under tags: rename one", at, t.DuplicateTag)
		}
		if err := validateDerived(&p.Tables[i]); err != nil { // derive.go
			add("%s: %w", at, err)
		}
	}
	if _, err := compileMatch(p.Match); err != nil { // match.go
		add("match: %w", err)
	}
	return errors.Join(errs...)
}

// checkExtras checks fallbacks, formats and enums against the fields and tags they refer to;
// it returns every problem, each starting with its key ("formats.x: …").
func checkExtras(fields, tags, fallbacks, formats map[string]string, enums map[string]map[int64]string) []error {
	var errs []error
	known := func(name string) bool {
		_, f := fields[name]
		_, t := tags[name]
		return f || t
	}
	if _, ok := tags["source"]; ok {
		errs = append(errs, errors.New("tags.source: the name source is reserved (the target's name)"))
	}
	for _, name := range sortedKeys(fallbacks) {
		if !known(name) {
			errs = append(errs, fmt.Errorf("fallbacks.%s: no field or tag of that name", name))
		} else if err := checkOID(fallbacks[name]); err != nil {
			errs = append(errs, fmt.Errorf("fallbacks.%s: %w", name, err))
		}
	}
	for _, name := range sortedKeys(formats) {
		if !known(name) {
			errs = append(errs, fmt.Errorf("formats.%s: no field or tag of that name", name))
		} else if _, ok := parseFormat(formats[name]); !ok {
			errs = append(errs, fmt.Errorf("formats.%s: unknown format %q: use uint, int, hex, mac, string, truthvalue, timeticks-ns or enum", name, formats[name]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(enums)) {
		if !known(name) {
			errs = append(errs, fmt.Errorf("enums.%s: no field or tag of that name", name))
		} else if formats[name] != "enum" {
			errs = append(errs, fmt.Errorf("enums.%s: set formats.%s: enum to use it", name, name))
		}
	}
	return errs
}

// checkOID accepts numeric OIDs only (with or without a leading dot): names are not resolved
// at run time because no MIB files are loaded.
func checkOID(oid string) error {
	s := strings.TrimPrefix(oid, ".")
	if s == "" {
		return errors.New("OID is empty")
	}
	for i, part := range strings.Split(s, ".") {
		if part == "" {
			return fmt.Errorf("OID %q has an empty arc at position %d", oid, i+1)
		}
		for _, r := range part {
			if r < '0' || r > '9' {
				return fmt.Errorf("OID %q is not numeric (MIB names are not loaded): write it as digits and dots, e.g. 1.3.6.1.2.1.1.5", oid)
			}
		}
	}
	return nil
}

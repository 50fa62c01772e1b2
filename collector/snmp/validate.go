package snmp

import (
	"errors"
	"fmt"
	"strings"
)

// Validate checks a target's SNMP settings and names the key and the fix for each problem.
func (c *Config) Validate() error {
	switch c.Version {
	case "1", "2c":
		if !c.Community.IsSet() {
			return fmt.Errorf("version %s needs a community (or community_file)", c.Version)
		}
	case "3":
		if c.User == "" {
			return errors.New("version 3 needs user")
		}
		if c.SecurityLevel == "" {
			c.SecurityLevel = "authPriv"
		}
		switch c.SecurityLevel {
		case "noAuthNoPriv":
		case "authNoPriv", "authPriv":
			if c.AuthProtocol == "" {
				return fmt.Errorf("security_level %s needs auth_protocol (MD5, SHA, SHA224, SHA256, SHA384 or SHA512)", c.SecurityLevel)
			}
			if _, err := authProtocol(c.AuthProtocol); err != nil {
				return err
			}
			if !c.AuthPassword.IsSet() {
				return fmt.Errorf("security_level %s needs auth_password (or auth_password_file)", c.SecurityLevel)
			}
			if len(c.AuthPassword.Reveal()) < 8 {
				// RFC 3414 §11.2: passwords shorter than 8 octets are rejected by agents
				// (net-snmp refuses them), so the session could never authenticate.
				return errors.New("auth_password is shorter than 8 characters, which SNMPv3 agents reject (RFC 3414 §11.2)")
			}
			if c.SecurityLevel == "authPriv" {
				if c.PrivProtocol == "" {
					return errors.New("security_level authPriv needs priv_protocol (DES, AES, AES192, AES256, AES192C or AES256C)")
				}
				if _, err := privProtocol(c.PrivProtocol); err != nil {
					return err
				}
				if !c.PrivPassword.IsSet() {
					return errors.New("security_level authPriv needs priv_password (or priv_password_file)")
				}
				if len(c.PrivPassword.Reveal()) < 8 {
					return errors.New("priv_password is shorter than 8 characters, which SNMPv3 agents reject (RFC 3414 §11.2)")
				}
			}
		default:
			return fmt.Errorf("security_level %q: use noAuthNoPriv, authNoPriv or authPriv", c.SecurityLevel)
		}
		if c.Community.IsSet() {
			return errors.New("community is for versions 1 and 2c; version 3 uses user and passwords")
		}
	case "":
		return errors.New("version is missing: use 1, 2c or 3")
	default:
		return fmt.Errorf("version %q: use 1, 2c or 3", c.Version)
	}
	if c.Interval <= 0 {
		return fmt.Errorf("interval %s must be positive", c.Interval)
	}
	if c.Timeout <= 0 {
		return fmt.Errorf("timeout %s must be positive", c.Timeout)
	}
	if c.Retries != nil && *c.Retries < 0 {
		return fmt.Errorf("retries %d is negative", *c.Retries)
	}
	if c.MaxRepetitions > 10000 {
		return fmt.Errorf("max_repetitions %d is too large: agents cap a response at one UDP datagram; 10..100 is typical", c.MaxRepetitions)
	}
	if len(c.Profiles) == 0 {
		return errors.New("no profiles: set profiles, e.g. [system, if-mib]")
	}
	return nil
}

// ValidateProfile checks a profile from the config's snmp_profiles section.
func ValidateProfile(p Profile) error {
	if len(p.Scalars) == 0 && len(p.Tables) == 0 {
		return errors.New("has neither scalars nor tables")
	}
	for i, s := range p.Scalars {
		if s.Measurement == "" {
			return fmt.Errorf("scalars[%d]: measurement is empty", i)
		}
		if len(s.Fields) == 0 {
			return fmt.Errorf("scalars[%d]: fields is empty", i)
		}
		for name, oid := range s.Fields {
			if err := checkOID(oid); err != nil {
				return fmt.Errorf("scalars[%d].fields.%s: %w", i, name, err)
			}
		}
		for name, oid := range s.Tags {
			if err := checkOID(oid); err != nil {
				return fmt.Errorf("scalars[%d].tags.%s: %w", i, name, err)
			}
		}
		if err := checkExtras(s.Fields, s.Tags, nil, s.Formats, s.Enums); err != nil {
			return fmt.Errorf("scalars[%d].%w", i, err)
		}
		if err := typesError(s.typeErrs); err != nil {
			return fmt.Errorf("scalars[%d]: %w", i, err)
		}
		if err := checkTypes(s.FieldNames(), s.Tags, s.Formats, s.Types); err != nil {
			return fmt.Errorf("scalars[%d].%w", i, err)
		}
	}
	for i, t := range p.Tables {
		if t.Measurement == "" {
			return fmt.Errorf("tables[%d]: measurement is empty", i)
		}
		if len(t.Fields) == 0 {
			return fmt.Errorf("tables[%d]: fields is empty", i)
		}
		for name, oid := range t.Fields {
			if err := checkOID(oid); err != nil {
				return fmt.Errorf("tables[%d].fields.%s: %w", i, name, err)
			}
		}
		for name, oid := range t.Tags {
			if err := checkOID(oid); err != nil {
				return fmt.Errorf("tables[%d].tags.%s: %w", i, name, err)
			}
		}
		if err := checkExtras(t.Fields, t.Tags, t.Fallbacks, t.Formats, t.Enums); err != nil {
			return fmt.Errorf("tables[%d].%w", i, err)
		}
		if err := typesError(t.typeErrs); err != nil {
			return fmt.Errorf("tables[%d]: %w", i, err)
		}
		if err := checkTypes(t.FieldNames(), t.Tags, t.Formats, t.Types); err != nil {
			return fmt.Errorf("tables[%d].%w", i, err)
		}
		if t.IndexTag == "source" || t.DuplicateTag == "source" {
			return fmt.Errorf("tables[%d]: tag name source is reserved (the target's name)", i)
		}
		if _, ok := t.Tags[t.IndexTag]; ok && t.IndexTag != "" {
			return fmt.Errorf("tables[%d]: index_tag %s is also under tags: rename one", i, t.IndexTag)
		}
		if _, ok := t.Fields[t.IndexField]; ok && t.IndexField != "" {
			return fmt.Errorf("tables[%d]: index_field %s is also under fields: rename one", i, t.IndexField)
		}
		if _, ok := t.Tags[t.DuplicateTag]; ok && t.DuplicateTag != "" {
			return fmt.Errorf("tables[%d]: duplicate_tag %s is also under tags: rename one", i, t.DuplicateTag)
		}
	}
	return nil
}

// checkExtras checks fallbacks, formats and enums against the fields and tags they refer to.
func checkExtras(fields, tags, fallbacks, formats map[string]string, enums map[string]map[int64]string) error {
	known := func(name string) bool {
		_, f := fields[name]
		_, t := tags[name]
		return f || t
	}
	if _, ok := tags["source"]; ok {
		return errors.New("tags.source: the name source is reserved (the target's name)")
	}
	for name, oid := range fallbacks {
		if !known(name) {
			return fmt.Errorf("fallbacks.%s: no field or tag of that name", name)
		}
		if err := checkOID(oid); err != nil {
			return fmt.Errorf("fallbacks.%s: %w", name, err)
		}
	}
	for name, f := range formats {
		if !known(name) {
			return fmt.Errorf("formats.%s: no field or tag of that name", name)
		}
		if _, ok := parseFormat(f); !ok {
			return fmt.Errorf("formats.%s: unknown format %q: use uint, int, hex, mac, string, truthvalue, timeticks-ns or enum", name, f)
		}
	}
	for name := range enums {
		if !known(name) {
			return fmt.Errorf("enums.%s: no field or tag of that name", name)
		}
		if formats[name] != "enum" {
			return fmt.Errorf("enums.%s: set formats.%s: enum to use it", name, name)
		}
	}
	return nil
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

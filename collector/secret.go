package collector

// Secret is a credential (community, password, token). It prints as "[redacted]" through fmt,
// slog, JSON and YAML so that logs, `config check` and error messages never leak it; Reveal
// returns the value for the one place that needs it (the wire).
type Secret string

const redacted = "[redacted]"

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether the secret has a value.
func (s Secret) IsSet() bool { return s != "" }

// String redacts.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString redacts (%#v).
func (s Secret) GoString() string { return s.String() }

// MarshalText redacts (JSON, YAML, slog).
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText sets the value; decoding a config must still work although MarshalText
// redacts.
func (s *Secret) UnmarshalText(b []byte) error { *s = Secret(b); return nil }

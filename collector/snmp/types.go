package snmp

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/collector"
)

// Field types (README "Field types"): every field a profile writes has one line-protocol
// type, declared by the profile rather than taken from whatever SNMP type an agent happens to
// send, because InfluxDB fixes a field's type at its first write and rejects every later
// point of another type.

// TypeNames lists the values a Types entry may take, in the order the README gives them.
var typeNames = []string{"uint", "int", "float", "bool", "string"}

// parseType maps a Types value to its field kind.
func parseType(s string) (collector.Kind, bool) {
	switch s {
	case "uint":
		return collector.KindUint, true
	case "int":
		return collector.KindInt, true
	case "float":
		return collector.KindFloat, true
	case "bool":
		return collector.KindBool, true
	case "string":
		return collector.KindString, true
	}
	return collector.KindInvalid, false
}

// formatKind is the type a Formats value implies, or KindInvalid for formats that leave it
// to the SNMP type ("" only).
func formatKind(f valueFormat) collector.Kind {
	switch f {
	case formatUint, formatTimeTicksNs:
		return collector.KindUint
	case formatInt:
		return collector.KindInt
	case formatHex, formatMAC, formatString, formatEnum:
		return collector.KindString
	case formatTruthValue:
		return collector.KindBool
	}
	return collector.KindInvalid
}

// declaredKind is the declared type of field name: its Types entry, else the type its
// Formats entry implies. ok is false when neither declares one (then the SNMP type decides,
// and the outputs' type guard pins the first type written).
func declaredKind(formats, types map[string]string, name string) (collector.Kind, bool) {
	if t, ok := types[name]; ok {
		k, ok := parseType(t)
		return k, ok
	}
	f, ok := parseFormat(formats[name])
	if !ok {
		return collector.KindInvalid, false
	}
	k := formatKind(f)
	return k, k != collector.KindInvalid
}

// FieldNames lists every field the table writes: Fields and the index field. It is the one
// place that knows a table's fields, for FieldType, the types check and the test that every
// built-in field has a declared type; a new way of writing fields must be added here.
func (t *Table) FieldNames() []string {
	names := sortedKeys(t.Fields)
	if t.IndexField != "" {
		names = append(names, t.IndexField)
	}
	return names
}

// FieldNames lists every field the scalar group writes.
func (s *Scalar) FieldNames() []string { return sortedKeys(s.Fields) }

// FieldType returns the declared line-protocol type of one of the table's fields (the index
// field included): from Types, else from the type its Formats entry implies. ok is false for
// an undeclared field or a name that is not a field.
func (t *Table) FieldType(name string) (collector.Kind, bool) {
	if !slices.Contains(t.FieldNames(), name) {
		return collector.KindInvalid, false
	}
	if name == t.IndexField {
		if _, declared := t.Types[name]; !declared {
			// The index field is a uint64 for one-arc indexes (ifIndex) and the dotted
			// string otherwise; without a declaration its type follows the index.
			return collector.KindInvalid, false
		}
	}
	return declaredKind(t.Formats, t.Types, name)
}

// FieldType returns the declared line-protocol type of one of the group's fields, as for
// Table.FieldType.
func (s *Scalar) FieldType(name string) (collector.Kind, bool) {
	if !slices.Contains(s.FieldNames(), name) {
		return collector.KindInvalid, false
	}
	return declaredKind(s.Formats, s.Types, name)
}

// checkTypes checks a Types map against the fields it names (FieldNames) and against the
// type the same field's Formats entry implies.
func checkTypes(fields []string, tags, formats, types map[string]string) error {
	for _, name := range sortedKeys(types) {
		t := types[name]
		if !slices.Contains(fields, name) {
			if _, isTag := tags[name]; isTag {
				return fmt.Errorf("types.%s: %s is a tag, and tags are always strings: remove it from types", name, name)
			}
			return fmt.Errorf("types.%s: no field of that name", name)
		}
		k, ok := parseType(t)
		if !ok {
			return fmt.Errorf("types.%s: unknown type %q: use %s", name, t, strings.Join(typeNames, ", "))
		}
		if f, ok := parseFormat(formats[name]); ok {
			if fk := formatKind(f); fk != collector.KindInvalid && fk != k {
				return fmt.Errorf("types.%s: %s contradicts formats.%s: %s, which writes a %s: drop one of them", name, t, name, formats[name], fk)
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// typeValueErrors checks the values of a "types" mapping while the config is decoded, so an
// unknown type is reported with its line (ValidateProfile repeats the check without one for
// profiles built in code).
func typeValueErrors(n *yaml.Node) []string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "types" || n.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		var errs []string
		m := n.Content[i+1]
		for j := 0; j+1 < len(m.Content); j += 2 {
			k, v := m.Content[j], m.Content[j+1]
			if _, ok := parseType(v.Value); !ok || v.Kind != yaml.ScalarNode {
				errs = append(errs, fmt.Sprintf("line %d: types.%s: unknown type %q: use %s (e.g. `%s: uint` for a counter)",
					v.Line, k.Value, v.Value, strings.Join(typeNames, ", "), k.Value))
			}
		}
		return errs
	}
	return nil
}

// UnmarshalYAML decodes a table and keeps the line of every unknown types value for
// ValidateProfile. (Returning a yaml.TypeError instead would make the decoder drop the whole
// table, and the profile would then also be reported as empty.)
func (t *Table) UnmarshalYAML(n *yaml.Node) error {
	type plain Table
	if err := n.Decode((*plain)(t)); err != nil {
		return err
	}
	t.typeErrs = typeValueErrors(n)
	return nil
}

// UnmarshalYAML decodes a scalar group, as Table.UnmarshalYAML.
func (s *Scalar) UnmarshalYAML(n *yaml.Node) error {
	type plain Scalar
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.typeErrs = typeValueErrors(n)
	return nil
}

// typesError reports the unknown types values found while decoding, with their lines.
func typesError(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "; "))
}

package snmp

import (
	"time"

	"github.com/netpulse/netpulse/collector"
)

// Config is one SNMP target's session settings. The YAML tags are the user-facing keys under
// a target's `snmp:` section; targets.Load fills Address, Name, Tags and the resolved
// Profiles.
type Config struct {
	Version          string           `yaml:"version"` // "1" | "2c" | "3"
	Community        collector.Secret `yaml:"community"`
	CommunityFile    string           `yaml:"community_file"`
	SecurityLevel    string           `yaml:"security_level"` // noAuthNoPriv | authNoPriv | authPriv
	User             string           `yaml:"user"`
	AuthProtocol     string           `yaml:"auth_protocol"` // MD5 SHA SHA224 SHA256 SHA384 SHA512
	AuthPassword     collector.Secret `yaml:"auth_password"`
	AuthPasswordFile string           `yaml:"auth_password_file"`
	PrivProtocol     string           `yaml:"priv_protocol"` // DES AES AES192 AES256 AES192C AES256C
	PrivPassword     collector.Secret `yaml:"priv_password"`
	PrivPasswordFile string           `yaml:"priv_password_file"`
	Context          string           `yaml:"context"`
	ProfileNames     []string         `yaml:"profiles"`
	Interval         time.Duration    `yaml:"interval"`
	Timeout          time.Duration    `yaml:"timeout"`
	Retries          *int             `yaml:"retries"`
	MaxRepetitions   uint32           `yaml:"max_repetitions"`

	// Filled by the loader, not by YAML. Run-time state (stats, once mode, the first poll's
	// offset) is not configuration: it is passed to New as a collector.Runtime.
	Name     string          `yaml:"-"` // target name, the "source" tag
	Address  string          `yaml:"-"` // host:port (port 161 when absent)
	Tags     []collector.Tag `yaml:"-"` // static tags from the target
	Profiles []Profile       `yaml:"-"` // resolved from ProfileNames
}

// Defaults of the per-request settings: the one place they are defined (targets.Load fills
// a target's timeout and retries from them; the CLI's --timeout and --retries default to
// them). A request waits Timeout for an answer and is sent Retries more times before it
// fails, so one request takes at most Timeout × (Retries+1).
const (
	DefaultTimeout = 2 * time.Second
	DefaultRetries = 1
)

// requestSettings returns the per-request timeout and retries, the defaults for unset
// values (a config from targets.Load has both set; CLI and test configs may not).
func (c *Config) requestSettings() (time.Duration, int) {
	timeout, retries := c.Timeout, DefaultRetries
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if c.Retries != nil {
		retries = *c.Retries
	}
	return timeout, retries
}

// requestBudget is the longest one request can take: timeout × (retries+1).
func (c *Config) requestBudget() time.Duration {
	timeout, retries := c.requestSettings()
	return timeout * time.Duration(retries+1)
}

// PollBudgetIntervals is how many intervals one poll may take before it is cut. A poll is
// not cut at its interval: a walk that needs 780 ms every 500 ms still finishes, and the
// ticks it overran are skipped and counted (Session.Run). The cap exists for the agent that
// is so slow, or the table so large, that the configured interval has become fiction: past
// five intervals the target delivers under a fifth of the rate the user asked for, and the
// points' shared timestamp (the poll's start) is more than five intervals away from the
// last value read. The cut poll returns what it read and an error that says to raise the
// interval. One request's budget is always allowed, however short the interval.
const PollBudgetIntervals = 5

// PollBudget bounds one poll: PollBudgetIntervals × interval, but never less than one
// request's timeout × (retries+1).
func (c *Config) PollBudget() time.Duration {
	return max(PollBudgetIntervals*c.Interval, c.requestBudget())
}

// DefaultMaxRepetitions is the GETBULK max-repetitions when a config leaves it unset (the
// config loader and the CLI both use it). Agents cut a GETBULK answer to fit their message
// size anyway (RFC 3416 §4.2.3), so a larger value mostly makes them encode rows they then
// drop; 25 is what the benchmark in BENCHMARKS.md was measured with.
const DefaultMaxRepetitions = 25

// Profile groups scalars and tables under names, compiled into the binary (built-ins) or
// given in the config's snmp_profiles section. Names never come from parsing MIBs at run time.
type Profile struct {
	Name    string   `yaml:"-"`
	Scalars []Scalar `yaml:"scalars"`
	Tables  []Table  `yaml:"tables"`
	// Match limits the profile to the devices it describes (by sysObjectID prefix and/or
	// sysDescr regex, read once per session; see match.go). A profile without one is polled
	// on every target that lists it. `profiles: [auto]` selects the built-in profiles and
	// the snmp_profiles entries whose Match accepts the device.
	Match *Match `yaml:"match"`
	// Replaces names profiles this one supersedes on a device both match (a vendor CPU
	// profile replaces host-resources), so one value is not written twice under two names.
	Replaces []string `yaml:"replaces"`

	// shared is the one compiled form of every copy of a profile the loader handed out
	// (Share); nil for a profile built elsewhere, which each session compiles itself. YAML
	// and JSON skip it, so reload still compares what the user wrote.
	shared *sharedCompile
}

// Scalar is a set of single-instance OIDs (GET) written as one point.
type Scalar struct {
	Measurement string            `yaml:"measurement"`
	Fields      map[string]string `yaml:"fields"` // field name → OID (instance .0 added when missing)
	Tags        map[string]string `yaml:"tags"`   // tag name → OID whose value becomes a tag
	// Formats, Enums and Types convert values as for Table.
	Formats map[string]string           `yaml:"formats"`
	Enums   map[string]map[int64]string `yaml:"enums"`
	Types   map[string]string           `yaml:"types"`

	typeErrs []string // unknown types values with their config lines (UnmarshalYAML); nil when valid
}

// Table is a conceptual table walked column by column (GETBULK; GETNEXT on v1); the columns
// are joined by index into one point per row.
type Table struct {
	Measurement string            `yaml:"measurement"`
	IndexTag    string            `yaml:"index_tag"` // tag carrying the row index (optional)
	Fields      map[string]string `yaml:"fields"`    // field name → column OID
	Tags        map[string]string `yaml:"tags"`      // tag name → column OID whose value becomes a tag

	// IndexField is a field carrying the row index (uint64 when the index is one
	// sub-identifier, like ifIndex; else the dotted string). Optional.
	IndexField string `yaml:"index_field"`
	// Fallbacks maps a field or tag name to a second column read on rows where the first is
	// absent (tags: also when empty). IF-MIB uses it for ifHCInOctets → ifInOctets and
	// ifName → ifDescr.
	Fallbacks map[string]string `yaml:"fallbacks"`
	// Formats maps a field or tag name to a conversion: "uint", "int", "hex", "mac",
	// "string", "truthvalue" (1 true, 2 false), "timeticks-ns" (centiseconds → ns) or "enum"
	// (with Enums). Without one the SNMP type decides (see IF-MIB.md).
	Formats map[string]string `yaml:"formats"`
	// Enums maps a field or tag name to integer → name; unknown numbers are written as
	// their decimal string.
	Enums map[string]map[int64]string `yaml:"enums"`
	// Types declares a field's line-protocol type: uint, int, float, bool or string (README
	// "Field types"). A Formats entry that implies a type declares it too (see FieldType);
	// an explicit Types entry must agree with it. A received value of another SNMP type is
	// converted when the conversion is exact (a decimal OctetString into a uint field), else
	// only that field is dropped and counted as a type_conflict: one field never changes
	// type in InfluxDB because one agent's firmware encodes it differently.
	Types map[string]string `yaml:"types"`
	// typeErrs: unknown types values with their config lines (UnmarshalYAML); nil when valid.
	typeErrs []string
	// DuplicateTag is the tag that carries the row index on rows whose measurement and tags
	// would otherwise collide with another row of the same poll (so no row overwrites another
	// in InfluxDB). Default "index"; if-mib uses "interface_index".
	DuplicateTag string `yaml:"duplicate_tag"`

	// Derived values (derive.go; PROFILES.md documents them with examples). A table using
	// any of these is read through the poll's column cache, so several tables of one MIB
	// (one per sensor class, say) walk each column once.

	// Index decodes the row index into named parts (LLDP timeMark.localPort.index, a BGP
	// peer's IpAddress, Cisco cpu.core), usable in expressions.
	Index []IndexPart `yaml:"index"`
	// Columns names further columns of the same index for use in expressions.
	Columns map[string]string `yaml:"columns"`
	// Lookups names values of another table's column, read at the row whose index is the
	// Key expression's value (cpmCPUTotalPhysicalIndex → entPhysicalName).
	Lookups map[string]Lookup `yaml:"lookups"`
	// Vars names expressions computed once per row (after columns, index and lookups, in
	// sorted order, each able to use the ones before it), for use in the filter and the
	// computed values.
	Vars map[string]string `yaml:"vars"`
	// Filter keeps only the rows for which the expression is true (entPhySensorType ==
	// celsius); other rows are not written and not counted.
	Filter string `yaml:"filter"`
	// ComputedTags and ComputedFields map a tag or field name to an expression. A tag
	// whose expression has no value (null, an absent column) is left out; an empty one
	// carries the row index.
	ComputedTags   map[string]string `yaml:"computed_tags"`
	ComputedFields map[string]string `yaml:"computed_fields"`
	// Valid maps a computed field to a check on its value (named value): a value failing it,
	// or not finite, is skipped and counted in the target's dropped updates (a sensor that
	// is unavailable or out of range, an empty optics cage reading 0 mW).
	Valid map[string]string `yaml:"valid"`
	// Otherwise reads the table only when the table before it in the profile wrote no
	// point this poll (CISCO-ENHANCED-MEMPOOL-MIB, else CISCO-MEMORY-POOL-MIB).
	Otherwise bool `yaml:"otherwise"`
	// Every polls the table on every Nth poll only (the first poll always, then every Nth at
	// the target's phase, spreadPhase): inventory changes rarely. 0 or 1 is every poll.
	Every int `yaml:"every"`
}

// Match says which devices a profile describes. Both given: both must hold.
type Match struct {
	// SysObjectID lists OID prefixes; the device's sysObjectID must start with one (arc
	// boundary: 1.3.6.1.4.1.9 matches 1.3.6.1.4.1.9.1.2066, not 1.3.6.1.4.1.99).
	SysObjectID []string `yaml:"sys_object_id"`
	// SysDescr is a regular expression (Go RE2 syntax) sysDescr must match.
	SysDescr string `yaml:"sys_descr"`
}

// IndexPart is one decoded component of a row index.
type IndexPart struct {
	Name string `yaml:"name"`
	// Type: int (one arc), ipv4 (four arcs), mac (six arcs), string (length-prefixed
	// OCTET STRING as text), inet (length-prefixed InetAddress as IP text), implied (the
	// remaining arcs as text) or rest (the remaining arcs, dotted).
	Type string `yaml:"type"`
}

// Lookup reads Column (an OID of another table) at the row whose index is Key's value.
type Lookup struct {
	Column string `yaml:"column"`
	Key    string `yaml:"key"`
}

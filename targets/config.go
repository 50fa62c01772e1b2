package targets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
)

// File is the whole configuration file.
type File struct {
	Interval      time.Duration                `yaml:"interval"`
	Outputs       []Output                     `yaml:"outputs"`
	Targets       []Target                     `yaml:"targets"`
	Subscriptions map[string]gnmi.Subscription `yaml:"subscriptions"`
	SNMPProfiles  map[string]snmp.Profile      `yaml:"snmp_profiles"`
	Buffer        Buffer                       `yaml:"buffer"`
	Metrics       Metrics                      `yaml:"metrics"`

	dir string // directory of the file, for relative *_file and tls paths
}

// Buffer configures the in-memory buffer in front of every output and the optional disk spool.
type Buffer struct {
	MaxBytes int64  `yaml:"max_bytes"` // per output; default 64 MiB
	SpoolDir string `yaml:"spool_dir"` // overflow and unsent data on disk; empty = off
}

// Metrics configures the self-metrics endpoint.
type Metrics struct {
	Listen string `yaml:"listen"` // e.g. 127.0.0.1:9273; empty = off
	// StallTimeout is how long an output may hold waiting points without delivering any
	// before /healthz answers 503; default DefaultStallTimeout, at least 1s.
	StallTimeout time.Duration `yaml:"stall_timeout"`
}

// Output is one output section. Type selects which keys apply.
type Output struct {
	Type string `yaml:"type"` // influxdb | file

	// influxdb
	URL           string           `yaml:"url"`
	Token         collector.Secret `yaml:"token"`
	TokenFile     string           `yaml:"token_file"`
	Org           string           `yaml:"org"`
	Bucket        string           `yaml:"bucket"`
	BatchSize     int              `yaml:"batch_size"`
	FlushInterval time.Duration    `yaml:"flush_interval"`
	Timeout       time.Duration    `yaml:"timeout"`
	Gzip          *bool            `yaml:"gzip"`
	// UintSupport says whether the server takes unsigned integers ("u"): auto (probe the
	// server; InfluxDB 1.x and unknown versions get int64), true, or false.
	UintSupport string `yaml:"uint_support"`
	DeadLetter  string `yaml:"dead_letter"` // file for lines the server rejects as malformed
	TLSCA       string `yaml:"tls_ca"`
	SkipVerify  bool   `yaml:"skip_verify"`

	// file
	Path string `yaml:"path"` // "-" = stdout
}

// Target is one device. Exactly one of SNMP and GNMI is set.
type Target struct {
	Name    string            `yaml:"name"`
	Address string            `yaml:"address"`
	Tags    map[string]string `yaml:"tags"`
	SNMP    *snmp.Config      `yaml:"snmp"`
	GNMI    *gnmi.Config      `yaml:"gnmi"`
	// Line is where the target starts in the file, for error messages.
	Line int `yaml:"-"`
}

// Proto names the target's transport ("snmp" or "gnmi").
func (t *Target) Proto() string {
	if t.GNMI != nil {
		return "gnmi"
	}
	return "snmp"
}

// Defaults, in one place.
const (
	DefaultInterval       = 30 * time.Second
	DefaultSNMPTimeout    = 2 * time.Second
	DefaultSNMPRetries    = 1
	DefaultMaxRepetitions = snmp.DefaultMaxRepetitions
	DefaultBatchSize      = 5000
	DefaultFlushInterval  = time.Second
	DefaultOutputTimeout  = 10 * time.Second
	DefaultBufferBytes    = 64 << 20
	DefaultSampleInterval = 10 * time.Second
	DefaultRedialMin      = time.Second
	DefaultRedialMax      = 60 * time.Second
	// DefaultStallTimeout is long enough to ride out an InfluxDB restart or a short network
	// outage without flapping /healthz (the buffer holds the data meanwhile).
	DefaultStallTimeout = 5 * time.Minute
)

// Load reads, expands, strictly decodes, defaults and validates a configuration file. The
// error lists every problem found, each naming the line and the fix.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	f, err := Parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return f, nil
}

// Parse is Load on bytes; dir resolves relative file names (token_file, tls_ca, …).
func Parse(data []byte, dir string) (*File, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	if root.Kind == 0 {
		return nil, errors.New("the file is empty: it needs at least `outputs:` and `targets:`")
	}
	if err := expandEnv(&root); err != nil {
		return nil, err
	}
	// Decode from the tree itself so that every error carries the line of the original
	// document; unknown keys are found by checkKeys because yaml.v3 offers KnownFields only on
	// a Decoder over text, and re-encoding the expanded tree would shift the lines.
	if err := checkKeys(&root, reflect.TypeOf(File{})); err != nil {
		return nil, err
	}
	var f File
	if err := root.Decode(&f); err != nil {
		return nil, explainYAML(err)
	}
	f.dir = dir
	recordLines(&root, &f)
	if err := f.finish(); err != nil {
		return nil, err
	}
	return &f, nil
}

// checkKeys reports every mapping key that the target type does not know, with its line.
func checkKeys(n *yaml.Node, t reflect.Type) error {
	var errs []error
	var walk func(n *yaml.Node, t reflect.Type)
	walk = func(n *yaml.Node, t reflect.Type) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, t)
			}
		case yaml.AliasNode:
			if n.Alias != nil {
				walk(n.Alias, t)
			}
		case yaml.SequenceNode:
			if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
				for _, c := range n.Content {
					walk(c, t.Elem())
				}
			}
		case yaml.MappingNode:
			switch t.Kind() {
			case reflect.Map:
				for i := 1; i < len(n.Content); i += 2 {
					walk(n.Content[i], t.Elem())
				}
			case reflect.Struct:
				if t.NumField() == 0 || t.PkgPath() == "time" {
					return
				}
				known := map[string]reflect.Type{}
				var names []string
				for i := 0; i < t.NumField(); i++ {
					sf := t.Field(i)
					tag, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
					if tag == "-" || !sf.IsExported() {
						continue
					}
					if tag == "" {
						tag = strings.ToLower(sf.Name)
					}
					known[tag] = sf.Type
					names = append(names, tag)
				}
				for i := 0; i+1 < len(n.Content); i += 2 {
					k := n.Content[i]
					ft, ok := known[k.Value]
					if !ok {
						errs = append(errs, fmt.Errorf("line %d: unknown key %q in %s: check the spelling (known keys: %s)", k.Line, k.Value, friendlyType(t.String()), strings.Join(names, ", ")))
						continue
					}
					walk(n.Content[i+1], ft)
				}
			}
		}
	}
	walk(n, t)
	return errors.Join(errs...)
}

// explainYAML turns yaml.v3's type-centric messages into ones that name the key and the fix.
func explainYAML(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		m = strings.ReplaceAll(m, "into time.Duration", "into a duration (write it like 10s or 1m30s)")
		m = strings.ReplaceAll(m, "into uint32", "into a whole number")
		m = strings.ReplaceAll(m, "into int", "into a whole number")
		msgs = append(msgs, m)
	}
	return errors.New(strings.Join(msgs, "\n"))
}

func friendlyType(t string) string {
	switch t {
	case "targets.File":
		return "the top level"
	case "targets.Target":
		return "a target"
	case "targets.Output":
		return "an output"
	case "snmp.Config":
		return "a target's snmp section"
	case "gnmi.Config":
		return "a target's gnmi section"
	case "gnmi.Subscription":
		return "a subscription"
	case "snmp.Profile", "snmp.Table", "snmp.Scalar":
		return "an snmp_profiles entry"
	}
	return t
}

var envRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${VAR} in scalar values (never in keys or structure, so a secret holding
// YAML syntax cannot change the document). An unset variable is an error: an empty password
// that silently fails authentication later is harder to find.
func expandEnv(n *yaml.Node) error {
	var errs []error
	var walk func(n *yaml.Node, isKey bool)
	walk = func(n *yaml.Node, isKey bool) {
		switch n.Kind {
		case yaml.ScalarNode:
			if isKey || !strings.Contains(n.Value, "${") {
				return
			}
			n.Value = envRe.ReplaceAllStringFunc(n.Value, func(m string) string {
				name := m[2 : len(m)-1]
				v, ok := os.LookupEnv(name)
				if !ok {
					errs = append(errs, fmt.Errorf("line %d: environment variable %s is not set: export it or put the value in a *_file", n.Line, name))
				}
				return v
			})
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i], true)
				walk(n.Content[i+1], false)
			}
		default:
			for _, c := range n.Content {
				walk(c, false)
			}
		}
	}
	walk(n, false)
	return errors.Join(errs...)
}

// recordLines stores each target's line so that validation errors can name it.
func recordLines(root *yaml.Node, f *File) {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value != "targets" || doc.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for j, item := range doc.Content[i+1].Content {
			if j < len(f.Targets) {
				f.Targets[j].Line = item.Line
			}
		}
	}
}

func (f *File) resolvePath(p string) string {
	if p == "" || filepath.IsAbs(p) || f.dir == "" {
		return p
	}
	return filepath.Join(f.dir, p)
}

// readSecretFile fills s from file when s is empty; a trailing newline (as `echo` and
// Kubernetes Secrets often leave) is removed.
func (f *File) readSecretFile(s *collector.Secret, file, where, key string) error {
	if file == "" {
		return nil
	}
	if s.IsSet() {
		return fmt.Errorf("%s: both %s and %s_file are set: keep one", where, key, key)
	}
	b, err := os.ReadFile(f.resolvePath(file))
	if err != nil {
		return fmt.Errorf("%s: read %s_file: %w", where, key, err)
	}
	*s = collector.Secret(strings.TrimRight(string(b), "\r\n"))
	return nil
}

// finish applies defaults, reads secret files, resolves profiles and subscriptions, and
// validates. All problems are reported together.
func (f *File) finish() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if f.Interval == 0 {
		f.Interval = DefaultInterval
	} else if f.Interval < 0 {
		add("interval: %s is negative", f.Interval)
	}
	if f.Buffer.MaxBytes == 0 {
		f.Buffer.MaxBytes = DefaultBufferBytes
	}
	switch {
	case f.Metrics.StallTimeout == 0:
		f.Metrics.StallTimeout = DefaultStallTimeout
	case f.Metrics.StallTimeout < time.Second:
		add("metrics.stall_timeout: %s is below 1s: /healthz would fail between two flushes; use e.g. 5m (the default)", f.Metrics.StallTimeout)
	}
	if len(f.Outputs) == 0 {
		add("outputs: none configured: add `- type: file` with `path: \"-\"` (stdout) or an influxdb output")
	}
	for i := range f.Outputs {
		if err := f.finishOutput(i, &f.Outputs[i]); err != nil {
			errs = append(errs, err)
		}
	}
	for name, sub := range f.Subscriptions {
		sub.Name = name
		if err := finishSubscription(&sub); err != nil {
			add("subscriptions.%s: %w", name, err)
		}
		f.Subscriptions[name] = sub
	}
	for name, p := range f.SNMPProfiles {
		p.Name = name
		if err := snmp.ValidateProfile(p); err != nil {
			add("snmp_profiles.%s: %w", name, err)
		}
		f.SNMPProfiles[name] = p
	}
	if len(f.Targets) == 0 {
		add("targets: none configured: add at least one target with an snmp: or gnmi: section")
	}
	seen := map[string]int{}
	for i := range f.Targets {
		t := &f.Targets[i]
		where := fmt.Sprintf("targets[%d]", i)
		if t.Name != "" {
			where = fmt.Sprintf("target %q", t.Name)
		}
		if t.Line > 0 {
			where = fmt.Sprintf("line %d: %s", t.Line, where)
		}
		if t.Name == "" {
			add("%s: name is empty: every target needs a unique name (it becomes the source tag)", where)
		} else if prev, dup := seen[t.Name]; dup {
			add("%s: the name is used twice (also targets[%d]): names must be unique", where, prev)
		}
		seen[t.Name] = i
		if err := f.finishTarget(t, where); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (f *File) finishOutput(i int, o *Output) error {
	where := fmt.Sprintf("outputs[%d]", i)
	switch o.Type {
	case "influxdb":
		if err := f.readSecretFile(&o.Token, o.TokenFile, where, "token"); err != nil {
			return err
		}
		if o.URL == "" {
			return fmt.Errorf("%s: url is empty: set it to the InfluxDB base URL, e.g. http://127.0.0.1:8086", where)
		}
		if !strings.HasPrefix(o.URL, "http://") && !strings.HasPrefix(o.URL, "https://") {
			return fmt.Errorf("%s: url %q needs a scheme: http:// or https://", where, collector.RedactURL(o.URL))
		}
		if o.Bucket == "" {
			return fmt.Errorf("%s: bucket is empty: on InfluxDB 1.x use \"database/retention-policy\" (e.g. telemetry/autogen)", where)
		}
		if o.BatchSize == 0 {
			o.BatchSize = DefaultBatchSize
		}
		if o.BatchSize < 0 {
			return fmt.Errorf("%s: batch_size %d is negative", where, o.BatchSize)
		}
		if o.FlushInterval == 0 {
			o.FlushInterval = DefaultFlushInterval
		}
		if o.Timeout == 0 {
			o.Timeout = DefaultOutputTimeout
		}
		if o.Gzip == nil {
			on := true
			o.Gzip = &on
		}
		switch o.UintSupport {
		case "":
			o.UintSupport = "auto"
		case "auto", "true", "false":
		default:
			return fmt.Errorf("%s: uint_support %q: use auto, true or false", where, o.UintSupport)
		}
		o.TLSCA = f.resolvePath(o.TLSCA)
		o.DeadLetter = f.resolvePath(o.DeadLetter)
		if o.Path != "" {
			return fmt.Errorf("%s: path is for type file, not influxdb", where)
		}
	case "file":
		if o.Path == "" {
			return fmt.Errorf("%s: path is empty: use \"-\" for stdout or a file name", where)
		}
		if o.Path != "-" {
			o.Path = f.resolvePath(o.Path)
		}
		if o.BatchSize == 0 {
			o.BatchSize = DefaultBatchSize
		}
		if o.FlushInterval == 0 {
			o.FlushInterval = DefaultFlushInterval
		}
		if o.URL != "" || o.Bucket != "" || o.Org != "" || o.Token.IsSet() || o.TokenFile != "" || o.Gzip != nil ||
			o.Timeout != 0 || o.DeadLetter != "" || o.TLSCA != "" || o.SkipVerify {
			return fmt.Errorf("%s: url, bucket, org, token, gzip, timeout, dead_letter, tls_ca and skip_verify are for type influxdb, not file", where)
		}
		// A file has no server to probe: "auto" writes unsigned integers as they are; "false"
		// writes int64 for files that will be loaded into InfluxDB 1.x.
		switch o.UintSupport {
		case "":
			o.UintSupport = "auto"
		case "auto", "true", "false":
		default:
			return fmt.Errorf("%s: uint_support %q: use auto, true or false", where, o.UintSupport)
		}
	case "":
		return fmt.Errorf("%s: type is missing: use influxdb or file", where)
	default:
		return fmt.Errorf("%s: unknown type %q: use influxdb or file", where, o.Type)
	}
	return nil
}

func finishSubscription(s *gnmi.Subscription) error {
	if len(s.Paths) == 0 {
		return errors.New("paths is empty: add at least one path, e.g. /interfaces/interface/state/counters")
	}
	if s.Mode == "" {
		s.Mode = "stream"
	}
	if s.StreamMode == "" && s.Mode == "stream" {
		s.StreamMode = "sample"
	}
	if s.Encoding == "" {
		s.Encoding = "proto"
	}
	if s.Measurement == "" {
		s.Measurement = s.Name
	}
	if s.SampleInterval == 0 && s.Mode == "stream" && s.StreamMode == "sample" {
		s.SampleInterval = DefaultSampleInterval
	}
	return gnmi.ValidateSubscription(*s)
}

func sortedTags(m map[string]string, name string) []collector.Tag {
	tags := make([]collector.Tag, 0, len(m)+1)
	tags = append(tags, collector.Tag{Key: "source", Value: name})
	for k, v := range m {
		if k == "source" {
			continue
		}
		tags = append(tags, collector.Tag{Key: k, Value: v})
	}
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags
}

func (f *File) finishTarget(t *Target, where string) error {
	if t.Address == "" {
		return fmt.Errorf("%s: address is empty: set host:port", where)
	}
	if _, bad := t.Tags["source"]; bad {
		return fmt.Errorf("%s: tags.source is reserved (it is the target's name): rename the tag", where)
	}
	switch {
	case t.SNMP != nil && t.GNMI != nil:
		return fmt.Errorf("%s: has both snmp and gnmi sections: split it into two targets with different names", where)
	case t.SNMP != nil:
		return f.finishSNMP(t, where)
	case t.GNMI != nil:
		return f.finishGNMI(t, where)
	}
	return fmt.Errorf("%s: has neither an snmp: nor a gnmi: section", where)
}

func (f *File) finishSNMP(t *Target, where string) error {
	c := t.SNMP
	c.Name, c.Address, c.Tags = t.Name, t.Address, sortedTags(t.Tags, t.Name)
	for _, s := range []struct {
		v    *collector.Secret
		file string
		key  string
	}{{&c.Community, c.CommunityFile, "community"}, {&c.AuthPassword, c.AuthPasswordFile, "auth_password"}, {&c.PrivPassword, c.PrivPasswordFile, "priv_password"}} {
		if err := f.readSecretFile(s.v, s.file, where+": snmp", s.key); err != nil {
			return err
		}
	}
	if c.Interval == 0 {
		c.Interval = f.Interval
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultSNMPTimeout
	}
	if c.Retries == nil {
		r := DefaultSNMPRetries
		c.Retries = &r
	}
	if c.MaxRepetitions == 0 {
		c.MaxRepetitions = DefaultMaxRepetitions
	}
	if len(c.ProfileNames) == 0 {
		c.ProfileNames = []string{"system", "if-mib"}
	}
	c.Profiles = c.Profiles[:0]
	for _, name := range c.ProfileNames {
		if p, ok := f.SNMPProfiles[name]; ok {
			c.Profiles = append(c.Profiles, p)
			continue
		}
		p, ok := snmp.BuiltinProfile(name)
		if !ok {
			known := snmp.BuiltinProfileNames()
			for n := range f.SNMPProfiles {
				known = append(known, n)
			}
			slices.Sort(known)
			return fmt.Errorf("%s: snmp.profiles: unknown profile %q: use one of %s, or define it under snmp_profiles", where, name, strings.Join(known, ", "))
		}
		c.Profiles = append(c.Profiles, p)
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("%s: snmp: %w", where, err)
	}
	return nil
}

func (f *File) finishGNMI(t *Target, where string) error {
	c := t.GNMI
	c.Name, c.Address, c.Tags = t.Name, t.Address, sortedTags(t.Tags, t.Name)
	if err := f.readSecretFile(&c.Password, c.PasswordFile, where+": gnmi", "password"); err != nil {
		return err
	}
	c.TLSCA, c.TLSCert, c.TLSKey = f.resolvePath(c.TLSCA), f.resolvePath(c.TLSCert), f.resolvePath(c.TLSKey)
	if c.Redial.Min == 0 {
		c.Redial.Min = DefaultRedialMin
	}
	if c.Redial.Max == 0 {
		c.Redial.Max = DefaultRedialMax
	}
	if len(c.SubscriptionNames) == 0 {
		return fmt.Errorf("%s: gnmi.subscriptions is empty: name at least one entry of the top-level subscriptions section", where)
	}
	c.Subscriptions = c.Subscriptions[:0]
	for _, name := range c.SubscriptionNames {
		s, ok := f.Subscriptions[name]
		if !ok {
			known := make([]string, 0, len(f.Subscriptions))
			for n := range f.Subscriptions {
				known = append(known, n)
			}
			slices.Sort(known)
			return fmt.Errorf("%s: gnmi.subscriptions: unknown subscription %q: define it under the top-level subscriptions section (known: %s)", where, name, strings.Join(known, ", "))
		}
		c.Subscriptions = append(c.Subscriptions, s)
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("%s: gnmi: %w", where, err)
	}
	return nil
}

package targets

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
	"github.com/netpulse/netpulse/collector/snmp"
	"github.com/netpulse/netpulse/outputs"
	"github.com/netpulse/netpulse/outputs/influx"
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

	dir   string                      // directory of the file, for relative *_file and tls paths
	shown map[collector.Secret]string // secrets left unread (Options.WithoutSecrets) → placeholder
}

// Buffer configures the in-memory buffer in front of every output and the optional disk spool.
type Buffer struct {
	MaxBytes int64  `yaml:"max_bytes"` // per output; default outputs.DefaultMaxBytes
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

// Defaults of what the file leaves out that this package owns. The defaults of an output's
// keys (batch_size, flush_interval, timeout, buffer.max_bytes) and a subscription's
// sample_interval are those of the package that owns each: outputs.Default*,
// influx.DefaultTimeout, gnmi.DefaultSampleInterval.
const (
	DefaultInterval       = 30 * time.Second
	DefaultSNMPTimeout    = snmp.DefaultTimeout
	DefaultSNMPRetries    = snmp.DefaultRetries
	DefaultMaxRepetitions = snmp.DefaultMaxRepetitions
	DefaultRedialMin      = collector.DefaultRedialMin
	DefaultRedialMax      = collector.DefaultRedialMax
	// DefaultStallTimeout is long enough to ride out an InfluxDB restart or a short network
	// outage without flapping /healthz (the buffer holds the data meanwhile).
	DefaultStallTimeout = 5 * time.Minute
)

// Options change how LoadWith and ParseWith read a file.
type Options struct {
	// WithoutSecrets reads no secret: *_file secrets are not opened and ${ENV} references in
	// secret values are not expanded. Each such secret holds a placeholder that ShowSecret
	// prints ("<secret from FILE>", "<secret from $ENV>"). For explain, which needs no
	// credential to say what a config collects; run and config check read every secret.
	WithoutSecrets bool
}

// Load reads, expands, strictly decodes, defaults and validates a configuration file. The
// error lists every problem in the file, each naming its line and the fix.
func Load(path string) (*File, error) { return LoadWith(path, Options{}) }

// LoadWith is Load with options.
func LoadWith(path string, o Options) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	f, err := ParseWith(data, filepath.Dir(path), o)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return f, nil
}

// Parse is Load on bytes; dir resolves relative file names (token_file, tls_ca, …).
func Parse(data []byte, dir string) (*File, error) { return ParseWith(data, dir, Options{}) }

// ParseWith is Parse with options.
func ParseWith(data []byte, dir string, o Options) (*File, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err) // a syntax error leaves no tree to check
	}
	if root.Kind == 0 {
		return nil, errors.New("the file is empty: it needs at least `outputs:` and `targets:`")
	}
	// Every check below runs even when an earlier one failed, so that one run reports every
	// problem in the file, as Prometheus' blackbox_exporter and snmp_exporter do: a file with
	// three mistakes should not take three runs to fix.
	c := &checker{opt: o, lines: map[string]int{}, shown: map[collector.Secret]string{}}
	indexLines(&root, "", c.lines)
	c.expandEnv(&root)
	// Decode from the tree itself so that every error carries the line of the original
	// document; unknown keys are found by checkKeys because yaml.v3 offers KnownFields only on
	// a Decoder over text, and re-encoding the expanded tree would shift the lines.
	c.checkKeys(&root)
	f := &File{dir: dir, shown: c.shown}
	if err := root.Decode(f); err != nil {
		// yaml.v3 goes on after a type error and fills what it can, so the checks below
		// still see the rest of the file.
		c.typeErrors(err)
	}
	recordLines(&root, f)
	c.finish(f)
	if err := c.err(); err != nil {
		return nil, err
	}
	return f, nil
}

// ShowSecret returns how s may be shown: where it would come from when the file was loaded
// WithoutSecrets ("<secret from FILE>", "<secret from $ENV>"), else "[redacted]" (or "" when
// unset). It never returns a secret's value.
func (f *File) ShowSecret(s collector.Secret) string {
	if p, ok := f.shown[s]; ok {
		return p
	}
	return s.String()
}

// checker holds what one load learns: the line of every key, every problem found, and the
// placeholders of secrets left unread.
type checker struct {
	opt   Options
	lines map[string]int // path (see at) → line of its key or sequence item
	probs []problem
	shown map[collector.Secret]string // placeholder secret → what ShowSecret prints
	// snmpProfiles: the resolved, shared profiles of each list of profile names seen
	// (joined by sep), so targets that list the same ones share them.
	snmpProfiles map[string][]snmp.Profile
	// gnmiSubs: the resolved subscriptions of each list of subscription names seen (joined
	// by sep), so gNMI targets that name the same ones share one read-only list instead of
	// a fleet of thousands holding a copy each.
	gnmiSubs map[string][]gnmi.Subscription
}

// problem is one mistake in the file; line 0 when it has no single place (e.g. no targets).
type problem struct {
	line int
	msg  string
}

// sep joins the parts of a path into the file (see at); it cannot appear in a YAML key that
// a user would write, unlike '.' and '/', which field names and tag keys contain.
const sep = "\x1f"

// at builds the path of a place in the file from its keys and sequence indexes:
// at("targets", 2, "snmp", "version").
func at(parts ...any) string {
	var b strings.Builder
	for i, p := range parts {
		if n, ok := p.(int); ok {
			fmt.Fprintf(&b, "[%d]", n)
			continue
		}
		if i > 0 {
			b.WriteString(sep)
		}
		fmt.Fprint(&b, p)
	}
	return b.String()
}

// indexLines records the line of every mapping key and sequence item under its path.
func indexLines(n *yaml.Node, path string, lines map[string]int) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, path, lines)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + sep + p
			}
			lines[p] = n.Content[i].Line
			indexLines(n.Content[i+1], p, lines)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			lines[p] = c.Line
			indexLines(c, p, lines)
		}
	}
}

// line returns the line of path, else of its nearest ancestor in the file, else 0.
func (c *checker) line(path string) int {
	for {
		if l, ok := c.lines[path]; ok {
			return l
		}
		i := strings.LastIndexAny(path, sep+"[")
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
}

// add records a problem at path (its line, else the nearest enclosing one).
func (c *checker) add(path, format string, a ...any) {
	c.probs = append(c.probs, problem{line: c.line(path), msg: fmt.Sprintf(format, a...)})
}

// addIn records the problems err holds (errors.Join'ed or one) that a package's Validate
// found in section (e.g. a target's snmp:). A message that starts with one of the section's
// keys ("version \"4\": use 1, 2c or 3") is placed on that key's line.
func (c *checker) addIn(section, prefix string, err error) {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		msg := e.Error()
		path := section
		if key, _, ok := strings.Cut(msg, " "); ok {
			key = strings.TrimSuffix(key, ":")
			if _, known := c.lines[at(section, strings.ReplaceAll(key, ".", sep))]; known {
				path = at(section, strings.ReplaceAll(key, ".", sep))
			}
		}
		c.add(path, "%s: %s", prefix, msg)
	}
}

// configError lists every problem of a file, sorted by line.
type configError struct{ probs []problem }

func (e *configError) Error() string {
	lines := make([]string, len(e.probs))
	for i, p := range e.probs {
		lines[i] = p.msg
		if p.line > 0 {
			lines[i] = fmt.Sprintf("line %d: %s", p.line, p.msg)
		}
	}
	if len(lines) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%d problems:\n%s", len(lines), strings.Join(lines, "\n"))
}

func (c *checker) err() error {
	if len(c.probs) == 0 {
		return nil
	}
	slices.SortStableFunc(c.probs, func(a, b problem) int { return a.line - b.line })
	return &configError{probs: slices.CompactFunc(c.probs, func(a, b problem) bool { return a == b })}
}

// typeErrors records yaml.v3's type errors ("line 4: cannot unmarshal …") with their lines,
// reworded to name the fix.
func (c *checker) typeErrors(err error) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		c.probs = append(c.probs, problem{msg: err.Error()})
		return
	}
	for _, m := range te.Errors {
		m = strings.ReplaceAll(m, "into time.Duration", "into a duration (write it like 10s or 1m30s)")
		m = strings.ReplaceAll(m, "into uint32", "into a whole number")
		m = strings.ReplaceAll(m, "into int", "into a whole number")
		line := 0
		if rest, ok := strings.CutPrefix(m, "line "); ok {
			if n, msg, ok := strings.Cut(rest, ": "); ok {
				if l, err := strconv.Atoi(n); err == nil {
					line, m = l, msg
				}
			}
		}
		c.probs = append(c.probs, problem{line: line, msg: m})
	}
}

// yamlFields maps a struct type's YAML keys to their field types; names lists the keys in
// declaration order.
func yamlFields(t reflect.Type) (known map[string]reflect.Type, names []string) {
	known = map[string]reflect.Type{}
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
	return known, names
}

// walkTyped visits every scalar of the tree with the Go type it decodes into (nil where the
// tree does not fit the type: decoding reports that). Unknown keys are skipped (checkKeys
// reports them).
func walkTyped(n *yaml.Node, t reflect.Type, visit func(n *yaml.Node, t reflect.Type)) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkTyped(c, t, visit)
		}
	case yaml.AliasNode:
		// The anchored node is visited where it is defined; following aliases here could
		// loop and would expand it twice.
	case yaml.ScalarNode:
		visit(n, t)
	case yaml.SequenceNode:
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for _, c := range n.Content {
			walkTyped(c, et, visit)
		}
	case yaml.MappingNode:
		var known map[string]reflect.Type
		var elem reflect.Type
		switch {
		case t == nil:
		case t.Kind() == reflect.Map:
			elem = t.Elem()
		case t.Kind() == reflect.Struct && t.PkgPath() != "time":
			known, _ = yamlFields(t)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			ft := elem
			if known != nil {
				ft = known[n.Content[i].Value]
			}
			walkTyped(n.Content[i+1], ft, visit)
		}
	}
}

// checkKeys reports every mapping key that the target type does not know, with its line.
func (c *checker) checkKeys(root *yaml.Node) {
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
				known, names := yamlFields(t)
				for i := 0; i+1 < len(n.Content); i += 2 {
					k := n.Content[i]
					ft, ok := known[k.Value]
					if !ok {
						c.probs = append(c.probs, problem{line: k.Line, msg: fmt.Sprintf("unknown key %q in %s: check the spelling (known keys: %s)", k.Value, friendlyType(t.String()), strings.Join(names, ", "))})
						continue
					}
					walk(n.Content[i+1], ft)
				}
			}
		}
	}
	walk(root, reflect.TypeOf(File{}))
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

var (
	envRe      = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)
	secretType = reflect.TypeOf(collector.Secret(""))
)

// expandEnv replaces ${VAR} in scalar values (never in keys or structure, so a secret holding
// YAML syntax cannot change the document). An unset variable is an error: an empty password
// that silently fails authentication later is harder to find; the reference stays as written
// so that the value does not cause a second, misleading error. WithoutSecrets, a secret value
// that names variables is not expanded but becomes the placeholder "<secret from $VAR>".
func (c *checker) expandEnv(root *yaml.Node) {
	walkTyped(root, reflect.TypeOf(File{}), func(n *yaml.Node, t reflect.Type) {
		if !strings.Contains(n.Value, "${") {
			return
		}
		refs := envRe.FindAllStringSubmatch(n.Value, -1)
		if c.opt.WithoutSecrets && t == secretType && len(refs) > 0 {
			names := make([]string, len(refs))
			for i, r := range refs {
				names[i] = "$" + r[1]
			}
			n.Value = c.placeholder("<secret from " + strings.Join(names, ", ") + ">")
			return
		}
		n.Value = envRe.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := m[2 : len(m)-1]
			v, ok := os.LookupEnv(name)
			if !ok {
				c.probs = append(c.probs, problem{line: n.Line, msg: fmt.Sprintf("environment variable %s is not set: export it or put the value in a *_file", name)})
				return m
			}
			return v
		})
	})
}

// placeholder records text as a secret left unread (Options.WithoutSecrets) and returns it.
// The secret's value is the text itself: long enough for the length checks of SNMPv3
// passwords, so validation finds what it would find with the real secret.
func (c *checker) placeholder(text string) string {
	c.shown[collector.Secret(text)] = text
	return text
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
// Kubernetes Secrets often leave) is removed. WithoutSecrets the file is not opened and s
// becomes the placeholder "<secret from FILE>".
func (c *checker) readSecretFile(f *File, s *collector.Secret, file, path, where, key string) {
	if file == "" {
		return
	}
	if s.IsSet() {
		c.add(at(path, key+"_file"), "%s: both %s and %s_file are set: keep one", where, key, key)
		return
	}
	name := f.resolvePath(file)
	if c.opt.WithoutSecrets {
		*s = collector.Secret(c.placeholder("<secret from " + name + ">"))
		return
	}
	b, err := os.ReadFile(name)
	if err != nil {
		c.add(at(path, key+"_file"), "%s: read %s_file: %v: create the file or fix the path", where, key, err)
		// A stand-in keeps Validate from adding "needs a community" for the same mistake;
		// the file is refused anyway.
		*s = collector.Secret("<unreadable " + name + ">")
		return
	}
	*s = collector.Secret(strings.TrimRight(string(b), "\r\n"))
}

// finish applies defaults, reads secret files, resolves profiles and subscriptions, and
// validates, recording every problem.
func (c *checker) finish(f *File) {
	if f.Interval == 0 {
		f.Interval = DefaultInterval
	} else if f.Interval < 0 {
		c.add(at("interval"), "interval: %s is negative: use a positive duration like 30s", f.Interval)
	}
	if f.Buffer.MaxBytes == 0 {
		f.Buffer.MaxBytes = outputs.DefaultMaxBytes
	}
	switch {
	case f.Metrics.StallTimeout == 0:
		f.Metrics.StallTimeout = DefaultStallTimeout
	case f.Metrics.StallTimeout < time.Second:
		c.add(at("metrics", "stall_timeout"), "metrics.stall_timeout: %s is below 1s: /healthz would fail between two flushes; use e.g. 5m (the default)", f.Metrics.StallTimeout)
	}
	if len(f.Outputs) == 0 {
		c.add(at("outputs"), "outputs: none configured: add `- type: file` with `path: \"-\"` (stdout) or an influxdb output")
	}
	for i := range f.Outputs {
		c.finishOutput(f, i, &f.Outputs[i])
	}
	badSubs := map[string]bool{}
	for name, sub := range f.Subscriptions {
		sub.Name = name
		n := len(c.probs)
		c.finishSubscription(&sub)
		badSubs[name] = len(c.probs) > n
		f.Subscriptions[name] = sub
	}
	for name, p := range f.SNMPProfiles {
		p.Name = name
		if err := snmp.ValidateProfile(p); err != nil {
			c.addIn(at("snmp_profiles", name), "snmp_profiles."+name, err)
		}
		c.checkProfileNames(p)
		f.SNMPProfiles[name] = p
	}
	if len(f.Targets) == 0 {
		c.add(at("targets"), "targets: none configured: add at least one target with an snmp: or gnmi: section")
	}
	seen := map[string]int{}
	for i := range f.Targets {
		t := &f.Targets[i]
		path := at("targets", i)
		where := fmt.Sprintf("targets[%d]", i)
		if t.Name != "" {
			where = fmt.Sprintf("target %q", t.Name)
		}
		if t.Name == "" {
			c.add(path, "%s: name is empty: every target needs a unique name (it becomes the source tag)", where)
		} else if prev, dup := seen[t.Name]; dup {
			c.add(at(path, "name"), "%s: the name is used twice (also targets[%d]): names must be unique", where, prev)
		} else if err := outputs.CheckName(t.Name); err != nil {
			c.add(at(path, "name"), "%s: the name becomes the source tag and %v: rename the target", where, err)
		}
		seen[t.Name] = i
		c.finishTarget(f, t, path, where, badSubs)
	}
}

func (c *checker) finishOutput(f *File, i int, o *Output) {
	path := at("outputs", i)
	where := fmt.Sprintf("outputs[%d]", i)
	uintSupport := func() {
		switch o.UintSupport {
		case "":
			o.UintSupport = "auto"
		case "auto", "true", "false":
		default:
			c.add(at(path, "uint_support"), "%s: uint_support %q: use auto, true or false", where, o.UintSupport)
		}
	}
	if o.BatchSize == 0 {
		o.BatchSize = outputs.DefaultBatchSize
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = outputs.DefaultFlushInterval
	}
	switch o.Type {
	case "influxdb":
		c.readSecretFile(f, &o.Token, o.TokenFile, path, where, "token")
		switch {
		case o.URL == "":
			c.add(path, "%s: url is empty: set it to the InfluxDB base URL, e.g. http://127.0.0.1:8086", where)
		case !strings.HasPrefix(o.URL, "http://") && !strings.HasPrefix(o.URL, "https://"):
			c.add(at(path, "url"), "%s: url %q needs a scheme: http:// or https://", where, collector.RedactURL(o.URL))
		}
		if o.Bucket == "" {
			c.add(path, "%s: bucket is empty: on InfluxDB 1.x use \"database/retention-policy\" (e.g. telemetry/autogen)", where)
		}
		if o.BatchSize < 0 {
			c.add(at(path, "batch_size"), "%s: batch_size %d is negative", where, o.BatchSize)
		}
		if o.Timeout == 0 {
			o.Timeout = influx.DefaultTimeout
		}
		if o.Gzip == nil {
			on := true
			o.Gzip = &on
		}
		uintSupport()
		o.TLSCA = f.resolvePath(o.TLSCA)
		o.DeadLetter = f.resolvePath(o.DeadLetter)
		if o.Path != "" {
			c.add(at(path, "path"), "%s: path is for type file, not influxdb", where)
		}
	case "file":
		if o.Path == "" {
			c.add(path, "%s: path is empty: use \"-\" for stdout or a file name", where)
		} else if o.Path != "-" {
			o.Path = f.resolvePath(o.Path)
		}
		if o.URL != "" || o.Bucket != "" || o.Org != "" || o.Token.IsSet() || o.TokenFile != "" || o.Gzip != nil ||
			o.Timeout != 0 || o.DeadLetter != "" || o.TLSCA != "" || o.SkipVerify {
			c.add(path, "%s: url, bucket, org, token, gzip, timeout, dead_letter, tls_ca and skip_verify are for type influxdb, not file", where)
		}
		// A file has no server to probe: "auto" writes unsigned integers as they are; "false"
		// writes int64 for files that will be loaded into InfluxDB 1.x.
		uintSupport()
	case "":
		c.add(path, "%s: type is missing: use influxdb or file", where)
	default:
		c.add(at(path, "type"), "%s: unknown type %q: use influxdb or file", where, o.Type)
	}
}

func (c *checker) finishSubscription(s *gnmi.Subscription) {
	path := at("subscriptions", s.Name)
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
		s.SampleInterval = gnmi.DefaultSampleInterval
	}
	if err := gnmi.ValidateSubscription(*s); err != nil {
		c.addIn(path, "subscriptions."+s.Name, err)
	}
	// The measurement (the subscription's name unless set) starts every line written.
	if err := outputs.CheckMeasurement(s.Measurement); err != nil {
		c.add(at(path, "measurement"), "subscriptions.%s: measurement %q %v: rename it (set measurement:)", s.Name, s.Measurement, err)
	}
}

// checkProfileNames refuses a user profile's measurements, tag keys and field keys that line
// protocol cannot carry (outputs.CheckName): the session would otherwise drop every point.
func (c *checker) checkProfileNames(p snmp.Profile) {
	base := at("snmp_profiles", p.Name)
	check := func(path, what, name string, measurement bool) {
		if measurement && name == "" {
			return // snmp.ValidateProfile says "measurement is empty"
		}
		err := outputs.CheckName(name)
		if measurement {
			err = outputs.CheckMeasurement(name)
		}
		if err != nil {
			c.add(path, "snmp_profiles.%s: %s %q %v: rename it", p.Name, what, name, err)
		}
	}
	keys := func(path, what string, m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			check(at(path, k), what, k, false)
		}
	}
	for i, s := range p.Scalars {
		path := at(base, "scalars", i)
		check(at(path, "measurement"), "measurement", s.Measurement, true)
		keys(at(path, "fields"), "field", s.Fields)
		keys(at(path, "tags"), "tag", s.Tags)
	}
	for i, t := range p.Tables {
		path := at(base, "tables", i)
		check(at(path, "measurement"), "measurement", t.Measurement, true)
		keys(at(path, "fields"), "field", t.Fields)
		keys(at(path, "tags"), "tag", t.Tags)
		if t.IndexTag != "" {
			check(at(path, "index_tag"), "index_tag", t.IndexTag, false)
		}
		if t.IndexField != "" {
			check(at(path, "index_field"), "index_field", t.IndexField, false)
		}
	}
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

func (c *checker) finishTarget(f *File, t *Target, path, where string, badSubs map[string]bool) {
	if t.Address == "" {
		c.add(path, "%s: address is empty: set host:port", where)
	}
	for _, k := range slices.Sorted(maps.Keys(t.Tags)) {
		switch v := t.Tags[k]; {
		case k == "source":
			c.add(at(path, "tags", k), "%s: tags.source is reserved (it is the target's name): rename the tag", where)
		case outputs.CheckName(k) != nil:
			c.add(at(path, "tags", k), "%s: tag key %q %v: rename it", where, k, outputs.CheckName(k))
		case v == "":
			c.add(at(path, "tags", k), "%s: tag %s is empty, and an empty tag is never written: give it a value or remove it", where, k)
		case outputs.CheckName(v) != nil:
			c.add(at(path, "tags", k), "%s: tag %s: value %q %v: change it", where, k, v, outputs.CheckName(v))
		}
	}
	switch {
	case t.SNMP != nil && t.GNMI != nil:
		c.add(path, "%s: has both snmp and gnmi sections: split it into two targets with different names", where)
	case t.SNMP != nil:
		c.finishSNMP(f, t, at(path, "snmp"), where)
	case t.GNMI != nil:
		c.finishGNMI(f, t, at(path, "gnmi"), where, badSubs)
	default:
		c.add(path, "%s: has neither an snmp: nor a gnmi: section", where)
	}
}

func (c *checker) finishSNMP(f *File, t *Target, path, where string) {
	s := t.SNMP
	s.Name, s.Address, s.Tags = t.Name, t.Address, sortedTags(t.Tags, t.Name)
	for _, sec := range []struct {
		v    *collector.Secret
		file string
		key  string
	}{{&s.Community, s.CommunityFile, "community"}, {&s.AuthPassword, s.AuthPasswordFile, "auth_password"}, {&s.PrivPassword, s.PrivPasswordFile, "priv_password"}} {
		c.readSecretFile(f, sec.v, sec.file, path, where+": snmp", sec.key)
	}
	if s.Interval == 0 {
		s.Interval = f.Interval
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultSNMPTimeout
	}
	if s.Retries == nil {
		r := DefaultSNMPRetries
		s.Retries = &r
	}
	if s.MaxRepetitions == 0 {
		s.MaxRepetitions = DefaultMaxRepetitions
	}
	if len(s.ProfileNames) == 0 {
		s.ProfileNames = []string{snmp.AutoProfile}
	}
	// Targets that list the same profiles share one slice of shared profiles (snmp.Share):
	// a fleet's targets would otherwise each hold their own copy of some 30 profiles and
	// compile them per session (about 70 KiB per SNMP device).
	key := strings.Join(s.ProfileNames, sep)
	if ps, ok := c.snmpProfiles[key]; ok {
		s.Profiles = ps
	} else {
		ps, ok := c.resolveProfiles(f, s.ProfileNames, path, where)
		s.Profiles = ps
		if ok {
			if c.snmpProfiles == nil {
				c.snmpProfiles = map[string][]snmp.Profile{}
			}
			c.snmpProfiles[key] = ps
		}
	}
	if err := s.Validate(); err != nil {
		c.addIn(path, where+": snmp", err)
	}
}

// resolveProfiles turns a target's profile names into the profiles, shared (snmp.Share) and
// clipped so that no target's append can reach another's; ok is false when a name is
// unknown (reported at its line).
func (c *checker) resolveProfiles(f *File, names []string, path, where string) (ps []snmp.Profile, ok bool) {
	ok = true
	for i, name := range names {
		if _, user := f.SNMPProfiles[name]; name == snmp.AutoProfile && !user {
			// Every built-in plus the user profiles with a match rule; each then polls
			// only the devices it matches (snmp/match.go).
			for _, p := range snmp.AutoProfiles(f.SNMPProfiles) {
				if !slices.ContainsFunc(ps, func(q snmp.Profile) bool { return q.Name == p.Name }) {
					ps = append(ps, p)
				}
			}
			continue
		}
		if p, found := f.SNMPProfiles[name]; found {
			ps = append(ps, p)
			continue
		}
		p, found := snmp.BuiltinProfile(name)
		if !found {
			known := append(snmp.BuiltinProfileNames(), snmp.AutoProfile)
			known = append(known, slices.Collect(maps.Keys(f.SNMPProfiles))...)
			slices.Sort(known)
			c.add(at(path, "profiles", i), "%s: snmp.profiles: unknown profile %q: use one of %s, or define it under snmp_profiles", where, name, strings.Join(known, ", "))
			// An empty stand-in keeps Validate from adding "no profiles" for the same mistake;
			// the file is refused anyway.
			p, ok = snmp.Profile{Name: name}, false
		}
		ps = append(ps, p)
	}
	return slices.Clip(snmp.Share(ps)), ok
}

func (c *checker) finishGNMI(f *File, t *Target, path, where string, badSubs map[string]bool) {
	g := t.GNMI
	g.Name, g.Address, g.Tags = t.Name, t.Address, sortedTags(t.Tags, t.Name)
	c.readSecretFile(f, &g.Password, g.PasswordFile, path, where+": gnmi", "password")
	g.TLSCA, g.TLSCert, g.TLSKey = f.resolvePath(g.TLSCA), f.resolvePath(g.TLSCert), f.resolvePath(g.TLSKey)
	if g.Redial.Min == 0 {
		g.Redial.Min = DefaultRedialMin
	}
	if g.Redial.Max == 0 {
		g.Redial.Max = DefaultRedialMax
	}
	if len(g.SubscriptionNames) == 0 {
		c.add(path, "%s: gnmi.subscriptions is empty: name at least one entry of the top-level subscriptions section", where)
	}
	key := strings.Join(g.SubscriptionNames, sep)
	if shared, ok := c.gnmiSubs[key]; ok {
		g.Subscriptions = shared
	} else {
		var complete bool
		g.Subscriptions, complete = c.resolveSubscriptions(f, g.SubscriptionNames, path, where, badSubs)
		if complete {
			if c.gnmiSubs == nil {
				c.gnmiSubs = map[string][]gnmi.Subscription{}
			}
			c.gnmiSubs[key] = g.Subscriptions
		}
	}
	if err := g.Validate(); err != nil {
		c.addIn(path, where+": gnmi", err)
	}
}

// resolveSubscriptions looks up the named subscriptions, reporting unknown names at path;
// complete is false when one was unknown or invalid (the list is then not shared, so
// every target naming it gets its own report).
func (c *checker) resolveSubscriptions(f *File, names []string, path, where string, badSubs map[string]bool) (subs []gnmi.Subscription, complete bool) {
	complete = true
	for i, name := range names {
		s, ok := f.Subscriptions[name]
		switch {
		case !ok:
			complete = false
			known := slices.Sorted(maps.Keys(f.Subscriptions))
			c.add(at(path, "subscriptions", i), "%s: gnmi.subscriptions: unknown subscription %q: define it under the top-level subscriptions section (known: %s)", where, name, strings.Join(known, ", "))
		case badSubs[name]:
			// Its problems are reported once, at the subscription, not again per target.
			complete = false
		default:
			subs = append(subs, s)
		}
	}
	return slices.Clip(subs), complete
}

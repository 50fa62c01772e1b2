package gnmi

import (
	"time"

	"github.com/netpulse/netpulse/collector"
)

// Config is one gNMI target's session settings: the user-facing keys under a target's
// `gnmi:` section. targets.Load fills Name, Address, Tags and the resolved Subscriptions.
type Config struct {
	Username          string           `yaml:"username"`
	Password          collector.Secret `yaml:"password"`
	PasswordFile      string           `yaml:"password_file"`
	Insecure          bool             `yaml:"insecure"`    // plaintext gRPC
	SkipVerify        bool             `yaml:"skip_verify"` // TLS without verifying the server
	TLSCA             string           `yaml:"tls_ca"`
	TLSCert           string           `yaml:"tls_cert"`
	TLSKey            string           `yaml:"tls_key"`
	ServerName        string           `yaml:"server_name"`
	SubscriptionNames []string         `yaml:"subscriptions"`
	Redial            Redial           `yaml:"redial"`
	// EmitDeletes writes a point with field deleted=true for each deleted path (DESIGN §4);
	// deletes are counted either way.
	EmitDeletes bool `yaml:"emit_deletes"`
	// MaxMsgSize is the largest SubscribeResponse/GetResponse accepted, in bytes; default
	// 64 MiB (grpc's 4 MiB default is too small for a full JSON_IETF Get of a big router).
	MaxMsgSize int `yaml:"max_msg_size"`

	// Filled by the loader, not by YAML. Run-time state (stats, once mode) is not
	// configuration: it is passed to New as a collector.Runtime.
	Name          string          `yaml:"-"`
	Address       string          `yaml:"-"`
	Tags          []collector.Tag `yaml:"-"`
	Subscriptions []Subscription  `yaml:"-"`
}

// DefaultPollInterval is how often a POLL-mode subscription without poll_interval (and
// without sample_interval) is polled.
const DefaultPollInterval = 10 * time.Second

// DefaultSampleInterval is a SAMPLE subscription's sample_interval when the config leaves it
// out; the loader (targets) and `netpulse subscribe --sample-interval` take it from here.
// Sending 0 would leave the rate to the device (the gNMI specification lets a target pick
// its lowest supported interval then), so the loader always sends a value.
const DefaultSampleInterval = 10 * time.Second

// Redial bounds the reconnect backoff, which the supervisor (targets.Manager) applies
// between sessions; defaults collector.DefaultRedialMin..Max.
type Redial struct {
	Min time.Duration `yaml:"min"`
	Max time.Duration `yaml:"max"`
}

// Subscription is one named subscription from the config's `subscriptions:` section, in
// gnmic's vocabulary.
type Subscription struct {
	Name              string        `yaml:"-"`
	Paths             []string      `yaml:"paths"`
	Prefix            string        `yaml:"prefix"`
	Origin            string        `yaml:"origin"`
	Mode              string        `yaml:"mode"`        // stream | once | poll
	StreamMode        string        `yaml:"stream_mode"` // sample | on_change | target_defined
	SampleInterval    time.Duration `yaml:"sample_interval"`
	HeartbeatInterval time.Duration `yaml:"heartbeat_interval"`
	SuppressRedundant bool          `yaml:"suppress_redundant"`
	UpdatesOnly       bool          `yaml:"updates_only"`
	Encoding          string        `yaml:"encoding"` // json | json_ietf | proto | ascii | bytes
	Measurement       string        `yaml:"measurement"`
	PollInterval      time.Duration `yaml:"poll_interval"` // mode poll: how often to send a Poll
	// ExactTimestamps turns sample-window grouping off: updates are merged into one line only
	// when their timestamps are equal, so every leaf keeps the timestamp the device gave it.
	// The default (false) merges the updates of one list element within one sample_interval
	// of a SAMPLE subscription into one line stamped with its earliest update (coalesce.go).
	ExactTimestamps bool `yaml:"exact_timestamps"`
}

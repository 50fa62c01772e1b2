package gnmi

import (
	"errors"
	"fmt"
	"strings"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
)

// Validate checks a target's gNMI settings (without touching files or the network).
func (c *Config) Validate() error {
	var errs []error
	if c.Insecure && (c.TLSCA != "" || c.TLSCert != "" || c.SkipVerify) {
		errs = append(errs, errors.New("insecure (plaintext) conflicts with tls_ca/tls_cert/skip_verify: drop one"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("mTLS needs both tls_cert and tls_key"))
	}
	if c.Redial.Min < 0 || c.Redial.Max < 0 {
		errs = append(errs, errors.New("redial.min and redial.max must not be negative"))
	} else if c.Redial.Max > 0 && c.Redial.Min > c.Redial.Max {
		errs = append(errs, errors.New("redial.min is larger than redial.max"))
	}
	if c.MaxMsgSize < 0 {
		errs = append(errs, errors.New("max_msg_size must not be negative"))
	}
	for _, s := range c.Subscriptions {
		if err := ValidateSubscription(s); err != nil {
			errs = append(errs, fmt.Errorf("subscription %s: %w", s.Name, err))
		}
	}
	return errors.Join(errs...)
}

// ValidateSubscription checks one subscription: every path and the prefix parse (the error
// names the character), and mode, stream_mode and encoding are known. Empty values are
// allowed (they take the defaults: stream, sample, proto).
func ValidateSubscription(s Subscription) error {
	var errs []error
	if len(s.Paths) == 0 {
		errs = append(errs, errors.New("paths is empty: add at least one path, e.g. /interfaces/interface/state/counters"))
	}
	prefix, err := parseOptional(s.Prefix)
	if err != nil {
		errs = append(errs, fmt.Errorf("prefix: %w", err))
	}
	for _, p := range s.Paths {
		pp, err := ParsePath(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if pp.Origin != "" && s.Origin != "" && pp.Origin != s.Origin {
			errs = append(errs, fmt.Errorf("path %q has origin %q but the subscription's origin is %q: keep one", p, pp.Origin, s.Origin))
		}
		if pp.Origin != "" && prefix != nil && len(prefix.Elem) > 0 {
			errs = append(errs, fmt.Errorf("path %q has an origin while the prefix has elements: gNMI puts the origin on the prefix then; set origin: instead", p))
		}
	}
	if _, err := parseMode(s.Mode); err != nil {
		errs = append(errs, err)
	}
	if _, err := parseStreamMode(s.StreamMode); err != nil {
		errs = append(errs, err)
	}
	if _, err := ParseEncoding(s.Encoding); err != nil {
		errs = append(errs, err)
	}
	if s.SampleInterval < 0 || s.HeartbeatInterval < 0 || s.PollInterval < 0 {
		errs = append(errs, errors.New("sample_interval, heartbeat_interval and poll_interval must not be negative"))
	}
	if s.PollInterval > 0 && strings.ToLower(s.Mode) != "poll" {
		errs = append(errs, fmt.Errorf("poll_interval is set but mode is %q: it only applies to mode poll", s.Mode))
	}
	return errors.Join(errs...)
}

func parseMode(s string) (gnmipb.SubscriptionList_Mode, error) {
	switch strings.ToLower(s) {
	case "", "stream":
		return gnmipb.SubscriptionList_STREAM, nil
	case "once":
		return gnmipb.SubscriptionList_ONCE, nil
	case "poll":
		return gnmipb.SubscriptionList_POLL, nil
	}
	return 0, fmt.Errorf("mode %q: use stream, once or poll", s)
}

func parseStreamMode(s string) (gnmipb.SubscriptionMode, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "-", "_")) {
	case "", "sample":
		return gnmipb.SubscriptionMode_SAMPLE, nil
	case "on_change":
		return gnmipb.SubscriptionMode_ON_CHANGE, nil
	case "target_defined":
		return gnmipb.SubscriptionMode_TARGET_DEFINED, nil
	}
	return 0, fmt.Errorf("stream_mode %q: use sample, on_change or target_defined", s)
}

// ParseEncoding maps a config/flag encoding name (json, json_ietf, proto, ascii, bytes; case
// and '-' vs '_' do not matter; empty means proto) to the gNMI enum.
func ParseEncoding(s string) (gnmipb.Encoding, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "-", "_")) {
	case "", "proto":
		return gnmipb.Encoding_PROTO, nil
	case "json":
		return gnmipb.Encoding_JSON, nil
	case "json_ietf":
		return gnmipb.Encoding_JSON_IETF, nil
	case "ascii":
		return gnmipb.Encoding_ASCII, nil
	case "bytes":
		return gnmipb.Encoding_BYTES, nil
	}
	return 0, fmt.Errorf("encoding %q: use proto, json, json_ietf, ascii or bytes", s)
}

package gnmi

import "errors"

// Validate checks a target's gNMI settings.
func (c *Config) Validate() error {
	if c.Insecure && (c.TLSCA != "" || c.TLSCert != "" || c.SkipVerify) {
		return errors.New("insecure (plaintext) conflicts with tls_ca/tls_cert/skip_verify: drop one")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("mTLS needs both tls_cert and tls_key")
	}
	if c.Redial.Min > c.Redial.Max {
		return errors.New("redial.min is larger than redial.max")
	}
	return nil
}

// ValidateSubscription checks one subscription (placeholder: the gNMI work checks paths,
// modes and encodings).
func ValidateSubscription(s Subscription) error { return nil }

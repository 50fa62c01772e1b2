package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/targets"
)

// explainSecrets prints where each of a target's secrets comes from ("<secret from FILE>",
// "<secret from $ENV>", or "[redacted]" for one written in the file), never a value. explain
// loads the config WithoutSecrets, so none was read.
func explainSecrets(w io.Writer, f *targets.File, t targets.Target) {
	var parts []string
	add := func(key string, s collector.Secret) {
		if s.IsSet() {
			parts = append(parts, key+" "+f.ShowSecret(s))
		}
	}
	switch {
	case t.SNMP != nil:
		add("community", t.SNMP.Community)
		add("auth_password", t.SNMP.AuthPassword)
		add("priv_password", t.SNMP.PrivPassword)
	case t.GNMI != nil:
		add("password", t.GNMI.Password)
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "  secrets: %s\n", strings.Join(parts, ", "))
	}
}

package snmp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/gosnmp/gosnmp"
)

// ErrTimeout marks a request the agent did not answer (after retries) or a poll that ran out
// of its deadline; errors.Is finds it in the messages explain builds.
var ErrTimeout = errors.New("no answer")

// ErrAuth marks an SNMPv3 security failure the agent reported (RFC 3414 §3.2 usmStats*).
var ErrAuth = errors.New("SNMPv3 security failure")

// ErrBadResponse marks an answer that is not usable SNMP (a broken or non-SNMP agent).
var ErrBadResponse = errors.New("invalid answer")

// explain turns a gosnmp error into one a network engineer can act on. The target's name is
// not repeated: the supervisor adds it. what says what was being read ("walk ifTable").
func explain(err error, cfg *Config, what string) error {
	if err == nil {
		return nil
	}
	timeout, retries := cfg.requestSettings()
	switch {
	case errors.Is(err, ErrBadResponse):
		return fmt.Errorf("%s: %w", what, err) // already explained by the walk
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s: %w", what, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w: the poll's deadline (its budget of %s, %d intervals, or the caller's timeout) passed before the agent finished answering (a slow agent, or a table too large for the interval: raise interval or max_repetitions)", what, ErrTimeout, cfg.PollBudget(), PollBudgetIntervals)
	case errors.Is(err, gosnmp.ErrWrongDigest):
		return fmt.Errorf("%s: %w: wrong auth_password or auth_protocol for user %q (the agent reported usmStatsWrongDigests)", what, ErrAuth, cfg.User)
	case errors.Is(err, gosnmp.ErrUnknownUsername):
		return fmt.Errorf("%s: %w: the agent has no user %q (usmStatsUnknownUserNames): check user", what, ErrAuth, cfg.User)
	case errors.Is(err, gosnmp.ErrUnknownSecurityLevel):
		return fmt.Errorf("%s: %w: the agent does not allow security_level %s for user %q (usmStatsUnsupportedSecLevels): use the level the user was created with", what, ErrAuth, cfg.SecurityLevel, cfg.User)
	case errors.Is(err, gosnmp.ErrDecryption):
		return fmt.Errorf("%s: %w: wrong priv_password or priv_protocol for user %q (the agent reported usmStatsDecryptionErrors)", what, ErrAuth, cfg.User)
	case errors.Is(err, gosnmp.ErrNotInTimeWindow), errors.Is(err, gosnmp.ErrUnknownEngineID):
		return fmt.Errorf("%s: %w: engine discovery failed (%v): the agent's engine boots/time keep changing", what, ErrAuth, err)
	case errors.Is(err, gosnmp.ErrUnknownSecurityModels), errors.Is(err, gosnmp.ErrUnknownReportPDU), errors.Is(err, gosnmp.ErrUnknownPDUHandlers), errors.Is(err, gosnmp.ErrInvalidMsgs):
		return fmt.Errorf("%s: %w: the agent rejected the request with a report (%v)", what, ErrAuth, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%s: %w: nothing listens on the SNMP port (ICMP port unreachable): check address and port, and that the agent runs", what, ErrTimeout)
	case errors.Is(err, gosnmp.ErrMaxRetriesExceeded) || isTimeout(err):
		hint := "a wrong community also looks like this, because agents silently drop requests they cannot authenticate"
		if cfg.Version == "3" {
			hint = "wrong SNMPv3 credentials (user, auth_protocol, auth_password) can also look like this on some agents"
			if cfg.SecurityLevel == "authPriv" {
				// net-snmp counts usmStatsDecryptionErrors but sends no report for them.
				hint = "a wrong priv_password or priv_protocol looks exactly like this (agents drop what they cannot decrypt), as can other wrong SNMPv3 credentials"
			}
		}
		return fmt.Errorf("%s: %w within %s (%d retries): the agent is down, unreachable or filtered; %s", what, ErrTimeout, timeout, retries, hint)
	}
	return fmt.Errorf("%s: %w: the reply is not usable SNMP (is an SNMP agent of this version listening there?): %v", what, ErrBadResponse, err)
}

func isTimeout(err error) bool {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return strings.Contains(err.Error(), "timeout")
}

// Explain words err from a Client request the way polls do (timeouts name the likely
// credential causes, SNMPv3 reports are named, ErrTimeout/ErrAuth/ErrBadResponse are
// wrapped), prefixed by what ("walk 1.3.6.1.2.1.2"). For CLI commands that send requests
// themselves; nil stays nil.
func Explain(cfg *Config, what string, err error) error { return explain(err, cfg, what) }

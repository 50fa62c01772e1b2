package collector

import (
	"net/url"
	"regexp"
	"strings"
)

// redactedParams are the query parameters that carry credentials: InfluxDB 1.x takes
// u=…&p=… on its HTTP API, and token=…/password=… are common elsewhere. Matched without
// regard to case.
var redactedParams = []string{"p", "password", "token"}

// RedactURL returns raw fit to print: the password of its userinfo (or the whole userinfo
// when it holds no password, since a lone user part is then a bearer token, as in
// https://TOKEN@host) and the values of the query parameters p, password and token are
// replaced by "xxxxx". The user name of a user:password pair stays, as in net/url's
// URL.Redacted, so an operator can still tell which account is used. The URL keeps working
// as a URL for the reader; it is never sent anywhere.
//
// It is the one redaction of URLs for every surface netpulse prints to: `config check`,
// logs, the --once summary, /metrics labels and error messages (RedactText, RedactError).
// A string that does not parse as a URL is redacted by the same rules as text, so a
// malformed URL in a config error cannot leak either.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.User == nil) {
		return redactLoose(raw)
	}
	if u.User == nil && !hasCredentialParam(u.RawQuery) {
		return raw // nothing to hide: print it exactly as written
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		} else {
			u.User = url.User("xxxxx")
		}
	}
	if u.RawQuery != "" {
		u.RawQuery = redactQuery(u.RawQuery)
	}
	return u.String()
}

// redactQuery replaces the values of credential parameters in a raw query, keeping the
// order and encoding of everything else.
func redactQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, kv := range parts {
		k, _, _ := strings.Cut(kv, "=")
		if key, err := url.QueryUnescape(k); err == nil && isCredentialParam(key) {
			parts[i] = k + "=xxxxx"
		}
	}
	return strings.Join(parts, "&")
}

func hasCredentialParam(q string) bool {
	return q != "" && redactQuery(q) != q
}

func isCredentialParam(k string) bool {
	for _, p := range redactedParams {
		if strings.EqualFold(k, p) {
			return true
		}
	}
	return false
}

// redactLoose applies RedactURL's rules to a string that url.Parse rejects (a missing
// scheme, a bad escape, an unescaped "/" in the password): everything between the scheme's
// "://" (or the start) and the last "@" is userinfo, so a malformed password cannot leak in
// part.
func redactLoose(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + len("://")
	}
	if at := strings.LastIndexByte(s, '@'); at >= start {
		red := "xxxxx"
		if user, _, hasPassword := strings.Cut(s[start:at], ":"); hasPassword && !strings.ContainsAny(user, "/?#") {
			red = user + ":xxxxx"
		}
		s = s[:start] + red + s[at:]
	}
	if i := strings.IndexByte(s, '?'); i >= 0 {
		s = s[:i+1] + redactQuery(s[i+1:])
	}
	return s
}

// urlInText finds URLs embedded in free text, as net/http's *url.Error embeds the request
// URL (`Post "http://…": dial tcp …`).
var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// RedactText redacts every URL in s with RedactURL.
func RedactText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, RedactURL)
}

// RedactError returns err with every URL in its message redacted (RedactText). The result
// unwraps to err, so errors.Is/As and write-error classification still see the original.
// nil stays nil.
func RedactError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if red := RedactText(msg); red != msg {
		return &redactedError{msg: red, err: err}
	}
	return err
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

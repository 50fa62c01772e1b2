package snmp

import (
	"strings"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
)

func TestConfigValidate(t *testing.T) {
	p, _ := BuiltinProfile("system")
	ok := func() Config {
		return Config{Version: "2c", Community: "public", Interval: time.Second, Timeout: time.Second, Profiles: []Profile{p}}
	}
	v3 := func(level string) Config {
		c := ok()
		c.Version, c.Community, c.User, c.SecurityLevel = "3", "", "u", level
		c.AuthProtocol, c.AuthPassword = "sha256", collector.Secret("12345678")
		c.PrivProtocol, c.PrivPassword = "aes", collector.Secret("abcdefgh")
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  func() Config
		want string
	}{
		{"v2c ok", ok, ""},
		{"v3 authPriv ok (protocols any case)", func() Config { return v3("authPriv") }, ""},
		{"v3 default level is authPriv", func() Config { return v3("") }, ""},
		{"no version", func() Config { c := ok(); c.Version = ""; return c }, "version is missing"},
		{"bad version", func() Config { c := ok(); c.Version = "2"; return c }, `version "2": use 1, 2c or 3`},
		{"no community", func() Config { c := ok(); c.Community = ""; return c }, "needs a community"},
		{"v3 no user", func() Config { c := v3("authPriv"); c.User = ""; return c }, "needs user"},
		{"bad auth protocol", func() Config { c := v3("authNoPriv"); c.AuthProtocol = "SHA1"; return c }, `auth_protocol "SHA1"`},
		{"bad priv protocol", func() Config { c := v3("authPriv"); c.PrivProtocol = "3DES"; return c }, `priv_protocol "3DES"`},
		{"short auth password", func() Config { c := v3("authPriv"); c.AuthPassword = "short"; return c }, "shorter than 8"},
		{"community with v3", func() Config { c := v3("noAuthNoPriv"); c.Community = "x"; return c }, "community is for versions 1 and 2c"},
		{"bad level", func() Config { return v3("authpriv") }, `security_level "authpriv"`},
		{"no profiles", func() Config { c := ok(); c.Profiles = nil; return c }, "no profiles"},
		{"huge max_repetitions", func() Config { c := ok(); c.MaxRepetitions = 100000; return c }, "max_repetitions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cfg()
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSplitAddress(t *testing.T) {
	for _, tc := range []struct {
		in   string
		host string
		port uint16
		err  bool
	}{
		{"127.0.0.1:1161", "127.0.0.1", 1161, false},
		{"switch1", "switch1", 161, false},
		{"[::1]:162", "::1", 162, false},
		{"::1", "::1", 161, false},
		{"h:0", "", 0, true},
		{"h:snmp", "", 0, true},
		{"", "", 0, true},
	} {
		h, p, err := splitAddress(tc.in)
		if (err != nil) != tc.err || h != tc.host || p != tc.port {
			t.Errorf("splitAddress(%q) = %q, %d, %v", tc.in, h, p, err)
		}
	}
}

// TestConfigValidateReportsEveryProblem: one section with several mistakes gets one error per
// mistake (errors.Join), each starting with its key so that the loader can place it on its
// line.
func TestConfigValidateReportsEveryProblem(t *testing.T) {
	retries := -1
	c := Config{Version: "3", User: "", SecurityLevel: "authPriv", AuthProtocol: "SHA1", AuthPassword: "short",
		PrivProtocol: "3DES", Interval: time.Second, Timeout: 0, Retries: &retries}
	err := c.Validate()
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Validate = %v, want an errors.Join of every problem", err)
	}
	var got []string
	for _, e := range j.Unwrap() {
		key, _, _ := strings.Cut(e.Error(), " ")
		got = append(got, key)
	}
	want := []string{"version", "auth_protocol", "auth_password", "priv_protocol", "security_level", "timeout", "retries", "no"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("problems start with %v, want %v:\n%v", got, want, err)
	}
}

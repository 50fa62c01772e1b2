package collector

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"http://127.0.0.1:8086":                     "http://127.0.0.1:8086",
		"http://user:s3cret@influx:8086":            "http://user:xxxxx@influx:8086",
		"https://TOKEN@influx:8086/":                "https://xxxxx@influx:8086/",
		"http://influx:8086/?u=admin&p=s3cret&db=x": "http://influx:8086/?u=admin&p=xxxxx&db=x",
		"http://h/?Token=abc&password=def&q=1":      "http://h/?Token=xxxxx&password=xxxxx&q=1",
		"http://a:b%40c@h:1/write?p=z":              "http://a:xxxxx@h:1/write?p=xxxxx",
		"user:s3cret@influx:8086":                   "user:xxxxx@influx:8086",
		"influx:8086?token=abc":                     "influx:8086?token=xxxxx",
		"http://us%zzer:s3cret@h":                   "http://us%zzer:xxxxx@h",
		"http://u:p/ss@h:8086":                      "http://u:xxxxx@h:8086",
		"u:p@ss@h":                                  "u:xxxxx@h",
		"":                                          "",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactError(t *testing.T) {
	// net/http embeds the request URL in *url.Error; it hides the userinfo password itself
	// but not query parameters or a lone token user.
	inner := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	ue := &url.Error{Op: "Post", URL: "http://tok3n@127.0.0.1:1/api/v2/write?p=s3cret&bucket=b", Err: inner}
	err := RedactError(fmt.Errorf("write to %s: %w", "http://user:pa55@127.0.0.1:1", ue))
	for _, secret := range []string{"tok3n", "s3cret", "pa55"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%q leaks %q", err, secret)
		}
	}
	var got *url.Error
	if !errors.As(err, &got) || !errors.Is(err, inner) {
		t.Errorf("RedactError broke the chain: %#v", err)
	}
	if RedactError(nil) != nil {
		t.Error("RedactError(nil) != nil")
	}
	if plain := errors.New("no url here"); RedactError(plain) != plain {
		t.Error("an error without URLs must be returned as is")
	}
}

package outputs

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/netpulse/netpulse/collector"
)

// validNameBytewise is the obvious definition validName's word-at-a-time loop must match.
func validNameBytewise(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
		if s[i] == '\\' && (i+1 == len(s) || strings.ContainsRune(`\ ,="`, rune(s[i+1]))) {
			return false
		}
	}
	return true
}

func TestValidNameMatchesBytewise(t *testing.T) {
	for n := 1; n <= 19; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				b[pos] = byte(c)
				s := string(b)
				if got, want := validName(s), validNameBytewise(s); got != want {
					t.Fatalf("validName(%q) = %v, want %v", s, got, want)
				}
				if got, want := CheckName(s) == nil, validNameBytewise(s); got != want {
					t.Fatalf("CheckName(%q) = %v, want ok=%v", s, CheckName(s), want)
				}
			}
		}
	}
	for _, s := range []string{"Ethernet1/1 é", "ééééééééé\x01", "abcdefgh\xc3", "abcdefghé\x7f", "日本語のインターフェース"} {
		if got, want := validName(s), validNameBytewise(s); got != want {
			t.Errorf("validName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCheckMeasurement(t *testing.T) {
	for s, want := range map[string]string{
		"interfaces": "", "#x": "starts with '#'", "x#": "", "": "is empty", "a\nb": "control character U+000A",
		"a\\ b": "backslash before ' '", "a\\": "ends with a backslash", "\xff": "UTF-8",
	} {
		err := CheckMeasurement(s)
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("CheckMeasurement(%q) = %v, want %q", s, err, want)
		}
		// The encoder drops exactly the measurements the config refuses.
		_, encErr := AppendLineProtocol(nil, []collector.Point{{Measurement: s, Fields: []collector.Field{collector.Int("v", 1)}}}, EncodeOptions{})
		if (encErr == nil) != (err == nil) {
			t.Errorf("%q: config check says %v, encoder says %v", s, err, encErr)
		}
	}
}

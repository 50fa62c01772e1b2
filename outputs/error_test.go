package outputs

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A writer's error names its server; NewError keeps the URL's credentials out of the text
// while the chain stays intact for classification.
func TestNewErrorRedactsURLs(t *testing.T) {
	cause := errors.New("connection refused")
	e := NewError(Retryable, 0, 0, "", fmt.Errorf("write to http://u:pa55@h:8086/?token=t0k: %w", cause))
	if s := e.Error(); strings.Contains(s, "pa55") || strings.Contains(s, "t0k") || !strings.Contains(s, "u:xxxxx@h:8086") {
		t.Errorf("NewError text = %q", s)
	}
	if !errors.Is(e, cause) {
		t.Error("NewError broke the error chain")
	}
}

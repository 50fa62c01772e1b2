package peers

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Missing skips t (or fails it under CI=true) because a peer is not available; how says how
// to get it.
func Missing(t testing.TB, what, how string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not available (%s); CI=true, so this fails instead of skipping", what, how)
	}
	t.Skipf("%s is not available: %s (run `bash scripts/test.sh` to install the real peers)", what, how)
}

// FindBinary looks for a peer binary: the env variable env, then PATH, then the tools cache
// that scripts/test.sh fills (${NETPULSE_TOOLS:-$HOME/.cache/netpulse}/bin), then /usr/sbin.
func FindBinary(name, env string) (string, bool) {
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, true
	}
	for _, dir := range []string{filepath.Join(toolsDir(), "bin"), "/usr/sbin", "/usr/local/sbin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, true
		}
	}
	return "", false
}

// toolsDir is where scripts/test.sh caches the peers it builds:
// ${NETPULSE_TOOLS:-$HOME/.cache/netpulse}.
func toolsDir() string {
	if tools := os.Getenv("NETPULSE_TOOLS"); tools != "" {
		return tools
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".cache", "netpulse")
	}
	return ""
}

// FreeTCPPort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreeTCPPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free TCP port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeUDPPort returns a UDP port on 127.0.0.1 that was free a moment ago.
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free UDP port: %v", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

package main

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestPprofAddress(t *testing.T) {
	for _, c := range []struct {
		in     string
		remote bool
		want   string // "" = refused
	}{
		{":6060", false, "127.0.0.1:6060"},
		{"127.0.0.1:6060", false, "127.0.0.1:6060"},
		{"127.0.0.9:0", false, "127.0.0.9:0"},
		{"[::1]:6060", false, "[::1]:6060"},
		{"localhost:6060", false, "localhost:6060"},
		{"0.0.0.0:6060", false, ""},
		{"10.1.2.3:6060", false, ""},
		{"[::]:6060", false, ""},
		{"myhost:6060", false, ""},
		{"0.0.0.0:6060", true, "0.0.0.0:6060"},
		{"6060", false, ""},
	} {
		got, err := pprofAddress(c.in, c.remote)
		if c.want == "" {
			if err == nil {
				t.Errorf("%q: accepted as %q, want refused", c.in, got)
			} else if c.in != "6060" && !strings.Contains(err.Error(), "--pprof-allow-remote") {
				t.Errorf("%q: error does not name the way out: %v", c.in, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestRunRefusesRemotePprof: the refusal is a usage error (exit 2) before anything starts.
func TestRunRefusesRemotePprof(t *testing.T) {
	cfg := writeConfig(t, `
outputs: [{type: file, path: "-"}]
targets:
  - name: leaf1
    address: 127.0.0.1:161
    snmp: {version: 2c, community: public, profiles: [system]}
`)
	code, _, stderr := runCLI(t, "run", "--config", cfg, "--pprof-listen", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(stderr, "--pprof-allow-remote") {
		t.Fatalf("exit %d, stderr %q; want 2 naming --pprof-allow-remote", code, stderr)
	}
}

// TestPprofServes starts the endpoint as run does and reads a heap profile and the index.
func TestPprofServes(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	d := diagOptions{pprofListen: "127.0.0.1:0"}
	stop, err := d.start(log)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	i := strings.Index(logs.String(), "http://127.0.0.1:")
	if i < 0 {
		t.Fatalf("address not logged: %s", logs.String())
	}
	base := strings.Fields(logs.String()[i:])[0]
	client := &http.Client{Timeout: 10 * time.Second}
	for path, want := range map[string]string{"heap?debug=1": "heap profile", "": "goroutine", "cmdline": ".test"} {
		resp, err := client.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("%s: status %d, body lacks %q: %.200s", path, resp.StatusCode, want, body)
		}
	}
	stop()
	if _, err := net.DialTimeout("tcp", strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/debug/pprof/"), time.Second); err == nil {
		t.Error("pprof still listening after stop")
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCgroupMemoryLimit(t *testing.T) {
	for _, c := range []struct {
		name  string
		self  string
		files map[string]string
		want  int64
	}{
		{"v2 container (namespace root)", "0::/\n", map[string]string{"sys/fs/cgroup/memory.max": "1073741824\n"}, 1 << 30},
		{"v2 no limit", "0::/\n", map[string]string{"sys/fs/cgroup/memory.max": "max\n"}, -1},
		{"v2 nested, tightest ancestor wins", "0::/kubepods/pod1/ctr\n", map[string]string{
			"sys/fs/cgroup/kubepods/pod1/ctr/memory.max": "max\n",
			"sys/fs/cgroup/kubepods/pod1/memory.max":     "536870912\n",
			"sys/fs/cgroup/kubepods/memory.max":          "8589934592\n",
		}, 512 << 20},
		{"v1 container", "12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n", map[string]string{
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "268435456\n",
		}, 256 << 20},
		{"v1 unlimited", "4:memory:/\n", map[string]string{
			"sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
		}, -1},
		{"nothing mounted", "", nil, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, c.files)
			got, src, ok := cgroupMemoryLimit(root, []byte(c.self))
			if c.want < 0 {
				if ok {
					t.Fatalf("found limit %d in %s, want none", got, src)
				}
				return
			}
			if !ok || got != c.want {
				t.Fatalf("got %d (%s) ok=%v, want %d", got, src, ok, c.want)
			}
		})
	}
}

// TestApplyMemoryLimit sets the runtime's limit from a fake cgroup tree, logs it, and leaves
// it alone when GOMEMLIMIT is set.
func TestApplyMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"proc/self/cgroup": "0::/\n", "sys/fs/cgroup/memory.max": "1000000000\n"})

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	applyMemoryLimit(log, "", root)
	if got := debug.SetMemoryLimit(-1); got != 900000000 {
		t.Errorf("limit %d, want 90 %% of 1000000000", got)
	}
	if !strings.Contains(logs.String(), "gomemlimit_bytes=900000000") {
		t.Errorf("not logged: %s", logs.String())
	}

	debug.SetMemoryLimit(old)
	logs.Reset()
	applyMemoryLimit(log, "700MiB", root)
	if got := debug.SetMemoryLimit(-1); got != old {
		t.Errorf("GOMEMLIMIT set, yet the limit changed to %d", got)
	}
	if !strings.Contains(logs.String(), "GOMEMLIMIT") {
		t.Errorf("not logged: %s", logs.String())
	}
}

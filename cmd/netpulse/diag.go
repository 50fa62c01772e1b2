package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// diagOptions are run's diagnostics flags: a profiling endpoint and the memory limit.
type diagOptions struct {
	pprofListen string
	pprofRemote bool
}

func (d *diagOptions) addFlags(fl *pflag.FlagSet) {
	fl.StringVar(&d.pprofListen, "pprof-listen", "", "serve Go's net/http/pprof under /debug/pprof/ on this loopback address, e.g. 127.0.0.1:6060 or :6060 (= 127.0.0.1:6060)")
	fl.BoolVar(&d.pprofRemote, "pprof-allow-remote", false, "let --pprof-listen bind a non-loopback address (profiles show config and memory: keep them off the network unless you mean it)")
}

// start applies the memory limit and opens the profiling endpoint; stop closes the endpoint.
// A refused or busy pprof address is an error before any target starts.
func (d *diagOptions) start(log *slog.Logger) (stop func(), err error) {
	applyMemoryLimit(log, os.Getenv("GOMEMLIMIT"), "/")
	if d.pprofListen == "" {
		return func() {}, nil
	}
	addr, err := pprofAddress(d.pprofListen, d.pprofRemote)
	if err != nil {
		return nil, usageError(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for pprof on %s (--pprof-listen): %w", addr, err)
	}
	return servePprof(ln, log), nil
}

// pprofAddress resolves --pprof-listen: a bare ":port" means loopback; any other host must
// be a loopback name or address unless allowRemote. Profiles expose the command line, heap
// contents' shape and goroutine stacks, and the endpoint has no authentication.
func pprofAddress(listen string, allowRemote bool) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("--pprof-listen %q: want host:port, e.g. 127.0.0.1:6060: %w", listen, err)
	}
	if host == "" {
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	if allowRemote || host == "localhost" {
		return listen, nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return listen, nil
	}
	return "", fmt.Errorf("--pprof-listen %s is not a loopback address: the profiling endpoint has no authentication, so netpulse binds it to loopback only; use 127.0.0.1:%s, or add --pprof-allow-remote to bind %s anyway", listen, port, host)
}

// servePprof serves the net/http/pprof handlers on their own mux (never the process-wide
// DefaultServeMux) until stop is called.
func servePprof(ln net.Listener, log *slog.Logger) (stop func()) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("pprof server stopped", "err", err)
		}
	}()
	log.Info("serving pprof", "address", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
}

// memLimitShare is the part of a container's memory limit given to the Go heap's soft limit:
// the rest is for what the runtime does not count (stacks of cgo threads, the binary, page
// cache charged to the cgroup), so the GC works harder before the kernel's OOM killer acts.
const memLimitShare = 0.9

// applyMemoryLimit sets the Go runtime's soft memory limit to 90 % of the container's
// cgroup memory limit when GOMEMLIMIT is not set (the runtime already applied it then) and a
// limit is known; root is "/" except in tests. It logs what it decided either way.
func applyMemoryLimit(log *slog.Logger, env, root string) {
	if env != "" {
		log.Info("memory limit from GOMEMLIMIT", "gomemlimit", env)
		return
	}
	self, _ := os.ReadFile(filepath.Join(root, "proc/self/cgroup"))
	limit, source, ok := cgroupMemoryLimit(root, self)
	if !ok {
		log.Debug("no container memory limit found; GOMEMLIMIT unset, no soft memory limit")
		return
	}
	soft := int64(float64(limit) * memLimitShare)
	debug.SetMemoryLimit(soft)
	log.Info("memory limit set from the container's", "gomemlimit_bytes", soft, "cgroup_limit_bytes", limit, "file", source,
		"hint", "set GOMEMLIMIT to override")
}

// cgroupMemoryLimit finds the tightest memory limit on this process's cgroup and its
// ancestors. cgroup v2: memory.max ("max" = none) along the "0::<path>" line of
// /proc/self/cgroup; cgroup v1: memory.limit_in_bytes of the memory controller's path
// (values near 2^63 mean none). Inside a container the cgroup namespace makes the path "/",
// so the files at the mount's root are the container's own.
func cgroupMemoryLimit(root string, procSelfCgroup []byte) (limit int64, source string, ok bool) {
	v2, v1 := "/", "/"
	sc := bufio.NewScanner(bytes.NewReader(procSelfCgroup))
	for sc.Scan() {
		id, rest, _ := strings.Cut(sc.Text(), ":")
		ctrls, p, found := strings.Cut(rest, ":")
		switch {
		case !found:
		case id == "0" && ctrls == "":
			v2 = p
		case hasController(ctrls, "memory"):
			v1 = p
		}
	}
	best := int64(-1)
	consider := func(file string) {
		b, err := os.ReadFile(file)
		if err != nil {
			return
		}
		s := strings.TrimSpace(string(b))
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= 1<<62 { // "max", garbage, or v1's "unlimited"
			return
		}
		if best < 0 || n < best {
			best, source = n, file
		}
	}
	base := filepath.Join(root, "sys/fs/cgroup")
	for p := path.Clean(v2); ; p = path.Dir(p) {
		consider(filepath.Join(base, p, "memory.max"))
		if p == "/" || p == "." {
			break
		}
	}
	if best < 0 {
		for p := path.Clean(v1); ; p = path.Dir(p) {
			consider(filepath.Join(base, "memory", p, "memory.limit_in_bytes"))
			if p == "/" || p == "." {
				break
			}
		}
	}
	return best, source, best > 0
}

func hasController(list, name string) bool {
	for c := range strings.SplitSeq(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

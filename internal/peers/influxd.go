package peers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Influxd is a running InfluxDB 1.8.10 child process (see StartInfluxd).
type Influxd struct {
	// URL is the HTTP API base, e.g. http://127.0.0.1:40123.
	URL string
	// User and Password are the admin credentials when started WithInfluxAuth, else empty.
	User, Password string
	// Dir holds the config, data and the server's log (influxd.log).
	Dir string
	// Uint is true for the `-tags uint` build (WithUintBuild): it accepts `12u` and keeps
	// unsigned and integer fields apart, as InfluxDB 2.x/3.x do.
	Uint bool

	client *http.Client
	bin    string
	conf   string
	log    string
	proc   *exec.Cmd
	exited chan error // receives the exit of proc
}

// InfluxdOption configures StartInfluxd.
type InfluxdOption func(*influxdOptions)

type influxdOptions struct {
	user, password string
	uint           bool
}

// WithUintBuild starts the InfluxDB 1.8.10 built with `-tags uint` (found by
// FindUintInfluxd) instead of the default build. That server accepts unsigned integers
// (`12u`) and, like InfluxDB 2.x and 3.x, stores them as a type of their own, so a field
// written once as integer and once as unsigned is a type conflict there. The default build
// rejects `u` outright.
func WithUintBuild() InfluxdOption {
	return func(o *influxdOptions) { o.uint = true }
}

// InfluxdBuild names one InfluxDB build the write-path tests run against.
type InfluxdBuild struct {
	Name string // "int" (default build) or "uint" (-tags uint)
	Opts []InfluxdOption
}

// InfluxdBuilds lists both builds, for table tests that must pass on each:
// for _, b := range peers.InfluxdBuilds() { t.Run(b.Name, …StartInfluxd(t, b.Opts...)…) }.
func InfluxdBuilds() []InfluxdBuild {
	return []InfluxdBuild{{Name: "int"}, {Name: "uint", Opts: []InfluxdOption{WithUintBuild()}}}
}

// FindUintInfluxd looks for the `-tags uint` build: $NETPULSE_INFLUXD_UINT, then
// ${NETPULSE_TOOLS:-$HOME/.cache/netpulse}/bin-uint/influxd, where scripts/test.sh puts it.
func FindUintInfluxd() (string, bool) {
	if p := os.Getenv("NETPULSE_INFLUXD_UINT"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	p := filepath.Join(toolsDir(), "bin-uint", "influxd")
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p, true
	}
	return "", false
}

// WithInfluxAuth enables authentication and creates an admin user with all privileges.
func WithInfluxAuth(user, password string) InfluxdOption {
	return func(o *influxdOptions) { o.user, o.password = user, password }
}

// StartInfluxd runs the real influxd (found by FindBinary("influxd", "NETPULSE_INFLUXD")) as a
// child process with a generated config in t.TempDir(): HTTP and RPC on free 127.0.0.1 ports,
// Flux, usage reporting, the _internal monitor store and the query log off (faster start,
// quieter logs). It waits for /ping and stops the server (and dumps its log tail on failure)
// in t.Cleanup. Without the binary the test is skipped, or fails under CI=true.
func StartInfluxd(t testing.TB, opts ...InfluxdOption) *Influxd {
	t.Helper()
	var o influxdOptions
	for _, opt := range opts {
		opt(&o)
	}
	bin, ok := FindBinary("influxd", "NETPULSE_INFLUXD")
	if o.uint {
		bin, ok = FindUintInfluxd()
	}
	if !ok && o.uint {
		Missing(t, "influxd 1.8.10 (-tags uint)", "GOBIN=~/.cache/netpulse/bin-uint go install -tags uint github.com/influxdata/influxdb/cmd/influxd@v1.8.10, or set NETPULSE_INFLUXD_UINT")
	} else if !ok {
		Missing(t, "influxd 1.8.10", "go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10, or set NETPULSE_INFLUXD")
	}
	dir := t.TempDir()
	httpPort, rpcPort := FreeTCPPort(t), FreeTCPPort(t)
	conf := fmt.Sprintf(`reporting-disabled = true
bind-address = "127.0.0.1:%d"

[meta]
  dir = %q
  logging-enabled = false

[data]
  dir = %q
  wal-dir = %q
  wal-fsync-delay = "0s"
  query-log-enabled = false
  trace-logging-enabled = false

[monitor]
  store-enabled = false

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:%d"
  auth-enabled = %t
  log-enabled = false
  flux-enabled = false
  pprof-enabled = false

[logging]
  level = "warn"
  suppress-logo = true
`, rpcPort, filepath.Join(dir, "meta"), filepath.Join(dir, "data"), filepath.Join(dir, "wal"), httpPort, o.user != "")
	confPath := filepath.Join(dir, "influxdb.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatalf("write influxd config: %v", err)
	}
	d := &Influxd{
		URL:    fmt.Sprintf("http://127.0.0.1:%d", httpPort),
		Dir:    dir,
		Uint:   o.uint,
		client: &http.Client{Timeout: 30 * time.Second},
		bin:    bin,
		conf:   confPath,
		log:    filepath.Join(dir, "influxd.log"),
	}
	t.Cleanup(func() {
		d.stop()
		d.client.CloseIdleConnections()
		if t.Failed() {
			t.Logf("influxd log tail:\n%s", tail(d.log, 3000))
		}
	})
	d.start(t)
	if o.user != "" {
		// With auth on and no users yet, InfluxDB 1.x accepts exactly this statement
		// unauthenticated: creating the first admin.
		d.mustQuery(t, "", fmt.Sprintf("CREATE USER %q WITH PASSWORD '%s' WITH ALL PRIVILEGES", o.user, o.password))
		d.User, d.Password = o.user, o.password
	}
	return d
}

// start runs the server and waits until it answers /ping.
func (d *Influxd) start(t testing.TB) {
	t.Helper()
	logFile, err := os.OpenFile(d.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatalf("open influxd log: %v", err)
	}
	cmd := exec.Command(d.bin, "run", "-config", d.conf)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", d.bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); logFile.Close() }()
	d.proc, d.exited = cmd, exited
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := d.client.Get(d.URL + "/ping")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return
			}
		}
		select {
		case err := <-exited:
			d.proc = nil
			t.Fatalf("influxd exited before answering /ping: %v\n%s", err, tail(d.log, 3000))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("influxd did not answer /ping at %s within 30s\n%s", d.URL, tail(d.log, 3000))
		}
	}
}

// stop interrupts the server and waits for it to exit (killing it after 10s).
func (d *Influxd) stop() {
	if d.proc == nil {
		return
	}
	_ = d.proc.Process.Signal(os.Interrupt)
	select {
	case <-d.exited:
	case <-time.After(10 * time.Second):
		_ = d.proc.Process.Kill()
		<-d.exited
	}
	d.proc = nil
}

// Stop stops the server, keeping its data and its port: clients now get "connection
// refused", as from an InfluxDB that went down. Restart brings it back.
func (d *Influxd) Stop(t testing.TB) {
	t.Helper()
	d.stop()
	d.client.CloseIdleConnections()
}

// Restart starts a stopped server again on the same address with the same data.
func (d *Influxd) Restart(t testing.TB) {
	t.Helper()
	if d.proc != nil {
		t.Fatal("influxd Restart: the server is running; Stop it first")
	}
	d.start(t)
}

// Token returns the token for InfluxDB 1.x's /api/v2/write: "user:password", or "" without
// auth.
func (d *Influxd) Token() string {
	if d.User == "" {
		return ""
	}
	return d.User + ":" + d.Password
}

// CreateDatabase runs CREATE DATABASE db (its default retention policy is "autogen", so the
// v2 bucket name is "db/autogen" or just "db").
func (d *Influxd) CreateDatabase(t testing.TB, db string) {
	t.Helper()
	d.mustQuery(t, "", fmt.Sprintf("CREATE DATABASE %q", db))
}

// Query runs an InfluxQL statement against db and returns the rows of every series of the
// first statement's result, each row as decoded JSON values ([time, col1, ...]; numbers are
// json.Number so that int64 counters compare exactly).
func (d *Influxd) Query(t testing.TB, db, influxql string) [][]any {
	t.Helper()
	res := d.mustQuery(t, db, influxql)
	var rows [][]any
	for _, s := range res.Series {
		rows = append(rows, s.Values...)
	}
	return rows
}

// QuerySeries is like Query but keeps the series apart (name, tags, columns, rows), for
// queries with GROUP BY or several measurements.
func (d *Influxd) QuerySeries(t testing.TB, db, influxql string) []InfluxSeries {
	t.Helper()
	return d.mustQuery(t, db, influxql).Series
}

// InfluxSeries is one series of an InfluxQL result.
type InfluxSeries struct {
	Name    string            `json:"name"`
	Tags    map[string]string `json:"tags"`
	Columns []string          `json:"columns"`
	Values  [][]any           `json:"values"`
}

type influxResult struct {
	Series []InfluxSeries `json:"series"`
	Error  string         `json:"error"`
}

func (d *Influxd) mustQuery(t testing.TB, db, q string) influxResult {
	t.Helper()
	form := url.Values{"q": {q}, "epoch": {"ns"}}
	if db != "" {
		form.Set("db", db)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL+"/query", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("build influxd query: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if d.User != "" {
		req.SetBasicAuth(d.User, d.Password)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		t.Fatalf("influxd query %q: %v", q, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("influxd query %q: status %d: %s", q, resp.StatusCode, body)
	}
	var out struct {
		Results []influxResult `json:"results"`
		Error   string         `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("influxd query %q: decode %s: %v", q, body, err)
	}
	if out.Error != "" {
		t.Fatalf("influxd query %q: %s", q, out.Error)
	}
	if len(out.Results) == 0 {
		return influxResult{}
	}
	if out.Results[0].Error != "" {
		t.Fatalf("influxd query %q: %s", q, out.Results[0].Error)
	}
	return out.Results[0]
}

// tail returns the last n bytes of a file, for failure messages.
func tail(path string, n int64) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if int64(len(b)) > n {
		b = b[int64(len(b))-n:]
	}
	return string(b)
}

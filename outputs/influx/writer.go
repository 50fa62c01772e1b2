package influx

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	influxhttp "github.com/influxdata/influxdb-client-go/v2/api/http"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/outputs"
)

// Config configures a Writer. The fields mirror the influxdb output keys of the netpulse
// config file (targets.Output).
type Config struct {
	// URL is the server base URL, e.g. http://127.0.0.1:8086.
	URL string
	// Token authenticates writes ("Authorization: Token …"). On InfluxDB 1.x with auth it is
	// "user:password"; empty writes without an Authorization header.
	Token collector.Secret
	// Org is the organisation (InfluxDB 2.x/3.x); 1.x ignores it.
	Org string
	// Bucket is the bucket, or "db/rp" (or just "db" for the default policy) on 1.x.
	Bucket string
	// Timeout bounds one HTTP request; default 10s.
	Timeout time.Duration
	// Gzip compresses request bodies (the netpulse config default is true).
	Gzip bool
	// UintSupport: "auto" (default) probes the server once and writes uint64 fields with the
	// "u" suffix only when it is positively known to accept them (InfluxDB 2.x/3.x); "true"
	// always sends "u"; "false" always converts to int64 (values above MaxInt64 are dropped
	// and counted, see outputs.EncodeOptions).
	UintSupport string
	// TLSCA is a PEM file of CAs to trust for https URLs; SkipVerify disables verification.
	TLSCA      string
	SkipVerify bool
}

const defaultTimeout = 10 * time.Second

// Validate checks the configuration without touching the network.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("influxdb url %q: want http(s)://host:port", c.URL)
	}
	if c.Bucket == "" {
		return fmt.Errorf("influxdb %s: bucket is required (on InfluxDB 1.x: \"database/retention_policy\" or \"database\")", c.URL)
	}
	switch c.UintSupport {
	case "", "auto", "true", "false":
	default:
		return fmt.Errorf("influxdb %s: uint_support %q: want auto, true or false", c.URL, c.UintSupport)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("influxdb %s: timeout must not be negative", c.URL)
	}
	return nil
}

// uint support states.
const (
	uintUnknown int32 = iota
	uintYes
	uintNo
)

// Writer writes points to InfluxDB's /api/v2/write endpoint (InfluxDB 1.8+, 2.x, 3.x) using
// influxdb-client-go's HTTP service as the transport. Batching, retries and spooling are the
// caller's (outputs.Output); Writer encodes, compresses, posts once and classifies the result.
// It is safe for concurrent use.
type Writer struct {
	cfg      Config
	log      *slog.Logger
	svc      influxhttp.Service
	client   *http.Client
	writeURL string

	uint     atomic.Int32
	probeMu  sync.Mutex
	overflow atomic.Int64 // uint_overflow fields
	bufs     sync.Pool    // *encodeBuf
}

type encodeBuf struct {
	lp []byte
	gz bytes.Buffer
	zw *gzip.Writer
}

// New returns a Writer. It does not touch the network: uint support ("auto") is probed on the
// first write.
func New(cfg Config, log *slog.Logger) (*Writer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	tlsConf := &tls.Config{InsecureSkipVerify: cfg.SkipVerify} //nolint:gosec // opt-in via skip_verify
	if cfg.TLSCA != "" {
		pem, err := os.ReadFile(cfg.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("read influxdb tls_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("influxdb tls_ca %s: no PEM certificates found", cfg.TLSCA)
		}
		tlsConf.RootCAs = pool
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = tlsConf
	transport.MaxIdleConnsPerHost = 4
	// Compression is ours (request bodies); responses are tiny.
	transport.DisableCompression = true
	client := &http.Client{Timeout: cfg.Timeout, Transport: transport}

	base := strings.TrimRight(cfg.URL, "/") + "/"
	auth := ""
	if cfg.Token.IsSet() {
		auth = "Token " + cfg.Token.Reveal()
	}
	svc := influxhttp.NewService(base, auth, influxhttp.DefaultOptions().SetHTTPClient(client).SetApplicationName("netpulse"))
	q := url.Values{"bucket": {cfg.Bucket}, "precision": {"ns"}}
	if cfg.Org != "" {
		q.Set("org", cfg.Org)
	}
	w := &Writer{
		cfg:      cfg,
		log:      log.With("url", cfg.URL),
		svc:      svc,
		client:   client,
		writeURL: svc.ServerAPIURL() + "write?" + q.Encode(),
	}
	switch cfg.UintSupport {
	case "true":
		w.uint.Store(uintYes)
	case "false":
		w.uint.Store(uintNo)
	}
	return w, nil
}

// Write encodes points as line protocol and posts them in one request. The error is an
// *outputs.Error classified by HTTP status (DESIGN.md §7) whose text names the URL and the
// likely fix.
func (w *Writer) Write(ctx context.Context, points []collector.Point) error {
	if len(points) == 0 {
		return nil
	}
	sendUint := w.uintSupported(ctx)
	err := w.write(ctx, points, sendUint)
	if sendUint && isUintRejection(err) && hasUint(points) {
		// The server said it takes "u" (or was configured to) and then refused it: an
		// InfluxDB 1.x behind a proxy that rewrites the version, or a wrong uint_support.
		// Switch to int64 for good rather than lose every counter (gnmic's failure mode).
		w.uint.Store(uintNo)
		w.log.Warn("server rejected unsigned integers; writing them as int64 from now on", "err", err)
		err = w.write(ctx, points, false)
	}
	return err
}

func (w *Writer) write(ctx context.Context, points []collector.Point, sendUint bool) error {
	b, _ := w.bufs.Get().(*encodeBuf)
	if b == nil {
		b = &encodeBuf{}
	}
	defer w.bufs.Put(b)
	var skipErr error
	b.lp, skipErr = outputs.AppendLineProtocol(b.lp[:0], points, outputs.EncodeOptions{UintAsInt: !sendUint})
	// Count fields dropped for overflow only once the batch is delivered: a retried, split
	// or replayed batch is encoded again and must not be counted again.
	overflowed := 0
	var se *outputs.SkippedError
	if errors.As(skipErr, &se) {
		overflowed = se.Counts[outputs.ReasonUintOverflow]
	}
	if len(b.lp) == 0 {
		w.overflow.Add(int64(overflowed))
		return nil // nothing encodable; the encoder's skips are counted
	}
	body := b.lp
	if w.cfg.Gzip {
		b.gz.Reset()
		if b.zw == nil {
			// BestSpeed: line protocol is repetitive enough that level 1 still shrinks it
			// ~9× (default level: ~11×) at a quarter of the CPU (BenchmarkWriterWrite:
			// ~2µs instead of ~8µs per 10-field point).
			b.zw, _ = gzip.NewWriterLevel(&b.gz, gzip.BestSpeed)
		} else {
			b.zw.Reset(&b.gz)
		}
		_, _ = b.zw.Write(b.lp) // bytes.Buffer writes cannot fail
		_ = b.zw.Close()
		body = b.gz.Bytes()
	}
	perr := w.svc.DoPostRequest(ctx, w.writeURL, bytes.NewReader(body), func(req *http.Request) {
		req.Header.Set("Content-Type", "text/plain; charset=utf-8")
		if w.cfg.Gzip {
			req.Header.Set("Content-Encoding", "gzip")
		}
	}, nil)
	if perr == nil {
		w.overflow.Add(int64(overflowed))
		if !sendUint && w.uint.Load() == uintUnknown && hasUint(points) {
			// The probe failed (server unreachable then) and counters went out as int64
			// into a server that stored them: remember int64 for good, or a later probe
			// saying "u" would flip the type of every counter (DESIGN.md §4).
			w.uint.Store(uintNo)
			w.log.Info("wrote uint64 as int64 while the server version was unknown; keeping int64 so that field types do not change")
		}
		return nil
	}
	err := w.classify(perr)
	if e := outputs.Classify(err); e.Class == outputs.BadData {
		// Say what the server named, so that outputs.Output can pin the type and resend
		// only the affected points, or dead-letter the lines it could not parse.
		r := parseRejection(e.Message)
		e.Conflicts, e.Dropped = r.conflicts, r.dropped
		if strings.Contains(e.Message, parseMarker) {
			e.BadPoints = badLineIndexes(e.Message, encodeLines(points, outputs.EncodeOptions{UintAsInt: !sendUint}))
		}
	}
	return err
}

// classify turns the transport's error into an *outputs.Error with a message that names the
// URL and the fix.
func (w *Writer) classify(perr *influxhttp.Error) error {
	if perr.StatusCode == 0 {
		err := perr.Err
		if err == nil {
			err = perr
		}
		var verr *tls.CertificateVerificationError
		if errors.As(err, &verr) {
			// Retrying cannot fix a certificate the config does not trust: alarm.
			return outputs.NewError(outputs.Misconfigured, 0, 0, "", fmt.Errorf("write to %s: %w (check tls_ca, or skip_verify for a lab server)", w.cfg.URL, err))
		}
		return outputs.NewError(outputs.Retryable, 0, 0, "", fmt.Errorf("write to %s: %w", w.cfg.URL, err))
	}
	status := perr.StatusCode
	msg := perr.Message
	if msg == "" && perr.Err != nil {
		msg = perr.Err.Error()
	}
	retryAfter := time.Duration(perr.RetryAfter) * time.Second
	if retryAfter == 0 && perr.Header != nil {
		retryAfter = parseRetryAfter(perr.Header.Get("Retry-After"))
	}
	class := outputs.ClassForStatus(status)
	var hint string
	switch {
	case status == 401 || status == 403:
		hint = "check the token (InfluxDB 2.x/3.x: an API token with write access to the bucket; InfluxDB 1.x: \"user:password\")"
	case status == 404:
		hint = fmt.Sprintf("the bucket %q does not exist: on InfluxDB 1.x run CREATE DATABASE and use bucket \"db/rp\" (or \"db\"); on 2.x create the bucket in org %q", w.cfg.Bucket, w.cfg.Org)
	case status == 413:
		hint = "request too large; the batch will be split (lower batch_size to avoid this)"
	case class == outputs.BadData:
		hint = "the server rejected some lines; they go to the dead-letter file"
	case class == outputs.Retryable:
		hint = "server busy or unavailable; retrying"
	default:
		hint = "unexpected status"
	}
	err := fmt.Errorf("write to %s: HTTP %d: %s (%s)", w.cfg.URL, status, msg, hint)
	return outputs.NewError(class, status, retryAfter, msg, err)
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// isUintRejection recognises InfluxDB 1.x's answer to a "u" value:
// 400 {"error":"unable to parse 'm f=1u 2000': invalid number"} (verified against 1.8.10),
// possibly prefixed with "partial write: ".
func isUintRejection(err error) bool {
	var e *outputs.Error
	if !errors.As(err, &e) || e.StatusCode != http.StatusBadRequest {
		return false
	}
	return strings.Contains(e.Message, "unable to parse") && strings.Contains(e.Message, "invalid number")
}

func hasUint(points []collector.Point) bool {
	for i := range points {
		for _, f := range points[i].Fields {
			if f.Kind == collector.KindUint {
				return true
			}
		}
	}
	return false
}

// uintSupported returns whether to send "u" values, probing the server the first time in
// "auto" mode: a version of 2 or later takes "u"; for 1.x and "unknown" (1.8.10 built from
// source) the server is asked to parse one unsigned value (probeUintParse). When a probe
// fails (server down) it answers false without remembering, so the next write probes
// again: when in doubt, int64 (DESIGN.md §4). Write remembers int64 once a batch with
// counters was stored that way.
func (w *Writer) uintSupported(ctx context.Context) bool {
	switch w.uint.Load() {
	case uintYes:
		return true
	case uintNo:
		return false
	}
	w.probeMu.Lock()
	defer w.probeMu.Unlock()
	if s := w.uint.Load(); s != uintUnknown {
		return s == uintYes
	}
	version, err := w.probeVersion(ctx)
	if err != nil {
		w.log.Debug("could not probe the server version; writing uint64 as int64 meanwhile", "err", err)
		return false
	}
	how := "version"
	major, ok := majorVersion(version)
	yes := ok && major >= 2
	if !yes {
		how = "parse probe"
		yes, err = w.probeUintParse(ctx)
		if err != nil {
			w.log.Debug("could not probe unsigned support; writing uint64 as int64 meanwhile", "err", err)
			return false
		}
	}
	if yes {
		w.uint.Store(uintYes)
	} else {
		w.uint.Store(uintNo)
	}
	w.log.Info("probed InfluxDB version", "version", version, "uint64_as", map[bool]string{true: "u", false: "int64"}[yes], "by", how)
	return yes
}

// uintProbeLine carries an unsigned value and then a timestamp no server accepts, so it is
// never stored: InfluxDB 1.x without unsigned support fails on the value ("invalid
// number"), a server with it (the -tags uint build of 1.8.10, 2.x) parses the value and
// fails on the timestamp ("bad timestamp"). Verified against both 1.8.10 builds.
const uintProbeLine = "netpulse_uint_probe probe=1u not-a-timestamp\n"

// probeUintParse asks the write endpoint to parse uintProbeLine. Only a parse error that
// names the timestamp says yes; any other answer says no (in doubt, int64); a transport
// error or a status other than 400 (the database is missing, the token is wrong) is an
// error: ask again with the next write.
func (w *Writer) probeUintParse(ctx context.Context) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.writeURL, strings.NewReader(uintProbeLine))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := w.svc.DoHTTPRequestWithResponse(req, nil)
	if err != nil {
		return false, fmt.Errorf("unsigned probe %s: %w", w.cfg.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	msg := string(body) + " " + resp.Header.Get("X-Influxdb-Error")
	switch {
	case resp.StatusCode != http.StatusBadRequest && resp.StatusCode >= 300:
		return false, fmt.Errorf("unsigned probe %s: HTTP %d: %s", w.cfg.URL, resp.StatusCode, strings.TrimSpace(string(body)))
	case strings.Contains(msg, "invalid number"):
		return false, nil
	}
	return resp.StatusCode == http.StatusBadRequest && strings.Contains(msg, "bad timestamp"), nil
}

// probeVersion asks /ping for the X-Influxdb-Version header (all versions send it; InfluxDB
// 1.8 built from source says "unknown"), falling back to /health's "version".
func (w *Writer) probeVersion(ctx context.Context) (string, error) {
	base := w.svc.ServerURL()
	get := func(path string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return nil, err
		}
		return w.svc.DoHTTPRequestWithResponse(req, nil)
	}
	resp, err := get("ping")
	if err != nil {
		return "", fmt.Errorf("probe %sping: %w", base, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	version := resp.Header.Get("X-Influxdb-Version")
	if _, ok := majorVersion(version); ok {
		return version, nil
	}
	resp, err = get("health")
	if err != nil {
		return version, nil // /ping answered: the server is up, just not telling
	}
	defer resp.Body.Close()
	var h struct {
		Version string `json:"version"`
	}
	if resp.StatusCode == http.StatusOK && json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&h) == nil && h.Version != "" {
		if _, ok := majorVersion(h.Version); ok {
			return h.Version, nil
		}
	}
	if version == "" {
		version = "not reported"
	}
	return version, nil
}

// majorVersion parses "1.8.10", "v2.7.1", "3.0.0-beta" → major; "unknown" and "" fail.
func majorVersion(v string) (int, bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	end := 0
	for end < len(v) && v[end] >= '0' && v[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(v[:end])
	return n, err == nil
}

// UintAsInt implements outputs.UintEncoder: whether uint64 fields go out as int64 now
// (probing the server first in auto mode).
func (w *Writer) UintAsInt(ctx context.Context) bool { return !w.uintSupported(ctx) }

// FieldTypes implements outputs.FieldTypeReader: it runs SHOW FIELD KEYS through the
// InfluxQL /query endpoint (InfluxDB 1.x; on 2.x the v1-compatible endpoint, which maps the
// bucket through its DBRP mapping), with the writer's token. On 1.x the bucket "db/rp"
// names the database db and the retention policy rp. The error is an *outputs.Error:
// Retryable for network errors, 429 and 5xx; Permanent when the server answers but will not
// tell (401/403 for a write-only token, 404 without InfluxQL, an InfluxQL error such as
// "database not found").
func (w *Writer) FieldTypes(ctx context.Context) ([]outputs.FieldType, error) {
	db, rp, _ := strings.Cut(w.cfg.Bucket, "/")
	q := url.Values{"db": {db}, "q": {"SHOW FIELD KEYS"}}
	if rp != "" {
		q.Set("rp", rp)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.svc.ServerURL()+"query?"+q.Encode(), nil)
	if err != nil {
		return nil, outputs.NewError(outputs.Permanent, 0, 0, "", fmt.Errorf("read field types from %s: %w", w.cfg.URL, err))
	}
	resp, err := w.svc.DoHTTPRequestWithResponse(req, nil)
	if err != nil {
		return nil, outputs.NewError(outputs.Retryable, 0, 0, "", fmt.Errorf("read field types from %s: %w", w.cfg.URL, err))
	}
	defer resp.Body.Close()
	// A database with many measurements answers with a few MB at most; bound it anyway.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, outputs.NewError(outputs.Retryable, 0, 0, "", fmt.Errorf("read field types from %s: %w", w.cfg.URL, err))
	}
	if resp.StatusCode != http.StatusOK {
		// 401/403 (a write-only token), 404 (no InfluxQL endpoint): the server will not
		// tell; only a busy or unreachable one is asked again.
		class := outputs.ClassForStatus(resp.StatusCode)
		if class != outputs.Retryable {
			class = outputs.Permanent
		}
		msg := strings.TrimSpace(string(body))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		return nil, outputs.NewError(class, resp.StatusCode, 0, msg, fmt.Errorf("read field types from %s: SHOW FIELD KEYS: HTTP %d: %s", w.cfg.URL, resp.StatusCode, msg))
	}
	var out struct {
		Results []struct {
			Error  string `json:"error"`
			Series []struct {
				Name    string     `json:"name"`
				Columns []string   `json:"columns"`
				Values  [][]string `json:"values"`
			} `json:"series"`
		} `json:"results"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, outputs.NewError(outputs.Permanent, resp.StatusCode, 0, "", fmt.Errorf("read field types from %s: SHOW FIELD KEYS: %w", w.cfg.URL, err))
	}
	if out.Error == "" && len(out.Results) > 0 {
		out.Error = out.Results[0].Error
	}
	if out.Error != "" {
		return nil, outputs.NewError(outputs.Permanent, resp.StatusCode, 0, out.Error, fmt.Errorf("read field types from %s: SHOW FIELD KEYS on %q: %s", w.cfg.URL, db, out.Error))
	}
	var types []outputs.FieldType
	seen := map[[2]string]bool{}
	for _, res := range out.Results {
		for _, s := range res.Series {
			for _, v := range s.Values {
				if len(v) < 2 {
					continue
				}
				kind, ok := outputs.ParseInfluxType(v[1])
				// On 1.x a field can hold different types in different shards (one
				// per week or so); the first listed is kept.
				if k := [2]string{s.Name, v[0]}; ok && !seen[k] {
					seen[k] = true
					types = append(types, outputs.FieldType{Measurement: s.Name, Field: v[0], Kind: kind})
				}
			}
		}
	}
	return types, nil
}

// UintMode reports how uint64 fields are written now: "u", "int64", or "unknown" before the
// first probe in auto mode.
func (w *Writer) UintMode() string {
	switch w.uint.Load() {
	case uintYes:
		return "u"
	case uintNo:
		return "int64"
	}
	return "unknown"
}

// Dropped implements outputs.DropCounter: fields dropped while encoding (uint64 values above
// MaxInt64 on servers without unsigned support).
func (w *Writer) Dropped() map[string]int64 {
	if n := w.overflow.Load(); n > 0 {
		return map[string]int64{outputs.ReasonUintOverflow: n}
	}
	return nil
}

// Close releases idle connections.
func (w *Writer) Close() error {
	w.client.CloseIdleConnections()
	return nil
}

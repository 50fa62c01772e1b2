package gnmi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"
)

// Keepalive: grpc-go's client sends a ping only after Time without any activity on the
// connection, and a grpc server's default EnforcementPolicy (MinTime 5 minutes,
// PermitWithoutStream false; gRPC C++ core's min_ping_interval_without_data is also 5
// minutes) answers pings that come sooner with GOAWAY "too_many_pings" after two strikes.
// So the client pings no more often than every 5 minutes, and only while a stream is open.
// Busy streams never ping at all; a connected-but-silent stream is caught sooner by the
// session's watchdog, which knows the expected sample interval. A session whose every
// stream has a watchdog therefore dials without keepalive: grpc runs a goroutine per
// connection for it, a stack per device at fleet scale.
const (
	keepaliveTime    = 5 * time.Minute
	keepaliveTimeout = 20 * time.Second
	// DefaultMaxMsgSize is the receive limit when Config.MaxMsgSize is 0.
	DefaultMaxMsgSize = 64 << 20
	// flowWindow is the HTTP/2 flow-control window of the connection and of its streams,
	// fixed (grpc's BDP estimation off). It bounds what a session holds of data it has not
	// decoded yet: when the collector falls behind (a fleet pushing in the same instant, a
	// busy CPU), the rest waits on the device, which is where gNMI expects it (a target
	// coalesces samples for a slow collector), instead of in our heap. With BDP estimation
	// grpc grows the windows while a client is backlogged: 134 KiB per device held at 2,000
	// devices (BENCHMARKS.md, "gNMI memory per device"). 64 KiB is HTTP/2's default and
	// grpc-go's minimum; it caps a stream at 64 KiB per round trip (64 MB/s at 1 ms, 1.3
	// MB/s at 50 ms), above what telemetry streams send once synced.
	flowWindow = 64 << 10
	// tlsReadBuffer is grpc's read buffer on a TLS connection: none. On a plain TCP
	// connection grpc reads through pooled buffers taken only while data is ready, but that
	// needs the raw socket; on TLS it falls back to a 32 KiB bufio.Reader per connection,
	// held for the connection's life, in front of tls.Conn, which already buffers a whole
	// decrypted record. Without it an idle TLS session holds 80–89 KiB of heap instead of 112
	// (TestIdleSessionMemory/tls); the framer's reads become copies out of tls.Conn's record.
	tlsReadBuffer = 0
)

// Dial returns a client connection to cfg.Address with the configured transport security,
// username/password metadata on every RPC, keepalive and receive size limit. Like
// grpc.NewClient it does not connect yet: the first RPC does, and its error goes through
// ExplainError.
func Dial(cfg Config) (*grpc.ClientConn, error) { return dial(cfg, nil, true) }

// dial is Dial with a callback for each message whose invalid UTF-8 was repaired, and
// keepalive optional.
func dial(cfg Config, onRepair func(), withKeepalive bool) (*grpc.ClientConn, error) {
	if cfg.Address == "" {
		return nil, errors.New("dial gNMI: address is empty")
	}
	creds, err := transportCredentials(cfg)
	if err != nil {
		return nil, err
	}
	maxMsg := cfg.MaxMsgSize
	if maxMsg <= 0 {
		maxMsg = DefaultMaxMsgSize
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg), grpc.ForceCodecV2(newLenientCodec(onRepair))),
		grpc.WithStaticStreamWindowSize(flowWindow),
		grpc.WithStaticConnWindowSize(flowWindow),
	}
	if !cfg.Insecure {
		opts = append(opts, grpc.WithReadBufferSize(tlsReadBuffer)) // grpc: 0 is unbuffered
	}
	if withKeepalive {
		opts = append(opts, grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: keepaliveTime, Timeout: keepaliveTimeout}))
	}
	if cfg.Username != "" || cfg.Password.IsSet() {
		opts = append(opts, grpc.WithPerRPCCredentials(basicAuth{user: cfg.Username, pass: cfg.Password.Reveal()}))
	}
	conn, err := grpc.NewClient(cfg.Address, opts...)
	if err != nil {
		return nil, fmt.Errorf("dial gNMI %s: %w", cfg.Address, err)
	}
	return conn, nil
}

func transportCredentials(cfg Config) (credentials.TransportCredentials, error) {
	if cfg.Insecure {
		return insecure.NewCredentials(), nil
	}
	tc := &tls.Config{
		ServerName:         cfg.ServerName,
		InsecureSkipVerify: cfg.SkipVerify, //nolint:gosec // the user asked for it (skip_verify)
		MinVersion:         tls.VersionTLS12,
	}
	if cfg.TLSCA != "" {
		pem, err := os.ReadFile(cfg.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("read tls_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read tls_ca %s: no PEM certificate in the file", cfg.TLSCA)
		}
		tc.RootCAs = pool
	}
	if cfg.TLSCert != "" || cfg.TLSKey != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("load tls_cert/tls_key: %w", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return credentials.NewTLS(tc), nil
}

// basicAuth sends the credentials as the "username"/"password" metadata that gNMI targets
// read (gNMI authentication spec; Arista, Nokia, Cisco and Juniper all use these keys). It
// works over plaintext too: lab devices often run without TLS.
type basicAuth struct{ user, pass string }

// GetRequestMetadata adds the credentials to every RPC.
func (b basicAuth) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"username": b.user, "password": b.pass}, nil
}

// RequireTransportSecurity is false: plaintext lab devices authenticate too.
func (basicAuth) RequireTransportSecurity() bool { return false }

// ExplainError turns grpc's transport errors into what the user should change: a TLS
// failure says whether it was the CA, the server name, a plaintext server, or a missing
// client certificate; Unauthenticated says to check username/password. Other errors are
// returned unchanged.
func ExplainError(cfg Config, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	hint := ""
	switch {
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		hint = "the server speaks plaintext, not TLS: set insecure: true (--insecure)"
	case strings.Contains(msg, "certificate signed by unknown authority"):
		ca := cfg.TLSCA
		if ca == "" {
			ca = "the system roots"
		}
		hint = fmt.Sprintf("TLS: the server's certificate is not signed by a CA we trust (%s): set tls_ca to the CA that signed it (or skip_verify for a lab)", ca)
	case strings.Contains(msg, "certificate is valid for"), strings.Contains(msg, "doesn't contain any IP SANs"), strings.Contains(msg, "not valid for any names"):
		hint = "TLS: the server's certificate does not match the name we dialled: set server_name to a name in the certificate"
	case strings.Contains(msg, "certificate has expired") || strings.Contains(msg, "not yet valid"):
		hint = "TLS: the server's certificate has expired or is not valid yet (check the clocks)"
	case strings.Contains(msg, "certificate required"), strings.Contains(msg, "bad certificate"), strings.Contains(msg, "unknown certificate authority"):
		hint = "TLS: the server rejected our client certificate (or wants one): set tls_cert/tls_key signed by a CA the server trusts"
	case !cfg.Insecure && (strings.Contains(msg, "error reading server preface") || strings.Contains(msg, "tls: handshake failure")):
		hint = "TLS handshake failed: the server may speak plaintext (insecure: true) or not accept our TLS version/ciphers"
	case !cfg.Insecure && cfg.TLSCert == "" && (strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection reset")):
		// TLS 1.3 finishes the client's side of the handshake before the server checks the
		// client certificate, so a missing certificate shows up as a dropped connection.
		hint = "the server dropped the TLS connection: it probably requires a client certificate (tls_cert/tls_key)"
	case cfg.Insecure && (strings.Contains(msg, "error reading server preface") || strings.Contains(msg, "connection closed before server preface")):
		hint = "the server closed the plaintext connection: it probably wants TLS (drop insecure: true)"
	case strings.Contains(msg, "connection refused"):
		hint = "nothing accepts connections at the address: check the port and that gNMI is enabled on the device"
	case strings.Contains(msg, "no such host"):
		hint = "the device's name does not resolve: check the address"
	case status.Code(err) == codes.Unauthenticated:
		hint = "authentication failed: check username and password"
	case status.Code(err) == codes.ResourceExhausted && strings.Contains(msg, "larger than max"):
		hint = "a message exceeded max_msg_size: raise it"
	}
	if hint == "" {
		return err
	}
	return fmt.Errorf("%s: %w", hint, err)
}

package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/spf13/pflag"
	"golang.org/x/term"
	"google.golang.org/grpc"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/collector/gnmi"
)

// passwordEnv is read when --password is not given, so passwords stay out of shell history
// and `ps` output.
const passwordEnv = "NETPULSE_PASSWORD"

// gnmiConnFlags are the connection flags shared by subscribe, get and capabilities, named as
// gnmic names them.
type gnmiConnFlags struct {
	addresses     []string
	username      string
	password      string
	insecure      bool
	skipVerify    bool
	tlsCA         string
	tlsCert       string
	tlsKey        string
	tlsServerName string
	maxMsgSize    int
}

func (c *gnmiConnFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVarP(&c.addresses, "address", "a", nil, "target host:port (repeatable: several targets at once)")
	fs.StringVarP(&c.username, "username", "u", "", "username, sent as gRPC metadata")
	fs.StringVarP(&c.password, "password", "p", "", "password (default: env "+passwordEnv+", else a prompt when stdin is a terminal)")
	fs.BoolVar(&c.insecure, "insecure", false, "plaintext gRPC, no TLS")
	fs.BoolVar(&c.skipVerify, "skip-verify", false, "TLS without verifying the server's certificate (labs only)")
	fs.StringVar(&c.tlsCA, "tls-ca", "", "CA certificate (PEM) that signed the server's certificate")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "client certificate (PEM) for mutual TLS")
	fs.StringVar(&c.tlsKey, "tls-key", "", "client key (PEM) for mutual TLS")
	fs.StringVar(&c.tlsServerName, "tls-server-name", "", "name to verify the server's certificate against (default: the address's host)")
	fs.IntVar(&c.maxMsgSize, "max-msg-size", 0, "largest message accepted, in bytes (default 64 MiB)")
}

// flagNames rewrites the config keys in gnmi.Config.Validate's messages into the flags
// the user typed, so the fix names something they can change.
var flagNames = strings.NewReplacer(
	"insecure (plaintext)", "--insecure",
	"tls_ca", "--tls-ca", "tls_cert", "--tls-cert", "tls_key", "--tls-key",
	"skip_verify", "--skip-verify", "max_msg_size", "--max-msg-size",
)

// configs checks the flags and returns one gnmi.Config per --address, named after it (the
// source tag). The password is resolved once for all of them.
func (c *gnmiConnFlags) configs(g *globals) ([]gnmi.Config, error) {
	if len(c.addresses) == 0 {
		return nil, usageError(errors.New("--address is required: the target's host:port, e.g. --address 192.0.2.1:6030"))
	}
	for _, a := range c.addresses {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			return nil, usageError(fmt.Errorf("--address %q: use host:port; gNMI has no standard port (Arista 6030, Nokia and Cisco 57400, Juniper 32767)", a))
		}
	}
	pw, err := c.resolvePassword(g)
	if err != nil {
		return nil, err
	}
	base := gnmi.Config{
		Username: c.username, Password: collector.Secret(pw),
		Insecure: c.insecure, SkipVerify: c.skipVerify,
		TLSCA: c.tlsCA, TLSCert: c.tlsCert, TLSKey: c.tlsKey, ServerName: c.tlsServerName,
		MaxMsgSize: c.maxMsgSize,
	}
	if err := base.Validate(); err != nil {
		return nil, usageError(errors.New(flagNames.Replace(err.Error())))
	}
	out := make([]gnmi.Config, len(c.addresses))
	for i, a := range c.addresses {
		cfg := base
		cfg.Name, cfg.Address = a, a
		out[i] = cfg
	}
	return out, nil
}

// resolvePassword takes --password, else the environment, else asks on the terminal. It
// never prompts when stdin is not a terminal (scripts, CI, cron): a prompt there would hang.
func (c *gnmiConnFlags) resolvePassword(g *globals) (string, error) {
	if c.password != "" || c.username == "" {
		return c.password, nil
	}
	if pw, ok := os.LookupEnv(passwordEnv); ok {
		return pw, nil
	}
	f, ok := g.stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", nil
	}
	fmt.Fprintf(g.stderr, "Password for %s: ", c.username)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(g.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}

// stdinLines delivers one value per line read from r and closes the channel at EOF. It
// stops delivering when ctx ends; a read already blocked on a terminal cannot be
// interrupted, and ends with the process.
func stdinLines(ctx context.Context, r io.Reader) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case ch <- struct{}{}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// isTerminalReader reports whether r is a terminal (for the poll-on-Enter hint).
func isTerminalReader(r any) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// dialGNMI is gnmi.Dial with its errors as usage errors: Dial does not connect, so what
// fails there is the configuration (an unreadable --tls-ca, a key that does not match).
func dialGNMI(cfg gnmi.Config) (*grpc.ClientConn, error) {
	conn, err := gnmi.Dial(cfg)
	if err != nil {
		return nil, usageError(errors.New(flagNames.Replace(err.Error())))
	}
	return conn, nil
}

// interrupted reports a SIGINT/SIGTERM that ended sigCtx (not its parent) as exit 130.
func interrupted(parent, sigCtx context.Context) error {
	if sigCtx.Err() != nil && parent.Err() == nil {
		return withCode(exitInterrupted, errors.New("interrupted"))
	}
	return nil
}

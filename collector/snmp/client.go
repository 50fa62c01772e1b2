package snmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gosnmp/gosnmp"

	"github.com/netpulse/netpulse/collector"
)

// Client is the part of an SNMP manager that polling needs: GET, GETNEXT and GETBULK of
// numeric OIDs (leading dot, as gosnmp writes them). Walks are built on top by the session,
// so a fake only has to answer these three. A Client is used by one goroutine at a time.
// Responses are gosnmp packets: callers read Error, ErrorIndex and Variables. The Variables
// slice may be reused by the client's next request: copy the varbinds that must outlive it
// (their names and values stay valid).
type Client interface {
	// Get sends one GetRequest for oids.
	Get(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error)
	// GetNext sends one GetNextRequest for oids.
	GetNext(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error)
	// GetBulk sends one GetBulkRequest with non-repeaters 0 (SNMPv2c/v3 only).
	GetBulk(ctx context.Context, oids []string, maxRepetitions uint32) (*gosnmp.SnmpPacket, error)
	// Close releases the socket.
	Close() error
}

// goSNMPClient is the real Client: requests go out on the fast path of wire.go, and through
// one gosnmp.GoSNMP (its own UDP socket) whenever the fast path hands one over (SNMPv3
// engine discovery, reports, anything unusual). Between polls the session calls Idle, which
// closes both sockets and drops their buffers: gosnmp gives every connection a 64 KiB
// receive buffer, which at fleet scale was three quarters of the heap. What SNMPv3 engine
// discovery learnt (engine ID, boots, time, localized keys) is kept, so it happens once.
type goSNMPClient struct {
	cfg *Config
	g   *gosnmp.GoSNMP // nil while idle and until a request needs gosnmp
	rec *recordingConn // SNMPv3: the last datagram, to name the report gosnmp discarded

	usm             gosnmp.SnmpV3SecurityParameters // kept while idle (SNMPv3)
	contextEngineID string                          // learnt with the engine ID

	w         wire     // the fast path
	keys      *usmKeys // its SNMPv3 keys and engine clock (nil until gosnmp discovered them)
	version   gosnmp.SnmpVersion
	community string
	timeout   time.Duration
	retries   int
	noFast    bool // every request through gosnmp (tests compare the two)
	slow      int  // requests gosnmp carried (tests check the fast path is taken)

	usmTemplate *gosnmp.UsmSecurityParameters // SNMPv3 user and protocols, for discover
	flags       gosnmp.SnmpV3MsgFlags
}

// Dial returns a Client for cfg's agent: version, credentials, timeout and retries from cfg.
// For UDP nothing is sent until the first request. cfg must stay unchanged while the client
// is in use (it reconnects from it after Idle).
func Dial(ctx context.Context, cfg *Config) (Client, error) {
	g, err := newGoSNMP(cfg) // checks the settings
	if err != nil {
		return nil, err
	}
	c := &goSNMPClient{cfg: cfg, version: g.Version, community: g.Community, flags: g.MsgFlags}
	c.usmTemplate, _ = g.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	c.timeout, c.retries = cfg.requestSettings()
	if err := c.w.open(ctx, cfg.Address); err != nil {
		return nil, fmt.Errorf("open socket to %s: %w", cfg.Address, err)
	}
	return c, nil
}

// connect opens the socket (again, after Idle).
func (c *goSNMPClient) connect(ctx context.Context) error {
	g, err := newGoSNMP(c.cfg)
	if err != nil {
		return err
	}
	if c.usm != nil {
		g.SecurityParameters, g.ContextEngineID = c.usm, c.contextEngineID
	}
	g.Context = ctx
	if err := g.Connect(); err != nil {
		return fmt.Errorf("open socket to %s: %w", c.cfg.Address, err)
	}
	g.Context = context.Background() // per-request contexts are set by each call
	c.g, c.rec = g, nil
	if g.Version == gosnmp.Version3 {
		// Keep the last datagram: agents send usm* reports unauthenticated, which gosnmp
		// discards as "not authentic" without saying which report it was.
		c.rec = &recordingConn{Conn: g.Conn}
		g.Conn = c.rec
	}
	return nil
}

// Idle closes the sockets and lets the GoSNMP and the receive buffers go until the next
// request, keeping the SNMPv3 engine state.
func (c *goSNMPClient) Idle() error {
	err := c.w.close()
	if c.g == nil {
		return err
	}
	if c.g.Version == gosnmp.Version3 {
		c.usm, c.contextEngineID = c.g.SecurityParameters, c.g.ContextEngineID
	}
	if gerr := c.g.Close(); err == nil {
		err = gerr
	}
	c.g, c.rec = nil, nil
	return err
}

// idler is a Client that can release its socket and buffers between polls and reconnect on
// the next request (goSNMPClient); sessions call Idle after every poll.
type idler interface{ Idle() error }

// ready reconnects after Idle.
func (c *goSNMPClient) ready(ctx context.Context) error {
	if c.g != nil {
		return nil
	}
	return c.connect(ctx)
}

// recordingConn remembers the last datagram read (SNMPv3 only).
type recordingConn struct {
	net.Conn
	last []byte
}

// Read reads one datagram and keeps a copy.
func (r *recordingConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	if n > 0 {
		r.last = append(r.last[:0], p[:n]...)
	}
	return n, err
}

// usmReport maps an RFC 3414 §5 usmStats report OID to gosnmp's error for it.
func usmReport(oid string) (error, bool) {
	switch oid {
	case ".1.3.6.1.6.3.15.1.1.1.0":
		return gosnmp.ErrUnknownSecurityLevel, true
	case ".1.3.6.1.6.3.15.1.1.2.0":
		return gosnmp.ErrNotInTimeWindow, true
	case ".1.3.6.1.6.3.15.1.1.3.0":
		return gosnmp.ErrUnknownUsername, true
	case ".1.3.6.1.6.3.15.1.1.4.0":
		return gosnmp.ErrUnknownEngineID, true
	case ".1.3.6.1.6.3.15.1.1.5.0":
		return gosnmp.ErrWrongDigest, true
	case ".1.3.6.1.6.3.15.1.1.6.0":
		return gosnmp.ErrDecryption, true
	}
	return nil, false
}

// diagnose replaces gosnmp's "not authentic" with the report the agent actually sent, when
// the last datagram was an unauthenticated usmStats report.
func (c *goSNMPClient) diagnose(err error) error {
	if err == nil || c.rec == nil || len(c.rec.last) == 0 || !strings.Contains(err.Error(), "not authentic") {
		return err
	}
	usm, ok := c.g.SecurityParameters.(*gosnmp.UsmSecurityParameters)
	if !ok {
		return err
	}
	d := &gosnmp.GoSNMP{Version: gosnmp.Version3, SecurityModel: gosnmp.UserSecurityModel, MsgFlags: gosnmp.NoAuthNoPriv,
		SecurityParameters: &gosnmp.UsmSecurityParameters{UserName: usm.UserName}}
	pkt, derr := d.SnmpDecodePacket(c.rec.last)
	if derr != nil || pkt.PDUType != gosnmp.Report || len(pkt.Variables) == 0 {
		return err
	}
	if rep, ok := usmReport(pkt.Variables[0].Name); ok {
		return rep
	}
	return err
}

// newGoSNMP builds the gosnmp settings for cfg (exported for the benchmark's bare baseline
// through NewGoSNMP).
func newGoSNMP(cfg *Config) (*gosnmp.GoSNMP, error) {
	host, port, err := splitAddress(cfg.Address)
	if err != nil {
		return nil, err
	}
	timeout, retries := cfg.requestSettings()
	maxRep := cfg.MaxRepetitions
	if maxRep == 0 {
		maxRep = DefaultMaxRepetitions
	}
	g := &gosnmp.GoSNMP{
		Target:         host,
		Port:           port,
		Transport:      "udp",
		Timeout:        timeout,
		Retries:        retries,
		MaxOids:        gosnmp.MaxOids,
		MaxRepetitions: maxRep,
		Context:        context.Background(),
	}
	switch cfg.Version {
	case "1":
		g.Version = gosnmp.Version1
		g.Community = cfg.Community.Reveal()
	case "2c", "":
		g.Version = gosnmp.Version2c
		g.Community = cfg.Community.Reveal()
	case "3":
		g.Version = gosnmp.Version3
		g.SecurityModel = gosnmp.UserSecurityModel
		g.ContextName = cfg.Context
		usm := &gosnmp.UsmSecurityParameters{UserName: cfg.User}
		switch cfg.SecurityLevel {
		case "noAuthNoPriv":
			g.MsgFlags = gosnmp.NoAuthNoPriv
		case "authNoPriv", "authPriv", "":
			g.MsgFlags = gosnmp.AuthNoPriv
			usm.AuthenticationProtocol, err = authProtocol(cfg.AuthProtocol)
			if err != nil {
				return nil, err
			}
			usm.AuthenticationPassphrase = cfg.AuthPassword.Reveal()
			if cfg.SecurityLevel != "authNoPriv" {
				g.MsgFlags = gosnmp.AuthPriv
				usm.PrivacyProtocol, err = privProtocol(cfg.PrivProtocol)
				if err != nil {
					return nil, err
				}
				usm.PrivacyPassphrase = cfg.PrivPassword.Reveal()
			}
		default:
			return nil, fmt.Errorf("security_level %q: use noAuthNoPriv, authNoPriv or authPriv", cfg.SecurityLevel)
		}
		g.SecurityParameters = usm
	default:
		return nil, fmt.Errorf("version %q: use 1, 2c or 3", cfg.Version)
	}
	return g, nil
}

// NewGoSNMP returns an unconnected gosnmp.GoSNMP set up from cfg exactly as the session's
// client is (benchmarks compare against bare gosnmp with it; call Connect before use).
func NewGoSNMP(cfg *Config) (*gosnmp.GoSNMP, error) { return newGoSNMP(cfg) }

func authProtocol(s string) (gosnmp.SnmpV3AuthProtocol, error) {
	switch strings.ToUpper(s) {
	case "MD5":
		return gosnmp.MD5, nil
	case "SHA":
		return gosnmp.SHA, nil
	case "SHA224":
		return gosnmp.SHA224, nil
	case "SHA256":
		return gosnmp.SHA256, nil
	case "SHA384":
		return gosnmp.SHA384, nil
	case "SHA512":
		return gosnmp.SHA512, nil
	}
	return gosnmp.NoAuth, fmt.Errorf("auth_protocol %q: use MD5, SHA, SHA224, SHA256, SHA384 or SHA512", s)
}

func privProtocol(s string) (gosnmp.SnmpV3PrivProtocol, error) {
	switch strings.ToUpper(s) {
	case "DES":
		return gosnmp.DES, nil
	case "AES":
		return gosnmp.AES, nil
	case "AES192":
		return gosnmp.AES192, nil
	case "AES256":
		return gosnmp.AES256, nil
	case "AES192C":
		return gosnmp.AES192C, nil
	case "AES256C":
		return gosnmp.AES256C, nil
	}
	return gosnmp.NoPriv, fmt.Errorf("priv_protocol %q: use DES, AES, AES192, AES256, AES192C or AES256C", s)
}

// splitAddress splits host[:port], port 161 when absent (IPv6 literals in brackets).
func splitAddress(addr string) (string, uint16, error) {
	if addr == "" {
		return "", 0, fmt.Errorf("address is empty")
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: a bare host name, IPv4 or (bracketed or not) IPv6 literal.
		return strings.Trim(addr, "[]"), 161, nil
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return "", 0, fmt.Errorf("address %q: port %q is not a number from 1 to 65535", addr, portStr)
	}
	return host, uint16(port), nil
}

// Get implements Client.
func (c *goSNMPClient) Get(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	return c.request(ctx, pduGet, oids, 0)
}

// GetNext implements Client.
func (c *goSNMPClient) GetNext(ctx context.Context, oids []string) (*gosnmp.SnmpPacket, error) {
	return c.request(ctx, pduGetNext, oids, 0)
}

// GetBulk implements Client.
func (c *goSNMPClient) GetBulk(ctx context.Context, oids []string, maxRepetitions uint32) (*gosnmp.SnmpPacket, error) {
	return c.request(ctx, pduGetBulk, oids, maxRepetitions)
}

// request sends one request on the fast path, or through gosnmp when the fast path hands it
// over (with the retries it has left).
func (c *goSNMPClient) request(ctx context.Context, typ byte, oids []string, reps uint32) (*gosnmp.SnmpPacket, error) {
	retries := c.retries
	if !c.noFast && c.version == gosnmp.Version3 && c.keys == nil && c.usm == nil && c.g == nil && c.usmTemplate != nil {
		if err := c.w.open(ctx, c.cfg.Address); err != nil {
			return nil, fmt.Errorf("open socket to %s: %w", c.cfg.Address, err)
		}
		c.discover(ctx)
	}
	if !c.noFast && (c.version != gosnmp.Version3 || c.keys != nil) {
		if err := c.w.open(ctx, c.cfg.Address); err != nil {
			return nil, fmt.Errorf("open socket to %s: %w", c.cfg.Address, err)
		}
		pkt, left, err := c.w.exchange(ctx, c.version, c.community, c.keys, c.timeout, retries, typ, oids, reps)
		if !errors.Is(err, errFallback) {
			return pkt, err
		}
		retries = left
	}
	// gosnmp connects (perhaps resolving a name), sends and waits for the agent in one call:
	// no Turn held (collector.Turn). It carries what is unusual, not the bulk of a poll.
	var pkt *gosnmp.SnmpPacket
	var err error
	collector.TurnFrom(ctx).Wait(ctx, func() { pkt, err = c.slowRequest(ctx, typ, oids, reps, retries) })
	if err == nil && c.version == gosnmp.Version3 {
		c.keys = keysFrom(c.g.SecurityParameters, c.g.MsgFlags, c.g.ContextEngineID, c.g.ContextName)
	}
	return pkt, c.diagnose(err)
}

// slowRequest sends one request through gosnmp, connecting first if needed.
func (c *goSNMPClient) slowRequest(ctx context.Context, typ byte, oids []string, reps uint32, retries int) (*gosnmp.SnmpPacket, error) {
	if err := c.ready(ctx); err != nil {
		return nil, err
	}
	c.slow++
	c.g.Context, c.g.Retries = ctx, retries
	var pkt *gosnmp.SnmpPacket
	var err error
	switch typ {
	case pduGet:
		pkt, err = c.g.Get(oids)
	case pduGetNext:
		pkt, err = c.g.GetNext(oids)
	default:
		pkt, err = c.g.GetBulk(oids, 0, reps)
	}
	c.g.Retries = c.retries
	return pkt, err
}

// discover runs SNMPv3 engine discovery on the fast path and localizes the keys for the
// engine it found, leaving both to gosnmp's next request when it fails. gosnmp's own
// discovery localizes an AES-128 key with Reeder's key extension and throws the extension
// away (a 16-byte key is the first 16 bytes of the localized key either way, RFC 3826
// §1.2.1): a second 1 MiB password hash per device, which at fleet scale was most of the
// start-up CPU. Here it is localized as DES's key is, the same 16 bytes.
func (c *goSNMPClient) discover(ctx context.Context) {
	k, ok := c.w.discover(ctx, c.timeout)
	if !ok {
		return
	}
	t := c.usmTemplate
	u := &gosnmp.UsmSecurityParameters{UserName: t.UserName, AuthenticationProtocol: t.AuthenticationProtocol,
		PrivacyProtocol: t.PrivacyProtocol, AuthenticationPassphrase: t.AuthenticationPassphrase,
		PrivacyPassphrase: t.PrivacyPassphrase, AuthoritativeEngineID: k.engineID,
		AuthoritativeEngineBoots: k.boots, AuthoritativeEngineTime: k.time}
	if u.PrivacyProtocol == gosnmp.AES {
		u.PrivacyProtocol = gosnmp.DES
	}
	err := u.InitSecurityKeys()
	u.PrivacyProtocol = t.PrivacyProtocol
	if err != nil || u.PrivacyProtocol == gosnmp.AES && len(u.PrivacyKey) < 16 {
		return
	}
	if u.PrivacyProtocol == gosnmp.AES {
		u.PrivacyKey = u.PrivacyKey[:16] // DES's path keeps the whole localized key
	}
	keys := keysFrom(u, c.flags, "", c.cfg.Context)
	if keys == nil {
		return
	}
	keys.at = k.at
	c.keys, c.usm, c.contextEngineID = keys, u, k.engineID
}

// Close implements Client.
func (c *goSNMPClient) Close() error { return c.Idle() }

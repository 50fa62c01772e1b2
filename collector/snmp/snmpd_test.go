package snmp

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/netpulse/netpulse/collector"
	"github.com/netpulse/netpulse/internal/peers"
)

// identity is one way of talking to the test agent: our Config and net-snmp's CLI flags.
type identity struct {
	name    string
	cfg     func(c *Config)
	netsnmp []string
}

func identities() []identity {
	auth := func(c *Config, user, ap, pp string) {
		c.Version, c.User, c.AuthProtocol, c.AuthPassword = "3", user, ap, collector.Secret(peers.SnmpdAuthPassword)
		c.SecurityLevel = "authNoPriv"
		if pp != "" {
			c.SecurityLevel, c.PrivProtocol, c.PrivPassword = "authPriv", pp, collector.Secret(peers.SnmpdPrivPassword)
		}
	}
	return []identity{
		{"v1", func(c *Config) { c.Version, c.Community = "1", collector.Secret(peers.SnmpdCommunity) },
			[]string{"-v1", "-c", peers.SnmpdCommunity}},
		{"v2c", func(c *Config) { c.Version, c.Community = "2c", collector.Secret(peers.SnmpdCommunity) },
			[]string{"-v2c", "-c", peers.SnmpdCommunity}},
		{"v3-noAuthNoPriv", func(c *Config) { c.Version, c.User, c.SecurityLevel = "3", peers.SnmpdNoAuthUser, "noAuthNoPriv" },
			[]string{"-v3", "-l", "noAuthNoPriv", "-u", peers.SnmpdNoAuthUser}},
		{"v3-authNoPriv-SHA", func(c *Config) { auth(c, peers.SnmpdAuthUser, "SHA", "") },
			[]string{"-v3", "-l", "authNoPriv", "-u", peers.SnmpdAuthUser, "-a", "SHA", "-A", peers.SnmpdAuthPassword}},
		{"v3-authPriv-SHA-AES", func(c *Config) { auth(c, peers.SnmpdPrivUser, "SHA", "AES") },
			[]string{"-v3", "-l", "authPriv", "-u", peers.SnmpdPrivUser, "-a", "SHA", "-A", peers.SnmpdAuthPassword, "-x", "AES", "-X", peers.SnmpdPrivPassword}},
		{"v3-authPriv-SHA256-AES256", func(c *Config) { auth(c, peers.SnmpdPriv256User, "SHA256", "AES256") },
			[]string{"-v3", "-l", "authPriv", "-u", peers.SnmpdPriv256User, "-a", "SHA-256", "-A", peers.SnmpdAuthPassword, "-x", "AES-256", "-X", peers.SnmpdPrivPassword}},
	}
}

// agentConfig returns a config for the test agent with the given identity applied.
func agentConfig(t testing.TB, addr string, id func(*Config)) Config {
	t.Helper()
	cfg := testConfig(t)
	cfg.Address = addr
	cfg.Community = ""
	retries := 1
	cfg.Retries = &retries
	cfg.Timeout = 2 * time.Second
	id(&cfg)
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// netsnmpWalk runs net-snmp's snmpbulkwalk (snmpwalk for v1) with numeric output and returns
// OID → value as printed (-On numeric OIDs, -Oe numeric enums, -Ot numeric timeticks, -Oq).
func netsnmpWalk(t testing.TB, addr string, auth []string, oid string) map[string]string {
	t.Helper()
	bin := "snmpbulkwalk"
	if auth[0] == "-v1" {
		bin = "snmpwalk"
	}
	path, ok := peers.FindBinary(bin, "")
	if !ok {
		peers.Missing(t, bin, "apt-get install snmp")
	}
	args := append([]string{"-On", "-Oe", "-Ot", "-Oq", "-t", "2", "-r", "1"}, auth...)
	args = append(args, addr, oid)
	out, err := exec.Command(path, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		m[k] = strings.Trim(v, `"`)
	}
	return m
}

// macFromNetsnmp turns net-snmp's "56 6F 28 E7 08 11 " into "56:6f:28:e7:08:11".
func macFromNetsnmp(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), ":"))
}

// TestSnmpdIdentities polls a real net-snmp agent with every SNMP version and v3 security
// level, and compares what was written with net-snmp's own snmpwalk of the same agent.
func TestSnmpdIdentities(t *testing.T) {
	agent := peers.StartSnmpd(t)
	for _, id := range identities() {
		t.Run(id.name, func(t *testing.T) {
			cfg := agentConfig(t, agent.Addr, id.cfg)
			st := &collector.Stats{}
			s, err := New(cfg, collector.Runtime{Stats: st}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			before := netsnmpWalk(t, agent.Addr, id.netsnmp, ".1.3.6.1.2.1")
			points, err := s.Poll(context.Background())
			if err != nil {
				t.Fatalf("poll: %v\nsnmpd log:\n%s", err, agent.Log())
			}
			after := netsnmpWalk(t, agent.Addr, id.netsnmp, ".1.3.6.1.2.1")
			checkAgainstNetsnmp(t, points, before, after, id.name == "v1")
			if st.Polls.Load() != 1 || st.Updates.Load() == 0 || !st.Snapshot().Up {
				t.Fatalf("stats not updated: polls %d updates %d up %v", st.Polls.Load(), st.Updates.Load(), st.Snapshot().Up)
			}
		})
	}
}

func checkAgainstNetsnmp(t *testing.T, points []collector.Point, before, after map[string]string, v1 bool) {
	t.Helper()
	sys := points[0]
	if sys.Measurement != "system" {
		t.Fatalf("first point %v", sys)
	}
	if f, _ := sys.Field("state/hostname"); f.StringValue() != "netpulse-snmpd" || before[".1.3.6.1.2.1.1.5.0"] != "netpulse-snmpd" {
		t.Errorf("hostname %q, snmpwalk %q", f.StringValue(), before[".1.3.6.1.2.1.1.5.0"])
	}
	if f, _ := sys.Field("sysObjectID"); f.StringValue() != before[".1.3.6.1.2.1.1.2.0"] {
		t.Errorf("sysObjectID %q, snmpwalk %q", f.StringValue(), before[".1.3.6.1.2.1.1.2.0"])
	}
	up, _ := sys.Field("state/up-time")
	within(t, "up-time", up.UintValue()/10_000_000, before[".1.3.6.1.2.1.1.3.0"], after[".1.3.6.1.2.1.1.3.0"])

	n := 0
	for _, p := range points[1:] {
		if p.Measurement != "interfaces" {
			t.Fatalf("unexpected point %v", p)
		}
		n++
		idxF, _ := p.Field("state/ifindex")
		idx := strconv.FormatUint(idxF.UintValue(), 10)
		name, _ := p.Tag("interface_name")
		if want := before[".1.3.6.1.2.1.31.1.1.1.1."+idx]; name != want {
			t.Errorf("ifIndex %s: interface_name %q, snmpwalk ifName %q", idx, name, want)
		}
		eq := func(field, oid string, conv func(string) string) {
			t.Helper()
			f, ok := p.Field(field)
			want, has := before[oid+"."+idx]
			if conv != nil {
				want = conv(want)
			}
			if !has {
				if ok {
					t.Errorf("%s %s: %s=%v but snmpwalk has no %s", name, idx, field, f.Value(), oid)
				}
				return
			}
			if got := tagValue(f); !ok || got != want {
				t.Errorf("%s: %s=%q, snmpwalk %q", name, field, got, want)
			}
		}
		eq("state/mtu", ".1.3.6.1.2.1.2.2.1.4", nil)
		eq("state/oper-status", ".1.3.6.1.2.1.2.2.1.8", func(s string) string { n, _ := strconv.ParseInt(s, 10, 64); return ifOperStatus()[n] })
		eq("state/admin-status", ".1.3.6.1.2.1.2.2.1.7", func(s string) string { n, _ := strconv.ParseInt(s, 10, 64); return ifAdminStatus()[n] })
		eq("state/high-speed", ".1.3.6.1.2.1.31.1.1.1.15", nil)
		if mac := before[".1.3.6.1.2.1.2.2.1.6."+idx]; mac != "" {
			eq("ethernet/state/mac-address", ".1.3.6.1.2.1.2.2.1.6", macFromNetsnmp)
		}
		// Counters move with the test's own loopback traffic: ours lies between two walks.
		for field, oid := range map[string]string{
			"state/counters/in-octets": ".1.3.6.1.2.1.31.1.1.1.6", "state/counters/out-octets": ".1.3.6.1.2.1.31.1.1.1.10",
			"state/counters/in-unicast-pkts": ".1.3.6.1.2.1.31.1.1.1.7", "state/counters/in-errors": ".1.3.6.1.2.1.2.2.1.14",
		} {
			if v1 && strings.HasPrefix(oid, ".1.3.6.1.2.1.31.1.1.1.") && oid != ".1.3.6.1.2.1.31.1.1.1.1" {
				// SNMPv1 cannot carry Counter64 (RFC 2576 §4.2.2): net-snmp skips the HC
				// columns, so the 32-bit fallbacks are used.
				oid = map[string]string{".1.3.6.1.2.1.31.1.1.1.6": ".1.3.6.1.2.1.2.2.1.10", ".1.3.6.1.2.1.31.1.1.1.10": ".1.3.6.1.2.1.2.2.1.16",
					".1.3.6.1.2.1.31.1.1.1.7": ".1.3.6.1.2.1.2.2.1.11"}[oid]
			}
			f, ok := p.Field(field)
			if !ok {
				t.Errorf("%s: no %s", name, field)
				continue
			}
			within(t, name+" "+field, f.UintValue(), before[oid+"."+idx], after[oid+"."+idx])
		}
	}
	if n == 0 {
		t.Fatal("no interfaces")
	}
	for k := range before {
		if idx, ok := strings.CutPrefix(k, ".1.3.6.1.2.1.2.2.1.1."); ok {
			found := false
			for _, p := range points[1:] {
				if f, _ := p.Field("state/ifindex"); strconv.FormatUint(f.UintValue(), 10) == idx {
					found = true
				}
			}
			if !found {
				t.Errorf("ifIndex %s from snmpwalk has no point", idx)
			}
		}
	}
}

func within(t *testing.T, what string, got uint64, lo, hi string) {
	t.Helper()
	l, err1 := strconv.ParseUint(lo, 10, 64)
	h, err2 := strconv.ParseUint(hi, 10, 64)
	if err1 != nil || err2 != nil {
		t.Errorf("%s: snmpwalk values %q, %q", what, lo, hi)
		return
	}
	if got < l || got > h {
		t.Errorf("%s = %d, not within snmpwalk's %d..%d", what, got, l, h)
	}
}

// TestSnmpdErrors checks the messages for wrong credentials against the real agent.
func TestSnmpdErrors(t *testing.T) {
	agent := peers.StartSnmpd(t)
	for _, tc := range []struct {
		name string
		cfg  func(c *Config)
		want []string
		is   error
	}{
		{"wrong auth password", func(c *Config) {
			c.Version, c.User, c.SecurityLevel, c.AuthProtocol = "3", peers.SnmpdAuthUser, "authNoPriv", "SHA"
			c.AuthPassword = collector.Secret("not-the-password")
		}, []string{"wrong auth_password or auth_protocol", "usmStatsWrongDigests"}, ErrAuth},
		{"wrong auth protocol", func(c *Config) {
			c.Version, c.User, c.SecurityLevel, c.AuthProtocol = "3", peers.SnmpdAuthUser, "authNoPriv", "MD5"
			c.AuthPassword = collector.Secret(peers.SnmpdAuthPassword)
		}, []string{"wrong auth_password or auth_protocol"}, ErrAuth},
		{"wrong priv password", func(c *Config) {
			c.Version, c.User, c.SecurityLevel, c.AuthProtocol, c.PrivProtocol = "3", peers.SnmpdPrivUser, "authPriv", "SHA", "AES"
			c.AuthPassword, c.PrivPassword = collector.Secret(peers.SnmpdAuthPassword), collector.Secret("not-the-priv-pass")
		}, []string{"no answer within", "priv_password"}, ErrTimeout}, // net-snmp drops what it cannot decrypt
		{"unknown user", func(c *Config) {
			c.Version, c.User, c.SecurityLevel = "3", "nobody", "noAuthNoPriv"
		}, []string{`no user "nobody"`}, ErrAuth},
		{"unsupported security level", func(c *Config) {
			c.Version, c.User, c.SecurityLevel, c.AuthProtocol = "3", peers.SnmpdNoAuthUser, "authNoPriv", "SHA"
			c.AuthPassword = collector.Secret(peers.SnmpdAuthPassword)
		}, []string{"does not allow security_level authNoPriv"}, ErrAuth},
		{"wrong community", func(c *Config) {
			c.Version, c.Community = "2c", collector.Secret("wrong-community")
		}, []string{"no answer within", "wrong community"}, ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := agentConfig(t, agent.Addr, tc.cfg)
			cfg.Timeout = 300 * time.Millisecond
			zero := 0
			cfg.Retries = &zero
			st := &collector.Stats{}
			s, err := New(cfg, collector.Runtime{Stats: st}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			_, err = s.Poll(context.Background())
			if err == nil {
				t.Fatal("poll succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if strings.Contains(err.Error(), agent.Addr) || strings.Contains(err.Error(), "dev") {
				t.Errorf("error %q repeats the target (the supervisor adds it)", err)
			}
			if st.PollErrors.Load() != 1 || st.Snapshot().Up {
				t.Errorf("stats: errors %d up %v", st.PollErrors.Load(), st.Snapshot().Up)
			}
		})
	}
}

// TestGarbageAgent answers every request with bytes that are not SNMP: the poll fails with
// a clear error and nothing panics.
func TestGarbageAgent(t *testing.T) {
	for _, reply := range [][]byte{
		[]byte("HTTP/1.1 400 Bad Request\r\n\r\n"),
		{0x30, 0x82, 0xff, 0xff, 0x02, 0x01},                      // SEQUENCE claiming 64 KiB
		{0x30, 0x0b, 0x02, 0x01, 0x01, 0x04, 0x06, 'p', 'u', 'b'}, // truncated message
		{0x30, 0x03, 0x02, 0x01, 0x07},                            // unknown version
	} {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 65536)
			for {
				_, addr, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				_, _ = pc.WriteTo(reply, addr)
			}
		}()
		cfg := testConfig(t)
		cfg.Address = pc.LocalAddr().String()
		cfg.Community = collector.Secret("public")
		cfg.Timeout = 200 * time.Millisecond
		one := 1
		cfg.Retries = &one
		s, err := New(cfg, collector.Runtime{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Poll(context.Background())
		s.Close()
		pc.Close()
		wg.Wait()
		if err == nil {
			t.Fatalf("reply %q: poll succeeded", reply)
		}
		if !errors.Is(err, ErrBadResponse) && !errors.Is(err, ErrTimeout) {
			t.Errorf("reply %q: error %v is neither a bad answer nor a timeout", reply, err)
		}
		t.Logf("reply %q: %v", reply, err)
	}
}

// TestUnreachableAgent polls a closed port: the error says nothing listens, quickly.
func TestUnreachableAgent(t *testing.T) {
	cfg := testConfig(t)
	cfg.Address = "127.0.0.1:" + strconv.Itoa(peers.FreeUDPPort(t))
	cfg.Community = collector.Secret("public")
	cfg.Timeout = 300 * time.Millisecond
	zero := 0
	cfg.Retries = &zero
	s, err := New(cfg, collector.Runtime{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Poll(context.Background())
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v, want a timeout-class error", err)
	}
	t.Log(err)
}

// TestSnmpdDaemon runs the session on a short interval against the real agent: several
// polls, each emitted batch with one timestamp, and Run returns nil when ctx ends.
func TestSnmpdDaemon(t *testing.T) {
	agent := peers.StartSnmpd(t)
	cfg := agentConfig(t, agent.Addr, identities()[1].cfg)
	cfg.Interval = 150 * time.Millisecond
	st := &collector.Stats{}
	s, err := New(cfg, collector.Runtime{Stats: st}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var mu sync.Mutex
	var stamps []time.Time
	sink := collector.SinkFunc(func(_ context.Context, pts []collector.Point) error {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range pts {
			if !p.Time.Equal(pts[0].Time) {
				t.Errorf("one poll, two timestamps: %v %v", p.Time, pts[0].Time)
			}
		}
		stamps = append(stamps, pts[0].Time)
		return nil
	})
	if err := s.Run(ctx, sink); err != nil {
		t.Fatalf("Run returned %v, want nil at ctx end", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stamps) < 3 {
		t.Fatalf("%d polls in 1s at 150ms", len(stamps))
	}
	for i := 1; i < len(stamps); i++ {
		if d := stamps[i].Sub(stamps[i-1]); d < 100*time.Millisecond {
			t.Errorf("polls %d and %d only %s apart", i-1, i, d)
		}
	}
	if got := st.Polls.Load(); got != int64(len(stamps)) {
		t.Errorf("stats polls %d, emits %d", got, len(stamps))
	}
}

// TestSnmpdAllV3Protocols creates one extra user per auth/priv protocol pair that net-snmp
// supports and polls with each: every auth protocol of config.go (MD5, SHA, SHA224, SHA256,
// SHA384, SHA512) and every priv protocol net-snmp implements (DES, AES, AES192, AES256;
// the AES192C/AES256C "Reeder" key extension of Cisco agents is not in net-snmp).
func TestSnmpdAllV3Protocols(t *testing.T) {
	pairs := []struct{ user, auth, netsnmpAuth, priv, netsnmpPriv string }{
		{"md5des", "MD5", "MD5", "DES", "DES"},
		{"sha224aes192", "SHA224", "SHA-224", "AES192", "AES-192"},
		{"sha384aes256", "SHA384", "SHA-384", "AES256", "AES-256"},
		{"sha512aes", "SHA512", "SHA-512", "AES", "AES"},
		{"sha512noPriv", "SHA512", "SHA-512", "", ""},
	}
	var extra []string
	for _, p := range pairs {
		if p.priv == "" {
			extra = append(extra, "createUser "+p.user+" "+p.netsnmpAuth+" \""+peers.SnmpdAuthPassword+"\"", "rouser "+p.user+" auth")
			continue
		}
		extra = append(extra, "createUser "+p.user+" "+p.netsnmpAuth+" \""+peers.SnmpdAuthPassword+"\" "+p.netsnmpPriv+" \""+peers.SnmpdPrivPassword+"\"", "rouser "+p.user+" priv")
	}
	agent := peers.StartSnmpd(t, extra...)
	for _, p := range pairs {
		t.Run(p.user, func(t *testing.T) {
			cfg := agentConfig(t, agent.Addr, func(c *Config) {
				c.Version, c.User, c.SecurityLevel = "3", p.user, "authNoPriv"
				c.AuthProtocol, c.AuthPassword = p.auth, collector.Secret(peers.SnmpdAuthPassword)
				if p.priv != "" {
					c.SecurityLevel, c.PrivProtocol, c.PrivPassword = "authPriv", p.priv, collector.Secret(peers.SnmpdPrivPassword)
				}
			})
			cfg.Profiles = cfg.Profiles[:1] // system
			s, err := New(cfg, collector.Runtime{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			points, err := s.Poll(context.Background())
			if err != nil {
				t.Fatalf("poll: %v\nsnmpd log:\n%s", err, agent.Log())
			}
			if f, _ := points[0].Field("state/hostname"); f.StringValue() != "netpulse-snmpd" {
				t.Fatalf("hostname %q", f.StringValue())
			}
		})
	}
}

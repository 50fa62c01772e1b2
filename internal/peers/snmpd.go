package peers

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gosnmp/gosnmp"
)

// Credentials of the users StartSnmpd creates (test-only secrets, 127.0.0.1 only).
const (
	SnmpdCommunity = "netpulse-ro"
	// SnmpdNoAuthUser is an SNMPv3 noAuthNoPriv user.
	SnmpdNoAuthUser = "noAuthUser"
	// SnmpdAuthUser is an SNMPv3 authNoPriv user with SHA.
	SnmpdAuthUser = "authUser"
	// SnmpdPrivUser is an SNMPv3 authPriv user with SHA and AES (128).
	SnmpdPrivUser = "privUser"
	// SnmpdPriv256User is an SNMPv3 authPriv user with SHA-256 and AES-256.
	SnmpdPriv256User = "priv256User"
	// SnmpdAuthPassword is every v3 user's auth password.
	SnmpdAuthPassword = "auth-pass-8c1f"
	// SnmpdPrivPassword is every v3 user's priv password.
	SnmpdPrivPassword = "priv-pass-77e2"
)

// Snmpd is a running net-snmp agent started by StartSnmpd.
type Snmpd struct {
	Addr string // 127.0.0.1:port
	Port int
	Dir  string // config and persistent state

	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
}

// lockedBuffer collects the agent's log for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Log returns what the agent logged so far.
func (s *Snmpd) Log() string { return s.out.String() }

// StartSnmpd runs Debian's /usr/sbin/snmpd (net-snmp) as a child on 127.0.0.1 and a free UDP
// port, configured only from files in t.TempDir() (-C: no system config): community
// SnmpdCommunity (v1/v2c, read-only) and the v3 users above, created with createUser lines;
// net-snmp's persistent state goes to a directory beside the config.
// extraConf lines are appended to snmpd.conf. It returns once the agent answers a GET, and
// stops it when the test ends. It skips (fails under CI=true) when snmpd is not installed.
func StartSnmpd(t testing.TB, extraConf ...string) *Snmpd {
	t.Helper()
	bin, ok := FindBinary("snmpd", "NETPULSE_SNMPD")
	if !ok {
		Missing(t, "snmpd", "apt-get install snmpd")
	}
	dir := t.TempDir()
	persist := filepath.Join(dir, "persist")
	if err := os.MkdirAll(persist, 0o700); err != nil {
		t.Fatal(err)
	}
	port := FreeUDPPort(t)
	conf := fmt.Sprintf(`agentAddress udp:127.0.0.1:%d
rocommunity %s 127.0.0.1
rouser %s noauth
rouser %s auth
rouser %s priv
rouser %s priv
sysName netpulse-snmpd
sysLocation test lab
sysContact netpulse tests
dontLogTCPWrappersConnects yes
`, port, SnmpdCommunity, SnmpdNoAuthUser, SnmpdAuthUser, SnmpdPrivUser, SnmpdPriv256User)
	// createUser belongs in the persistent file normally, but -C keeps net-snmp from
	// reading it; in the -c file it works the same (the agent localizes the keys at start).
	conf += fmt.Sprintf(`createUser %s
createUser %s SHA "%s"
createUser %s SHA "%s" AES "%s"
createUser %s SHA-256 "%s" AES-256 "%s"
`, SnmpdNoAuthUser, SnmpdAuthUser, SnmpdAuthPassword,
		SnmpdPrivUser, SnmpdAuthPassword, SnmpdPrivPassword,
		SnmpdPriv256User, SnmpdAuthPassword, SnmpdPrivPassword)
	for _, l := range extraConf {
		conf += l + "\n"
	}
	confPath := filepath.Join(dir, "snmpd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	s := &Snmpd{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, Dir: dir, out: &lockedBuffer{}, done: make(chan struct{})}
	// -f foreground, -Lo log to stdout, -C only our -c file, -I restricts nothing: the
	// interfaces/system MIB modules are what the tests poll.
	s.cmd = exec.Command(bin, "-f", "-Lo", "-C", "-c", confPath, "-p", filepath.Join(dir, "snmpd.pid"))
	s.cmd.Env = append(os.Environ(), "SNMP_PERSISTENT_DIR="+persist, "MIBS=", "MIBDIRS="+dir)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start snmpd: %v", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)

	if err := s.waitReady(10 * time.Second); err != nil {
		t.Fatalf("snmpd did not answer: %v\nsnmpd log:\n%s", err, s.Log())
	}
	return s
}

// waitReady sends v2c GETs of sysUpTime.0 until one is answered, for at most d.
func (s *Snmpd) waitReady(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	g := &gosnmp.GoSNMP{Target: "127.0.0.1", Port: uint16(s.Port), Community: SnmpdCommunity, Version: gosnmp.Version2c,
		Timeout: 200 * time.Millisecond, Retries: 0, Context: ctx}
	if err := g.Connect(); err != nil {
		return err
	}
	defer g.Close()
	// Until snmpd binds, a GET fails at once (ICMP port unreachable): pace the attempts so
	// the wait does not spin a CPU.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if _, err := g.Get([]string{".1.3.6.1.2.1.1.3.0"}); err == nil {
			return nil
		} else {
			last = err
		}
		select {
		case <-s.done:
			return fmt.Errorf("snmpd exited")
		case <-ctx.Done():
			return fmt.Errorf("no answer within %s: %v", d, last)
		case <-tick.C:
		}
	}
}

// stop terminates the agent (SIGTERM, then SIGKILL after 5s).
func (s *Snmpd) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

package gnmiserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// PKI is a throwaway certificate authority with one server and one client certificate, for
// tests and the simulator's TLS/mTLS modes. Keys are ECDSA P-256 (fast to generate).
type PKI struct {
	CAPEM                       []byte // the CA certificate
	ServerCertPEM, ServerKeyPEM []byte // valid for the hosts given to NewPKI
	ClientCertPEM, ClientKeyPEM []byte // client authentication, CN "netpulse-client"
	CAPool                      *x509.CertPool
	ServerCert, ClientCert      tls.Certificate
}

// NewPKI generates a CA and a server certificate valid for hosts (DNS names or IP
// addresses; default "localhost" and 127.0.0.1) plus a client certificate, all valid for a
// day.
func NewPKI(hosts ...string) (*PKI, error) {
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1"}
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate CA key: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "netpulse test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate: %w", err)
	}
	p := &PKI{CAPEM: pemBlock("CERTIFICATE", caDER), CAPool: x509.NewCertPool()}
	p.CAPool.AddCert(caCert)

	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage, hosts []string) (certPEM, keyPEM []byte, err error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, fmt.Errorf("generate key: %w", err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: cn},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, fmt.Errorf("create certificate %s: %w", cn, err)
		}
		kder, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, nil, fmt.Errorf("marshal key: %w", err)
		}
		return pemBlock("CERTIFICATE", der), pemBlock("EC PRIVATE KEY", kder), nil
	}
	if p.ServerCertPEM, p.ServerKeyPEM, err = leaf(2, hosts[0], x509.ExtKeyUsageServerAuth, hosts); err != nil {
		return nil, err
	}
	if p.ClientCertPEM, p.ClientKeyPEM, err = leaf(3, "netpulse-client", x509.ExtKeyUsageClientAuth, nil); err != nil {
		return nil, err
	}
	if p.ServerCert, err = tls.X509KeyPair(p.ServerCertPEM, p.ServerKeyPEM); err != nil {
		return nil, fmt.Errorf("load server key pair: %w", err)
	}
	if p.ClientCert, err = tls.X509KeyPair(p.ClientCertPEM, p.ClientKeyPEM); err != nil {
		return nil, fmt.Errorf("load client key pair: %w", err)
	}
	return p, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// ServerTLS returns a server TLS config; with requireClientCert it demands a client
// certificate signed by the CA (mTLS).
func (p *PKI) ServerTLS(requireClientCert bool) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{p.ServerCert}, MinVersion: tls.VersionTLS12}
	if requireClientCert {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = p.CAPool
	}
	return c
}

// ClientTLS returns a client TLS config trusting the CA and presenting the client
// certificate.
func (p *PKI) ClientTLS(serverName string) *tls.Config {
	return &tls.Config{
		RootCAs:      p.CAPool,
		Certificates: []tls.Certificate{p.ClientCert},
		ServerName:   serverName,
		MinVersion:   tls.VersionTLS12,
	}
}

// Files are the paths WriteFiles wrote.
type Files struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

// WriteFiles writes the PEM files into dir (ca.pem, server.pem, server.key, client.pem,
// client.key; keys with mode 0600), for configs that take file names.
func (p *PKI) WriteFiles(dir string) (Files, error) {
	f := Files{
		CA:         filepath.Join(dir, "ca.pem"),
		ServerCert: filepath.Join(dir, "server.pem"),
		ServerKey:  filepath.Join(dir, "server.key"),
		ClientCert: filepath.Join(dir, "client.pem"),
		ClientKey:  filepath.Join(dir, "client.key"),
	}
	for _, w := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{f.CA, p.CAPEM, 0o644}, {f.ServerCert, p.ServerCertPEM, 0o644}, {f.ServerKey, p.ServerKeyPEM, 0o600},
		{f.ClientCert, p.ClientCertPEM, 0o644}, {f.ClientKey, p.ClientKeyPEM, 0o600},
	} {
		if err := os.WriteFile(w.path, w.data, w.mode); err != nil {
			return Files{}, fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	return f, nil
}

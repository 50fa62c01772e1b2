package sim

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des" //nolint:gosec // DES is what SNMPv3 usmDESPrivProtocol is (RFC 3414 §8)
	"crypto/hmac"
	"crypto/md5"  //nolint:gosec // HMAC-MD5-96 (RFC 3414 §6)
	"crypto/sha1" //nolint:gosec // HMAC-SHA-96 (RFC 3414 §7)
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"hash"
	"strings"
)

// V3User is one SNMPv3 USM user every simulated SNMP device accepts.
type V3User struct {
	// Name is the USM user name.
	Name string
	// AuthProtocol is "" (noAuthNoPriv), MD5, SHA, SHA224, SHA256, SHA384 or SHA512 (the
	// same names as the netpulse target config's auth_protocol).
	AuthProtocol string
	// AuthPassword is the authentication pass phrase.
	AuthPassword string
	// PrivProtocol is "" (no privacy), DES, AES, AES192, AES256 (Blumenthal key extension),
	// AES192C or AES256C (Reeder/"Cisco" key extension), as in the target config.
	PrivProtocol string
	// PrivPassword is the privacy pass phrase.
	PrivPassword string
}

// SecurityLevel is noAuthNoPriv, authNoPriv or authPriv.
func (u V3User) SecurityLevel() string {
	switch {
	case u.AuthProtocol == "":
		return "noAuthNoPriv"
	case u.PrivProtocol == "":
		return "authNoPriv"
	}
	return "authPriv"
}

// DefaultV3Users are the users a fleet accepts when Config.V3Users is empty. The pass
// phrases are fixed and documented: the simulator is a test fixture, not a secret keeper.
func DefaultV3Users() []V3User {
	return []V3User{
		{Name: "netpulse", AuthProtocol: "SHA", AuthPassword: "netpulse-auth", PrivProtocol: "AES", PrivPassword: "netpulse-priv"},
		{Name: "netpulse256", AuthProtocol: "SHA256", AuthPassword: "netpulse-auth", PrivProtocol: "AES256", PrivPassword: "netpulse-priv"},
		{Name: "netpulse-auth", AuthProtocol: "SHA", AuthPassword: "netpulse-auth"},
		{Name: "netpulse-md5", AuthProtocol: "MD5", AuthPassword: "netpulse-auth", PrivProtocol: "DES", PrivPassword: "netpulse-priv"},
	}
}

// authProto describes one HMAC authentication protocol.
type authProto struct {
	newHash   func() hash.Hash
	digestLen int // bytes of msgAuthenticationParameters: 12 (RFC 3414), 16/24/32/48 (RFC 7860)
}

func lookupAuth(name string) (authProto, error) {
	switch strings.ToUpper(name) {
	case "MD5":
		return authProto{md5.New, 12}, nil
	case "SHA", "SHA1":
		return authProto{sha1.New, 12}, nil
	case "SHA224":
		return authProto{sha256.New224, 16}, nil
	case "SHA256":
		return authProto{sha256.New, 24}, nil
	case "SHA384":
		return authProto{sha512.New384, 32}, nil
	case "SHA512":
		return authProto{sha512.New, 48}, nil
	}
	return authProto{}, fmt.Errorf("unknown auth protocol %q", name)
}

// privKind is the privacy protocol family.
type privKind uint8

const (
	privNone privKind = iota
	privDES
	privAES
)

// privProto describes one privacy protocol.
type privProto struct {
	kind   privKind
	keyLen int
	reeder bool // key extension per draft-reeder-snmpv3-usm-3desede, else Blumenthal
}

func lookupPriv(name string) (privProto, error) {
	switch strings.ToUpper(name) {
	case "":
		return privProto{}, nil
	case "DES":
		return privProto{kind: privDES, keyLen: 16}, nil
	case "AES", "AES128":
		return privProto{kind: privAES, keyLen: 16}, nil
	case "AES192":
		return privProto{kind: privAES, keyLen: 24}, nil
	case "AES256":
		return privProto{kind: privAES, keyLen: 32}, nil
	case "AES192C":
		return privProto{kind: privAES, keyLen: 24, reeder: true}, nil
	case "AES256C":
		return privProto{kind: privAES, keyLen: 32, reeder: true}, nil
	}
	return privProto{}, fmt.Errorf("unknown privacy protocol %q", name)
}

// passwordToKey is RFC 3414 A.2: hash one megabyte of the repeated pass phrase. It is slow on
// purpose, so a fleet computes it once per user, not per device.
func passwordToKey(h func() hash.Hash, password string) []byte {
	d := h()
	var chunk [64]byte
	pi := 0
	for n := 0; n < 1048576; n += 64 {
		for i := range chunk {
			chunk[i] = password[pi%len(password)]
			pi++
		}
		d.Write(chunk[:])
	}
	return d.Sum(nil)
}

// localizeKey is RFC 3414 A.2 step 2: Kul = H(Ku || engineID || Ku).
func localizeKey(h func() hash.Hash, ku, engineID []byte) []byte {
	d := h()
	d.Write(ku)
	d.Write(engineID)
	d.Write(ku)
	return d.Sum(nil)
}

// userTemplate holds one user's non-localized keys (shared by all devices).
type userTemplate struct {
	V3User
	auth   authProto
	priv   privProto
	authKu []byte
	privKu []byte
}

func newUserTemplate(u V3User) (*userTemplate, error) {
	t := &userTemplate{V3User: u}
	if u.AuthProtocol == "" {
		if u.PrivProtocol != "" {
			return nil, fmt.Errorf("check user %q: privacy needs authentication", u.Name)
		}
		return t, nil
	}
	var err error
	if t.auth, err = lookupAuth(u.AuthProtocol); err != nil {
		return nil, fmt.Errorf("check user %q: %w", u.Name, err)
	}
	if t.priv, err = lookupPriv(u.PrivProtocol); err != nil {
		return nil, fmt.Errorf("check user %q: %w", u.Name, err)
	}
	// RFC 3414 §11.2: pass phrases shorter than 8 characters are rejected by net-snmp too.
	if len(u.AuthPassword) < 8 || (t.priv.kind != privNone && len(u.PrivPassword) < 8) {
		return nil, fmt.Errorf("check user %q: pass phrases need at least 8 characters", u.Name)
	}
	t.authKu = passwordToKey(t.auth.newHash, u.AuthPassword)
	if t.priv.kind != privNone {
		t.privKu = passwordToKey(t.auth.newHash, u.PrivPassword)
	}
	return t, nil
}

// usmUser is one user localized to one engine (device).
type usmUser struct {
	tmpl    *userTemplate
	authKey []byte
	privKey []byte
	// Built on first use and reused: the agent goroutine of a device is their only user.
	mac   hash.Hash
	block cipher.Block
}

// localize derives the user's keys for engineID.
func (t *userTemplate) localize(engineID []byte) (*usmUser, error) {
	u := &usmUser{tmpl: t}
	if t.auth.newHash == nil {
		return u, nil
	}
	u.authKey = localizeKey(t.auth.newHash, t.authKu, engineID)
	if t.priv.kind == privNone {
		return u, nil
	}
	key := localizeKey(t.auth.newHash, t.privKu, engineID)
	for len(key) < t.priv.keyLen {
		if t.priv.reeder {
			// draft-reeder-snmpv3-usm-3desede §2.1: Kul' = Kul || localize(P2K(Kul)).
			ku2 := passwordToKey(t.auth.newHash, string(key[:t.auth.newHash().Size()]))
			key = append(key, localizeKey(t.auth.newHash, ku2, engineID)...)
		} else {
			// draft-blumenthal-aes-usm-04 §3.1.2.1: Kul' = Kul || H(Kul) || …
			d := t.auth.newHash()
			d.Write(key)
			key = d.Sum(key)
		}
	}
	u.privKey = key[:t.priv.keyLen]
	return u, nil
}

// digest computes the HMAC of msg (whose auth parameters field is zeroed) into out.
func (u *usmUser) digest(msg []byte, out []byte) []byte {
	if u.mac == nil {
		u.mac = hmac.New(u.tmpl.auth.newHash, u.authKey)
	}
	u.mac.Reset()
	u.mac.Write(msg)
	return u.mac.Sum(out[:0])[:u.tmpl.auth.digestLen]
}

// verify checks the digest of msg; authParams is the sub-slice of msg that holds it and is
// zeroed for the computation (RFC 3414 §6.3.2 step 3) and restored afterwards.
func (u *usmUser) verify(msg, authParams []byte) bool {
	if len(authParams) != u.tmpl.auth.digestLen {
		return false
	}
	var got, want [64]byte
	copy(got[:], authParams)
	clear(authParams)
	d := u.digest(msg, want[:])
	copy(authParams, got[:len(authParams)])
	return subtle.ConstantTimeCompare(d, got[:len(d)]) == 1
}

// cipherBlock returns the (cached) block cipher for the user's privacy key.
func (u *usmUser) cipherBlock() (cipher.Block, error) {
	if u.block != nil {
		return u.block, nil
	}
	var err error
	switch u.tmpl.priv.kind {
	case privDES:
		u.block, err = des.NewCipher(u.privKey[:8]) //nolint:gosec
	case privAES:
		u.block, err = aes.NewCipher(u.privKey)
	}
	if err != nil {
		return nil, fmt.Errorf("create cipher: %w", err)
	}
	return u.block, nil
}

// decrypt decrypts data in place (RFC 3414 §8.3.2 DES-CBC, RFC 3826 §3.1.4 AES-CFB128) and
// returns the plaintext (DES may carry padding after the scoped PDU; BER ignores it).
func (u *usmUser) decrypt(data, salt []byte, boots, engineTime uint32) ([]byte, error) {
	b, err := u.cipherBlock()
	if err != nil {
		return nil, err
	}
	if len(salt) != 8 {
		return nil, errBER
	}
	switch u.tmpl.priv.kind {
	case privDES:
		if len(data)%8 != 0 {
			return nil, errBER
		}
		var iv, prev, tmp [8]byte
		for i := range iv {
			iv[i] = u.privKey[8+i] ^ salt[i]
		}
		prev = iv
		for off := 0; off < len(data); off += 8 {
			blk := data[off : off+8]
			copy(tmp[:], blk)
			b.Decrypt(blk, blk)
			for i := range blk {
				blk[i] ^= prev[i]
			}
			prev = tmp
		}
		return data, nil
	case privAES:
		var iv, ks [16]byte
		binary.BigEndian.PutUint32(iv[0:], boots)
		binary.BigEndian.PutUint32(iv[4:], engineTime)
		copy(iv[8:], salt)
		for off := 0; off < len(data); off += 16 {
			b.Encrypt(ks[:], iv[:])
			end := min(off+16, len(data))
			copy(iv[:], data[off:end]) // CFB feeds back the ciphertext
			for i := off; i < end; i++ {
				data[i] ^= ks[i-off]
			}
		}
		return data, nil
	}
	return nil, errBER
}

// encrypt encrypts plain in place (DES pads it to 8 bytes first) and returns the ciphertext.
func (u *usmUser) encrypt(plain, salt []byte, boots, engineTime uint32) ([]byte, error) {
	b, err := u.cipherBlock()
	if err != nil {
		return nil, err
	}
	switch u.tmpl.priv.kind {
	case privDES:
		for len(plain)%8 != 0 {
			plain = append(plain, 0)
		}
		var prev [8]byte
		for i := range prev {
			prev[i] = u.privKey[8+i] ^ salt[i]
		}
		for off := 0; off < len(plain); off += 8 {
			blk := plain[off : off+8]
			for i := range blk {
				blk[i] ^= prev[i]
			}
			b.Encrypt(blk, blk)
			copy(prev[:], blk)
		}
		return plain, nil
	case privAES:
		var iv, ks [16]byte
		binary.BigEndian.PutUint32(iv[0:], boots)
		binary.BigEndian.PutUint32(iv[4:], engineTime)
		copy(iv[8:], salt)
		for off := 0; off < len(plain); off += 16 {
			b.Encrypt(ks[:], iv[:])
			end := min(off+16, len(plain))
			for i := off; i < end; i++ {
				plain[i] ^= ks[i-off]
			}
			copy(iv[:], plain[off:end])
		}
		return plain, nil
	}
	return nil, errBER
}

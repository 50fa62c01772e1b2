package gnmi

import (
	"fmt"
	"sort"
	"strings"

	gnmipb "github.com/openconfig/gnmi/proto/gnmi"
)

// ParsePath parses a gnmic-style string path into a gNMI Path (gNMI specification §2.2.2,
// "Path Conventions" in openconfig/reference path-strings.md):
//
//	[origin:]/elem/list[key=value][key2=value2]/leaf
//
// An origin is the text before ":/" at the start ("openconfig:/interfaces",
// "eos_native:/Sysdb"); a colon anywhere else belongs to the element name (module prefixes
// like "openconfig-interfaces:interfaces" and MAC addresses stay verbatim: the device wants
// them). The leading "/" is optional. Inside [...] a value may hold "/", "[" and "=";
// "\]" and "\\" escape a closing bracket and a backslash. "*" and "..." are kept as names
// and key values (wildcards). The error says at which character (1-based) parsing failed.
func ParsePath(s string) (*gnmipb.Path, error) {
	p := &gnmipb.Path{}
	rest := s
	off := 0
	if i := strings.Index(s, ":/"); i > 0 && !strings.ContainsAny(s[:i], "/[]=") {
		p.Origin = s[:i]
		rest = s[i+1:]
		off = i + 1
	}
	i := 0
	if strings.HasPrefix(rest, "/") {
		i = 1
	}
	if i == len(rest) {
		return p, nil // "/" or "origin:/" is the root
	}
	var name strings.Builder
	for i <= len(rest) {
		// one element: name, then zero or more [k=v]
		name.Reset()
		start := i
		for i < len(rest) && rest[i] != '/' && rest[i] != '[' {
			if rest[i] == ']' {
				return nil, pathErr(s, off+i, "unexpected ']' outside a key")
			}
			if rest[i] == '\\' && i+1 < len(rest) {
				i++
			}
			name.WriteByte(rest[i])
			i++
		}
		if i == start {
			if i < len(rest) && rest[i] == '[' {
				return nil, pathErr(s, off+i, "a key needs an element name before '['")
			}
			if i == len(rest) {
				break // trailing "/"
			}
			return nil, pathErr(s, off+i, "empty element (two '/' in a row)")
		}
		e := &gnmipb.PathElem{Name: name.String()}
		for i < len(rest) && rest[i] == '[' {
			kstart := i + 1
			j := kstart
			for j < len(rest) && rest[j] != '=' && rest[j] != ']' {
				j++
			}
			if j == len(rest) || rest[j] == ']' {
				return nil, pathErr(s, off+i, "key has no '=': write [key=value]")
			}
			key := rest[kstart:j]
			if key == "" {
				return nil, pathErr(s, off+kstart, "empty key name in [=...]")
			}
			var val strings.Builder
			j++ // past '='
			closed := false
			for j < len(rest) {
				c := rest[j]
				if c == '\\' && j+1 < len(rest) && (rest[j+1] == ']' || rest[j+1] == '\\') {
					val.WriteByte(rest[j+1])
					j += 2
					continue
				}
				if c == ']' {
					closed = true
					break
				}
				val.WriteByte(c)
				j++
			}
			if !closed {
				return nil, pathErr(s, off+i, fmt.Sprintf("key %q is missing its closing ']'", key))
			}
			if e.Key == nil {
				e.Key = map[string]string{}
			}
			if _, dup := e.Key[key]; dup {
				return nil, pathErr(s, off+kstart, fmt.Sprintf("key %q appears twice", key))
			}
			e.Key[key] = val.String()
			i = j + 1
		}
		p.Elem = append(p.Elem, e)
		if i == len(rest) {
			break
		}
		if rest[i] != '/' {
			return nil, pathErr(s, off+i, fmt.Sprintf("unexpected %q after ']': expected '/' or '['", rest[i]))
		}
		i++
		if i == len(rest) {
			break // trailing "/"
		}
	}
	return p, nil
}

func pathErr(s string, at int, msg string) error {
	return fmt.Errorf("path %q: character %d: %s", s, at+1, msg)
}

// PathString renders a path in the syntax ParsePath reads (origin prefix, sorted keys,
// escaped values), for logs, errors and the CLI.
func PathString(p *gnmipb.Path) string {
	var b strings.Builder
	if p.GetOrigin() != "" {
		b.WriteString(p.GetOrigin())
		b.WriteByte(':')
	}
	if len(p.GetElem()) == 0 {
		b.WriteByte('/')
	}
	for _, e := range p.GetElem() {
		b.WriteByte('/')
		b.WriteString(nameEscaper.Replace(e.GetName()))
		keys := make([]string, 0, len(e.GetKey()))
		for k := range e.GetKey() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteByte('[')
			b.WriteString(k)
			b.WriteByte('=')
			v := e.Key[k]
			v = strings.ReplaceAll(v, `\`, `\\`)
			v = strings.ReplaceAll(v, `]`, `\]`)
			b.WriteString(v)
			b.WriteByte(']')
		}
	}
	return b.String()
}

// nameEscaper escapes what ParsePath would read as syntax inside an element name.
var nameEscaper = strings.NewReplacer(`\`, `\\`, `/`, `\/`, `[`, `\[`, `]`, `\]`)

// JoinPath returns prefix + path as one path (origin from path, else prefix; target dropped).
func JoinPath(prefix, path *gnmipb.Path) *gnmipb.Path {
	out := &gnmipb.Path{Origin: path.GetOrigin()}
	if out.Origin == "" {
		out.Origin = prefix.GetOrigin()
	}
	out.Elem = make([]*gnmipb.PathElem, 0, len(prefix.GetElem())+len(path.GetElem()))
	out.Elem = append(out.Elem, prefix.GetElem()...)
	out.Elem = append(out.Elem, path.GetElem()...)
	return out
}

package snmp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// This file holds the small expression language of profile tables (computed_fields,
// computed_tags, filter, valid). Device MIBs spread one OpenConfig value over several columns
// (hrStorageSize × hrStorageAllocationUnits, entPhySensorValue × 10^(3·(scale−9)−precision))
// or encode it in a unit OpenConfig does not use (mW, µW, tenths of a degree), so a column
// → field map alone cannot name it. The language is deliberately tiny: numbers, strings,
// names, + − × ÷, comparisons, && || !, and a fixed set of functions. It is compiled once
// per profile and evaluated per row without allocation on the numeric paths.

// xkind is the kind of an expression value.
type xkind uint8

const (
	xMissing xkind = iota // an absent column, a failed conversion: propagates
	xNum
	xStr
)

// xval is an expression value.
type xval struct {
	kind xkind
	raw  bool // str holds an OctetString's bytes, rendered by octetString (text or hex)
	num  float64
	str  string
}

func xnum(f float64) xval { return xval{kind: xNum, num: f} }
func xstr(s string) xval  { return xval{kind: xStr, str: s} }

// truthy is the value of a filter or valid expression: true for non-zero numbers and
// non-empty strings; missing is false.
func (v xval) truthy() bool {
	switch v.kind {
	case xNum:
		return v.num != 0 && !math.IsNaN(v.num)
	case xStr:
		return v.str != ""
	}
	return false
}

// asNum returns v as a number: numbers as they are, strings when they are a whole number
// ("-2.740884", as dnos sends DOM values), else missing.
func (v xval) asNum() (float64, bool) {
	switch v.kind {
	case xNum:
		return v.num, true
	case xStr:
		f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimRight(v.str, "\x00")), 64)
		return f, err == nil
	}
	return 0, false
}

func (v xval) String() string {
	switch v.kind {
	case xNum:
		if v.num == math.Trunc(v.num) && math.Abs(v.num) < 1e15 {
			return strconv.FormatFloat(v.num, 'f', -1, 64) // indexes: 436404224, not 4.36404224e+08
		}
		return strconv.FormatFloat(v.num, 'g', -1, 64)
	case xStr:
		if v.raw {
			return octetString([]byte(v.str))
		}
		return v.str
	}
	return ""
}

// env gives an expression its row: values by slot number (see exprScope).
type env []xval

// xnode is a compiled expression.
type xnode interface {
	eval(e env) xval
}

type (
	xconst struct{ v xval }
	xvar   struct{ slot int }
	xunary struct {
		op byte // '-' or '!'
		x  xnode
	}
	xbinary struct {
		op   string
		l, r xnode
	}
	xcall struct {
		fn   string
		args []xnode
	}
)

func (n xconst) eval(env) xval { return n.v }
func (n xvar) eval(e env) xval { return e[n.slot] }
func (n xunary) eval(e env) xval {
	v := n.x.eval(e)
	if n.op == '!' {
		if v.truthy() {
			return xnum(0)
		}
		return xnum(1)
	}
	f, ok := v.asNum()
	if !ok {
		return xval{}
	}
	return xnum(-f)
}

func boolVal(b bool) xval {
	if b {
		return xnum(1)
	}
	return xnum(0)
}

func (n xbinary) eval(e env) xval {
	switch n.op {
	case "&&":
		return boolVal(n.l.eval(e).truthy() && n.r.eval(e).truthy())
	case "||":
		return boolVal(n.l.eval(e).truthy() || n.r.eval(e).truthy())
	}
	l, r := n.l.eval(e), n.r.eval(e)
	if l.kind == xMissing || r.kind == xMissing {
		if n.op == "==" || n.op == "!=" {
			// Comparing with an absent column: only "absent != x" holds.
			return boolVal(n.op == "!=" && l.kind != r.kind)
		}
		return xval{}
	}
	if n.op == "+" && (l.kind == xStr || r.kind == xStr) {
		return xstr(l.String() + r.String()) // "measured entity - sensor" names
	}
	if (n.op == "==" || n.op == "!=") && (l.kind == xStr || r.kind == xStr) {
		eq := l.String() == r.String()
		if lf, ok1 := l.asNum(); ok1 {
			if rf, ok2 := r.asNum(); ok2 {
				eq = lf == rf
			}
		}
		return boolVal(eq == (n.op == "=="))
	}
	a, ok1 := l.asNum()
	b, ok2 := r.asNum()
	if !ok1 || !ok2 {
		return xval{}
	}
	switch n.op {
	case "+":
		return xnum(a + b)
	case "-":
		return xnum(a - b)
	case "*":
		return xnum(a * b)
	case "/":
		if b == 0 {
			return xval{}
		}
		return xnum(a / b)
	case "==":
		return boolVal(a == b)
	case "!=":
		return boolVal(a != b)
	case "<":
		return boolVal(a < b)
	case "<=":
		return boolVal(a <= b)
	case ">":
		return boolVal(a > b)
	case ">=":
		return boolVal(a >= b)
	}
	return xval{}
}

// exprFuncs lists the functions and their arity (-1: one or more).
var exprFuncs = map[string]int{
	"num":      1,  // first decimal number in a string ("33.67A" → 33.67), numbers unchanged
	"pow10":    1,  // 10^x
	"log10":    1,  // log10(x)
	"mw_dbm":   1,  // milliwatts → dBm: 10·log10(x)
	"uw_dbm":   1,  // microwatts → dBm: 10·log10(x/1000)
	"first":    -1, // the first argument that is present and not an empty string
	"has":      1,  // 1 when the argument is present, else 0
	"str":      1,  // the argument as a string (numbers in shortest decimal form)
	"round":    1,  // nearest integer
	"ip":       1,  // an InetAddress/IpAddress octet string as text (4 bytes: dotted, 16: RFC 5952)
	"mac":      1,  // an octet string as aa:bb:cc:dd:ee:ff
	"lower":    1,  // a string in lower case
	"contains": 2,  // 1 when the first string contains the second (case-insensitive), else 0
	"if":       3,  // if(c, a, b): a when c is true, else b
	"trim":     1,  // a string without leading and trailing white space
	"cstr":     1,  // an octet string up to its first NUL byte (EdgeOS pads names with NUL and garbage)
	"after":    2,  // the part of the first string after the last occurrence of the second ("" if none)
}

func (n xcall) eval(e env) xval {
	if n.fn == "first" {
		var last xval
		for _, a := range n.args {
			v := a.eval(e)
			if v.kind == xNum || v.kind == xStr && v.String() != "" {
				return v
			}
			if v.kind != xMissing {
				last = v
			}
		}
		return last // all absent or empty: an empty string stays empty, not absent
	}
	if n.fn == "if" {
		if n.args[0].eval(e).truthy() {
			return n.args[1].eval(e)
		}
		return n.args[2].eval(e)
	}
	v := n.args[0].eval(e)
	switch n.fn {
	case "contains":
		w := n.args[1].eval(e)
		if v.kind == xMissing || w.kind == xMissing {
			return xval{}
		}
		return boolVal(containsFold(v.String(), w.String()))
	case "trim":
		if v.kind != xStr {
			return v
		}
		return xstr(strings.TrimSpace(v.String()))
	case "cstr":
		if v.kind != xStr {
			return v
		}
		if i := strings.IndexByte(v.str, 0); i >= 0 && v.raw {
			return xstr(strings.TrimSpace(octetString([]byte(v.str[:i]))))
		}
		return xstr(strings.TrimSpace(v.String()))
	case "after":
		w := n.args[1].eval(e)
		if v.kind == xMissing || w.kind == xMissing {
			return xval{}
		}
		str, sep := v.String(), w.String()
		i := strings.LastIndex(str, sep)
		if i < 0 {
			return xstr("")
		}
		return xstr(str[i+len(sep):])
	case "lower":
		if v.kind == xMissing {
			return v
		}
		return xstr(strings.ToLower(v.String()))
	case "mac":
		if v.kind == xStr && v.raw {
			if len(v.str) == 0 {
				return xval{}
			}
			return xstr(macString([]byte(v.str)))
		}
		return v
	case "has":
		return boolVal(v.kind != xMissing)
	case "str":
		if v.kind == xMissing {
			return v
		}
		return xstr(v.String())
	case "num":
		if v.kind == xStr {
			if f, ok := firstNumber(v.String()); ok {
				return xnum(f)
			}
			return xval{}
		}
		return v
	case "ip":
		if v.kind == xStr && v.raw {
			return xstr(ipText(v.str))
		}
		return v
	}
	f, ok := v.asNum()
	if !ok {
		return xval{}
	}
	switch n.fn {
	case "pow10":
		return xnum(math.Pow(10, f))
	case "log10":
		return xnum(math.Log10(f))
	case "mw_dbm":
		return xnum(10 * math.Log10(f))
	case "uw_dbm":
		return xnum(10 * math.Log10(f/1000))
	case "round":
		return xnum(math.Round(f))
	}
	return xval{}
}

// firstNumber returns the first decimal number in s (fgHwSensorEntValue "33.67A", dnos DOM
// strings): an optional minus, digits, an optional fraction.
func firstNumber(s string) (float64, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		start := i
		if c == '-' && i+1 < len(s) && (isDigit(s[i+1]) || s[i+1] == '.' && i+2 < len(s) && isDigit(s[i+2])) {
			i++
		} else if !isDigit(c) && !(c == '.' && i+1 < len(s) && isDigit(s[i+1])) {
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '.' && j+1 < len(s) && isDigit(s[j+1]) {
			j++
			for j < len(s) && isDigit(s[j]) {
				j++
			}
		}
		f, err := strconv.ParseFloat(s[start:j], 64)
		return f, err == nil
	}
	return 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// containsFold is strings.Contains ignoring case, without allocating (it runs per sensor row
// and poll).
func containsFold(s, sub string) bool {
	if sub == "" {
		return true
	}
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// exprScope resolves names to env slots while compiling.
type exprScope struct {
	names map[string]int
}

func (s *exprScope) slot(name string) (int, bool) {
	i, ok := s.names[name]
	return i, ok
}

// compileExpr parses src with names resolved by scope.
func compileExpr(src string, scope *exprScope) (xnode, error) {
	p := &xparser{src: src, scope: scope}
	p.next()
	n, err := p.parseOr()
	if err != nil {
		return nil, fmt.Errorf("expression %q: %w", src, err)
	}
	if p.tok != "" {
		return nil, fmt.Errorf("expression %q: unexpected %q at offset %d", src, p.tok, p.pos)
	}
	return n, nil
}

// xparser is a precedence-climbing parser over a one-token lookahead.
type xparser struct {
	src   string
	pos   int
	tok   string // current token; "" at the end
	str   bool   // tok is a string literal (unquoted in tok)
	scope *exprScope
	err   error
}

func (p *xparser) next() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n') {
		p.pos++
	}
	p.str = false
	if p.pos >= len(p.src) {
		p.tok = ""
		return
	}
	c := p.src[p.pos]
	start := p.pos
	switch {
	case c == '"':
		end := strings.IndexByte(p.src[p.pos+1:], '"')
		if end < 0 {
			p.err = fmt.Errorf("unterminated string at offset %d", p.pos)
			p.tok, p.pos = "", len(p.src)
			return
		}
		p.tok, p.str = p.src[p.pos+1:p.pos+1+end], true
		p.pos += end + 2
		return
	case isDigit(c) || c == '.':
		for p.pos < len(p.src) && (isDigit(p.src[p.pos]) || p.src[p.pos] == '.' || p.src[p.pos] == 'e' ||
			(p.src[p.pos] == '-' || p.src[p.pos] == '+') && (p.src[p.pos-1] == 'e')) {
			p.pos++
		}
	case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		for p.pos < len(p.src) && (p.src[p.pos] == '_' || isDigit(p.src[p.pos]) || p.src[p.pos] >= 'a' && p.src[p.pos] <= 'z' || p.src[p.pos] >= 'A' && p.src[p.pos] <= 'Z') {
			p.pos++
		}
	default:
		if p.pos+1 < len(p.src) {
			switch two := p.src[p.pos : p.pos+2]; two {
			case "&&", "||", "==", "!=", "<=", ">=":
				p.tok = two
				p.pos += 2
				return
			}
		}
		p.pos++
	}
	p.tok = p.src[start:p.pos]
}

func (p *xparser) parseOr() (xnode, error) {
	return p.parseBin(0)
}

var xlevels = [][]string{{"||"}, {"&&"}, {"==", "!=", "<", "<=", ">", ">="}, {"+", "-"}, {"*", "/"}}

func (p *xparser) parseBin(level int) (xnode, error) {
	if level == len(xlevels) {
		return p.parseUnary()
	}
	l, err := p.parseBin(level + 1)
	if err != nil {
		return nil, err
	}
	for !p.str && contains(xlevels[level], p.tok) {
		op := p.tok
		p.next()
		r, err := p.parseBin(level + 1)
		if err != nil {
			return nil, err
		}
		l = xbinary{op: op, l: l, r: r}
	}
	return l, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *xparser) parseUnary() (xnode, error) {
	if !p.str && (p.tok == "-" || p.tok == "!") {
		op := p.tok[0]
		p.next()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return xunary{op: op, x: x}, nil
	}
	return p.parsePrimary()
}

func (p *xparser) parsePrimary() (xnode, error) {
	if p.err != nil {
		return nil, p.err
	}
	tok := p.tok
	switch {
	case p.str:
		p.next()
		return xconst{xstr(tok)}, nil
	case tok == "":
		return nil, fmt.Errorf("unexpected end")
	case tok == "(":
		p.next()
		n, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if p.tok != ")" {
			return nil, fmt.Errorf("missing ) at offset %d", p.pos)
		}
		p.next()
		return n, nil
	case isDigit(tok[0]) || tok[0] == '.':
		f, err := strconv.ParseFloat(tok, 64)
		if err != nil {
			return nil, fmt.Errorf("bad number %q", tok)
		}
		p.next()
		return xconst{xnum(f)}, nil
	case tok[0] == '_' || tok[0] >= 'a' && tok[0] <= 'z' || tok[0] >= 'A' && tok[0] <= 'Z':
		p.next()
		if p.tok == "(" && !p.str {
			arity, ok := exprFuncs[tok]
			if !ok {
				return nil, fmt.Errorf("unknown function %s", tok)
			}
			p.next()
			var args []xnode
			for p.tok != ")" {
				a, err := p.parseOr()
				if err != nil {
					return nil, err
				}
				args = append(args, a)
				if p.tok == "," {
					p.next()
				} else if p.tok != ")" {
					return nil, fmt.Errorf("want , or ) in call of %s at offset %d", tok, p.pos)
				}
			}
			p.next()
			if arity >= 0 && len(args) != arity || len(args) == 0 {
				return nil, fmt.Errorf("%s takes %d argument(s), got %d", tok, max(arity, 1), len(args))
			}
			return xcall{fn: tok, args: args}, nil
		}
		if tok == "null" {
			return xconst{}, nil // absent: the field is not written
		}
		slot, ok := p.scope.slot(tok)
		if !ok {
			return nil, fmt.Errorf("unknown name %s (declare it under columns, index or lookups)", tok)
		}
		return xvar{slot}, nil
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", tok, p.pos)
}

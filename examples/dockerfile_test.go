package examples_test

import (
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// instruction is one Dockerfile instruction with its continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
	line int
}

// parseDockerfile splits a Dockerfile into instructions (comments dropped, `\` line
// continuations joined). Heredocs are not supported: examples/Dockerfile uses none.
func parseDockerfile(data string) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(data, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(trimmed, "#") {
			continue // comment inside a continued instruction
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if s, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args), line: start})
		cur.Reset()
	}
	return out
}

// shellWords splits a shell command line into words, honouring '...' and "..." quoting
// and backslash escapes (enough for a RUN line; no expansions).
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated '")
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, errors.New(`unterminated "`)
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '\\' && i+1 < len(s):
			w.WriteByte(s[i+1])
			i++
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// goBuild is the `go build` command a Dockerfile runs.
type goBuild struct {
	env  map[string]string // assignments before `go build`, unexpanded
	args []string          // after `go build`
	line int
}

var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// findGoBuild extracts the `go build` command of the Dockerfile's RUN instructions.
func findGoBuild(ins []instruction) (goBuild, error) {
	for _, in := range ins {
		if in.cmd != "RUN" || !strings.Contains(in.args, "go build") {
			continue
		}
		for _, seg := range strings.Split(in.args, "&&") {
			if !strings.Contains(seg, "go build") {
				continue
			}
			words, err := shellWords(seg)
			if err != nil {
				return goBuild{}, fmt.Errorf("line %d: %w", in.line, err)
			}
			b := goBuild{env: map[string]string{}, line: in.line}
			i := 0
			for ; i < len(words) && strings.HasPrefix(words[i], "--"); i++ { // RUN --mount=...
			}
			for ; i < len(words) && assignment.MatchString(words[i]); i++ {
				k, v, _ := strings.Cut(words[i], "=")
				b.env[k] = v
			}
			if i+1 >= len(words) || words[i] != "go" || words[i+1] != "build" {
				return goBuild{}, fmt.Errorf("line %d: want [VAR=value ...] go build ..., got %q", in.line, seg)
			}
			b.args = words[i+2:]
			return b, nil
		}
	}
	return goBuild{}, errors.New("no RUN instruction runs go build")
}

// checkStaticBuild checks that a `go build` line produces a static, trimmed, stripped netpulse.
func checkStaticBuild(b goBuild) error {
	var errs []error
	if b.env["CGO_ENABLED"] != "0" {
		errs = append(errs, fmt.Errorf("line %d: CGO_ENABLED=%q, want 0 (a static binary)", b.line, b.env["CGO_ENABLED"]))
	}
	if !slices.Contains(b.args, "-trimpath") {
		errs = append(errs, fmt.Errorf("line %d: go build lacks -trimpath", b.line))
	}
	ld := ""
	for i, a := range b.args {
		if a == "-ldflags" && i+1 < len(b.args) {
			ld = b.args[i+1]
		} else if v, ok := strings.CutPrefix(a, "-ldflags="); ok {
			ld = v
		}
	}
	if f := strings.Fields(ld); !slices.Contains(f, "-s") || !slices.Contains(f, "-w") {
		errs = append(errs, fmt.Errorf("line %d: -ldflags %q, want -s -w", b.line, ld))
	}
	if len(b.args) == 0 || b.args[len(b.args)-1] != "./cmd/netpulse" {
		errs = append(errs, fmt.Errorf("line %d: go build does not end with ./cmd/netpulse: %v", b.line, b.args))
	}
	return errors.Join(errs...)
}

// checkStaticELF reports why an ELF file is not a static executable: a PT_INTERP (program
// interpreter, i.e. the dynamic loader) or PT_DYNAMIC header, or any DT_NEEDED library.
func checkStaticELF(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var errs []error
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			interp, _ := io.ReadAll(p.Open())
			errs = append(errs, fmt.Errorf("has PT_INTERP %q: it needs the dynamic loader", strings.TrimRight(string(interp), "\x00")))
		case elf.PT_DYNAMIC:
			errs = append(errs, errors.New("has a PT_DYNAMIC segment"))
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		errs = append(errs, fmt.Errorf("needs shared libraries (DT_NEEDED): %v", libs))
	}
	return errors.Join(errs...)
}

// dockerignore is a parsed .dockerignore, with Docker's matching rules: patterns are
// relative to the context root, `*` and `?` stay within one path element, `**` spans any
// number of them, a matching directory excludes everything below it, `!` re-includes, and
// the last matching pattern wins.
type dockerignore []struct {
	re      *regexp.Regexp
	exclude bool
}

func parseDockerignore(data string) (dockerignore, error) {
	var d dockerignore
	for _, line := range strings.Split(data, "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		exclude := true
		if s, ok := strings.CutPrefix(p, "!"); ok {
			p, exclude = s, false
		}
		p = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(p)), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch c := p[i]; {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		r, err := regexp.Compile(re.String())
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", line, err)
		}
		d = append(d, struct {
			re      *regexp.Regexp
			exclude bool
		}{r, exclude})
	}
	return d, nil
}

// excluded reports whether rel (slash-separated, relative to the context) is left out.
func (d dockerignore) excluded(rel string) bool {
	out := false
	parts := strings.Split(rel, "/")
	for _, p := range d {
		for i := 1; i <= len(parts); i++ { // the path or any parent directory
			if p.re.MatchString(strings.Join(parts[:i], "/")) {
				out = p.exclude
				break
			}
		}
	}
	return out
}

// copyContext copies the repository into dst as `docker build` would send it: without what
// .dockerignore excludes.
func copyContext(src, dst string, ign dockerignore) (files int, err error) {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	err = filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if ign.excluded(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		return os.WriteFile(target, data, 0o644)
	})
	return files, err
}

func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	return parseDockerfile(string(data))
}

func TestDockerfileStructure(t *testing.T) {
	ins := readDockerfile(t)
	var froms []instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			froms = append(froms, in)
		}
	}
	if len(froms) < 2 {
		t.Fatalf("%d FROM instructions: want a multi-stage build", len(froms))
	}
	final := froms[len(froms)-1]
	image := strings.Fields(final.args)[0]
	scratch := image == "scratch"
	if !scratch && !strings.HasPrefix(image, "gcr.io/distroless/static") {
		t.Errorf("final image %s: want scratch or gcr.io/distroless/static (tiny, no libc needed)", image)
	}

	// Instructions of the final stage.
	var last []instruction
	for i, in := range ins {
		if in.line == final.line {
			last = ins[i+1:]
		}
	}
	user, entry := "", ""
	copiesBinary := false
	for _, in := range last {
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT":
			entry = in.args
		case "COPY":
			copiesBinary = copiesBinary || (strings.Contains(in.args, "--from=") && strings.Contains(in.args, "netpulse "))
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		if !(strings.HasSuffix(image, ":nonroot") && user == "") {
			t.Errorf("final stage runs as %q: want a non-root USER", user)
		}
	}
	var ep []string
	if err := json.Unmarshal([]byte(entry), &ep); err != nil || len(ep) == 0 || filepath.Base(ep[0]) != "netpulse" {
		t.Errorf("ENTRYPOINT %s: want the exec form [\"/.../netpulse\"]", entry)
	}
	if !copiesBinary {
		t.Error("the final stage does not COPY --from the build stage's netpulse binary")
	}
	if scratch {
		// scratch has nothing: TLS to InfluxDB/devices needs CA certificates and a non-root
		// USER needs a passwd entry.
		all := fmt.Sprint(last)
		for _, need := range []string{"/etc/passwd", "ca-certificates"} {
			if !strings.Contains(all, need) {
				t.Errorf("scratch final stage does not copy %s", need)
			}
		}
	}

	// The Go version of the builder follows go.mod.
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	goVersion := ""
	for _, in := range ins {
		if v, ok := strings.CutPrefix(in.args, "GO_VERSION="); in.cmd == "ARG" && ok {
			goVersion = v
		}
	}
	if goVersion != string(m[1]) {
		t.Errorf("Dockerfile ARG GO_VERSION=%q, go.mod says go %s", goVersion, m[1])
	}

	b, err := findGoBuild(ins)
	if err != nil {
		t.Fatal(err)
	}
	if err := checkStaticBuild(b); err != nil {
		t.Error(err)
	}

	// .dockerignore keeps secrets and the repository history out of the context.
	data, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	ign, err := parseDockerignore(string(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{".git/config", "examples/.env", ".env", "collector/snmp/testdata/x"} {
		if !ign.excluded(p) {
			t.Errorf(".dockerignore does not exclude %s", p)
		}
	}
	for _, p := range []string{"go.mod", "go.sum", "cmd/netpulse/main.go", "collector/point.go"} {
		if ign.excluded(p) {
			t.Errorf(".dockerignore excludes %s, which the build needs", p)
		}
	}
}

// TestBrokenDockerfileFails feeds the checks broken build lines and binaries.
func TestBrokenDockerfileFails(t *testing.T) {
	b, err := findGoBuild(readDockerfile(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := checkStaticBuild(b); err != nil {
		t.Fatalf("the real build line must pass: %v", err)
	}
	cgo := b
	cgo.env = map[string]string{"CGO_ENABLED": "1"}
	if checkStaticBuild(cgo) == nil {
		t.Error("CGO_ENABLED=1 passed the static-build check")
	}
	noStrip := b
	noStrip.args = slices.DeleteFunc(slices.Clone(b.args), func(a string) bool { return a == "-trimpath" })
	if checkStaticBuild(noStrip) == nil {
		t.Error("a build without -trimpath passed")
	}

	// A dynamically linked executable must fail the ELF check. /bin/sh is one on every
	// glibc or musl system this test runs on.
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to serve as a dynamic ELF example")
	}
	sh, _ = filepath.EvalSymlinks(sh)
	if f, err := elf.Open(sh); err != nil {
		t.Skipf("%s is not ELF: %v", sh, err)
	} else {
		f.Close()
	}
	if checkStaticELF(sh) == nil {
		t.Errorf("%s (dynamically linked) passed the static-ELF check", sh)
	}
}

// TestDockerBuildIsStatic runs the Dockerfile's own `go build` line on the build context
// .dockerignore leaves, then checks the binary is static and runs. It stands in for
// `docker build` on machines without a Docker engine.
func TestDockerBuildIsStatic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds netpulse (about a minute on a cold cache); run without -short")
	}
	b, err := findGoBuild(readDockerfile(t))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	ign, err := parseDockerignore(string(data))
	if err != nil {
		t.Fatal(err)
	}
	ctxDir := filepath.Join(t.TempDir(), "src")
	n, err := copyContext("..", ctxDir, ign)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("build context: %d files after .dockerignore", n)

	// BuildKit sets TARGETOS/TARGETARCH to the platform being built; build for Linux on
	// this machine's architecture.
	buildArgs := map[string]string{"TARGETOS": "linux", "TARGETARCH": runtime.GOARCH}
	expand := func(s string) string { return os.Expand(s, func(k string) string { return buildArgs[k] }) }
	bin := filepath.Join(t.TempDir(), "netpulse")
	var args []string
	for i := 0; i < len(b.args); i++ {
		if b.args[i] == "-o" && i+1 < len(b.args) {
			args = append(args, "-o", bin)
			i++
			continue
		}
		args = append(args, expand(b.args[i]))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build"}, args...)...)
	cmd.Dir = ctxDir
	cmd.Env = os.Environ()
	for k, v := range b.env {
		cmd.Env = append(cmd.Env, k+"="+expand(v))
	}
	// The caller's GOFLAGS (say -race, which needs cgo) are not the Dockerfile's: drop them.
	cmd.Env = append(cmd.Env, "GOFLAGS=")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s (in the .dockerignore-filtered context): %v\n%s", strings.Join(args, " "), err, out)
	}
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built in %s: %.1f MiB", time.Since(start).Round(time.Second), float64(st.Size())/(1<<20))

	if err := checkStaticELF(bin); err != nil {
		t.Errorf("%s is not static: %v", bin, err)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	if f.Section(".symtab") != nil {
		t.Error("the binary has a symbol table: -ldflags -s did not apply")
	}
	f.Close()

	if runtime.GOOS == "linux" {
		out, err := exec.CommandContext(ctx, bin, "version").CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "netpulse ") {
			t.Errorf("netpulse version: %v\n%s", err, out)
		}
		checkFlagsExist(t, ctx, bin)
		// Paths of the build machine must not leak into the binary (-trimpath).
		raw, _ := os.ReadFile(bin)
		if strings.Contains(string(raw), ctxDir) {
			t.Errorf("the binary contains the build directory %s: -trimpath did not apply", ctxDir)
		}
	}
}

// checkFlagsExist runs `netpulse <command> --help` for every command line the examples
// give netpulse (Kubernetes args, the compose command, the Dockerfile CMD) and checks that
// each --flag they use is one the command knows, so a renamed flag fails here rather than
// in a cluster at 3 a.m.
func checkFlagsExist(t *testing.T, ctx context.Context, bin string) {
	t.Helper()
	var cmdLines [][]string
	docs, err := readK8s("kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range workloads(docs) {
		var a []string
		for _, x := range list(podSpec(d.o)["containers"].([]any)[0], "args") {
			a = append(a, fmt.Sprint(x))
		}
		cmdLines = append(cmdLines, a)
	}
	raw, err := os.ReadFile("docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var compose obj
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatal(err)
	}
	var a []string
	for _, x := range list(compose, "services", "netpulse", "command") {
		a = append(a, fmt.Sprint(x))
	}
	cmdLines = append(cmdLines, a)
	for _, in := range readDockerfile(t) {
		if in.cmd == "CMD" {
			var c []string
			if err := json.Unmarshal([]byte(in.args), &c); err != nil {
				t.Errorf("CMD %s: want the exec form: %v", in.args, err)
			}
			cmdLines = append(cmdLines, c)
		}
	}
	help := map[string]string{}
	for _, line := range cmdLines {
		if len(line) == 0 || strings.HasPrefix(line[0], "-") {
			t.Errorf("command line %q does not start with a netpulse command", line)
			continue
		}
		sub := line[0]
		if _, ok := help[sub]; !ok {
			out, err := exec.CommandContext(ctx, bin, sub, "--help").CombinedOutput()
			if err != nil {
				t.Errorf("netpulse %s --help: %v\n%s", sub, err, out)
				continue
			}
			help[sub] = string(out)
		}
		for _, w := range line[1:] {
			name, _, _ := strings.Cut(w, "=")
			if strings.HasPrefix(name, "--") && !regexp.MustCompile(`(^|[\s,])`+regexp.QuoteMeta(name)+`\b`).MatchString(help[sub]) {
				t.Errorf("netpulse %s has no flag %s (used in %q)", sub, name, line)
			}
		}
	}
}

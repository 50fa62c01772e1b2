package examples_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/targets"
)

// composeVar matches compose interpolation: ${VAR}, ${VAR:?msg}, ${VAR:-default}, ...
var composeVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:[:?-][^}]*)?\}`)

// interpolate resolves compose variables the way `docker compose` would with every
// variable set in vars.
func interpolate(s string, vars map[string]string) string {
	return composeVar.ReplaceAllStringFunc(s, func(m string) string {
		return vars[composeVar.FindStringSubmatch(m)[1]]
	})
}

// composeEnv returns a service's environment as a map (compose allows a mapping or a list
// of NAME=value).
func composeEnv(svc any) map[string]string {
	env := map[string]string{}
	switch e := dig(svc, "environment").(type) {
	case obj:
		for k, v := range e {
			env[k] = fmt.Sprint(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(fmt.Sprint(kv), "=")
			env[k] = v
		}
	}
	return env
}

// readEnvExample returns the variable names env.example documents.
func readEnvExample(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("env.example")
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("env.example: %q is not NAME=value", line)
			continue
		}
		vars[k] = dummySecret
	}
	return vars
}

func TestCompose(t *testing.T) {
	raw, err := os.ReadFile("docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vars := readEnvExample(t)
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yaml: %v", err)
	}
	// Compose interpolates values (not comments): each variable must be documented in
	// env.example, since `${VAR:?}` stops compose when it is unset.
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			for _, m := range composeVar.FindAllStringSubmatch(n.Value, -1) {
				if _, ok := vars[m[1]]; !ok {
					t.Errorf("docker-compose.yaml line %d uses ${%s}, which env.example does not list", n.Line, m[1])
				}
			}
			n.Value = interpolate(n.Value, vars)
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	var compose obj
	if err := doc.Decode(&compose); err != nil {
		t.Fatalf("docker-compose.yaml: %v", err)
	}
	services, _ := dig(compose, "services").(obj)
	for _, want := range []string{"netpulse", "influxdb", "grafana"} {
		if services[want] == nil {
			t.Fatalf("docker-compose.yaml: no service %q", want)
		}
	}
	namedVolumes, _ := dig(compose, "volumes").(obj)

	// Every bind mount and build input must exist; named volumes must be declared.
	binds := map[string]map[string]string{} // service → container path → host path
	for name, svc := range services {
		binds[name] = map[string]string{}
		for _, v := range list(svc, "volumes") {
			parts := strings.Split(fmt.Sprint(v), ":")
			if len(parts) < 2 {
				t.Errorf("service %s: volume %q has no target", name, v)
				continue
			}
			src, dst := parts[0], parts[1]
			if strings.HasPrefix(src, ".") || strings.HasPrefix(src, "/") {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("service %s: bind mount source %s: %v", name, src, err)
				}
				binds[name][dst] = src
			} else if _, ok := namedVolumes[src]; !ok {
				t.Errorf("service %s: named volume %q is not declared under volumes:", name, src)
			}
		}
		if b := dig(svc, "build"); b != nil {
			ctx := str(b, "context")
			if _, err := os.Stat(filepath.Join(ctx, "go.mod")); err != nil {
				t.Errorf("service %s: build context %s has no go.mod: %v", name, ctx, err)
			}
			if _, err := os.Stat(filepath.Join(ctx, str(b, "dockerfile"))); err != nil {
				t.Errorf("service %s: dockerfile: %v", name, err)
			}
		}
	}

	// netpulse: the --config it runs is the mounted file, and that file loads with exactly
	// the environment compose gives the container.
	np := services["netpulse"]
	var cmd []string
	for _, a := range list(np, "command") {
		cmd = append(cmd, fmt.Sprint(a))
	}
	cfgInContainer := flagValue(cmd, "--config")
	host, ok := binds["netpulse"][cfgInContainer]
	if !ok {
		t.Fatalf("netpulse runs --config %q, which no bind mount provides (%v)", cfgInContainer, binds["netpulse"])
	}
	cfgText, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	env := composeEnv(np)
	for _, m := range envRef.FindAllStringSubmatch(string(cfgText), -1) {
		val, ok := env[m[1]]
		if !ok {
			t.Errorf("%s uses ${%s}, which the netpulse service's environment does not set", host, m[1])
		}
		t.Setenv(m[1], val)
	}
	f, err := targets.Parse(cfgText, filepath.Dir(host))
	if err != nil {
		t.Fatalf("%s in the netpulse container: %v", host, err)
	}

	// The three services must agree on where the data goes.
	influxEnv := composeEnv(services["influxdb"])
	org, bucket, token := influxEnv["DOCKER_INFLUXDB_INIT_ORG"], influxEnv["DOCKER_INFLUXDB_INIT_BUCKET"], influxEnv["DOCKER_INFLUXDB_INIT_ADMIN_TOKEN"]
	if !strings.HasPrefix(str(services["influxdb"], "image"), "influxdb:2") {
		t.Errorf("influxdb image %q, want influxdb:2.x", str(services["influxdb"], "image"))
	}
	var influxOut *targets.Output
	for i := range f.Outputs {
		if f.Outputs[i].Type == "influxdb" {
			influxOut = &f.Outputs[i]
		}
	}
	if influxOut == nil {
		t.Fatalf("%s has no influxdb output", host)
	}
	u, err := url.Parse(influxOut.URL)
	if err != nil || services[u.Hostname()] == nil || u.Port() != "8086" {
		t.Errorf("netpulse output url %s: want http://<compose service>:8086", influxOut.URL)
	}
	if influxOut.Org != org || influxOut.Bucket != bucket || influxOut.Token.Reveal() != token {
		t.Errorf("netpulse writes to org %q bucket %q with a token that matches=%v; InfluxDB is set up with org %q bucket %q",
			influxOut.Org, influxOut.Bucket, influxOut.Token.Reveal() == token, org, bucket)
	}
	if f.Metrics.Listen != "" {
		_, port, _ := net.SplitHostPort(f.Metrics.Listen)
		published := false
		for _, p := range list(np, "ports") {
			published = published || strings.HasSuffix(fmt.Sprint(p), ":"+port)
		}
		if !published {
			t.Errorf("metrics.listen %s: port %s is not published by the netpulse service", f.Metrics.Listen, port)
		}
	}

	// Grafana: the provisioned datasource points at the same InfluxDB, org and bucket, and
	// every dashboard panel uses that datasource.
	gBinds := binds["grafana"]
	provDir, ok := gBinds["/etc/grafana/provisioning"]
	if !ok {
		t.Fatal("grafana: /etc/grafana/provisioning is not mounted")
	}
	dsData, err := os.ReadFile(filepath.Join(provDir, "datasources", "influxdb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dsData), "$INFLUX_TOKEN") {
		t.Error("the datasource must read its token from $INFLUX_TOKEN")
	}
	if _, ok := composeEnv(services["grafana"])["INFLUX_TOKEN"]; !ok {
		t.Error("grafana: INFLUX_TOKEN is not in its environment, so the datasource has no token")
	}
	var ds obj
	if err := yaml.Unmarshal(dsData, &ds); err != nil {
		t.Fatal(err)
	}
	sources := list(ds, "datasources")
	if len(sources) != 1 {
		t.Fatalf("%d datasources, want 1", len(sources))
	}
	src := sources[0]
	du, err := url.Parse(str(src, "url"))
	if err != nil || services[du.Hostname()] == nil || du.Port() != "8086" {
		t.Errorf("datasource url %q: want http://<compose service>:8086", str(src, "url"))
	}
	if str(src, "jsonData", "organization") != org || str(src, "jsonData", "defaultBucket") != bucket {
		t.Errorf("datasource org %q bucket %q, InfluxDB has org %q bucket %q", str(src, "jsonData", "organization"), str(src, "jsonData", "defaultBucket"), org, bucket)
	}
	uid := str(src, "uid")

	provData, err := os.ReadFile(filepath.Join(provDir, "dashboards", "netpulse.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var prov obj
	if err := yaml.Unmarshal(provData, &prov); err != nil {
		t.Fatal(err)
	}
	for _, p := range list(prov, "providers") {
		dir, ok := gBinds[str(p, "options", "path")]
		if !ok {
			t.Errorf("dashboard provider path %s is not mounted into grafana", str(p, "options", "path"))
			continue
		}
		checkDashboards(t, dir, uid, bucket)
	}
}

// checkDashboards parses every dashboard JSON in dir and checks its datasource references.
func checkDashboards(t *testing.T, dir, uid, bucket string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Errorf("no dashboards in %s", dir)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var dash map[string]any
		if err := json.Unmarshal(data, &dash); err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		panels, _ := dash["panels"].([]any)
		if len(panels) == 0 {
			t.Errorf("%s: no panels", file)
		}
		for _, p := range panels {
			if got := str(p, "datasource", "uid"); got != uid {
				t.Errorf("%s: panel %q uses datasource %q, want %q", file, str(p, "title"), got, uid)
			}
			for _, q := range list(p, "targets") {
				if !strings.Contains(str(q, "query"), `bucket: "`+bucket+`"`) {
					t.Errorf("%s: panel %q does not query bucket %q", file, str(p, "title"), bucket)
				}
			}
		}
	}
}

func TestComposeIgnoresLocalSecrets(t *testing.T) {
	data, err := os.ReadFile(".gitignore")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(strings.Fields(string(data)), ".env") {
		t.Error("examples/.gitignore must list .env (compose secrets)")
	}
}

package examples_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/netpulse/netpulse/targets"
)

// obj is one decoded YAML mapping.
type obj = map[string]any

// dig walks nested mappings; it returns nil when a key is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(obj)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any, keys ...string) string {
	s, _ := dig(v, keys...).(string)
	return s
}

func list(v any, keys ...string) []any {
	l, _ := dig(v, keys...).([]any)
	return l
}

// k8sDoc is one Kubernetes object and the file it came from.
type k8sDoc struct {
	file string
	o    obj
}

func (d k8sDoc) String() string {
	return fmt.Sprintf("%s: %s %s", d.file, str(d.o, "kind"), str(d.o, "metadata", "name"))
}

// readK8s decodes every document of every YAML file in dir.
func readK8s(dir string) ([]k8sDoc, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var docs []k8sDoc
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		dec := yaml.NewDecoder(fh)
		for {
			var o obj
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fh.Close()
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if o != nil {
				docs = append(docs, k8sDoc{file: f, o: o})
			}
		}
		fh.Close()
	}
	return docs, nil
}

// cluster indexes the ConfigMaps and Secrets of the manifests: name → key → content.
type cluster struct {
	configMaps map[string]map[string]string
	secrets    map[string]map[string]string
	claims     map[string]bool // PersistentVolumeClaim names
}

func indexCluster(docs []k8sDoc) (cluster, []error) {
	c := cluster{configMaps: map[string]map[string]string{}, secrets: map[string]map[string]string{}, claims: map[string]bool{}}
	var errs []error
	for _, d := range docs {
		if str(d.o, "apiVersion") == "" || str(d.o, "kind") == "" || str(d.o, "metadata", "name") == "" {
			errs = append(errs, fmt.Errorf("%s: apiVersion, kind and metadata.name are required", d))
			continue
		}
		var into map[string]map[string]string
		var sections []string
		switch str(d.o, "kind") {
		case "ConfigMap":
			into, sections = c.configMaps, []string{"data"}
		case "Secret":
			// Only stringData keeps examples readable; data would be base64.
			into, sections = c.secrets, []string{"stringData", "data"}
		case "PersistentVolumeClaim":
			c.claims[str(d.o, "metadata", "name")] = true
			continue
		default:
			continue
		}
		keys := map[string]string{}
		for _, s := range sections {
			m, _ := dig(d.o, s).(obj)
			for k, v := range m {
				vs, ok := v.(string)
				if !ok {
					errs = append(errs, fmt.Errorf("%s: %s.%s is not a string", d, s, k))
				}
				keys[k] = vs
			}
		}
		into[str(d.o, "metadata", "name")] = keys
	}
	return c, errs
}

// podSpec finds the pod template of a workload.
func podSpec(o obj) obj {
	switch str(o, "kind") {
	case "Deployment", "StatefulSet", "DaemonSet", "Job":
		p, _ := dig(o, "spec", "template", "spec").(obj)
		return p
	case "CronJob":
		p, _ := dig(o, "spec", "jobTemplate", "spec", "template", "spec").(obj)
		return p
	}
	return nil
}

// mountedFile is a file a pod sees, with its content.
type mountedFile struct{ path, content string }

// podView is what one container sees: its environment, its files, and which directories
// are writable volumes.
type podView struct {
	env      map[string]string
	files    []mountedFile
	writable []string // mount paths of writable volumes (emptyDir, PVC)
	// persistent are the writable mounts that outlive the pod (PersistentVolumeClaims).
	persistent []string
	ports      map[string]int
}

var argRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// checkWorkload cross-checks one workload's container against the cluster objects: every
// ConfigMap/Secret and key it names exists, every volume it mounts is declared, every $(VAR)
// in its args is defined. It returns what the container sees.
func checkWorkload(d k8sDoc, c cluster) (podView, []error) {
	var errs []error
	add := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{d}, a...)...))
	}
	v := podView{env: map[string]string{}, ports: map[string]int{}}
	spec := podSpec(d.o)
	if spec == nil {
		add("no pod template")
		return v, errs
	}
	containers := list(spec, "containers")
	if len(containers) != 1 {
		add("%d containers, want 1 (netpulse)", len(containers))
		return v, errs
	}
	ctr := containers[0]

	if dig(spec, "securityContext", "runAsNonRoot") != true {
		add("securityContext.runAsNonRoot is not true")
	}
	if dig(ctr, "securityContext", "readOnlyRootFilesystem") != true {
		add("container securityContext.readOnlyRootFilesystem is not true")
	}
	if dig(ctr, "securityContext", "allowPrivilegeEscalation") != false {
		add("container securityContext.allowPrivilegeEscalation is not false")
	}

	for _, e := range list(ctr, "env") {
		name := str(e, "name")
		switch {
		case dig(e, "valueFrom", "secretKeyRef") != nil:
			sn, key := str(e, "valueFrom", "secretKeyRef", "name"), str(e, "valueFrom", "secretKeyRef", "key")
			val, ok := c.secrets[sn][key]
			if !ok {
				add("env %s: Secret %q has no key %q", name, sn, key)
			}
			v.env[name] = val
		case dig(e, "valueFrom", "configMapKeyRef") != nil:
			cn, key := str(e, "valueFrom", "configMapKeyRef", "name"), str(e, "valueFrom", "configMapKeyRef", "key")
			val, ok := c.configMaps[cn][key]
			if !ok {
				add("env %s: ConfigMap %q has no key %q", name, cn, key)
			}
			v.env[name] = val
		case dig(e, "valueFrom", "fieldRef") != nil:
			fp := str(e, "valueFrom", "fieldRef", "fieldPath")
			if fp == "metadata.labels['apps.kubernetes.io/pod-index']" && str(d.o, "kind") != "StatefulSet" {
				add("env %s: the pod-index label exists on StatefulSet pods only", name)
			}
			v.env[name] = "0" // the first pod's ordinal; the shard test tries the others
		case dig(e, "valueFrom", "resourceFieldRef") != nil:
			v.env[name] = "536870912"
		default:
			v.env[name] = str(e, "value")
		}
	}

	volumes := map[string]any{}
	for _, vol := range list(spec, "volumes") {
		volumes[str(vol, "name")] = vol
	}
	for _, vct := range list(d.o, "spec", "volumeClaimTemplates") {
		volumes[str(vct, "metadata", "name")] = obj{"persistentVolumeClaim": obj{}}
	}
	for _, m := range list(ctr, "volumeMounts") {
		name, mountPath, subPath := str(m, "name"), str(m, "mountPath"), str(m, "subPath")
		vol, ok := volumes[name]
		if !ok {
			add("volumeMount %q: no volume of that name", name)
			continue
		}
		var keys map[string]string
		var kind, objName string
		switch {
		case dig(vol, "configMap") != nil:
			kind, objName = "ConfigMap", str(vol, "configMap", "name")
			keys, ok = c.configMaps[objName]
		case dig(vol, "secret") != nil:
			kind, objName = "Secret", str(vol, "secret", "secretName")
			keys, ok = c.secrets[objName]
		default: // emptyDir, PVC: writable storage
			if dig(m, "readOnly") != true {
				v.writable = append(v.writable, mountPath)
				if dig(vol, "persistentVolumeClaim") != nil {
					v.persistent = append(v.persistent, mountPath)
				}
			}
			if claim := str(vol, "persistentVolumeClaim", "claimName"); claim != "" && !c.claims[claim] {
				add("volume %q: PersistentVolumeClaim %q is not defined in examples/kubernetes", name, claim)
			}
			continue
		}
		if !ok {
			add("volume %q: %s %q is not defined in examples/kubernetes", name, kind, objName)
			continue
		}
		// key → path inside the mount: the listed items, else every key.
		items := map[string]string{}
		src := "configMap"
		if kind == "Secret" {
			src = "secret"
		}
		if its := list(vol, src, "items"); len(its) > 0 {
			for _, it := range its {
				if _, ok := keys[str(it, "key")]; !ok {
					add("volume %q: %s %q has no key %q", name, kind, objName, str(it, "key"))
				}
				items[str(it, "key")] = str(it, "path")
			}
		} else {
			for k := range keys {
				items[k] = k
			}
		}
		for key, p := range items {
			switch {
			case subPath == "":
				v.files = append(v.files, mountedFile{path.Join(mountPath, p), keys[key]})
			case subPath == p:
				v.files = append(v.files, mountedFile{mountPath, keys[key]})
			}
		}
	}
	for _, p := range list(ctr, "ports") {
		n, _ := dig(p, "containerPort").(int)
		v.ports[str(p, "name")] = n
		v.ports[strconv.Itoa(n)] = n
	}
	for _, a := range list(ctr, "args") {
		for _, m := range argRef.FindAllStringSubmatch(fmt.Sprint(a), -1) {
			if _, ok := v.env[m[1]]; !ok {
				add("args use $(%s), which the container's env does not define (the kubelet would pass it literally)", m[1])
			}
		}
	}
	return v, errs
}

// args returns the container's args with $(VAR) expanded from env, as the kubelet does.
func args(d k8sDoc, env map[string]string) []string {
	var out []string
	for _, a := range list(podSpec(d.o)["containers"].([]any)[0], "args") {
		out = append(out, argRef.ReplaceAllStringFunc(fmt.Sprint(a), func(m string) string {
			return env[m[2:len(m)-1]]
		}))
	}
	return out
}

// flagValue returns the value of --name in args ("" when absent).
func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
	}
	return ""
}

// loadInPod loads the netpulse config a workload runs with exactly the environment and the
// files the pod gets: config paths are moved under a temporary root holding the mounted
// ConfigMap and Secret keys, and the process environment holds only the container's
// variables for the names the config references.
func loadInPod(t *testing.T, d k8sDoc, v podView) (*targets.File, error) {
	t.Helper()
	a := args(d, v.env)
	cfgPath := flagValue(a, "--config")
	if cfgPath == "" {
		cfgPath = flagValue(a, "-c")
	}
	if cfgPath == "" {
		return nil, errors.New("args have no --config")
	}
	var cfg *mountedFile
	for i := range v.files {
		if v.files[i].path == cfgPath {
			cfg = &v.files[i]
		}
	}
	if cfg == nil {
		return nil, fmt.Errorf("--config %s is not a file any mounted ConfigMap or Secret provides", cfgPath)
	}
	for _, m := range envRef.FindAllStringSubmatch(cfg.content, -1) {
		val, ok := v.env[m[1]]
		if !ok {
			return nil, fmt.Errorf("the config uses ${%s}, which the container's env does not define", m[1])
		}
		t.Setenv(m[1], val)
	}
	root := t.TempDir()
	for _, f := range v.files {
		full := filepath.Join(root, f.path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(full, []byte(f.content), 0o600); err != nil {
			return nil, err
		}
	}
	text, paths, err := rootedConfig([]byte(cfg.content), root)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, p := range paths {
		switch {
		case p.key == "spool_dir" || p.key == "dead_letter" || p.key == "path":
			// Written at run time: must be on a writable volume (the root fs is read-only).
			if !slices.ContainsFunc(v.writable, func(w string) bool { return strings.HasPrefix(p.path, w+"/") || p.path == w }) {
				errs = append(errs, fmt.Errorf("%s %s is not on a writable volume (root filesystem is read-only; writable: %v)", p.key, p.path, v.writable))
			}
		default:
			// Read at load or dial time: must be a mounted file.
			if _, err := os.Stat(filepath.Join(root, p.path)); err != nil {
				errs = append(errs, fmt.Errorf("%s %s is not a file the pod mounts", p.key, p.path))
			}
		}
	}
	f, err := targets.Parse(text, filepath.Dir(filepath.Join(root, cfgPath)))
	if err != nil {
		errs = append(errs, err)
	}
	return f, errors.Join(errs...)
}

// checkProbes checks that HTTP probes hit /healthz on the port netpulse's metrics listener
// really uses.
func checkProbes(d k8sDoc, v podView, f *targets.File) []error {
	var errs []error
	ctr := list(podSpec(d.o), "containers")[0]
	for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		hg := dig(ctr, probe, "httpGet")
		if hg == nil {
			continue
		}
		if str(hg, "path") != "/healthz" {
			errs = append(errs, fmt.Errorf("%s: %s path %q, want /healthz", d, probe, str(hg, "path")))
		}
		port, ok := v.ports[fmt.Sprint(dig(hg, "port"))]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %s port %v is not a container port", d, probe, dig(hg, "port")))
			continue
		}
		listen := f.Metrics.Listen
		if l := flagValue(args(d, v.env), "--metrics-listen"); l != "" {
			listen = l
		}
		_, lp, err := net.SplitHostPort(listen)
		if err != nil || lp != strconv.Itoa(port) {
			errs = append(errs, fmt.Errorf("%s: %s probes port %d but metrics.listen is %q", d, probe, port, listen))
		}
		if host, _, _ := net.SplitHostPort(listen); host == "127.0.0.1" || host == "localhost" {
			errs = append(errs, fmt.Errorf("%s: metrics.listen %q is loopback-only: the kubelet's probes cannot reach it", d, listen))
		}
	}
	return errs
}

func workloads(docs []k8sDoc) []k8sDoc {
	var out []k8sDoc
	for _, d := range docs {
		if podSpec(d.o) != nil {
			out = append(out, d)
		}
	}
	return out
}

func TestKubernetes(t *testing.T) {
	docs, err := readK8s("kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	c, errs := indexCluster(docs)
	for _, err := range errs {
		t.Error(err)
	}
	kinds := map[string]bool{}
	for _, d := range docs {
		kinds[str(d.o, "kind")] = true
	}
	for _, k := range []string{"CronJob", "Deployment", "StatefulSet", "ConfigMap", "Secret"} {
		if !kinds[k] {
			t.Errorf("no %s in examples/kubernetes", k)
		}
	}

	usedConfigs := map[string]bool{}
	for _, d := range workloads(docs) {
		t.Run(str(d.o, "kind"), func(t *testing.T) {
			v, errs := checkWorkload(d, c)
			for _, err := range errs {
				t.Error(err)
			}
			f, err := loadInPod(t, d, v)
			if err != nil {
				t.Fatalf("%s: netpulse config: %v", d, err)
			}
			usedConfigs[flagValue(args(d, v.env), "--config")] = true
			for _, err := range checkProbes(d, v, f) {
				t.Error(err)
			}
			a := args(d, v.env)
			switch str(d.o, "kind") {
			case "CronJob":
				checkCronJob(t, d, a)
				if err := jobSpoolCheck(d, v); err != nil {
					t.Errorf("%s: %v", d, err)
				}
			case "Deployment":
				if dig(list(podSpec(d.o), "containers")[0], "livenessProbe") == nil {
					t.Errorf("%s: no livenessProbe", d)
				}
			case "StatefulSet":
				checkShards(t, d, v)
			}
		})
	}
	// Every netpulse config a ConfigMap carries must be one some workload runs (and so was
	// validated above).
	for name, keys := range c.configMaps {
		for k, content := range keys {
			if kind, err := yamlKind([]byte(content)); err != nil || kind != "netpulse" {
				continue
			}
			found := false
			for p := range usedConfigs {
				found = found || path.Base(p) == k
			}
			if !found {
				t.Errorf("ConfigMap %s key %s holds a netpulse config no workload runs, so it is never validated", name, k)
			}
		}
	}
}

func checkCronJob(t *testing.T, d k8sDoc, a []string) {
	t.Helper()
	if !slices.Contains(a, "--once") {
		t.Errorf("%s: args lack --once: the job would never end", d)
	}
	if flagValue(a, "--summary-json") == "" {
		t.Errorf("%s: args lack --summary-json", d)
	}
	if str(d.o, "spec", "concurrencyPolicy") != "Forbid" {
		t.Errorf("%s: concurrencyPolicy %q, want Forbid", d, str(d.o, "spec", "concurrencyPolicy"))
	}
	job := dig(d.o, "spec", "jobTemplate", "spec")
	if _, ok := dig(job, "backoffLimit").(int); !ok {
		t.Errorf("%s: jobTemplate.spec.backoffLimit is not set", d)
	}
	deadline, ok := dig(job, "activeDeadlineSeconds").(int)
	if !ok {
		t.Fatalf("%s: jobTemplate.spec.activeDeadlineSeconds is not set", d)
	}
	// netpulse's own --timeout must end the run first, so it still writes its summary and
	// names the slow targets instead of being killed mid-flush.
	timeout, err := time.ParseDuration(flagValue(a, "--timeout"))
	if err != nil {
		t.Fatalf("%s: --timeout: %v", d, err)
	}
	if timeout+15*time.Second > time.Duration(deadline)*time.Second {
		t.Errorf("%s: --timeout %s plus the flush does not fit in activeDeadlineSeconds %d", d, timeout, deadline)
	}
	if dig(job, "podFailurePolicy") != nil && str(dig(job, "template", "spec"), "restartPolicy") != "Never" {
		t.Errorf("%s: podFailurePolicy needs restartPolicy Never", d)
	}
}

// jobSpoolCheck checks that a Job's spool outlives its pod. Every run is a new pod, so a
// spool on an emptyDir is deleted with the pod that wrote it: points the summary reports as
// "spooled" (kept for the next run) would never be replayed.
func jobSpoolCheck(d k8sDoc, v podView) error {
	// The spool_dir as the pod sees it (Load's result has it moved under a test root).
	var dir string
	cfgPath := flagValue(args(d, v.env), "--config")
	for _, f := range v.files {
		if f.path == cfgPath {
			var o obj
			if err := yaml.Unmarshal([]byte(f.content), &o); err != nil {
				return err
			}
			dir = str(o, "buffer", "spool_dir")
		}
	}
	if dir == "" {
		return nil // no spool: the summary counts every undelivered point as lost
	}
	if !slices.ContainsFunc(v.persistent, func(p string) bool { return strings.HasPrefix(dir, p+"/") || dir == p }) {
		return fmt.Errorf("buffer.spool_dir %s is not on a PersistentVolumeClaim (persistent mounts: %v): the next run's pod would never see what this one spooled", dir, v.persistent)
	}
	return nil
}

// checkShards checks that --shard gives every StatefulSet ordinal a valid, distinct shard
// of the right count.
func checkShards(t *testing.T, d k8sDoc, v podView) {
	t.Helper()
	replicas, ok := dig(d.o, "spec", "replicas").(int)
	if !ok || replicas < 1 {
		t.Fatalf("%s: spec.replicas is not set", d)
	}
	if flagValue(args(d, v.env), "--shard") == "" {
		t.Fatalf("%s: args lack --shard", d)
	}
	seen := map[int]bool{}
	for i := range replicas {
		env := map[string]string{}
		for k, val := range v.env {
			env[k] = val
		}
		env["POD_INDEX"] = strconv.Itoa(i)
		s, err := targets.ParseShard(flagValue(args(d, env), "--shard"))
		if err != nil {
			t.Fatalf("%s: pod %d: %v", d, i, err)
		}
		if s.Count != replicas {
			t.Errorf("%s: pod %d runs shard %d/%d but spec.replicas is %d: targets would be lost or doubled", d, i, s.Index, s.Count, replicas)
		}
		seen[s.Index] = true
	}
	if len(seen) != replicas {
		t.Errorf("%s: %d replicas map to %d distinct shards", d, replicas, len(seen))
	}
}

// TestKubernetesBrokenCopiesFail mutates the manifests and expects the cross-checks to
// notice.
func TestKubernetesBrokenCopiesFail(t *testing.T) {
	docs, err := readK8s("kubernetes")
	if err != nil {
		t.Fatal(err)
	}
	var deploy k8sDoc
	for _, d := range docs {
		if str(d.o, "kind") == "Deployment" {
			deploy = d
		}
	}
	if deploy.o == nil {
		t.Fatal("no Deployment")
	}
	c, _ := indexCluster(docs)
	if _, errs := checkWorkload(deploy, c); len(errs) != 0 {
		t.Fatalf("the unbroken Deployment must pass: %v", errs)
	}

	// A Secret without a key the Deployment needs.
	broken := cluster{configMaps: c.configMaps, secrets: map[string]map[string]string{}}
	for n, keys := range c.secrets {
		broken.secrets[n] = map[string]string{}
		for k, val := range keys {
			if k != "gnmi-password" {
				broken.secrets[n][k] = val
			}
		}
	}
	if _, errs := checkWorkload(deploy, broken); len(errs) == 0 {
		t.Error("a Secret key the Deployment references was removed, but checkWorkload found nothing")
	}

	// No ConfigMap at all.
	noCM := cluster{configMaps: map[string]map[string]string{}, secrets: c.secrets}
	if _, errs := checkWorkload(deploy, noCM); len(errs) == 0 {
		t.Error("the ConfigMap was removed, but checkWorkload found nothing")
	}

	// A config that names a secret file the pod does not mount.
	v, _ := checkWorkload(deploy, c)
	for i := range v.files {
		if strings.HasSuffix(v.files[i].path, "netpulse.yaml") {
			v.files[i].content = strings.Replace(v.files[i].content, "/run/secrets/netpulse/influx-token", "/run/secrets/netpulse/influx-tokn", 1)
		}
	}
	if _, err := loadInPod(t, deploy, v); err == nil {
		t.Error("the config names an unmounted token_file, but loadInPod succeeded")
	}

	// A CronJob whose spool is an emptyDir loses what it spooled with its pod.
	var job k8sDoc
	for _, d := range docs {
		if str(d.o, "kind") == "CronJob" {
			job = d
		}
	}
	jv, errs := checkWorkload(job, c)
	if len(errs) != 0 {
		t.Fatalf("the unbroken CronJob must pass: %v", errs)
	}
	if err := jobSpoolCheck(job, jv); err != nil {
		t.Fatalf("the unbroken CronJob must pass: %v", err)
	}
	jv.persistent = nil // as if its spool volume were an emptyDir
	if jobSpoolCheck(job, jv) == nil {
		t.Error("a CronJob spooling to an emptyDir passed jobSpoolCheck")
	}
}

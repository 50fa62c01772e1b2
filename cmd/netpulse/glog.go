package main

import (
	"flag"
	"os"
)

// quietReferenceLogs routes the logging of the reference gNMI server packages
// (github.com/openconfig/gnmi subscribe and cache, which the simulator serves with) away from
// the user. They log through glog, which by default writes files into the system temp
// directory and copies errors to stderr: a `netpulse demo` would leave /tmp/netpulse.* files
// behind and print "rpc error: context canceled" for every stream it closes. glog is
// configured only through its flags on the standard flag set, so this sets them: files go to
// a private directory that the returned function removes, nothing goes to stderr.
func quietReferenceLogs() (cleanup func()) {
	dir, err := os.MkdirTemp("", "netpulse-glog-")
	if err != nil {
		return func() {}
	}
	for name, value := range map[string]string{"log_dir": dir, "logtostderr": "false", "alsologtostderr": "false", "stderrthreshold": "FATAL"} {
		// Set only what differs: glog reads these flags unsynchronized from its own
		// goroutines, so rewriting an unchanged flag while a reference server from an
		// earlier run in this process still logs is a data race (seen under -race in the
		// demo tests). log_dir is read only when glog creates its files.
		if f := flag.Lookup(name); f != nil && f.Value.String() != value {
			_ = flag.Set(name, value)
		}
	}
	return func() { _ = os.RemoveAll(dir) }
}

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
		_ = flag.Set(name, value) // absent flags (a glog without them) change nothing
	}
	return func() { _ = os.RemoveAll(dir) }
}

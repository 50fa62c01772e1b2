#!/usr/bin/env bash
# The test command (README, .ci/run): installs the real peers the tests talk to on a fresh
# Debian machine, then runs every test. Peers are started and stopped by the tests themselves
# (internal/peers), each on 127.0.0.1 with its own temporary directory.
#   net-snmp snmpd + snmpwalk   (Debian packages snmpd, snmp; iproute2 for network namespaces)
#   InfluxDB 1.8.10             (built once from the Go module proxy into $NETPULSE_TOOLS/bin)
#   InfluxDB 1.8.10 -tags uint  (accepts 12u and keeps unsigned apart from integer, as 2.x/3.x
#                                do; built once into $NETPULSE_TOOLS/bin-uint)
set -euo pipefail
cd "$(dirname "$0")/.."

export HOME="${HOME:-/root}" # go and the tools cache need it; a bare CI shell may not set it
export NETPULSE_TOOLS="${NETPULSE_TOOLS:-$HOME/.cache/netpulse}"
mkdir -p "$NETPULSE_TOOLS/bin"

need_apt=()
for pkg in snmpd snmp iproute2; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing ${need_apt[*]} (Debian)"
  if [ "$(id -u)" != 0 ]; then
    echo "need root to apt-get install ${need_apt[*]}; run as root or install them yourself" >&2
    exit 1
  fi
  apt-get update -qq
  # policy-rc.d 101: install snmpd without starting the system service on port 161; the
  # tests run their own snmpd on high ports.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

if [ ! -x "$NETPULSE_TOOLS/bin/influxd" ]; then
  echo "== building influxd v1.8.10 from the Go module proxy (about 2 minutes, once)"
  GOBIN="$NETPULSE_TOOLS/bin" go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10
fi
export NETPULSE_INFLUXD="$NETPULSE_TOOLS/bin/influxd"
if [ ! -x "$NETPULSE_TOOLS/bin-uint/influxd" ]; then
  echo "== building influxd v1.8.10 -tags uint (about 1 minute more, once)"
  mkdir -p "$NETPULSE_TOOLS/bin-uint"
  GOBIN="$NETPULSE_TOOLS/bin-uint" go install -tags uint github.com/influxdata/influxdb/cmd/influxd@v1.8.10
fi
export NETPULSE_INFLUXD_UINT="$NETPULSE_TOOLS/bin-uint/influxd"

echo "== gofmt, go vet"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
  echo "not gofmt-formatted (run gofmt -w on them):" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
echo "== go test (race detector on)"
go test -race -count=1 -timeout 25m ./... "$@"
# The stack-size test reads goroutines' stack bounds from the runtime (a linkname, hence
# the tag and the linker flag) and measures frame depths, which the race detector's
# instrumentation changes: it runs here, without it.
echo "== go test (goroutine stack sizes, race detector off)"
go test -tags stackprobe -ldflags=-checklinkname=0 -count=1 -run 'Stack' ./collector/gnmi/ "$@"

# Fuzzing: every fuzz target for a short while (the normal run above only replays the seeds
# and testdata/fuzz/). Found by grep so that a new Fuzz function is fuzzed without editing
# this file; one target per `go test -fuzz` run, as Go allows. A crasher fails the run and
# is written to the package's testdata/fuzz/<Target>/: fix the bug and commit that file as a
# seed. NETPULSE_FUZZTIME=0 skips this step.
fuzztime="${NETPULSE_FUZZTIME:-10s}"
if [ "$fuzztime" != 0 ]; then
  echo "== go test -fuzz ($fuzztime per target)"
  fuzzlog=$(mktemp)
  trap 'rm -f "$fuzzlog"' EXIT
  grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | sort |
    while IFS=: read -r file _ decl; do
      target="${decl#func }"
      target="${target%%(*}"
      dir=$(dirname "$file")
      echo "-- $target $dir"
      corpus="$dir/testdata/fuzz/$target"
      before=$({ ls "$corpus" 2>/dev/null || true; } | wc -l)
      if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$dir" 2>&1 | tee "$fuzzlog"; then
        # Go 1.26's fuzz coordinator can end a run at -fuzztime with a bare "context
        # deadline exceeded" and no input (golang/go#75804, fixed in Go 1.27): that is not a
        # finding. Anything else, or a crasher written to testdata/fuzz/, fails the run.
        after=$({ ls "$corpus" 2>/dev/null || true; } | wc -l)
        if [ "$after" = "$before" ] && grep -q '^    context deadline exceeded$' "$fuzzlog" &&
          ! grep -qE 'panic|Failing input|failure while testing seed' "$fuzzlog"; then
          echo "-- $target: the fuzz coordinator's end-of-run race (golang/go#75804), no input found; not a failure"
        else
          exit 1
        fi
      fi
    done
fi

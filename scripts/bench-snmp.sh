#!/usr/bin/env bash
# bench-snmp.sh: issue 2 acceptance 4. Polls ~1,000 interfaces (a network namespace with
# PAIRS veth pairs, both ends inside, plus lo) from a real net-snmp snmpd with the full
# if-mib profile, and compares with a bare gosnmp BulkWalk of the same columns.
# Target: netpulse's client CPU and wall time per poll each at most 1.3x the bare walk's.
#
#   scripts/bench-snmp.sh [PAIRS (default 500)] [COUNT (default 5)] [BENCHTIME (default 20x)]
#
# Needs root, iproute2 and snmpd. The namespace is deleted on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

pairs=${1:-500}
count=${2:-5}
benchtime=${3:-20x}
ns="np-bench-$$"
tmp=$(mktemp -d)
cleanup() { scripts/netns-ifaces.sh down "$ns"; rm -rf "$tmp"; }
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bench-snmp.sh needs root (network namespaces)" >&2; exit 1; }

go test -c -o "$tmp/snmp.test" ./collector/snmp
scripts/netns-ifaces.sh up "$ns" "$pairs"

# Alternate the two benchmarks COUNT times so drift in the machine's load hits both alike.
: > "$tmp/bench.txt"
for _ in $(seq "$count"); do
  for bench in BenchmarkPollIfMIB BenchmarkBareBulkWalk; do
    if ! ip netns exec "$ns" "$tmp/snmp.test" -test.run '^$' -test.bench "^$bench\$" \
      -test.benchtime "$benchtime" > "$tmp/run.txt" 2>&1; then
      cat "$tmp/run.txt" >&2
      exit 1
    fi
    grep '^Benchmark' "$tmp/run.txt" | tee -a "$tmp/bench.txt"
  done
done

# Median of ns/op and cpu-ns/op per benchmark, then the ratios.
awk '
  /^Benchmark(PollIfMIB|BareBulkWalk)/ {
    name = $1; sub(/-[0-9]+$/, "", name)
    for (i = 3; i < NF; i++) {
      if ($(i+1) == "ns/op") wall[name] = wall[name] " " $i
      if ($(i+1) == "cpu-ns/op") cpu[name] = cpu[name] " " $i
      if ($(i+1) == "ifaces") ifaces[name] = $i
    }
  }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    p = "BenchmarkPollIfMIB"; w = "BenchmarkBareBulkWalk"
    if (!(p in wall) || !(w in wall)) { print "benchmarks did not run"; exit 1 }
    pw = median(wall[p]); ww = median(wall[w]); pc = median(cpu[p]); wc = median(cpu[w])
    printf "\ninterfaces: %d (poll) / %d (bare walk)\n", ifaces[p], ifaces[w]
    printf "%-22s %12s %12s\n", "median per poll", "wall ms", "client CPU ms"
    printf "%-22s %12.2f %12.2f\n", "netpulse if-mib poll", pw / 1e6, pc / 1e6
    printf "%-22s %12.2f %12.2f\n", "bare gosnmp BulkWalk", ww / 1e6, wc / 1e6
    printf "%-22s %12.2fx %11.2fx   (target <= 1.30x)\n", "ratio", pw / ww, pc / wc
    if (pw / ww > 1.3 || pc / wc > 1.3) { print "FAIL: over 1.3x"; exit 1 }
    print "OK: within 1.3x"
  }' "$tmp/bench.txt"

#!/usr/bin/env bash
# bench-gnmi.sh: issue 3 acceptance 4. End to end from a gNMI server to line protocol:
# internal/benchtools/gnmiserve (the reference openconfig cache+subscribe server, N
# interfaces, counters changing at a bounded rate) in one process, and
# internal/benchtools/gnmibench (collector/gnmi.New's real session + normalize +
# outputs.AppendLineProtocol into io.Discard) in another. The client's CPU is measured from
# /proc/<pid>/stat (utime+stime) and cross-checked with its own getrusage; its RSS is sampled
# every 5 s.
# Targets: ≥200,000 updates per CPU-second with 10 updates per notification, ≥60,000 with
# 1 per notification, RSS flat.
#
#   scripts/bench-gnmi.sh [SECONDS (default 60)] [INTERFACES (default 1000)]
#
# The client routes every point through a real outputs.Output and the file output's writer
# into a discarding writer (gnmibench -sink output: buffer, flush loop, field-type guard),
# the path `netpulse run` takes; GNMIBENCH_SINK=encode measures the encoder alone as before.
#
# Before/after (issue 8 acceptance 5): BEFORE=<git ref> (e.g. b9fcedb, the tree before the
# type guard) builds this tree's gnmibench against that ref's packages (a temporary git
# worktree, removed at exit) and runs the two builds alternately, ROUNDS (default 3) times per
# shape, each run against a fresh server, then prints the median updates per CPU-second of
# each and the ratio. Same arguments; e.g. `BEFORE=b9fcedb ROUNDS=3 scripts/bench-gnmi.sh 20`.
# The ratio covers everything that changed between the two trees on this path, not only the
# guard. On a loaded machine the server itself falls behind its rate and the two clients see
# different inputs; RATE10 and RATE1 (updates/s, defaults 300000 and 100000) set a rate the
# server can hold, so both get the same stream.
#
# Recorded 2026-11-24 on the 2-core build VM (other jobs running, load average 7-9), with
# `scripts/bench-gnmi.sh 60 1000` (the encoder-only sink, before -sink output; for gnmic and
# Telegraf on the same server see scripts/bench-peers.sh and BENCHMARKS.md):
#   10 updates/notification: 12,833,110 updates, 26.5 CPU-s → 484,665 updates per CPU-second;
#                            RSS every 5 s 19.6-21.0 MiB (flat)
#    1 update/notification:   2,027,920 updates, 15.7 CPU-s → 129,220 updates per CPU-second;
#                            RSS every 5 s 19.0-20.2 MiB (flat)
# In-process (go test ./collector/gnmi -run '^$' -bench .; protobuf decode + normalize +
# line-protocol encode, best of 3 on the loaded VM): ~600,000 updates/s (10/notification),
# ~250,000 updates/s (1/notification); normalize alone 2 allocations per notification.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
ifaces=${2:-1000}
tmp=$(mktemp -d)
server_pid=""
before_wt=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$before_wt" ] && git worktree remove --force "$before_wt" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/gnmiserve" ./internal/benchtools/gnmiserve
go build -o "$tmp/gnmibench" ./internal/benchtools/gnmibench
hz=$(getconf CLK_TCK)
bench_bin="$tmp/gnmibench"
sink=${GNMIBENCH_SINK:-output}

run_case() { # per_notification rate
  local per=$1 rate=$2
  rm -f "$tmp/addr"
  "$tmp/gnmiserve" -interfaces "$ifaces" -per-notification "$per" -rate "$rate" \
    -duration "$((secs + 15))s" -addr-file "$tmp/addr" 2>"$tmp/server.log" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
  [ -s "$tmp/addr" ] || { echo "server did not start:"; cat "$tmp/server.log"; exit 1; }
  "$bench_bin" -address "$(cat "$tmp/addr")" -duration "${secs}s" -sink "$sink" >"$tmp/report.json" 2>"$tmp/client.log" &
  local client=$! rss=()
  local t0; t0=$(awk '{print $14+$15}' "/proc/$client/stat")
  local last=$t0
  while kill -0 "$client" 2>/dev/null; do
    sleep 5
    [ -r "/proc/$client/stat" ] || break
    last=$(awk '{print $14+$15}' "/proc/$client/stat" 2>/dev/null || echo "$last")
    rss+=("$(awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$client/status" 2>/dev/null || true)")
  done
  wait "$client"
  kill -INT "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  local updates cpu_self
  updates=$(awk -F'[:,]' '/"updates"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json")
  cpu_self=$(awk -F'[:,]' '/"cpu_seconds"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json")
  local cpu_proc
  cpu_proc=$(awk -v a="$t0" -v b="$last" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')
  echo "== ${per} update(s) per notification, ${ifaces} interfaces, ${secs}s, server rate ≤${rate}/s"
  echo "   updates received:        $updates"
  echo "   client CPU (getrusage):   ${cpu_self}s   (/proc/pid/stat, 5s resolution: ${cpu_proc}s)"
  awk -v u="$updates" -v c="$cpu_self" 'BEGIN{printf "   updates per CPU-second:   %.0f\n", u/c}'
  echo "   client RSS MiB every 5s:  ${rss[*]}"
  # With -sink output: the Output's own counts; a run that dropped points measured less
  # than the whole pipeline.
  if grep -q '"written"' "$tmp/report.json"; then
    echo "   output: written $(awk -F'[:,]' '/"written"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json") points$(grep -q '"dropped"' "$tmp/report.json" && echo ", DROPPED: $(tr -d '\n ' < "$tmp/report.json" | grep -o '"dropped":{[^}]*}')")"
  fi
  grep -h "pushed" "$tmp/server.log" | sed 's/^/   /' || true
}

# build_before REF: this tree's gnmibench compiled against REF's packages, into
# $tmp/gnmibench-before. Only the harness is carried over; everything it measures is REF's.
build_before() {
  local ref=$1
  before_wt="$tmp/before-src"
  git worktree add --detach "$before_wt" "$ref" >/dev/null 2>&1 \
    || { echo "BEFORE=$ref: cannot check it out (git worktree add)"; exit 1; }
  rm -rf "$before_wt/internal/benchtools/gnmibench"
  cp -r internal/benchtools/gnmibench "$before_wt/internal/benchtools/"
  # Trees from before collector.Runtime (gnmi.New took the stats in its Config) need the
  # harness's old-API session (session_oldapi.go).
  (cd "$before_wt" && { go build -o "$tmp/gnmibench-before" ./internal/benchtools/gnmibench 2>/dev/null \
    || go build -tags gnmibench_oldapi -o "$tmp/gnmibench-before" ./internal/benchtools/gnmibench; }) \
    || { echo "BEFORE=$ref: this tree's gnmibench does not build against $ref's packages"; exit 1; }
}

# compare PER RATE: ROUNDS alternating runs of the before and after clients; the order
# flips each round, so a load trend hits both alike.
compare() {
  local per=$1 rate=$2 r b a
  local bs=() as=()
  for r in $(seq "$rounds"); do
    for which in $( [ $((r % 2)) -eq 1 ] && echo "before after" || echo "after before"); do
      bench_bin="$tmp/gnmibench"; [ "$which" = before ] && bench_bin="$tmp/gnmibench-before"
      echo "-- round $r, $which ($(git rev-parse --short "$( [ "$which" = before ] && echo "$before" || echo HEAD)"))"
      run_case "$per" "$rate" | tee "$tmp/case.txt"
      local upc; upc=$(awk '/updates per CPU-second/{print $NF}' "$tmp/case.txt")
      if [ "$which" = before ]; then bs+=("$upc"); else as+=("$upc"); fi
    done
  done
  b=$(printf '%s\n' "${bs[@]}" | sort -n | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}')
  a=$(printf '%s\n' "${as[@]}" | sort -n | awk '{v[NR]=$1} END{print (NR%2)?v[(NR+1)/2]:(v[NR/2]+v[NR/2+1])/2}')
  summary+=("| $per | ${bs[*]} | ${as[*]} | $b | $a | $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%+.1f %%", (b/a-1)*100}') |")
}

rate10=${RATE10:-300000}
rate1=${RATE1:-100000}
before=${BEFORE:-}
if [ -z "$before" ]; then
  run_case 10 "$rate10"
  run_case 1 "$rate1"
  exit 0
fi
rounds=${ROUNDS:-3}
build_before "$before"
summary=()
compare 10 "$rate10"
compare 1 "$rate1"
echo
echo "before = $before ($(git rev-parse --short "$before")), after = $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo '+changes'); sink $sink; ${secs}s per run, $rounds rounds; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| updates per notification | before, updates per CPU-s | after | median before | median after | CPU per update, after vs before |"
echo "| ---: | --- | --- | ---: | ---: | ---: |"
printf '%s\n' "${summary[@]}"

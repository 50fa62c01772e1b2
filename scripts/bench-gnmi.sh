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
#   scripts/bench-gnmi.sh [SECONDS (default 60)] [INTERFACES (default 1000)] [all|window|influx]
#
# Sink: the client routes every point through a real outputs.Output and the file output's
# writer into a discarding writer (gnmibench -sink output: buffer, flush loop, field-type
# guard), the path `netpulse run` takes; GNMIBENCH_SINK=encode measures the encoder alone as
# before. The `influx` case uses -sink influx (the same Output, netpulse's InfluxDB writer).
# -sample-window (the grouping) is orthogonal to the sink.
#
# Cases: `all` (the default) runs 10 updates per notification, then the per-leaf pair below.
# `window` runs only the per-leaf pair (1 update per notification, each with its own
# timestamp): grouping by exact timestamps vs a 1 s sample window, with lines written.
# `influx` runs the same pair with -sink influx into a real InfluxDB 1.8 (INFLUXD, default
# ~/.cache/netpulse/bin/influxd) started in the temporary directory, and adds influxd's CPU
# and the field values it stored.
#
# gnmic alongside: with GNMIC=/path/to/gnmic every case with window 0 is run a second time
# with gnmic's CLI as the client (`gnmic subscribe --mode stream --stream-mode on_change
# --format event`, stdout to a file in the temporary directory), against a fresh server with
# the same settings; gnmic's CPU from /proc at the end of the window. This is the quick
# same-script check; scripts/bench-peers.sh is the fuller comparison (gnmic and Telegraf as
# daemons from config files, file outputs, rounds and medians, SNMP peers too). The two load
# the clients differently, so their figures are not interchangeable (BENCHMARKS.md). The
# script never downloads gnmic: build it from its public source.
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
mode=${3:-all}
server_pid=""
before_wt=""
influxd_pid=""
influx_url=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$influxd_pid" ] && kill "$influxd_pid" 2>/dev/null && wait "$influxd_pid" 2>/dev/null
  [ -n "$before_wt" ] && git worktree remove --force "$before_wt" >/dev/null 2>&1
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/gnmiserve" ./internal/benchtools/gnmiserve
go build -o "$tmp/gnmibench" ./internal/benchtools/gnmibench
hz=$(getconf CLK_TCK)
bench_bin="$tmp/gnmibench"
sink=${GNMIBENCH_SINK:-output}

run_case() { # per_notification rate [sample_window]
  local per=$1 rate=$2 window=${3:-0}
  rm -f "$tmp/addr"
  "$tmp/gnmiserve" -interfaces "$ifaces" -per-notification "$per" -rate "$rate" \
    -duration "$((secs + 15))s" -addr-file "$tmp/addr" 2>"$tmp/server.log" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
  [ -s "$tmp/addr" ] || { echo "server did not start:"; cat "$tmp/server.log"; exit 1; }
  local sink_args=(-sink "$sink") db="bench_${per}_${window}" i0=0
  if [ -n "$influx_url" ]; then
    curl -fsS -XPOST "$influx_url/query" --data-urlencode "q=CREATE DATABASE $db" >/dev/null
    sink_args=(-sink influx -influx "$influx_url" -bucket "$db")
    i0=$(awk '{print $14+$15}' "/proc/$influxd_pid/stat")
  fi
  # Only the window case passes -sample-window, so BEFORE=<ref> builds need not know it.
  local window_args=()
  [ "$window" != 0 ] && window_args=(-sample-window "$window")
  if [ "${client_kind:-netpulse}" = gnmic ]; then
    "$GNMIC" -a "$(cat "$tmp/addr")" --insecure --timeout 10s subscribe \
      --path /interfaces/interface/state/counters --mode stream --stream-mode on_change \
      --format event >"$tmp/gnmic.out" 2>"$tmp/client.log" &
    local client=$!
    # Its CPU is read at the end of the window, just before SIGINT stops it.
    (sleep "$secs"; awk '{print $14+$15}' "/proc/$client/stat" >"$tmp/gnmic.cpu"; kill -INT "$client") &
  else
    "$bench_bin" -address "$(cat "$tmp/addr")" -duration "${secs}s" "${sink_args[@]}" "${window_args[@]}" >"$tmp/report.json" 2>"$tmp/client.log" &
    local client=$!
  fi
  local rss=()
  local t0; t0=$(awk '{print $14+$15}' "/proc/$client/stat")
  local last=$t0
  while kill -0 "$client" 2>/dev/null; do
    sleep 5
    [ -r "/proc/$client/stat" ] || break
    last=$(awk '{print $14+$15}' "/proc/$client/stat" 2>/dev/null || echo "$last")
    rss+=("$(awk '/VmRSS/{printf "%.1f", $2/1024}' "/proc/$client/status" 2>/dev/null || true)")
  done
  if [ "${client_kind:-netpulse}" = gnmic ]; then
    wait "$client" || true # gnmic exits non-zero on SIGINT
  else
    wait "$client" || { echo "gnmibench failed:"; cat "$tmp/client.log"; exit 1; }
  fi
  kill -INT "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  local updates cpu_self cpu_proc points
  cpu_proc=$(awk -v a="$t0" -v b="$last" -v hz="$hz" 'BEGIN{printf "%.2f", (b-a)/hz}')
  if [ "${client_kind:-netpulse}" = gnmic ]; then
    cpu_proc=$(awk -v a="$t0" -v hz="$hz" '{printf "%.2f", ($1-a)/hz}' "$tmp/gnmic.cpu")
    # gnmic's event format prints one "values" entry per update on its own line: count
    # them. CPU from /proc only (5 s resolution).
    updates=$(grep -c '^ *"/interfaces/' "$tmp/gnmic.out" || true)
    echo "== gnmic: ${per} update(s) per notification, ${ifaces} interfaces, ${secs}s, server rate ≤${rate}/s"
    echo "   updates received:        $updates"
    echo "   client CPU (/proc/pid/stat at the end of the window): ${cpu_proc}s"
    awk -v u="$updates" -v c="$cpu_proc" 'BEGIN{printf "   updates per CPU-second:   %.0f\n", u/c}'
    echo "   client RSS MiB every 5s:  ${rss[*]}"
    grep -h "pushed" "$tmp/server.log" | sed 's/^/   /' || true
    return
  fi
  updates=$(awk -F'[:,]' '/"updates"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json")
  cpu_self=$(awk -F'[:,]' '/"cpu_seconds"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json")
  points=$(awk -F'[:,]' '/"points"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json")
  echo "== ${per} update(s) per notification, ${ifaces} interfaces, ${secs}s, server rate ≤${rate}/s, sample window ${window}, sink ${sink_args[1]}"
  echo "   updates received:        $updates"
  awk -v u="$updates" -v p="$points" 'BEGIN{if (p > 0) printf "   lines written:           %d (%.2f updates per line)\n", p, u/p}'
  echo "   client CPU (getrusage):   ${cpu_self}s   (/proc/pid/stat, 5s resolution: ${cpu_proc}s)"
  awk -v u="$updates" -v c="$cpu_self" 'BEGIN{printf "   updates per CPU-second:   %.0f\n", u/c}'
  echo "   client RSS MiB every 5s:  ${rss[*]}"
  # With -sink output: the Output's own counts; a run that dropped points measured less
  # than the whole pipeline.
  if grep -q '"written"' "$tmp/report.json"; then
    echo "   output: written $(awk -F'[:,]' '/"written"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json") points$(grep -q '"lost"' "$tmp/report.json" && echo ", LOST: $(awk -F'[:,]' '/"lost"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json")")$(grep -q '"dropped"' "$tmp/report.json" && echo ", DROPPED: $(tr -d '\n ' < "$tmp/report.json" | grep -o '"dropped":{[^}]*}')")"
  fi
  grep -h '"duplicates"' "$tmp/report.json" | tr -d ' ,' | sed 's/^/   /' || true
  grep -h "pushed" "$tmp/server.log" | sed 's/^/   /' || true
  if [ -n "$influx_url" ]; then
    local i1 stored
    i1=$(awk '{print $14+$15}' "/proc/$influxd_pid/stat")
    stored=$(curl -fsS -G "$influx_url/query" --data-urlencode "db=$db" --data-urlencode 'q=SELECT COUNT(*) FROM interfaces' |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(sum(v for s in r.get("series",[]) for v in s["values"][0][1:]))')
    awk -v a="$i0" -v b="$i1" -v hz="$hz" -v u="$updates" -v c="$cpu_self" -v st="$stored" 'BEGIN{
      ic=(b-a)/hz; printf "   influxd CPU:              %.2fs; field values stored %d\n", ic, st
      printf "   updates per CPU-second, netpulse + influxd: %.0f\n", u/(c+ic)}'
  fi
}

start_influxd() {
  local bin=${INFLUXD:-$HOME/.cache/netpulse/bin/influxd} port rpc
  [ -x "$bin" ] || { echo "no influxd at $bin (set INFLUXD)"; exit 1; }
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  rpc=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf '%s\n' 'reporting-disabled = true' "bind-address = \"127.0.0.1:$rpc\"" \
    '[meta]' "  dir = \"$tmp/influx/meta\"" \
    '[data]' "  dir = \"$tmp/influx/data\"" "  wal-dir = \"$tmp/influx/wal\"" '  query-log-enabled = false' \
    '[monitor]' '  store-enabled = false' \
    '[http]' "  bind-address = \"127.0.0.1:$port\"" '  log-enabled = false' \
    '[logging]' '  level = "warn"' >"$tmp/influxdb.conf"
  "$bin" run -config "$tmp/influxdb.conf" >"$tmp/influxd.log" 2>&1 &
  influxd_pid=$!
  influx_url="http://127.0.0.1:$port"
  for _ in $(seq 300); do curl -fs "$influx_url/ping" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "influxd did not start:"; tail "$tmp/influxd.log"; exit 1
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

if [ -n "${GNMIC:-}" ]; then
  # Same cases, netpulse then gnmic, one after the other on the same machine.
  orig_run_case=$(declare -f run_case)
  eval "${orig_run_case/run_case/run_one}"
  run_case() {
    client_kind=netpulse run_one "$@"
    if [ "${3:-0}" = 0 ]; then client_kind=gnmic run_one "$1" "$2"; fi
    return 0
  }
fi

rate10=${RATE10:-300000}
rate1=${RATE1:-100000}
before=${BEFORE:-}
if [ -z "$before" ]; then
  case "$mode" in
  influx)
    start_influxd
    run_case 1 "$rate1" 0
    run_case 1 "$rate1" 1s
    ;;
  all | window)
    [ "$mode" = all ] && run_case 10 "$rate10"
    # Per-leaf device (one update per notification, each with its own timestamp): lines and
    # CPU with exact-timestamp grouping and with sample-window grouping (collector/gnmi).
    run_case 1 "$rate1" 0
    run_case 1 "$rate1" 1s
    ;;
  *) echo "unknown case $mode (all, window or influx)"; exit 2 ;;
  esac
  exit 0
fi
[ "$mode" = all ] || { echo "BEFORE=<ref> runs the default case only, not $mode"; exit 2; }
[ -z "${GNMIC:-}" ] || { echo "BEFORE=<ref> and GNMIC= are separate modes"; exit 2; }
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

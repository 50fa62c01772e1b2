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
# `window` runs only the per-leaf pair: exact timestamps vs a 1 s sample window.
# `influx` runs the same pair into a real InfluxDB 1.8 (INFLUXD, default
# ~/.cache/netpulse/bin/influxd) started in a temporary directory, through netpulse's
# InfluxDB output, and adds influxd's CPU and the field values it stored.
# With GNMIC=/path/to/gnmic, every case is run a second time with gnmic as the client
# (`gnmic subscribe --mode stream --stream-mode on_change --format event`, output to a file
# in the temporary directory), against the same server with the same settings, for a side
# by side figure (build gnmic from its public source; this script never downloads it).
#
# Recorded 2026-11-24 on the 2-core build VM (other jobs running, load average 7-9), with
# `scripts/bench-gnmi.sh 60 1000` (gnmic v0.47.0 on this kind of machine: ~48,000 and ~25,000):
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
influxd_pid=""
influx_url=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$influxd_pid" ] && kill "$influxd_pid" 2>/dev/null && wait "$influxd_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/gnmiserve" ./internal/benchtools/gnmiserve
go build -o "$tmp/gnmibench" ./internal/benchtools/gnmibench
hz=$(getconf CLK_TCK)

run_case() { # per_notification rate [sample_window]
  local per=$1 rate=$2 window=${3:-0}
  rm -f "$tmp/addr"
  "$tmp/gnmiserve" -interfaces "$ifaces" -per-notification "$per" -rate "$rate" \
    -duration "$((secs + 15))s" -addr-file "$tmp/addr" 2>"$tmp/server.log" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
  [ -s "$tmp/addr" ] || { echo "server did not start:"; cat "$tmp/server.log"; exit 1; }
  local influx_args=() db="bench_${per}_${window}" i0=0
  if [ -n "$influx_url" ]; then
    curl -fsS -XPOST "$influx_url/query" --data-urlencode "q=CREATE DATABASE $db" >/dev/null
    influx_args=(-influx "$influx_url" -bucket "$db")
    i0=$(awk '{print $14+$15}' "/proc/$influxd_pid/stat")
  fi
  if [ "${client_kind:-netpulse}" = gnmic ]; then
    "$GNMIC" -a "$(cat "$tmp/addr")" --insecure --timeout 10s subscribe \
      --path /interfaces/interface/state/counters --mode stream --stream-mode on_change \
      --format event >"$tmp/gnmic.out" 2>"$tmp/client.log" &
    local client=$!
    # Its CPU is read at the end of the window, just before SIGINT stops it.
    (sleep "$secs"; awk '{print $14+$15}' "/proc/$client/stat" >"$tmp/gnmic.cpu"; kill -INT "$client") &
  else
    "$tmp/gnmibench" -address "$(cat "$tmp/addr")" -duration "${secs}s" -sample-window "$window" "${influx_args[@]}" >"$tmp/report.json" 2>"$tmp/client.log" &
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
  wait "$client" || true # gnmic ends on timeout's SIGINT with status 124
  kill -INT "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  local updates cpu_self
  local cpu_proc
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
  local points
  points=$(awk -F'[:,]' '/"points"/{gsub(/ /,"",$2); print $2}' "$tmp/report.json")
  echo "== ${per} update(s) per notification, ${ifaces} interfaces, ${secs}s, server rate ≤${rate}/s, sample window ${window}"
  echo "   updates received:        $updates"
  awk -v u="$updates" -v p="$points" 'BEGIN{printf "   lines written:           %d (%.2f updates per line)\n", p, u/p}'
  echo "   client CPU (getrusage):   ${cpu_self}s   (/proc/pid/stat, 5s resolution: ${cpu_proc}s)"
  awk -v u="$updates" -v c="$cpu_self" 'BEGIN{printf "   updates per CPU-second:   %.0f\n", u/c}'
  echo "   client RSS MiB every 5s:  ${rss[*]}"
  grep -h "pushed" "$tmp/server.log" | sed 's/^/   /' || true
  if [ -n "$influx_url" ]; then
    local i1 stored
    i1=$(awk '{print $14+$15}' "/proc/$influxd_pid/stat")
    stored=$(curl -fsS -G "$influx_url/query" --data-urlencode "db=$db" --data-urlencode 'q=SELECT COUNT(*) FROM interfaces' |
      python3 -c 'import json,sys; r=json.load(sys.stdin)["results"][0]; print(sum(v for s in r.get("series",[]) for v in s["values"][0][1:]))')
    awk -v a="$i0" -v b="$i1" -v hz="$hz" -v u="$updates" -v c="$cpu_self" -v st="$stored" 'BEGIN{
      ic=(b-a)/hz; printf "   influxd CPU:              %.2fs; field values stored %d\n", ic, st
      printf "   updates per CPU-second, netpulse + influxd: %.0f\n", u/(c+ic)}'
    grep -h '"influx_\|"duplicates' "$tmp/report.json" | tr -d ' \n' | sed 's/^/   /'; echo
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

if [ -n "${GNMIC:-}" ]; then
  # Same cases, netpulse then gnmic, one after the other on the same machine.
  orig_run_case=$(declare -f run_case)
  eval "${orig_run_case/run_case/run_one}"
  run_case() {
    client_kind=netpulse run_one "$@"
    [ "${3:-0}" = 0 ] && client_kind=gnmic run_one "$1" "$2"
    return 0
  }
fi

case "${3:-all}" in
influx)
  start_influxd
  run_case 1 100000 0
  run_case 1 100000 1s
  ;;
all)
  run_case 10 300000
  ;&
window)
  # Per-leaf device (one update per notification, each with its own timestamp): lines and
  # CPU with exact-timestamp grouping and with sample-window grouping (collector/gnmi/coalesce.go).
  run_case 1 100000 0
  run_case 1 100000 1s
  ;;
esac

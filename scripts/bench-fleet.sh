#!/usr/bin/env bash
# bench-fleet.sh: netpulse at fleet scale, end to end through the real binary.
# `netpulse sim` serves N simulated SNMP devices × M interfaces (half v2c, half v3 authPriv)
# and optionally gNMI devices in one process; netpulse polls every one of them, writing line
# protocol to /dev/null. The simulator's CPU is not counted but it shares the cores.
#
#   scripts/bench-fleet.sh [SNMP_DEVICES (1000)] [INTERFACES (48)] [GNMI_DEVICES (0)] [SECONDS (0)]
#
# SECONDS 0: `netpulse run --once` (a scheduled job): wall time, CPU, peak RSS, points.
# SECONDS > 0: `netpulse run` as a daemon for that long after every target has started, then
# SIGTERM. Reported: RSS (sampled every 10 s: at the end, and the maximum) and RSS per
# device, the daemon's CPU (utime+stime from /proc) as a share of one core, polls, errors,
# skipped polls, updates and points from its /metrics, and p50/p95/max of the per-target
# poll (SNMP) / sync (gNMI) duration gauge, read from /metrics every 10 s whenever a target's
# poll count moved (the scrapes cost the daemon some CPU, included in the figure).
#
# Environment:
#   SNMP_INTERVAL   SNMP poll interval (60s)
#   GNMI_SAMPLE     gNMI sample interval in the config (10s)
#   GNMI_UPDATE     how often the simulated gNMI devices push counters (= GNMI_SAMPLE)
#   GNMI_SHAPE      simulated notification shape, leaf or interface (interface)
#   GNMI_SPREAD     1: each simulated gNMI device pushes at its own phase within GNMI_UPDATE
#                   (`sim --spread`), as real devices do; 0: all in the same instant, the
#                   worst burst (0)
#   SIM_PROCS       simulator processes to spread the devices over (1)
#   NETPULSE_ENV    extra environment for the netpulse process, e.g. "GOMEMLIMIT=900MiB"
#   NETPULSE_BIN    run this netpulse binary as the collector (the simulator is still built
#                   from this tree): an older build measured under the same simulator
#   PPROF_OUT       a directory: run with --pprof-listen and save the heap profile (after a
#                   GC), the goroutine dump and the runtime's MemStats there before SIGTERM
#                   (`go tool pprof -sample_index=inuse_space DIR/heap.pb.gz`), and the RSS
#                   samples (rss.txt: unix time, KiB) and the daemon's log (run.log) at the end
set -euo pipefail
cd "$(dirname "$0")/.."

snmp=${1:-1000}
ifaces=${2:-48}
gnmi=${3:-0}
secs=${4:-0}
snmp_interval=${SNMP_INTERVAL:-60s}
gnmi_sample=${GNMI_SAMPLE:-10s}
gnmi_update=${GNMI_UPDATE:-$gnmi_sample}
shape=${GNMI_SHAPE:-interface}
procs=${SIM_PROCS:-1}
spread=()
[ "${GNMI_SPREAD:-0}" = 1 ] && spread=(--spread)
tmp=$(mktemp -d)
sim_pids=()
run_pid=""
cleanup() {
  # `|| true` throughout: under set -e a failed kill (already gone) would end the trap
  # before the simulators are stopped.
  if [ -n "$run_pid" ]; then kill "$run_pid" 2>/dev/null || true; fi
  for p in "${sim_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/netpulse" ./cmd/netpulse
collector_bin=${NETPULSE_BIN:-$tmp/netpulse}

# Start the simulators: process p gets its share of each protocol on its own port range
# (ephemeral ports when one process), and writes its own config; the configs are merged.
per() { echo $(( ($1 + procs - 1) / procs )); }
left_snmp=$snmp left_gnmi=$gnmi
for p in $(seq 0 $((procs - 1))); do
  ns=$(per "$snmp"); ng=$(per "$gnmi")
  [ "$ns" -gt "$left_snmp" ] && ns=$left_snmp
  [ "$ng" -gt "$left_gnmi" ] && ng=$left_gnmi
  left_snmp=$((left_snmp - ns)); left_gnmi=$((left_gnmi - ng))
  "$tmp/netpulse" sim --snmp-devices "$ns" --gnmi-devices "$ng" --interfaces "$ifaces" \
    --seed $((p + 1)) --shape "$shape" --update-interval "$gnmi_update" \
    --interval "$snmp_interval" "${spread[@]}" --config-out "$tmp/fleet$p.yaml" --log-level warn 2>"$tmp/sim$p.log" &
  sim_pids+=($!)
done
for p in $(seq 0 $((procs - 1))); do
  for _ in $(seq 1200); do [ -s "$tmp/fleet$p.yaml" ] && break; sleep 0.1; done
  [ -s "$tmp/fleet$p.yaml" ] || { echo "simulator $p did not start:"; cat "$tmp/sim$p.log"; exit 1; }
done
python3 - "$tmp" "$procs" "$gnmi_sample" <<'PY'
# Merge the simulators' configs: targets renamed per process so names stay unique, the
# output sent to /dev/null, the gNMI sample interval set.
import re, sys
tmp, procs, sample = sys.argv[1], int(sys.argv[2]), sys.argv[3]
head, targets, tail = None, [], None
for p in range(procs):
    text = open(f"{tmp}/fleet{p}.yaml").read()
    h, rest = text.split("targets:\n", 1)
    t, s = rest.split("subscriptions:\n", 1)
    if procs > 1:
        t = re.sub(r"name: (sim-\w+-\d+)", rf"name: \1-p{p}", t)
    head, tail = h, s
    targets.append(t)
head = head.replace('path: "-"', "path: /dev/null")
tail = re.sub(r"sample_interval: \S+", f"sample_interval: {sample}", tail)
open(f"{tmp}/fleet.yaml", "w").write(head + "targets:\n" + "".join(targets) + "subscriptions:\n" + tail)
PY

if [ "$secs" = 0 ]; then
  /usr/bin/env time -f '%e %U %S %M' -o "$tmp/time" \
    "$collector_bin" run --once --config "$tmp/fleet.yaml" --summary-json "$tmp/summary.json" \
    --log-level error 2>"$tmp/run.log" || true
  # time(1) puts "Command exited with non-zero status N" first when netpulse exits non-zero
  # (some target failed): the figures are its last line.
  read -r wall user sys rss < <(tail -n 1 "$tmp/time")
  python3 - "$tmp/summary.json" "$wall" "$user" "$sys" "$rss" "$snmp" "$gnmi" "$ifaces" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
wall, user, sysc, rss = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
snmp, gnmi, ifaces = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
cpu = user + sysc
pts = s["points_written"]
print(f"devices: {snmp} SNMP + {gnmi} gNMI × {ifaces} interfaces; exit code {s['exit_code']}, "
      f"targets ok {s['targets_ok']}, failed {s['targets_failed']}")
print(f"wall {wall:.2f} s, netpulse CPU {cpu:.2f} s, peak RSS {rss/1024:.0f} MiB, points {pts}")
if cpu > 0:
    print(f"{pts/cpu:,.0f} points per CPU-second; {(snmp+gnmi)/cpu:,.0f} devices per CPU-second")
PY
  exit 0
fi

# Daemon mode.
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(freeport)
pprof_args=()
if [ -n "${PPROF_OUT:-}" ]; then
  pport=$(freeport)
  pprof_args=(--pprof-listen "127.0.0.1:$pport")
  mkdir -p "$PPROF_OUT"
  echo "pprof: http://127.0.0.1:$pport/debug/pprof/ (e.g. go tool pprof -seconds 15 http://127.0.0.1:$pport/debug/pprof/profile)" >&2
fi
hz=$(getconf CLK_TCK)
# shellcheck disable=SC2086
env ${NETPULSE_ENV:-} "$collector_bin" run --config "$tmp/fleet.yaml" --metrics-listen "127.0.0.1:$port" \
  "${pprof_args[@]}" --log-level warn 2>"$tmp/run.log" &
run_pid=$!
sleep 0.5
kill -0 "$run_pid" 2>/dev/null || { echo "netpulse exited at start:"; tail -5 "$tmp/run.log"; exit 1; }
cpu() { awk '{print $14+$15}' "/proc/$run_pid/stat"; }
rss() { awk '/VmRSS/{print $2}' "/proc/$run_pid/status"; }
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
t0=$(date +%s.%N); c0=$(cpu)
n=0
while :; do
  sleep 10
  kill -0 "$run_pid" 2>/dev/null || { echo "netpulse exited early:"; tail -20 "$tmp/run.log"; exit 1; }
  n=$((n + 1))
  echo "$(date +%s.%N) $(rss)" >>"$tmp/rss"
  # A loaded daemon answers /metrics slowly (20,000 targets); a failed scrape is counted,
  # and the summary is read from the last one that came back whole.
  curl -fs -m 30 "http://127.0.0.1:$port/metrics" >"$tmp/metrics.$n" || { rm -f "$tmp/metrics.$n"; echo "$n" >>"$tmp/failed"; }
  t1=$(date +%s.%N); c1=$(cpu)
  awk -v a="$t0" -v b="$t1" -v s="$secs" 'BEGIN{exit !(b-a >= s)}' && break
done
if [ ! -s "$tmp/metrics.$n" ]; then
  # The summary's totals must come from the end of the run: one more try.
  n=$((n + 1))
  curl -fs -m 60 "http://127.0.0.1:$port/metrics" >"$tmp/metrics.$n" || { rm -f "$tmp/metrics.$n"; echo "$n" >>"$tmp/failed"; }
fi
if [ -n "${PPROF_OUT:-}" ]; then
  curl -fs "http://127.0.0.1:$pport/debug/pprof/heap?gc=1" >"$PPROF_OUT/heap.pb.gz" || true
  curl -fs "http://127.0.0.1:$pport/debug/pprof/heap?debug=1" | grep -E '^# (HeapAlloc|HeapInuse|HeapIdle|HeapReleased|NextGC|Sys|Stack|NumGC) ' >"$PPROF_OUT/memstats.txt" || true
  curl -fs "http://127.0.0.1:$pport/debug/pprof/goroutine?debug=1" >"$PPROF_OUT/goroutine.txt" || true
  echo "pprof: $(head -1 "$PPROF_OUT/goroutine.txt"); $(tr '\n' ' ' <"$PPROF_OUT/memstats.txt")"
fi
kill -TERM "$run_pid"
wait "$run_pid" || true
run_pid=""
[ -n "${PPROF_OUT:-}" ] && cp "$tmp/rss" "$PPROF_OUT/rss.txt" && cp "$tmp/run.log" "$PPROF_OUT/run.log"
python3 - "$tmp" "$n" "$snmp" "$gnmi" "$ifaces" "$t0" "$t1" "$c0" "$c1" "$hz" "$snmp_interval" "$gnmi_sample" "$procs" <<'PY'
import re, statistics, sys
tmp, n, snmp, gnmi, ifaces = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
t0, t1, c0, c1, hz = float(sys.argv[6]), float(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10])
# Prometheus exposition (client_golang orders labels by name): name{labels} value.
line = re.compile(r'^(netpulse_\w+)\{([^}]*)\} (\S+)$')
label = re.compile(r'(\w+)="([^"]*)"')
def scrape(i):
    m = {}
    try:
        for l in open(f"{tmp}/metrics.{i}"):
            g = line.match(l)
            if g:
                name, labels, v = g.groups()
                lb = dict(label.findall(labels))
                m[(name, lb.get("target") or lb.get("reason") or "", lb.get("proto", ""))] = float(v)
    except FileNotFoundError:
        pass
    return m
durs = {"snmp": [], "gnmi": []}
prev = {}
last = {}
for i in range(1, n + 1):
    m = scrape(i)
    if not m:
        continue
    last = m
    for (name, target, proto), v in m.items():
        if name != "netpulse_target_polls_total":
            continue
        if v > prev.get(target, 0):
            durs[proto].append(m.get(("netpulse_target_poll_duration_seconds", target, proto), 0))
        prev[target] = v
def total(name, proto=None):
    return sum(v for (k, t, p), v in last.items() if k == name and (proto is None or p == proto))
rss = [int(l.split()[1]) for l in open(f"{tmp}/rss")]
devices = snmp + gnmi
wall = t1 - t0
cpu = (c1 - c0) / hz
print(f"devices: {snmp} SNMP (every {sys.argv[11]}) + {gnmi} gNMI (sample {sys.argv[12]}) × {ifaces} interfaces, "
      f"{sys.argv[13]} simulator process(es); daemon for {wall:.0f} s")
print(f"RSS at the end {rss[-1]/1024:.0f} MiB, max {max(rss)/1024:.0f} MiB; "
      f"per device {rss[-1]/devices:.0f} KiB (end), {max(rss)/devices:.0f} KiB (max)")
print(f"CPU {cpu:.1f} s = {100*cpu/wall:.1f} % of one core")
for proto, devs in (("snmp", snmp), ("gnmi", gnmi)):
    if not devs:
        continue
    d = sorted(durs[proto])
    q = lambda p: d[min(len(d) - 1, int(p * len(d)))] if d else float("nan")
    print(f"{proto}: polls {total('netpulse_target_polls_total', proto):.0f}, "
          f"errors {total('netpulse_target_errors_total', proto):.0f}, "
          f"skipped {total('netpulse_target_skipped_polls_total', proto):.0f}, "
          f"reconnects {total('netpulse_target_reconnects_total', proto):.0f}, "
          f"up {total('netpulse_target_up', proto):.0f}/{devs}, "
          f"updates {total('netpulse_target_updates_total', proto):.0f}, "
          f"points {total('netpulse_target_points_total', proto):.0f}; "
          f"poll duration p50 {1000*q(0.5):.0f} ms, p95 {1000*q(0.95):.0f} ms, max {1000*(d[-1] if d else 0):.0f} ms "
          f"({len(d)} samples)")
print(f"output: written {total('netpulse_output_points_written_total'):.0f}, "
      f"dropped {total('netpulse_output_dropped_total'):.0f}")
try:
    failed = open(f"{tmp}/failed").read().split()
except FileNotFoundError:
    failed = []
if failed:
    print(f"/metrics scrapes that failed (timeout 30 s): {len(failed)} of {n}"
          + ("; THE LAST ONE TOO: the totals above are from an earlier scrape" if str(n) in failed else ""))
PY
grep -iE 'level=(warn|error)|"level":"(WARN|ERROR)"' "$tmp/run.log" | head -5 || true

#!/usr/bin/env bash
# bench-fleet.sh: the scheduled job at fleet scale, end to end through the real binary.
# `netpulse sim` serves N simulated SNMP devices × M interfaces (and optionally gNMI devices)
# in one process; `netpulse run --once` polls every one of them once, writing line protocol to
# /dev/null. Prints the job's wall time, its own CPU (user+sys from /proc, the simulator not
# counted), peak RSS and points written.
#
#   scripts/bench-fleet.sh [SNMP_DEVICES (default 1000)] [INTERFACES (default 48)] [GNMI_DEVICES (default 0)]
set -euo pipefail
cd "$(dirname "$0")/.."

snmp=${1:-1000}
ifaces=${2:-48}
gnmi=${3:-0}
tmp=$(mktemp -d)
sim_pid=""
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

go build -o "$tmp/netpulse" ./cmd/netpulse
"$tmp/netpulse" sim --snmp-devices "$snmp" --gnmi-devices "$gnmi" --interfaces "$ifaces" \
  --interval 60s --config-out "$tmp/fleet.yaml" --log-level warn 2>"$tmp/sim.log" &
sim_pid=$!
for _ in $(seq 300); do [ -s "$tmp/fleet.yaml" ] && break; sleep 0.1; done
[ -s "$tmp/fleet.yaml" ] || { echo "simulator did not start:"; cat "$tmp/sim.log"; exit 1; }
sed -i 's|path: "-"|path: /dev/null|' "$tmp/fleet.yaml"

/usr/bin/env time -f '%e %U %S %M' -o "$tmp/time" \
  "$tmp/netpulse" run --once --config "$tmp/fleet.yaml" --summary-json "$tmp/summary.json" \
  --log-level error 2>"$tmp/run.log" || true
read -r wall user sys rss <"$tmp/time"
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

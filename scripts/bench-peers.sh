#!/usr/bin/env bash
# bench-peers.sh: netpulse side by side with gnmic, snmp_exporter and Telegraf (issue 11,
# "Honest BENCHMARKS.md"), in one run, against the same servers, with the same command shape.
#
#   GNMIC=… SNMP_EXPORTER=… SNMP_EXPORTER_CONFIG=… TELEGRAF=… \
#     scripts/bench-peers.sh [ROUNDS (default 3)] [SECONDS (default 10)]
#
# The peers are not downloaded or built here, and never committed: pass the binaries' paths
# (a peer whose variable is unset is skipped, and the line printed below says how to build
# it). netpulse and the servers are built from this tree.
#
# gNMI: internal/benchtools/gnmiserve (the reference openconfig cache+subscribe server, 1,000
# interfaces) pushes at RATE10 (default 300000) updates/s with 10 updates per notification,
# then at RATE1 (default 100000) with 1. Each client subscribes on_change to
# /interfaces/interface/state/counters over plaintext gRPC with PROTO encoding for SECONDS,
# each as its daemon, from a config file that names the target, the subscription and a file
# output, stopped with SIGINT (each flushes and exits):
#   netpulse run --config (output type file: line protocol through outputs.Output)
#   gnmic subscribe --config (output type file, format event: gnmic's normalized form, one
#                     compact JSON array of events per line; gnmic has no line-protocol file
#                     format, its influxdb output needs a server; its CLI's --format event
#                     to stdout is indented, which costs it more)
#   telegraf --config (inputs.gnmi → outputs.file, line protocol)
# Updates are counted in each client's file (fields of line protocol, values of gnmic's
# events), CPU and peak RSS are the client's own (GNU time: user+sys of the process tree
# that `timeout` waits for). A fresh server per run.
#
# SNMP: `netpulse sim` serves one SNMPv2c agent with 1,000 interfaces (its CPU is not counted).
#   netpulse run --once (profile if-mib, file output)     one process: start-up + one poll
#   telegraf --once (inputs.snmp with the same columns, outputs.file)   likewise
#   snmp_exporter (stock snmp.yml, module if_mib): started, scraped twice with curl; its CPU
#   up to the end of the first scrape (start-up + one poll, comparable with the two above),
#   and the second scrape alone (a poll in steady state).
#   snmp_exporter_cols: the same with a module (written below) that walks only the columns
#   netpulse's if-mib profile reads; the stock if_mib walks all of ifTable and ifXTable.
#
# PARTS="gnmi" or "snmp" runs one half (default both).
#
# Each round runs every tool once, in an order that rotates from round to round, so load
# drift hits them alike. Printed: a markdown table of the median and the range over the
# rounds, and the ratios of the medians. Bounded: about ROUNDS × (2 × (SECONDS + 3) × tools
# + 10) seconds: about 4.5 minutes with the defaults and all three peers.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-3}
secs=${2:-10}
rate10=${RATE10:-300000}
rate1=${RATE1:-100000}
parts=${PARTS:-gnmi snmp}
ifaces=1000
tmp=$(mktemp -d)
sim_pid="" child_pid="" # the simulator; the gNMI server or snmp_exporter of the current run
cleanup() {
  for p in $sim_pid $child_pid; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

how_to_build() {
  cat <<'EOF'
How to build the peers (into /tmp, never into this repository):
  gnmic v0.47.0 (not on the Go module proxy: build from its source):
    git clone --depth 1 --branch v0.47.0 https://github.com/openconfig/gnmic /tmp/gnmic-src
    (cd /tmp/gnmic-src && CGO_ENABLED=0 go build -o /tmp/peers/gnmic .)
    GNMIC=/tmp/peers/gnmic
  snmp_exporter v0.30.1:
    git clone --depth 1 --branch v0.30.1 https://github.com/prometheus/snmp_exporter /tmp/snmpexp-src
    (cd /tmp/snmpexp-src && CGO_ENABLED=0 go build -o /tmp/peers/snmp_exporter .)
    SNMP_EXPORTER=/tmp/peers/snmp_exporter SNMP_EXPORTER_CONFIG=/tmp/snmpexp-src/snmp.yml
  Telegraf v1.37.2 with only the plugins used here (a custom build):
    go mod download -json github.com/influxdata/telegraf@v1.37.2   # prints its Dir
    cp -r "$(go env GOMODCACHE)/github.com/influxdata/telegraf@v1.37.2" /tmp/telegraf-src
    chmod -R u+w /tmp/telegraf-src
    (cd /tmp/telegraf-src && CGO_ENABLED=0 go build \
       -tags "custom,inputs.gnmi,inputs.snmp,outputs.file,serializers.influx,parsers.influx" \
       -o /tmp/peers/telegraf ./cmd/telegraf)
    TELEGRAF=/tmp/peers/telegraf
EOF
}

gnmic=${GNMIC:-}
exporter=${SNMP_EXPORTER:-}
exporter_cfg=${SNMP_EXPORTER_CONFIG:-}
telegraf=${TELEGRAF:-}
missing=0
for v in gnmic exporter telegraf; do
  if [ -z "${!v}" ]; then missing=1; elif [ ! -x "${!v}" ]; then echo "not executable: ${!v}" >&2; exit 2; fi
done
if [ -n "$exporter" ] && [ ! -r "$exporter_cfg" ]; then
  echo "SNMP_EXPORTER_CONFIG must name snmp_exporter's snmp.yml (the one in its source tree)" >&2
  exit 2
fi
[ "$missing" = 1 ] && { how_to_build; echo; echo "(peers not given are skipped)"; echo; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }
command -v curl >/dev/null || { echo "needs curl" >&2; exit 2; }

go build -o "$tmp/netpulse" ./cmd/netpulse
go build -o "$tmp/gnmiserve" ./internal/benchtools/gnmiserve
hz=$(getconf CLK_TCK)
echo "machine: $(nproc) cores, $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(go version | cut -d' ' -f3); load at start $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "netpulse $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . || echo '+changes')"
[ -n "$gnmic" ] && echo "gnmic: $("$gnmic" version 2>/dev/null | awk '/version/{print $NF; exit}')"
[ -n "$telegraf" ] && echo "telegraf: $("$telegraf" --version 2>/dev/null)"
[ -n "$exporter" ] && echo "snmp_exporter: $("$exporter" --version 2>&1 | head -1)"

# results: one line per measurement, "scenario tool value", for the summary.
: > "$tmp/results"
record() { echo "$1|$2|$3" >> "$tmp/results"; }

# timed OUT CMD…: runs CMD under GNU time; user+sys seconds and peak RSS KiB into OUT.
timed() {
  local out=$1; shift
  /usr/bin/time -f '%U %S %M' -o "$out" "$@"
}

# wait_file FILE: until FILE is non-empty (10 s at most).
wait_file() {
  local _
  for _ in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
  return 1
}

# rotate N ROUND WORDS…: the words rotated left by ROUND.
rotate() {
  local r=$1; shift
  local a=("$@") n=$# i
  for i in $(seq 0 $((n - 1))); do echo "${a[$(((i + r) % n))]}"; done
}

# ---------------------------------------------------------------- gNMI
gnmi_path=/interfaces/interface/state/counters

# count_updates TOOL FILE: the updates the client wrote.
count_updates() {
  case $1 in
  netpulse | telegraf)
    # Line protocol: "measurement,tags fields timestamp"; counter fields hold no space or comma.
    awk '!/^#/ && NF >= 2 {n += gsub(/,/, ",", $2) + 1} END {print n + 0}' "$2" ;;
  gnmic)
    # gnmic's event format: JSON events whose "values" map each path to its value; the
    # tags' keys never start with "/", the values' keys always do.
    grep -o '"/[^"]*":' "$2" | wc -l ;;
  esac
}

# Telegraf: flushed every second in batches of 5,000 lines (netpulse's defaults); a buffer
# of 200,000 metrics holds more than a second at the full rate. (Telegraf allocates the whole
# buffer up front: 10,000,000 would add ~150 MiB of RSS.)
netpulse_gnmi_conf() { # ADDR
  cat <<EOF
outputs:
  - type: file
    path: $tmp/gnmi.out
targets:
  - name: bench
    address: $1
    gnmi:
      insecure: true
      subscriptions: [interfaces]
subscriptions:
  interfaces:
    paths: [$gnmi_path]
    mode: stream
    stream_mode: on_change
    encoding: proto
EOF
}

gnmic_gnmi_conf() { # ADDR
  cat <<EOF
address: $1
insecure: true
encoding: proto
subscriptions:
  interfaces:
    paths: [$gnmi_path]
    mode: stream
    stream-mode: on-change
outputs:
  file:
    type: file
    filename: $tmp/gnmi.out
    format: event
EOF
}

telegraf_gnmi_conf() { # ADDR
  cat <<EOF
[agent]
  interval = "10s"
  flush_interval = "1s"
  metric_batch_size = 5000
  metric_buffer_limit = 200000
  omit_hostname = true
[[inputs.gnmi]]
  addresses = ["$1"]
  encoding = "proto"
  redial = "1s"
  [[inputs.gnmi.subscription]]
    name = "interfaces"
    path = "$gnmi_path"
    subscription_mode = "on_change"
[[outputs.file]]
  files = ["$tmp/gnmi.out"]
  data_format = "influx"
EOF
}

gnmi_run() { # TOOL PER RATE
  local tool=$1 per=$2 rate=$3 addr
  rm -f "$tmp/addr" "$tmp/gnmi.out"
  "$tmp/gnmiserve" -interfaces "$ifaces" -per-notification "$per" -rate "$rate" \
    -duration "$((secs + 10))s" -addr-file "$tmp/addr" 2>"$tmp/server.log" &
  local server=$!
  child_pid=$server
  wait_file "$tmp/addr" || { echo "gnmiserve did not start:"; cat "$tmp/server.log"; exit 1; }
  addr=$(cat "$tmp/addr")
  # SIGINT after SECONDS: each client flushes and exits as on Ctrl-C; 5 s grace, then KILL.
  local stop=(timeout -s INT -k 5 "$secs")
  case $tool in
  netpulse)
    netpulse_gnmi_conf "$addr" > "$tmp/netpulse-gnmi.yaml"
    timed "$tmp/time" "${stop[@]}" "$tmp/netpulse" run --config "$tmp/netpulse-gnmi.yaml" \
      >"$tmp/client.log" 2>&1 || true ;;
  gnmic)
    gnmic_gnmi_conf "$addr" > "$tmp/gnmic-gnmi.yaml"
    timed "$tmp/time" "${stop[@]}" "$gnmic" --config "$tmp/gnmic-gnmi.yaml" subscribe \
      >"$tmp/client.log" 2>&1 || true ;;
  telegraf)
    telegraf_gnmi_conf "$addr" > "$tmp/telegraf-gnmi.conf"
    timed "$tmp/time" "${stop[@]}" "$telegraf" --config "$tmp/telegraf-gnmi.conf" \
      >"$tmp/client.log" 2>&1 || true ;;
  esac
  kill -INT "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  child_pid=""
  local updates cpu rss
  updates=$(count_updates "$tool" "$tmp/gnmi.out")
  read -r u s rss < <(tail -n 1 "$tmp/time") || true
  cpu=$(awk -v u="${u:-0}" -v s="${s:-0}" 'BEGIN{printf "%.2f", u+s}')
  if [ "$updates" = 0 ] || awk -v c="$cpu" 'BEGIN{exit !(c <= 0)}'; then
    echo "   $tool: no updates or no CPU measured; its log:"; tail -5 "$tmp/client.log" | sed 's/^/     /'
    return
  fi
  local upc; upc=$(awk -v n="$updates" -v c="$cpu" 'BEGIN{printf "%.0f", n/c}')
  printf '   %-9s %10s updates  %6s CPU-s  %9s updates/CPU-s  peak RSS %6.1f MiB  (%s)\n' \
    "$tool" "$updates" "$cpu" "$upc" "$(awk -v k="$rss" 'BEGIN{print k/1024}')" \
    "$(grep -ho 'pushed.*' "$tmp/server.log" || echo 'server: no report')"
  record "gnmi$per" "$tool" "$upc"
  record "gnmi${per}rss" "$tool" "$(awk -v k="$rss" 'BEGIN{printf "%.1f", k/1024}')"
}

gnmi_tools=(netpulse)
[ -n "$gnmic" ] && gnmi_tools+=(gnmic)
[ -n "$telegraf" ] && gnmi_tools+=(telegraf)

for per in 10 1; do
  [[ " $parts " == *" gnmi "* ]] || break
  rate=$rate10; [ "$per" = 1 ] && rate=$rate1
  echo
  echo "== gNMI, $per update(s) per notification, $ifaces interfaces, server ≤$rate updates/s, ${secs}s per client"
  for r in $(seq "$rounds"); do
    echo "-- round $r (load $(cut -d' ' -f1 /proc/loadavg))"
    for tool in $(rotate "$r" "${gnmi_tools[@]}"); do gnmi_run "$tool" "$per" "$rate"; done
  done
done

# ---------------------------------------------------------------- SNMP
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tmp/netpulse" sim --snmp-devices 1 --gnmi-devices 0 --interfaces "$ifaces" \
  --snmp-addr "127.0.0.1:$port" --config-out "$tmp/sim.yaml" --log-level warn 2>"$tmp/sim.log" &
sim_pid=$!
wait_file "$tmp/sim.yaml" || { echo "netpulse sim did not start:"; cat "$tmp/sim.log"; exit 1; }
community=$(awk -F'"' '/community:/{print $2; exit}' "$tmp/sim.yaml")
[ -n "$community" ] || { echo "no v2c community in the simulator's config:"; cat "$tmp/sim.yaml"; exit 1; }

cat > "$tmp/netpulse-snmp.yaml" <<EOF
outputs:
  - type: file
    path: $tmp/snmp.out
targets:
  - name: agent
    address: 127.0.0.1:$port
    snmp:
      version: 2c
      community: "$community"
      profiles: [if-mib]
      timeout: 5s
EOF

# Telegraf: the columns netpulse's if-mib profile reads (collector/snmp/profiles.go), by
# number (no MIB files): ifName as the tag, 20 fields (21 columns, as netpulse reads).
cat > "$tmp/telegraf-snmp.conf" <<EOF
[agent]
  omit_hostname = true
  snmp_translator = "gosmi"
[[inputs.snmp]]
  agents = ["udp://127.0.0.1:$port"]
  version = 2
  community = "$community"
  timeout = "5s"
  retries = 1
  max_repetitions = 25
  [[inputs.snmp.table]]
    name = "interfaces"
    [[inputs.snmp.table.field]]
      name = "interface_name"
      oid = ".1.3.6.1.2.1.31.1.1.1.1"
      is_tag = true
$(for f in type:2.2.1.3 mtu:2.2.1.4 mac:2.2.1.6:hwaddr admin:2.2.1.7 oper:2.2.1.8 \
    in_discards:2.2.1.13 in_errors:2.2.1.14 in_unknown:2.2.1.15 out_discards:2.2.1.19 out_errors:2.2.1.20 \
    in_octets:31.1.1.1.6 in_ucast:31.1.1.1.7 in_mcast:31.1.1.1.8 in_bcast:31.1.1.1.9 \
    out_octets:31.1.1.1.10 out_ucast:31.1.1.1.11 out_mcast:31.1.1.1.12 out_bcast:31.1.1.1.13 \
    high_speed:31.1.1.1.15 alias:31.1.1.1.18; do
  IFS=: read -r name oid conv <<< "$f"
  printf '    [[inputs.snmp.table.field]]\n      name = "%s"\n      oid = ".1.3.6.1.2.1.%s"\n' "$name" "$oid"
  [ -n "$conv" ] && printf '      conversion = "%s"\n' "$conv"
done)
[[outputs.file]]
  files = ["$tmp/snmp.out"]
  data_format = "influx"
EOF

# snmp_exporter, second module: the columns netpulse's if-mib profile reads, with ifName as
# a label (netpulse's interface_name tag), written in snmp_exporter's module format (what
# its generator would emit for these OIDs): the stock if_mib walks all of ifTable and
# ifXTable, about twice the varbinds.
{
  echo "auths:"
  echo "  bench_v2:"
  echo "    community: \"$community\""
  echo "    version: 2"
  echo "modules:"
  echo "  if_mib_netpulse_columns:"
  echo "    walk:"
  for c in 2.2.1.3 2.2.1.4 2.2.1.6 2.2.1.7 2.2.1.8 2.2.1.13 2.2.1.14 2.2.1.15 2.2.1.19 2.2.1.20 \
    31.1.1.1.1 31.1.1.1.6 31.1.1.1.7 31.1.1.1.8 31.1.1.1.9 31.1.1.1.10 31.1.1.1.11 31.1.1.1.12 \
    31.1.1.1.13 31.1.1.1.15 31.1.1.1.18; do
    echo "    - 1.3.6.1.2.1.$c"
  done
  echo "    metrics:"
  for f in ifType:2.2.1.3:gauge ifMtu:2.2.1.4:gauge ifPhysAddress:2.2.1.6:PhysAddress48 \
    ifAdminStatus:2.2.1.7:gauge ifOperStatus:2.2.1.8:gauge ifInDiscards:2.2.1.13:counter \
    ifInErrors:2.2.1.14:counter ifInUnknownProtos:2.2.1.15:counter ifOutDiscards:2.2.1.19:counter \
    ifOutErrors:2.2.1.20:counter ifHCInOctets:31.1.1.1.6:counter ifHCInUcastPkts:31.1.1.1.7:counter \
    ifHCInMulticastPkts:31.1.1.1.8:counter ifHCInBroadcastPkts:31.1.1.1.9:counter \
    ifHCOutOctets:31.1.1.1.10:counter ifHCOutUcastPkts:31.1.1.1.11:counter \
    ifHCOutMulticastPkts:31.1.1.1.12:counter ifHCOutBroadcastPkts:31.1.1.1.13:counter \
    ifHighSpeed:31.1.1.1.15:gauge ifAlias:31.1.1.1.18:DisplayString; do
    IFS=: read -r name oid type <<< "$f"
    cat <<EOF
    - name: $name
      oid: 1.3.6.1.2.1.$oid
      type: $type
      help: $name
      indexes:
      - labelname: ifIndex
        type: gauge
      lookups:
      - labels: [ifIndex]
        labelname: ifName
        oid: 1.3.6.1.2.1.31.1.1.1.1
        type: DisplayString
EOF
  done
} > "$tmp/snmp-exporter-columns.yml"

exporter_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
proc_cpu() { awk -v hz="$hz" '{printf "%.2f", ($14+$15)/hz}' "/proc/$1/stat"; }

snmp_run() { # TOOL
  local tool=$1 cpu rss out
  rm -f "$tmp/snmp.out"
  case $tool in
  netpulse)
    timed "$tmp/time" "$tmp/netpulse" run --once --config "$tmp/netpulse-snmp.yaml" \
      --summary-json "$tmp/summary.json" >"$tmp/client.log" 2>&1 \
      || { echo "   netpulse run --once failed:"; tail -5 "$tmp/client.log"; return; } ;;
  telegraf)
    timed "$tmp/time" "$telegraf" --once --config "$tmp/telegraf-snmp.conf" >"$tmp/client.log" 2>&1 \
      || { echo "   telegraf --once failed:"; tail -5 "$tmp/client.log"; return; } ;;
  snmp_exporter | snmp_exporter_cols)
    local module=if_mib auth=public_v2
    [ "$tool" = snmp_exporter_cols ] && module=if_mib_netpulse_columns auth=bench_v2
    "$exporter" --config.file="$exporter_cfg" --config.file="$tmp/snmp-exporter-columns.yml" \
      --web.listen-address="127.0.0.1:$exporter_port" >"$tmp/client.log" 2>&1 &
    local ex=$!
    child_pid=$ex
    local url="http://127.0.0.1:$exporter_port/snmp?target=127.0.0.1:$port&module=$module&auth=$auth"
    local _
    for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$exporter_port/" && break; sleep 0.1; done
    curl -fs -o "$tmp/snmp.out" "$url" || {
      echo "   $tool scrape failed:"; tail -5 "$tmp/client.log"; kill "$ex"; wait "$ex" 2>/dev/null; child_pid=""; return
    }
    local first; first=$(proc_cpu "$ex")
    rss=$(awk '/VmHWM/{printf "%.1f", $2/1024}' "/proc/$ex/status")
    curl -fs -o "$tmp/snmp2.out" "$url"
    local second; second=$(awk -v a="$first" -v b="$(proc_cpu "$ex")" 'BEGIN{printf "%.2f", b-a}')
    kill "$ex"; wait "$ex" 2>/dev/null || true
    child_pid=""
    local samples; samples=$(grep -vc '^#' "$tmp/snmp.out" || true)
    printf '   %-13s start-up + 1st scrape %5s CPU-s; 2nd scrape alone %5s CPU-s; %s samples; peak RSS %s MiB\n' \
      "$tool" "$first" "$second" "$samples" "$rss"
    record snmp "$tool" "$first"
    record snmp_steady "$tool" "$second"
    record snmp_rss "$tool" "$rss"
    return ;;
  esac
  local u s k
  read -r u s k < <(tail -n 1 "$tmp/time")
  cpu=$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%.2f", u+s}')
  rss=$(awk -v k="$k" 'BEGIN{printf "%.1f", k/1024}')
  out=$(grep -vc '^#' "$tmp/snmp.out" 2>/dev/null || true)
  printf '   %-13s start-up + poll %5s CPU-s; %s lines; peak RSS %s MiB\n' "$tool" "$cpu" "$out" "$rss"
  record snmp "$tool" "$cpu"
  record snmp_rss "$tool" "$rss"
}

snmp_tools=(netpulse)
[ -n "$exporter" ] && snmp_tools+=(snmp_exporter snmp_exporter_cols)
[ -n "$telegraf" ] && snmp_tools+=(telegraf)
[[ " $parts " == *" snmp "* ]] && {
echo
echo "== SNMP, if-mib poll of one v2c agent with $ifaces interfaces (netpulse sim)"
for r in $(seq "$rounds"); do
  echo "-- round $r (load $(cut -d' ' -f1 /proc/loadavg))"
  for tool in $(rotate "$r" "${snmp_tools[@]}"); do snmp_run "$tool"; done
done
}

# ---------------------------------------------------------------- summary
echo
echo "load at end $(cut -d' ' -f1-3 /proc/loadavg); $rounds rounds; median (min–max)"
echo
python3 - "$tmp/results" <<'PY'
import statistics, sys
res = {}
for line in open(sys.argv[1]):
    scen, tool, v = line.strip().split("|")
    res.setdefault(scen, {}).setdefault(tool, []).append(float(v))
rows = [
    ("gnmi10", "gNMI, 10 updates/notification: updates per CPU-second", True),
    ("gnmi1", "gNMI, 1 update/notification: updates per CPU-second", True),
    ("gnmi10rss", "gNMI, 10/notification: peak RSS MiB", False),
    ("gnmi1rss", "gNMI, 1/notification: peak RSS MiB", False),
    ("snmp", "SNMP if-mib, 1,000 interfaces: CPU-s, start-up + one poll", False),
    ("snmp_steady", "SNMP if-mib: CPU-s of a poll in steady state", False),
    ("snmp_rss", "SNMP if-mib: peak RSS MiB", False),
]
tools = ["netpulse", "gnmic", "snmp_exporter", "snmp_exporter_cols", "telegraf"]
def fmt(v):
    return f"{v:,.0f}" if v >= 1000 else (f"{v:.1f}" if v >= 10 else f"{v:.2f}")
print("| measurement | " + " | ".join(tools) + " |")
print("| --- | " + " | ".join("---:" for _ in tools) + " |")
for key, label, higher_better in rows:
    if key not in res:
        continue
    cells = []
    np = res[key].get("netpulse")
    for t in tools:
        vs = res[key].get(t)
        if not vs:
            cells.append("–")
            continue
        m = statistics.median(vs)
        c = f"{fmt(m)} ({fmt(min(vs))}–{fmt(max(vs))})"
        if t != "netpulse" and np and m > 0:
            npm = statistics.median(np)
            ratio = npm / m if higher_better else m / npm
            c += f" · netpulse {ratio:.2f}×"
        cells.append(c)
    print(f"| {label} | " + " | ".join(cells) + " |")
print()
print("snmp_exporter: the stock snmp.yml's if_mib module (all of ifTable and ifXTable); "
      "snmp_exporter_cols: a module that walks only the columns netpulse's if-mib reads.")
print("“netpulse N×” = how many times better netpulse's median is (updates per CPU-second: "
      "netpulse ÷ peer; CPU-s and RSS: peer ÷ netpulse).")
PY

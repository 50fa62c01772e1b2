#!/usr/bin/env bash
# netns-ifaces.sh: a network namespace with many veth interfaces, for SNMP scale tests.
#
#   scripts/netns-ifaces.sh up NAME PAIRS   create namespace NAME, lo up, PAIRS veth pairs
#                                           (both ends inside: 2*PAIRS+1 interfaces), all up
#   scripts/netns-ifaces.sh down NAME       delete the namespace (and with it every veth)
#
# Needs root and iproute2. Nothing is addressed outside the namespace: the veths carry no
# addresses and are connected only to each other.
set -euo pipefail

cmd=${1:-}; ns=${2:-}
[ -n "$cmd" ] && [ -n "$ns" ] || { echo "usage: $0 up NAME PAIRS | down NAME" >&2; exit 2; }

case "$cmd" in
up)
  pairs=${3:?PAIRS}
  ip netns add "$ns"
  # No IPv6 in the namespace: 1,000 interfaces coming up would each start IPv6 duplicate
  # address detection, and the netlink flood makes snmpd's address listener fail at start.
  ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6'
  {
    echo "link set lo up"
    for i in $(seq 0 $((pairs - 1))); do
      echo "link add npa$i type veth peer name npb$i"
    done
    for i in $(seq 0 $((pairs - 1))); do
      echo "link set npa$i up"
      echo "link set npb$i up"
    done
  } | ip -n "$ns" -batch -
  echo "namespace $ns: $(ip -n "$ns" -o link show | wc -l) interfaces"
  ;;
down)
  ip netns del "$ns" 2>/dev/null || true
  ;;
*)
  echo "usage: $0 up NAME PAIRS | down NAME" >&2; exit 2
  ;;
esac

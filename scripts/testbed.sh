#!/usr/bin/env bash
# A test bed of network namespaces on one machine: N "hypervisors" (default 3) joined by an underlay,
# which the machine itself (the controller, plumbctl) reaches too.
#
#   scripts/testbed.sh [--prefix P] [--net X] [--hosts N] up|down|status
#
# P: --prefix, else $PLUMB_TESTBED_PREFIX, else "plumb" (1-12 characters of a-z, 0-9, '-').
# X: --net, else $PLUMB_TESTBED_NET, else 0 (0-255): the underlay is 198.18.X.0/24, in the benchmarking
#    range 198.18.0.0/15. Beds that exist side by side need different prefixes and nets.
# N: --hosts, else $PLUMB_TESTBED_HOSTS, else 3 (1-50).
#
#   P-hv1 ... P-hvN   hypervisor namespaces; each has the underlay NIC "underlay0" (MTU 1500) with its
#                     VTEP address 198.18.X.K/24 (K = 1..N)
#   P-fabric          the underlay switch: bridge "fabric0", one veth per hypervisor ("hvK", peer of its
#                     underlay0) and one to this machine ("gw")
#   P-gw              in this machine's own namespace: 198.18.X.254/24, where agents reach the controller
# The facility names hypervisor K "hvK" with vtep_ip 198.18.X.K and underlay_nic "underlay0"; a controller
# for the bed listens on 198.18.X.254 (or 0.0.0.0).
#
# up      makes whatever is missing (safe to run again; a half-made bed is completed)
# down    deletes the namespaces (and with them every device inside, Plumb's included) and P-gw; safe to
#         run again
# status  shows each namespace, its underlay address and state, and how many Plumb devices it holds;
#         exits 1 when anything of the bed is missing
# Needs root and iproute2.
set -euo pipefail

prefix="${PLUMB_TESTBED_PREFIX:-plumb}"
hosts="${PLUMB_TESTBED_HOSTS:-3}"
net="${PLUMB_TESTBED_NET:-0}"
command=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="${2:?--prefix needs a value}"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --net) net="${2:?--net needs a value}"; shift 2 ;;
        --net=*) net="${1#--net=}"; shift ;;
        --hosts) hosts="${2:?--hosts needs a value}"; shift 2 ;;
        --hosts=*) hosts="${1#--hosts=}"; shift ;;
        up|down|status) command="$1"; shift ;;
        -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "testbed: unknown argument '$1' (usage: testbed.sh [--prefix P] [--net X] [--hosts N] up|down|status)" >&2; exit 64 ;;
    esac
done
[ -n "$command" ] || { echo "testbed: say up, down or status" >&2; exit 64; }
[[ "$prefix" =~ ^[a-z0-9][a-z0-9-]{0,11}$ ]] || {
    echo "testbed: prefix '$prefix' must be 1-12 characters of a-z, 0-9 and '-', starting with a letter or digit" >&2; exit 64; }
[[ "$hosts" =~ ^[1-9][0-9]?$ ]] && [ "$hosts" -le 50 ] || { echo "testbed: --hosts must be 1..50, got '$hosts'" >&2; exit 64; }
[[ "$net" =~ ^[0-9]{1,3}$ ]] && [ "$net" -le 255 ] || { echo "testbed: --net must be 0..255, got '$net'" >&2; exit 64; }
[ "$(id -u)" -eq 0 ] || { echo "testbed: needs root (network namespaces)" >&2; exit 77; }
command -v ip >/dev/null || { echo "testbed: iproute2 (ip) is not installed; run scripts/install-deps.sh" >&2; exit 69; }

fabric="$prefix-fabric"
gateway="$prefix-gw"
subnet="198.18.$net"
plumb_group=20556  # the agent's link group ("PL"): marks Plumb's devices

namespace_exists() { [ -e "/run/netns/$1" ]; }
link_exists() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }

ensure_namespace() {
    namespace_exists "$1" || ip netns add "$1"
    ip -n "$1" link set lo up
}

up() {
    # Another interface of this machine already on the subnet would make the route ambiguous.
    local other
    other=$(ip -o -4 address show to "$subnet.0/24" | awk '$2 != "'"$gateway"'" {print $2}' | head -n 1)
    [ -z "$other" ] || { echo "testbed: $subnet.0/24 is already on $other; choose another --net" >&2; exit 1; }
    ensure_namespace "$fabric"
    link_exists "$fabric" fabric0 || ip -n "$fabric" link add fabric0 type bridge
    ip -n "$fabric" link set fabric0 up
    for k in $(seq 1 "$hosts"); do
        local ns="$prefix-hv$k" address="$subnet.$k"
        ensure_namespace "$ns"
        if ! link_exists "$ns" underlay0; then
            # A half-made pair (one end left) cannot be completed: remove it and make both ends at once.
            ! link_exists "$fabric" "hv$k" || ip -n "$fabric" link delete "hv$k"
            ip -n "$fabric" link add "hv$k" type veth peer name underlay0 netns "$ns"
        fi
        ip -n "$fabric" link set "hv$k" master fabric0 up
        ip -n "$ns" address replace "$address/24" dev underlay0
        ip -n "$ns" link set underlay0 mtu 1500 up
        echo "testbed: hv$k  namespace $ns  underlay0 $address/24"
    done
    # A pair with one end missing (a gateway left from an earlier fabric) is made again.
    if ! ip link show dev "$gateway" >/dev/null 2>&1 || ! link_exists "$fabric" gw; then
        ! ip link show dev "$gateway" >/dev/null 2>&1 || ip link delete "$gateway"
        ! link_exists "$fabric" gw || ip -n "$fabric" link delete gw
        ip link add "$gateway" type veth peer name gw netns "$fabric"
    fi
    ip -n "$fabric" link set gw master fabric0 up
    ip address replace "$subnet.254/24" dev "$gateway"
    ip link set "$gateway" up
    echo "testbed: this machine  $gateway $subnet.254/24"
    echo "testbed: fabric namespace $fabric, bridge fabric0; up"
}

down() {
    local ns any=0
    # The gateway first: deleting it removes its peer at once, whereas the devices of a deleted namespace
    # go only when the kernel gets round to freeing it, which would leave the gateway behind for a moment.
    if ip link show dev "$gateway" >/dev/null 2>&1; then
        ip link delete "$gateway" 2>/dev/null || ! ip link show dev "$gateway" >/dev/null 2>&1
        echo "testbed: deleted $gateway"
        any=1
    fi
    for ns in $(ip netns list | awk '{print $1}'); do
        if [ "$ns" = "$fabric" ] || [[ "$ns" =~ ^$prefix-hv[0-9]+$ ]]; then
            local pids
            pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
            [ -z "$pids" ] || echo "testbed: warning: processes still in $ns (pids $pids); their namespace lives on until they exit" >&2
            ip netns delete "$ns"
            echo "testbed: deleted $ns"
            any=1
        fi
    done
    [ "$any" -eq 1 ] || echo "testbed: nothing to remove for prefix $prefix"
}

status() {
    local k ns missing=0
    if namespace_exists "$fabric"; then
        echo "$fabric: bridge fabric0 $(ip -n "$fabric" -br link show dev fabric0 2>/dev/null | awk '{print $2}' || echo missing)"
    else
        echo "$fabric: missing"; missing=1
    fi
    local gw
    gw=$(ip -br address show dev "$gateway" 2>/dev/null | awk '{print $2, $3}' || true)
    echo "$gateway: ${gw:-missing}"
    [ -n "$gw" ] || missing=1
    for k in $(seq 1 "$hosts"); do
        ns="$prefix-hv$k"
        if ! namespace_exists "$ns"; then echo "$ns: missing"; missing=1; continue; fi
        local underlay devices
        underlay=$(ip -n "$ns" -br address show dev underlay0 2>/dev/null | awk '{print $2, $3}' || true)
        [ -n "$underlay" ] || missing=1
        devices=$(ip -n "$ns" -o link show group "$plumb_group" 2>/dev/null | wc -l)
        echo "$ns: underlay0 ${underlay:-missing}; $devices Plumb devices"
    done
    return "$missing"
}

"$command"

#!/usr/bin/env bash
# Plumb on one machine, narrated: three "hypervisors" (network namespaces joined by an underlay), the
# controller on its embedded PostgreSQL, one agent per hypervisor, two experiments materialized with
# plumbctl, Ethernet frames written into VMs' taps with plumb-tap to show where they arrive and where they
# must not, real QEMU guests on three of the taps where QEMU runs (TCG; the guest is made from Debian's packages
# by scripts/guest-image.sh), then dematerialization. Everything it makes is removed on exit, also on Ctrl-C.
#
#   scripts/demo.sh            as root, on Debian 12, from a clone of the repository
#
# Environment: PLUMB_DEMO_PREFIX (namespace prefix, default plumb-demo), PLUMB_DEMO_NET (underlay
# 198.18.X.0/24, X 0-254, default 0; the VTEPs of scripts/demo/facility.json follow it), PLUMB_DEMO_KEEP=1 keeps the temporary
# directory with the logs. It builds the debug configuration: from cold on two cores that is the faster one
# (no optimizer), and the demo's speed does not depend on it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

prefix="${PLUMB_DEMO_PREFIX:-plumb-demo}"
net="${PLUMB_DEMO_NET:-0}"
gateway="198.18.$net.254"
bold=""
plain=""
if [ -t 1 ]; then
    bold=$(tput bold 2>/dev/null || true)
    plain=$(tput sgr0 2>/dev/null || true)
fi
step_number=0

step() {
    step_number=$((step_number + 1))
    printf '\n%s== %d. %s%s\n' "$bold" "$step_number" "$1" "$plain"
}
say() { printf '   %s\n' "$*"; }
run() { printf '   %s$ %s%s\n' "$bold" "$*" "$plain"; "$@"; }
fail() { printf '\n%sdemo: %s%s\n' "$bold" "$*" "$plain" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run me as root (network namespaces, taps, the agents need it)"

# ---------------------------------------------------------------------------------------------------
# Clean-up: whatever was started or made is stopped and removed, whichever way the script ends.
work=""
controller_pid=""
agent_pids=()
receiver_pids=()
guest_pids=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    printf '\n%s== clean-up%s\n' "$bold" "$plain"
    for pid in "${receiver_pids[@]}" "${guest_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${agent_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${agent_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ ${#agent_pids[@]} -eq 0 ] || say "agents stopped"
    if [ -n "$controller_pid" ]; then
        kill "$controller_pid" 2>/dev/null || true
        wait "$controller_pid" 2>/dev/null || true
        say "controller stopped (and its embedded PostgreSQL with it)"
    fi
    "$root/scripts/testbed.sh" --prefix "$prefix" --net "$net" down >/dev/null 2>&1 || true
    say "test bed removed (namespaces $prefix-*, $prefix-gw)"
    if [ -n "$work" ]; then
        if [ "${PLUMB_DEMO_KEEP:-0}" = 1 ]; then say "logs kept in $work"; else rm -rf "$work"; fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------------
step "Dependencies"
say "Plumb builds with Swift 6 and links libpq, libnl and libcurl; the controller embeds PostgreSQL 15."
run scripts/install-deps.sh
command -v swift >/dev/null || fail "swift is not on PATH: install the Swift 6 toolchain for Debian 12 from https://swift.org/install"

step "Build (debug: the fastest from cold)"
say "From cold this takes several minutes on two cores (the Swift packages compile first); only errors are shown."
for product in plumb-controller plumb-agent plumbctl plumb-tap; do
    run swift build --quiet --product "$product"
done
bin="$root/.build/debug"
plumbctl() { "$bin/plumbctl" "$@"; }

step "A test bed: three hypervisors as network namespaces"
say "Each namespace is one hypervisor with an underlay NIC (underlay0) and its VTEP address; a fabric"
say "namespace bridges them, and this machine joins the underlay at $gateway to reach the controller."
"$root/scripts/testbed.sh" --prefix "$prefix" --net "$net" down >/dev/null 2>&1 || true
run scripts/testbed.sh --prefix "$prefix" --net "$net" up

work=$(mktemp -d /tmp/plumb-demo.XXXXXX)
chmod 755 "$work"

step "The controller, on its embedded PostgreSQL"
say "It keeps every identifier (VNIs, MACs, taps, VLANs, VFs) in PostgreSQL and serves the v1 API."
say "With no database URL it runs a private PostgreSQL cluster in its data directory."
printf '   %s$ plumb-controller --listen %s:0 --data-dir %s/controller%s\n' "$bold" "$gateway" "$work" "$plain"
"$bin/plumb-controller" --listen "$gateway:0" --data-dir "$work/controller" >"$work/controller.log" 2>&1 &
controller_pid=$!
address=""
for _ in $(seq 1 600); do
    address=$(sed -n 's/.*listening address=\([0-9.]*:[0-9]*\).*/\1/p' "$work/controller.log" | head -n 1)
    [ -n "$address" ] && break
    kill -0 "$controller_pid" 2>/dev/null || { cat "$work/controller.log" >&2; fail "the controller exited"; }
    sleep 0.1
done
[ -n "$address" ] || { cat "$work/controller.log" >&2; fail "the controller did not start listening within 60 s"; }
export PLUMB_CONTROLLER="http://$address"
export PLUMB_TOKEN_FILE="$work/controller/admin.token"
say "listening on $PLUMB_CONTROLLER; plumbctl uses it (PLUMB_CONTROLLER) with the admin token it created"
say "($PLUMB_TOKEN_FILE)."

step "Declare the facility"
say "Three hypervisors with their VTEP addresses and underlay NIC, one leaf switch, a VNI range."
sed "s/198\.18\.0\./198.18.$net./g" scripts/demo/facility.json >"$work/facility.json"
run plumbctl facility apply "$work/facility.json"

step "One agent per hypervisor, each with its own token"
for k in 1 2 3; do
    run plumbctl token "hv$k" --output "$work/hv$k.token"
    ip netns exec "$prefix-hv$k" "$bin/plumb-agent" run --controller "$PLUMB_CONTROLLER" --host "hv$k" \
        --token-file "$work/hv$k.token" --state-directory "$work/agent-hv$k" --wait 30 >"$work/agent-hv$k.log" 2>&1 &
    agent_pids+=($!)
    say "plumb-agent run --host hv$k   (in namespace $prefix-hv$k, log $work/agent-hv$k.log)"
done
say "Each agent long-polls the controller for its host's desired state and applies it over netlink."
sleep 1
run plumbctl hosts
say "(leaf1 is the leaf switch the facility declares; no agent runs for it here, and virtio networks do not need it)"

step "Materialize experiment A: a LAN across all three hypervisors and a point-to-point link"
say "a1 and a4 both sit on hv1: the LAN isolates them from each other (VMs on one host reach only the overlay)."
run plumbctl materialize scripts/demo/experiment-a.json --id A --wait

step "Materialize experiment B: its own LAN on the same hypervisors, allowing local traffic"
run plumbctl materialize scripts/demo/experiment-b.json --id B --wait

# The NICs as "EXPERIMENT VM NIC NETWORK HOST TAP MAC" lines.
nics() {
    plumbctl status "$1" --json | python3 -c '
import json, sys
m = json.load(sys.stdin)
for vm in m["vms"]:
    for nic in vm["nics"]:
        print(m["id"], vm["name"], nic["name"], nic["network"], vm["hypervisor"], nic["tap"], nic["mac"])'
}
declare -A tap_of host_of mac_of
while read -r experiment vm nic network host tap mac; do
    key="$experiment/$vm/$nic"
    tap_of[$key]=$tap; host_of[$key]=$host; mac_of[$key]=$mac
done < <(nics A; nics B)
vni_a=$(plumbctl status A --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["networks"][0]["vni"])')

# listen KEY...: a plumb-tap receiver on each NIC's tap, as the VM would be; output in $work/rx-*.
listen() {
    local key
    for key in "$@"; do
        local file="$work/rx-${key//\//-}"
        ip netns exec "$prefix-${host_of[$key]}" "$bin/plumb-tap" receive --tap "${tap_of[$key]}" --timeout 30 \
            >"$file.out" 2>"$file.err" &
        receiver_pids+=($!)
    done
    for key in "$@"; do
        local file="$work/rx-${key//\//-}"
        for _ in $(seq 1 100); do grep -q listening "$file.err" 2>/dev/null && break; sleep 0.1; done
    done
}
# report KEY...: stop the receivers, show what each NIC got.
report() {
    sleep 0.5
    for pid in "${receiver_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    receiver_pids=()
    local key
    for key in "$@"; do
        local file="$work/rx-${key//\//-}"
        local got
        got=$(python3 -c '
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("; ".join("%r from %s" % (f["payload"], f["src"]) for f in frames) or "nothing")' "$file.out")
        printf '   %-10s on %s (tap %s): %s\n' "$key" "${host_of[$key]}" "${tap_of[$key]}" "$got"
    done
}
# send KEY DST PAYLOAD: a frame from that NIC's tap.
send() {
    ip netns exec "$prefix-${host_of[$1]}" "$bin/plumb-tap" send --tap "${tap_of[$1]}" --src "${mac_of[$1]}" \
        --dst "$2" --payload "$3" >/dev/null
}

step "Traffic: a broadcast from a1 on A's LAN"
say "plumb-tap attaches to a tap by name through /dev/net/tun, as QEMU does, and writes an Ethernet frame."
say "Listening on every other VM NIC of both experiments:"
others=(A/a2/eth0 A/a3/eth0 A/a4/eth0 A/a2/eth1 B/b1/eth0 B/b2/eth0 B/b3/eth0 B/b4/eth0)
listen "${others[@]}"
send A/a1/eth0 ff:ff:ff:ff:ff:ff "hello LAN from a1"
report "${others[@]}"
say "a2 and a3 (other hosts) got it over VXLAN; a4 (same host, isolated port) did not; nothing reached"
say "the link network or experiment B."

step "Traffic: unicast over the point-to-point link, a1 -> a2"
others=(A/a2/eth1 A/a2/eth0 A/a3/eth0 B/b2/eth0)
listen "${others[@]}"
send A/a1/eth1 "${mac_of[A/a2/eth1]}" "hello link from a1"
report "${others[@]}"

step "Traffic: a broadcast from b1 on B's LAN (allow_local)"
others=(B/b2/eth0 B/b3/eth0 B/b4/eth0 A/a1/eth0 A/a2/eth0 A/a3/eth0 A/a4/eth0)
listen "${others[@]}"
send B/b1/eth0 ff:ff:ff:ff:ff:ff "hello LAN from b1"
report "${others[@]}"
say "b4 shares hv1 with b1 and B allows local traffic: it got the frame directly over the bridge."

step "Real VMs: QEMU guests on A's LAN"
# guest VM: boots VM of experiment A on its tap, with the NIC arguments Plumb renders; console via a fifo.
guest_problem=""
command -v qemu-system-x86_64 >/dev/null || guest_problem="qemu-system-x86_64 is not installed"
if [ -z "$guest_problem" ]; then
    say "Making the guest (Debian's kernel and a busybox initramfs, from Debian's packages; cached after the first time):"
    guest_dir=$(scripts/guest-image.sh 2>"$work/guest-image.log") || guest_problem="the guest image could not be made: $(tail -n 1 "$work/guest-image.log")"
fi
if [ -n "$guest_problem" ]; then
    say "No real VMs here: $guest_problem. The frames plumb-tap wrote above stand in for them."
else
    say "Guests: $guest_dir (QEMU with TCG: no KVM needed, each boot takes a minute or so on two cores)."
    say "The hypervisor manager asks Plumb how each NIC is attached:"
    run plumbctl attachments A a1 --qemu
    say "(the controller serves what hv1's agent reported once it applied A; GET"
    say " /v1/materializations/A/vms/a1/attachments?format=qemu|libvirt|json renders the same.)"
    declare -A guest_address=([a1]=10.77.0.1 [a2]=10.77.0.2 [a4]=10.77.0.4)
    guest() {
        local vm=$1 key="A/$1/eth0"
        mkfifo "$work/$vm.in"
        local arguments
        arguments=$(plumbctl attachments A "$vm" --qemu)
        # Only eth0 of each guest is configured; a1's and a2's eth1 (the link network) stay down.
        eval "set -- $arguments"
        ip netns exec "$prefix-${host_of[$key]}" qemu-system-x86_64 -nographic -no-reboot -m 192 -accel tcg \
            -kernel "$guest_dir/vmlinuz" -initrd "$guest_dir/initramfs.gz" \
            -append "console=ttyS0 quiet panic=-1 plumb.eth0=${guest_address[$vm]}/24" "$@" \
            <"$work/$vm.in" >"$work/$vm.console" 2>&1 &
        guest_pids+=($!)
        exec {fd}>"$work/$vm.in"
        eval "guest_fd_$vm=$fd"
    }
    # in_guest VM COMMAND: runs COMMAND in the guest and shows its output.
    command_number=0
    in_guest() {
        local vm=$1; shift
        command_number=$((command_number + 1))
        local fd_name="guest_fd_$vm" before
        before=$(wc -c <"$work/$vm.console")
        printf '   %s%s$ %s%s\n' "$bold" "$vm" "$*" "$plain"
        printf 'c%d %s\n' "$command_number" "$*" >&"${!fd_name}"
        for _ in $(seq 1 600); do grep -q "@@c$command_number " "$work/$vm.console" && break; sleep 0.1; done
        tail -c +"$((before + 1))" "$work/$vm.console" | tr -d '\r' | sed -n "/@@c$command_number /q;p" | sed 's/^/     /'
    }
    for vm in a1 a2 a4; do guest "$vm"; done
    say "Booting a1 (hv1), a2 (hv2) and a4 (hv1, on an isolated port next to a1) ..."
    for vm in a1 a2 a4; do
        for _ in $(seq 1 3000); do grep -q PLUMB-GUEST-READY "$work/$vm.console" && break; sleep 0.1; done
        grep -q PLUMB-GUEST-READY "$work/$vm.console" || fail "guest $vm did not boot within 5 minutes (console: $work/$vm.console)"
    done
    say "booted. The guest took its MTU from virtio-net's host_mtu, which Plumb rendered:"
    in_guest a1 cat /sys/class/net/eth0/mtu
    in_guest a1 /usr/bin/ping -c 2 -W 3 10.77.0.2
    say "A full-size packet with don't-fragment crosses the overlay; one byte more is refused by the guest itself:"
    in_guest a1 /usr/bin/ping -M do -c 1 -W 3 -s 1422 10.77.0.2
    in_guest a1 /usr/bin/ping -M do -c 1 -W 3 -s 1423 10.77.0.2
    say "a4 shares hv1 with a1 on an isolated port: no answer. And the hypervisor's underlay is out of reach:"
    in_guest a1 /usr/bin/ping -c 1 -W 2 10.77.0.4
    in_guest a1 "ip route add 198.18.0.0/15 dev eth0; /usr/bin/ping -c 1 -W 2 198.18.$net.1"
    for pid in "${guest_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    guest_pids=()
    say "guests stopped."
fi

step "What the agents made on hv1"
run ip -n "$prefix-hv1" -br link show group 20556
say "(link group 20556 marks Plumb's devices: one bridge and one VXLAN device per VNI, a tap per VM NIC)"

step "Dematerialize both experiments"
run plumbctl dematerialize A --wait
run plumbctl dematerialize B --wait
run plumbctl hosts
say "Plumb devices left on each hypervisor:"
for k in 1 2 3; do
    say "hv$k: $(ip -n "$prefix-hv$k" -o link show group 20556 | wc -l)"
done
say "The VNIs went back to their pool once every agent reported its plumbing gone; the history keeps"
say "who held them:"
run plumbctl audit vni "$vni_a"

step "Done"
say "Everything made here is removed now."

#!/usr/bin/env bash
# The real-kernel lane: boots Debian 12's kernel package under QEMU (TCG; PLUMB_LANE_KVM=1 for KVM), with
# this machine's root filesystem shared read-only over 9p (virtme-ng; writable overlays on /tmp, /etc, /var,
# /run…, thrown away at exit), runs COMMAND as root inside it from the current directory, streams its output
# and exits with its exit status.
#
#   scripts/kernel-lane.sh [--] COMMAND [ARGUMENT...]
#   scripts/kernel-lane.sh -- ip link add v0 type vlan id 5 link lo
#
# The command is executed as given (its arguments are not split again); the host's environment is not passed
# in (write `env NAME=VALUE COMMAND` to set variables), only PLUMB_LANE_MODULES (below). Exit status 125: the lane
# is not installed (run scripts/install-deps.sh). A boot takes 45-85 s under TCG on 2 busy cores (virtme-ng
# building its small initramfs, then udev loading the modules of QEMU's devices over 9p), plus a few seconds per
# process start: run many tests in one command.
#
# Settings: PLUMB_LANE_CACHE (where install-lane-deps.sh put virtme-ng; /var/cache/plumb-lane),
# PLUMB_LANE_KERNEL (the kernel image; the newest /boot/vmlinuz-*-amd64), PLUMB_LANE_MEMORY (2G),
# PLUMB_LANE_CPUS (1), PLUMB_LANE_KVM (0: TCG), PLUMB_LANE_VERBOSE (1: show the kernel's console).
set -euo pipefail

[ "${1:-}" = "--" ] && shift
if [ $# -eq 0 ]; then
    echo "usage: $0 [--] COMMAND [ARGUMENT...]" >&2
    exit 2
fi

cache=${PLUMB_LANE_CACHE:-/var/cache/plumb-lane}
kernel=${PLUMB_LANE_KERNEL:-$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)}
vng=$cache/venv/bin/vng
for needed in "$vng" /usr/bin/qemu-system-x86_64 "$kernel" /usr/bin/udevadm /bin/busybox; do
    if [ ! -e "$needed" ]; then
        echo "kernel-lane: ${needed:-a Debian kernel in /boot} is missing; run scripts/install-deps.sh" >&2
        exit 125
    fi
done

options=(--run "$kernel" --memory "${PLUMB_LANE_MEMORY:-2G}" --cpus "${PLUMB_LANE_CPUS:-1}"
         # Debian 12's QEMU 7.2 has no virtiofsd that virtme-ng can use.
         --force-9p
         # An emulated Intel IOMMU and an emulated NIC, for the vfio-pci binding tests (VFIOLaneTests): the e1000e
         # gets its own IOMMU group, /dev/vfio/N once it is bound to vfio-pci. The IOMMU needs q35, which virtme-ng
         # picks under TCG only (with KVM, QEMU's default i440fx). It adds about a second to the boot. The NIC needs
         # no network behind it (QEMU warns that it "has no peer").
         --append intel_iommu=on --qemu-opts="-machine q35 -device intel-iommu -device e1000e")
# TCG unless asked for KVM: a /dev/kvm that opens is no proof that it works (nested in a Firecracker VM it opens,
# and the guest then never boots).
[ "${PLUMB_LANE_KVM:-0}" = 1 ] || options+=(--disable-kvm)

# virtme-ng calls virtme-run by name.
export PATH=$cache/venv/bin:$PATH
# The command goes in as a bash script in /tmp, which the guest sees (its /tmp is an overlay on the host's): virtme-ng
# runs --exec with /bin/sh, which cannot read bash's quoting of arbitrary arguments.
script=$(mktemp /tmp/plumb-lane-XXXXXX.sh)
# The guest hides /var/cache behind a tmpfs: the modules built for the lane's kernel (install-lane-deps.sh: netdevsim,
# $cache/netdevsim/RELEASE/netdevsim.ko) go in through /tmp too, and the command finds them in PLUMB_LANE_MODULES
# (DIR/netdevsim/RELEASE/netdevsim.ko).
modules=$(mktemp -d /tmp/plumb-lane-modules-XXXXXX)
trap 'rm -rf "$script" "$modules"' EXIT
[ -d "$cache/netdevsim" ] && cp -r "$cache/netdevsim" "$modules/"
printf '#!/bin/bash\nexport PLUMB_LANE_MODULES=%q\nexec %s\n' "$modules" "$(printf '%q ' "$@")" > "$script"

# QEMU opens the guest's output as files (/proc/self/fd/1 and 2), which truncates a regular file it is redirected
# to: give it pipes, and keep the guest command's status.
set +e
"$vng" "${options[@]}" ${PLUMB_LANE_VERBOSE:+--verbose} --exec "bash $script" 2> >(cat >&2) | cat
status=${PIPESTATUS[0]}
wait
exit "$status"

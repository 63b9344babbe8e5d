#!/usr/bin/env bash
# Installs what the real-kernel lane (scripts/kernel-lane.sh) needs on a Debian 12 machine, as root, beyond QEMU
# (qemu-system-x86, TCG is enough) and python3-venv, which scripts/install-deps.sh installs for the real-VM tests,
# scripts/fuzz-api.sh and the lane alike, before it calls this script:
#   - from Debian: Debian 12's kernel package (linux-image-amd64, the
#     kernel the lane boots, with its modules: 802.1Q, VLAN-filtering bridges, VXLAN vnifilter), busybox-static
#     (virtme-ng builds its small initramfs with it) and udev (virtme-ng finds its virtio-serial ports, and so
#     the guest command's exit status, through udev; without it every status reads 255);
#   - from PyPI: virtme-ng, pinned, in a virtual environment under the lane's cache directory
#     (PLUMB_LANE_CACHE, default /var/cache/plumb-lane).
# Does nothing when everything is already there (about 3 minutes on 2 cores when nothing is; most of it is
# the kernel package's initramfs, which the lane does not use).
set -euo pipefail

cache=${PLUMB_LANE_CACHE:-/var/cache/plumb-lane}
virtme_ng_version=1.42

packages=(linux-image-amd64 busybox-static udev)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-lane-deps: missing ${missing[*]}; run as root to install them" >&2
        exit 1
    fi
    echo "install-lane-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ "$("$cache/venv/bin/vng" --version 2>/dev/null)" != "virtme-ng $virtme_ng_version" ]; then
    echo "install-lane-deps: installing virtme-ng $virtme_ng_version into $cache/venv"
    mkdir -p "$cache"
    # Debian's own python3, not whatever python3 comes first on PATH: the venv must outlive shell setups.
    /usr/bin/python3 -m venv "$cache/venv"
    "$cache/venv/bin/pip" install -q --disable-pip-version-check "virtme-ng==$virtme_ng_version"
fi
echo "install-lane-deps: lane ready ($("$cache/venv/bin/vng" --version), kernel $(cd /boot && ls vmlinuz-*-amd64 | sort -V | tail -1))"

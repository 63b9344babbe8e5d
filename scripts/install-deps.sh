#!/usr/bin/env bash
# Installs the Debian 12 packages Plumb builds and runs with: the C libraries' headers (libpq, libnl,
# libcurl), the PostgreSQL 15 server the controller embeds and the tests start, iproute2 (the tests'
# independent check), strace (captures iproute2's netlink requests for byte comparison), ping (frames through the
# leaf in the real-kernel lane), python3 and python3-venv with curl (scripts/fuzz-api.sh; the lane's virtme-ng venv
# too), QEMU (TCG; ipxe-qemu holds the virtio-net option ROM) for the real-VM tests and the real-kernel lane, and
# what scripts/guest-image.sh uses to make the guest from Debian's packages (cpio, xz-utils, kmod's depmod, and the
# libraries iputils' ping links); then the rest of the real-kernel lane (scripts/install-lane-deps.sh: Debian's
# kernel package, virtme-ng).
# Needs root. Does nothing when everything is already installed.
set -euo pipefail

packages=(
    pkg-config
    libpq-dev postgresql-15
    libnl-3-dev libnl-route-3-dev
    libcurl4-openssl-dev
    iproute2 strace kmod iputils-ping
    python3 python3-venv curl
    qemu-system-x86 ipxe-qemu cpio xz-utils libcap2 libidn2-0
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
elif [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
else
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # Debian starts a default cluster when postgresql-15 is installed; Plumb never uses it.
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

"$(dirname "$0")/install-lane-deps.sh"

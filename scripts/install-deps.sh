#!/usr/bin/env bash
# Installs the Debian 12 packages Plumb builds and runs with: the C libraries' headers (libpq, libnl,
# libcurl), the PostgreSQL 15 server the controller embeds and the tests start, iproute2 (the tests'
# independent check), strace (captures iproute2's netlink requests for byte comparison), python3 and
# python3-venv with curl (scripts/fuzz-api.sh), and for the real-VM tests QEMU (TCG; ipxe-qemu holds the
# virtio-net option ROM) and what scripts/guest-image.sh uses to make the guest from Debian's packages (cpio,
# xz-utils, kmod's depmod, and the libraries iputils' ping links).
# Needs root. Does nothing when everything is already installed.
set -euo pipefail

packages=(
    pkg-config
    libpq-dev postgresql-15
    libnl-3-dev libnl-route-3-dev
    libcurl4-openssl-dev
    iproute2 strace kmod
    python3 python3-venv curl
    qemu-system-x86 ipxe-qemu cpio xz-utils libcap2 libidn2-0
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian starts a default cluster when postgresql-15 is installed; Plumb never uses it.
apt-get install -y -qq --no-install-recommends "${missing[@]}"

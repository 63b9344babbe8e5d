#!/usr/bin/env bash
# Installs what the real-kernel lane (scripts/kernel-lane.sh) needs on a Debian 12 machine, as root, beyond QEMU
# (qemu-system-x86, TCG is enough) and python3-venv, which scripts/install-deps.sh installs for the real-VM tests,
# scripts/fuzz-api.sh and the lane alike, before it calls this script:
#   - from Debian: Debian 12's kernel package (linux-image-amd64, the
#     kernel the lane boots, with its modules: 802.1Q, VLAN-filtering bridges, VXLAN vnifilter), busybox-static
#     (virtme-ng builds its small initramfs with it) and udev (virtme-ng finds its virtio-serial ports, and so
#     the guest command's exit status, through udev; without it every status reads 255);
#   - from PyPI: virtme-ng, pinned, in a virtual environment under the lane's cache directory
#     (PLUMB_LANE_CACHE, default /var/cache/plumb-lane);
#   - netdevsim (the kernel's simulated SR-IOV NIC, which Debian's kernel package does not ship), built out of tree
#     against exactly the lane's kernel: Debian's linux-headers-RELEASE (with make) and drivers/net/netdevsim from the
#     linux-source-6.1 package of the same version (downloaded, not installed: only that directory is taken from its
#     tarball), into $cache/netdevsim/RELEASE/netdevsim.ko, which the lane's tests load; rebuilt only when missing
#     (about 50 s on 2 busy cores: the package lists, a 139 MB download, 12 s to unpack that directory, 20 s to
#     build; 20 s more the first time, for the headers).
# Does nothing when everything is already there (about 4 minutes on 2 cores when nothing is; most of it is
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

# The kernel the lane boots (scripts/kernel-lane.sh picks the same one).
release=$(cd /boot && ls vmlinuz-*-amd64 | sort -V | tail -1)
release=${release#vmlinuz-}
netdevsim=$cache/netdevsim/$release/netdevsim.ko
if [ ! -e "$netdevsim" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "install-lane-deps: netdevsim for $release is not built; run as root to build it" >&2
        exit 1
    fi
    # The source package of the kernel image's exact version (6.1.0-57-amd64 is linux-image 6.1.192-3, whose source
    # is linux-source-6.1 6.1.192-3).
    version=$(dpkg-query -W -f='${Version}' "linux-image-$release")
    source_package=linux-source-$(echo "$release" | cut -d. -f1-2)
    echo "install-lane-deps: building netdevsim for $release from $source_package $version"
    export DEBIAN_FRONTEND=noninteractive
    # The package lists must know this exact version (the kernel package may have come with an older list).
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "linux-headers-$release" make
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # apt's download user must be able to write there.
    chown _apt "$work" 2>/dev/null || true
    (cd "$work" && apt-get download -qq "$source_package=$version")
    dpkg-deb --fsys-tarfile "$work"/"$source_package"_*.deb \
        | tar -xO "./usr/src/$source_package.tar.xz" \
        | tar -xJ -C "$work" "$source_package/drivers/net/netdevsim"
    make -s -C "/lib/modules/$release/build" M="$work/$source_package/drivers/net/netdevsim" CONFIG_NETDEVSIM=m modules
    mkdir -p "$(dirname "$netdevsim")"
    strip --strip-debug -o "$netdevsim.partial" "$work/$source_package/drivers/net/netdevsim/netdevsim.ko"
    mv "$netdevsim.partial" "$netdevsim"
fi
echo "install-lane-deps: lane ready ($("$cache/venv/bin/vng" --version), kernel $release, $netdevsim)"

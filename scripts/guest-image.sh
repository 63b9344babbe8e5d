#!/usr/bin/env bash
# Builds the small QEMU guest the real-VM tests and the demo boot on Plumb's taps, from Debian packages only:
#
#   scripts/guest-image.sh [--cache DIR]      prints DIR when the image is ready
#
# DIR: --cache, else $PLUMB_GUEST_CACHE, else /var/cache/plumb-guest. It receives
#   vmlinuz          Debian's kernel (linux-image-amd64's current version), taken out of its package with
#                    `apt-get download` + `dpkg-deb -x`: nothing is installed on this machine, its own kernel and
#                    boot loader are untouched
#   initramfs.gz     busybox-static, iputils' ping (for `ping -M do`, which busybox lacks) with the libraries it
#                    links, the kernel's virtio-net modules, and /init (below)
#   VERSION          what the image was built from; an image whose packages are unchanged is not rebuilt
#
# The guest's /init loads virtio-net, configures its NICs from the kernel command line and serves commands on
# its console (the serial port):
#   plumb.eth0=10.77.0.1/24 [plumb.eth1=...]   IPv4 address per NIC (the MTU comes from virtio-net's host_mtu)
#   plumb.mtu.eth0=N                           an explicit MTU, only for a device without host_mtu
# It prints "PLUMB-GUEST-READY" once configured, then reads lines "ID COMMAND" and answers each with the
# command's output followed by "@@ID STATUS@@". Needs root only to install packages (apt-get download needs none).
set -euo pipefail

cache="${PLUMB_GUEST_CACHE:-/var/cache/plumb-guest}"
while [ $# -gt 0 ]; do
    case "$1" in
        --cache) cache="${2:?--cache needs a directory}"; shift 2 ;;
        --cache=*) cache="${1#--cache=}"; shift ;;
        -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "guest-image: unknown argument '$1'" >&2; exit 64 ;;
    esac
done
for tool in apt-get apt-cache dpkg-deb depmod cpio gzip xz ldd; do
    command -v "$tool" >/dev/null || { echo "guest-image: $tool is missing (run scripts/install-deps.sh)" >&2; exit 69; }
done

kernel_package=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[ -n "$kernel_package" ] || { echo "guest-image: apt-cache knows no linux-image-amd64 (run apt-get update)" >&2; exit 69; }
version_of() { apt-cache policy "$1" | awk '/Candidate:/ { print $2; exit }'; }
wanted="$kernel_package $(version_of "$kernel_package") busybox-static $(version_of busybox-static) iputils-ping $(version_of iputils-ping) init 2"
if [ -f "$cache/VERSION" ] && [ "$(cat "$cache/VERSION")" = "$wanted" ] && [ -f "$cache/vmlinuz" ] && [ -f "$cache/initramfs.gz" ]; then
    echo "$cache"
    exit 0
fi

mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The packages are kept in DIR/debs (apt-get download skips one already there).
mkdir -p "$cache/debs"
(cd "$cache/debs" && apt-get download -q -o APT::Sandbox::User=root "$kernel_package" busybox-static iputils-ping >&2) || {
    echo "guest-image: apt-get download failed (no network, or stale package lists: run apt-get update)" >&2; exit 69; }
for package in "$kernel_package" busybox-static iputils-ping; do
    deb=$(ls -t "$cache/debs/${package}_"*.deb | head -1)
    dpkg-deb -x "$deb" "$work/extracted"
done

kversion=${kernel_package#linux-image-}
modules="$work/extracted/lib/modules/$kversion"
[ -d "$modules" ] || { echo "guest-image: $kernel_package has no lib/modules/$kversion" >&2; exit 1; }
# The package ships no modules.dep (its postinst makes it): make it for the extracted tree.
depmod -b "$work/extracted" "$kversion"

root="$work/root"
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/modules,lib64,lib/x86_64-linux-gnu,usr/bin}
cp "$work/extracted/bin/busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
# iputils' ping and the libraries it links (this machine's, from the same Debian release).
cp "$work/extracted/bin/ping" "$root/usr/bin/ping"
if ldd "$root/usr/bin/ping" | grep -q "not found"; then
    echo "guest-image: iputils' ping needs libraries this machine lacks (scripts/install-deps.sh installs them):" >&2
    ldd "$root/usr/bin/ping" | grep "not found" >&2
    exit 69
fi
ldd "$root/usr/bin/ping" | awk '/=> \// { print $3 } /^\t\/lib64/ { print $1 }' | while read -r library; do
    cp -L "$library" "$root/lib/x86_64-linux-gnu/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"

# virtio-net and what it needs, in load order (from the package's modules.dep), uncompressed for busybox insmod.
dependencies() {  # prints the module files $1 needs, then $1, each once
    local path="$1" dep
    for dep in $(awk -F': *' -v m="$path" '$1 == m { print $2 }' "$modules/modules.dep"); do dependencies "$dep"; done
    echo "$path"
}
: > "$root/lib/modules/order"
for module in virtio_pci virtio_net; do
    path=$(awk -F: -v m="/$module.ko" 'index($1, m) { print $1; exit }' "$modules/modules.dep")
    [ -n "$path" ] || { echo "guest-image: $module is not in $kernel_package" >&2; exit 1; }
    dependencies "$path"
done | awk '!seen[$0]++' | while read -r path; do
    name=$(basename "$path")
    case "$name" in
        *.xz) xz -dc "$modules/$path" > "$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
        *) cp "$modules/$path" "$root/lib/modules/$name" ;;
    esac
    echo "$name" >> "$root/lib/modules/order"
done

cat > "$root/init" <<'INIT'
#!/bin/sh
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
dmesg -n 1
while read -r module; do insmod "/lib/modules/$module" || echo "init: cannot load $module"; done < /lib/modules/order
ip link set lo up
for word in $(cat /proc/cmdline); do
    case "$word" in
        plumb.mtu.*=*) nic=${word#plumb.mtu.}; ip link set "${nic%%=*}" mtu "${word#*=}" ;;
        plumb.*=*) nic=${word#plumb.}; nic=${nic%%=*}
                   ip link set "$nic" up && ip addr add "${word#*=}" dev "$nic" ;;
    esac
done
stty -echo 2>/dev/null
echo "PLUMB-GUEST-READY"
while read -r id command; do
    sh -c "$command" < /dev/null 2>&1
    echo "@@$id $?@@"
done
poweroff -f
INIT
chmod 755 "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"
cp "$work/extracted/boot/vmlinuz-$kversion" "$work/vmlinuz"
mv "$work/vmlinuz" "$cache/vmlinuz"
mv "$work/initramfs.gz" "$cache/initramfs.gz"
echo "$wanted" > "$cache/VERSION"
echo "$cache"

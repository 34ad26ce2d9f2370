#!/usr/bin/env bash
# The tiny real test guest: guest-image.sh build
#
# Builds a 64 MiB bootable raw disk (FAT + SYSLINUX -> Debian's kernel -> a busybox
# initramfs) and prints its path. The guest does what the tests need from an OS and
# nothing else: it answers the ACPI power button by powering off, and its kernel
# handles PCI hot-unplug, so `virsh shutdown` and `detach-disk` really complete.
# Serial console markers (for tests to wait on):
#   PLATFORM-GUEST-READY            the power button is being listened to
#   PLATFORM-GUEST-DISKS <names>    the block devices, printed whenever they change
#   PLATFORM-GUEST-POWEROFF         the power button was pressed; powering off
#   PLATFORM-GUEST-IP <nic> <ip> <mac>   a NIC got its address by DHCP (at boot or hot-plugged)
#   PLATFORM-GUEST-IP-FAILED <nic> <why> a DHCP attempt failed (the NIC asks again while it exists)
#
# Everything is cached under $PLATFORM_CACHE/guest: the kernel .deb (rebuilds work
# offline), the kernel + modules taken from it, and the image, named for the kernel
# version and a hash of this script so an edit here rebuilds it.
. "$(dirname "$0")/lib.sh"

GUEST_CACHE=$PLATFORM_CACHE/guest
# Loaded in this order after their dependencies. button+evdev: the power button as an
# input device; virtio_pci/blk/net: the devices libvirt gives the guest.
GUEST_MODULES=(button evdev virtio_pci virtio_blk virtio_net)
GUEST_CMDLINE="console=ttyS0 quiet"

# The guest's /init, run by busybox's sh.
# shellcheck disable=SC2016
GUEST_INIT='#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
while read -r m; do insmod "/lib/modules/$m.ko" || echo "PLATFORM-GUEST-WARN insmod $m failed"; done < /lib/modules/load.order

power_button_event() {
    for d in /sys/class/input/event*; do
        [ "$(cat "$d/device/name" 2>/dev/null)" = "Power Button" ] && { echo "/dev/input/${d##*/}"; return 0; }
    done
    return 1
}
tries=0
until ev=$(power_button_event) && [ -c "$ev" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 200 ] || { echo "PLATFORM-GUEST-ERROR no power button"; exec sleep 2147483647; }
    sleep 0.05
done

for i in /sys/class/net/*; do ip link set "${i##*/}" up 2>/dev/null; done

# NICs: each one that appears, at boot or hot-plugged, asks DHCP (busybox udhcpc) for its
# address until it has one or is gone; the hook prints it. Reported on the console in the
# background, so READY does not wait for DHCP. A NIC that left is forgotten: plugged in again
# under the same name, it asks again.
(
    seen=" "
    while :; do
        for d in /sys/class/net/eth*; do
            [ -e "$d" ] || continue
            n=${d##*/}
            case "$seen" in *" $n "*) continue ;; esac
            seen="$seen$n "
            (
                ip link set "$n" up
                until udhcpc -i "$n" -n -q -t 5 -T 2 -s /bin/guest-dhcp-event >/dev/null 2>&1; do
                    [ -e "/sys/class/net/$n" ] || exit 0
                    sleep 1
                done
            ) &
        done
        for n in $seen; do
            [ -e "/sys/class/net/$n" ] || seen=$(echo "$seen" | sed "s/ $n / /")
        done
        sleep 1
    done
) &

# Disks: one line per change, so a test can see hot-plug and hot-unplug from inside.
(
    last=
    while :; do
        now=$(ls /sys/block | grep -v -e "^loop" -e "^ram" | tr "\n" " ")
        [ "$now" = "$last" ] || echo "PLATFORM-GUEST-DISKS $now"
        last=$now
        sleep 1
    done
) &

# Open the device before saying READY: evdev queues events only for open readers.
exec 3<"$ev"
echo "PLATFORM-GUEST-READY"
# One input_event is 24 bytes on x86_64; any event from the power button will do.
dd of=/dev/null bs=24 count=1 <&3 2>/dev/null
echo "PLATFORM-GUEST-POWEROFF"
sync
poweroff -f
exec sleep 2147483647
'

# udhcpc's hook (-s): $1 is the event, the lease is in the environment. It configures the
# address (so the guest really holds it) and tells the console.
# shellcheck disable=SC2016
GUEST_DHCP_EVENT='#!/bin/sh
case "$1" in
    bound|renew)
        ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
        echo "PLATFORM-GUEST-IP $interface $ip $(cat "/sys/class/net/$interface/address")" > /dev/console ;;
    deconfig)
        ifconfig "$interface" 0.0.0.0 up ;;
    leasefail|nak)
        echo "PLATFORM-GUEST-IP-FAILED $interface $1" > /dev/console ;;
esac
exit 0
'

# What the image is made of besides the kernel: this script, busybox and syslinux.
# Contents only: sha256sum's lines carry the file names, and two checkouts of one script must share the image.
inputs_hash() { cat "$0" /bin/busybox "$(command -v syslinux)" | sha256sum | cut -c1-12; }

# The kernel package linux-image-amd64 points at now, e.g. linux-image-6.1.0-56-amd64.
# apt-cache takes ~1 s here (no pkgcache.bin), so the answer is remembered for as long
# as the package lists are unchanged.
resolve_kernel_package() {
    local lists memo=$GUEST_CACHE/kernel-package pkg
    lists=$(stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* 2>/dev/null | md5sum | cut -c1-12)
    if [ -s "$memo" ] && [ "$(cut -d' ' -f1 "$memo")" = "$lists" ]; then
        cut -d' ' -f2 "$memo"
        return 0
    fi
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
    [ -n "$pkg" ] && echo "$lists $pkg" > "$memo"
    echo "$pkg"
}

cached_deb() { compgen -G "$GUEST_CACHE/debs/$1_*.deb" | head -n 1; }

# fetch_kernel_deb PACKAGE: the cached .deb's path, downloading it if needed.
fetch_kernel_deb() {
    local pkg=$1 tmp deb
    deb=$(cached_deb "$pkg" || true)
    if [ -z "$deb" ]; then
        pl_log "downloading $pkg"
        tmp=$GUEST_TMP/download
        mkdir -p "$tmp"
        # apt drops to the _apt user for downloads and warns when it cannot write here.
        chmod 0755 "$GUEST_TMP"
        chmod 0777 "$tmp"
        if ! (cd "$tmp" && apt-get download -q "$pkg" >&2); then
            pl_log "download failed, refreshing the package lists"
            apt-get update -q >&2
            (cd "$tmp" && apt-get download -q "$pkg" >&2) || pl_die "cannot download $pkg"
        fi
        mkdir -p "$GUEST_CACHE/debs"
        # Only the current kernel is kept.
        rm -f "$GUEST_CACHE"/debs/*.deb
        mv "$tmp"/*.deb "$GUEST_CACHE/debs/"
        deb=$(cached_deb "$pkg")
    fi
    echo "$deb"
}

# unpack_kernel DEB DIR: ./boot and ./lib/modules of the package into DIR.
unpack_kernel() {
    # The data member is multi-block xz: threaded xz unpacks it in about half the time.
    if command -v ar >/dev/null && ar t "$1" | grep -qx data.tar.xz; then
        ar p "$1" data.tar.xz | xz -T0 -dc | tar -x -C "$2" ./boot ./lib/modules
    else
        dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" ./boot ./lib/modules
    fi
}

# module_path TREE NAME: the .ko for a module name (names treat - and _ alike).
module_path() {
    local pattern=${2//[-_]/[-_]}
    find "$1/kernel" -name "$pattern.ko" -o -name "$pattern.ko.xz" | head -n 1
}

# add_module TREE NAME: append NAME to LOAD_ORDER after everything it depends on.
add_module() {
    local tree=$1 name=${2//-/_} path deps dep
    case " ${LOAD_ORDER[*]} " in *" $name "*) return 0 ;; esac
    path=$(module_path "$tree" "$name")
    [ -n "$path" ] || pl_die "module $name not in the kernel package (built in? then drop it)"
    if [ "${path%.xz}" != "$path" ]; then
        xz -dc "$path" > "${path%.xz}"
        path=${path%.xz}
    fi
    # Debian ships no modules.dep (depmod makes it on install): the .ko's own
    # modinfo section lists what it needs.
    deps=$(tr '\0' '\n' < "$path" | sed -n 's/^depends=//p' | head -n 1)
    for dep in ${deps//,/ }; do add_module "$tree" "$dep"; done
    cp "$path" "$KIT/modules/$name.ko"
    LOAD_ORDER+=("$name")
}

# kernel_kit PACKAGE KVER: a directory with vmlinuz, modules/*.ko and modules/load.order.
# Cached apart from the image: unpacking the .deb is most of a build's time.
kernel_kit() {
    local pkg=$1 kver=$2 deb tmp
    KIT=$GUEST_CACHE/kernel-$kver-$(printf '%s ' "${GUEST_MODULES[@]}" | md5sum | cut -c1-8)
    if [ ! -f "$KIT/modules/load.order" ]; then
        deb=$(fetch_kernel_deb "$pkg")
        pl_log "unpacking $(basename "$deb")"
        tmp=$GUEST_TMP/deb
        mkdir -p "$tmp"
        unpack_kernel "$deb" "$tmp"
        rm -rf "$KIT" "$KIT.tmp"
        mkdir -p "$KIT.tmp/modules"
        cp "$tmp/boot/vmlinuz-$kver" "$KIT.tmp/vmlinuz"
        KIT=$KIT.tmp
        LOAD_ORDER=()
        local m
        for m in "${GUEST_MODULES[@]}"; do add_module "$tmp/lib/modules/$kver" "$m"; done
        printf '%s\n' "${LOAD_ORDER[@]}" > "$KIT/modules/load.order"
        KIT=${KIT%.tmp}
        mv "$KIT.tmp" "$KIT"
    fi
    echo "$KIT"
}

# make_initramfs KIT OUT: busybox, the modules and /init as a gzip'd newc cpio.
make_initramfs() {
    local kit=$1 out=$2 root=$GUEST_TMP/initramfs applet
    mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib/modules}
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    cp "$kit"/modules/* "$root/lib/modules/"
    printf '%s' "$GUEST_INIT" > "$root/init"
    printf '%s' "$GUEST_DHCP_EVENT" > "$root/bin/guest-dhcp-event"
    chmod 0755 "$root/init" "$root/bin/guest-dhcp-event"
    # The kernel opens /dev/console before /init can mount devtmpfs.
    mknod -m 0600 "$root/dev/console" c 5 1
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -6n > "$out"
}

# make_disk KIT INITRD OUT: FAT, SYSLINUX in its boot sector, files copied in by mtools.
make_disk() {
    local kit=$1 initrd=$2 out=$3 cfg=$GUEST_TMP/syslinux.cfg
    rm -f "$out"
    truncate -s 64M "$out"
    mkfs.vfat -n PLGUEST "$out" >/dev/null
    syslinux --install "$out"
    # SERIAL: SYSLINUX's banner on the serial console tells a stuck BIOS from a stuck kernel.
    printf '%s\n' "SERIAL 0 115200" "DEFAULT linux" "PROMPT 0" "TIMEOUT 0" "LABEL linux" \
        "  KERNEL vmlinuz" "  INITRD initrd.gz" "  APPEND $GUEST_CMDLINE" > "$cfg"
    mcopy -i "$out" "$kit/vmlinuz" ::vmlinuz
    mcopy -i "$out" "$initrd" ::initrd.gz
    mcopy -i "$out" "$cfg" ::syslinux.cfg
}

cmd_build() {
    local t0 pkg deb kver kit image
    t0=$(date +%s.%N)
    pl_require_root
    mkdir -p "$GUEST_CACHE" "$PLATFORM_STATE"
    GUEST_TMP=$(mktemp -d)
    trap 'rm -rf "$GUEST_TMP"' EXIT
    # Environments share the cache: one build at a time.
    exec 9>"$GUEST_CACHE/.lock"
    flock 9

    pkg=$(resolve_kernel_package)
    if [ -z "$pkg" ]; then
        deb=$(compgen -G "$GUEST_CACHE/debs/linux-image-*.deb" | head -n 1 || true)
        if [ -n "$deb" ]; then
            pkg=$(basename "$deb"); pkg=${pkg%%_*}
        else
            apt-get update -q >&2
            pkg=$(resolve_kernel_package)
        fi
    fi
    [ -n "$pkg" ] || pl_die "cannot resolve linux-image-amd64's kernel package"
    kver=${pkg#linux-image-}
    image=$GUEST_CACHE/guest-$kver-$(inputs_hash).raw

    if [ ! -f "$image" ]; then
        kit=$(kernel_kit "$pkg" "$kver")
        make_initramfs "$kit" "$GUEST_TMP/initrd.gz"
        make_disk "$kit" "$GUEST_TMP/initrd.gz" "$GUEST_TMP/disk.raw"
        # Older images and kernel kits are dead weight once a new image exists; an image built
        # in the last day may still be another environment's (a checkout with other inputs).
        find "$GUEST_CACHE" -maxdepth 1 -name 'guest-*.raw' -mmin +1440 -delete
        find "$GUEST_CACHE" -maxdepth 1 -type d -name 'kernel-*' ! -path "$kit" -exec rm -rf {} +
        mv "$GUEST_TMP/disk.raw" "$image"
        pl_log "built $image in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (modules: $(tr '\n' ' ' < "$kit/modules/load.order"))"
    fi
    pl_write_env "$PLATFORM_STATE/guest.env" "PLATFORM_GUEST_DISK=$image"
    echo "$image"
}

case "${1:-}" in
    build) cmd_build ;;
    *) echo "usage: $0 build" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Installs the Debian packages the platform and its tests need, only when missing,
# and checks the .NET SDK. Safe to run again and again.
. "$(dirname "$0")/lib.sh"

PACKAGES=(
    # inventory
    postgresql
    # compute: the monolithic libvirtd of Debian 12 and qemu with its rbd block driver
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt0
    qemu-system-x86 qemu-utils qemu-block-extra
    # libvirt's network driver runs dnsmasq for the guests' DHCP (the bridge's libvirt network)
    dnsmasq-base
    # storage: a one-node Ceph and the client libraries the agent binds to
    ceph-mon ceph-osd ceph-common librbd1 librados2
    # driver disk: ntfs-3g (+ mkntfs), 7-Zip (7zz), qemu-storage-daemon's FUSE export
    # (qemu-system-common) with fusermount3 (fuse3); genisoimage makes the tests' ISO images
    ntfs-3g 7zip qemu-system-common fuse3 genisoimage
    # the tiny test guest: busybox init, a FAT disk made bootable by syslinux
    busybox-static syslinux syslinux-common dosfstools mtools cpio xz-utils
    # gRPC interop peers and the official reflection/health protos
    python3-grpcio python3-grpc-tools python3-protobuf grpc-proto protobuf-compiler
    # ./platform package and its tests: dpkg-shlibdeps, lintian (systemd-analyze is systemd's)
    dpkg-dev lintian systemd adduser
    # the console's browser tests: Debian's Chromium (driven by Playwright), and a font for
    # the Chinese labels in their screenshots
    chromium fonts-wqy-microhei
    # what the scripts themselves use (openssl: the platform CA and the daemons' certificates)
    iproute2 util-linux uuid-runtime procps curl ca-certificates openssl
)
# The Node interop peer (tests/interop/node) needs node and npm; a node already on PATH,
# from whatever distribution, is used as it is.
command -v node >/dev/null || PACKAGES+=(nodejs npm)

missing_packages() {
    local pkg
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${db:Status-Status}\n' "$pkg" 2>/dev/null | grep -qx installed || printf '%s\n' "$pkg"
    done
}

install_packages() {
    local -a missing
    mapfile -t missing < <(missing_packages)
    if [ "${#missing[@]}" -eq 0 ]; then
        pl_log "all ${#PACKAGES[@]} Debian packages present"
        return
    fi
    pl_require_root
    pl_log "installing ${#missing[@]} package(s): ${missing[*]}"
    # The platform runs its own PostgreSQL, Ceph and libvirtd; the packages' own
    # services must not start on this box. policy-rc.d is Debian's switch for that.
    local policy=/usr/sbin/policy-rc.d created_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' > "$policy"
        chmod 0755 "$policy"
        created_policy=1
    fi
    local rc=0
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } || rc=$?
    [ -z "$created_policy" ] || rm -f "$policy"
    [ "$rc" -eq 0 ] || pl_die "apt-get failed ($rc)"
}

check_dotnet() {
    local version
    command -v dotnet >/dev/null || pl_die "the .NET 10 SDK is required (dotnet not on PATH); install it from Microsoft's packages"
    version=$(dotnet --version 2>/dev/null) || pl_die "dotnet is present but 'dotnet --version' failed"
    case "$version" in
        10.*|1[1-9].*) pl_log ".NET SDK $version" ;;
        *) pl_die ".NET SDK $version found, 10.0 or newer required" ;;
    esac
}

install_packages
check_dotnet

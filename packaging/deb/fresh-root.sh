#!/usr/bin/env bash
# A throwaway root to install the platform's packages into with dpkg --root, without
# debootstrap and without touching the host: the root has its own /etc (Debian's default
# users and groups), /var (a dpkg database that lists the host's packages) and /run, and
# sees the host's /usr through an overlay whose writes land in the root's own layer. So
# the maintainer scripts run for real, chrooted by dpkg (adduser, deb-systemd-helper, ...),
# and the dependencies are those the host has installed. Every command runs in a private
# mount namespace: nothing stays mounted when it returns.
#
#   fresh-root.sh create BASE          lay out BASE/root (BASE must not exist or be empty)
#   fresh-root.sh dpkg BASE ARGS...    dpkg --root=BASE/root ARGS...
#   fresh-root.sh run BASE CMD...      CMD chrooted into BASE/root
#
# BASE/usr holds what was installed under /usr (the overlay's upper layer), so a file the
# packages installed, /usr/lib/platform-controller/X, is BASE/usr/lib/platform-controller/X
# from outside; everything else is under BASE/root.
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")

log() { printf '%s fresh-root: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

create() {
    local base=$1 root=$1/root
    [ ! -e "$base" ] || [ -z "$(ls -A "$base")" ] || die "$base exists and is not empty"
    install -d -m 0755 "$base" "$base/usr" "$base/.overlay-work" "$root"
    cd "$root"
    install -d -m 0755 usr etc etc/systemd/system var var/lib var/lib/dpkg var/lib/dpkg/info \
        var/lib/dpkg/updates var/lib/dpkg/triggers var/cache var/log run dev proc
    install -d -m 1777 tmp var/tmp
    # Debian's merged /usr, as on the host.
    ln -s usr/bin bin
    ln -s usr/sbin sbin
    ln -s usr/lib lib
    ln -s usr/lib64 lib64
    # Users and groups as base-passwd lays them down on a new system.
    install -m 0644 /usr/share/base-passwd/passwd.master etc/passwd
    install -m 0644 /usr/share/base-passwd/group.master etc/group
    awk -F: '{ print $1 ":*:19000:0:99999:7:::" }' etc/passwd > etc/shadow
    awk -F: '{ print $1 ":*::" }' etc/group > etc/gshadow
    chmod 0640 etc/shadow etc/gshadow
    # The configuration the tools under /usr read; shipped as conffiles, so not under /usr.
    install -m 0644 /usr/share/libc-bin/nsswitch.conf etc/nsswitch.conf
    local file
    for file in login.defs adduser.conf; do
        [ ! -f "/etc/$file" ] || install -m 0644 "/etc/$file" "etc/$file"
    done
    # adduser's chfn goes through PAM.
    cp -a /etc/alternatives /etc/pam.d /etc/security etc/
    # The dpkg database: the packages whose files /usr shows, with their file lists (so dpkg
    # knows who owns what), but not their maintainer scripts or triggers: nothing of the
    # host's packages runs in the root.
    cp /var/lib/dpkg/status var/lib/dpkg/status
    cp /var/lib/dpkg/info/*.list var/lib/dpkg/info/
    : > var/lib/dpkg/available
    : > var/lib/dpkg/statoverride
    : > var/lib/dpkg/diversions
    : > dev/null
    log "created $root"
}

# in_root BASE CMD...: CMD in a private mount namespace where BASE/root is complete.
in_root() {
    local base=$1
    shift
    [ -d "$base/root/var/lib/dpkg" ] || die "$base is not a fresh root (run: $0 create $base)"
    unshare --mount --propagation private -- "$SELF" __mounted "$base" "$@"
}

# __mounted BASE CMD...: inside the namespace: mounts, then runs CMD.
mounted() {
    local base=$1 root=$1/root
    shift
    mount -t overlay overlay -o "lowerdir=/usr,upperdir=$base/usr,workdir=$base/.overlay-work" "$root/usr"
    mount --bind /dev/null "$root/dev/null"
    mount -t proc proc "$root/proc"
    "$@"
}

case "${1:-}" in
    create) [ $# -eq 2 ] || die "usage: $0 create BASE"; create "$(realpath -m "$2")" ;;
    dpkg) [ $# -ge 3 ] || die "usage: $0 dpkg BASE ARGS..."; base=$(realpath -m "$2"); shift 2
        in_root "$base" dpkg --root="$base/root" "$@" ;;
    run) [ $# -ge 3 ] || die "usage: $0 run BASE CMD..."; base=$(realpath -m "$2"); shift 2
        in_root "$base" chroot "$base/root" "$@" ;;
    __mounted) shift; mounted "$@" ;;
    *) sed -n '2,17p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

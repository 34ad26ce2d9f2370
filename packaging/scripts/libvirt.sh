#!/usr/bin/env bash
# A private libvirtd for one environment: start | stop | status.
#
# The daemon runs in its own mount and PID namespace: /etc/libvirt and
# /var/{lib,log,cache}/libvirt are bind mounts from the state directory and /run is a
# private tmpfs, so it never touches the machine's real libvirt state and several
# environments can each run one. Only the client sockets are placed where the host
# reaches them (unix_sock_dir); the pidfiles in /run hold namespace pids, meaningless
# outside, and vanish with it. The network namespace is the host's: qemu must reach
# Ceph on 127.0.0.1. Stopping the namespace's PID 1 makes the kernel kill everything
# in it, qemu included, so nothing outlives `stop`.
#
# Guest NICs plug into a libvirt network named like the bridge ($PL_BRIDGE), which libvirt
# creates with the gateway address and serves with dnsmasq (DHCP only, no DNS, no firewall
# rules: forward mode "open"); the agent adds one reservation per NIC. dnsmasq runs in the
# namespace too, so it dies with it. Each environment gets its own /24 of 198.18.0.0/15
# (addresses reserved for benchmarks, never a real LAN's), chosen once per state directory
# among those this host does not route yet: libvirt refuses a network whose subnet another
# interface has, and environments share the host's network namespace.
. "$(dirname "$0")/lib.sh"

LV_DIR=$PLATFORM_STATE/libvirt
LV_LOG_DIR=$PLATFORM_STATE/log
LV_QEMU_CACHE=$PLATFORM_CACHE/libvirt-qemu-cache
LV_PIDFILE=$LV_DIR/init.pid
LV_NSFILE=$LV_DIR/init.ns          # boot id, pid and mnt namespace ids: to prove both are gone
LV_ENV=$PLATFORM_STATE/libvirt.env
LV_SOCKET=$LV_DIR/run/libvirt/libvirt-sock
LV_URI="qemu:///system?socket=$LV_SOCKET"
LV_NET_FILE=$LV_DIR/network.cidr

# PID 1 of the namespace. Fixed code; its paths come in as arguments.
# bash as PID 1 reaps every child it gets (its SIGCHLD handling waits on any pid),
# and qemu is re-parented to it, so libvirt sees a destroyed qemu vanish at once.
# libvirtd is pinned to CPU 0: the host CPUID data that validates the qemu capability
# cache includes the x2APIC id of the CPU it ran on, so an unpinned daemon re-probes
# qemu (~1.5 s) on every other start. libvirt gives each qemu all host CPUs again.
# shellcheck disable=SC2016
LV_NS_INIT='
set -eu
state=$1 qcache=$2
bind() { mkdir -p "$2"; mount --bind "$1" "$2"; }
bind "$state/etc/libvirt" /etc/libvirt
bind "$state/var/lib/libvirt" /var/lib/libvirt
bind "$state/var/log/libvirt" /var/log/libvirt
bind "$state/var/cache/libvirt" /var/cache/libvirt
bind "$qcache" /var/cache/libvirt/qemu
mount --bind "$state/etc/passwd" /etc/passwd
mount --bind "$state/etc/group" /etc/group
mount -t tmpfs -o mode=0755,size=64m libvirt-run /run
set +e
virtlogd --config /etc/libvirt/virtlogd.conf &
logd=$!
taskset -c 0 libvirtd --config /etc/libvirt/libvirtd.conf &
daemon=$!
trap "kill -TERM $daemon 2>/dev/null" TERM INT
while kill -0 "$daemon" 2>/dev/null; do wait "$daemon"; done
kill -TERM "$logd" 2>/dev/null
wait "$logd"
'

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2fs", b - a }'; }

daemon_answers() { timeout 5 virsh -c "$LV_URI" list --all >/dev/null 2>&1; }

# write_account_file HOST_FILE COPY LINE: the host's file plus LINE unless its name exists.
write_account_file() {
    cp "$1" "$2.tmp"
    grep -q "^${3%%:*}:" "$1" || printf '%s\n' "$3" >> "$2.tmp"
    mv "$2.tmp" "$2"
}

write_config() {
    mkdir -p "$LV_DIR/etc/libvirt" "$LV_DIR/run/libvirt" "$LV_DIR/var/lib/libvirt" \
        "$LV_DIR/var/log/libvirt" "$LV_DIR/var/cache/libvirt" "$LV_LOG_DIR" "$LV_QEMU_CACHE"
    # libvirtd resolves its built-in qemu user before reading qemu.conf, and only
    # libvirt-daemon-system creates it: the namespace gets its own passwd/group instead.
    write_account_file /etc/passwd "$LV_DIR/etc/passwd" 'libvirt-qemu:x:64055:64055:libvirt:/nonexistent:/usr/sbin/nologin'
    write_account_file /etc/group "$LV_DIR/etc/group" 'libvirt-qemu:x:64055:'
    # Only the unix socket: no TCP/TLS listener (no --listen), and no polkit.
    cat > "$LV_DIR/etc/libvirt/libvirtd.conf" <<EOF
listen_tls = 0
listen_tcp = 0
unix_sock_dir = "$LV_DIR/run/libvirt"
unix_sock_group = "root"
unix_sock_ro_perms = "0770"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:$LV_LOG_DIR/libvirtd.log"
EOF
    cat > "$LV_DIR/etc/libvirt/virtlogd.conf" <<EOF
log_outputs = "3:file:$LV_LOG_DIR/virtlogd.log"
EOF
    # Tests run as root on plain files and RBD: no relabelling, no cgroups (several
    # daemons on one host would collide there), qemu writes its own log file.
    cat > "$LV_DIR/etc/libvirt/qemu.conf" <<'EOF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
EOF
}

# network_cidr: this environment's guest subnet (see the top), chosen on first use.
network_cidr() {
    local start n i cidr
    if [ -s "$LV_NET_FILE" ]; then
        cat "$LV_NET_FILE"
        return 0
    fi
    start=$((16#$(printf "%s" "$PLATFORM_STATE" | md5sum | cut -c1-3) % 512))
    for i in $(seq 0 511); do
        n=$(((start + i) % 512))
        cidr=198.$((18 + n / 256)).$((n % 256)).0/24
        if [ -z "$(ip -4 route show to exact "$cidr")" ]; then
            mkdir -p "$LV_DIR"
            echo "$cidr" > "$LV_NET_FILE"
            echo "$cidr"
            return 0
        fi
    done
    pl_die "every /24 of 198.18.0.0/15 is routed on this host: no subnet left for the guest network"
}

# ensure_network: the bridge's libvirt network defined, started and autostarted (idempotent).
ensure_network() {
    local cidr prefix gateway xml
    cidr=$(network_cidr)
    prefix=${cidr%.0/24}
    gateway=$prefix.1
    if ! virsh -c "$LV_URI" net-info "$PL_BRIDGE" >/dev/null 2>&1; then
        xml=$LV_DIR/network.xml
        cat > "$xml" <<EOF
<network>
  <name>$PL_BRIDGE</name>
  <forward mode='open'/>
  <bridge name='$PL_BRIDGE' stp='off' delay='0'/>
  <dns enable='no'/>
  <ip address='$gateway' prefix='24'><dhcp/></ip>
</network>
EOF
        virsh -c "$LV_URI" net-define "$xml" >/dev/null || fail_start "cannot define network $PL_BRIDGE"
    fi
    if [ "$(virsh -c "$LV_URI" net-info "$PL_BRIDGE" | awk '$1 == "Active:" { print $2 }')" != yes ]; then
        # libvirt creates the bridge itself; one left by an earlier version of this script is
        # deleted if no guest is plugged in (a libvirtd with guests on it needs stop and start).
        if ip link show "$PL_BRIDGE" >/dev/null 2>&1; then
            [ -z "$(ip -o link show master "$PL_BRIDGE")" ] ||
                pl_die "bridge $PL_BRIDGE has guests but no network: stop and start libvirt ($0 stop; $0 start)"
            ip link del "$PL_BRIDGE"
        fi
        virsh -c "$LV_URI" net-start "$PL_BRIDGE" >/dev/null || fail_start "cannot start network $PL_BRIDGE ($cidr)"
    fi
    virsh -c "$LV_URI" net-autostart "$PL_BRIDGE" >/dev/null
    LV_NETWORK_ENV=("PLATFORM_NETWORK_CIDR=$cidr" "PLATFORM_NETWORK_GATEWAY=$gateway"
        "PLATFORM_NETWORK_RANGE_START=$prefix.10" "PLATFORM_NETWORK_RANGE_END=$prefix.250")
}

write_env() {
    pl_write_env "$LV_ENV" "PLATFORM_LIBVIRT_URI=$LV_URI" "PLATFORM_BRIDGE=$PL_BRIDGE" "${LV_NETWORK_ENV[@]}"
}

# libvirt made the bridge and deletes it on net-destroy, but the namespace's end stops
# libvirtd without that: the bridge stays and is deleted here, before the next start recreates it.
remove_bridge() {
    local tap
    ip link show "$PL_BRIDGE" >/dev/null 2>&1 || return 0
    # Taps die with their qemu; delete any that something left behind.
    for tap in $(ip -o link show master "$PL_BRIDGE" | awk -F': ' '{print $2}' | cut -d@ -f1); do
        ip link del "$tap" 2>/dev/null || true
    done
    ip link del "$PL_BRIDGE"
}

# recorded_ns: "PIDNS MNTNS" of the namespace this state dir started, if it started
# since the machine booted (namespace ids are reused across boots).
recorded_ns() {
    local boot pidns mntns
    [ -s "$LV_NSFILE" ] || return 1
    read -r boot pidns mntns < "$LV_NSFILE"
    [ "$boot" = "$(cat /proc/sys/kernel/random/boot_id)" ] || return 1
    echo "$pidns $mntns"
}

# ns_processes: host pids still in the recorded PID or mount namespace.
ns_processes() {
    local ns pidns mntns p
    ns=$(recorded_ns) || return 0
    read -r pidns mntns <<< "$ns"
    for p in /proc/[0-9]*; do
        case "$(readlink "$p/ns/pid" 2>/dev/null)/$(readlink "$p/ns/mnt" 2>/dev/null)" in
            "$pidns"/*|*/"$mntns") echo "${p#/proc/}" ;;
        esac
    done
}

no_ns_processes() { [ -z "$(ns_processes)" ]; }

# init_alive: the pidfile names a live process that is still our namespace's PID 1,
# not an unrelated process that reused the pid after a crash or reboot.
init_alive() {
    local ns
    pl_pid_alive "$LV_PIDFILE" && ns=$(recorded_ns) || return 1
    [ "$(readlink "/proc/$(cat "$LV_PIDFILE")/ns/pid" 2>/dev/null)" = "${ns%% *}" ]
}

launch_namespace() {
    local unshare_pid init_pid=""
    pl_private_log "$LV_LOG_DIR/libvirtd.log"
    # setsid: the namespace must not die with the caller's process group or terminal.
    setsid unshare --mount --pid --fork --mount-proc --propagation private \
        bash -c "$LV_NS_INIT" libvirt-ns-init "$LV_DIR" "$LV_QEMU_CACHE" \
        </dev/null >>"$LV_LOG_DIR/libvirtd.log" 2>&1 &
    unshare_pid=$!
    # The namespace's PID 1 is unshare's only child.
    for _ in $(seq 100); do
        init_pid=$(pgrep -P "$unshare_pid" || true)
        [ -n "$init_pid" ] && break
        kill -0 "$unshare_pid" 2>/dev/null || break
        sleep 0.02
    done
    [ -n "$init_pid" ] || pl_die "namespace init did not start (see $LV_LOG_DIR/libvirtd.log)"
    echo "$init_pid" > "$LV_PIDFILE"
    echo "$(cat /proc/sys/kernel/random/boot_id) $(readlink "/proc/$init_pid/ns/pid")" \
        "$(readlink "/proc/$init_pid/ns/mnt")" > "$LV_NSFILE"
}

# fail_start MESSAGE: leave nothing half-started behind.
fail_start() { cmd_stop; pl_die "$1 (see $LV_LOG_DIR/libvirtd.log)"; }

wait_for_daemon() {
    local deadline=$((SECONDS + $1))
    until [ -S "$LV_SOCKET" ] && daemon_answers; do
        init_alive || fail_start "libvirtd exited"
        [ "$SECONDS" -lt "$deadline" ] || fail_start "libvirtd did not answer within $1 s"
        sleep 0.05
    done
}

cmd_start() {
    local t0
    t0=$(now)
    pl_require_root
    # The namespace's private /run would hide a state or cache directory below it.
    case "$PLATFORM_STATE/:$PLATFORM_CACHE/" in
        /run/*|/var/run/*|*:/run/*|*:/var/run/*) pl_die "PLATFORM_STATE and PLATFORM_CACHE must not be under /run" ;;
    esac
    if init_alive; then
        pl_log "already running (pid $(cat "$LV_PIDFILE")), $LV_URI"
        ensure_network
        write_env
        return 0
    fi
    # A dead previous run may have left sockets behind.
    cleanup_after_stop
    write_config
    launch_namespace
    wait_for_daemon 30
    # Probe qemu now (cold: seconds, cached: ~0.03 s) rather than in a test's first call.
    timeout 60 virsh -c "$LV_URI" capabilities >/dev/null || fail_start "libvirtd cannot probe qemu"
    ensure_network
    write_env
    pl_log "started in $(elapsed "$t0") (pid $(cat "$LV_PIDFILE"), bridge $PL_BRIDGE, network ${LV_NETWORK_ENV[0]#*=}), $LV_URI"
}

destroy_domains() {
    local dom
    [ -S "$LV_SOCKET" ] || return 0
    for dom in $(timeout 3 virsh -c "$LV_URI" list --name 2>/dev/null); do
        timeout 3 virsh -c "$LV_URI" destroy "$dom" >/dev/null 2>&1 || true
    done
}

cleanup_after_stop() {
    if [ -n "$(ns_processes)" ]; then
        pl_log "waiting for the namespace's processes to exit"
        pl_wait_until 10 "libvirt namespace to empty" no_ns_processes
    fi
    remove_bridge
    rm -rf "${LV_DIR:?}/run"
    rm -f "$LV_ENV" "$LV_NSFILE" "$LV_PIDFILE"
}

cmd_stop() {
    local t0
    t0=$(now)
    pl_require_root
    if init_alive; then
        destroy_domains
        # SIGTERM stops libvirtd; the SIGKILL fallback takes the whole namespace down.
        pl_stop_pidfile "$LV_PIDFILE" 5
    fi
    cleanup_after_stop
    pl_log "stopped in $(elapsed "$t0")"
}

cmd_status() {
    if init_alive; then
        echo "libvirt running: pid $(cat "$LV_PIDFILE"), bridge $PL_BRIDGE, $LV_URI"
        return 0
    fi
    echo "libvirt stopped"
    return 3
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throwaway one-node Ceph cluster (one mon, one bluestore osd, no mgr) on 127.0.0.1
# under $PLATFORM_STATE/ceph, with pools `images` and `volumes` for rbd.
# usage: ceph.sh start|stop|status
#
# Nothing is read from or written to /etc/ceph, /var/lib/ceph, /var/run/ceph or
# /var/log/ceph: every path a daemon would default there is set in the conf.
. "$(dirname "$0")/lib.sh"

CEPH_DIR=$PLATFORM_STATE/ceph
CEPH_CONF=$CEPH_DIR/ceph.conf
CEPH_RUN=$CEPH_DIR/run
CEPH_LOG_DIR=$PLATFORM_STATE/log
CEPH_ENV=$PLATFORM_STATE/ceph.env
CEPH_CREATED=$CEPH_DIR/created          # written last by create_cluster: a complete cluster
MON_PIDFILE=$CEPH_RUN/mon.a.pid
OSD_PIDFILE=$CEPH_RUN/osd.0.pid
MON_HOST="[v2:127.0.0.1:$PL_MON_PORT,v1:127.0.0.1:$PL_MON_V1_PORT]"
MON_V1=127.0.0.1:$PL_MON_V1_PORT
POOLS=(images volumes)

# Keyrings and the env file hold secrets.
umask 077

since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }'; }

admin() { timeout 30 ceph --conf "$CEPH_CONF" --id admin "$@"; }

write_conf() {
    local fsid=$1
    # \$name is Ceph's own metavariable, expanded per daemon.
    cat > "$CEPH_CONF" <<EOF
[global]
fsid = $fsid
mon_host = $MON_HOST
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
run_dir = $CEPH_RUN
crash_dir = $CEPH_DIR/crash
client_mount_timeout = 30
osd_pool_default_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false

# Log, pid and admin socket only per daemon: set globally, every client would claim the same ones.
[mon]
mon_data = $CEPH_DIR/mon
log_file = $CEPH_LOG_DIR/ceph-mon.log
pid_file = $CEPH_RUN/\$name.pid
admin_socket = $CEPH_RUN/\$name.asok
mon_cluster_log_to_file = false
mon_data_avail_warn = 2
# The defaults batch every map change for 1 s, which makes start-up take ~10 s.
paxos_propose_interval = 0.05
paxos_min_wait = 0.01

[osd]
osd_data = $CEPH_DIR/osd
keyring = $CEPH_DIR/osd/keyring
log_file = $CEPH_LOG_DIR/ceph-osd.log
pid_file = $CEPH_RUN/\$name.pid
admin_socket = $CEPH_RUN/\$name.asok
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_port_min = $PL_OSD_PORT_MIN
ms_bind_port_max = $PL_OSD_PORT_MAX
osd_objectstore = bluestore
bluestore_block_path = $CEPH_DIR/osd-block
bluestore_fsck_on_mkfs = false
osd_op_num_shards = 1
bdev_aio_poll_ms = 20

[client]
# A client whose first op finds no osd up asks for a newer osdmap only on this tick (default 5 s).
objecter_tick_interval = 0.2

[client.admin]
keyring = $CEPH_DIR/admin.keyring

[client.platform]
keyring = $CEPH_DIR/platform.keyring
EOF
    chmod 0644 "$CEPH_CONF"
}

# keyring_entry NAME KEY [SERVICE CAPS]...
keyring_entry() {
    printf '[%s]\n\tkey = %s\n' "$1" "$2"
    shift 2
    while [ $# -ge 2 ]; do printf '\tcaps %s = "%s"\n' "$1" "$2"; shift 2; done
}

# A pidfile that outlived its daemon (a reboot, a kill -9) may name an unrelated process by now.
forget_stale_pidfile() {
    local pid
    [ -s "$1" ] || return 0
    pid=$(cat "$1")
    tr '\0' ' ' 2> /dev/null < "/proc/$pid/cmdline" | grep -qF -e "--conf $CEPH_CONF " || rm -f "$1"
}

# spawn_daemon PIDFILE LOG CMD...: run a daemon in the foreground of its own session,
# so a signal to the caller's terminal or process group does not reach it.
# setsid execs in place here (a background job is no group leader), so $! is the daemon.
spawn_daemon() {
    local pidfile=$1 log=$2
    shift 2
    if pl_pid_alive "$pidfile"; then return 0; fi
    setsid "$@" < /dev/null >> "$log" 2>&1 &
    printf '%s\n' "$!" > "$pidfile"
}

start_mon() { spawn_daemon "$MON_PIDFILE" "$CEPH_LOG_DIR/ceph-mon.log" ceph-mon --conf "$CEPH_CONF" -i a -f; }
start_osd() { spawn_daemon "$OSD_PIDFILE" "$CEPH_LOG_DIR/ceph-osd.log" ceph-osd --conf "$CEPH_CONF" -i 0 -f; }

# daemons_alive: fail fast, with the log's tail, when a daemon died instead of waiting out a timeout.
daemons_alive() {
    pl_pid_alive "$MON_PIDFILE" || { tail -n 20 "$CEPH_LOG_DIR/ceph-mon.log" >&2; pl_die "ceph-mon exited, see $CEPH_LOG_DIR/ceph-mon.log"; }
    if [ -e "$OSD_PIDFILE" ] && ! pl_pid_alive "$OSD_PIDFILE"; then
        tail -n 20 "$CEPH_LOG_DIR/ceph-osd.log" >&2
        pl_die "ceph-osd exited, see $CEPH_LOG_DIR/ceph-osd.log"
    fi
}

create_cluster() {
    local fsid osd_uuid mkfs_pid pids=() pid pool who
    local -A key
    fsid=$(uuidgen)
    osd_uuid=$(uuidgen)
    for who in mon admin platform osd; do key[$who]=$(ceph-authtool --gen-print-key); done
    install -d -m 0700 "$CEPH_DIR/mon" "$CEPH_DIR/osd" "$CEPH_DIR/crash" "$CEPH_RUN"
    write_conf "$fsid"
    keyring_entry client.admin "${key[admin]}" > "$CEPH_DIR/admin.keyring"
    keyring_entry client.platform "${key[platform]}" > "$CEPH_DIR/platform.keyring"
    keyring_entry osd.0 "${key[osd]}" > "$CEPH_DIR/osd/keyring"
    # Every entity goes into the mon's initial auth database, so no auth command is needed later.
    {
        keyring_entry mon. "${key[mon]}" mon 'allow *'
        keyring_entry client.admin "${key[admin]}" mon 'allow *' osd 'allow *' mgr 'allow *' mds 'allow *'
        keyring_entry client.platform "${key[platform]}" mon 'profile rbd' osd 'profile rbd pool=images, profile rbd pool=volumes'
        keyring_entry osd.0 "${key[osd]}" mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *'
    } > "$CEPH_DIR/mkfs.keyring"
    monmaptool --create --fsid "$fsid" --addv a "$MON_HOST" "$CEPH_DIR/monmap" > /dev/null

    # The osd's mkfs needs only the monmap, so it runs while the mon is made and started.
    # Bluestore uses the sparse file as its block device: no loop device, no mount.
    truncate -s 10G "$CEPH_DIR/osd-block"
    ceph-osd --conf "$CEPH_CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" --monmap "$CEPH_DIR/monmap" \
        < /dev/null >> "$CEPH_LOG_DIR/ceph-osd.log" 2>&1 &
    mkfs_pid=$!
    ceph-mon --conf "$CEPH_CONF" -i a --mkfs --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/mkfs.keyring" \
        >> "$CEPH_LOG_DIR/ceph-mon.log" 2>&1 || pl_die "ceph-mon --mkfs failed, see $CEPH_LOG_DIR/ceph-mon.log"
    rm -f "$CEPH_DIR/mkfs.keyring"
    start_mon

    # Pools can be created before any osd exists; these mon commands overlap each other and the mkfs.
    admin osd new "$osd_uuid" 0 >> "$CEPH_LOG_DIR/ceph-mon.log" 2>&1 &
    pids+=($!)
    for pool in "${POOLS[@]}"; do
        admin osd pool create "$pool" >> "$CEPH_LOG_DIR/ceph-mon.log" 2>&1 &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || { daemons_alive; pl_die "cluster set-up command failed"; }; done
    wait "$mkfs_pid" || pl_die "ceph-osd --mkfs failed, see $CEPH_LOG_DIR/ceph-osd.log"
    start_osd

    pids=()
    for pool in "${POOLS[@]}"; do
        timeout 60 rbd --conf "$CEPH_CONF" --id admin pool init "$pool" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || { daemons_alive; pl_die "rbd pool init failed"; }; done
    touch "$CEPH_CREATED"
}

# rbd_round_trip: what users of the cluster do, as the least-privileged client: through the
# conf, and the way qemu gets there from libvirt (only the v1 address, an id and a key).
# Short timeouts: a client whose map still shows a crashed osd at its old address keeps
# retrying that address for ~10 s, while a fresh client gets the new map at once.
rbd_round_trip() {
    local name=ready-check-${EPOCHREALTIME/./} rbd=(timeout 3 rbd --conf "$CEPH_CONF" --id platform)
    "${rbd[@]}" ls images > /dev/null &&
        "${rbd[@]}" create --size 1M "images/$name" &&
        "${rbd[@]}" rm --no-progress "images/$name" &&
        timeout 3 rbd -c /dev/null -m "$MON_V1" --id platform --keyring "$CEPH_DIR/platform.keyring" \
            ls images > /dev/null
}

# wait_ready: the first round trip also waits out the osd's boot and the pgs' peering.
wait_ready() {
    local deadline=$((SECONDS + 60))
    until rbd_round_trip 2> /dev/null; do
        daemons_alive
        [ "$SECONDS" -lt "$deadline" ] || pl_die "no rbd round trip within 60s, see $CEPH_LOG_DIR/ceph-*.log"
        sleep 0.05
    done
}

platform_key() { ceph-authtool --print-key --name client.platform "$CEPH_DIR/platform.keyring"; }

publish_env() {
    pl_write_env "$CEPH_ENV" \
        "PLATFORM_CEPH_CONF=$CEPH_CONF" \
        "PLATFORM_CEPH_USER=platform" \
        "PLATFORM_CEPH_KEY=$(platform_key)" \
        "PLATFORM_CEPH_FSID=$(ceph-conf --conf "$CEPH_CONF" --lookup fsid)" \
        "PLATFORM_CEPH_MON_HOST=$MON_HOST" \
        "PLATFORM_CEPH_MON_V1=$MON_V1"
}

start() {
    local t0 how
    pl_require_root
    if pl_pid_alive "$MON_PIDFILE" && pl_pid_alive "$OSD_PIDFILE"; then
        pl_log "already running (mon pid $(cat "$MON_PIDFILE"), osd pid $(cat "$OSD_PIDFILE"))"
        publish_env
        return 0
    fi
    t0=$EPOCHREALTIME
    install -d -m 0755 "$PLATFORM_STATE" "$CEPH_LOG_DIR"
    if [ -f "$CEPH_CREATED" ]; then
        how=restarted
        # The osd retries the mon until it answers, so both start at once.
        start_mon
        start_osd
    else
        how=created
        if [ -e "$CEPH_DIR" ]; then
            pl_log "removing half-created cluster in $CEPH_DIR"
            stop_daemons
            rm -rf "$CEPH_DIR"
        fi
        create_cluster
    fi
    wait_ready
    publish_env
    pl_log "$how and ready in $(since "$t0") (mon pid $(cat "$MON_PIDFILE"), osd pid $(cat "$OSD_PIDFILE"), mon $MON_HOST)"
}

# The osd first, so it can report itself down to a mon that is still there.
stop_daemons() {
    pl_stop_pidfile "$OSD_PIDFILE" 30
    pl_stop_pidfile "$MON_PIDFILE" 30
    # osd_fast_shutdown exits without removing the osd's admin socket.
    rm -f "$CEPH_RUN"/*.asok
}

stop() {
    local t0=$EPOCHREALTIME was=stopped
    pl_pid_alive "$MON_PIDFILE" || pl_pid_alive "$OSD_PIDFILE" || was="not running"
    rm -f "$CEPH_ENV"
    stop_daemons
    pl_log "$was in $(since "$t0")"
}

status() {
    if pl_pid_alive "$MON_PIDFILE" && pl_pid_alive "$OSD_PIDFILE"; then
        echo "ceph: running (mon pid $(cat "$MON_PIDFILE"), osd pid $(cat "$OSD_PIDFILE"), mon $MON_HOST, conf $CEPH_CONF)"
    elif pl_pid_alive "$MON_PIDFILE" || pl_pid_alive "$OSD_PIDFILE"; then
        echo "ceph: degraded (only one of mon and osd is running; start starts the other)"; return 1
    else
        echo "ceph: stopped"; return 3
    fi
}

forget_stale_pidfile "$MON_PIDFILE"
forget_stale_pidfile "$OSD_PIDFILE"

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

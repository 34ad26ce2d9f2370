#!/usr/bin/env bash
# Brings a whole one-box environment up or down under $PLATFORM_STATE.
# usage: env.sh start [--keep-going] [COMPONENT...] | stop | status
#   components: postgres ceph libvirt guest hosts (default: all, in that order)
#   --keep-going: a component that fails to start is recorded in $PLATFORM_STATE/NAME.failed
#                 and the rest still start (the test run reports it per test instead of aborting)
. "$(dirname "$0")/lib.sh"

ALL=(postgres ceph libvirt guest hosts)
# Independent of each other; started in parallel to keep start-up short.
SERVICES=(postgres ceph libvirt guest)

run_component() {
    local name=$1 action=$2
    case "$name" in
        guest) "$PL_SCRIPTS/guest-image.sh" build >/dev/null ;;
        *) "$PL_SCRIPTS/$name.sh" "$action" ;;
    esac
}

record_failure() {
    local name=$1 log=$2
    pl_private_log "$PLATFORM_STATE/$name.failed"
    { echo "$name failed to start:"; tail -n 20 "$log"; } > "$PLATFORM_STATE/$name.failed"
    pl_log "$name FAILED (see $PLATFORM_STATE/$name.failed)"
}

start() {
    local keep_going= name t0=$SECONDS failed=0
    if [ "${1:-}" = --keep-going ]; then keep_going=1; shift; fi
    local -a wanted=("$@")
    [ "${#wanted[@]}" -gt 0 ] || wanted=("${ALL[@]}")
    pl_require_root
    install -d -m 0755 "$PLATFORM_STATE" "$PLATFORM_STATE/log"
    rm -f "$PLATFORM_STATE"/*.failed
    # Logs of a run before they were kept private; components only create theirs 0640 or 0600.
    find "$PLATFORM_STATE/log" -maxdepth 1 -type f -perm /o=rwx -exec chmod o-rwx {} +

    local -A pids=()
    for name in "${wanted[@]}"; do
        if [[ " ${SERVICES[*]} " == *" $name "* ]]; then
            pl_private_log "$PLATFORM_STATE/log/start-$name.log"
            run_component "$name" start > "$PLATFORM_STATE/log/start-$name.log" 2>&1 &
            pids[$name]=$!
        fi
    done
    for name in "${!pids[@]}"; do
        if ! wait "${pids[$name]}"; then
            failed=1
            record_failure "$name" "$PLATFORM_STATE/log/start-$name.log"
        fi
    done
    # The daemons need the services' env files, so they start last.
    if [[ " ${wanted[*]} " == *" hosts "* ]] && { [ "$failed" -eq 0 ] || [ -n "$keep_going" ]; }; then
        pl_private_log "$PLATFORM_STATE/log/start-hosts.log"
        if ! run_component hosts start > "$PLATFORM_STATE/log/start-hosts.log" 2>&1; then
            failed=1
            record_failure hosts "$PLATFORM_STATE/log/start-hosts.log"
        fi
    fi
    cat "$PLATFORM_STATE"/log/start-*.log >&2
    if [ "$failed" -eq 1 ] && [ -z "$keep_going" ]; then
        pl_die "start failed after $((SECONDS - t0))s"
    fi
    pl_log "environment ready in $((SECONDS - t0))s under $PLATFORM_STATE"
}

stop() {
    local name rc=0
    # Reverse order: the daemons first, so nothing talks to a store that is going away.
    for name in hosts libvirt ceph postgres; do
        "$PL_SCRIPTS/$name.sh" stop || { rc=1; pl_log "stopping $name failed"; }
    done
    return "$rc"
}

status() {
    local name rc=0
    for name in postgres ceph libvirt hosts; do
        "$PL_SCRIPTS/$name.sh" status || rc=3
    done
    return "$rc"
}

case "${1:-}" in
    start) shift; start "$@" ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start [--keep-going] [COMPONENT...] | stop | status" >&2; exit 2 ;;
esac

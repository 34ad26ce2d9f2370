#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 under $PLATFORM_STATE/postgres.
# usage: postgres.sh start|stop|status
. "$(dirname "$0")/lib.sh"

PG_DIR=$PLATFORM_STATE/postgres
PG_DATA=$PG_DIR/data
PG_LOG=$PLATFORM_STATE/log/postgres.log
PG_ENV=$PLATFORM_STATE/postgres.env
PG_DATABASE=platform

pg_bin() {
    local bin
    bin=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$bin" ] || pl_die "PostgreSQL server binaries not found under /usr/lib/postgresql (run packaging/scripts/install-deps.sh)"
    printf '%s/%s' "$bin" "$1"
}

as_postgres() { runuser -u postgres -- "$@"; }

# postmaster.pid's first line is the postmaster's PID; the server removes the file on a clean exit.
postmaster_pid() { [ -s "$PG_DATA/postmaster.pid" ] && head -n 1 "$PG_DATA/postmaster.pid"; }

is_running() {
    local pid
    pid=$(postmaster_pid) || return 1
    pl_running "$pid"
}

init_cluster() {
    pl_log "initdb $PG_DATA"
    install -d -m 0700 -o postgres -g postgres "$PG_DATA"
    as_postgres "$(pg_bin initdb)" --auth=trust --username=postgres --encoding=UTF8 --locale=C.UTF-8 \
        --pgdata="$PG_DATA" >> "$PG_LOG" 2>&1 || pl_die "initdb failed, see $PG_LOG"
}

start() {
    pl_require_root
    if is_running; then
        pl_log "already running (pid $(postmaster_pid))"
    else
        local t0=$SECONDS
        install -d -m 0755 "$PLATFORM_STATE" "$PLATFORM_STATE/log" "$PG_DIR"
        touch "$PG_LOG" && chown postgres:postgres "$PG_LOG"
        [ -f "$PG_DATA/PG_VERSION" ] || init_cluster
        # A stale pidfile from a killed server would make pg_ctl refuse to start.
        is_running || rm -f "$PG_DATA/postmaster.pid"
        # fsync off: the cluster is throwaway, and it makes tests and bulk loads fast.
        as_postgres "$(pg_bin pg_ctl)" start --wait --timeout=30 --pgdata="$PG_DATA" --log="$PG_LOG" \
            -o "-c listen_addresses=127.0.0.1 -p $PL_PG_PORT -k $PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            >/dev/null || pl_die "PostgreSQL did not start, see $PG_LOG"
        pl_log "started (pid $(postmaster_pid)) in $((SECONDS - t0))s"
    fi
    if ! as_postgres psql -h 127.0.0.1 -p "$PL_PG_PORT" -At -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" postgres | grep -q 1; then
        as_postgres createdb -h 127.0.0.1 -p "$PL_PG_PORT" "$PG_DATABASE"
    fi
    pl_write_env "$PG_ENV" \
        "PLATFORM_PG_CONNECTION=Host=127.0.0.1;Port=$PL_PG_PORT;Username=postgres;Database=$PG_DATABASE" \
        "PLATFORM_PG_PORT=$PL_PG_PORT"
}

stop() {
    local pid
    rm -f "$PG_ENV"
    if pid=$(postmaster_pid) && pl_running "$pid"; then
        # SIGINT is PostgreSQL's "fast" shutdown: it does not wait for clients to leave.
        kill -INT "$pid"
        pl_wait_gone "$pid" 30 || { pl_log "postmaster $pid still up after 30s, killing"; kill -KILL "$pid"; pl_wait_gone "$pid" 10; }
        pl_log "stopped (pid $pid)"
    else
        pl_log "not running"
    fi
}

status() {
    if is_running; then echo "postgres: running (pid $(postmaster_pid), 127.0.0.1:$PL_PG_PORT)"; else echo "postgres: stopped"; return 3; fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

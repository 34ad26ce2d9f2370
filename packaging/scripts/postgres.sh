#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 under $PLATFORM_STATE/postgres.
# usage: postgres.sh start|stop|status
#
# Nothing is trusted. Two kinds of connection are allowed (pg_hba.conf, rewritten at every
# start, so that a state directory from before is brought up to date too):
#   - the superuser postgres over the Unix socket in the data directory only, by peer: the OS
#     users postgres and root (who can become postgres anyway) and nobody else;
#   - the application role (platform: no superuser, no CREATEDB, no CREATEROLE) over TCP
#     127.0.0.1 with scram-sha-256. Its password is generated once and kept in a pgpass file
#     under $PLATFORM_STATE/etc (0600); the connection string names the file, never the password.
# The role owns the platform database (and what is in it); a test harness creates further
# databases as the superuser and hands them to the role the same way.
. "$(dirname "$0")/lib.sh"

PG_DIR=$PLATFORM_STATE/postgres
PG_DATA=$PG_DIR/data
PG_LOG=$PLATFORM_STATE/log/postgres.log
PG_ENV=$PLATFORM_STATE/postgres.env
PG_DATABASE=platform
PG_APP_ROLE=platform
PG_PASSFILE=$PLATFORM_STATE/etc/postgres-$PG_APP_ROLE.pgpass

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
    as_postgres "$(pg_bin initdb)" --auth-local=peer --auth-host=scram-sha-256 --username=postgres --encoding=UTF8 \
        --locale=C.UTF-8 --pgdata="$PG_DATA" >> "$PG_LOG" 2>&1 || pl_die "initdb failed, see $PG_LOG"
}

# write_access_rules: pg_hba.conf and pg_ident.conf as described at the top; true when either
# changed. A connection no line matches is refused: the application role over the socket, the
# superuser over TCP.
write_access_rules() {
    as_postgres tee "$PG_DATA/pg_hba.conf.new" > /dev/null <<EOF
# Written by packaging/scripts/postgres.sh at every start; edits are lost. No trust anywhere.
# TYPE  DATABASE  USER          ADDRESS        METHOD
local   all       postgres                     peer map=administrators
host    all       $PG_APP_ROLE  127.0.0.1/32   scram-sha-256
EOF
    as_postgres tee "$PG_DATA/pg_ident.conf.new" > /dev/null <<'EOF'
# Written by packaging/scripts/postgres.sh at every start: the OS users that are the superuser.
# MAPNAME         SYSTEM-USERNAME  PG-USERNAME
administrators    postgres         postgres
administrators    root             postgres
EOF
    local file changed=1
    for file in pg_hba.conf pg_ident.conf; do
        chmod 0600 "$PG_DATA/$file.new"
        if cmp -s "$PG_DATA/$file.new" "$PG_DATA/$file"; then
            rm -f "$PG_DATA/$file.new"
        else
            mv "$PG_DATA/$file.new" "$PG_DATA/$file"
            changed=0
        fi
    done
    return "$changed"
}

# superuser_over_tcp_refused: what holds once the rules above are in force.
superuser_over_tcp_refused() {
    ! as_postgres env -u PGPASSWORD PGPASSFILE=/dev/null psql -w -h 127.0.0.1 -p "$PL_PG_PORT" -U postgres -d postgres -Atc 'SELECT 1' >/dev/null 2>&1
}

# admin_psql [PSQL ARGS...]: the superuser over the socket.
admin_psql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$PG_DATA" -p "$PL_PG_PORT" -U postgres "$@"; }

# app_password: the application role's password, generated on first use. Only the pgpass
# file holds it; it is handed to psql in the environment, never on a command line.
app_password() {
    local password=
    [ -s "$PG_PASSFILE" ] && IFS=: read -r _ _ _ _ password < "$PG_PASSFILE"
    if [ -z "$password" ]; then
        password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
        install -d -m 0755 "$(dirname "$PG_PASSFILE")"
        ( umask 077; printf '*:*:*:%s:%s\n' "$PG_APP_ROLE" "$password" > "$PG_PASSFILE.tmp" )
        mv "$PG_PASSFILE.tmp" "$PG_PASSFILE"
        pl_log "generated the password of role $PG_APP_ROLE into $PG_PASSFILE"
    fi
    chmod 0600 "$PG_PASSFILE"
    printf '%s' "$password"
}

# ensure_app_role: the role with no more than it needs, its password, its database. Idempotent;
# an older state directory (everything owned by postgres) gets the database and what is in
# its public schema handed over.
ensure_app_role() {
    local password
    password=$(app_password)
    # The statement carries the password: it must not reach the server's log, even on error.
    PLATFORM_PG_APP_PASSWORD=$password admin_psql -d postgres <<SQL || pl_die "creating role $PG_APP_ROLE failed, see $PG_LOG"
\getenv app_password PLATFORM_PG_APP_PASSWORD
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
SELECT 'CREATE ROLE $PG_APP_ROLE' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_APP_ROLE') \gexec
ALTER ROLE $PG_APP_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
SELECT 'CREATE DATABASE $PG_DATABASE OWNER $PG_APP_ROLE' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$PG_DATABASE') \gexec
ALTER DATABASE $PG_DATABASE OWNER TO $PG_APP_ROLE;
SQL
    admin_psql -d "$PG_DATABASE" <<SQL || pl_die "handing database $PG_DATABASE to $PG_APP_ROLE failed, see $PG_LOG"
$(handover_sql "$PG_APP_ROLE")
SQL
}

# handover_sql ROLE: gives ROLE what the superuser owns in the public schema (tables with
# their indexes, triggers and sequences, views, functions), leaving extensions' members alone.
handover_sql() {
    cat <<SQL
DO \$\$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = 'postgres'::regrole
          AND c.relkind IN ('r', 'p', 'v', 'm')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO $1', CASE item.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, item.name);
    END LOOP;
    -- After the tables: their columns' sequences went with them.
    FOR item IN
        SELECT c.oid::regclass AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = 'postgres'::regrole AND c.relkind = 'S'
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER SEQUENCE %s OWNER TO $1', item.name);
    END LOOP;
    FOR item IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace AND p.proowner = 'postgres'::regrole
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO $1', item.name);
    END LOOP;
END
\$\$;
SQL
}

start() {
    pl_require_root
    if is_running; then
        pl_log "already running (pid $(postmaster_pid))"
    else
        local t0=$SECONDS
        install -d -m 0755 "$PLATFORM_STATE" "$PLATFORM_STATE/log" "$PG_DIR"
        pl_private_log "$PG_LOG" postgres:postgres
        [ -f "$PG_DATA/PG_VERSION" ] || init_cluster
        write_access_rules || true
        # A stale pidfile from a killed server would make pg_ctl refuse to start.
        is_running || rm -f "$PG_DATA/postmaster.pid"
        # fsync off: the cluster is throwaway, and it makes tests and bulk loads fast.
        as_postgres "$(pg_bin pg_ctl)" start --wait --timeout=30 --pgdata="$PG_DATA" --log="$PG_LOG" \
            -o "-c listen_addresses=127.0.0.1 -p $PL_PG_PORT -k $PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            >/dev/null || pl_die "PostgreSQL did not start, see $PG_LOG"
        pl_log "started (pid $(postmaster_pid)) in $((SECONDS - t0))s"
    fi
    if write_access_rules; then
        # A server started with other rules (an older version of this script trusted everyone).
        pl_log "access rules replaced, reloading"
        as_postgres "$(pg_bin pg_ctl)" reload --pgdata="$PG_DATA" >/dev/null
        pl_wait_until 10 "the new pg_hba.conf in force" superuser_over_tcp_refused
    fi
    pl_private_log "$PG_LOG" postgres:postgres
    ensure_app_role
    # PLATFORM_PG_CONNECTION is what the controller uses; the admin connection is for the
    # tools that create databases (tests, benchmarks), never for a daemon.
    pl_write_env "$PG_ENV" \
        "PLATFORM_PG_CONNECTION=Host=127.0.0.1;Port=$PL_PG_PORT;Username=$PG_APP_ROLE;Database=$PG_DATABASE;Passfile=$PG_PASSFILE" \
        "PLATFORM_PG_ADMIN_CONNECTION=Host=$PG_DATA;Port=$PL_PG_PORT;Username=postgres;Database=postgres" \
        "PLATFORM_PG_ROLE=$PG_APP_ROLE" \
        "PLATFORM_PG_PASSFILE=$PG_PASSFILE" \
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

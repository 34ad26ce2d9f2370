# shellcheck shell=bash
# Shared settings and helpers for the environment scripts. Sourced, never run.
#
# Every script works under one state directory ($PLATFORM_STATE) and derives its
# ports from one base ($PLATFORM_PORT_BASE), so several environments (the one
# `platform up` starts, a test run, a test that starts its own) never collide.
# Everything a script starts is recorded as a pidfile under the state directory
# and is stopped by that PID, never by name.

set -euo pipefail

PLATFORM_STATE=${PLATFORM_STATE:-/var/lib/platform}
PLATFORM_PORT_BASE=${PLATFORM_PORT_BASE:-17000}
# Survives a wiped state directory: libvirt's qemu capability cache, the built guest disk.
PLATFORM_CACHE=${PLATFORM_CACHE:-/var/cache/platform}

PL_SCRIPTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PL_REPO=$(cd "$PL_SCRIPTS/../.." && pwd)

PL_PG_PORT=$((PLATFORM_PORT_BASE + 0))
PL_MON_PORT=$((PLATFORM_PORT_BASE + 10))      # msgr2
PL_MON_V1_PORT=$((PLATFORM_PORT_BASE + 11))   # legacy msgr, what qemu's rbd driver is given
PL_OSD_PORT_MIN=$((PLATFORM_PORT_BASE + 20))
PL_OSD_PORT_MAX=$((PLATFORM_PORT_BASE + 39))
PL_AGENT_GRPC_PORT=$((PLATFORM_PORT_BASE + 50))
PL_AGENT_HTTP_PORT=$((PLATFORM_PORT_BASE + 51))
PL_CONTROLLER_PORT=$((PLATFORM_PORT_BASE + 80))
PL_CONTROLLER_GRPC_PORT=$((PLATFORM_PORT_BASE + 81))   # HostRegistry: agents register and heartbeat

# Interface names are limited to 15 bytes; the hash keeps bridges of different
# state directories apart.
PL_BRIDGE=plbr$(printf "%s" "$PLATFORM_STATE" | md5sum | cut -c1-8)

PL_COMPONENT=${PL_COMPONENT:-$(basename "$0" .sh)}

pl_log() { printf '%s %s: %s\n' "$(date +%T.%3N)" "$PL_COMPONENT" "$*" >&2; }
pl_die() { pl_log "error: $*"; exit 1; }

pl_require_root() { [ "$(id -u)" -eq 0 ] || pl_die "must run as root"; }

# pl_running PID: true while PID runs. An exited child that its adoptive parent has not
# reaped yet (a zombie; this box's PID 1 reaps late) counts as gone.
pl_running() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# pl_pid_alive PIDFILE: true when the pidfile names a running process.
pl_pid_alive() {
    local pid
    [ -s "$1" ] || return 1
    pid=$(cat "$1")
    [ -n "$pid" ] && pl_running "$pid"
}

# pl_wait_gone PID SECONDS: wait until PID no longer runs.
pl_wait_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while pl_running "$pid"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# pl_stop_pidfile PIDFILE [GRACE_SECONDS]: SIGTERM, wait, then SIGKILL; removes the pidfile.
pl_stop_pidfile() {
    local pidfile=$1 grace=${2:-10} pid
    if [ -s "$pidfile" ]; then
        pid=$(cat "$pidfile")
        if pl_running "$pid"; then
            kill -TERM "$pid" 2>/dev/null || true
            if ! pl_wait_gone "$pid" "$grace"; then
                pl_log "pid $pid ignored SIGTERM for ${grace}s, killing"
                kill -KILL "$pid" 2>/dev/null || true
                pl_wait_gone "$pid" 10 || pl_die "pid $pid survived SIGKILL"
            fi
        fi
    fi
    rm -f "$pidfile"
}

# pl_wait_until SECONDS DESCRIPTION CMD...: poll CMD until it succeeds.
pl_wait_until() {
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || pl_die "timed out waiting for $what"
        sleep 0.05
    done
}

# pl_private_log FILE [OWNER]: FILE, created when missing, readable by its owner and group only
# (logs carry addresses, names and error details that other local users have no business with).
pl_private_log() {
    touch "$1"
    [ -z "${2:-}" ] || chown "$2" "$1"
    chmod 0640 "$1"
}

# pl_write_env FILE KEY=VALUE...: the facts a component publishes for its clients,
# as a file both bash (source) and the .NET side (KEY=VALUE lines) can read. Not world-readable:
# they name keyrings, password files and sockets.
pl_write_env() {
    local file=$1 kv
    shift
    : > "$file.tmp"
    chmod o-rwx "$file.tmp"
    for kv in "$@"; do printf '%s\n' "$kv" >> "$file.tmp"; done
    mv "$file.tmp" "$file"
}

# pl_load_env FILE: export the KEY=VALUE lines of a component's env file.
# Values may hold ';' or '?' (connection strings, URIs), so the file is read, never sourced.
pl_load_env() {
    local line
    [ -f "$1" ] || return 1
    while IFS= read -r line || [ -n "$line" ]; do
        case "$line" in ''|'#'*) continue ;; esac
        declare -gx "$line"
    done < "$1"
}

# pl_json_string VALUE: VALUE as a JSON string literal.
pl_json_string() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    printf '"%s"' "$s"
}

# pl_host_id: the host id this host's agent registers as, and its certificate names
# (spiffe://platform/agent/HOST_ID): PLATFORM_HOST_ID, else /etc/machine-id, else the hostname
# (the agent's own default). hosts.sh writes it into agent.json so the two cannot differ.
pl_host_id() {
    local id=${PLATFORM_HOST_ID:-}
    [ -n "$id" ] || id=$(cat /etc/machine-id 2>/dev/null || true)
    [ -n "$id" ] || id=$(hostname)
    [[ $id =~ ^[A-Za-z0-9._-]{1,64}$ ]] || pl_die "host id '$id' is not 1-64 letters, digits, '.', '_' or '-' (set PLATFORM_HOST_ID)"
    printf '%s\n' "$id"
}

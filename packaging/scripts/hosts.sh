#!/usr/bin/env bash
# The platform's own daemons: one agent and the controller, run from a published build
# ($PLATFORM_BIN, default $PLATFORM_STATE/bin) and configured through
# $PLATFORM_STATE/etc/*.json, the same files /etc/platform holds on a real host.
# Controller and agent speak gRPC to each other over mutual TLS only, with certificates of
# the platform CA that pki.sh keeps in $PLATFORM_STATE/etc/pki; the agent registers as the host
# id its certificate names (pl_host_id).
# usage: hosts.sh start|stop|status
#
# The configuration (controller.json holds the inventory's connection string), the daemons' logs
# and what the daemons write (the agent's operation journal) are for root and its group only:
# the umask is inherited by the daemons.
. "$(dirname "$0")/lib.sh"
umask 027

PLATFORM_BIN=${PLATFORM_BIN:-$PLATFORM_STATE/bin}
ETC=$PLATFORM_STATE/etc
PKI=$ETC/pki
RUN=$PLATFORM_STATE/run
HOSTS_ENV=$PLATFORM_STATE/hosts.env
AGENT_URL=http://127.0.0.1:$PL_AGENT_HTTP_PORT
AGENT_GRPC=https://127.0.0.1:$PL_AGENT_GRPC_PORT
CONTROLLER_URL=https://127.0.0.1:$PL_CONTROLLER_PORT
# Where the REST API and the console listen: this machine only, or every address when
# PLATFORM_HOST_IP names the one other machines reach it at (its certificate and AllowedHosts name it).
CONTROLLER_LISTEN=https://${PLATFORM_HOST_IP:+0.0.0.0}${PLATFORM_HOST_IP:-127.0.0.1}:$PL_CONTROLLER_PORT
CONTROLLER_GRPC=https://127.0.0.1:$PL_CONTROLLER_GRPC_PORT
# The first admin's password, made once (0600); the controller creates the admin from it while
# it has no user. ./platform up shows it once.
ADMIN_PASSWORD=$ETC/admin-password
# platformctl's settings for this environment, with an API token of the first admin.
CLI_CONFIG=$ETC/platformctl.json

# tls_client_json NAME: the client side of mutual TLS for daemon NAME (a GrpcClientTlsOptions object).
tls_client_json() {
    printf '{ "CertificateAuthority": %s, "CertificatePath": %s, "KeyPath": %s }' \
        "$(pl_json_string "$PKI/ca.crt")" "$(pl_json_string "$PKI/$1.crt")" "$(pl_json_string "$PKI/$1.key")"
}

# The agent's domain type is left to its default, auto: it probes whether KVM really boots a
# guest here (the answer cached in $PLATFORM_CACHE, which survives state resets) and falls back
# to qemu (TCG) when not. The tests' agents take the same default, so they test this path.
write_config() {
    pl_load_env "$PLATFORM_STATE/postgres.env" || pl_die "PostgreSQL is not running (no postgres.env)"
    pl_load_env "$PLATFORM_STATE/ceph.env" || pl_die "Ceph is not running (no ceph.env)"
    pl_load_env "$PLATFORM_STATE/libvirt.env" || pl_die "libvirtd is not running (no libvirt.env)"
    # The controller allocates NIC addresses from the subnet libvirt.sh gave this environment's
    # bridge network, whose DHCP service hands them to guests.
    [ -n "${PLATFORM_NETWORK_CIDR:-}" ] || pl_die "libvirt.env has no guest network: restart libvirt (libvirt.sh stop; libvirt.sh start)"
    install -d -m 0755 "$ETC"
    # The controller connects as the application role (postgres.sh), never as the superuser.
    case "$PLATFORM_PG_CONNECTION" in *Username=postgres\;*) pl_die "postgres.env names the superuser: restart PostgreSQL (postgres.sh start)" ;; esac
    cat > "$ETC/agent.json" <<JSON
{
  "Kestrel": { "Endpoints": {
    "Http": { "Url": $(pl_json_string "$AGENT_URL"), "Protocols": "Http1" },
    "Grpc": { "Url": $(pl_json_string "$AGENT_GRPC"), "Protocols": "Http2",
              "Certificate": { "Path": $(pl_json_string "$PKI/agent.crt"), "KeyPath": $(pl_json_string "$PKI/agent.key") } }
  } },
  "Grpc": { "ClientCertificateAuthority": $(pl_json_string "$PKI/ca.crt") },
  "Transfer": { "Directory": $(pl_json_string "$PLATFORM_STATE/agent/transfer") },
  "Operations": { "JournalPath": $(pl_json_string "$PLATFORM_STATE/agent/operations.journal") },
  "DriverDisk": { "StateDirectory": $(pl_json_string "$PLATFORM_STATE/agent/driver-disk"),
                  "BackupDirectory": $(pl_json_string "$PLATFORM_STATE/agent/driver-backup") },
  "Compute": { "LibvirtUri": $(pl_json_string "$PLATFORM_LIBVIRT_URI"), "Bridge": $(pl_json_string "$PLATFORM_BRIDGE"),
               "ProbeCacheFile": $(pl_json_string "$PLATFORM_CACHE/kvm-probe.json") },
  "Storage": { "CephConf": $(pl_json_string "$PLATFORM_CEPH_CONF"), "CephUser": $(pl_json_string "$PLATFORM_CEPH_USER") },
  "Registration": { "ControllerUrl": $(pl_json_string "$CONTROLLER_GRPC"), "HostIp": "127.0.0.1",
    "HostId": $(pl_json_string "$(pl_host_id)"),
    "Tls": $(tls_client_json agent) }
}
JSON
    cat > "$ETC/controller.json" <<JSON
{
  "Kestrel": { "Endpoints": {
    "Rest": { "Url": $(pl_json_string "$CONTROLLER_LISTEN"), "Protocols": "Http1AndHttp2",
              "Certificate": { "Path": $(pl_json_string "$PKI/controller.crt"), "KeyPath": $(pl_json_string "$PKI/controller.key") } },
    "Grpc": { "Url": $(pl_json_string "$CONTROLLER_GRPC"), "Protocols": "Http2",
              "Certificate": { "Path": $(pl_json_string "$PKI/controller.crt"), "KeyPath": $(pl_json_string "$PKI/controller.key") } }
  } },
  "Grpc": { "ClientCertificateAuthority": $(pl_json_string "$PKI/ca.crt") },
  "Agents": { "Tls": $(tls_client_json controller) },
  "ConnectionStrings": { "Inventory": $(pl_json_string "$PLATFORM_PG_CONNECTION") },
  "Security": { "InitialAdminPasswordFile": $(pl_json_string "$ADMIN_PASSWORD") },
  "AllowedHosts": $(pl_json_string "localhost;127.0.0.1;[::1]${PLATFORM_HOST_IP:+;$PLATFORM_HOST_IP}"),
  "Network": { "Cidr": $(pl_json_string "$PLATFORM_NETWORK_CIDR"), "Gateway": $(pl_json_string "$PLATFORM_NETWORK_GATEWAY"),
               "RangeStart": $(pl_json_string "$PLATFORM_NETWORK_RANGE_START"), "RangeEnd": $(pl_json_string "$PLATFORM_NETWORK_RANGE_END") }
}
JSON
    # Files of an older run were written world-readable.
    chmod 0640 "$ETC/agent.json" "$ETC/controller.json"
}

ensure_admin_password() {
    [ -s "$ADMIN_PASSWORD" ] && return
    (umask 077; openssl rand -base64 18 > "$ADMIN_PASSWORD.tmp")
    mv "$ADMIN_PASSWORD.tmp" "$ADMIN_PASSWORD"
}

# platformctl.json: the endpoint and certificates, and a token that works (kept from the last
# start when it still does, else a new one made by signing in as the first admin).
ensure_cli_config() {
    local ctl=$PLATFORM_BIN/platformctl/platformctl token token_json=""
    [ -x "$ctl" ] || pl_die "$ctl not found: build first (./platform build)"
    token=$(sed -n 's/.*"token": *"\([A-Za-z0-9_-]*\)".*/\1/p' "$CLI_CONFIG" 2>/dev/null || true)
    [ -z "$token" ] || token_json=", \"token\": $(pl_json_string "$token")"
    (umask 077; cat > "$CLI_CONFIG.tmp" <<JSON
{"endpoint": $(pl_json_string "$CONTROLLER_URL"), "ca": $(pl_json_string "$PKI/ca.crt"), "cert": $(pl_json_string "$PKI/admin.crt"), "key": $(pl_json_string "$PKI/admin.key")$token_json}
JSON
    )
    mv "$CLI_CONFIG.tmp" "$CLI_CONFIG"
    if [ -n "$token" ] && PLATFORMCTL_CONFIG=$CLI_CONFIG "$ctl" auth whoami >/dev/null 2>&1; then
        return
    fi
    PLATFORMCTL_CONFIG=$CLI_CONFIG "$ctl" login --user admin --password-file "$ADMIN_PASSWORD" --save "$CLI_CONFIG" >/dev/null \
        || pl_log "platformctl could not sign in as admin with $ADMIN_PASSWORD (was the password changed?); run platformctl login"
}

healthy() { curl -fs --max-time 2 --cacert "$PKI/ca.crt" -o /dev/null "$1/healthz" 2>/dev/null; }

# start_daemon NAME ASSEMBLY URL
start_daemon() {
    local name=$1 dll=$PLATFORM_BIN/$1/$2 url=$3 pidfile=$RUN/$1.pid
    if pl_pid_alive "$pidfile"; then
        pl_log "$name already running (pid $(cat "$pidfile"))"
        return
    fi
    [ -f "$dll" ] || pl_die "$dll not found: build first (./platform build)"
    pl_private_log "$PLATFORM_STATE/log/$name.log"
    PLATFORM_CONFIG_DIR=$ETC DOTNET_NOLOGO=1 setsid dotnet "$dll" \
        >> "$PLATFORM_STATE/log/$name.log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    local deadline=$((SECONDS + 60))
    until healthy "$url"; do
        pl_pid_alive "$pidfile" || pl_die "$name exited during start-up, see $PLATFORM_STATE/log/$name.log"
        [ "$SECONDS" -lt "$deadline" ] || pl_die "$name not healthy after 60s, see $PLATFORM_STATE/log/$name.log"
        sleep 0.1
    done
    pl_log "$name healthy at $url (pid $(cat "$pidfile"))"
}

start() {
    install -d -m 0755 "$PLATFORM_STATE/log" "$RUN"
    "$PL_SCRIPTS/pki.sh" ensure
    ensure_admin_password
    local name before_controller before_agent
    before_controller=$(cat "$ETC/controller.json" 2>/dev/null || true)
    before_agent=$(cat "$ETC/agent.json" 2>/dev/null || true)
    write_config
    # A daemon still running with an older configuration (the superuser's connection string
    # that PostgreSQL now refuses, say) is stopped here and started again below with this one.
    for name in controller agent; do
        local before_var=before_$name
        if pl_pid_alive "$RUN/$name.pid" && [ "$(cat "$ETC/$name.json")" != "${!before_var}" ]; then
            pl_log "$name runs with an older $name.json: restarting it"
            pl_stop_pidfile "$RUN/$name.pid" 15
        fi
    done
    # The controller first: the agent registers with it on start (it retries when the
    # controller is not there yet, but this way its first attempt succeeds).
    start_daemon controller Platform.Controller.dll "$CONTROLLER_URL"
    start_daemon agent Platform.Agent.dll "$AGENT_URL"
    ensure_cli_config
    # The operator's certificate: what a tool (or a test) presents to call the agent by hand.
    pl_write_env "$HOSTS_ENV" "PLATFORM_AGENT_URL=$AGENT_URL" "PLATFORM_AGENT_GRPC=$AGENT_GRPC" \
        "PLATFORM_CONTROLLER_URL=$CONTROLLER_URL" "PLATFORM_CONTROLLER_GRPC=$CONTROLLER_GRPC" \
        "PLATFORM_TLS_CA=$PKI/ca.crt" "PLATFORM_TLS_CLIENT_CERT=$PKI/admin.crt" "PLATFORM_TLS_CLIENT_KEY=$PKI/admin.key" \
        "PLATFORM_CLI_CONFIG=$CLI_CONFIG"
}

stop() {
    rm -f "$HOSTS_ENV"
    # The agent first, so that it does not spend its last seconds retrying an absent controller.
    pl_stop_pidfile "$RUN/agent.pid" 15
    pl_stop_pidfile "$RUN/controller.pid" 15
    pl_log "stopped"
}

status() {
    local name rc=0
    for name in agent controller; do
        if pl_pid_alive "$RUN/$name.pid"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; rc=3; fi
    done
    return "$rc"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

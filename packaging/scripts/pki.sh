#!/usr/bin/env bash
# The platform's own CA and the certificates of its daemons, under $PLATFORM_STATE/etc/pki:
#   ca.crt/ca.key            the platform CA: controller and agents trust it and nothing else
#   controller.crt/.key      the controller: its HostRegistry endpoint and its client side towards agents
#   agent.crt/.key           this host's agent: its gRPC endpoint and its client side towards the controller
#   admin.crt/.key           an operator's client certificate, for calling agents by hand (and the tests)
#   agent-HOST_ID.crt/.key   (pki.sh agent HOST_ID) the agent of another host, to copy there
# Each certificate carries its role as a subjectAltName URI, which the daemons check on every
# gRPC call: spiffe://platform/controller, spiffe://platform/agent/HOST_ID (the host id the
# agent registers as, see pl_host_id) and spiffe://platform/operator/NAME (PLATFORM_OPERATOR,
# default admin). Every certificate names 127.0.0.1, ::1 and localhost, plus PLATFORM_HOST_IP
# when set. Idempotent: what exists, chains to the CA, names the same identity and addresses and
# is not about to expire is kept; `renew` issues one again whatever its state. The daemons
# re-read their certificate files when they change, so renewing needs no restart. Private keys are 0600.
# usage: pki.sh ensure | agent HOST_ID | operator NAME | renew controller|agent|admin|agent-HOST_ID
. "$(dirname "$0")/lib.sh"

PKI=$PLATFORM_STATE/etc/pki
CA_DAYS=3650
LEAF_DAYS=825
# Renewed when it would expire within a week.
RENEW_SECONDS=$((7 * 24 * 3600))

ensure_ca() {
    if [ -s "$PKI/ca.crt" ] && [ -s "$PKI/ca.key" ] && openssl x509 -in "$PKI/ca.crt" -noout -checkend "$RENEW_SECONDS" >/dev/null; then
        return
    fi
    pl_log "creating the platform CA in $PKI"
    (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/ca.key.tmp")
    openssl req -x509 -new -key "$PKI/ca.key.tmp" -sha256 -days "$CA_DAYS" \
        -subj "/O=Platform/CN=Platform CA" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$PKI/ca.crt.tmp"
    mv "$PKI/ca.key.tmp" "$PKI/ca.key"
    mv "$PKI/ca.crt.tmp" "$PKI/ca.crt"
    # Leaves of an older CA chain to nothing now: issue them again.
    rm -f "$PKI"/*.ext
}

# The SPIFFE-style identity URIs (common/Platform.Rpc/Identity/PlatformIdentity.cs parses them).
ID_PREFIX=spiffe://platform

# extensions USAGES IDENTITY: the X.509v3 extensions of a leaf certificate, one per line.
extensions() {
    local usages=$1 identity=$2 san="IP:127.0.0.1,IP:::1,DNS:localhost"
    if [ -n "${PLATFORM_HOST_IP:-}" ]; then
        # It lands in an openssl extensions file: an address, nothing that could add a line.
        [[ $PLATFORM_HOST_IP =~ ^[0-9A-Fa-f.:]+$ ]] || pl_die "PLATFORM_HOST_IP is not an IP address: $PLATFORM_HOST_IP"
        san="$san,IP:$PLATFORM_HOST_IP"
    fi
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=$usages" "subjectAltName=URI:$identity,$san"
}

# name_ok NAME: a host id or operator name, as the daemons accept it in an identity URI.
name_ok() { [[ $1 =~ ^[A-Za-z0-9._-]{1,64}$ ]] || pl_die "'$1' is not 1-64 letters, digits, '.', '_' or '-'"; }

# ensure_leaf NAME USAGES IDENTITY [force]: NAME.crt/NAME.key issued by the CA for USAGES
# (serverAuth,clientAuth) naming IDENTITY; with force, issued again even when current.
ensure_leaf() {
    local name=$1 usages=$2 identity=$3 force=${4:-} wanted
    wanted=$(extensions "$usages" "$identity")
    if [ -z "$force" ] && [ -s "$PKI/$name.crt" ] && [ -s "$PKI/$name.key" ] && [ -f "$PKI/$name.ext" ] \
        && [ "$(cat "$PKI/$name.ext")" = "$wanted" ] \
        && openssl verify -CAfile "$PKI/ca.crt" "$PKI/$name.crt" >/dev/null 2>&1 \
        && openssl x509 -in "$PKI/$name.crt" -noout -checkend "$RENEW_SECONDS" >/dev/null; then
        return
    fi
    pl_log "issuing the $name certificate ($identity)"
    printf '%s\n' "$wanted" > "$PKI/$name.ext.tmp"
    (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$name.key.tmp")
    openssl req -new -key "$PKI/$name.key.tmp" -subj "/O=Platform/CN=platform-$name" -out "$PKI/$name.csr"
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -sha256 \
        -set_serial "0x$(openssl rand -hex 16)" -days "$LEAF_DAYS" -extfile "$PKI/$name.ext.tmp" \
        -out "$PKI/$name.crt.tmp" 2>/dev/null
    rm -f "$PKI/$name.csr"
    # Key first, then certificate: a daemon reading between the two sees a pair that does not
    # match yet and keeps the old one until the certificate lands (each mv is atomic).
    mv "$PKI/$name.key.tmp" "$PKI/$name.key"
    mv "$PKI/$name.crt.tmp" "$PKI/$name.crt"
    mv "$PKI/$name.ext.tmp" "$PKI/$name.ext"
}

prepare() {
    command -v openssl >/dev/null || pl_die "openssl is needed (packaging/scripts/install-deps.sh installs it)"
    install -d -m 0755 "$PLATFORM_STATE/etc"
    install -d -m 0700 "$PKI"
    ensure_ca
}

# issue NAME [force]: the certificate NAME (controller, agent, admin, agent-HOST_ID) with its role.
issue() {
    local name=$1 force=${2:-}
    case "$name" in
        controller) ensure_leaf controller serverAuth,clientAuth "$ID_PREFIX/controller" "$force" ;;
        agent) ensure_leaf agent serverAuth,clientAuth "$ID_PREFIX/agent/$(pl_host_id)" "$force" ;;
        admin) local operator=${PLATFORM_OPERATOR:-admin}; name_ok "$operator"
               ensure_leaf admin clientAuth "$ID_PREFIX/operator/$operator" "$force" ;;
        agent-*) name_ok "${name#agent-}"; ensure_leaf "$name" serverAuth,clientAuth "$ID_PREFIX/agent/${name#agent-}" "$force" ;;
        operator-*) name_ok "${name#operator-}"; ensure_leaf "$name" clientAuth "$ID_PREFIX/operator/${name#operator-}" "$force" ;;
        *) pl_die "no such certificate: $name (controller, agent, admin, agent-HOST_ID, operator-NAME)" ;;
    esac
    chmod 0600 "$PKI"/*.key
}

ensure() {
    prepare
    issue controller
    issue agent
    issue admin
}

case "${1:-}" in
    ensure) ensure ;;
    # Another host's agent: agent-HOST_ID.crt/.key (PLATFORM_HOST_IP: the address it serves at).
    agent) [ -n "${2:-}" ] || pl_die "usage: $0 agent HOST_ID"; prepare; issue "agent-$2"; echo "$PKI/agent-$2.crt" ;;
    # Another operator: operator-NAME.crt/.key.
    operator) [ -n "${2:-}" ] || pl_die "usage: $0 operator NAME"; prepare; issue "operator-$2"; echo "$PKI/operator-$2.crt" ;;
    renew) [ -n "${2:-}" ] || pl_die "usage: $0 renew NAME"; prepare; issue "$2" force ;;
    *) echo "usage: $0 ensure | agent HOST_ID | operator NAME | renew NAME" >&2; exit 2 ;;
esac

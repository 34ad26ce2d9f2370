#!/usr/bin/env bash
# The platform's own CA and the certificates of its daemons, under $PLATFORM_STATE/etc/pki:
#   ca.crt/ca.key            the platform CA: controller and agents trust it and nothing else
#   controller.crt/.key      the controller: its HostRegistry endpoint and its client side towards agents
#   agent.crt/.key           the agent: its gRPC endpoint and its client side towards the controller
#   admin.crt/.key           an operator's client certificate, for calling agents by hand (and the tests)
# Every certificate names 127.0.0.1, ::1 and localhost, plus PLATFORM_HOST_IP when set.
# Idempotent: what exists, chains to the CA, names the same addresses and is not about to
# expire is kept. Private keys are 0600.
# usage: pki.sh ensure
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

# extensions USAGES: the X.509v3 extensions of a leaf certificate, one per line.
extensions() {
    local usages=$1 san="IP:127.0.0.1,IP:::1,DNS:localhost"
    if [ -n "${PLATFORM_HOST_IP:-}" ]; then
        # It lands in an openssl extensions file: an address, nothing that could add a line.
        [[ $PLATFORM_HOST_IP =~ ^[0-9A-Fa-f.:]+$ ]] || pl_die "PLATFORM_HOST_IP is not an IP address: $PLATFORM_HOST_IP"
        san="$san,IP:$PLATFORM_HOST_IP"
    fi
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=$usages" "subjectAltName=$san"
}

# ensure_leaf NAME USAGES: NAME.crt/NAME.key issued by the CA for USAGES (serverAuth,clientAuth).
ensure_leaf() {
    local name=$1 usages=$2 wanted
    wanted=$(extensions "$usages")
    if [ -s "$PKI/$name.crt" ] && [ -s "$PKI/$name.key" ] && [ -f "$PKI/$name.ext" ] \
        && [ "$(cat "$PKI/$name.ext")" = "$wanted" ] \
        && openssl verify -CAfile "$PKI/ca.crt" "$PKI/$name.crt" >/dev/null 2>&1 \
        && openssl x509 -in "$PKI/$name.crt" -noout -checkend "$RENEW_SECONDS" >/dev/null; then
        return
    fi
    pl_log "issuing the $name certificate"
    printf '%s\n' "$wanted" > "$PKI/$name.ext.tmp"
    (umask 077; openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/$name.key.tmp")
    openssl req -new -key "$PKI/$name.key.tmp" -subj "/O=Platform/CN=platform-$name" -out "$PKI/$name.csr"
    openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -sha256 \
        -set_serial "0x$(openssl rand -hex 16)" -days "$LEAF_DAYS" -extfile "$PKI/$name.ext.tmp" \
        -out "$PKI/$name.crt.tmp" 2>/dev/null
    rm -f "$PKI/$name.csr"
    mv "$PKI/$name.key.tmp" "$PKI/$name.key"
    mv "$PKI/$name.crt.tmp" "$PKI/$name.crt"
    mv "$PKI/$name.ext.tmp" "$PKI/$name.ext"
}

ensure() {
    command -v openssl >/dev/null || pl_die "openssl is needed (packaging/scripts/install-deps.sh installs it)"
    install -d -m 0755 "$PLATFORM_STATE/etc"
    install -d -m 0700 "$PKI"
    ensure_ca
    ensure_leaf controller serverAuth,clientAuth
    ensure_leaf agent serverAuth,clientAuth
    ensure_leaf admin clientAuth
    chmod 0600 "$PKI"/*.key
}

case "${1:-}" in
    ensure) ensure ;;
    *) echo "usage: $0 ensure" >&2; exit 2 ;;
esac

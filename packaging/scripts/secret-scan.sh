#!/usr/bin/env bash
# After a test run: no secret the run used may appear in a log of the run or in a test's output.
# The secrets: those the tests recorded ($PLATFORM_STATE/secrets-used.tsv: what, TAB, secret:
# passwords, API and terminal tokens, session cookies, CSRF tokens, the tests' own TLS keys),
# the environment's first admin password and platformctl token, the database passwords in
# $PLATFORM_STATE/etc, the private keys in $PLATFORM_STATE/etc/pki, and the cephx keys of the
# test cluster. Where each is looked for: every file under $PLATFORM_STATE/log (the services',
# the daemons' and the tests' own daemons') and the test results (trx: what the tests printed). Writes RESULTS/secret-scan.trx, one test
# that the run's summary counts; its report names what leaked and where, never the secret.
# usage: secret-scan.sh RESULTS
. "$(dirname "$0")/lib.sh"

RESULTS=${1:?usage: secret-scan.sh RESULTS}
TEST_NAME=No_secret_of_the_run_appears_in_its_logs_or_test_output
SHORTEST=12

# secrets: "what<TAB>secret" lines on stdout.
secrets() {
    local file
    [ -f "$PLATFORM_STATE/secrets-used.tsv" ] && cat "$PLATFORM_STATE/secrets-used.tsv"
    [ -s "$PLATFORM_STATE/etc/admin-password" ] && printf 'first admin password of the environment\t%s\n' "$(head -n 1 "$PLATFORM_STATE/etc/admin-password")"
    if [ -f "$PLATFORM_STATE/etc/platformctl.json" ]; then
        sed -n 's/.*"token": *"\([^"]*\)".*/platformctl token of the environment\t\1/p' "$PLATFORM_STATE/etc/platformctl.json"
    fi
    # pgpass lines: host:port:database:user:password.
    for file in "$PLATFORM_STATE"/etc/*pgpass* "$PLATFORM_STATE"/etc/*password*; do
        [ -f "$file" ] || continue
        case $file in *admin-password*) continue ;; esac
        awk -F: -v f="$(basename "$file")" 'NF >= 5 { print "database password in " f "\t" $NF; next } NF == 1 && length($0) > 0 { print "password in " f "\t" $0 }' "$file"
    done
    # A PEM key is many lines and the scan is line by line: the longest line of its body (the
    # last of equals: for a P-256 PKCS#8 key, the one holding the most of the private scalar) is
    # what a key, logged whole or as one base64 run, would show. The tests' own CAs' keys are
    # recorded the same way (TestSecrets.RecordPrivateKey).
    for file in "$PLATFORM_STATE"/etc/pki/*.key; do
        [ -f "$file" ] || continue
        awk -v f="$(basename "$file")" '!/^-----/ && length($0) > 0 && length($0) >= length(best) { best = $0 }
            END { if (best != "") print "private key " f " of the environment\t" best }' "$file"
    done
    find "$PLATFORM_STATE/ceph" -name '*keyring*' -type f 2>/dev/null | while read -r file; do
        sed -n 's/^[[:space:]]*key[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/cephx key in '"$(basename "$file")"'\t\1/p' "$file"
    done
}

scan() {
    local what secret places leaks=0 checked=0 report=""
    while IFS=$'\t' read -r what secret; do
        [ "${#secret}" -ge "$SHORTEST" ] || continue
        checked=$((checked + 1))
        places=$(grep -rlF --exclude=secret-scan.trx -- "$secret" "$PLATFORM_STATE/log" "$RESULTS" 2>/dev/null | sort -u | tr '\n' ' ' || true)
        if [ -n "$places" ]; then
            leaks=$((leaks + 1))
            report+="$what appears in: $places"$'\n'
        fi
    done < <(secrets | sort -u)
    echo "$checked $leaks"
    printf '%s' "$report" > "$RESULTS/secret-scan.report"
}

write_trx() {
    local outcome=$1 passed=$2 failed=$3 message=$4
    cat > "$RESULTS/secret-scan.trx" <<XML
<?xml version="1.0" encoding="utf-8"?>
<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testName="$TEST_NAME" outcome="$outcome"><Output><ErrorInfo><Message>$(sed 's/&/\&amp;/g; s/</\&lt;/g' <<< "$message")</Message></ErrorInfo></Output></UnitTestResult>
  </Results>
  <ResultSummary outcome="$outcome">
    <Counters total="1" executed="1" passed="$passed" failed="$failed" error="0" timeout="0" aborted="0" />
  </ResultSummary>
</TestRun>
XML
}

install -d "$RESULTS"
read -r checked leaks < <(scan)
if [ "$checked" -eq 0 ]; then
    write_trx Failed 0 1 "no secret to look for: the tests recorded none in $PLATFORM_STATE/secrets-used.tsv"
    pl_log "no secret to look for: nothing recorded"
elif [ "$leaks" -eq 0 ]; then
    write_trx Passed 1 0 "$checked secrets, none in the logs or the test output"
    pl_log "$checked secrets looked for in the logs and the test output: none found"
else
    write_trx Failed 0 1 "$(cat "$RESULTS/secret-scan.report")"
    pl_log "$leaks of $checked secrets appear in the logs or the test output:"
    cat "$RESULTS/secret-scan.report" >&2
fi

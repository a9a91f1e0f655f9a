# scripts/e2e.d/app_client.sh — preflight's run of the application's own client,
# against the real clients of the client tier (clients.sh, sourced first). Sourced by scripts/e2e.
#
# Each divergence is made real in the app's runtime, not faked in smtp-doctor: smtp-doctor's
# own probe is given what works (--ca-file with the lab CA, its own valid EHLO name), while
# the runtime the app runs in lacks it:
#   app_trust_store_*      the runtime does not trust the lab CA (Python: SSL_CERT_FILE is
#                          Debian's bundle; Node: no NODE_EXTRA_CA_CERTS, its bundled roots);
#                          Flask-Mail, which verifies nothing, sends anyway: no finding;
#   app_ehlo_name_invalid  the machine name is bad_name (a private UTS namespace), which
#                          Python's socket.getfqdn() gives and Django sends in EHLO; Postfix on
#                          $PORT_HELO refuses it (an access table refusing "_", as RFC-strict
#                          servers do: Postfix's reject_invalid_helo_hostname allows it);
# and each time the real client, sending in the same conditions, fails the same way (what it
# printed goes to client_errors.tsv like the client tier's rows). app_client_healthy: the app's
# client healthy gives no divergence; --no-app-client skips it. app_password_never_leaks: the
# password of these runs (right or wrong) is in no output, no recorded row and no argv.

APP_CLIENT_SCENARIOS=(
    app_trust_store_django
    app_trust_store_node
    app_trust_store_flask_unverified
    app_ehlo_name_invalid
    app_client_healthy
    app_password_never_leaks
)
SCENARIOS+=("${APP_CLIENT_SCENARIOS[@]}")

APP_BAD_NAME=bad_name     # the machine name with an underscore

# expect_own_probe_works PORT: smtp-doctor's own probe of PORT completed (TCP open, STARTTLS)
# and said no error about that port other than the app client's
expect_own_probe_works() {
    expect_endpoint "$1" ipv4 open
    expect_security "$1" starttls
    expect_true "[.findings[] | select(.port == $1 and .severity == \"error\" and (.code | startswith(\"app.\") or . == \"smtp.ehlo_name_invalid\" | not))] | length == 0" \
        "smtp-doctor's own probe of $1 has errors: $(jqv "[.findings[] | select(.port == $1) | [.code, .severity]]")"
}

# app_client_send_fails CLIENT DIR CASE PATTERN: the real client, as the app runs, fails,
# printing PATTERN (grep -E); its line is recorded for client_errors.tsv
app_client_send_fails() {
    local cl=$1 dir=$2 case=$3 pattern=$4 subject="e2e $1 $3"
    client_send "$cl" "$dir" "$subject"
    client_record "$cl" "$case" "$CLIENT_OUT"
    note "$cl $case, the real client: $CLIENT_OUT"
    if [ "$CLIENT_RC" = 0 ]; then
        fail "the real $cl client sent in the same conditions (no divergence): $CLIENT_OUT"
    elif ! printf '%s' "$CLIENT_OUT" | grep -qE -- "$pattern"; then
        fail "the real $cl client failed otherwise than expected ($pattern): $CLIENT_OUT"
    fi
    if mailbox_has "$subject" 10; then fail "the $cl app's message was delivered"; fi
}

# app_trust_store CLIENT: the runtime lacks the lab CA, smtp-doctor has it (--ca-file)
app_trust_store() {
    local cl=$1 dir="$WORK/apps/app-trust-$1" CLIENT_TRUST=os runtime=python want
    clients_install || return
    case_setup healthy_587
    "write_app_$cl" "$dir"
    [ "$cl" = node ] && runtime=node
    client_preflight "$cl" "$dir"
    expect_shape
    expect_rc 1
    expect .verdict failed
    expect .cause app.trust_store_missing_ca
    expect_finding app.trust_store_missing_ca
    expect .app_client.outcome failed
    expect .app_client.runtime "$runtime"
    expect .app_client.error_kind cert_untrusted
    expect_true '.app_client.tls_library | startswith("OpenSSL")' \
        "tls_library is $(jqv .app_client.tls_library), expected OpenSSL …"
    case $cl in
        # Node: the lab's server sends its certificate without the CA, so OpenSSL's words are
        # "unable to verify the first certificate" (UNABLE_TO_VERIFY_LEAF_SIGNATURE)
        django) want='CERTIFICATE_VERIFY_FAILED'
                expect_true '.app_client.trust_store | any(. == "SSL_CERT_FILE='"$OS_CA_BUNDLE"'")' \
                    "trust_store does not name the runtime's bundle: $(jqv .app_client.trust_store)"
                expect_true '[.recommendations[] | .commands[]?] | any(contains("truststore"))' \
                    "no truststore command in the recommendations: $(jqv '[.recommendations[].commands]')" ;;
        node)   want='unable to (get local issuer certificate|verify the first certificate)'
                expect_true '.app_client.trust_store | index("NODE_EXTRA_CA_CERTS=") == null' \
                    "trust_store says NODE_EXTRA_CA_CERTS, which the app does not have: $(jqv .app_client.trust_store)"
                expect_true '[.recommendations[] | .commands[]?] | any(contains("NODE_EXTRA_CA_CERTS"))' \
                    "no NODE_EXTRA_CA_CERTS command in the recommendations: $(jqv '[.recommendations[].commands]')" ;;
    esac
    expect_true ".app_client.error | test(\"$want\")" \
        "app_client.error is $(jqv .app_client.error), expected it to contain $want"
    expect_true '.recommendations[0].commands | length > 0' \
        "the first recommendation has no commands: $(jqv '.recommendations[0]')"
    expect_own_probe_works 587
    [ ${#REASONS[@]} -eq 0 ] || return
    app_client_send_fails "$cl" "$dir" app_trust_store "$want"
}
scenario_app_trust_store_django() { app_trust_store django; }
scenario_app_trust_store_node() { app_trust_store node; }

# Flask-Mail 0.10 calls starttls() without a context: it verifies no certificate, so a runtime
# without the lab CA still sends, and preflight must not invent a trust-store divergence. Its
# login goes through in preflight because smtp-doctor's own probe verified this very server
# (the same leaf certificate); without --ca-file it would stop before the login (a note).
scenario_app_trust_store_flask_unverified() {
    local dir="$WORK/apps/app-trust-flask" CLIENT_TRUST=os subject="e2e flask app_trust_store_flask_unverified"
    clients_install || return
    case_setup healthy_587
    write_app_flask "$dir"
    client_preflight flask "$dir"
    expect_shape
    expect .verdict ok
    expect_rc 0
    expect_app_client_healthy
    expect .app_client.verifies_certificates false
    expect_true '.app_client.skipped_steps | length == 0' \
        "the app's login was withheld although the probe verified the server: $(jqv '.app_client.skipped_steps')"
    client_send flask "$dir" "$subject"
    [ "$CLIENT_RC" = 0 ] || fail "the real Flask-Mail client failed without the lab CA: $CLIENT_OUT"
    mailbox_has "$subject" || fail "Flask-Mail said sent, but '$subject' is not in $WORK/mail/inbox"
}

# The machine is called bad_name: Django's EHLO is refused on $PORT_HELO, smtp-doctor's is not.
scenario_app_ehlo_name_invalid() {
    local dir="$WORK/apps/app-ehlo" CLIENT_HOSTNAME=$APP_BAD_NAME
    clients_install || return
    case_setup helo_2587
    write_app_django "$dir"
    # the lab: the name the runtime gives, and the port refusing it but not a valid one
    in_client "$dir" python -c 'import socket; print(socket.getfqdn())'
    [ "$CLIENT_OUT" = "$APP_BAD_NAME" ] || { fail "lab: socket.getfqdn() in the UTS namespace is '$CLIENT_OUT', expected $APP_BAD_NAME"; return; }
    swaks_expect "$M4" "$PORT_HELO" starttls ok
    swaks_expect "$M4" "$PORT_HELO" starttls fail --helo "$APP_BAD_NAME"
    client_preflight django "$dir"
    expect_shape
    expect_rc 1
    expect .cause smtp.ehlo_name_invalid
    expect_true 'any(.findings[]; .code == "smtp.ehlo_name_invalid" and .severity == "error")' \
        "no smtp.ehlo_name_invalid error: $(jqv '[.findings[] | [.code, .severity]]')"
    expect .app_client.outcome failed
    expect .app_client.ehlo_name "$APP_BAD_NAME"
    expect .app_client.error_kind ehlo_rejected
    expect .app_client.smtp_code 501
    expect_true '[.recommendations[0].commands[]?] | any(contains("bad-name"))' \
        "the first recommendation does not offer a valid name like bad-name: $(jqv '.recommendations[0]')"
    expect_own_probe_works "$PORT_HELO"
    [ ${#REASONS[@]} -eq 0 ] || return
    app_client_send_fails django "$dir" app_ehlo_name_invalid 'SMTPHeloError'
}

# The app's client healthy (Django and nodemailer, the lab CA given to the runtime): no
# divergence; --no-app-client: skipped, and said why.
scenario_app_client_healthy() {
    local cl dir
    clients_install || return
    case_setup healthy_587
    for cl in django node; do
        dir="$WORK/apps/app-healthy-$cl"
        "write_app_$cl" "$dir"
        client_preflight "$cl" "$dir"
        expect_shape
        expect .verdict ok
        expect_rc 0
        expect_app_client_healthy
        expect .app_client.runtime "$([ "$cl" = node ] && echo node || echo python)"
        # The login ran, gated: a client whose gate is not in place withholds it (not_gated).
        expect_true '.app_client.skipped_steps | length == 0' \
            "the app's login was withheld although the probe verified the server: $(jqv '.app_client.skipped_steps')"
        [ ${#REASONS[@]} -eq 0 ] || { fail "(with $cl)"; return; }
    done
    client_preflight django "$WORK/apps/app-healthy-django" --no-app-client
    expect_shape
    expect .verdict ok
    expect .app_client.outcome skipped
    expect .app_client.skip.kind disabled
    expect_true '.app_client.reason | type == "string" and length > 0' "no reason said for the skip"
}

# The password (the lab's, and a wrong one) in no output of a preflight whose app client
# fails or works, JSON or text, in no recorded row of client_errors.tsv and in no argv of any
# process while preflight runs its client.
scenario_app_password_never_leaks() {
    local cl dir wrong='Wrong-app-pw-5521' watch="$WORK/argv.watch" run
    SECRET_EXTRA=$wrong
    clients_install || return
    case_setup healthy_587
    for run in right-json right-text wrong-json wrong-text; do
        for cl in django flask node; do
            dir="$WORK/apps/app-leak-$cl-${run%-*}"
            "write_app_$cl" "$dir"
            if [ "${run%-*}" = wrong ]; then
                case $cl in
                    django) sed -i "s/=.*/=$wrong/" "$dir/.env" ;;
                    flask)  sed -i "s/^MAIL_PASSWORD = .*/MAIL_PASSWORD = \"$wrong\"/" "$dir/config.py" ;;
                    node)   jq --arg p "$wrong" '.auth.pass = $p' "$dir/transport.json" >"$dir/t.json" &&
                                mv "$dir/t.json" "$dir/transport.json" ;;
                esac
            fi
            [ "${run#*-}" = text ] && DOCTOR_TEXT=1
            argv_watch_start "$watch"
            client_preflight "$cl" "$dir"
            argv_watch_stop
            DOCTOR_TEXT=0
            [ "${run#*-}" = json ] && expect_shape
            if printf '%s\n%s' "$OUT" "$ERR" | grep -qF -e "$MAIL_PASS" -e "$wrong"; then
                fail "a password appears in the output of preflight ($cl, $run)"
            fi
            if [ "$run" = wrong-json ]; then
                expect .app_client.outcome failed
                expect .app_client.error_kind auth_rejected
            elif [ "$run" = right-json ]; then
                expect .app_client.outcome ok
            fi
            if [ -s "$watch" ]; then
                fail "a password is in the argv of a process while preflight runs ($cl, $run): $(head -c 300 "$watch")"
            fi
        done
    done
    [ -f "$CLIENT_ROWS" ] && grep -qF -e "$MAIL_PASS" -e "$wrong" "$CLIENT_ROWS" &&
        fail "a password is in the rows recorded for client_errors.tsv"
    true
}

# argv_watch_start FILE / argv_watch_stop: while preflight runs, the command lines of
# smtp-doctor and of every process under it (the app's client), read every 10 ms; one holding
# either password is written to FILE. (The suite's own `env -i EMAIL_HOST_PASSWORD=…` above
# smtp-doctor is not its business; the watcher reads the passwords from a file, so that its
# own argv holds neither.)
argv_watch_start() {
    : >"$1"
    printf '%s\n' "$MAIL_PASS" "$SECRET_EXTRA" >"$WORK/argv.secrets"
    python3 -c '
import os, sys, time
secrets = [s.encode() for s in open(sys.argv[1]).read().split("\n") if s]
binary = os.path.realpath(sys.argv[3])

def parent(pid):
    with open("/proc/%s/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[1]

def under_doctor(pid):
    while pid not in ("0", "1"):
        try:
            if os.readlink("/proc/%s/exe" % pid) == binary:
                return True
            pid = parent(pid)
        except OSError:
            return False
    return False

while True:
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                argv = f.read()
        except OSError:
            continue
        if any(s in argv for s in secrets) and under_doctor(pid):
            with open(sys.argv[2], "ab") as out:
                out.write(argv.replace(b"\0", b" ") + b"\n")
    time.sleep(0.01)
' "$WORK/argv.secrets" "$1" "$BIN" &
    ARGV_WATCH=$!
    sleep 0.2      # the watcher is reading before preflight starts
}
argv_watch_stop() { kill "$ARGV_WATCH" 2>/dev/null; wait "$ARGV_WATCH" 2>/dev/null; }

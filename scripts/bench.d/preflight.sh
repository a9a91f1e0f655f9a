# scripts/bench.d/preflight.sh — goal 6 of scripts/bench (sourced by it): `preflight` with the
# application's own client, on the origin incident and on a healthy server, in the namespaces of
# goal 1 (client sdb-c, server sdb-s with 587 dropped by nftables, 465 implicit TLS).
#
# Projects (under $WORK/pf), each with the real client the e2e client tier pins
# (scripts/e2e.d/clients: Django 5.2, Flask-Mail 0.10, nodemailer), installed once into a
# throw-away venv and node_modules under $BENCH_CLIENTS (default /tmp/sd-bench-clients, kept
# between runs; delete it to reinstall):
#   django   .venv (the venv) + manage.py + proj/settings.py, Django's real SMTP backend
#   flask    .venv + .env (MAIL_*), smtplib as Flask-Mail calls it
#   node     package.json + node_modules/nodemailer + .env (SMTP_*)
# Each names mail.bench.test, which the client namespace's hosts file (/etc/netns/sdb-c/hosts,
# written here and removed on exit) maps to the server's IPv6 and IPv4 addresses, both
# dropped on 587: the probe and the clients race them.
# Incident: port 587 with STARTTLS. Healthy: port 465 with implicit TLS and 587 with STARTTLS
# both open, in the loopback namespace sdb-l (its hosts file maps the name to 127.0.0.2 and ::1),
# the lab CA trusted by the runtimes (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS) and by the probe
# (--ca-file).
# Rows: preflight with the app client, the same with --no-app-client, and `check` of the
# configured port alone, medians side by side in one run; the first run's app-client timings.

PF_CLIENTS=${BENCH_CLIENTS:-/tmp/sd-bench-clients}
C6=fd00:214::1 S6=fd00:214::2

pf_install() {
    local src=$ROOT/scripts/e2e.d/clients log=$PF_CLIENTS/install.log
    if [ -x "$PF_CLIENTS/venv/bin/python" ] && [ -d "$PF_CLIENTS/node/node_modules/nodemailer" ]; then
        return 0
    fi
    command -v node >/dev/null && command -v npm >/dev/null || die "goal preflight needs node and npm (apt-get install nodejs npm)"
    note "installing Django, Flask-Mail (venv) and nodemailer into $PF_CLIENTS"
    rm -rf "$PF_CLIENTS"
    mkdir -p "$PF_CLIENTS/node"
    { /usr/bin/python3 -m venv "$PF_CLIENTS/venv" &&
        "$PF_CLIENTS/venv/bin/pip" install -q --no-cache-dir --disable-pip-version-check -r "$src/requirements.txt"; } >"$log" 2>&1 ||
        die "pip install failed: $(tail -n 3 "$log")"
    cp "$src/package.json" "$PF_CLIENTS/node/"
    (cd "$PF_CLIENTS/node" && npm install --no-audit --no-fund --no-update-notifier --no-package-lock \
        --cache "$PF_CLIENTS/npm-cache" --loglevel=error) >>"$log" 2>&1 || die "npm install failed: $(tail -n 3 "$log")"
}

# pf_project KIND DIR PORT SECURITY(starttls|implicit)
pf_project() {
    local kind=$1 dir=$2 port=$3 sec=$4
    mkdir -p "$dir"
    case $kind in
        django)
            ln -sfn "$PF_CLIENTS/venv" "$dir/.venv"
            mkdir -p "$dir/proj"
            : >"$dir/proj/__init__.py"
            cat >"$dir/manage.py" <<'EOF'
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
EOF
            {
                echo 'SECRET_KEY = "bench"'
                echo 'INSTALLED_APPS = []'
                echo 'USE_TZ = True'
                echo 'EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"'
                echo "EMAIL_HOST = \"$HOST\""
                echo "EMAIL_PORT = $port"
                if [ "$sec" = starttls ]; then echo 'EMAIL_USE_TLS = True'; else echo 'EMAIL_USE_SSL = True'; fi
            } >"$dir/proj/settings.py"
            ;;
        flask)
            ln -sfn "$PF_CLIENTS/venv" "$dir/.venv"
            {
                echo "MAIL_SERVER=$HOST"
                echo "MAIL_PORT=$port"
                if [ "$sec" = starttls ]; then echo 'MAIL_USE_TLS=true'; else echo 'MAIL_USE_SSL=true'; fi
            } >"$dir/.env"
            ;;
        node)
            echo '{"name":"bench-app","private":true,"dependencies":{"nodemailer":"*"}}' >"$dir/package.json"
            ln -sfn "$PF_CLIENTS/node/node_modules" "$dir/node_modules"
            {
                echo "SMTP_HOST=$HOST"
                echo "SMTP_PORT=$port"
                [ "$sec" = implicit ] && echo 'SMTP_SECURE=true'
            } >"$dir/.env"
            ;;
    esac
}

# What the app client's first run says: outcome, its time, start-up and each step.
says_app() {
    jq -r '"verdict \(.verdict); app \(.app_client.outcome // "-")\(if .app_client.skip then " (\(.app_client.skip.kind))" else "" end)"
        + (if .app_client.ms then " \(.app_client.ms|floor) ms" else "" end)
        + (if .app_client.timings then ": start-up \(.app_client.timings.startup_ms // 0 | floor)"
            + ([.app_client.timings.steps[]? | ", \(.step) \(.ms|floor)"] | join("")) else "" end)' "$1" 2>/dev/null | head -1
}

goal_preflight() {
    note "goal 6: preflight with the application's own client ($NS_C / $NS_S)"
    pf_install
    in_c ip addr add "$C6/64" dev "$VETH_C" nodad
    in_s ip addr add "$S6/64" dev "$VETH_S" nodad
    mkdir -p /etc/netns/"$NS_C"
    printf '%s %s\n%s %s\n' "$S6" "$HOST" "$S4" "$HOST" >/etc/netns/"$NS_C"/hosts
    in_s "$LAB" --ca-out "$WORK/ca-pf.pem" --name "$HOST" \
        --listen "implicit=$S4:465" --listen "implicit=[$S6]:465" >"$WORK/srv-pf.txt" 2>&1 &
    PIDS+=($!)
    wait_ready "$WORK/srv-pf.txt"
    # The healthy server: both ports open, in the loopback namespace (127.0.0.2 and ::1, beside
    # goal 2's listeners on 127.0.0.1).
    mkdir -p /etc/netns/"$NS_L"
    printf '::1 %s\n127.0.0.2 %s\n' "$HOST" "$HOST" >/etc/netns/"$NS_L"/hosts
    in_l "$LAB" --ca-out "$WORK/ca-pf-healthy.pem" --name "$HOST" \
        --listen "implicit=127.0.0.2:465" --listen "starttls=127.0.0.2:587" \
        --listen "implicit=[::1]:465" --listen "starttls=[::1]:587" >"$WORK/srv-pf-healthy.txt" 2>&1 &
    PIDS+=($!)
    wait_ready "$WORK/srv-pf-healthy.txt"
    local ca n=5 kind case dir port sec t base check ns
    quick && n=3
    for case in incident healthy; do
        if [ "$case" = incident ]; then
            port=587 sec=starttls ns=in_c ca=$WORK/ca-pf.pem
        else
            port=465 sec=implicit ns=in_l ca=$WORK/ca-pf-healthy.pem
        fi
        local trust=(SSL_CERT_FILE="$ca" NODE_EXTRA_CA_CERTS="$ca")
        check=$(runs "$n" "pf-$case-check" $ns env "${trust[@]}" "$BIN" check "$HOST" --port "$port" --ca-file "$ca" --json)
        row "check $HOST --port $port (the probe, no project)" "$check" "$n" "probe" "$(says_doctor "$WORK/out/pf-$case-check.txt")"
        for kind in django flask node; do
            dir=$WORK/pf/$case-$kind
            pf_project "$kind" "$dir" "$port" "$sec"
            t=$(runs "$n" "pf-$case-$kind" $ns env -C "$dir" "${trust[@]}" "$BIN" preflight --framework "$kind" --ca-file "$ca" --json)
            row "preflight, $kind project, app client on" "$t" "$n" "settings, probe, the app's client" "$(says_app "$WORK/out/pf-$case-$kind.txt")"
            base=$(runs "$n" "pf-$case-$kind-noapp" $ns env -C "$dir" "${trust[@]}" "$BIN" preflight --framework "$kind" --ca-file "$ca" --json --no-app-client)
            row "preflight, $kind project, --no-app-client" "$base" "$n" "settings, probe" "$(says_doctor "$WORK/out/pf-$case-$kind-noapp.txt")"
        done
        if [ "$case" = incident ]; then
            print_table "Goal 6 — preflight on the incident (587 dropped on IPv6 and IPv4, 465 implicit TLS); targets: Django ≤ 2.0 s, Flask-Mail and nodemailer ≤ 1.6 s; ratio to the probe alone" "$check"
        else
            print_table "Goal 6 — preflight on a healthy server (465 implicit TLS configured, 587 STARTTLS beside it, CA trusted; namespace $NS_L); target ≤ 1.0 s; ratio to the probe alone" "$check"
        fi
    done
    rm -f /etc/netns/"$NS_C"/hosts /etc/netns/"$NS_L"/hosts
    rmdir /etc/netns/"$NS_C" /etc/netns/"$NS_L" 2>/dev/null
}

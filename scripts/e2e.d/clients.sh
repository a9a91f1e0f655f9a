# scripts/e2e.d/clients.sh — the real-client tier of scripts/e2e. Sourced by scripts/e2e.
#
# For each case where a settings change is the fix, and each real client it applies to, do what a
# user does:
#   1. write the app with the broken settings (Django + django-environ: proj/settings.py and
#      .env; Flask-Mail: config.py; nodemailer: transport.json) and let the real client send to
#      the lab's Postfix from the client namespace: it must fail, and what it prints is recorded;
#   2. smtp-doctor preflight --json --framework CLIENT: a diagnosis, and a first recommendation
#      with settings;
#   3. apply recommendations[0].settings exactly as printed (Python: `KEY = value` lines appended
#      to the settings module, so the later assignment wins; nodemailer: the JSON keys merged into
#      the transport options with the JSON's own value types);
#   4. the real client sends again: it must succeed and the message must land in the maildir;
#   5. preflight again: verdict ok, and the app's own client that preflight runs works too
#      (outcome ok, no app.* finding, no smtp.ehlo_name_invalid error).
# preflight runs as the apps run (in_client's namespaces and environment, client_preflight),
# since it also runs the app's own client, which inherits them; a Node app's folder links
# node_modules to the tier's, where preflight's nodemailer client looks for the project's own.
# preflight reads Flask-Mail's MAIL_* (also config.py) and a Node app's SMTP_* environment, but
# not nodemailer's options object: for Flask and Node the app's effective settings (flask_env.py,
# node_env.js: read by the client's own runtime, with its own truth rules) are handed to preflight
# as Django EMAIL_* variables, with --framework flask|node so that the fix is written in the
# client's names; flask:settings_read has preflight read config.py itself.
#
# The clients are installed by the suite itself into $WORK/clients (a throw-away venv and
# node_modules, pinned in e2e.d/clients/; pip and npm caches inside it too; nothing outside).
# Clients run in the client namespace in a private mount namespace whose /etc/resolv.conf names
# the lab's dnsmasq; they trust the lab CA through SSL_CERT_FILE and NODE_EXTRA_CA_CERTS.
#
# What each broken client printed goes to e2e.d/client_errors.tsv (client, case, output),
# rewritten at the end of the run: rows of the cases that ran are replaced, others kept.

CLIENTS_DIR="$WORK/clients"
CLIENT_SRC="$HELPERS/clients"
CLIENT_TABLE="$HELPERS/client_errors.tsv"
CLIENT_ROWS="$WORK/client_errors.rows"
CLIENT_APP_TIMEOUT=2      # the timeout the broken apps have, where the case is not "no timeout"
CLIENT_WALL=6             # a client still waiting after this long is stopped: it printed nothing

# Scenarios client_<client>_<case>, run by default. Each needs the fix to be implemented.
CLIENT_CASES=(
    django:incident_587_dropped
    flask:incident_587_dropped
    node:incident_587_dropped
    django:refused_587
    flask:refused_587
    node:refused_587
    django:starttls_on_465
    flask:starttls_on_465
    node:starttls_on_465
    django:implicit_tls_on_587
    flask:implicit_tls_on_587
    django:conflicting_tls_flags
    flask:conflicting_tls_flags
    django:no_timeout
    flask:no_timeout
    node:no_timeout
    django:email_url_smtps_465
    django:email_url_smtps_465_no_python
    django:email_url_smtps_465_url_fix
    node:implicit_tls_on_587
    django:tls_disabled_587
    node:tls_disabled_587
    flask:settings_read
)
# Cases that fail with the current binary: run with E2E_PENDING=1 or E2E_ONLY. None now.
CLIENT_PENDING_CASES=()

# --------------------------------------------------------------------------
# Installation (root namespace: the only internet use of the suite)
# --------------------------------------------------------------------------
# clients_packages: the Debian packages the tier needs, for install_packages
clients_packages() {
    [ -x /usr/bin/python3 ] || echo python3
    /usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || echo python3-venv
    command -v node >/dev/null 2>&1 || echo nodejs
    command -v npm >/dev/null 2>&1 || echo npm
}

# clients_install: the venv and node_modules under $CLIENTS_DIR (once per run)
CLIENTS_READY=""
clients_install() {
    case $CLIENTS_READY in
        ok) return 0 ;;
        failed) fail "clients: installation failed earlier in this run"; return 1 ;;
    esac
    CLIENTS_READY=failed
    local t0=$SECONDS log="$CLIENTS_DIR/install.log" major
    mkdir -p "$CLIENTS_DIR/node"
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
    if [ "${major:-0}" -lt 20 ]; then
        fail "clients: nodemailer $(jq -r .dependencies.nodemailer "$CLIENT_SRC/package.json") needs Node.js >= 20; node is $(node --version 2>&1)"
        return 1
    fi
    note "installing the real clients into $CLIENTS_DIR (pip, npm)"
    if ! { /usr/bin/python3 -m venv "$CLIENTS_DIR/venv" &&
           "$CLIENTS_DIR/venv/bin/pip" install -q --no-cache-dir --disable-pip-version-check \
               -r "$CLIENT_SRC/requirements.txt"; } >"$log" 2>&1; then
        fail "clients: pip install failed: $(tail -n 3 "$log" | tr '\n' ' ')"
        return 1
    fi
    cp "$CLIENT_SRC/package.json" "$CLIENTS_DIR/node/"
    if ! (cd "$CLIENTS_DIR/node" && npm install --no-audit --no-fund --no-update-notifier \
              --no-package-lock --cache "$CLIENTS_DIR/npm-cache" --loglevel=error) >>"$log" 2>&1; then
        fail "clients: npm install failed: $(tail -n 3 "$log" | tr '\n' ' ')"
        return 1
    fi
    printf 'nameserver %s\n' "$M4" >"$CLIENTS_DIR/resolv.conf"
    note "clients installed in $((SECONDS - t0))s: $(client_versions)"
    CLIENTS_READY=ok
}

client_versions() {
    "$CLIENTS_DIR/venv/bin/python" -c 'import django, environ, flask, importlib.metadata as m
print("Django", django.get_version(), "django-environ", environ.__version__, "Flask", m.version("flask"), "Flask-Mail", m.version("flask-mail"), end=" ")' 2>/dev/null
    printf 'nodemailer %s' "$(jq -r .version "$CLIENTS_DIR/node/node_modules/nodemailer/package.json" 2>/dev/null)"
}

# --------------------------------------------------------------------------
# Running a client in the client namespace
# --------------------------------------------------------------------------
# How the apps run; a scenario may change these for itself (`local CLIENT_TRUST=os`):
CLIENT_TRUST=lab          # lab: the runtimes trust the lab CA (SSL_CERT_FILE, NODE_EXTRA_CA_CERTS);
                          # os: Python trusts only Debian's bundle, Node only its own roots
CLIENT_HOSTNAME=""        # set: the app runs in a private UTS namespace with this machine name
OS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

# client_env DIR: CLIENT_ENV, the whole environment an app in DIR runs with
client_env() {
    CLIENT_ENV=(PATH="$CLIENTS_DIR/venv/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME="$1"
                NODE_PATH="$CLIENTS_DIR/node/node_modules" PYTHONDONTWRITEBYTECODE=1)
    case $CLIENT_TRUST in
        lab) CLIENT_ENV+=(SSL_CERT_FILE="$CA" NODE_EXTRA_CA_CERTS="$CA") ;;
        os)  [ -f "$OS_CA_BUNDLE" ] && CLIENT_ENV+=(SSL_CERT_FILE="$OS_CA_BUNDLE") ;;
    esac
}

# client_wrap: CLIENT_WRAP, the command an app runs under inside the client namespace: a
# private mount namespace whose /etc/resolv.conf names the lab's dnsmasq, and a private UTS
# namespace (with the machine name CLIENT_HOSTNAME when set: written to the kernel directly,
# since hostname(1) refuses a name with an underscore, which is the point)
client_wrap() {
    CLIENT_WRAP=(unshare -m -u sh -c
        'mount --bind "$0" /etc/resolv.conf && { [ -z "$1" ] || printf %s "$1" >/proc/sys/kernel/hostname; } && shift && exec "$@"'
        "$CLIENTS_DIR/resolv.conf" "$CLIENT_HOSTNAME")
}

# in_client DIR CMD...: CMD in DIR, client namespace, lab DNS and CA, clean environment.
# Sets CLIENT_OUT (stdout and stderr) and CLIENT_RC.
in_client() {
    local dir=$1; shift
    client_env "$dir"; client_wrap
    CLIENT_OUT=$(cd "$dir" && ip netns exec "$NS_C" "${CLIENT_WRAP[@]}" env -i "${CLIENT_ENV[@]}" \
            timeout "$CLIENT_WALL" "$@" 2>&1 </dev/null)
    CLIENT_RC=$?
}

# client_send CLIENT DIR SUBJECT: the real client sends SUBJECT to the lab's mailbox
client_send() {
    local cl=$1 dir=$2 subject=$3
    case $cl in
        django) in_client "$dir" python "$CLIENT_SRC/django_send.py" "$subject" "$MAIL_USER" ;;
        flask)  in_client "$dir" python "$CLIENT_SRC/flask_send.py" "$subject" "$MAIL_USER" ;;
        node)   in_client "$dir" node "$CLIENT_SRC/node_send.js" "$subject" "$MAIL_USER" ;;
    esac
    if [ "$CLIENT_RC" = 124 ]; then
        CLIENT_OUT="(nothing: still waiting after ${CLIENT_WALL}s, stopped by the suite)"
    fi
    CLIENT_OUT=$(printf '%s' "$CLIENT_OUT" | tail -n 1)
}

# mailbox_has SUBJECT [TRIES]: a delivered message with this subject (within TRIES/10 s, default 5 s)
mailbox_has() {
    local i
    for i in $(seq 1 "${2:-50}"); do
        grep -rqsF "Subject: $1" "$WORK/mail/inbox/new" "$WORK/mail/inbox/cur" && return 0
        sleep 0.1
    done
    return 1
}

# --------------------------------------------------------------------------
# The cases: the lab condition and the app's broken settings
# --------------------------------------------------------------------------
# case_setup CASE: sets C_FW (nft rule for the mailhost or ""), C_PORT, C_MODE
# (starttls | implicit | both | plain), C_TIMEOUT (1: the app has one), C_URL (Django: the
# settings come from EMAIL_URL through django-environ), C_CAUSE (the expected cause),
# C_NOPY (1: preflight --no-project-code), C_NATIVE (1: preflight reads the app's own files, no
# translation into EMAIL_* variables)
case_setup() {
    C_FW=""; C_PORT=587; C_MODE=starttls; C_TIMEOUT=1; C_URL=""; C_CAUSE=""; C_NOPY=0; C_NATIVE=0
    C_FIXFW=""
    case $1 in
        incident_587_dropped)  C_FW='tcp dport 587 drop'; C_CAUSE=tcp.filtered ;;
        refused_587)           C_FW='tcp dport 587 reject with tcp reset'; C_CAUSE=tcp.refused ;;
        starttls_on_465)       C_PORT=465; C_CAUSE=config.starttls_on_implicit_port ;;
        implicit_tls_on_587)   C_MODE=implicit; C_CAUSE=config.implicit_tls_on_starttls_port ;;
        conflicting_tls_flags) C_MODE=both; C_CAUSE=config.conflicting_tls_flags ;;
        no_timeout)            C_FW='tcp dport 587 drop'; C_TIMEOUT=0; C_CAUSE=tcp.filtered ;;
        email_url_smtps_465)   C_PORT=465; C_URL="smtps://user%40$DOMAIN:$MAIL_PASS@$MAILHOST:465"
                               C_CAUSE=config.starttls_on_implicit_port ;;
        email_url_smtps_465_no_python)
                               case_setup email_url_smtps_465; C_NOPY=1 ;;
        email_url_smtps_465_url_fix)
                               case_setup email_url_smtps_465; C_FIXFW=url ;;
        tls_disabled_587)      C_MODE=plain; C_CAUSE=config.tls_disabled ;;
        settings_read)         case_setup starttls_on_465; C_NATIVE=1 ;;
        healthy_587)           ;;                       # nothing broken (the app-client scenarios)
        helo_2587)             C_PORT=$PORT_HELO ;;     # the port that refuses invalid EHLO names
        *) return 1 ;;
    esac
}

# py_bool 0|1
py_bool() { if [ "$1" = 1 ]; then echo True; else echo False; fi; }
# py_literal VALUE: a printed value as Python source (numbers and True/False/None as they are)
py_literal() {
    if [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ || $1 =~ ^(True|False|None)$ ]]; then printf '%s' "$1"
    else jq -n --arg v "$1" '$v'; fi
}

write_app_django() {
    local dir=$1 tls=0 ssl=0
    case $C_MODE in starttls) tls=1 ;; implicit) ssl=1 ;; both) tls=1; ssl=1 ;; esac
    mkdir -p "$dir/proj"
    ln -sfn "$CLIENTS_DIR/venv" "$dir/.venv"       # preflight asks Django with the project's Python
    : >"$dir/proj/__init__.py"
    cat >"$dir/manage.py" <<'EOF'
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proj.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
EOF
    {
        printf '%s\n' 'from pathlib import Path' 'import environ' '' \
            'BASE_DIR = Path(__file__).resolve().parent.parent' 'env = environ.Env()' \
            'environ.Env.read_env(BASE_DIR / ".env")' 'SECRET_KEY = "e2e-not-a-secret"' \
            'INSTALLED_APPS = []' "DEFAULT_FROM_EMAIL = \"app@$DOMAIN\"" \
            'EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"'
        if [ -n "$C_URL" ]; then
            printf '%s\n' 'vars().update(env.email_url("EMAIL_URL"))'
        else
            printf '%s\n' "EMAIL_HOST = \"$MAILHOST\"" "EMAIL_PORT = $C_PORT" \
                "EMAIL_USE_TLS = $(py_bool $tls)" "EMAIL_USE_SSL = $(py_bool $ssl)" \
                "EMAIL_HOST_USER = \"$MAIL_USER\"" 'EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")'
        fi
        [ "$C_TIMEOUT" = 1 ] && printf 'EMAIL_TIMEOUT = %s\n' "$CLIENT_APP_TIMEOUT"
    } >"$dir/proj/settings.py"
    if [ -n "$C_URL" ]; then printf 'EMAIL_URL=%s\n' "$C_URL" >"$dir/.env"
    else printf 'EMAIL_HOST_PASSWORD=%s\n' "$MAIL_PASS" >"$dir/.env"; fi
}

write_app_flask() {
    local dir=$1 tls=0 ssl=0
    case $C_MODE in starttls) tls=1 ;; implicit) ssl=1 ;; both) tls=1; ssl=1 ;; esac
    mkdir -p "$dir"
    # Flask-Mail has no timeout setting: C_TIMEOUT cannot be expressed.
    printf '%s\n' "MAIL_SERVER = \"$MAILHOST\"" "MAIL_PORT = $C_PORT" \
        "MAIL_USE_TLS = $(py_bool $tls)" "MAIL_USE_SSL = $(py_bool $ssl)" \
        "MAIL_USERNAME = \"$MAIL_USER\"" "MAIL_PASSWORD = \"$MAIL_PASS\"" \
        "MAIL_DEFAULT_SENDER = \"app@$DOMAIN\"" >"$dir/config.py"
}

write_app_node() {
    local dir=$1 secure=false extra='{}'
    case $C_MODE in implicit|both) secure=true ;; plain) extra='{"ignoreTLS": true}' ;; esac
    [ "$C_MODE" = both ] && extra='{"requireTLS": true}'
    [ "$C_TIMEOUT" = 1 ] && extra=$(jq -c --argjson t "$((CLIENT_APP_TIMEOUT * 1000))" \
        '. + {connectionTimeout: $t, greetingTimeout: $t, socketTimeout: $t}' <<<"$extra")
    mkdir -p "$dir"
    # preflight's nodemailer is the project's own: node_modules beside the project's
    # package.json (a folder without one is no Node project to smtp-doctor)
    ln -sfn "$CLIENTS_DIR/node/node_modules" "$dir/node_modules"
    cp "$CLIENTS_DIR/node/package.json" "$dir/package.json"
    jq -n --arg host "$MAILHOST" --argjson port "$C_PORT" --argjson secure "$secure" \
        --arg user "$MAIL_USER" --arg pass "$MAIL_PASS" --argjson extra "$extra" \
        '{host: $host, port: $port, secure: $secure, auth: {user: $user, pass: $pass}} + $extra' \
        >"$dir/transport.json"
}

# apply_fix CLIENT DIR SETTINGS_JSON: the recommendation's settings, exactly as printed
apply_fix() {
    local cl=$1 dir=$2 settings=$3 file key value
    case $cl in
        django|flask)
            if [ "$cl" = django ]; then file="$dir/proj/settings.py"; else file="$dir/config.py"; fi
            printf '\n# smtp-doctor preflight: recommendations[0].settings\n' >>"$file"
            while IFS=$'\t' read -r key value; do
                if [ "$key" = EMAIL_URL ]; then      # a URL fix goes where the URL is: .env
                    # The fix writes the password as <current-password>: the user keeps the
                    # password part of the URL they have, as the recommendation says.
                    local old pw
                    old=$(sed -n 's/^EMAIL_URL=//p' "$dir/.env"); pw=${old#*://}; pw=${pw%@*}; pw=${pw#*:}
                    value=${value/"<current-password>"/$pw}
                    sed -i '/^EMAIL_URL=/d' "$dir/.env"; printf 'EMAIL_URL=%s\n' "$value" >>"$dir/.env"
                else
                    printf '%s = %s\n' "$key" "$(py_literal "$value")" >>"$file"
                fi
            done < <(jq -r 'to_entries[] | [.key, .value] | @tsv' <<<"$settings")
            ;;
        node)
            # JSON settings are strings (docs/CONTRACT.md); the printed snippet writes them with their
            # JavaScript types (`secure: false`, `port: 465`), as a user pastes them.
            settings=$(jq -c 'with_entries(.value |= (if . == "true" then true
                elif . == "false" then false elif test("^[0-9]+$") then tonumber else . end))' \
                <<<"$settings")
            jq --argjson s "$settings" '. + $s' "$dir/transport.json" >"$dir/transport.json.new" &&
                mv "$dir/transport.json.new" "$dir/transport.json"
            ;;
    esac
}

# client_preflight CLIENT DIR [ARGS...]: preflight on the app's settings (see the header for
# Flask/Node), run as the app runs (in_client's namespaces and environment): preflight also
# runs the app's own client, which inherits them.
client_preflight() {
    local cl=$1 dir=$2 args=(--framework "${C_FIXFW:-$1}")
    shift 2; args+=("$@")
    DOCTOR_ENV=(); DOCTOR_CWD=$dir
    [ "$C_NOPY" = 1 ] && args+=(--no-project-code)
    [ "$C_NATIVE" = 1 ] && cl=native
    case $cl in
        flask) in_client "$dir" python "$CLIENT_SRC/flask_env.py"; mapfile -t DOCTOR_ENV <<<"$CLIENT_OUT" ;;
        node)  in_client "$dir" node "$CLIENT_SRC/node_env.js"; mapfile -t DOCTOR_ENV <<<"$CLIENT_OUT" ;;
    esac
    client_env "$dir"; client_wrap
    DOCTOR_BASE_ENV=("${CLIENT_ENV[@]}"); DOCTOR_WRAP=("${CLIENT_WRAP[@]}")
    if [ "$C_TIMEOUT" = 1 ]; then
        preflight "${args[@]}"       # --timeout: also the app's timeout as preflight sees it
    else
        doctor preflight --dns-server "$M4" --ca-file "$CA" "${args[@]}"
    fi
}

# client_record CLIENT CASE TEXT: one row of client_errors.tsv
client_record() {
    # OpenSSL's error lines start with a thread id (802C4798897F0000:error:...): not kept
    printf '%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$3" | tr '\t\r\n' '   ' |
        sed -E 's/[0-9A-F]{12,16}:error:/error:/g')" >>"$CLIENT_ROWS"
}

# client_scenario CLIENT CASE
client_scenario() {
    local cl=$1 case=$2 dir="$WORK/apps/client-$1-$2" settings subject
    clients_install || return
    case_setup "$case" || { fail "unknown case $case"; return; }
    if [ -n "$C_FW" ]; then fw_mailhost "$C_FW" || { fail "nft rule failed: $C_FW"; return; }; fi
    "write_app_$cl" "$dir"

    # 1. the broken app fails, and says something
    subject="e2e $cl $case broken"
    client_send "$cl" "$dir" "$subject"
    client_record "$cl" "$case" "$CLIENT_OUT"
    if [ "$CLIENT_RC" = 0 ]; then fail "the broken $cl app sent the message: $CLIENT_OUT"; return; fi
    if mailbox_has "$subject" 10; then fail "the broken $cl app's message was delivered"; fi
    note "$cl $case, broken: $CLIENT_OUT"

    # 2. preflight diagnoses it and recommends settings
    client_preflight "$cl" "$dir"
    expect_shape
    expect_rc 1
    expect .cause "$C_CAUSE"
    # No timeout: said where the library would wait forever (Django, Flask-Mail); nodemailer
    # gives up on its own (2 min to connect, 30 s for the greeting), so it must not be said.
    if [ "$C_TIMEOUT" = 0 ] && [ "$cl" = node ]; then
        expect_true '[.findings[].code] | index("config.no_timeout") == null' \
            "config.no_timeout said to a nodemailer app, which times out on its own"
    elif [ "$C_TIMEOUT" = 0 ]; then
        expect_finding config.no_timeout
    fi
    expect_true '.recommendations[0].settings | type == "object" and length > 0' \
        "no settings in the first recommendation: $(jqv '.recommendations[0]')"
    [ ${#REASONS[@]} -eq 0 ] || return
    settings=$(jqv '.recommendations[0].settings')
    if [ "$C_FIXFW" = url ]; then
        expect_true '.recommendations[0].settings.EMAIL_URL | startswith("smtp+ssl://user%40") and contains(":<current-password>@")' \
            "the URL fix does not keep the user's own name and the password part: $settings"
        case $settings in *"$MAIL_PASS"*) fail "the URL fix prints the password" ;; esac
        [ ${#REASONS[@]} -eq 0 ] || return
    fi
    note "$cl $case, fix: $settings"

    # 3. the fix, as printed; 4. the real client sends
    apply_fix "$cl" "$dir" "$settings"
    subject="e2e $cl $case fixed"
    client_send "$cl" "$dir" "$subject"
    if [ "$CLIENT_RC" != 0 ]; then
        fail "after recommendations[0].settings $settings the $cl app still fails: $CLIENT_OUT"
        return
    fi
    mailbox_has "$subject" || fail "the $cl app said sent, but '$subject' is not in $WORK/mail/inbox"

    # 5. preflight agrees, and so does the app's own client it runs
    client_preflight "$cl" "$dir"
    expect_shape
    expect .verdict ok
    expect_rc 0
    if [ "$C_NOPY" = 1 ]; then
        expect .app_client.outcome skipped
        expect .app_client.skip.kind project_code_off
    else
        expect_app_client_healthy
    fi
}

# expect_app_client_healthy: the app's own client ran and worked, and no divergence is said
expect_app_client_healthy() {
    expect .app_client.outcome ok
    expect_true '[.findings[].code | select(startswith("app."))] | length == 0' \
        "app.* findings with a working app client: $(jqv '[.findings[] | select(.code | startswith("app.")) | .code]')"
    expect_true 'any(.findings[]; .code == "smtp.ehlo_name_invalid" and .severity == "error") | not' \
        "smtp.ehlo_name_invalid as an error with a working app client"
}

# client_table_write: merge this run's rows into the committed table
client_table_write() {
    [ -s "$CLIENT_ROWS" ] || return 0
    local tmp="$WORK/client_errors.tsv"
    {
        printf 'client\tcase\twhat the real client printed with the broken settings\n'
        {
            if [ -f "$CLIENT_TABLE" ]; then
                tail -n +2 "$CLIENT_TABLE" | awk -F'\t' 'NR==FNR { ran[$1 FS $2] = 1; next } !(($1 FS $2) in ran)' \
                    "$CLIENT_ROWS" -
            fi
            cat "$CLIENT_ROWS"
        } | sort -t $'\t' -k1,1 -k2,2 -u
    } >"$tmp" && cp "$tmp" "$CLIENT_TABLE"
}

# client_define LIST PAIRS...: a scenario function per client:case pair, its name added to LIST
client_define() {
    local -n _list=$1; shift
    local pair cl case
    for pair in "$@"; do
        cl=${pair%%:*}; case=${pair#*:}
        eval "scenario_client_${cl}_${case}() { client_scenario $cl $case; }"
        _list+=("client_${cl}_${case}")
    done
}
client_define SCENARIOS "${CLIENT_CASES[@]}"
client_define PENDING_SCENARIOS "${CLIENT_PENDING_CASES[@]}"

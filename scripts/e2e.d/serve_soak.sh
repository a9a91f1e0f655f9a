# scripts/e2e.d/serve_soak.sh — `smtp-doctor serve` under a long stream of probes.
# Sourced by scripts/e2e after its constants; uses its helpers (fw_*, in_c, fail, note) and
# stop_pid from prometheus.sh.
#
#   serve_soak   serve on 127.0.0.1:$SOAK_PORT in the client namespace, four rounds of
#                $SOAK_ROUND requests, $SOAK_PARALLEL at once (curl through xargs), each with its
#                own X-Prometheus-Scrape-Timeout-Seconds: the healthy Postfix (587), a dropped
#                port, a closed port, the hostile fakes (554 greeting, silent, HTTP), names that
#                do not exist, a target --allow refuses, bad queries and a password in the URL.
#                Every request is answered (200, 400, 403, or 503 when the slots are taken;
#                none unanswered, no other status); after the first round (the warm-up) serve's resident memory grows by
#                less than $SOAK_RSS_GROWTH_KB kB over the next three and its open descriptors
#                come back to what they were; afterwards no probe slot is stuck (/metrics: none
#                in flight), /-/healthy answers, and a fresh probe of the healthy server succeeds.
# Bounded in time: the whole stream runs under `timeout $SOAK_WALL`.

SERVE_SOAK_SCENARIOS=(
    serve_soak
)
SCENARIOS+=("${SERVE_SOAK_SCENARIOS[@]}")

SOAK_PORT=9926                 # smtp-doctor serve, in the client namespace
SOAK_ROUND=600                 # requests per round (4 rounds)
SOAK_PARALLEL=20               # requests at once (serve: --concurrency 16, so some are 503;
                               # --per-client 24 by default, so none is turned away)
SOAK_WALL=240                  # seconds for one round at most
SOAK_RSS_GROWTH_KB=16384       # resident memory growth allowed after the warm-up
SOAK_DROPPED_PORT=2999         # dropped by the mail host's nftables in the scenario
SOAK_CLOSED_PORT=2998          # nothing listens: RST

# soak_urls N: N lines "URL SCRAPE_TIMEOUT", the targets in turn
soak_urls() {
    local n=$1 i base="http://127.0.0.1:$SOAK_PORT"
    for i in $(seq 1 "$n"); do
        case $((i % 11)) in
            0) printf '%s' "$base/probe?target=$MAILHOST:587" ;;
            1) printf '%s' "$base/probe?target=$M4:$SOAK_DROPPED_PORT" ;;
            2) printf '%s' "$base/probe?target=$M4:$SOAK_CLOSED_PORT" ;;
            3) printf '%s' "$base/probe?target=$M4:$PORT_REJECT" ;;
            4) printf '%s' "$base/probe?target=$M4:$PORT_SILENT" ;;
            5) printf '%s' "$base/probe?target=$M4:$PORT_HTTP&format=json" ;;
            6) printf '%s' "$base/probe?target=nx$i.$DOMAIN:587" ;;
            7) printf '%s' "$base/probe?target=10.213.9.$((i % 250 + 1)):587" ;;
            8) printf '%s' "$base/probe?target=a%20b" ;;
            9) printf '%s' "$base/probe?target=$MAILHOST&password=soak-not-a-secret" ;;
            10) printf '%s' "$base/probe?target=$MAILHOST:587&module=m$i" ;;
        esac
        printf ' %s\n' "1.$((i % 97 + 2))"
    done
}

# soak_round FILE: runs the requests listed in FILE; the status codes, one a line, on stdout
soak_round() {
    in_c timeout "$SOAK_WALL" xargs -P "$SOAK_PARALLEL" -L 1 sh -c \
        'curl -s -o /dev/null -m 10 -w "%{http_code}\n" -H "X-Prometheus-Scrape-Timeout-Seconds: $1" "$0"' \
        <"$1"
}

# soak_settle: waits until no probe is in flight and at most one connection is open (ours)
soak_settle() {
    local i m
    for i in $(seq 1 100); do
        m=$(in_c curl -s -m 5 "http://127.0.0.1:$SOAK_PORT/metrics")
        printf '%s' "$m" | grep -qx 'smtp_doctor_exporter_probes_in_flight 0' &&
            printf '%s' "$m" | grep -qx 'smtp_doctor_exporter_connections 1' && return 0
        sleep 0.1
    done
    fail "serve did not settle after a round: $(printf '%s' "$m" | grep -E '_in_flight|_connections ')"
    return 1
}

soak_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
soak_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

scenario_serve_soak() {
    local pid list="$WORK/soak-urls" codes="$WORK/soak-codes" round rss0="" fds0="" rss fds n bad body p
    fw_mailhost "tcp dport $SOAK_DROPPED_PORT drop"
    soak_urls "$SOAK_ROUND" >"$list"
    ip netns exec "$NS_C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        "$BIN" serve --listen "127.0.0.1:$SOAK_PORT" --dns-server "$M4" --ca-file "$CA" \
        --allow "10.213.0.0/24,$MAILHOST:*,*.$DOMAIN:*" --concurrency 16 --per-target 8 \
        --timeout "$TIMEOUT" >"$WORK/soak.out" 2>"$WORK/soak.err" </dev/null &
    pid=$!
    for _ in $(seq 1 100); do
        [ "$(in_c curl -s -m 1 "http://127.0.0.1:$SOAK_PORT/-/healthy" 2>/dev/null)" = OK ] && break
        sleep 0.1
    done
    for round in 1 2 3 4; do
        soak_round "$list" >"$codes.$round"
        n=$(wc -l <"$codes.$round")
        [ "$n" = "$SOAK_ROUND" ] || fail "round $round: $n of $SOAK_ROUND requests finished within $SOAK_WALL s"
        bad=$(grep -cvE '^(200|400|403|503)$' "$codes.$round")
        [ "$bad" = 0 ] || fail "round $round: $bad answers not 200, 400, 403 or 503: $(sort "$codes.$round" | uniq -c | tr '\n' ' ')"
        kill -0 "$pid" 2>/dev/null || { fail "serve ended during round $round: $(head -c 500 "$WORK/soak.err")"; break; }
        soak_settle || break
        rss=$(soak_rss "$pid"); fds=$(soak_fds "$pid")
        note "soak round $round: $(sort "$codes.$round" | uniq -c | tr -s ' \n' ' '); VmRSS $rss kB; $fds open files"
        if [ "$round" = 1 ]; then rss0=$rss; fds0=$fds; fi
    done
    if [ -n "$rss0" ] && kill -0 "$pid" 2>/dev/null; then
        [ "$((rss - rss0))" -lt "$SOAK_RSS_GROWTH_KB" ] ||
            fail "serve's memory grew from $rss0 kB to $rss kB over three rounds after the warm-up"
        [ "$fds" -le "$((fds0 + 2))" ] ||
            fail "serve's open files grew from $fds0 to $fds: $(ls -l "/proc/$pid/fd" 2>/dev/null | tail -n 5 | tr '\n' ' ')"
        for p in 200 400 403; do
            grep -qx "$p" "$codes".* || fail "no answer was $p (the stream gives every kind)"
        done
        [ "$(in_c curl -s -m 5 "http://127.0.0.1:$SOAK_PORT/-/healthy")" = OK ] || fail "/-/healthy does not answer after the soak"
        body=$(in_c curl -s -m 15 "http://127.0.0.1:$SOAK_PORT/probe?target=$MAILHOST:587")
        printf '%s' "$body" | grep -qx 'probe_success 1' || fail "a fresh probe of $MAILHOST:587 after the soak: $(printf '%s' "$body" | head -c 400)"
        body=$(in_c curl -s -m 5 "http://127.0.0.1:$SOAK_PORT/")
        printf '%s' "$body" | grep -q 'soak-not-a-secret' && fail "the password given in a URL shows on the index page"
    fi
    stop_pid "$pid" "smtp-doctor serve (soak)"
}

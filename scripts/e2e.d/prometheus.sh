# scripts/e2e.d/prometheus.sh — `smtp-doctor serve` scraped by the real Prometheus.
# Sourced by scripts/e2e after its constants; uses its helpers (fw_*, in_c, in_m, fail, note).
#
# Debian's prometheus package (server and promtool) is installed by the suite's install step,
# with service starts refused (policy-rc.d): the distro service never runs. The scenarios run
# /usr/bin/prometheus themselves in the client namespace, on 127.0.0.1:$PROM_PORT, with their
# own configuration, rules and TSDB under $WORK/prometheus, and smtp-doctor serve beside it on
# 127.0.0.1:$SERVE_PORT. Both are stopped by pid at the end of each scenario.
#
#   prometheus_promtool        the files the suite writes pass `promtool check config` and
#                              `promtool check rules`; /probe of both targets and /metrics pass
#                              `promtool check metrics`
#   prometheus_scrape_alerts   Prometheus scrapes serve in the blackbox relabel pattern (2 s
#                              interval and timeout) for mail.e2e.test:587 (healthy) and
#                              $PROM_BLOCKED_NAME:587, a second address of the mail host whose
#                              587 nftables drops; through the HTTP API: probe_success 1 and 0,
#                              smtp_doctor_failure_info{code="tcp.filtered",step="connect",
#                              port="587"} for the dropped one only, the recording rule, the
#                              alert SmtpPortBlocked firing for that instance only, and the
#                              certificate alert (14 days) not firing (the lab's is valid 30)

PROMETHEUS_SCENARIOS=(
    prometheus_promtool
    prometheus_scrape_alerts
)
SCENARIOS+=("${PROMETHEUS_SCENARIOS[@]}")

PROM_PORT=9090                 # Prometheus, in the client namespace
SERVE_PORT=9925                # smtp-doctor serve, in the client namespace
PROM_BLOCKED_ADDR=10.213.0.3   # a second address of the mail host (added by the scenario)
PROM_BLOCKED_NAME=blocked.$DOMAIN   # dnsmasq: A $PROM_BLOCKED_ADDR (see start_dnsmasq)
PROM_HEALTHY_TARGET=$MAILHOST:587
PROM_BLOCKED_TARGET=$PROM_BLOCKED_NAME:587
PROM_WAIT=40                   # seconds to wait for Prometheus to see what it should

# prometheus_packages: what install_packages must add (the server brings promtool)
prometheus_packages() {
    command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || echo prometheus
    command -v curl >/dev/null 2>&1 || echo curl
}

# prometheus_write_files DIR: prometheus.yml and rules.yml, as the README's section "`serve`:
# Prometheus" shows them (there: other targets, a 60 s interval, `for: 5m` and `for: 1h`)
prometheus_write_files() {
    local d=$1
    mkdir -p "$d"
    cat >"$d/prometheus.yml" <<EOF
# Written by scripts/e2e (prometheus.sh); the README's example, pointed at the lab.
global:
  scrape_interval: 2s
  scrape_timeout: 2s
  evaluation_interval: 1s
rule_files:
  - $d/rules.yml
scrape_configs:
  - job_name: smtp
    metrics_path: /probe
    params:
      module: [default]
    static_configs:
      - targets:
          - $PROM_HEALTHY_TARGET
          - $PROM_BLOCKED_TARGET
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:$SERVE_PORT
  - job_name: smtp_doctor_exporter
    static_configs:
      - targets: [127.0.0.1:$SERVE_PORT]
EOF
    cat >"$d/rules.yml" <<'EOF'
groups:
  - name: smtp
    rules:
      # how many SMTP targets of each job fail their probe now
      - record: job:smtp_probe_failures:sum
        expr: sum by (job) (1 - probe_success{job="smtp"})
      - alert: SmtpPortBlocked
        expr: smtp_doctor_failure_info{code=~"tcp.filtered|net.smtp_blocked"} == 1
        for: 0s
        labels:
          severity: critical
        annotations:
          summary: 'Outbound SMTP to {{ $labels.instance }} is blocked from this machine'
          description: '{{ $labels.code }} at step {{ $labels.step }}{{ with $labels.port }} on port {{ . }}{{ end }}: the connection is silently dropped (smtp-doctor check {{ $labels.instance }} says more).'
      - alert: SmtpCertificateExpiresSoon
        expr: smtp_doctor_certificate_not_after_seconds - time() < 14 * 86400
        for: 0s
        labels:
          severity: warning
        annotations:
          summary: 'The certificate of {{ $labels.instance }} (port {{ $labels.port }}) expires in {{ $value | humanizeDuration }}'
EOF
}

# serve_start: smtp-doctor serve in the client namespace; SERVE_PID. 0 when it answers.
serve_start() {
    SERVE_PID=""
    if [ ! -x "$BIN" ]; then fail "binary missing: $BIN"; return 1; fi
    # a simple command in the background: $! is smtp-doctor itself (ip netns exec execs it)
    ip netns exec "$NS_C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        "$BIN" serve --listen "127.0.0.1:$SERVE_PORT" --dns-server "$M4" --ca-file "$CA" \
        --timeout "$TIMEOUT" >"$WORK/serve.out" 2>"$WORK/serve.err" </dev/null &
    SERVE_PID=$!
    local i
    for i in $(seq 1 100); do
        [ "$(in_c curl -s -m 1 "http://127.0.0.1:$SERVE_PORT/-/healthy" 2>/dev/null)" = OK ] && return 0
        sleep 0.1
    done
    fail "smtp-doctor serve did not answer on 127.0.0.1:$SERVE_PORT: $(head -c 500 "$WORK/serve.err")"
    return 1
}

# prom_start DIR: /usr/bin/prometheus in the client namespace; PROM_PID. 0 when it is ready.
prom_start() {
    local d=$1
    PROM_PID=""
    mkdir -p "$d/data"
    ip netns exec "$NS_C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
        /usr/bin/prometheus --config.file="$d/prometheus.yml" --storage.tsdb.path="$d/data" \
        --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn \
        >"$d/prometheus.log" 2>&1 </dev/null &
    PROM_PID=$!
    local i
    for i in $(seq 1 150); do
        in_c curl -sf -m 1 "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && return 0
        kill -0 "$PROM_PID" 2>/dev/null || break
        sleep 0.2
    done
    fail "Prometheus did not become ready on 127.0.0.1:$PROM_PORT: $(tail -n 5 "$d/prometheus.log" | tr '\n' ' ')"
    return 1
}

# stop_pid PID NAME: ends what this scenario started, by its id, and checks it is gone
stop_pid() {
    local pid=$1 name=$2 i
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null
        fail "$name (pid $pid) did not stop on SIGTERM within 5 s"
    fi
    wait "$pid" 2>/dev/null
}

# prometheus_stop: both stopped; nothing of ours listens any more
prometheus_stop() {
    stop_pid "${PROM_PID:-}" prometheus
    stop_pid "${SERVE_PID:-}" "smtp-doctor serve"
    PROM_PID=""; SERVE_PID=""
    local left
    left=$(in_c ss -Hltn "( sport = :$PROM_PORT or sport = :$SERVE_PORT )" 2>/dev/null)
    [ -z "$left" ] || fail "still listening after the scenario: $left"
}

# probe_body TARGET: serve's /probe answer for TARGET (the way Prometheus asks, 2 s timeout)
probe_body() {
    in_c curl -s -m 10 -H 'X-Prometheus-Scrape-Timeout-Seconds: 2' \
        "http://127.0.0.1:$SERVE_PORT/probe?target=$1&module=default"
}

# the blocked target: a second address of the mail host, its 587 dropped (443 answers RST)
# Rule (sdm input): ip daddr 10.213.0.3 tcp dport 587 drop
# Observed: connect() to 10.213.0.3:587 times out; to 10.213.0.2:587 open.
blocked_target_up() {
    in_m ip addr add "$PROM_BLOCKED_ADDR/24" dev "$VETH_M" 2>/dev/null
    fw_mailhost "ip daddr $PROM_BLOCKED_ADDR tcp dport 587 drop"
    expect_probe "$PROM_BLOCKED_ADDR" 587 timeout
    expect_probe "$M4" 587 open
    expect_dig "$PROM_BLOCKED_NAME" A "NOERROR $PROM_BLOCKED_ADDR"
}
blocked_target_down() { in_m ip addr del "$PROM_BLOCKED_ADDR/24" dev "$VETH_M" 2>/dev/null; true; }

scenario_prometheus_promtool() {
    local d="$WORK/prometheus" out body t
    prometheus_write_files "$d"
    out=$(promtool check config "$d/prometheus.yml" 2>&1) || fail "promtool check config: $out"
    out=$(promtool check rules "$d/rules.yml" 2>&1) || fail "promtool check rules: $out"
    printf '%s' "$out" | grep -q 'SUCCESS: 3 rules found' || fail "promtool check rules did not find the 3 rules: $out"
    blocked_target_up
    if serve_start; then
        for t in "$PROM_HEALTHY_TARGET" "$PROM_BLOCKED_TARGET"; do
            body=$(probe_body "$t")
            printf '%s' "$body" | grep -q '^smtp_doctor_verdict' || fail "/probe?target=$t has no smtp_doctor_verdict: $body"
            out=$(printf '%s\n' "$body" | promtool check metrics 2>&1) || fail "promtool check metrics, /probe?target=$t: $out"
        done
        body=$(in_c curl -s -m 5 "http://127.0.0.1:$SERVE_PORT/metrics")
        printf '%s' "$body" | grep -q '^smtp_doctor_exporter_probes_total' || fail "/metrics has no smtp_doctor_exporter_probes_total: $body"
        out=$(printf '%s\n' "$body" | promtool check metrics 2>&1) || fail "promtool check metrics, /metrics: $out"
    fi
    prometheus_stop
    blocked_target_down
}

# prom_query EXPR: the API's answer (JSON) for an instant query
prom_query() {
    in_c curl -s -m 5 --get --data-urlencode "query=$1" "http://127.0.0.1:$PROM_PORT/api/v1/query"
}

# prom_seen: 0 when Prometheus has what the assertions below need (both targets scraped, the
# alert evaluated); the assertions then say what is wrong, if anything
prom_seen() {
    local n
    n=$(prom_query 'count(probe_success{job="smtp"})' | jq -r '.data.result[0].value[1] // 0')
    [ "$n" = 2 ] || return 1
    prom_query 'ALERTS{alertname="SmtpPortBlocked",alertstate="firing"}' |
        jq -e '.data.result | length > 0' >/dev/null 2>&1
}

scenario_prometheus_scrape_alerts() {
    local d="$WORK/prometheus" j healthy=$PROM_HEALTHY_TARGET blocked=$PROM_BLOCKED_TARGET t0=$SECONDS
    prometheus_write_files "$d"
    blocked_target_up
    if serve_start && prom_start "$d"; then
        for _ in $(seq 1 $((PROM_WAIT * 2))); do prom_seen && break; sleep 0.5; done
        note "Prometheus: probes and the alert seen after $((SECONDS - t0)) s"
        sleep 3   # a few more scrapes: the assertions must hold on every one, not only the first

        # the targets: both up (the probe of the dropped port fits in the 2 s scrape)
        j=$(in_c curl -s -m 5 "http://127.0.0.1:$PROM_PORT/api/v1/targets")
        printf '%s' "$j" | jq -e --arg h "$healthy" --arg b "$blocked" \
            '[.data.activeTargets[] | select(.labels.job == "smtp") | {(.labels.instance): .health}] | add == {($h): "up", ($b): "up"}' \
            >/dev/null 2>&1 ||
            fail "the smtp targets are not both up: $(printf '%s' "$j" | jq -c '[.data.activeTargets[] | [.labels.instance, .health, .lastError, .scrapeUrl]]')"

        # probe_success: 1 for the healthy target, 0 for the dropped one
        j=$(prom_query 'probe_success{job="smtp"}')
        printf '%s' "$j" | jq -e --arg h "$healthy" --arg b "$blocked" \
            '[.data.result[] | {(.metric.instance): .value[1]}] | add == {($h): "1", ($b): "0"}' >/dev/null 2>&1 ||
            fail "probe_success is $(printf '%s' "$j" | jq -c '[.data.result[] | [.metric.instance, .value[1]]]'), expected $healthy 1 and $blocked 0"

        # failure_info{code="tcp.filtered",step="connect",port="587"}: the dropped target only
        j=$(prom_query 'smtp_doctor_failure_info{code="tcp.filtered",step="connect",port="587"}')
        printf '%s' "$j" | jq -e --arg b "$blocked" \
            '[.data.result[] | [.metric.instance, .value[1]]] == [[$b, "1"]]' >/dev/null 2>&1 ||
            fail "tcp.filtered/connect/587 series: $(printf '%s' "$j" | jq -c '[.data.result[] | [.metric, .value[1]]]'), expected one for $blocked"
        j=$(prom_query "smtp_doctor_failure_info{instance=\"$healthy\"}")
        printf '%s' "$j" | jq -e '.data.result == []' >/dev/null 2>&1 ||
            fail "the healthy target has failure series: $(printf '%s' "$j" | jq -c '[.data.result[].metric]')"
        j=$(prom_query 'smtp_doctor_verdict == 1')
        printf '%s' "$j" | jq -e --arg h "$healthy" --arg b "$blocked" \
            '[.data.result[] | {(.metric.instance): .metric.verdict}] | add == {($h): "ok", ($b): "failed"}' >/dev/null 2>&1 ||
            fail "smtp_doctor_verdict: $(printf '%s' "$j" | jq -c '[.data.result[] | [.metric.instance, .metric.verdict]]')"

        # the recording rule: one failing target in the job
        j=$(prom_query 'job:smtp_probe_failures:sum')
        printf '%s' "$j" | jq -e '[.data.result[] | [.metric.job, .value[1]]] == [["smtp", "1"]]' >/dev/null 2>&1 ||
            fail "job:smtp_probe_failures:sum is $(printf '%s' "$j" | jq -c '.data.result')"

        # the alerts: SmtpPortBlocked firing for the dropped target only; no certificate alert,
        # although the healthy target's certificate is known (valid 30 days)
        j=$(in_c curl -s -m 5 "http://127.0.0.1:$PROM_PORT/api/v1/alerts")
        printf '%s' "$j" | jq -e --arg b "$blocked" \
            '[.data.alerts[] | select(.labels.alertname == "SmtpPortBlocked")] as $a
             | ($a | length > 0) and ($a | all(.state == "firing" and .labels.instance == $b))
               and ($a | any(.labels.code == "tcp.filtered" and .labels.port == "587"))' >/dev/null 2>&1 ||
            fail "SmtpPortBlocked alerts: $(printf '%s' "$j" | jq -c '[.data.alerts[] | [.labels.alertname, .labels.instance, .labels.code, .state]]'), expected firing for $blocked only"
        printf '%s' "$j" | jq -e '[.data.alerts[] | select(.labels.alertname == "SmtpCertificateExpiresSoon")] == []' >/dev/null 2>&1 ||
            fail "the certificate alert is active: $(printf '%s' "$j" | jq -c '[.data.alerts[] | select(.labels.alertname == "SmtpCertificateExpiresSoon")]')"
        j=$(prom_query "smtp_doctor_certificate_not_after_seconds{instance=\"$healthy\",port=\"587\"} - time()")
        printf '%s' "$j" | jq -e '(.data.result | length) == 1 and (.data.result[0].value[1] | tonumber) > 14 * 86400 and (.data.result[0].value[1] | tonumber) < 31 * 86400' >/dev/null 2>&1 ||
            fail "the healthy target's certificate expiry (not_after - time()) is $(printf '%s' "$j" | jq -c '.data.result'), expected one series of 14..31 days"
        j=$(in_c curl -s -m 5 "http://127.0.0.1:$PROM_PORT/api/v1/rules")
        printf '%s' "$j" | jq -e '[.data.groups[].rules[] | {(.name): [.health, (.state // "recording")]}] | add
             == {"job:smtp_probe_failures:sum": ["ok", "recording"], "SmtpPortBlocked": ["ok", "firing"], "SmtpCertificateExpiresSoon": ["ok", "inactive"]}' \
            >/dev/null 2>&1 ||
            fail "the rules: $(printf '%s' "$j" | jq -c '[.data.groups[].rules[] | [.name, .health, .state, .lastError]]')"
        # the exporter's own /metrics, scraped as a plain target: up, and it counted the probes
        j=$(prom_query 'smtp_doctor_exporter_probes_total{job="smtp_doctor_exporter"}')
        printf '%s' "$j" | jq -e '[.data.result[] | {(.metric.result): (.value[1] | tonumber)}] | add
             | .success > 0 and .failure > 0 and .timeout == 0' >/dev/null 2>&1 ||
            fail "smtp_doctor_exporter_probes_total: $(printf '%s' "$j" | jq -c '[.data.result[] | [.metric.result, .value[1]]]'), expected success and failure > 0, timeout 0"
        [ ${#REASONS[@]} -eq 0 ] || fail "Prometheus log: $(tail -n 5 "$d/prometheus.log" | tr '\n' ' ')"
    fi
    prometheus_stop
    blocked_target_down
}

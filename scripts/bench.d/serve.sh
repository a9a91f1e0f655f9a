# shellcheck shell=bash
# scripts/bench.d/serve.sh — goal 4 of scripts/bench: `smtp-doctor serve` against
# Debian's prometheus-blackbox-exporter configured for the same SMTP STARTTLS check, side by
# side in one run, in the namespace sdb-l (its own loopback):
#   (the listener is on 2525, a submission port probed like 587: goal 2 keeps 587 busy)
#   - probes/s at saturation and p50/p99 probe latency (ab, keep-alive off, concurrency 32),
#     both against the same lab_server STARTTLS listener, certificate verified by both;
#   - peak RSS with 1,000 probes in flight (1,000 concurrent requests to a port that nftables
#     drops in the namespace, so every probe waits), and CPU seconds per probe;
#   - what each answer says: its series count, and whether it names the failure.
# Sourced by scripts/bench; uses its helpers (in_l, note, cpu_of, PIDS, WORK).

serve_packages() {
    command -v ab >/dev/null || echo apache2-utils
    [ -x /usr/bin/prometheus-blackbox-exporter ] || echo prometheus-blackbox-exporter
}

# peak_rss_mb PID → VmHWM of the process, in MB
peak_rss_mb() { awk '/^VmHWM/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo nan; }

# ab_stats FILE → "probes/s p50_ms p99_ms not-200". ab's "Failed requests" also counts answers
# whose length differs from the first one's (metrics do): those are not failures.
ab_stats() {
    awk '/^Requests per second/ { rps = $4 }
         /^  50%/ { p50 = $2 } /^  99%/ { p99 = $2 }
         /^Non-2xx responses/ { non2xx = $3 }
         /Exceptions: / { gsub(/[^0-9]+/, " "); split($0, f, " "); broken = f[1] + f[2] + f[4] }
         END { printf "%s %s %s %d\n", rps, p50, p99, non2xx + broken }' "$1"
}

goal_serve() {
    note "goal 4: serve vs blackbox_exporter in namespace $NS_L"
    local need
    need=$(serve_packages)
    if [ -n "$need" ]; then
        note "installing: $need"
        # The Debian package starts its service in the root namespace: stop and disable it at
        # once; the benchmark runs its own copy in sdb-l.
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null 2>&1 || note "apt-get install failed: $need"
        systemctl stop prometheus-blackbox-exporter >/dev/null 2>&1 || true
        pkill -x prometheus-blackbox-exporter 2>/dev/null || true
    fi
    command -v ab >/dev/null && [ -x /usr/bin/prometheus-blackbox-exporter ] || { note "goal 4 skipped: ab or blackbox_exporter missing"; return; }
    local dir=$WORK/serve ca
    mkdir -p "$dir"
    ca=$dir/ca.pem
    in_l "$LAB" --ca-out "$ca" --name 127.0.0.1 --listen starttls=127.0.0.1:2525 >"$dir/lab.txt" 2>&1 &
    PIDS+=($!)
    wait_ready "$dir/lab.txt"
    # A port every probe has to wait on: dropped by nftables in the namespace.
    in_l nft -f - <<'EOF'
table inet sdb_serve {
    chain input { type filter hook input priority 0; policy accept; tcp dport 2999 drop; }
}
EOF
    cat >"$dir/blackbox.yml" <<EOF
modules:
  smtp_starttls:
    prober: tcp
    timeout: 5s
    tcp:
      query_response:
        - expect: "^220"
        - send: "EHLO bench.test"
        - expect: "^250-STARTTLS"
        - send: "STARTTLS"
        - expect: "^220"
        - starttls: true
        - send: "EHLO bench.test"
        - expect: "^250 "
        - send: "QUIT"
      tls_config:
        ca_file: $ca
        server_name: 127.0.0.1
EOF
    in_l bash -c "ulimit -n \$(ulimit -Hn); exec $BIN serve --listen 127.0.0.1:9925 --ca-file $ca --concurrency 2000 --per-target 2000 --timeout 5" >/dev/null 2>"$dir/serve.err" &
    local serve_pid=$!
    PIDS+=($serve_pid)
    in_l bash -c "ulimit -n \$(ulimit -Hn); exec /usr/bin/prometheus-blackbox-exporter --config.file=$dir/blackbox.yml --web.listen-address=127.0.0.1:9115" >/dev/null 2>"$dir/blackbox.err" &
    local bb_pid=$!
    PIDS+=($bb_pid)
    local i
    for i in $(seq 100); do
        in_l curl -fsS -o /dev/null http://127.0.0.1:9925/-/healthy 2>/dev/null &&
            in_l curl -fsS -o /dev/null http://127.0.0.1:9115/-/healthy 2>/dev/null && break
        sleep 0.1
    done
    # The processes inside `ip netns exec bash -c exec`: their own pids.
    serve_pid=$(pgrep -n -f "serve --listen 127.0.0.1:9925" || echo "$serve_pid")
    bb_pid=$(pgrep -n -f "blackbox-exporter --config.file=$dir" || echo "$bb_pid")
    local sd_url="http://127.0.0.1:9925/probe?target=127.0.0.1:2525"
    local bb_url="http://127.0.0.1:9115/probe?target=127.0.0.1:2525&module=smtp_starttls"
    in_l curl -fsS "$sd_url" >"$dir/sd-healthy.txt" 2>&1
    in_l curl -fsS "$bb_url" >"$dir/bb-healthy.txt" 2>&1
    in_l curl -fsS "http://127.0.0.1:9925/probe?target=127.0.0.1:2999" >"$dir/sd-dropped.txt" 2>&1
    in_l curl -fsS "http://127.0.0.1:9115/probe?target=127.0.0.1:2999&module=smtp_starttls" >"$dir/bb-dropped.txt" 2>&1
    local n=2000 c=32
    quick && n=500
    local -A rps p50 p99 failed cpu rss
    local name url pid s e stats
    for name in smtp-doctor blackbox; do
        if [ "$name" = smtp-doctor ]; then url=$sd_url pid=$serve_pid; else url=$bb_url pid=$bb_pid; fi
        in_l ab -q -n 100 -c 8 "$url" >/dev/null 2>&1   # warm-up
        s=$(cpu_of "$pid")
        in_l ab -q -n "$n" -c "$c" "$url" >"$dir/ab-$name.txt" 2>&1
        e=$(cpu_of "$pid")
        stats=$(ab_stats "$dir/ab-$name.txt")
        read -r rps[$name] p50[$name] p99[$name] failed[$name] <<<"$stats"
        cpu[$name]=$(awk -v s="$s" -v e="$e" -v n="$n" 'BEGIN { printf "%.2f\n", (e - s) / n * 1000 }')
    done
    # serve against check --targets on the same listener, side by side: the same probe (STARTTLS,
    # certificate verified), the same concurrency, alternating runs so both see the same load.
    local reps=3 k t0 t1 tfile=$dir/targets-587
    quick && reps=1
    for ((k = 0; k < n; k++)); do echo 127.0.0.1:2525; done >"$tfile"
    local -a side_sd=() side_ct=() cpu_sd=() cpu_ct=()
    for ((k = 0; k < reps; k++)); do
        s=$(cpu_of "$serve_pid")
        in_l ab -q -n "$n" -c "$c" "$sd_url" >"$dir/ab-side-$k.txt" 2>&1
        e=$(cpu_of "$serve_pid")
        read -r stats _ <<<"$(ab_stats "$dir/ab-side-$k.txt")"
        side_sd+=("$stats")
        cpu_sd+=("$(awk -v s="$s" -v e="$e" -v n="$n" 'BEGIN { printf "%.0f\n", (e - s) / n * 1e6 }')")
        t0=$EPOCHREALTIME
        in_l /usr/bin/time -f '%U %S' -o "$dir/targets-$k.time" "$BIN" check --targets "$tfile" --json --concurrency "$c" --ca-file "$ca" >"$dir/targets-$k.jsonl" 2>/dev/null
        t1=$EPOCHREALTIME
        side_ct+=("$(awk -v a="$t0" -v b="$t1" -v n="$n" 'BEGIN { printf "%.1f\n", n / (b - a) }')")
        cpu_ct+=("$(awk -v n="$n" '{ printf "%.0f\n", ($1 + $2) / n * 1e6 }' "$dir/targets-$k.time")")
    done
    note "serve probes/s: ${side_sd[*]}; check --targets probes/s: ${side_ct[*]}"
    local m_sd m_ct ok_ct
    m_sd=$(median "${side_sd[@]}")
    m_ct=$(median "${side_ct[@]}")
    ok_ct=$(jq -r 'select(.verdict == "ok") | 1' "$dir/targets-0.jsonl" 2>/dev/null | wc -l)
    # 1,000 probes in flight at once, each waiting on the dropped port.
    local slow
    for name in smtp-doctor blackbox; do
        if [ "$name" = smtp-doctor ]; then
            slow="http://127.0.0.1:9925/probe?target=127.0.0.1:2999"
            pid=$serve_pid
        else
            slow="http://127.0.0.1:9115/probe?target=127.0.0.1:2999&module=smtp_starttls"
            pid=$bb_pid
        fi
        in_l bash -c "ulimit -n \$(ulimit -Hn); ab -q -s 30 -n 1000 -c 1000 '$slow'" >"$dir/ab-slow-$name.txt" 2>&1
        rss[$name]=$(peak_rss_mb "$pid")
    done
    series() { grep -vc '^#' "$1" 2>/dev/null || echo 0; }
    names_failure() { grep -q 'smtp_doctor_failure_info{code="tcp.filtered"' "$1" && echo "tcp.filtered, step connect" || { grep -q '^probe_success 0' "$1" && echo "probe_success 0 only"; } || echo "—"; }
    echo
    echo "Goal 4 — serve vs prometheus-blackbox-exporter $(dpkg-query -W -f '${Version}' prometheus-blackbox-exporter 2>/dev/null), same STARTTLS check (certificate verified), $n probes at concurrency $c; targets ≥ blackbox's probes/s, < 50 MB at 1,000 in flight"
    printf '%-34s %10s %9s %9s %7s %14s %16s %8s  %s\n' exporter probes/s p50 p99 "not 200" "CPU ms/probe" "RSS 1,000 in flight" series "a dropped port says"
    for name in smtp-doctor blackbox; do
        local healthy=$dir/sd-healthy.txt dropped=$dir/sd-dropped.txt label="smtp-doctor serve"
        [ "$name" = blackbox ] && healthy=$dir/bb-healthy.txt dropped=$dir/bb-dropped.txt label="blackbox_exporter (tcp prober)"
        printf '%-34s %10s %7s ms %6s ms %7s %14s %13s MB %8s  %s\n' "$label" "${rps[$name]}" "${p50[$name]}" "${p99[$name]}" "${failed[$name]}" "${cpu[$name]}" "${rss[$name]}" "$(series "$healthy")" "$(names_failure "$dropped")"
    done
    echo
    echo "Goal 4b — serve against check --targets, same lab listener 127.0.0.1:2525, same STARTTLS check (verified), $n probes at concurrency $c, $reps alternating runs each (median); target: serve ≥ 0.8× check --targets"
    printf '%-44s %10s %6s %14s %8s  %s\n' "client" "probes/s" "runs" "CPU µs/probe" "ratio" "runs (probes/s)"
    printf '%-44s %10.0f %6s %14s %8s  %s\n' "smtp-doctor check --targets (one process)" "$m_ct" "$reps" "$(median "${cpu_ct[@]}" | awk '{ printf "%.0f", $1 }')" "1.00×" "${side_ct[*]} (verdict ok: $ok_ct/$n in run 1)"
    printf '%-44s %10.0f %6s %14s %8s  %s\n' "smtp-doctor serve (HTTP, ab -c $c)" "$m_sd" "$reps" "$(median "${cpu_sd[@]}" | awk '{ printf "%.0f", $1 }')" "$(awk -v a="$m_sd" -v b="$m_ct" 'BEGIN { printf "%.2f×", a / b }')" "${side_sd[*]}"
    echo "(serve's CPU is the server process only; ab's own CPU is not counted, check --targets' includes writing its JSON lines)"
    in_l nft delete table inet sdb_serve 2>/dev/null
}

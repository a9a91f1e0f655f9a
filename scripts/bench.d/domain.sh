# scripts/bench.d/domain.sh — goal 5: what `--from` (the sender's domain: SPF, DKIM, DMARC)
# adds to the time to verdict. Sourced by scripts/bench; uses its helpers (in_l, PIDS,
# wait_ready, hyperfine, row, print_table).
#
# In namespace $NS_L (its own loopback): the lab's STARTTLS and implicit-TLS listeners on
# 127.0.0.1:3587 and :3465, and dnsmasq on 127.0.0.1:5354 serving shop.bench.test: an SPF
# record with an include chain of three, a DKIM key at selector s1, DMARC p=reject, MX and an
# address. The same check is timed with and without `--from app@shop.bench.test
# --dkim-selector s1`; both take the same --dns-server (the host itself comes from --resolve).
# The domain lookups run beside the probes, so the difference is what they add, if anything,
# beyond the slower of the two.

goal_domain() {
    note "goal 5: the sender's domain (--from) on a local resolver, namespace $NS_L (hyperfine)"
    command -v dnsmasq >/dev/null || apt-get install -y -qq dnsmasq-base >/dev/null 2>&1
    in_l "$LAB" --ca-out "$WORK/ca-domain.pem" --name "$HOST" \
        --listen starttls=127.0.0.1:3587 --listen implicit=127.0.0.1:3465 >"$WORK/srv-domain.txt" 2>&1 &
    PIDS+=($!)
    wait_ready "$WORK/srv-domain.txt"
    local key
    key=$(openssl genrsa 2048 2>/dev/null | openssl rsa -pubout -outform DER 2>/dev/null | base64 -w0)
    cat >"$WORK/domain-dns.conf" <<EOF
host-record=shop.bench.test,127.0.0.80
mx-host=shop.bench.test,mx.shop.bench.test,10
txt-record=shop.bench.test,"v=spf1 ip4:127.0.0.1 include:a.spf.bench.test mx ~all"
txt-record=a.spf.bench.test,"v=spf1 include:b.spf.bench.test -all"
txt-record=b.spf.bench.test,"v=spf1 include:c.spf.bench.test -all"
txt-record=c.spf.bench.test,"v=spf1 ip4:192.0.2.0/24 -all"
txt-record=s1._domainkey.shop.bench.test,"v=DKIM1; k=rsa; p=${key:0:200}","${key:200}"
txt-record=_dmarc.shop.bench.test,"v=DMARC1; p=reject"
EOF
    in_l dnsmasq --conf-file="$WORK/domain-dns.conf" --no-resolv --no-hosts --no-poll \
        --bind-interfaces --listen-address=127.0.0.1 --port=5354 --local=/test/ \
        --pid-file="$WORK/domain-dnsmasq.pid" --user=root --group=root ||
        { note "dnsmasq failed to start: goal 5 skipped"; return; }
    local ca=$WORK/ca-domain.pem runs=40 warm=5
    quick && runs=10 warm=2
    local base="$BIN check $HOST --resolve $HOST=127.0.0.1 -p 3587 -p 3465 --ca-file $ca --dns-server 127.0.0.1:5354 --json"
    in_l hyperfine -N -i --style none --warmup "$warm" --runs "$runs" \
        --export-json "$WORK/hyperfine-domain.json" \
        -n "check (no --from)" "$base" \
        -n "check --from (SPF, DKIM s1, DMARC)" "$base --from app@shop.bench.test --dkim-selector s1" \
        >"$WORK/out/hyperfine-domain.txt" 2>&1 ||
        note "hyperfine failed: $(tail -3 "$WORK/out/hyperfine-domain.txt")"
    in_l $base --from app@shop.bench.test --dkim-selector s1 >"$WORK/out/domain-smtp-doctor.txt" 2>&1
    local ref m
    ref=$(jq -r '.results[0].median' "$WORK/hyperfine-domain.json" 2>/dev/null || echo nan)
    m=$(jq -r '.results[1].median' "$WORK/hyperfine-domain.json" 2>/dev/null || echo nan)
    row "smtp-doctor check (587 + 465), no --from" "$ref" "$runs" "TCP, greeting, EHLO, TLS, cert" "$(says_doctor "$WORK/out/domain-smtp-doctor.txt" | sed 's/;.*//')"
    row "smtp-doctor check --from --dkim-selector s1" "$m" "$runs" "the same + SPF (4 lookups), DKIM, DMARC" "$(jq -r '"domain ms \(.domain.ms | floor), SPF lookups \(.domain.spf.lookups), findings \([.findings[].code] | join(",") | if . == "" then "none" else . end)"' "$WORK/out/domain-smtp-doctor.txt" 2>/dev/null)"
    print_table "Goal 5 — time to verdict with and without --from, local resolver (hyperfine, warmup $warm); target: --from adds < 100 ms" "$ref"
}

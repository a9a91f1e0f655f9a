# scripts/e2e.d/in_the_way.sh — who is in the way, against real peers. Sourced by
# scripts/e2e after its constants; uses its helpers (fw_*, doctor, expect*, swaks_*, maillog_*).
#
#   net_smtp_blocked_443_refused       587 and 465 dropped on the mailhost, nothing on 443 (RST):
#                                      the control connection answers, so net.smtp_blocked
#   net_smtp_blocked_443_open          the same with a real listener on 443 of the mailhost
#   net_smtp_blocked_host_unreachable  587, 465 and 443 all dropped: tcp.filtered, not blocked
#   net_smtp_redirected_hosting_proxy  the client's nftables DNATs "smtp.gmail.com":587 to a
#                                      Postfix dressed as a HostGator/cPanel Exim server (banner,
#                                      EHLO name, certificate for *.hostgator.com from the lab CA),
#                                      the way a shared host's transparent proxy intercepts SMTP
#   send_relay_denied_postfix          Postfix's own "554 5.7.1 …: Relay access denied" at RCPT
#                                      for an unauthenticated client on port 25
#   in_the_way_client_nft_rule_named   the client's own nftables rule drops 587: the report names
#                                      it (table, chain, handle, comment) and prints the command
#                                      that removes it; run as printed, 587 works again
#   in_the_way_rules_unread_without_root  the same rule, smtp-doctor run as nobody: it cannot
#                                      read the ruleset and says so ("cannot tell"), never "none"

IN_THE_WAY_SCENARIOS=(
    net_smtp_blocked_443_refused
    net_smtp_blocked_443_open
    net_smtp_blocked_host_unreachable
    net_smtp_redirected_hosting_proxy
    send_relay_denied_postfix
    in_the_way_client_nft_rule_named
    in_the_way_rules_unread_without_root
)
SCENARIOS+=("${IN_THE_WAY_SCENARIOS[@]}")

PORT_HOSTGATOR=2588                      # Postfix dressed as a HostGator shared server
HOSTGATOR_NAME=gator4321.hostgator.com
HOSTGATOR_BANNER_TAIL='ESMTP Exim 4.96.2 #2 We do not authorize the use of this system to transport unsolicited, and/or bulk e-mail.'
FAKE_GMAIL=10.213.0.99                   # "smtp.gmail.com" in the client namespace (no host has it)
RELAY_RCPT=someone@not-a-lab-domain.test # a domain the lab's Postfix neither takes nor relays

# in_the_way_certs: the hosting server's certificate (gator4321.hostgator.com and
# *.hostgator.com), issued by the lab CA so that only its name is wrong. Called by make_certs.
in_the_way_certs() {
    local d="$WORK/pki"
    (
        cd "$d" || exit 1
        set -e
        cat >hostgator.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:$HOSTGATOR_NAME,DNS:*.hostgator.com
EOF
        openssl req -newkey rsa:2048 -nodes -keyout hostgator.key -out hostgator.csr -subj "/CN=$HOSTGATOR_NAME"
        openssl x509 -req -in hostgator.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
            -extfile hostgator.ext -out hostgator.crt
        cat hostgator.key hostgator.crt >hostgator-chain.pem
    ) >>"$WORK/pki.log" 2>&1 || { cat "$WORK/pki.log" >&2; die "hosting certificate generation failed"; }
}

# in_the_way_master_cf: the extra smtpd service, printed for write_master_cf. Postfix prefixes
# "220 " to smtpd_banner; myhostname makes the EHLO reply name the same host. STARTTLS and
# AUTH are offered as on 587, so that a client which sent credentials would be logged (auth=).
in_the_way_master_cf() {
    cat <<EOF
$PORT_HOSTGATOR       inet  n       -       n       -       -       smtpd
  -o syslog_name=postfix/hostgator
  -o myhostname=$HOSTGATOR_NAME
  -o { smtpd_banner = \$myhostname $HOSTGATOR_BANNER_TAIL }
  -o smtpd_tls_chain_files=$WORK/pki/hostgator-chain.pem
  -o smtpd_tls_security_level=may
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
EOF
}

# ---- net.smtp_blocked -------------------------------------------------------
# Rule (sdm input): tcp dport { 587, 465 } drop
# Observed: connect() to 587 and 465 times out (v4 and v6); to 443, where nothing listens,
# ECONNREFUSED at once (the kernel's RST).
expect_smtp_blocked() {
    expect_shape
    expect .verdict failed
    expect .cause net.smtp_blocked
    expect_true 'any(.findings[]; .code == "net.smtp_blocked" and .port == null)' \
        "no net.smtp_blocked finding with port null (codes: $(jqv '[.findings[] | [.code, .port]]'))"
    expect '.findings[0].code' net.smtp_blocked
    expect_true '.findings[] | select(.code == "net.smtp_blocked") | .message | contains("blocks outbound SMTP")' \
        "the net.smtp_blocked message does not say \"blocks outbound SMTP\": $(jqv '[.findings[] | select(.code == "net.smtp_blocked") | .message]')"
    expect_true 'any(.findings[]; .code == "tcp.filtered" and .port == 587)' "no tcp.filtered finding with port 587"
    expect_true 'any(.findings[]; .code == "tcp.filtered" and .port == 465)' "no tcp.filtered finding with port 465"
    expect_endpoint 587 ipv4 filtered; expect_endpoint 587 ipv6 filtered
    expect_endpoint 465 ipv4 filtered; expect_endpoint 465 ipv6 filtered
    expect .control.port 443
    expect_true '.control.address | IN("'"$M4"'", "'"$M6"'")' \
        "the control connection went to $(jqv .control.address), not to the mail host"
}

scenario_net_smtp_blocked_443_refused() {
    fw_mailhost 'tcp dport { 587, 465 } drop'
    expect_probe "$M4" 587 timeout; expect_probe "$M6" 465 timeout
    expect_probe "$M4" 443 ECONNREFUSED; expect_probe "$M6" 443 ECONNREFUSED
    check_mailhost --port 587 --port 465
    expect_smtp_blocked
    expect .control.tcp.state refused
    swaks_agrees "$M4" 587 starttls ipv4
    swaks_agrees "$M4" 465 implicit ipv4
}

# The same, and a real HTTP server on 443 of the mailhost (both families; stopped after).
scenario_net_smtp_blocked_443_open() {
    local web
    # a simple command in the background: $! is python itself (ip netns exec execs it)
    ip netns exec "$NS_M" python3 -m http.server 443 --bind :: --directory "$WORK/pki" >/dev/null 2>&1 &
    web=$!
    local i
    for i in $(seq 1 50); do
        [ "$(probe "$M4" 443)" = open ] && break
        sleep 0.1
    done
    fw_mailhost 'tcp dport { 587, 465 } drop'
    expect_probe "$M4" 587 timeout; expect_probe "$M6" 465 timeout
    expect_probe "$M4" 443 open; expect_probe "$M6" 443 open
    check_mailhost --port 587 --port 465
    kill "$web" 2>/dev/null; wait "$web" 2>/dev/null
    expect_smtp_blocked
    expect .control.tcp.state open
    swaks_agrees "$M4" 587 starttls ipv4
    swaks_agrees "$M4" 465 implicit ipv4
}

# Rule (sdm input): tcp dport { 587, 465, 443 } drop
# Observed: connect() to all three times out (v4 and v6): nothing tells a blocking network
# from a host that is down, so the cause stays tcp.filtered.
scenario_net_smtp_blocked_host_unreachable() {
    fw_mailhost 'tcp dport { 587, 465, 443 } drop'
    expect_probe "$M4" 587 timeout; expect_probe "$M4" 465 timeout
    expect_probe "$M4" 443 timeout; expect_probe "$M6" 443 timeout
    check_mailhost --port 587 --port 465
    expect_shape
    expect .verdict failed
    expect .cause tcp.filtered
    expect_true 'all(.findings[]; .code != "net.smtp_blocked")' \
        "a net.smtp_blocked finding although 443 is dropped too (codes: $(jqv '[.findings[].code]'))"
    expect_endpoint 587 ipv4 filtered; expect_endpoint 465 ipv4 filtered
    expect_true '.control == null or .control.tcp.state == "filtered"' \
        "the control connection is $(jqv .control.tcp.state), expected filtered (443 is dropped)"
    swaks_agrees "$M4" 587 starttls ipv4
}

# ---- net.smtp_redirected ----------------------------------------------------
# Rules (sdc): nat output: ip daddr 10.213.0.99 tcp dport 587 dnat to 10.213.0.2:2588
# Observed: connect() to 10.213.0.99:587 is open and greets as gator4321.hostgator.com; the
# address itself has no host (443 there: EHOSTUNREACH, no ARP answer).
fw_hosting_proxy() {
    if ! in_c nft add chain inet sd_e2e nat_out '{ type nat hook output priority -100; policy accept; }' ||
        ! in_c nft add rule inet sd_e2e nat_out ip daddr "$FAKE_GMAIL" tcp dport 587 dnat ip to "$M4:$PORT_HOSTGATOR"; then
        fail "lab: the DNAT rule could not be added in $NS_C"
        return 1
    fi
}

scenario_net_smtp_redirected_hosting_proxy() {
    local pw='Gmail-app-pw-4417' line
    fw_hosting_proxy || return
    expect_probe "$FAKE_GMAIL" 587 open
    # the reference client, in the same namespace, meets the hosting server (agreement)
    swaks_expect "$FAKE_GMAIL" 587 plain ok
    grep -q "<- *220 $HOSTGATOR_NAME ESMTP Exim" "$WORK/swaks.log" ||
        fail "lab: swaks to $FAKE_GMAIL:587 was not greeted by $HOSTGATOR_NAME: $(grep -m1 '<-' "$WORK/swaks.log")"
    grep -q "<- *250-$HOSTGATOR_NAME" "$WORK/swaks.log" ||
        fail "lab: the EHLO reply does not name $HOSTGATOR_NAME: $(grep -m2 '<-' "$WORK/swaks.log" | tail -n 1)"
    DOCTOR_ENV=(SMTP_DOCTOR_PASSWORD="$pw")
    SECRET_EXTRA=$pw
    maillog_mark
    doctor check smtp.gmail.com --resolve "smtp.gmail.com=$FAKE_GMAIL" --port 587 --ca-file "$CA" \
        --timeout "$TIMEOUT" --user x@gmail.com
    expect_shape
    expect .verdict failed
    expect .cause net.smtp_redirected
    expect_true 'any(.findings[]; .code == "net.smtp_redirected" and .port == 587)' \
        "no net.smtp_redirected finding with port 587 (codes: $(jqv '[.findings[] | [.code, .port]]'))"
    expect_true '.findings[] | select(.code == "net.smtp_redirected") | .message | contains("HostGator") and contains("'"$HOSTGATOR_NAME"'")' \
        "the net.smtp_redirected message does not name HostGator and $HOSTGATOR_NAME: $(jqv '[.findings[] | select(.code == "net.smtp_redirected") | .message]')"
    expect_true '.findings[] | select(.code == "net.smtp_redirected") | .evidence | contains("We do not authorize the use of this system")' \
        "the net.smtp_redirected evidence is not the greeting: $(jqv '[.findings[] | select(.code == "net.smtp_redirected") | .evidence]')"
    expect_finding tls.cert_name_mismatch
    expect_endpoint 587 ipv4 open
    # Postfix saw the connection, and no AUTH command on it
    maillog_wait 'postfix/hostgator/smtpd.*disconnect' || fail "Postfix logged no connection on $PORT_HOSTGATOR"
    sleep 0.3   # the last connection's disconnect line too
    line=$(maillog_since | grep 'postfix/hostgator/smtpd.*disconnect.*auth=' | tail -n 1)
    [ -z "$line" ] || fail "smtp-doctor sent AUTH to the hosting server: $line"
    if maillog_since | grep -q 'postfix/hostgator/smtpd.*SASL'; then
        fail "Postfix logged a SASL exchange on $PORT_HOSTGATOR: $(maillog_since | grep 'SASL' | tail -n 1)"
    fi
}

# ---- send.relay_denied ------------------------------------------------------
# Port 25 of the lab's Postfix: STARTTLS may, no login; smtpd_relay_restrictions ends in
# reject_unauth_destination, so RCPT to a domain it does not take gets Postfix's own
# "554 5.7.1 <…>: Relay access denied".
scenario_send_relay_denied_postfix() {
    local dir
    dir=$(write_env relaydenied "EMAIL_HOST=$MAILHOST" "EMAIL_PORT=25" "EMAIL_USE_TLS=True" \
        "DEFAULT_FROM_EMAIL=app@$DOMAIN")
    preflight --env-file "$dir/.env" --send-to "$RELAY_RCPT"
    expect_shape
    expect_true '.verdict != "ok"' "verdict ok although RCPT TO was refused"
    expect .cause send.relay_denied
    expect_true 'any(.findings[]; .code == "send.relay_denied" and (.evidence // "" | contains("Relay access denied")))' \
        "no send.relay_denied finding whose evidence has Postfix's \"Relay access denied\": $(jqv '[.findings[] | select(.code == "send.relay_denied") | .evidence]')"
    # the fix is the login, not another port (465 and 587 complete their handshake, and
    # refuse to relay without a login just the same)
    expect_true 'all(.recommendations[]; .port == null)' \
        "another port recommended for a relay refusal: $(jqv '[.recommendations[] | [.port, .message]]')"
    expect_true '.recommendations[0].message | contains("EMAIL_HOST_USER") and contains("EMAIL_HOST_PASSWORD")' \
        "the first recommendation is not the login settings: $(jqv '.recommendations[0].message')"
    # the reference client gets the same refusal
    if in_c timeout 30 swaks --server "$M4" --port 25 --timeout "$TIMEOUT" --helo client.e2e.test \
            --tls --tls-verify --tls-ca-path "$CA" --from "app@$DOMAIN" --to "$RELAY_RCPT" \
            --quit-after RCPT >"$WORK/swaks.log" 2>&1 </dev/null; then
        fail "swaks: RCPT TO $RELAY_RCPT was accepted"
    fi
    grep -qE "554 5\.7\.1 <$RELAY_RCPT>: Relay access denied" "$WORK/swaks.log" ||
        fail "swaks did not get 554 5.7.1 Relay access denied: $(grep -E '^ *<' "$WORK/swaks.log" | tail -n 2 | tr '\n' ' ')"
}

# ---- who is in the way, by name ---------------------------------------------
# Rule (sdc output): tcp dport 587 drop comment "sd_e2e_mail_block"
# Observed: connect() to 587 times out (the kernel retransmits the dropped SYN), 465 opens.
# smtp-doctor runs as root in sdc, so it reads sdc's ruleset (nft -j list ruleset).
scenario_in_the_way_client_nft_rule_named() {
    local cmd
    fw_client 'tcp dport 587 drop comment "sd_e2e_mail_block"' || return
    expect_probe "$M4" 587 timeout
    check_mailhost
    expect_shape
    expect .cause tcp.filtered
    expect_true '.security.read | index("nftables")' \
        "the nftables ruleset was not read: $(jqv .security)"
    expect_true 'any(.security.rules[]; .table == "inet sd_e2e" and .chain == "output"
            and (.handle | type) == "number" and .comment == "sd_e2e_mail_block"
            and .ports == [587] and .action == "drop")' \
        "the rule is not named by table, chain, handle and comment: $(jqv .security.rules)"
    expect_true '.recommendations[1].message | contains("table inet sd_e2e, chain output") and contains("sd_e2e_mail_block") and contains("587")' \
        "Fix B does not name the rule: $(jqv '[.recommendations[].message]')"
    cmd=$(printf '%s' "$OUT" | jq -r '.recommendations[1].commands[0] // ""' 2>/dev/null)
    case "$cmd" in
        "nft delete rule inet sd_e2e output handle "[0-9]*) ;;
        *) fail "Fix B's command is '$cmd', expected nft delete rule inet sd_e2e output handle N"; return ;;
    esac
    # The command, run as printed, removes the rule: 587 connects again.
    # shellcheck disable=SC2086 # the printed command is split as a shell would
    in_c $cmd || fail "the printed command failed: $cmd"
    expect_probe "$M4" 587 open
    DOCTOR_TEXT=1 check_mailhost
    DOCTOR_TEXT=0
    grep -q "who is in the way" <<<"$OUT" && fail "a healthy run read the machine's rules: $OUT"
}

# The same rule; smtp-doctor as nobody cannot read the ruleset (nft needs CAP_NET_ADMIN).
scenario_in_the_way_rules_unread_without_root() {
    fw_client 'tcp dport 587 drop comment "sd_e2e_mail_block"' || return
    DOCTOR_WRAP=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    check_mailhost
    expect_shape
    expect .cause tcp.filtered
    expect_true 'any(.security.unread[]; .reason == "needs_administrator")' \
        "the unread ruleset is not said to need root: $(jqv .security)"
    expect_true '(.security.rules | length) == 0' "rules named without reading them: $(jqv .security.rules)"
    expect_true 'any(.recommendations[]; .message | contains("cannot tell") and contains("root"))' \
        "Fix B does not say it cannot tell, and why: $(jqv '[.recommendations[].message]')"
}

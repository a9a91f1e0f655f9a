# scripts/e2e.d/domain.sh — the sender's domain (SPF, DKIM, DMARC, PTR), against a real DNS
# server. Sourced by scripts/e2e after its constants; uses its helpers (doctor, expect*, in_m).
#
# A second dnsmasq in the mailhost namespace (10.213.0.2, port 5353) serves one sender domain
# per situation under .test (each its own organisational domain), the providers' SPF includes, reverse names of the mailhost's two
# addresses, and DKIM keys made here with openssl (2048 and 512 bits). CNAMEs are served as raw
# records (--dns-rr type 5) so that one may lead nowhere, as a misspelt selector does.
# Provider scenarios reach the lab's Postfix on port 2589 under the provider's SMTP name
# (--resolve), which presents a lab-CA certificate for those names, so the path works and
# the domain decides the verdict. Your-own-server scenarios reach mail.e2e.test on 587, once at
# each address: 10.213.0.2 (its PTR names a host that resolves elsewhere) and fd00:213::2 (its
# PTR resolves back).
#
#   domain_healthy_google            no domain finding, verdict ok (SPF include, 2048-bit key, p=reject)
#   domain_healthy_m365              selector1/selector2 CNAMEs to keys, include:spf.protection.outlook.com
#   domain_healthy_sendgrid          s1/s2 CNAMEs to keys, include:sendgrid.net
#   domain_own_server_healthy        ip6: in SPF, PTR forward-confirmed
#   domain_spf_two_records           domain.spf_multiple (cause; verdict degraded)
#   domain_spf_eleven_includes       domain.spf_too_many_lookups, 11 lookups counted
#   domain_spf_three_void_a          domain.spf_void_lookups, 3 void
#   domain_dkim_missing_p_reject     Brevo without its CNAMEs, p=reject: dkim_missing, dmarc_will_fail
#   domain_m365_selector_dangling    domain.dkim_dangling
#   domain_dkim_revoked              domain.dkim_revoked (p= empty)
#   domain_dkim_testing              domain.dkim_testing (a warning: verdict ok)
#   domain_dkim_512_bits             domain.dkim_key_too_short
#   domain_subdomain_sp_reject       a subdomain From under sp=reject: dmarc_will_fail
#   domain_dmarc_misspelt            domain.dmarc_invalid (p=rejected)
#   domain_strict_parent_signature   adkim=s with the key at the parent domain: dmarc_will_fail
#   domain_ptr_elsewhere             domain.ptr_mismatch
#   domain_freemail_sendgrid         domain.freemail_from
#   domain_not_found                 domain.not_found
#   domain_path_broken_first         587 refused: the path's cause stays, the domain finding is there
#
# The SPF verdicts of the two-records, eleven-includes, three-void and own-server situations are
# cross-checked with a maintained implementation on the same records (pyspf, Debian's
# python3-spf: permerror, permerror, permerror, pass), and the DMARC policy discovery of the
# healthy Google, subdomain-under-sp=reject and misspelt-policy situations with another
# (Mail::DMARC, Debian's libmail-dmarc-perl: reject, reject, invalid). The mail-auth crate was measured for
# this and left out: 34 more crates and about 4 minutes more of a clean build, where pyspf is a
# Debian package; on a one-off run it agreed on 12 of 15 record sets and differed on three where
# it departs from RFC 7208 (two records, an unknown mechanism, the void limit).

DOMAIN_SCENARIOS=(
    domain_healthy_google
    domain_healthy_m365
    domain_healthy_sendgrid
    domain_own_server_healthy
    domain_spf_two_records
    domain_spf_eleven_includes
    domain_spf_three_void_a
    domain_dkim_missing_p_reject
    domain_m365_selector_dangling
    domain_dkim_revoked
    domain_dkim_testing
    domain_dkim_512_bits
    domain_subdomain_sp_reject
    domain_dmarc_misspelt
    domain_strict_parent_signature
    domain_ptr_elsewhere
    domain_freemail_sendgrid
    domain_not_found
    domain_path_broken_first
)
SCENARIOS+=("${DOMAIN_SCENARIOS[@]}")

DOMAIN_DNS_PORT=5353
PORT_PROVIDER=2589           # Postfix with a lab-CA certificate for the providers' SMTP names
DOMAIN_PROVIDER_NAMES=(smtp.gmail.com smtp.office365.com smtp.sendgrid.net smtp-relay.brevo.com smtp.mandrillapp.com)
DOMAIN_DNS_STARTED=0

# domain_certs: the providers' names on one certificate from the lab CA. Called by make_certs.
domain_certs() {
    local d="$WORK/pki" san="" n
    for n in "${DOMAIN_PROVIDER_NAMES[@]}"; do san+="${san:+,}DNS:$n"; done
    (
        cd "$d" || exit 1
        set -e
        cat >providers.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
EOF
        openssl req -newkey rsa:2048 -nodes -keyout providers.key -out providers.csr -subj "/CN=smtp.gmail.com"
        openssl x509 -req -in providers.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
            -extfile providers.ext -out providers.crt
        cat providers.key providers.crt >providers-chain.pem
        # DKIM keys, as a provider's console makes them.
        openssl genrsa -out dkim2048.key 2048
        openssl rsa -in dkim2048.key -pubout -outform DER -out dkim2048.der
        openssl genrsa -out dkim512.key 512
        openssl rsa -in dkim512.key -pubout -outform DER -out dkim512.der
    ) >>"$WORK/pki.log" 2>&1 || { cat "$WORK/pki.log" >&2; die "provider certificate generation failed"; }
}

# domain_master_cf: the provider-named smtpd, printed for write_master_cf (587's settings).
domain_master_cf() {
    cat <<EOF
$PORT_PROVIDER       inet  n       -       n       -       -       smtpd
  -o syslog_name=postfix/providers
  -o smtpd_tls_chain_files=$WORK/pki/providers-chain.pem
  -o smtpd_tls_security_level=may
EOF
}

# The DNS name NAME in wire format, as hex (for --dns-rr).
domain_wire_hex() {
    python3 -c 'import sys
out = b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[1].strip(".").split(".")) + b"\0"
print(out.hex())' "$1"
}

# A DKIM key record from a DER public key, in quoted strings of at most 200 characters.
domain_key_txt() {
    local b64 flags=${2:-} out="" i
    b64=$(base64 -w0 "$1")
    local text="v=DKIM1; ${flags}k=rsa; p=$b64"
    for ((i = 0; i < ${#text}; i += 200)); do out+="${out:+,}\"${text:i:200}\""; done
    printf '%s' "$out"
}

domain_dns_conf() {
    local k2048 k512 rev4 rev6
    k2048=$(domain_key_txt "$WORK/pki/dkim2048.der")
    k512=$(domain_key_txt "$WORK/pki/dkim512.der")
    rev4=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer)' "$M4")
    rev6=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]).reverse_pointer)' "$M6")
    cname() { printf 'dns-rr=%s,5,%s\n' "$1" "$(domain_wire_hex "$2")"; }
    exists() { printf 'host-record=%s,10.213.0.80\nmx-host=%s,mx.%s,10\n' "$1" "$1" "$1"; }
    cat <<EOF
# The providers' SPF includes (stand-ins: their real ranges do not matter here).
txt-record=_spf.google.com,"v=spf1 ip4:192.0.2.0/24 ~all"
txt-record=spf.protection.outlook.com,"v=spf1 ip4:192.0.2.0/24 -all"
txt-record=sendgrid.net,"v=spf1 ip4:192.0.2.0/24 ~all"
txt-record=spf.brevo.test,"v=spf1 ip4:192.0.2.0/24 ~all"
EOF
    # Healthy, one per provider.
    exists google-ok.test
    echo 'txt-record=google-ok.test,"v=spf1 include:_spf.google.com ~all"'
    echo "txt-record=google._domainkey.google-ok.test,$k2048"
    echo 'txt-record=_dmarc.google-ok.test,"v=DMARC1; p=reject; rua=mailto:d@google-ok.test"'
    exists m365-ok.test
    echo 'txt-record=m365-ok.test,"v=spf1 include:spf.protection.outlook.com -all"'
    cname selector1._domainkey.m365-ok.test selector1-m365-ok-test._domainkey.tenant.onmicrosoft.test
    cname selector2._domainkey.m365-ok.test selector2-m365-ok-test._domainkey.tenant.onmicrosoft.test
    echo "txt-record=selector1-m365-ok-test._domainkey.tenant.onmicrosoft.test,$k2048"
    echo "txt-record=selector2-m365-ok-test._domainkey.tenant.onmicrosoft.test,$k2048"
    echo 'txt-record=_dmarc.m365-ok.test,"v=DMARC1; p=quarantine"'
    exists sendgrid-ok.test
    echo 'txt-record=sendgrid-ok.test,"v=spf1 include:sendgrid.net ~all"'
    cname s1._domainkey.sendgrid-ok.test s1.domainkey.u1.wl1.sendgrid.test
    cname s2._domainkey.sendgrid-ok.test s2.domainkey.u1.wl1.sendgrid.test
    echo "txt-record=s1.domainkey.u1.wl1.sendgrid.test,$k2048"
    echo "txt-record=s2.domainkey.u1.wl1.sendgrid.test,$k2048"
    echo 'txt-record=_dmarc.sendgrid-ok.test,"v=DMARC1; p=quarantine"'
    # Your own server: SPF names the mailhost's addresses; PTRs of its two addresses.
    exists own.test
    echo "txt-record=own.test,\"v=spf1 ip4:$M4 ip6:$M6 -all\""
    echo 'txt-record=_dmarc.own.test,"v=DMARC1; p=none"'
    echo "ptr-record=$rev4,mail.elsewhere.test"
    echo "host-record=mail.elsewhere.test,10.213.0.77"
    echo "ptr-record=$rev6,mx.own.test"
    echo "host-record=mx.own.test,$M6"
    # SPF: two records.
    exists spf-two.test
    echo 'txt-record=spf-two.test,"v=spf1 include:_spf.google.com ~all"'
    echo 'txt-record=spf-two.test,"v=spf1 mx -all"'
    echo "txt-record=google._domainkey.spf-two.test,$k2048"
    # SPF: an include chain of 11.
    exists spf-chain.test
    echo 'txt-record=spf-chain.test,"v=spf1 include:_spf.google.com include:i1.spf-chain.test ~all"'
    local i
    for i in $(seq 1 9); do
        echo "txt-record=i$i.spf-chain.test,\"v=spf1 include:i$((i + 1)).spf-chain.test -all\""
    done
    echo 'txt-record=i10.spf-chain.test,"v=spf1 ip4:198.51.100.1 -all"'
    echo "txt-record=google._domainkey.spf-chain.test,$k2048"
    # SPF: three a: terms whose names do not exist.
    exists spf-void.test
    echo 'txt-record=spf-void.test,"v=spf1 a:old1.spf-void.test a:old2.spf-void.test a:old3.spf-void.test include:_spf.google.com ~all"'
    echo "txt-record=google._domainkey.spf-void.test,$k2048"
    # Brevo without its DKIM CNAMEs, p=reject.
    exists brevo-nodkim.test
    echo 'txt-record=brevo-nodkim.test,"v=spf1 include:spf.brevo.test ~all"'
    echo 'txt-record=_dmarc.brevo-nodkim.test,"v=DMARC1; p=reject"'
    # Microsoft 365 selectors pointing at a tenant that has no key.
    exists m365-dangling.test
    echo 'txt-record=m365-dangling.test,"v=spf1 include:spf.protection.outlook.com -all"'
    cname selector1._domainkey.m365-dangling.test selector1-m365-dangling-test._domainkey.typo.onmicrosoft.test
    cname selector2._domainkey.m365-dangling.test selector2-m365-dangling-test._domainkey.typo.onmicrosoft.test
    echo 'txt-record=_dmarc.m365-dangling.test,"v=DMARC1; p=none"'
    # Google: revoked, testing, 512 bits.
    exists dkim-revoked.test
    echo 'txt-record=dkim-revoked.test,"v=spf1 include:_spf.google.com ~all"'
    echo 'txt-record=google._domainkey.dkim-revoked.test,"v=DKIM1; k=rsa; p="'
    exists dkim-testing.test
    echo 'txt-record=dkim-testing.test,"v=spf1 include:_spf.google.com ~all"'
    echo "txt-record=google._domainkey.dkim-testing.test,$(domain_key_txt "$WORK/pki/dkim2048.der" 't=y; ')"
    echo 'txt-record=_dmarc.dkim-testing.test,"v=DMARC1; p=none"'
    exists dkim-short.test
    echo 'txt-record=dkim-short.test,"v=spf1 include:_spf.google.com ~all"'
    echo "txt-record=google._domainkey.dkim-short.test,$k512"
    # A subdomain From under the organisational domain's sp=reject (Mandrill: SPF unaligned).
    exists org-sp.test
    exists news.org-sp.test
    echo 'txt-record=_dmarc.org-sp.test,"v=DMARC1; p=none; sp=reject"'
    # A misspelt policy.
    exists dmarc-typo.test
    echo 'txt-record=dmarc-typo.test,"v=spf1 include:_spf.google.com ~all"'
    echo "txt-record=google._domainkey.dmarc-typo.test,$k2048"
    echo 'txt-record=_dmarc.dmarc-typo.test,"v=DMARC1; p=rejected"'
    # adkim=s, Mandrill's key at the parent domain only.
    exists strict.test
    exists news.strict.test
    cname mte1._domainkey.strict.test dkim1.mandrill.test
    echo "txt-record=dkim1.mandrill.test,$k2048"
    echo 'txt-record=_dmarc.news.strict.test,"v=DMARC1; p=reject; adkim=s"'
}

# The second dnsmasq, once per run (the suite's cleanup ends it with the namespace).
domain_dns_start() {
    [ "$DOMAIN_DNS_STARTED" = 1 ] && return 0
    domain_dns_conf >"$WORK/domain-dns.conf" || { fail "cannot write the domain zone"; return 1; }
    in_m dnsmasq \
        --conf-file="$WORK/domain-dns.conf" --no-resolv --no-hosts --no-poll \
        --bind-interfaces --listen-address="$M4" --listen-address="$M6" --port="$DOMAIN_DNS_PORT" \
        --user=root --group=root \
        --pid-file="$WORK/domain-dnsmasq.pid" \
        --log-queries --log-facility="$WORK/domain-dnsmasq.log" \
        --local=/test/ --local=/google.com/ --local=/outlook.com/ --local=/sendgrid.net/ \
        --local=/brevo.test/ --local=/in-addr.arpa/ --local=/ip6.arpa/ \
        || { fail "the domain dnsmasq failed to start"; return 1; }
    DOMAIN_DNS_STARTED=1
}

# domain_check HOST PORT FROM [ARGS...]: check HOST (the lab's Postfix) with FROM's domain.
domain_check() {
    local host=$1 port=$2 from=$3
    shift 3
    domain_dns_start || return
    local resolve=()
    case $host in "$MAILHOST") ;; *) resolve=(--resolve "$host=$M4") ;; esac
    doctor check "$host" --port "$port" ${resolve[@]+"${resolve[@]}"} \
        --dns-server "$M4:$DOMAIN_DNS_PORT" --ca-file "$CA" --timeout "$TIMEOUT" --from "$from" "$@"
}

provider_check() { domain_check "$1" "$PORT_PROVIDER" "$2"; }

# pyspf_says DOMAIN IP: the SPF result of a maintained implementation (Debian's python3-spf,
# the library behind postfix-policyd-spf-python, which applies RFC 7208's lookup and void
# limits) for a message from IP with a sender at DOMAIN, asking the domain tier's dnsmasq.
pyspf_says() {
    in_c /usr/bin/python3 - "$1" "$2" "$M4" "$DOMAIN_DNS_PORT" <<'PY'
import sys
import dns.resolver
import spf

domain, ip, server, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [server]
resolver.port = port
dns.resolver.default_resolver = resolver
result, _explanation = spf.check2(i=ip, s="app@" + domain, h="client.e2e.test")
print(result)
PY
}

# mail_dmarc_says DOMAIN: the policy a receiver applies to mail From DOMAIN, by a maintained
# implementation's discovery (Mail::DMARC, Debian's libmail-dmarc-perl: the record at the
# domain, else at its organisational domain, `sp` for a subdomain): reject, quarantine or none,
# "invalid" when a record is found but gives no valid policy, "absent" when none is found.
mail_dmarc_says() {
    # Mail::DMARC takes only names under a public suffix: its configuration here points to the
    # Public Suffix List with the lab's `test` added (as the psl crate has it).
    local ini=$WORK/mail-dmarc.ini
    if [ ! -f "$ini" ]; then
        local shipped
        shipped=$(perl -MFile::ShareDir=dist_file -e 'print dist_file("Mail-DMARC", "mail-dmarc.ini")')
        { cat /usr/share/publicsuffix/public_suffix_list.dat 2>/dev/null; echo test; } >"$WORK/psl-with-test.dat"
        sed "s|^public_suffix_list *=.*|public_suffix_list = $WORK/psl-with-test.dat|" "$shipped" >"$ini"
    fi
    in_c env MAIL_DMARC_CONFIG_FILE="$ini" perl - "$1" "$M4" "$DOMAIN_DNS_PORT" <<'PL'
use strict;
use warnings;
use Mail::DMARC::PurePerl;
use Net::DNS::Resolver;
my ($domain, $server, $port) = @ARGV;
my $resolver = Net::DNS::Resolver->new(nameservers => [$server], port => $port, dnsrch => 0,
    recurse => 1, tcp_timeout => 5, udp_timeout => 5);
my $dmarc = Mail::DMARC::PurePerl->new;
$dmarc->set_resolver($resolver);
$dmarc->header_from($domain);
my $policy = $dmarc->discover_policy;
if (!$policy) {
    my $why = join ' ', map { $_->{comment} // '' } @{ $dmarc->result->reason // [] };
    print(($why =~ /no policy/) ? "absent\n" : "invalid\n");
    exit 0;
}
my $at = $policy->domain // $domain;
my $effective = ($at ne $domain && defined $policy->sp) ? $policy->sp : $policy->p;
print "$effective\n";
PL
}

expect_mail_dmarc() {
    local got
    got=$(mail_dmarc_says "$1" 2>&1 | tail -n 1)
    [ "$got" = "$2" ] || fail "Mail::DMARC says $got for mail from $1, expected $2 (smtp-doctor's reading)"
}

# The reference implementation must give RESULT for DOMAIN and IP, as smtp-doctor did.
expect_pyspf() {
    local got
    got=$(pyspf_says "$1" "$2" 2>&1 | tail -n 1)
    [ "$got" = "$3" ] || fail "pyspf says $got for $1 from $2, expected $3 (smtp-doctor's reading)"
}

# The path works; the domain's finding CODE is the cause (verdict degraded, exit 1).
expect_domain_cause() {
    expect_shape
    expect .verdict degraded
    expect .cause "$1"
    expect_true "any(.findings[]; .code == \"$1\" and .port == null)" \
        "no $1 finding with port null (codes: $(jqv '[.findings[].code]'))"
    expect_true '[.endpoints[] | .tcp.state] | all(. == "open")' "the path does not work: $(jqv '[.endpoints[].tcp.state]')"
}

expect_no_domain_finding() {
    expect_shape
    expect .verdict ok
    expect_true '[.findings[] | select(.code | startswith("domain."))] | length == 0' \
        "domain findings: $(jqv '[.findings[] | select(.code | startswith("domain.")) | .code]')"
}

scenario_domain_healthy_google() {
    provider_check smtp.gmail.com app@google-ok.test
    expect_no_domain_finding
    expect .domain.provider google
    expect .domain.spf.lookups 1
    expect .domain.dmarc.effective_policy reject
    expect '.domain.dkim[0].bits' 2048
    expect_mail_dmarc google-ok.test reject
}

scenario_domain_healthy_m365() {
    provider_check smtp.office365.com app@m365-ok.test
    expect_no_domain_finding
    expect '[.domain.dkim[] | select(.cname != null)] | length' 2
}

scenario_domain_healthy_sendgrid() {
    provider_check smtp.sendgrid.net app@sendgrid-ok.test
    expect_no_domain_finding
    expect .domain.provider sendgrid
}

scenario_domain_own_server_healthy() {
    domain_check "$MAILHOST" 587 app@own.test --resolve "$MAILHOST=$M6"
    expect_no_domain_finding
    expect .domain.ptr.confirmed true
    expect .domain.spf.result pass
    expect_pyspf own.test "$M6" pass
}

scenario_domain_spf_two_records() {
    provider_check smtp.gmail.com app@spf-two.test
    expect_domain_cause domain.spf_multiple
    expect_pyspf spf-two.test "$M4" permerror
    expect_true 'any(.recommendations[]; .commands | index("spf-two.test. TXT \"v=spf1 include:_spf.google.com mx ~all\""))' \
        "no merged SPF record among the fixes: $(jqv '[.recommendations[].commands]')"
}

scenario_domain_spf_eleven_includes() {
    provider_check smtp.gmail.com app@spf-chain.test
    expect_domain_cause domain.spf_too_many_lookups
    expect .domain.spf.lookups 11
    expect_pyspf spf-chain.test "$M4" permerror
}

scenario_domain_spf_three_void_a() {
    provider_check smtp.gmail.com app@spf-void.test
    expect_domain_cause domain.spf_void_lookups
    expect .domain.spf.void_lookups 3
    expect_pyspf spf-void.test "$M4" permerror
}

scenario_domain_dkim_missing_p_reject() {
    provider_check smtp-relay.brevo.com app@brevo-nodkim.test
    expect_domain_cause domain.dkim_missing
    expect_finding domain.dmarc_will_fail
    expect_true 'any(.recommendations[]; .commands | index("brevo1._domainkey.brevo-nodkim.test. CNAME b1.brevo-nodkim-test.dkim.brevo.com."))' \
        "no Brevo DKIM CNAME among the fixes: $(jqv '[.recommendations[].commands]')"
}

scenario_domain_m365_selector_dangling() {
    provider_check smtp.office365.com app@m365-dangling.test
    expect_domain_cause domain.dkim_dangling
}

scenario_domain_dkim_revoked() {
    provider_check smtp.gmail.com app@dkim-revoked.test
    expect_domain_cause domain.dkim_revoked
}

scenario_domain_dkim_testing() {
    provider_check smtp.gmail.com app@dkim-testing.test
    expect_shape
    expect_finding domain.dkim_testing
    expect .verdict ok
}

scenario_domain_dkim_512_bits() {
    provider_check smtp.gmail.com app@dkim-short.test
    expect_domain_cause domain.dkim_key_too_short
    expect '.domain.dkim[0].bits' 512
}

scenario_domain_subdomain_sp_reject() {
    provider_check smtp.mandrillapp.com app@news.org-sp.test
    expect_shape
    expect_finding domain.dmarc_will_fail
    expect .domain.dmarc.found_at _dmarc.org-sp.test
    expect .domain.dmarc.effective_policy reject
    expect_mail_dmarc news.org-sp.test reject
}

scenario_domain_dmarc_misspelt() {
    provider_check smtp.gmail.com app@dmarc-typo.test
    expect_domain_cause domain.dmarc_invalid
    expect_mail_dmarc dmarc-typo.test invalid
}

scenario_domain_strict_parent_signature() {
    provider_check smtp.mandrillapp.com app@news.strict.test
    expect_domain_cause domain.dmarc_will_fail
    expect_true '.findings[] | select(.code == "domain.dmarc_will_fail") | .message | contains("adkim=s")' \
        "the message does not name adkim=s"
}

scenario_domain_ptr_elsewhere() {
    domain_check "$MAILHOST" 587 app@own.test --resolve "$MAILHOST=$M4"
    expect_domain_cause domain.ptr_mismatch
    expect .domain.ptr.confirmed false
}

scenario_domain_freemail_sendgrid() {
    provider_check smtp.sendgrid.net someone@gmail.com
    expect_domain_cause domain.freemail_from
}

scenario_domain_not_found() {
    provider_check smtp.gmail.com app@no-such-shop.test
    expect_domain_cause domain.not_found
}

scenario_domain_path_broken_first() {
    domain_check smtp.gmail.com 2599 app@no-such-shop.test
    expect_shape
    expect .verdict failed
    expect .cause tcp.refused
    expect_finding domain.not_found
}

//! Pure decoders: the answers the OS gives (nftables JSON, `iptables-save` text, Windows
//! Security Center states, Windows Defender Firewall rules from the COM API or PowerShell's
//! JSON) turned into the platform-neutral model, and the rules kept only when they drop or
//! block outbound TCP to a probed port. No I/O: every function here is tested on recorded
//! answers.

use crate::model::{
    FirewallRule, ProductKind, ProductState, RuleAction, ScanningRoot, SecurityProduct,
    SecuritySource,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// Why an answer could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON, or not the expected shape.
    #[error("not the expected shape: {0}")]
    Shape(String),
}

/// Text from the OS, escaped and bounded before it enters the model.
fn clean(s: &str) -> String {
    let s: String = s.chars().take(300).collect();
    crate::printable::escape(s.as_bytes())
}

// ---- ports and addresses, as rules write them ---------------------------------------------

/// A port condition: the listed ports and ranges, or every port but those.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PortSet {
    ranges: Vec<(u16, u16)>,
    negated: bool,
}

impl PortSet {
    fn contains(&self, port: u16) -> bool {
        self.ranges.iter().any(|(a, b)| (*a..=*b).contains(&port)) != self.negated
    }
}

/// Windows' remote-port list: `*`/`Any`/empty, or `25,587,1000-2000`. Keywords such as `RPC`
/// name no TCP port smtp-doctor probes.
fn windows_ports(text: &str) -> Option<PortSet> {
    let t = text.trim();
    if t.is_empty() || t == "*" || t.eq_ignore_ascii_case("any") {
        return None;
    }
    let mut ranges = Vec::new();
    for part in t.split(',').map(str::trim) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.trim().parse(), b.trim().parse()) {
                    ranges.push((a, b));
                }
            }
            None => {
                if let Ok(p) = part.parse() {
                    ranges.push((p, p));
                }
            }
        }
    }
    Some(PortSet {
        ranges,
        negated: false,
    })
}

/// An address or a prefix (`10.0.0.0/8`) contains `addr`.
fn prefix_contains(net: IpAddr, len: u8, addr: IpAddr) -> bool {
    match (net, addr) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let len = u32::from(len.min(32));
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let len = u32::from(len.min(128));
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

fn parse_prefix(text: &str) -> Option<(IpAddr, u8)> {
    match text.split_once('/') {
        Some((a, l)) => Some((a.parse().ok()?, l.parse().ok()?)),
        None => {
            let a: IpAddr = text.parse().ok()?;
            Some((a, if a.is_ipv4() { 32 } else { 128 }))
        }
    }
}

// ---- nftables -------------------------------------------------------------------------------

/// A chain's identity: family, table, name.
type ChainKey = (String, String, String);

/// The rules of an nftables ruleset (`nft -j list ruleset`, libnftables' JSON schema) that drop
/// or reject outbound TCP to one of `ports` at one of `addresses`: rules in a chain hooked at
/// output (or reached from one by jump/goto), with a TCP destination-port condition that
/// includes the port. A condition this decoder does not know (an interface, a user) is assumed
/// to hold: the rule may be the one in the way, and the report names it.
pub fn nftables_rules(
    json: &str,
    ports: &[u16],
    addresses: &[IpAddr],
) -> Result<Vec<FirewallRule>, DecodeError> {
    Ok(NftRuleset::parse(json)?.blocking(ports, addresses))
}

/// An nftables ruleset decoded once (`nft -j list ruleset`): the rules of the chains that
/// locally sent packets pass, kept to be matched against each target's ports and addresses
/// (one read of the machine serves every target of a run).
#[derive(Debug, Clone, Default)]
pub struct NftRuleset {
    /// Each rule with its chain, in the ruleset's order.
    rules: Vec<(ChainKey, Value)>,
}

impl NftRuleset {
    /// Decodes `json`; an error when it is not an nftables ruleset.
    pub fn parse(json: &str) -> Result<NftRuleset, DecodeError> {
        let root: Value =
            serde_json::from_str(json).map_err(|e| DecodeError::Shape(format!("json: {e}")))?;
        let items = root
            .get("nftables")
            .and_then(Value::as_array)
            .ok_or_else(|| DecodeError::Shape("no \"nftables\" array".into()))?;
        let key = |o: &Value, name_field: &str| -> Option<ChainKey> {
            Some((
                o.get("family")?.as_str()?.to_string(),
                o.get("table")?.as_str()?.to_string(),
                o.get(name_field)?.as_str()?.to_string(),
            ))
        };
        // Chains hooked where locally sent packets pass, and the jumps between chains.
        let mut roots = BTreeSet::new();
        let mut jumps: BTreeMap<ChainKey, Vec<ChainKey>> = BTreeMap::new();
        for item in items {
            if let Some(chain) = item.get("chain") {
                let hook = chain.get("hook").and_then(Value::as_str);
                let family = chain.get("family").and_then(Value::as_str).unwrap_or("");
                if matches!(hook, Some("output" | "postrouting"))
                    && matches!(family, "ip" | "ip6" | "inet")
                {
                    roots.extend(key(chain, "name"));
                }
            }
            if let Some(rule) = item.get("rule") {
                let Some(from) = key(rule, "chain") else {
                    continue;
                };
                for e in rule
                    .get("expr")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    for verb in ["jump", "goto"] {
                        if let Some(target) = e.get(verb).and_then(|j| j.get("target")?.as_str()) {
                            let to = (from.0.clone(), from.1.clone(), target.to_string());
                            jumps.entry(from.clone()).or_default().push(to);
                        }
                    }
                }
            }
        }
        let mut reachable = roots.clone();
        let mut queue: Vec<ChainKey> = roots.into_iter().collect();
        while let Some(c) = queue.pop() {
            for next in jumps.get(&c).into_iter().flatten() {
                if reachable.insert(next.clone()) {
                    queue.push(next.clone());
                }
            }
        }
        let rules = items
            .iter()
            .filter_map(|i| i.get("rule"))
            .filter_map(|rule| Some((key(rule, "chain")?, rule)))
            .filter(|(chain, _)| reachable.contains(chain))
            .map(|(chain, rule)| (chain, rule.clone()))
            .collect();
        Ok(NftRuleset { rules })
    }

    /// The rules that drop or reject outbound TCP to one of `ports` at one of `addresses`.
    pub fn blocking(&self, ports: &[u16], addresses: &[IpAddr]) -> Vec<FirewallRule> {
        let mut out = Vec::new();
        for (chain, rule) in &self.rules {
            let exprs = rule.get("expr").and_then(Value::as_array);
            let Some(m) = nft_rule_match(exprs.map(Vec::as_slice).unwrap_or(&[]), ports, addresses)
            else {
                continue;
            };
            let handle = rule.get("handle").and_then(Value::as_u64);
            let table = format!("{} {}", clean(&chain.0), clean(&chain.1));
            out.push(FirewallRule {
                source: SecuritySource::Nftables,
                name: match handle {
                    Some(h) => format!("{table} {} handle {h}", clean(&chain.2)),
                    None => format!("{table} {}", clean(&chain.2)),
                },
                table: Some(table),
                chain: Some(clean(&chain.2)),
                handle,
                comment: rule.get("comment").and_then(Value::as_str).map(clean),
                action: m.action,
                ports: m.ports,
                remote_ports: m.written,
                program: None,
            });
        }
        out
    }
}

struct RuleMatch {
    action: RuleAction,
    ports: Vec<u16>,
    written: String,
}

/// One nftables rule's expressions: the probed ports it drops or rejects, if any.
fn nft_rule_match(exprs: &[Value], ports: &[u16], addresses: &[IpAddr]) -> Option<RuleMatch> {
    let mut dport: Option<(PortSet, String)> = None;
    let mut tcp = true;
    let mut addr_ok = true;
    let mut action = None;
    for e in exprs {
        if e.get("drop").is_some() {
            action = Some(RuleAction::Drop);
        } else if e.get("reject").is_some() {
            action = Some(RuleAction::Reject);
        }
        // iptables-nft writes what nftables cannot express natively as `xt` expressions: its
        // REJECT target, and its multiport match, whose ports the JSON does not show (the rule
        // is named as one that may hold the port).
        if let Some(xt) = e.get("xt") {
            let kind = xt.get("type").and_then(Value::as_str);
            let name = xt.get("name").and_then(Value::as_str);
            match (kind, name) {
                (Some("target"), Some("REJECT")) => action = Some(RuleAction::Reject),
                (Some("target"), Some("DROP")) => action = Some(RuleAction::Drop),
                (Some("match"), Some("multiport")) if dport.is_none() => {
                    let all = PortSet {
                        ranges: vec![(0, u16::MAX)],
                        negated: false,
                    };
                    dport = Some((all, "multiport".into()));
                }
                _ => {}
            }
        }
        let Some(m) = e.get("match") else {
            continue;
        };
        let op = m.get("op").and_then(Value::as_str).unwrap_or("==");
        let negated = op == "!=";
        let left = m.get("left").unwrap_or(&Value::Null);
        let right = m.get("right").unwrap_or(&Value::Null);
        // `tcp dport`, `th dport` (after `meta l4proto tcp`), `udp dport`.
        if let Some(p) = left.get("payload") {
            let proto = p.get("protocol").and_then(Value::as_str).unwrap_or("");
            let field = p.get("field").and_then(Value::as_str).unwrap_or("");
            match (proto, field) {
                ("tcp" | "th", "dport") => {
                    let set = nft_ports(right, negated)?;
                    dport = Some((set, nft_written(right, negated)));
                }
                ("udp" | "sctp" | "dccp" | "udplite", _) => tcp = false,
                ("ip" | "ip6", "daddr") => {
                    let hit = addresses.is_empty()
                        || addresses.iter().any(|a| nft_addr_contains(right, *a));
                    addr_ok &= hit != negated;
                }
                _ => {}
            }
        }
        if left
            .get("meta")
            .and_then(|k| k.get("key")?.as_str())
            .is_some_and(|k| k == "l4proto")
        {
            let is_tcp = match right {
                Value::String(s) => s == "tcp",
                Value::Number(n) => n.as_u64() == Some(6),
                Value::Object(o) => o
                    .get("set")
                    .and_then(Value::as_array)
                    .is_some_and(|s| s.iter().any(|v| v == "tcp" || v.as_u64() == Some(6))),
                _ => true,
            };
            tcp &= is_tcp != negated;
        }
    }
    let action = action?;
    let (set, written) = dport?;
    let hit: Vec<u16> = ports.iter().copied().filter(|p| set.contains(*p)).collect();
    (tcp && addr_ok && !hit.is_empty()).then_some(RuleMatch {
        action,
        ports: hit,
        written,
    })
}

/// A port operand: a number, a range, or a set of both. A named set (`@name`) is read as
/// "may hold the port": the rule is named, not proven.
fn nft_ports(v: &Value, negated: bool) -> Option<PortSet> {
    let mut ranges = Vec::new();
    fn one(v: &Value, ranges: &mut Vec<(u16, u16)>) -> Option<()> {
        if let Some(n) = v.as_u64() {
            let p = u16::try_from(n).ok()?;
            ranges.push((p, p));
        } else if let Some(r) = v.get("range").and_then(Value::as_array) {
            let a = u16::try_from(r.first()?.as_u64()?).ok()?;
            let b = u16::try_from(r.get(1)?.as_u64()?).ok()?;
            ranges.push((a, b));
        } else if let Some(items) = v.get("set").and_then(Value::as_array) {
            for i in items {
                one(i, ranges)?;
            }
        } else if v.as_str().is_some_and(|s| s.starts_with('@')) {
            ranges.push((0, u16::MAX));
        } else {
            return None;
        }
        Some(())
    }
    one(v, &mut ranges)?;
    Some(PortSet { ranges, negated })
}

/// The port operand as `nft list` would write it.
fn nft_written(v: &Value, negated: bool) -> String {
    fn w(v: &Value) -> String {
        if let Some(n) = v.as_u64() {
            n.to_string()
        } else if let Some(r) = v.get("range").and_then(Value::as_array) {
            r.iter().map(w).collect::<Vec<_>>().join("-")
        } else if let Some(s) = v.get("set").and_then(Value::as_array) {
            format!("{{ {} }}", s.iter().map(w).collect::<Vec<_>>().join(", "))
        } else if let Some(s) = v.as_str() {
            clean(s)
        } else {
            "?".into()
        }
    }
    let text = w(v);
    if negated {
        format!("!= {text}")
    } else {
        text
    }
}

fn nft_addr_contains(v: &Value, addr: IpAddr) -> bool {
    if let Some(s) = v.as_str() {
        // A named set or a name this decoder cannot resolve: it may hold the address.
        return match parse_prefix(s) {
            Some((net, len)) => prefix_contains(net, len, addr),
            None => true,
        };
    }
    if let Some(p) = v.get("prefix") {
        let net = p
            .get("addr")
            .and_then(Value::as_str)
            .and_then(|a| a.parse().ok());
        let len = p
            .get("len")
            .and_then(Value::as_u64)
            .and_then(|l| u8::try_from(l).ok());
        return match (net, len) {
            (Some(n), Some(l)) => prefix_contains(n, l, addr),
            _ => true,
        };
    }
    if let Some(items) = v.get("set").and_then(Value::as_array) {
        return items.iter().any(|i| nft_addr_contains(i, addr));
    }
    true
}

// ---- iptables -------------------------------------------------------------------------------

/// The rules of `iptables-save` (or `ip6tables-save`) output that drop or reject outbound TCP
/// to one of `ports`: in OUTPUT or POSTROUTING, or a chain they jump to. Each is named by
/// table, chain and its position (what `iptables -t TABLE -D CHAIN N` takes).
pub fn iptables_rules(save: &str, ports: &[u16], addresses: &[IpAddr]) -> Vec<FirewallRule> {
    let mut out = Vec::new();
    let mut table = String::new();
    // Per table: chain → (position, tokens) of its rules.
    let mut rules: Vec<(String, String, usize, Vec<String>)> = Vec::new();
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for line in save.lines() {
        let line = line.trim();
        if let Some(t) = line.strip_prefix('*') {
            table = t.to_string();
            continue;
        }
        let Some(rest) = line.strip_prefix("-A ") else {
            continue;
        };
        let tokens = shell_words(rest);
        let Some(chain) = tokens.first().cloned() else {
            continue;
        };
        let n = counts.entry((table.clone(), chain.clone())).or_default();
        *n += 1;
        rules.push((table.clone(), chain, *n, tokens[1..].to_vec()));
    }
    let mut reachable: BTreeSet<(String, String)> = rules
        .iter()
        .filter(|(_, c, _, _)| c == "OUTPUT" || c == "POSTROUTING")
        .map(|(t, c, _, _)| (t.clone(), c.clone()))
        .collect();
    loop {
        let before = reachable.len();
        for (t, c, _, tokens) in &rules {
            if reachable.contains(&(t.clone(), c.clone())) {
                if let Some(target) = flag(tokens, &["-j", "--jump", "-g", "--goto"]) {
                    reachable.insert((t.clone(), target.to_string()));
                }
            }
        }
        if reachable.len() == before {
            break;
        }
    }
    for (t, c, n, tokens) in &rules {
        if !reachable.contains(&(t.clone(), c.clone())) {
            continue;
        }
        let action = match flag(tokens, &["-j", "--jump"]) {
            Some("DROP") => RuleAction::Drop,
            Some("REJECT") => RuleAction::Reject,
            _ => continue,
        };
        let proto_tcp = flag(tokens, &["-p", "--protocol"]).is_some_and(|p| p == "tcp" || p == "6");
        let negated_port = tokens
            .windows(2)
            .any(|w| w[0] == "!" && matches!(w[1].as_str(), "--dport" | "--dports"));
        let Some(written) = flag(tokens, &["--dport", "--destination-port", "--dports"]) else {
            continue;
        };
        let set = PortSet {
            ranges: written
                .split(',')
                .filter_map(|p| match p.split_once(':') {
                    Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
                    None => p.parse().ok().map(|p| (p, p)),
                })
                .collect(),
            negated: negated_port,
        };
        let addr_ok = match flag(tokens, &["-d", "--destination"]) {
            Some(d) => {
                addresses.is_empty()
                    || d.split(',').any(|d| {
                        parse_prefix(d).is_none_or(|(net, len)| {
                            addresses.iter().any(|a| prefix_contains(net, len, *a))
                        })
                    })
            }
            None => true,
        };
        let hit: Vec<u16> = ports.iter().copied().filter(|p| set.contains(*p)).collect();
        if !proto_tcp || !addr_ok || hit.is_empty() {
            continue;
        }
        out.push(FirewallRule {
            source: SecuritySource::Iptables,
            name: format!("{} {} rule {n}", clean(t), clean(c)),
            table: Some(clean(t)),
            chain: Some(clean(c)),
            handle: Some(*n as u64),
            comment: flag(tokens, &["--comment"]).map(clean),
            action,
            ports: hit,
            remote_ports: clean(written),
            program: None,
        });
    }
    out
}

fn flag<'a>(tokens: &'a [String], names: &[&str]) -> Option<&'a str> {
    tokens
        .windows(2)
        .find(|w| names.contains(&w[0].as_str()))
        .map(|w| w[1].as_str())
}

/// `iptables-save` quotes comments with double quotes (and escapes `"` inside them).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars();
    let mut started = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            '\\' if quoted => cur.extend(chars.next()),
            c if c.is_whitespace() && !quoted => {
                if started {
                    words.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            c => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(cur);
    }
    words
}

// ---- Windows Security Center ----------------------------------------------------------------

/// `WSC_SECURITY_PRODUCT_STATE` (iwscapi.h): ON = 0, OFF = 1, SNOOZED = 2, EXPIRED = 3.
pub fn wsc_state(value: i32) -> ProductState {
    match value {
        0 => ProductState::On,
        1 => ProductState::Off,
        2 => ProductState::Snoozed,
        3 => ProductState::Expired,
        _ => ProductState::Unknown,
    }
}

/// `WSC_SECURITY_SIGNATURE_STATUS` (iwscapi.h): OUT_OF_DATE = 0, UP_TO_DATE = 1.
pub fn wsc_signatures(value: i32) -> Option<bool> {
    match value {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

/// A product from `IWSCProductList`'s fields.
pub fn wsc_product(name: &str, kind: ProductKind, state: i32, signature: i32) -> SecurityProduct {
    SecurityProduct {
        name: clean(name),
        kind,
        state: wsc_state(state),
        signatures_up_to_date: match kind {
            ProductKind::Antivirus => wsc_signatures(signature),
            ProductKind::Firewall => None,
        },
        source: SecuritySource::WindowsSecurityCenter,
    }
}

/// WMI's `productState` (`root\SecurityCenter2`'s AntiVirusProduct and FirewallProduct), which
/// Microsoft does not document: the widely used reading is bits 12–15 for the state (0 off,
/// 1 on, 2 snoozed, 3 expired) and bit 4 for out-of-date signatures (397568 = 0x61100: on, up to
/// date; 393472 = 0x60100: off).
pub fn wmi_product_state(value: u32) -> (ProductState, bool) {
    let state = match (value >> 12) & 0xF {
        0 => ProductState::Off,
        1 => ProductState::On,
        2 => ProductState::Snoozed,
        3 => ProductState::Expired,
        _ => ProductState::Unknown,
    };
    (state, (value >> 4) & 0xF == 0)
}

/// ConvertTo-Json's output, parsed.
fn json_value(json: &str) -> Result<Value, DecodeError> {
    serde_json::from_str(json).map_err(|e| DecodeError::Shape(format!("json: {e}")))
}

/// ConvertTo-Json writes one object for one item and an array for more (nothing for none).
fn one_or_many(v: &Value) -> Result<Vec<&Value>, DecodeError> {
    match v {
        Value::Array(a) => Ok(a.iter().collect()),
        Value::Object(_) => Ok(vec![v]),
        Value::Null => Ok(Vec::new()),
        _ => Err(DecodeError::Shape("neither an object nor an array".into())),
    }
}

/// The products of `Get-CimInstance -Namespace root/SecurityCenter2 -ClassName
/// AntiVirusProduct | ConvertTo-Json` (an object for one product, an array for more).
pub fn wmi_products(json: &str, kind: ProductKind) -> Result<Vec<SecurityProduct>, DecodeError> {
    let v = json_value(json)?;
    let items = one_or_many(&v)?;
    items
        .into_iter()
        .map(|p| {
            let name = p
                .get("displayName")
                .and_then(Value::as_str)
                .ok_or_else(|| DecodeError::Shape("a product without displayName".into()))?;
            let state = p
                .get("productState")
                .and_then(Value::as_u64)
                .and_then(|s| u32::try_from(s).ok())
                .ok_or_else(|| DecodeError::Shape("a product without productState".into()))?;
            let (state, fresh) = wmi_product_state(state);
            Ok(SecurityProduct {
                name: clean(name),
                kind,
                state,
                signatures_up_to_date: (kind == ProductKind::Antivirus).then_some(fresh),
                source: SecuritySource::WindowsSecurityCenter,
            })
        })
        .collect()
}

// ---- Windows Defender Firewall --------------------------------------------------------------

/// A Windows Defender Firewall rule, with the fields that decide whether it blocks SMTP, the
/// same whether read through `INetFwRule` or PowerShell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsRule {
    /// Its display name.
    pub name: String,
    /// Enabled.
    pub enabled: bool,
    /// Outbound (not inbound).
    pub outbound: bool,
    /// Blocks (not allows).
    pub block: bool,
    /// IANA protocol number; `None` for any protocol (the COM API's 256).
    pub protocol: Option<u8>,
    /// Remote ports as written (`587`, `25,587`, `*`).
    pub remote_ports: String,
    /// The program's full path; `None` for every program.
    pub program: Option<String>,
}

impl WindowsRule {
    /// From `INetFwRule`'s fields: Direction (1 in, 2 out), Action (0 block, 1 allow),
    /// Protocol (6 TCP, 256 any), ApplicationName (empty for every program).
    pub fn from_com(
        name: &str,
        enabled: bool,
        direction: i32,
        action: i32,
        protocol: i32,
        remote_ports: &str,
        application: &str,
    ) -> WindowsRule {
        WindowsRule {
            name: name.to_string(),
            enabled,
            outbound: direction == 2,
            block: action == 0,
            protocol: u8::try_from(protocol).ok(),
            remote_ports: remote_ports.to_string(),
            program: (!application.trim().is_empty()).then(|| application.to_string()),
        }
    }
}

/// The rules of `Get-NetFirewallRule | ConvertTo-Json`, whose enums come as numbers (Enabled:
/// 1 True, 2 False; Direction: 1 Inbound, 2 Outbound; Action: 2 Allow, 4 Block) or, with
/// `-EnumsAsStrings`, as names. The port and program live in the rule's filters
/// (`Get-NetFirewallPortFilter`, `Get-NetFirewallApplicationFilter`): a recording that joined
/// them carries `Protocol`, `RemotePort` and `Program` beside the rule's own fields; without
/// them a rule is for any protocol, port and program.
pub fn powershell_rules(json: &str) -> Result<Vec<WindowsRule>, DecodeError> {
    let v = json_value(json)?;
    let items = one_or_many(&v)?;
    let is = |v: Option<&Value>, number: u64, word: &str| match v {
        Some(Value::Number(n)) => n.as_u64() == Some(number),
        Some(Value::String(s)) => s.eq_ignore_ascii_case(word),
        Some(Value::Bool(b)) => *b == (word == "True"),
        _ => false,
    };
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(","),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    items
        .into_iter()
        .map(|r| {
            let name = r
                .get("DisplayName")
                .or_else(|| r.get("Name"))
                .and_then(Value::as_str)
                .ok_or_else(|| DecodeError::Shape("a rule without DisplayName".into()))?;
            let protocol = match r.get("Protocol") {
                Some(Value::String(s)) if s.eq_ignore_ascii_case("tcp") => Some(6),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("udp") => Some(17),
                Some(Value::String(s)) => s.parse().ok(),
                Some(Value::Number(n)) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
                _ => None,
            };
            let program = text(r.get("Program"));
            Ok(WindowsRule {
                name: name.to_string(),
                enabled: is(r.get("Enabled"), 1, "True"),
                outbound: is(r.get("Direction"), 2, "Outbound"),
                block: is(r.get("Action"), 4, "Block"),
                protocol,
                remote_ports: text(r.get("RemotePort")),
                program: (!program.is_empty() && !program.eq_ignore_ascii_case("any"))
                    .then_some(program),
            })
        })
        .collect()
}

/// The Windows rules that block outbound TCP to one of `ports` (enabled, outbound, block, TCP
/// or any protocol, the port in its remote ports), whatever their program: which program a
/// rule concerns is the diagnosis' question.
pub fn windows_blocking(rules: &[WindowsRule], ports: &[u16]) -> Vec<FirewallRule> {
    rules
        .iter()
        .filter(|r| r.enabled && r.outbound && r.block)
        .filter(|r| r.protocol.is_none_or(|p| p == 6))
        .filter_map(|r| {
            let set = windows_ports(&r.remote_ports);
            let hit: Vec<u16> = ports
                .iter()
                .copied()
                .filter(|p| set.as_ref().is_none_or(|s| s.contains(*p)))
                .collect();
            (!hit.is_empty()).then(|| FirewallRule {
                source: SecuritySource::WindowsFirewall,
                name: clean(&r.name),
                table: None,
                chain: None,
                handle: None,
                comment: None,
                action: RuleAction::Block,
                ports: hit,
                remote_ports: if r.remote_ports.trim().is_empty() {
                    "*".into()
                } else {
                    clean(&r.remote_ports)
                },
                program: r.program.as_deref().map(clean),
            })
        })
        .collect()
}

/// Whether a rule's program is `program` (a full path or a bare file name such as
/// `python.exe`): Windows paths compare without regard to case, and a rule may use
/// environment variables (`%ProgramFiles%`) that a bare file name still matches.
pub fn same_program(rule_program: &str, program: &str) -> bool {
    let norm = |s: &str| s.trim().trim_matches('"').replace('/', "\\").to_lowercase();
    let (r, p) = (norm(rule_program), norm(program));
    if r == p {
        return true;
    }
    let file = |s: &str| s.rsplit('\\').next().unwrap_or("").to_string();
    !p.contains('\\') && file(&r) == p || (file(&r) == file(&p) && r.contains('%'))
}

// ---- the trust store ------------------------------------------------------------------------

/// The roots among `certificates` (DER) whose subject names a TLS-scanning product of the
/// interception table ("Avast Web/Mail Shield Root"), one per product. A certificate that does
/// not parse is skipped: the store is the OS's, not evidence of anything.
pub fn scanning_roots<'a>(certificates: impl IntoIterator<Item = &'a [u8]>) -> Vec<ScanningRoot> {
    let mut out: Vec<ScanningRoot> = Vec::new();
    for der in certificates {
        let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
            continue;
        };
        let subject = cert.subject().to_string();
        let Some(product) = crate::knowledge::interception::product_in(&subject) else {
            continue;
        };
        if out.iter().all(|r| r.product != product.product) {
            out.push(ScanningRoot {
                product: product.product.to_string(),
                subject: clean(&subject),
            });
        }
    }
    out
}

//! Shared helpers for the hermetic integration tests: a tiny DNS responder on loopback and a
//! one-call way to probe and diagnose a plan. Nothing here leaves 127.0.0.1 / ::1.
#![allow(dead_code)]

pub mod binary;

use smtp_doctor::{ConnectTo, Lang, Options, Plan, Report, ResolveOverride, Timing};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// Probes and diagnoses `plan` in English.
pub async fn check(plan: Plan) -> Report {
    check_in(plan, Lang::En).await
}

/// Probes and diagnoses `plan` in `lang`.
pub async fn check_in(plan: Plan, lang: Lang) -> Report {
    report_of(observe(plan).await, lang)
}

/// Diagnoses observations into a `check` report.
pub fn report_of(obs: smtp_doctor::model::Observations, lang: Lang) -> Report {
    let opts = Options {
        lang,
        ..Default::default()
    };
    let diagnosis = smtp_doctor::diagnose(&obs, &opts);
    Report::new("check", obs, diagnosis, &opts)
}

/// Probes `plan`, bounded by a generous guard against hangs.
pub async fn observe(plan: Plan) -> smtp_doctor::model::Observations {
    tokio::time::timeout(Duration::from_secs(60), smtp_doctor::run(plan))
        .await
        .expect("a probe must never hang past its timeouts")
        .expect("engine")
}

/// Probes `plan`; with `SMTP_DOCTOR_RECORD=1` also saves the observations as the fixture
/// `tests/fixtures/observations/NAME.json` that the pure diagnosis tests replay.
pub async fn check_recorded(name: &str, plan: Plan) -> Report {
    let mut obs = observe(plan).await;
    // The recording machine is nobody's business: a fixture is a plain machine.
    obs.environment = Default::default();
    if std::env::var_os("SMTP_DOCTOR_RECORD").is_some() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/observations");
        std::fs::create_dir_all(&dir).unwrap();
        let json = serde_json::to_string_pretty(&obs).unwrap();
        std::fs::write(dir.join(format!("{name}.json")), json + "\n").unwrap();
    }
    report_of(obs, Lang::En)
}

/// A plan for `host` whose logical ports are reached at the given loopback addresses.
pub fn lab_plan(host: &str, ports: &[(u16, SocketAddr)], timeout: Option<Duration>) -> Plan {
    let logical: Vec<u16> = ports.iter().map(|(p, _)| *p).collect();
    let mut plan = Plan::new(host, &logical).unwrap();
    plan.resolve.push(ResolveOverride {
        host: plan.host.clone(),
        address: IpAddr::V4(Ipv4Addr::LOCALHOST),
    });
    for (port, target) in ports {
        plan.connect_to.push(ConnectTo {
            host: Some(plan.host.clone()),
            port: *port,
            target: *target,
        });
    }
    plan.timing = Timing::new(timeout);
    plan
}

/// The codes of a report's findings.
pub fn codes(report: &Report) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.code.as_str()).collect()
}

/// The cause's code.
pub fn cause(report: &Report) -> Option<&'static str> {
    report.cause.map(|c| c.as_str())
}

/// What the test DNS server answers for a name.
#[derive(Debug, Clone)]
pub enum DnsAnswer {
    /// NOERROR with these A/AAAA records (answered by type).
    Addresses(Vec<IpAddr>),
    /// NOERROR, no records (the name exists, e.g. with only a TXT record).
    NoData,
    /// NXDOMAIN.
    NxDomain,
    /// SERVFAIL.
    ServFail,
    /// Never answer.
    Drop,
    /// NOERROR with these MX records (preference, exchange), for MX queries.
    Mx(Vec<(u16, String)>),
}

/// A DNS server on 127.0.0.1 answering from a table (unknown names: NXDOMAIN).
pub struct DnsResponder {
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for DnsResponder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DnsResponder {
    pub async fn start(table: &[(&str, DnsAnswer)]) -> DnsResponder {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = socket.local_addr().unwrap();
        let table: Arc<HashMap<String, DnsAnswer>> = Arc::new(
            table
                .iter()
                .map(|(n, a)| (n.trim_end_matches('.').to_ascii_lowercase(), a.clone()))
                .collect(),
        );
        let task = tokio::spawn(async move {
            let mut buf = [0u8; 1500];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                    continue;
                };
                if let Some(reply) = answer(&buf[..n], &table) {
                    let _ = socket.send_to(&reply, peer).await;
                }
            }
        });
        DnsResponder { addr, task }
    }
}

/// Builds the reply to one query (RFC 1035 §4.1), or `None` to stay silent.
fn answer(query: &[u8], table: &HashMap<String, DnsAnswer>) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    // Question: name labels, then QTYPE and QCLASS.
    let mut pos = 12;
    let mut labels = Vec::new();
    loop {
        let len = *query.get(pos)? as usize;
        pos += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(pos..pos + len)?).to_ascii_lowercase());
        pos += len;
    }
    let qtype = u16::from_be_bytes([*query.get(pos)?, *query.get(pos + 1)?]);
    let question_end = pos + 4;
    let name = labels.join(".");
    let entry = table.get(&name).cloned().unwrap_or(DnsAnswer::NxDomain);
    let mut mx_rdata: Vec<Vec<u8>> = Vec::new();
    let (rcode, records): (u8, Vec<IpAddr>) = match entry {
        DnsAnswer::Drop => return None,
        DnsAnswer::Mx(hosts) => {
            if qtype == 15 {
                for (pref, host) in hosts {
                    let mut r = pref.to_be_bytes().to_vec();
                    for label in host.split('.').filter(|l| !l.is_empty()) {
                        r.push(label.len() as u8);
                        r.extend_from_slice(label.as_bytes());
                    }
                    r.push(0);
                    mx_rdata.push(r);
                }
            }
            (0, vec![])
        }
        DnsAnswer::NxDomain => (3, vec![]),
        DnsAnswer::ServFail => (2, vec![]),
        DnsAnswer::NoData => (0, vec![]),
        DnsAnswer::Addresses(all) => (
            0,
            all.into_iter()
                .filter(|a| (qtype == 1 && a.is_ipv4()) || (qtype == 28 && a.is_ipv6()))
                .collect(),
        ),
    };
    let mut out = Vec::new();
    out.extend_from_slice(&query[0..2]); // ID
    out.push(0x81 | (query[2] & 0x01)); // QR, opcode 0, AA=0, RD copied
    out.push(0x80 | rcode); // RA, rcode
    out.extend_from_slice(&[0, 1]); // QDCOUNT
    out.extend_from_slice(&((records.len() + mx_rdata.len()) as u16).to_be_bytes());
    // One SOA in authority for negative answers, so resolvers can cache them (RFC 2308).
    let negative = records.is_empty() && mx_rdata.is_empty() && rcode != 2;
    out.extend_from_slice(&[0, u8::from(negative)]); // NSCOUNT
    out.extend_from_slice(&[0, 0]); // ARCOUNT
    out.extend_from_slice(&query[12..question_end]);
    for ip in &records {
        out.extend_from_slice(&[0xc0, 0x0c]); // pointer to the question name
        match ip {
            IpAddr::V4(v4) => {
                out.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 60, 0, 4]);
                out.extend_from_slice(&v4.octets());
            }
            IpAddr::V6(v6) => {
                out.extend_from_slice(&[0, 28, 0, 1, 0, 0, 0, 60, 0, 16]);
                out.extend_from_slice(&v6.octets());
            }
        }
    }
    for rdata in &mx_rdata {
        out.extend_from_slice(&[0xc0, 0x0c, 0, 15, 0, 1, 0, 0, 0, 60]);
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(rdata);
    }
    if negative {
        // SOA owned by the queried name: MNAME/RNAME "." and small counters.
        out.extend_from_slice(&[0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 60]);
        let rdata: [u8; 22] = [
            0, 0, 0, 0, 0, 1, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 60, 0, 0, 0, 60,
        ];
        out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        out.extend_from_slice(&rdata);
    }
    Some(out)
}

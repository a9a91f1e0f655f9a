//! A DNS server on 127.0.0.1 answering from a zone of TXT, CNAME, MX, SOA, PTR, A and AAAA
//! records (hickory's message codec, so the answers are real DNS): a name that is not in the
//! zone is NXDOMAIN, a name with no record of the asked type is NOERROR with no answer, and a
//! CNAME is followed inside the zone. Nothing here leaves loopback.
#![allow(dead_code)]

use hickory_resolver::proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_resolver::proto::rr::rdata::{A, AAAA, CNAME, MX, PTR, SOA, TXT};
use hickory_resolver::proto::rr::{Name, RData, Record, RecordType};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

/// One record of the zone.
#[derive(Debug, Clone)]
pub enum Rec {
    Txt(String),
    Cname(String),
    Mx(u16, String),
    Soa,
    Ptr(String),
    Addr(IpAddr),
}

/// The zone: names (lowercase, no trailing dot) → records.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    records: HashMap<String, Vec<Rec>>,
}

impl Zone {
    pub fn new() -> Zone {
        Zone::default()
    }

    pub fn add(mut self, name: &str, rec: Rec) -> Zone {
        self.records
            .entry(name.trim_end_matches('.').to_ascii_lowercase())
            .or_default()
            .push(rec);
        self
    }

    pub fn txt(self, name: &str, value: &str) -> Zone {
        self.add(name, Rec::Txt(value.to_string()))
    }

    pub fn cname(self, name: &str, target: &str) -> Zone {
        self.add(name, Rec::Cname(target.to_string()))
    }

    pub fn a(self, name: &str, ip: &str) -> Zone {
        self.add(name, Rec::Addr(ip.parse().unwrap()))
    }

    pub fn mx(self, name: &str, host: &str) -> Zone {
        self.add(name, Rec::Mx(10, host.to_string()))
    }

    pub fn soa(self, name: &str) -> Zone {
        self.add(name, Rec::Soa)
    }

    pub fn ptr(self, address: &str, name: &str) -> Zone {
        let o = match address.parse::<IpAddr>().unwrap() {
            IpAddr::V4(v4) => v4.octets(),
            IpAddr::V6(_) => panic!("the test zone writes IPv4 PTRs only"),
        };
        let rev = format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0]);
        self.add(&rev, Rec::Ptr(name.to_string()))
    }

    /// A domain that exists: SOA, MX and an address.
    pub fn domain(self, name: &str) -> Zone {
        self.soa(name)
            .mx(name, &format!("mx.{name}"))
            .a(name, "192.0.2.80")
    }

    fn answer(&self, name: &str, qtype: RecordType, depth: u32) -> (ResponseCode, Vec<Record>) {
        let Some(recs) = self.records.get(name) else {
            return (ResponseCode::NXDomain, Vec::new());
        };
        let owner = Name::from_ascii(format!("{name}.")).unwrap();
        let mut out = Vec::new();
        for r in recs {
            if let Rec::Cname(target) = r {
                out.push(Record::from_rdata(
                    owner.clone(),
                    60,
                    RData::CNAME(CNAME(Name::from_ascii(format!("{target}.")).unwrap())),
                ));
                if qtype != RecordType::CNAME && depth < 8 {
                    let (code, more) = self.answer(&target.to_ascii_lowercase(), qtype, depth + 1);
                    out.extend(more);
                    return (code, out);
                }
                return (ResponseCode::NoError, out);
            }
        }
        for r in recs {
            let data = match (r, qtype) {
                (Rec::Txt(t), RecordType::TXT) => {
                    // Strings of at most 255 bytes, as a zone file would split them.
                    let chunks: Vec<String> = t
                        .as_bytes()
                        .chunks(255)
                        .map(|c| String::from_utf8_lossy(c).into_owned())
                        .collect();
                    RData::TXT(TXT::new(chunks))
                }
                (Rec::Mx(p, h), RecordType::MX) => {
                    RData::MX(MX::new(*p, Name::from_ascii(format!("{h}.")).unwrap()))
                }
                (Rec::Soa, RecordType::SOA) => RData::SOA(SOA::new(
                    Name::from_ascii(format!("ns.{name}.")).unwrap(),
                    Name::from_ascii(format!("hostmaster.{name}.")).unwrap(),
                    1,
                    3600,
                    600,
                    86400,
                    60,
                )),
                (Rec::Ptr(p), RecordType::PTR) => {
                    RData::PTR(PTR(Name::from_ascii(format!("{p}.")).unwrap()))
                }
                (Rec::Addr(IpAddr::V4(a)), RecordType::A) => RData::A(A(*a)),
                (Rec::Addr(IpAddr::V6(a)), RecordType::AAAA) => RData::AAAA(AAAA(*a)),
                _ => continue,
            };
            out.push(Record::from_rdata(owner.clone(), 60, data));
        }
        (ResponseCode::NoError, out)
    }
}

/// The zone served on a loopback UDP port.
pub struct ZoneServer {
    pub addr: SocketAddr,
    /// Queries answered.
    pub queries: Arc<AtomicU32>,
    task: JoinHandle<()>,
}

impl Drop for ZoneServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ZoneServer {
    pub async fn start(zone: Zone) -> ZoneServer {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = socket.local_addr().unwrap();
        let queries = Arc::new(AtomicU32::new(0));
        let counter = queries.clone();
        let zone = Arc::new(zone);
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
                    continue;
                };
                let Ok(query) = Message::from_vec(&buf[..n]) else {
                    continue;
                };
                counter.fetch_add(1, Ordering::Relaxed);
                let Some(q) = query.queries.first().cloned() else {
                    continue;
                };
                let name = q.name.to_ascii().trim_end_matches('.').to_ascii_lowercase();
                let (code, answers) = zone.answer(&name, q.query_type, 0);
                let mut reply =
                    Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
                reply.metadata.recursion_desired = query.metadata.recursion_desired;
                reply.metadata.recursion_available = true;
                reply.metadata.response_code = code;
                reply.add_query(q.clone());
                let empty = answers.is_empty();
                for a in answers {
                    reply.add_answer(a);
                }
                if empty {
                    // A negative answer carries an SOA (RFC 2308), so it reads as "no records".
                    let zone_name = Name::from_ascii("test.").unwrap();
                    reply.add_authority(Record::from_rdata(
                        zone_name.clone(),
                        60,
                        RData::SOA(SOA::new(
                            zone_name.clone(),
                            zone_name,
                            1,
                            3600,
                            600,
                            86400,
                            60,
                        )),
                    ));
                }
                if let Ok(bytes) = reply.to_vec() {
                    let _ = socket.send_to(&bytes, peer).await;
                }
            }
        });
        ZoneServer {
            addr,
            queries,
            task,
        }
    }
}

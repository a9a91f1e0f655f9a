//! The loopback lab: real SMTP and TLS servers on 127.0.0.1, a certificate authority, and a
//! port that silently drops SYNs. `smtp-doctor demo` builds the origin incident from these
//! parts, and the tests inject faults with them that no real server produces on demand.
//!
//! Everything here listens on loopback only.

use base64::Engine as _;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::ServerConfig;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the lab accepts from clients: base64 with or without padding.
const LAB_B64: base64::engine::GeneralPurpose =
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;

/// Why a lab part could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// Certificate generation failed.
    #[error("cannot make a lab certificate: {0}")]
    Certificate(String),
    /// A socket could not be opened on loopback.
    #[error("cannot open a loopback socket: {0}")]
    Socket(#[from] std::io::Error),
}

/// How long a lab certificate is valid, relative to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// From a year ago to a year ahead.
    Current,
    /// Ended 30 days ago.
    Expired,
    /// Ends in this many days.
    EndsInDays(i64),
}

/// A certificate authority for the lab.
pub struct LabCa {
    issuer: Issuer<'static, KeyPair>,
    root: CertificateDer<'static>,
}

/// A leaf certificate with its chain and key.
pub struct LabCertificate {
    /// Leaf first, then the CA.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key (PKCS#8).
    pub key: PrivateKeyDer<'static>,
}

fn cert_err(e: rcgen::Error) -> LabError {
    LabError::Certificate(e.to_string())
}

impl LabCa {
    /// A new root CA whose subject is `CN=<common_name>, O=<organization>`.
    pub fn new(common_name: &str, organization: &str) -> Result<LabCa, LabError> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(cert_err)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, organization);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let now = time::OffsetDateTime::now_utc();
        params.not_before = now - time::Duration::days(400);
        params.not_after = now + time::Duration::days(3650);
        let key = KeyPair::generate().map_err(cert_err)?;
        let root = params.self_signed(&key).map_err(cert_err)?.der().clone();
        Ok(LabCa {
            issuer: Issuer::new(params, key),
            root,
        })
    }

    /// The root certificate, DER.
    pub fn root_der(&self) -> Vec<u8> {
        self.root.as_ref().to_vec()
    }

    /// The root certificate, PEM.
    pub fn root_pem(&self) -> String {
        pem_encode("CERTIFICATE", self.root.as_ref())
    }

    /// Issues a server certificate for `names` (DNS names or IP addresses).
    pub fn issue(&self, names: &[&str], validity: Validity) -> Result<LabCertificate, LabError> {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).map_err(cert_err)?;
        params.distinguished_name.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        let now = time::OffsetDateTime::now_utc();
        let (from, to) = match validity {
            Validity::Current => (
                now - time::Duration::days(365),
                now + time::Duration::days(365),
            ),
            Validity::Expired => (
                now - time::Duration::days(400),
                now - time::Duration::days(30),
            ),
            Validity::EndsInDays(d) => (
                now - time::Duration::days(60),
                now + time::Duration::days(d) + time::Duration::hours(1),
            ),
        };
        params.not_before = from;
        params.not_after = to;
        let key = KeyPair::generate().map_err(cert_err)?;
        let cert = params.signed_by(&key, &self.issuer).map_err(cert_err)?;
        Ok(LabCertificate {
            chain: vec![cert.der().clone(), self.root.clone()],
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        })
    }
}

/// PEM-encodes DER bytes.
pub fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A rustls server configuration for a lab certificate.
pub fn server_tls(cert: &LabCertificate) -> Result<Arc<ServerConfig>, LabError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LabError::Certificate(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(cert.chain.clone(), cert.key.clone_key())
        .map_err(|e| LabError::Certificate(e.to_string()))?;
    Ok(Arc::new(config))
}

/// What a lab server does with each connection.
#[derive(Clone)]
pub enum ServerMode {
    /// SMTP in plain text, with STARTTLS when a TLS config is given.
    Smtp {
        /// Offer STARTTLS with this configuration.
        starttls: Option<Arc<ServerConfig>>,
    },
    /// SMTP inside TLS from the first byte.
    ImplicitTls(Arc<ServerConfig>),
    /// Accept and never say a word (a tarpit).
    Silent,
    /// Send these bytes at once, then wait (an SSH banner, say).
    Banner(Vec<u8>),
    /// Send one byte a second, never a full line.
    Trickle,
    /// Send this many bytes without a line end.
    HugeLine(usize),
}

/// A lab SMTP server's script.
#[derive(Clone)]
pub struct ServerBehaviour {
    /// What kind of server.
    pub mode: ServerMode,
    /// The greeting line (without CRLF).
    pub greeting: String,
    /// Wait this long before the greeting.
    pub greeting_delay: Duration,
    /// AUTH mechanisms announced after TLS (or always, when `auth_in_plain`).
    pub auth: Vec<String>,
    /// Announce AUTH before TLS too (a badly configured server).
    pub auth_in_plain: bool,
    /// The only user and password accepted; any login succeeds when `None`.
    pub account: Option<(String, String)>,
    /// Answer every AUTH with this reply instead (a provider's refusal, say).
    pub auth_reply: Option<String>,
    /// Reply to MAIL FROM.
    pub mail_reply: String,
    /// Reply to RCPT TO.
    pub rcpt_reply: String,
    /// Reply after the message's final dot.
    pub data_reply: String,
}

impl ServerBehaviour {
    /// A well-behaved server in `mode`.
    pub fn smtp(mode: ServerMode) -> ServerBehaviour {
        ServerBehaviour {
            mode,
            greeting: "220 lab.smtp-doctor.test ESMTP ready".into(),
            greeting_delay: Duration::ZERO,
            auth: vec!["PLAIN".into(), "LOGIN".into()],
            auth_in_plain: false,
            account: None,
            auth_reply: None,
            mail_reply: "250 2.1.0 Ok".into(),
            rcpt_reply: "250 2.1.5 Ok".into(),
            data_reply: "250 2.0.0 Ok: queued as LAB4F3A21".into(),
        }
    }
}

/// A running lab server; stops when dropped.
pub struct LabServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The command verbs received, in order (`EHLO`, `AUTH`, `MAIL`…), for tests to check
    /// what a client did; arguments are not kept.
    pub verbs: Arc<std::sync::Mutex<Vec<String>>>,
    /// Messages received (after DATA), as sent.
    pub messages: Arc<std::sync::Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

impl Drop for LabServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LabServer {
    /// Starts a server on a free loopback port.
    pub async fn start(behaviour: ServerBehaviour) -> Result<LabServer, LabError> {
        Self::start_on((Ipv4Addr::LOCALHOST, 0).into(), behaviour).await
    }

    /// Starts a server on `addr` (the benchmark's and e2e's hosts in network namespaces).
    pub async fn start_on(
        addr: SocketAddr,
        behaviour: ServerBehaviour,
    ) -> Result<LabServer, LabError> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let log = Log::default();
        let (verbs, messages) = (log.verbs.clone(), log.messages.clone());
        let behaviour = Arc::new((behaviour, log));
        let task = tokio::spawn(async move {
            let mut sessions = tokio::task::JoinSet::new();
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let b = behaviour.clone();
                        sessions.spawn(async move { serve(stream, &b.0, &b.1).await });
                    }
                    Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
                }
            }
        });
        Ok(LabServer {
            addr,
            verbs,
            messages,
            task,
        })
    }
}

#[derive(Default, Clone)]
struct Log {
    verbs: Arc<std::sync::Mutex<Vec<String>>>,
    messages: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn serve(mut stream: TcpStream, b: &ServerBehaviour, log: &Log) {
    let _ = stream.set_nodelay(true);
    match &b.mode {
        ServerMode::Silent => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        ServerMode::Banner(bytes) => {
            let _ = stream.write_all(bytes).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        ServerMode::Trickle => {
            for _ in 0..3600 {
                if stream.write_all(b"2").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        ServerMode::HugeLine(n) => {
            let chunk = vec![b'2'; 64 * 1024];
            let mut left = *n;
            while left > 0 {
                let k = left.min(chunk.len());
                if stream.write_all(&chunk[..k]).await.is_err() {
                    return;
                }
                left -= k;
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        ServerMode::ImplicitTls(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            let Ok(Ok(tls)) =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
            else {
                return;
            };
            let mut reader = BufReader::new(tls);
            if greet(&mut reader, b).await {
                let _ = dialogue(&mut reader, b, true, log).await;
            }
        }
        ServerMode::Smtp { starttls } => {
            let mut reader = BufReader::new(stream);
            if !greet(&mut reader, b).await {
                return;
            }
            if dialogue(&mut reader, b, false, log).await != Next::StartTls {
                return;
            }
            let Some(config) = starttls else { return };
            let acceptor = tokio_rustls::TlsAcceptor::from(config.clone());
            let Ok(Ok(tls)) = tokio::time::timeout(
                Duration::from_secs(10),
                acceptor.accept(reader.into_inner()),
            )
            .await
            else {
                return;
            };
            let mut reader = BufReader::new(tls);
            let _ = dialogue(&mut reader, b, true, log).await;
        }
    }
}

async fn greet<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
    b: &ServerBehaviour,
) -> bool {
    tokio::time::sleep(b.greeting_delay).await;
    let ok = s
        .get_mut()
        .write_all(format!("{}\r\n", b.greeting).as_bytes())
        .await
        .is_ok();
    // A refusing greeting (421/554) ends the session after QUIT, as real servers do.
    ok && b.greeting.starts_with('2')
}

#[derive(Debug, PartialEq, Eq)]
enum Next {
    Done,
    StartTls,
}

async fn read_line<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
    line: &mut String,
) -> bool {
    line.clear();
    let read = tokio::time::timeout(
        Duration::from_secs(30),
        (&mut *s).take(1 << 20).read_line(line),
    )
    .await;
    matches!(read, Ok(Ok(n)) if n > 0)
}

/// Checks a login against the behaviour's account.
async fn auth_exchange<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
    b: &ServerBehaviour,
    args: &[String],
) -> String {
    let mut line = String::new();
    let (user, pass) = match args.first().map(|m| m.to_ascii_uppercase()).as_deref() {
        Some("PLAIN") => {
            let token = match args.get(1) {
                Some(t) => t.clone(),
                None => {
                    let _ = s.get_mut().write_all(b"334 \r\n").await;
                    if !read_line(s, &mut line).await {
                        return String::new();
                    }
                    line.trim().to_string()
                }
            };
            let raw = LAB_B64.decode(token.trim()).unwrap_or_default();
            let parts: Vec<String> = raw
                .split(|&c| c == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            (
                parts.get(1).cloned().unwrap_or_default(),
                parts.get(2).cloned().unwrap_or_default(),
            )
        }
        Some("LOGIN") => {
            let _ = s.get_mut().write_all(b"334 VXNlcm5hbWU6\r\n").await;
            if !read_line(s, &mut line).await {
                return String::new();
            }
            let user = String::from_utf8_lossy(&LAB_B64.decode(line.trim()).unwrap_or_default())
                .into_owned();
            let _ = s.get_mut().write_all(b"334 UGFzc3dvcmQ6\r\n").await;
            if !read_line(s, &mut line).await {
                return String::new();
            }
            let pass = String::from_utf8_lossy(&LAB_B64.decode(line.trim()).unwrap_or_default())
                .into_owned();
            (user, pass)
        }
        _ => return "504 5.5.4 Unrecognized authentication type\r\n".into(),
    };
    if let Some(reply) = &b.auth_reply {
        return format!("{reply}\r\n");
    }
    match &b.account {
        Some((u, p)) if *u != user || *p != pass => {
            "535 5.7.8 Error: authentication failed\r\n".into()
        }
        _ => "235 2.7.0 Authentication successful\r\n".into(),
    }
}

async fn dialogue<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut BufReader<S>,
    b: &ServerBehaviour,
    tls_active: bool,
    log: &Log,
) -> Next {
    let offers_starttls = !tls_active && matches!(&b.mode, ServerMode::Smtp { starttls: Some(_) });
    let mut line = String::new();
    loop {
        if !read_line(s, &mut line).await {
            return Next::Done;
        }
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let verb = words
            .first()
            .cloned()
            .unwrap_or_default()
            .to_ascii_uppercase();
        if let Ok(mut v) = log.verbs.lock() {
            v.push(verb.clone());
        }
        let reply = match verb.as_str() {
            "EHLO" => {
                let mut r = String::from(
                    "250-lab.smtp-doctor.test\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n",
                );
                if offers_starttls {
                    r.push_str("250-STARTTLS\r\n");
                }
                if (tls_active || b.auth_in_plain) && !b.auth.is_empty() {
                    r.push_str(&format!("250-AUTH {}\r\n", b.auth.join(" ")));
                }
                r.push_str("250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n");
                r
            }
            "HELO" => "250 lab.smtp-doctor.test\r\n".into(),
            "STARTTLS" if offers_starttls => {
                let _ = s
                    .get_mut()
                    .write_all(b"220 2.0.0 Ready to start TLS\r\n")
                    .await;
                return Next::StartTls;
            }
            "QUIT" => {
                let _ = s.get_mut().write_all(b"221 2.0.0 Bye\r\n").await;
                return Next::Done;
            }
            "NOOP" | "RSET" => "250 2.0.0 OK\r\n".into(),
            "AUTH" => auth_exchange(s, b, &words[1..]).await,
            "MAIL" => format!("{}\r\n", b.mail_reply),
            "RCPT" => format!("{}\r\n", b.rcpt_reply),
            "DATA" => {
                if s.get_mut()
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await
                    .is_err()
                {
                    return Next::Done;
                }
                let mut message = String::new();
                loop {
                    if !read_line(s, &mut line).await {
                        return Next::Done;
                    }
                    if line.trim_end_matches(['\r', '\n']) == "." {
                        break;
                    }
                    message.push_str(&line);
                }
                if let Ok(mut m) = log.messages.lock() {
                    m.push(message);
                }
                format!("{}\r\n", b.data_reply)
            }
            _ => "502 5.5.1 Command not implemented\r\n".into(),
        };
        if s.get_mut().write_all(reply.as_bytes()).await.is_err() {
            return Next::Done;
        }
    }
}

use tokio::io::AsyncReadExt as _;

/// A loopback port that silently drops SYNs, like a firewall's DROP rule: a listener with a
/// backlog of 0 whose accept queue is filled and never accepted. Once the queue is full the
/// kernel discards new SYNs without answering (Linux and BSD; Windows answers with a reset, so
/// there the listener also holds SYNs with `SO_CONDITIONAL_ACCEPT`, see `hold_syns`).
pub struct DroppingPort {
    /// Where it "listens".
    pub addr: SocketAddr,
    _listener: std::net::TcpListener,
    _fillers: Vec<std::net::TcpStream>,
}

impl DroppingPort {
    /// Opens the port and fills its queue.
    pub fn new() -> Result<DroppingPort, LabError> {
        use socket2::{Domain, Protocol, Socket, Type};
        let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        socket.bind(&SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into())?;
        // Where this fails (Wine's emulation, where the Linux kernel does TCP), the full queue
        // below still drops.
        #[cfg(windows)]
        let _ = hold_syns(&socket);
        socket.listen(0)?;
        let listener: std::net::TcpListener = socket.into();
        let addr = listener.local_addr()?;
        let mut fillers = Vec::new();
        // Connect until one attempt goes unanswered: the queue is then full.
        for _ in 0..8 {
            match std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                Ok(s) => fillers.push(s),
                Err(_) => break,
            }
        }
        Ok(DroppingPort {
            addr,
            _listener: listener,
            _fillers: fillers,
        })
    }
}

/// Windows answers a SYN to a full accept queue with a reset, not silence. A listener with
/// `SO_CONDITIONAL_ACCEPT` (set before `listen`) leaves each SYN unanswered until the program
/// decides in `WSAAccept`, which this one never calls: the client sees a drop. Verified only
/// under Wine, where the Linux kernel does TCP, not on a real Windows machine.
#[cfg(windows)]
#[allow(unsafe_code)]
fn hold_syns(socket: &socket2::Socket) -> std::io::Result<()> {
    use std::os::windows::io::AsRawSocket;
    use windows_sys::Win32::Networking::WinSock::{
        setsockopt, SOCKET, SOCKET_ERROR, SOL_SOCKET, SO_CONDITIONAL_ACCEPT,
    };
    let on: i32 = 1;
    // SAFETY: a live socket this function borrows; optval points at a 4-byte int that outlives
    // the call, and optlen says 4.
    let rc = unsafe {
        setsockopt(
            socket.as_raw_socket() as SOCKET,
            SOL_SOCKET,
            SO_CONDITIONAL_ACCEPT,
            (&on as *const i32).cast(),
            std::mem::size_of::<i32>() as i32,
        )
    };
    if rc == SOCKET_ERROR {
        // Winsock errors are the thread's last error.
        Err(std::io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// A closed loopback port (connecting gets a reset): bound, then released.
pub fn closed_port() -> Result<SocketAddr, LabError> {
    let l = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let addr = l.local_addr()?;
    drop(l);
    Ok(addr)
}

/// The origin incident in the lab: `smtp.demo.test`, 587 silently dropped, 465 implicit TLS
/// with a certificate from a lab CA that the plan trusts.
pub struct DemoLab {
    /// The plan that probes it, with `--resolve` and `--connect-to` mappings in place.
    pub plan: crate::plan::Plan,
    _dropping: DroppingPort,
    _tls: LabServer,
}

/// The demo's host name: it stands for `smtp.gmail.com` in the origin incident.
pub const DEMO_HOST: &str = "smtp.demo.test";

impl DemoLab {
    /// Builds the lab.
    pub async fn start() -> Result<DemoLab, LabError> {
        let ca = LabCa::new("smtp-doctor demo CA", "smtp-doctor lab")?;
        let cert = ca.issue(&[DEMO_HOST], Validity::Current)?;
        let tls = LabServer::start(ServerBehaviour::smtp(ServerMode::ImplicitTls(server_tls(
            &cert,
        )?)))
        .await?;
        let dropping = DroppingPort::new()?;
        let mut plan = crate::plan::Plan::new(DEMO_HOST, &[587, 465])
            .map_err(|e| LabError::Certificate(e.to_string()))?;
        plan.resolve.push(crate::plan::ResolveOverride {
            host: plan.host.clone(),
            address: Ipv4Addr::LOCALHOST.into(),
        });
        for (port, target) in [(587, dropping.addr), (465, tls.addr)] {
            plan.connect_to.push(crate::plan::ConnectTo {
                host: Some(plan.host.clone()),
                port,
                target,
            });
        }
        plan.extra_roots.push(ca.root_der());
        Ok(DemoLab {
            plan,
            _dropping: dropping,
            _tls: tls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_shape() {
        let pem = pem_encode("CERTIFICATE", &[0, 1, 2, 3, 4]);
        assert_eq!(
            pem,
            "-----BEGIN CERTIFICATE-----\nAAECAwQ=\n-----END CERTIFICATE-----\n"
        );
    }
}

//! One endpoint (address, port): TCP, then the SMTP dialogue and TLS in the mode the port
//! really speaks, found out rather than assumed.

use super::smtp;
use super::tcp;
use super::tls::TlsContext;
use super::wire::{parse_reply_line, Wire};
use super::{auth, send};
use crate::model::{
    Direction, GreetingOutcome, HandshakeOutcome, SmtpObservation, StarttlsOutcome, TlsObservation,
    Verification,
};
use crate::model::{
    EndpointObservation, Family, Security, TlsFailure, TranscriptLine, Unprotected,
};
use crate::plan::{Plan, PortPlan};
use crate::printable::escape;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant as Deadline;

/// How long a port that should greet in plain text may stay silent before a TLS attempt is
/// made on a fresh connection, alongside the wait for the greeting (a STARTTLS client pointed
/// at an implicit-TLS port waits forever here). Plain servers greet within milliseconds; a
/// slow one only costs one extra connection.
pub(crate) const TLS_PROBE_AFTER: Duration = Duration::from_millis(250);

/// When the TLS attempt starts on a port expected to greet in plain text. On the submission
/// ports that start in plain text by standard (587, and 2525 where providers offer it) a
/// greeting is all but certain, so the attempt waits [`TLS_PROBE_AFTER`] and a plain server
/// never sees it. On any other port (2465, 2587, a tunnel, a provider's alternative port) either
/// is as likely, and the attempt starts at once beside the wait for the greeting (after the
/// greeting's short head start, [`race_head_start`]): implicit TLS there is found within 25 ms
/// of 465's time, and a plain server that greets at once never sees the attempt.
pub(crate) fn tls_probe_after(port: u16) -> Duration {
    match port {
        587 | 2525 => TLS_PROBE_AFTER,
        _ => Duration::ZERO,
    }
}

/// The most a plain greeting is given before the TLS attempt on a port where either is as
/// likely: implicit TLS there stays within this of 465's time.
const RACE_HEAD_START_MAX: Duration = Duration::from_millis(25);

/// On a port where either is as likely, the plain greeting's head start before the TLS attempt:
/// twice this connection's own handshake plus 5 ms, or, when longer, the time by which plain
/// greetings have come in on the engine's earlier probes ([`GreetingPace::wait`]); at most
/// [`RACE_HEAD_START_MAX`]. A plain server's greeting is usually in by then (on loopback
/// within a millisecond), so no second connection and ClientHello is made for nothing (at
/// 10,000 targets on odd ports they were a third of the client's CPU per probe; with 200
/// targets at once the lab's greetings take 5–30 ms, and a quarter of the targets still made
/// one); an implicit-TLS port stays silent and pays at most 25 ms.
fn race_head_start(connect_ms: f64, greetings: Duration) -> Duration {
    let rtt = if connect_ms.is_finite() && connect_ms > 0.0 {
        Duration::from_secs_f64(connect_ms / 1000.0)
    } else {
        Duration::ZERO
    };
    (rtt * 2 + Duration::from_millis(5))
        .max(greetings)
        .min(RACE_HEAD_START_MAX)
}

/// How long plain greetings take to come in after the connect, across an engine's probes,
/// estimated as TCP estimates its retransmission timeout from round trips (RFC 6298 §2): a
/// smoothed average and a smoothed deviation, the wait being the average plus four
/// deviations. A busy server greets later, and less evenly, than two round trips; the next
/// targets' head start then follows it instead of racing most greetings.
///
/// It also keeps the addresses and ports that greeted in plain text (up to
/// [`GREETED_KEPT`]): a later probe of the same server in the same run (`--targets` with a
/// server named many times, `serve`'s scrapes) gives its greeting the silence 587 gets
/// ([`TLS_PROBE_AFTER`]) instead of racing it; a server that turned to implicit TLS since is
/// still found, 250 ms later.
#[derive(Debug, Default)]
pub(crate) struct GreetingPace {
    average_us: std::sync::atomic::AtomicU64,
    deviation_us: std::sync::atomic::AtomicU64,
    greeted: std::sync::Mutex<std::collections::HashSet<SocketAddr>>,
}

/// The most servers [`GreetingPace`] remembers as having greeted (a few hundred KB at most);
/// past it, new ones are raced as if never seen.
const GREETED_KEPT: usize = 8192;

impl GreetingPace {
    /// Notes that `server` greeted in plain text.
    pub(crate) fn greeted(&self, server: SocketAddr) {
        let mut greeted = self.greeted.lock().unwrap_or_else(|e| e.into_inner());
        if greeted.len() < GREETED_KEPT {
            greeted.insert(server);
        }
    }

    /// Whether `server` greeted in plain text on an earlier probe.
    pub(crate) fn greeted_before(&self, server: SocketAddr) -> bool {
        let greeted = self.greeted.lock().unwrap_or_else(|e| e.into_inner());
        greeted.contains(&server)
    }

    /// Notes a plain greeting that came in `waited` after the wait began. (Concurrent notes
    /// may interleave the two updates: the estimate stays an estimate.)
    pub(crate) fn record(&self, waited: Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        let r = u64::try_from(waited.as_micros())
            .unwrap_or(u64::MAX / 8)
            .max(1);
        let average = self.average_us.load(Relaxed);
        if average == 0 {
            self.average_us.store(r, Relaxed);
            self.deviation_us.store(r / 2, Relaxed);
            return;
        }
        let deviation = self.deviation_us.load(Relaxed);
        self.deviation_us
            .store(deviation - deviation / 4 + average.abs_diff(r) / 4, Relaxed);
        self.average_us
            .store(average - average / 8 + r / 8, Relaxed);
    }

    /// By when a plain greeting has almost surely come in: the average plus four deviations;
    /// zero before any greeting.
    pub(crate) fn wait(&self) -> Duration {
        use std::sync::atomic::Ordering::Relaxed;
        let us = self
            .average_us
            .load(Relaxed)
            .saturating_add(self.deviation_us.load(Relaxed).saturating_mul(4));
        Duration::from_micros(us)
    }
}

/// When the TLS attempt starts beside the wait for a greeting.
#[derive(Debug, Clone, Copy, PartialEq)]
enum TlsStart {
    /// At once, after the plain greeting's head start (a port where either is as likely).
    Raced(Duration),
    /// After this much silence (587, 2525, or a server seen greeting earlier in the run).
    AfterSilence(Duration),
}

/// What answered first on a port expected to greet in plain text.
enum FirstAnswer<S> {
    Greeting(GreetingOutcome),
    /// The TLS session, and when its attempt had started.
    Tls(TlsObservation, Box<super::tls::TlsOver<S>>, TlsStart),
    TlsFailed(TlsObservation),
}

/// What every endpoint probe of a run shares.
#[derive(Debug, Clone)]
pub(crate) struct ProbeContext {
    /// The plan.
    pub plan: Arc<Plan>,
    /// TLS configuration, built once.
    pub tls: TlsContext,
    /// The host's fastest handshake so far, shared by its endpoints.
    pub rtt: Arc<tcp::RttHint>,
    /// How long plain greetings take, shared by every run of the engine.
    pub greetings: Arc<GreetingPace>,
}

/// What a session does after EHLO, besides QUIT.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SessionRole {
    /// Log in with the plan's credentials.
    pub auth: bool,
    /// Send the plan's test message.
    pub send: bool,
}

/// Probes one endpoint completely. Never fails: every outcome is an observation.
pub(crate) async fn probe(
    ctx: &ProbeContext,
    address: IpAddr,
    port: PortPlan,
    role: SessionRole,
) -> EndpointObservation {
    let target = ctx.plan.connect_target(address, port.port);
    let (tcp, stream) = tcp::connect(target, &ctx.plan.timing, &ctx.rtt).await;
    let mut ep = EndpointObservation {
        port: port.port,
        address,
        family: Family::of(address),
        security: port.security,
        expected_security: port.security,
        connected_to: (target != SocketAddr::new(address, port.port)).then_some(target),
        tcp,
        smtp: None,
        tls: None,
        auth: None,
        send: None,
        transcript: Vec::new(),
    };
    let Some(stream) = stream else { return ep };
    let opened = Instant::now();
    match port.security {
        Security::ImplicitTls => implicit_first(ctx, target, stream, opened, role, &mut ep).await,
        Security::Starttls | Security::Plain => {
            plain_first(ctx, target, stream, opened, true, role, &mut ep).await
        }
    }
    ep
}

fn step_deadline(ctx: &ProbeContext) -> Deadline {
    Deadline::now() + ctx.plan.timing.step
}

/// The first bytes a server sent look like a TLS record (handshake or alert).
fn looks_like_tls(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(0x14..=0x17))
}

fn first_line(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    escape(&bytes[..end]).trim_end_matches("\\u{d}").to_string()
}

/// Port expected to speak TLS from the first byte (465).
async fn implicit_first(
    ctx: &ProbeContext,
    target: SocketAddr,
    stream: TcpStream,
    opened: Instant,
    role: SessionRole,
    ep: &mut EndpointObservation,
) {
    let host = ctx.plan.host.to_string();
    let (tls_obs, tls_stream, seen) = ctx
        .tls
        .handshake(stream, &host, Security::ImplicitTls, step_deadline(ctx))
        .await;
    let mut transcript = vec![note(opened, "TLS ClientHello sent (implicit TLS)")];
    if let Some(tls_stream) = tls_stream {
        transcript.push(note(opened, tls_summary(&tls_obs)));
        let secure = tls_obs.is_secure();
        ep.tls = Some(tls_obs);
        ep.security = Security::ImplicitTls;
        let (smtp, transcript) =
            session_over_tls(ctx, tls_stream, opened, transcript, secure, role, ep).await;
        ep.smtp = Some(smtp);
        ep.transcript = transcript;
        return;
    }
    if !seen.is_empty() && !looks_like_tls(&seen) {
        return not_tls_answer(ctx, target, &seen, opened, transcript, role, ep).await;
    }
    if seen.is_empty()
        && matches!(
            &tls_obs.handshake,
            HandshakeOutcome::Failed {
                kind: TlsFailure::NoReply,
                ..
            }
        )
    {
        // Silent to TLS: neither a ServerHello nor a greeting.
        transcript.push(note(
            opened,
            "no reply to the TLS ClientHello and no greeting",
        ));
        ep.smtp = Some(SmtpObservation::greeted(GreetingOutcome::Silent {
            waited_ms: ms_since(opened),
            lines: 0,
            bytes: 0,
        }));
        ep.transcript = transcript;
        return;
    }
    transcript.push(note(opened, tls_summary(&tls_obs)));
    ep.tls = Some(tls_obs);
    ep.transcript = transcript;
}

/// The reply to our ClientHello was not TLS: a plain-text greeting (the port starts in plain
/// text: probe it again that way) or something that is neither TLS nor SMTP.
async fn not_tls_answer(
    ctx: &ProbeContext,
    target: SocketAddr,
    seen: &[u8],
    opened: Instant,
    mut transcript: Vec<TranscriptLine>,
    role: SessionRole,
    ep: &mut EndpointObservation,
) {
    let line = first_line(seen);
    if parse_reply_line(&line).is_some() {
        // A plain-text greeting answered our ClientHello: the port starts in plain text.
        transcript.push(note(
            opened,
            format!("the server answered TLS with plain text (\"{line}\"): it starts in plain text; reconnecting"),
        ));
        let (tcp2, stream2) = tcp::connect(target, &ctx.plan.timing, &ctx.rtt).await;
        match stream2 {
            Some(stream2) => {
                ep.transcript = transcript;
                Box::pin(plain_first(ctx, target, stream2, opened, false, role, ep)).await;
            }
            None => {
                transcript.push(note(
                    opened,
                    format!("reconnect failed: {}", tcp2.state.as_str()),
                ));
                ep.security = Security::Starttls;
                // The port is judged by the connection that failed: its state is the finding.
                ep.tcp = tcp2;
                ep.transcript = transcript;
            }
        }
        return;
    }
    transcript.push(note(
        opened,
        format!("the server sent something that is neither TLS nor SMTP: \"{line}\""),
    ));
    ep.smtp = Some(SmtpObservation::greeted(GreetingOutcome::NotSmtp {
        evidence: line,
        ms: ms_since(opened),
    }));
    ep.transcript = transcript;
}

/// Port expected to greet in plain text (587, 25). When it stays silent, a TLS attempt on a
/// fresh connection finds out whether it speaks implicit TLS instead.
async fn plain_first(
    ctx: &ProbeContext,
    target: SocketAddr,
    stream: TcpStream,
    opened: Instant,
    may_try_tls: bool,
    role: SessionRole,
    ep: &mut EndpointObservation,
) {
    let full_deadline = step_deadline(ctx);
    let mut wire = Wire::new(stream, opened);
    wire.transcript = std::mem::take(&mut ep.transcript);
    let waiting_since = Deadline::now();
    // Not on 25: MTAs there (Postfix's postscreen) treat a client that talks before the
    // greeting as a spambot and may refuse this machine for a while; implicit TLS on 25 is rare.
    let greeting = if may_try_tls && ep.port != 25 {
        match race_greeting_and_tls(
            ctx,
            &mut wire,
            target,
            ep.port,
            ep.tcp.ms,
            full_deadline,
            waiting_since,
        )
        .await
        {
            FirstAnswer::Greeting(g) => g,
            FirstAnswer::Tls(obs, stream, start) => {
                let up = TlsUp {
                    obs,
                    stream: *stream,
                    start,
                };
                return implicit_tls_up(ctx, wire, up, opened, role, ep).await;
            }
            FirstAnswer::TlsFailed(obs) => return implicit_tls_failed(wire, obs, ep),
        }
    } else {
        smtp::read_greeting(&mut wire, full_deadline, waiting_since).await
    };
    let greeting = if may_try_tls {
        nudge_if_silent(ctx, &mut wire, greeting).await
    } else {
        greeting
    };
    let mut obs = SmtpObservation::greeted(greeting);
    if !matches!(obs.greeting, GreetingOutcome::Ok { .. }) {
        if matches!(obs.greeting, GreetingOutcome::Rejected { .. }) {
            smtp::quit(&mut wire).await;
        }
        return finish(ep, obs, wire.into_parts().1);
    }
    let ehlo = smtp::ehlo(&mut wire, &ctx.plan.ehlo_name, full_deadline).await;
    let offers_starttls = match &ehlo {
        Ok(e) => e.accepted() && e.capabilities.starttls,
        Err(_) => false,
    };
    (obs.ehlo, obs.ehlo_failed) = split(ehlo);
    if !offers_starttls {
        if let Some(caps) = obs
            .ehlo
            .as_ref()
            .filter(|e| e.accepted())
            .map(|e| e.capabilities.clone())
        {
            obs.starttls = Some(StarttlsOutcome::NotOffered);
            ep.security = Security::Plain;
            after_ehlo(ctx, &mut wire, &caps, false, role, ep).await;
        }
        smtp::quit(&mut wire).await;
        return finish(ep, obs, wire.into_parts().1);
    }
    ep.security = Security::Starttls;
    let go = smtp::starttls(&mut wire, full_deadline).await;
    let ready = matches!(go, StarttlsOutcome::Ready { .. });
    obs.starttls = Some(go);
    if !ready {
        smtp::quit(&mut wire).await;
        return finish(ep, obs, wire.into_parts().1);
    }
    over_starttls(ctx, wire, obs, opened, role, ep).await;
}

/// An EHLO result as the observation keeps it: the outcome, or why there was none.
fn split(
    ehlo: Result<crate::model::EhloOutcome, crate::model::EhloFailure>,
) -> (
    Option<crate::model::EhloOutcome>,
    Option<crate::model::EhloFailure>,
) {
    match ehlo {
        Ok(e) => (Some(e), None),
        Err(f) => (None, Some(f)),
    }
}

/// The SMTP observation and transcript of a session that ends here.
fn finish(ep: &mut EndpointObservation, smtp: SmtpObservation, transcript: Vec<TranscriptLine>) {
    ep.smtp = Some(smtp);
    ep.transcript = transcript;
}

/// The greeting on this connection, raced against a TLS attempt on a fresh one started after
/// [`tls_probe_after`] of silence: a port that speaks implicit TLS never greets first.
async fn race_greeting_and_tls(
    ctx: &ProbeContext,
    wire: &mut Wire<TcpStream>,
    target: SocketAddr,
    port: u16,
    connect_ms: f64,
    deadline: Deadline,
    waiting_since: Deadline,
) -> FirstAnswer<TcpStream> {
    let host = ctx.plan.host.to_string();
    let greeting_fut = smtp::read_greeting(wire, deadline, waiting_since);
    tokio::pin!(greeting_fut);
    let start = match tls_probe_after(port) {
        at_once if at_once.is_zero() && !ctx.greetings.greeted_before(target) => {
            TlsStart::Raced(race_head_start(connect_ms, ctx.greetings.wait()))
        }
        at_once if at_once.is_zero() => TlsStart::AfterSilence(TLS_PROBE_AFTER),
        after => TlsStart::AfterSilence(after),
    };
    let tls_fut = async {
        let after = match start {
            TlsStart::Raced(after) | TlsStart::AfterSilence(after) => after,
        };
        tokio::time::sleep(after.min(ctx.plan.timing.step)).await;
        let (_, stream2) = tcp::connect(target, &ctx.plan.timing, &ctx.rtt).await;
        match stream2 {
            Some(s2) => Some(
                ctx.tls
                    .handshake(s2, &host, Security::ImplicitTls, step_deadline(ctx))
                    .await,
            ),
            None => None,
        }
    };
    tokio::pin!(tls_fut);
    let mut tls_tried = false;
    loop {
        tokio::select! {
            g = &mut greeting_fut => {
                if matches!(g, GreetingOutcome::Ok { .. }) {
                    ctx.greetings.record(waiting_since.elapsed());
                    ctx.greetings.greeted(target);
                }
                break FirstAnswer::Greeting(g);
            }
            r = &mut tls_fut, if !tls_tried => {
                tls_tried = true;
                match r {
                    Some((obs, Some(stream), _)) => {
                        break FirstAnswer::Tls(obs, Box::new(stream), start)
                    }
                    Some((obs, None, seen)) if looks_like_tls(&seen) => break FirstAnswer::TlsFailed(obs),
                    // Not TLS (a plain greeting answered the ClientHello): keep waiting.
                    _ => {}
                }
            }
        }
    }
}

/// The TLS session that answered where a greeting was expected.
struct TlsUp {
    obs: TlsObservation,
    stream: super::tls::TlsOver<TcpStream>,
    /// When the attempt had started.
    start: TlsStart,
}

/// A port expected to greet turned out to speak implicit TLS: the session goes on over the
/// TLS connection.
async fn implicit_tls_up(
    ctx: &ProbeContext,
    mut wire: Wire<TcpStream>,
    up: TlsUp,
    opened: Instant,
    role: SessionRole,
    ep: &mut EndpointObservation,
) {
    let TlsUp {
        obs: tls_obs,
        stream: tls_stream,
        start,
    } = up;
    let when = match start {
        TlsStart::Raced(head_start) => format!(
            "no greeting; a TLS attempt on a new connection, started at once on this port (a {:.0} ms head start for a plain greeting), succeeded",
            head_start.as_secs_f64() * 1000.0
        ),
        TlsStart::AfterSilence(after) => format!(
            "no greeting after {:.0} ms; a TLS attempt on a new connection succeeded",
            after.as_secs_f64() * 1000.0
        ),
    };
    wire.note(format!(
        "{when}: this port speaks implicit TLS: {}",
        tls_summary(&tls_obs)
    ));
    let (_, transcript) = wire.into_parts();
    let secure = tls_obs.is_secure();
    ep.tls = Some(tls_obs);
    ep.security = Security::ImplicitTls;
    let (smtp, transcript) =
        session_over_tls(ctx, tls_stream, opened, transcript, secure, role, ep).await;
    finish(ep, smtp, transcript);
}

/// A port expected to greet speaks TLS instead, and its handshake failed.
fn implicit_tls_failed(
    mut wire: Wire<TcpStream>,
    tls_obs: TlsObservation,
    ep: &mut EndpointObservation,
) {
    wire.note(format!(
        "no greeting; this port speaks TLS, but: {}",
        tls_summary(&tls_obs)
    ));
    ep.tls = Some(tls_obs);
    ep.security = Security::ImplicitTls;
    ep.transcript = wire.into_parts().1;
}

/// Some services (HTTP) wait for the client: a line from us makes a silent one show itself.
async fn nudge_if_silent(
    ctx: &ProbeContext,
    wire: &mut Wire<TcpStream>,
    greeting: GreetingOutcome,
) -> GreetingOutcome {
    // Only true silence: a greeting that began and never ended is a server talking.
    if !matches!(greeting, GreetingOutcome::Silent { bytes: 0, .. }) {
        return greeting;
    }
    let probe_deadline = Deadline::now() + Duration::from_millis(500);
    let name = ctx.plan.ehlo_name.clone();
    match wire
        .command(&super::command::Command::Ehlo(&name), probe_deadline)
        .await
    {
        Err(super::wire::ReplyError::NotSmtp(text)) => GreetingOutcome::NotSmtp {
            evidence: text,
            ms: wire.elapsed_ms(),
        },
        _ => greeting,
    }
}

/// After "220 ready to start TLS": the handshake, EHLO again, then login and send.
async fn over_starttls(
    ctx: &ProbeContext,
    mut wire: Wire<TcpStream>,
    mut obs: SmtpObservation,
    opened: Instant,
    role: SessionRole,
    ep: &mut EndpointObservation,
) {
    if !wire.buffered().is_empty() {
        // Bytes after "220 ready" and before TLS would be injected into the TLS session
        // (CVE-2011-0411 class); they are dropped, and said.
        wire.note("the server sent data after the STARTTLS go-ahead; discarded");
    }
    let host = ctx.plan.host.to_string();
    let (stream, mut transcript) = wire.into_parts();
    let (tls_obs, tls_stream, _) = ctx
        .tls
        .handshake(stream, &host, Security::Starttls, step_deadline(ctx))
        .await;
    transcript.push(note(opened, tls_summary(&tls_obs)));
    ep.tls = Some(tls_obs);
    let Some(tls_stream) = tls_stream else {
        return finish(ep, obs, transcript);
    };
    let mut wire = Wire::new(tls_stream, opened);
    wire.transcript = transcript;
    (obs.ehlo_after_tls, obs.ehlo_after_tls_failed) =
        split(smtp::ehlo(&mut wire, &ctx.plan.ehlo_name, step_deadline(ctx)).await);
    if let Some(e) = obs.ehlo_after_tls.as_ref().filter(|e| e.accepted()) {
        let caps = e.capabilities.clone();
        let secure = ep.tls.as_ref().is_some_and(|t| t.is_secure());
        after_ehlo(ctx, &mut wire, &caps, secure, role, ep).await;
    }
    smtp::quit(&mut wire).await;
    finish(ep, obs, wire.into_parts().1);
}

/// Greeting, EHLO and QUIT over an established TLS stream.
async fn session_over_tls<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &ProbeContext,
    stream: S,
    opened: Instant,
    transcript: Vec<TranscriptLine>,
    secure: bool,
    role: SessionRole,
    ep: &mut EndpointObservation,
) -> (SmtpObservation, Vec<TranscriptLine>) {
    let mut wire = Wire::new(stream, opened);
    wire.transcript = transcript;
    let deadline = step_deadline(ctx);
    let greeting = smtp::read_greeting(&mut wire, deadline, Deadline::now()).await;
    let mut obs = SmtpObservation::greeted(greeting);
    if matches!(obs.greeting, GreetingOutcome::Ok { .. }) {
        (obs.ehlo, obs.ehlo_failed) =
            split(smtp::ehlo(&mut wire, &ctx.plan.ehlo_name, deadline).await);
        if let Some(e) = obs.ehlo.as_ref().filter(|e| e.accepted()) {
            let caps = e.capabilities.clone();
            after_ehlo(ctx, &mut wire, &caps, secure, role, ep).await;
        }
    }
    if !matches!(
        obs.greeting,
        GreetingOutcome::Silent { .. } | GreetingOutcome::Closed { .. }
    ) {
        smtp::quit(&mut wire).await;
    }
    (obs, wire.into_parts().1)
}

/// Login and test message, as the role asks. Credentials go only over TLS whose certificate
/// verified, unless the user passed `--insecure-auth`.
async fn after_ehlo<S: AsyncRead + AsyncWrite + Unpin>(
    ctx: &ProbeContext,
    wire: &mut Wire<S>,
    caps: &crate::model::Capabilities,
    secure: bool,
    role: SessionRole,
    ep: &mut EndpointObservation,
) {
    let plan = &ctx.plan;
    let mut may_send = true;
    if let (true, Some(creds)) = (role.auth, &plan.credentials) {
        let auth = if !secure && !plan.insecure_auth {
            let (reason, why) = if ep.tls.is_none() {
                (Unprotected::NotEncrypted, "the connection is not encrypted")
            } else {
                (
                    Unprotected::NotVerified,
                    "the server's certificate did not verify",
                )
            };
            wire.note(format!("credentials withheld: {why}"));
            auth::refused_plaintext(creds, reason, wire.elapsed_ms())
        } else {
            auth::authenticate(wire, &caps.auth, creds, step_deadline(ctx)).await
        };
        may_send = auth.accepted();
        ep.auth = Some(auth);
    }
    if let (true, true, Some(send_plan)) = (role.send, may_send, &plan.send) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let machine = machine_name();
        let mut nonce = [0u8; 6];
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut nonce);
        let nonce = crate::printable::hex(&nonce);
        let message_id = format!("<{now}.{nonce}@smtp-doctor.invalid>");
        ep.send = Some(
            send::send(
                wire,
                send_plan,
                &machine,
                now,
                message_id,
                step_deadline(ctx),
            )
            .await,
        );
    }
}

/// This machine's name, for the test message.
fn machine_name() -> String {
    super::environment::read_small(std::path::Path::new("/etc/hostname"))
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "this machine".to_string())
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn note(opened: Instant, text: impl Into<String>) -> TranscriptLine {
    TranscriptLine {
        ms: ms_since(opened),
        dir: Direction::Event,
        text: text.into(),
    }
}

fn tls_summary(obs: &TlsObservation) -> String {
    match &obs.handshake {
        HandshakeOutcome::Done {
            version,
            cipher,
            ms,
        } => {
            let issuer = obs.chain.first().map(|c| c.issuer.as_str()).unwrap_or("?");
            let verdict = match &obs.verification {
                Some(Verification::Verified) => "verified".to_string(),
                Some(Verification::Expired { detail }) => {
                    format!("NOT verified: expired ({detail})")
                }
                Some(Verification::NameMismatch {
                    expected,
                    presented,
                }) => format!(
                    "NOT verified: {expected} is not among its names ({})",
                    presented.join(", ")
                ),
                Some(Verification::Untrusted { detail }) => {
                    format!("NOT verified: untrusted issuer ({detail})")
                }
                Some(Verification::Invalid { detail }) => format!("NOT verified: {detail}"),
                None => "not checked".to_string(),
            };
            format!("TLS up in {ms:.0} ms: {version} {cipher}; issuer {issuer}; chain {verdict}")
        }
        HandshakeOutcome::Failed { reason, .. } => format!("TLS failed: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_greeting_gets_a_head_start_of_two_round_trips_and_never_more_than_25_ms() {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        // Loopback: a handshake of 0.1 ms leaves 5.2 ms.
        let none = Duration::ZERO;
        assert!((ms(race_head_start(0.1, none)) - 5.2).abs() < 1e-6);
        // A distant server: capped, so implicit TLS there pays at most 25 ms.
        assert_eq!(race_head_start(40.0, none), RACE_HEAD_START_MAX);
        assert_eq!(
            race_head_start(f64::INFINITY, none),
            Duration::from_millis(5)
        );
        assert_eq!(race_head_start(f64::NAN, none), Duration::from_millis(5));
        assert_eq!(race_head_start(-1.0, none), Duration::from_millis(5));
    }

    #[test]
    fn greetings_slower_than_the_round_trips_lengthen_the_head_start_within_its_cap() {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let pace = GreetingPace::default();
        assert_eq!(pace.wait(), Duration::ZERO);
        // Before any greeting (a single check): two round trips and 5 ms, as before.
        assert!((ms(race_head_start(0.1, pace.wait())) - 5.2).abs() < 1e-6);
        // 200 targets at once on loopback: the lab's greetings come 5–30 ms after the
        // connect. The head start follows them, past two round trips and 5 ms.
        for waited in [6, 9, 5, 14, 7, 22, 6, 8, 11, 6, 30, 7, 9, 5, 12, 6] {
            pace.record(Duration::from_millis(waited));
        }
        let wait = pace.wait();
        assert!(ms(wait) > 13.0 && ms(wait) < 40.0, "{wait:?}");
        assert_eq!(race_head_start(0.1, wait), wait.min(RACE_HEAD_START_MAX));
        // Steady quick greetings bring it back down to the round trips' head start.
        for _ in 0..100 {
            pace.record(Duration::from_micros(400));
        }
        assert!(ms(pace.wait()) < 5.2, "{:?}", pace.wait());
        assert!((ms(race_head_start(0.1, pace.wait())) - 5.2).abs() < 1e-6);
        // However slow the greetings, implicit TLS still pays at most 25 ms.
        assert_eq!(
            race_head_start(0.1, Duration::from_millis(400)),
            RACE_HEAD_START_MAX
        );
    }

    #[test]
    fn a_server_seen_greeting_is_remembered_up_to_a_bound() {
        let pace = GreetingPace::default();
        let server: SocketAddr = "127.0.0.1:2587".parse().unwrap();
        assert!(!pace.greeted_before(server));
        pace.greeted(server);
        assert!(pace.greeted_before(server));
        assert!(!pace.greeted_before("127.0.0.1:2465".parse().unwrap()));
        for port in 0..(GREETED_KEPT as u16 + 10) {
            pace.greeted(SocketAddr::from(([10, 0, 0, 1], port)));
        }
        assert_eq!(pace.greeted.lock().unwrap().len(), GREETED_KEPT);
    }
}

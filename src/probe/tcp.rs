//! TCP step: connect, and tell an open port from a refused, dropped, unreachable or locally
//! denied one.
//!
//! A silently dropped SYN can only be recognised by waiting, so the wait is made smart rather
//! than long: fresh connection attempts (each with its own SYN) start while the first is
//! unanswered, so one lost SYN on a live path is answered by the next attempt within a few
//! hundred milliseconds instead of the kernel's one-second retransmission.

use super::os_error::{self, Platform};
use crate::model::{TcpObservation, TcpState};
use crate::plan::Timing;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

/// The kernel's SYN retransmission times after a connect starts (Linux: initial RTO 1 s,
/// doubling). Only used to estimate how many SYNs went unanswered.
const SYN_RETRANSMITS: [Duration; 3] = [
    Duration::from_secs(1),
    Duration::from_secs(3),
    Duration::from_secs(7),
];

/// A connect that failed, and whether it failed inside `connect()` itself (this machine's
/// decision) or later, when the network answered.
struct ConnectError {
    err: std::io::Error,
    immediate: bool,
}

/// One non-blocking connect attempt.
/// [`connect_once`], waiting while this machine is out of sockets (EMFILE, ENOBUFS: other
/// probes hold them and will give them back) until shortly before `deadline`; then the local
/// error is the answer, never a silent wait that would read as a dropped SYN.
async fn connect_with_room(
    target: SocketAddr,
    deadline: tokio::time::Instant,
) -> Result<TcpStream, ConnectError> {
    let pause = Duration::from_millis(25);
    loop {
        match connect_once(target).await {
            Err(e)
                if e.immediate
                    && os_error::is_local_resource(Platform::current(), &e.err)
                    && tokio::time::Instant::now() + pause * 4 < deadline =>
            {
                tokio::time::sleep(pause).await;
            }
            result => return result,
        }
    }
}

async fn connect_once(target: SocketAddr) -> Result<TcpStream, ConnectError> {
    use socket2::{Domain, Protocol, Socket, Type};
    let later = |err| ConnectError {
        err,
        immediate: false,
    };
    let now = |err| ConnectError {
        err,
        immediate: true,
    };
    let socket = Socket::new(
        Domain::for_address(target),
        Type::STREAM,
        Some(Protocol::TCP),
    )
    .map_err(now)?;
    socket.set_nonblocking(true).map_err(now)?;
    match socket.connect(&target.into()) {
        Ok(()) => {}
        Err(e)
            if e.kind() == std::io::ErrorKind::WouldBlock
                || e.raw_os_error() == Some(EINPROGRESS) => {}
        Err(e) => return Err(now(e)),
    }
    let stream = TcpStream::from_std(std::net::TcpStream::from(socket)).map_err(now)?;
    stream.writable().await.map_err(later)?;
    if let Some(e) = stream.take_error().map_err(later)? {
        return Err(later(e));
    }
    // Writable without an error, yet not connected, only happens on odd stacks: ask the peer.
    stream.peer_addr().map_err(later)?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adaptive_wait_shrinks_only_with_default_timing() {
        let t = Timing::default();
        assert_eq!(adaptive_wait(&t, None), Duration::from_millis(1500));
        assert_eq!(
            adaptive_wait(&t, Some(Duration::from_millis(1))),
            MIN_ADAPTIVE_WAIT
        );
        assert_eq!(
            adaptive_wait(&t, Some(Duration::from_millis(40))),
            Duration::from_millis(1370)
        );
        assert_eq!(
            adaptive_wait(&t, Some(Duration::from_millis(100))),
            Duration::from_millis(1500)
        );
        let user = Timing::new(Some(Duration::from_secs(4)));
        assert_eq!(
            adaptive_wait(&user, Some(Duration::from_millis(1))),
            Duration::from_secs(4)
        );
    }

    #[test]
    fn adaptive_wait_never_exceeds_a_connect_wait_shorter_than_its_floor() {
        // `serve` shrinks the default timing to fit a short scrape timeout: the wait is then
        // below the adaptive floor, and a hint from an answered port must not panic (clamp
        // with min > max) nor lengthen it.
        let t = Timing {
            connect_wait: Duration::from_millis(750),
            ..Timing::default()
        };
        assert!(t.adaptive);
        for rtt in [1, 40, 400] {
            assert_eq!(
                adaptive_wait(&t, Some(Duration::from_millis(rtt))),
                Duration::from_millis(750)
            );
        }
    }

    #[test]
    fn hint_keeps_the_fastest() {
        let h = RttHint::default();
        assert_eq!(h.fastest(), None);
        h.record(30.0);
        h.record(12.5);
        h.record(40.0);
        assert_eq!(h.fastest(), Some(Duration::from_micros(12_500)));
    }
}

#[cfg(unix)]
const EINPROGRESS: i32 = if cfg!(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd"
)) {
    36
} else {
    115
};
#[cfg(windows)]
const EINPROGRESS: i32 = 10035; // WSAEWOULDBLOCK

/// The fastest TCP handshake seen so far with one host in this run: once any port answered,
/// the round-trip time is known, and an unanswered port need not be waited for as long.
#[derive(Debug, Default)]
pub(crate) struct RttHint {
    fastest_us: std::sync::atomic::AtomicU64,
    connected: tokio::sync::Notify,
    unanswered: std::sync::atomic::AtomicBool,
    waiting: tokio::sync::Notify,
}

impl RttHint {
    /// Notes a completed handshake.
    pub(crate) fn record(&self, ms: f64) {
        use std::sync::atomic::Ordering::Relaxed;
        let us = ((ms * 1000.0) as u64).max(1);
        // 0 means "none yet"; otherwise keep the smaller.
        let _ = self
            .fastest_us
            .fetch_update(Relaxed, Relaxed, |cur| (cur == 0 || us < cur).then_some(us));
        self.connected.notify_waiters();
    }
    /// Returns once any port of the host has completed a handshake (at once if one has).
    pub(crate) async fn any_connected(&self) {
        let notified = self.connected.notified();
        tokio::pin!(notified);
        // Registered before the check, so a handshake in between is not missed.
        notified.as_mut().enable();
        if self.fastest().is_some() {
            return;
        }
        notified.await;
    }
    /// Notes that a connect of the host went unanswered past its first attempt (the next one
    /// starts): something may be in the way.
    pub(crate) fn unanswered(&self) {
        self.unanswered
            .store(true, std::sync::atomic::Ordering::Release);
        self.waiting.notify_waiters();
    }
    /// Returns once a connect of the host has gone unanswered past its first attempt (at once
    /// if one has).
    pub(crate) async fn any_unanswered(&self) {
        let notified = self.waiting.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        if self.unanswered.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        notified.await;
    }
    /// The fastest handshake, if any.
    pub(crate) fn fastest(&self) -> Option<Duration> {
        match self.fastest_us.load(std::sync::atomic::Ordering::Relaxed) {
            0 => None,
            us => Some(Duration::from_micros(us)),
        }
    }
}

/// The shortest an adaptive wait gets. By then three fresh SYNs (0, 250, 500 ms) have had a
/// round trip, and so has the kernel's first retransmission (1 s on Linux and macOS): a
/// firewall that drops the first SYN of every new connection (anti-spoofing "SYN
/// authentication") lets that retransmission through, so the wait must outlast it.
pub(crate) const MIN_ADAPTIVE_WAIT: Duration = Duration::from_millis(1250);

/// How long to wait for an unanswered port, given the host's fastest handshake so far.
pub(crate) fn adaptive_wait(timing: &Timing, fastest: Option<Duration>) -> Duration {
    match fastest {
        // Never past the plan's own wait, even when that is below the floor (a short scrape).
        Some(rtt) if timing.adaptive => (Duration::from_millis(1050) + rtt * 8)
            .max(MIN_ADAPTIVE_WAIT)
            .min(timing.connect_wait),
        _ => timing.connect_wait,
    }
}

/// Connects to `target` following `timing`; returns what happened and, when open, the stream.
/// `hint` shortens the wait (see [`adaptive_wait`]) when another port of the host answered.
pub(crate) async fn connect(
    target: SocketAddr,
    timing: &Timing,
    hint: &RttHint,
) -> (TcpObservation, Option<TcpStream>) {
    let started = Instant::now();
    let deadline_at = |hint: &RttHint| {
        tokio::time::Instant::from_std(started + adaptive_wait(timing, hint.fastest()))
    };
    let mut pending: JoinSet<Result<TcpStream, ConnectError>> = JoinSet::new();
    let mut schedule = timing.connect_attempts.iter().copied().peekable();
    let mut started_offsets: Vec<Duration> = Vec::new();
    let mut last_timeout: Option<std::io::Error> = None;

    loop {
        let deadline = deadline_at(hint);
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        // Start every attempt that is due.
        while let Some(&offset) = schedule.peek() {
            if started.elapsed() < offset {
                break;
            }
            schedule.next();
            if !started_offsets.is_empty() {
                // The first attempt had no answer in time: a reason to look at what is in the
                // way (see the engine's machine security).
                hint.unanswered();
            }
            started_offsets.push(started.elapsed());
            pending.spawn(connect_with_room(target, deadline));
        }
        // Wake for the next attempt, the deadline, or at least every 100 ms to see the hint.
        let next_attempt = schedule
            .peek()
            .map(|&o| tokio::time::Instant::from_std(started + o))
            .unwrap_or(deadline)
            .min(deadline)
            .min(tokio::time::Instant::now() + Duration::from_millis(100));
        let joined = tokio::select! {
            joined = pending.join_next(), if !pending.is_empty() => joined,
            _ = tokio::time::sleep_until(next_attempt) => continue,
        };
        let Some(Ok(result)) = joined else { continue };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let attempts = started_offsets.len() as u32;
        match result {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                hint.record(ms);
                let obs = TcpObservation {
                    state: TcpState::Open,
                    ms,
                    attempts,
                    syns: attempts,
                    os_error: None,
                };
                return (obs, Some(stream));
            }
            Err(ConnectError { err, immediate }) => {
                let platform = Platform::current();
                match error_state(platform, &err, immediate) {
                    // A kernel timeout inside our wait is no answer yet: keep waiting.
                    TcpState::Filtered => last_timeout = Some(err),
                    state => {
                        let obs = TcpObservation {
                            state,
                            ms,
                            attempts,
                            syns: attempts,
                            os_error: Some(os_error::evidence(platform, &err)),
                        };
                        return (obs, None);
                    }
                }
            }
        }
        if pending.is_empty() && schedule.peek().is_none() {
            break;
        }
    }
    pending.abort_all();
    (
        filtered(&started_offsets, started.elapsed(), last_timeout),
        None,
    )
}

/// The state a failed connect shows. An error that names no network state (out of sockets,
/// say) is this machine's own refusal to open the connection.
fn error_state(platform: Platform, err: &std::io::Error, immediate: bool) -> TcpState {
    match os_error::classify(platform, err.raw_os_error(), err.kind()).unwrap_or(TcpState::Denied) {
        // EACCES/EPERM that arrives later, from the network, is an ICMP "administratively
        // prohibited" (Linux reports ICMPv6 type 1 code 1 so), not this machine's refusal.
        TcpState::Denied if !immediate => TcpState::Unreachable,
        state => state,
    }
}

/// No answer within the wait: the attempts started at `offsets`, and the SYNs the kernel sent
/// for them (its retransmissions included) by `waited`.
fn filtered(
    offsets: &[Duration],
    waited: Duration,
    last_timeout: Option<std::io::Error>,
) -> TcpObservation {
    let syns = offsets
        .iter()
        .map(|&at| 1 + SYN_RETRANSMITS.iter().filter(|&&r| at + r < waited).count() as u32)
        .sum();
    TcpObservation {
        state: TcpState::Filtered,
        ms: waited.as_secs_f64() * 1000.0,
        attempts: offsets.len() as u32,
        syns,
        os_error: last_timeout.map(|e| os_error::evidence(Platform::current(), &e)),
    }
}

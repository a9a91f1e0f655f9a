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

/// Connects to `target` following `timing`; returns what happened and, when open, the stream.
pub async fn connect(target: SocketAddr, timing: &Timing) -> (TcpObservation, Option<TcpStream>) {
    let started = Instant::now();
    let deadline = tokio::time::Instant::now() + timing.connect_wait;
    let mut pending: JoinSet<std::io::Result<TcpStream>> = JoinSet::new();
    let mut schedule = timing.connect_attempts.iter().copied().peekable();
    let mut started_offsets: Vec<Duration> = Vec::new();
    let mut last_timeout: Option<std::io::Error> = None;

    loop {
        // Start every attempt that is due.
        while let Some(&offset) = schedule.peek() {
            if started.elapsed() < offset {
                break;
            }
            schedule.next();
            started_offsets.push(started.elapsed());
            pending.spawn(TcpStream::connect(target));
        }
        let next_attempt = schedule
            .peek()
            .map(|&o| tokio::time::Instant::from_std(started + o))
            .unwrap_or(deadline)
            .min(deadline);
        let joined = tokio::select! {
            joined = pending.join_next(), if !pending.is_empty() => joined,
            _ = tokio::time::sleep_until(next_attempt) => {
                if tokio::time::Instant::now() >= deadline {
                    break;
                }
                continue;
            }
        };
        let Some(Ok(result)) = joined else { continue };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let attempts = started_offsets.len() as u32;
        match result {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                let obs = TcpObservation {
                    state: TcpState::Open,
                    ms,
                    attempts,
                    syns: attempts,
                    os_error: None,
                };
                return (obs, Some(stream));
            }
            Err(err) => {
                let platform = Platform::current();
                // An error that names no network state (out of sockets, say) is this machine's
                // own refusal to open the connection.
                match os_error::classify(platform, err.raw_os_error(), err.kind())
                    .unwrap_or(TcpState::Denied)
                {
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
    let waited = started.elapsed();
    let syns = started_offsets
        .iter()
        .map(|&at| 1 + SYN_RETRANSMITS.iter().filter(|&&r| at + r < waited).count() as u32)
        .sum();
    let os_error = last_timeout.map(|e| os_error::evidence(Platform::current(), &e));
    let obs = TcpObservation {
        state: TcpState::Filtered,
        ms: waited.as_secs_f64() * 1000.0,
        attempts: started_offsets.len() as u32,
        syns,
        os_error,
    };
    (obs, None)
}

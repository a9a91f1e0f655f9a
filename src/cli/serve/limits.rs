//! The exporter's connections: bounded in all and per client, and an idle connection (no
//! request being answered: not yet sent its headers, or kept alive between requests) makes
//! way for a newcomer. So idle connections, however many and however often reopened, never
//! lock anyone out; only requests being answered hold a place, and probes among them are
//! bounded by `--concurrency` (one more is 503 at once). A connection just opened is spared for
//! a moment ([`GRACE`]) until it has sent its first request, so newcomers do not push each
//! other out before they could say anything.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};

/// How long a new connection that has not sent a request yet is kept from making way.
pub(crate) const GRACE: Duration = Duration::from_secs(1);

/// Who a connection is from: its address (an IPv4-mapped one as IPv4), or an IPv6 client by
/// its /64, which one machine usually has whole.
pub(crate) fn client_of(peer: IpAddr) -> IpAddr {
    match super::allow::canonical(peer) {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

struct Entry {
    client: IpAddr,
    /// Requests being answered on it now, and answered so far.
    busy: Arc<Counts>,
    opened: Instant,
    close: Arc<Notify>,
    /// Admission order: the oldest idle connection makes way first.
    seq: u64,
}

/// The open connections.
pub(crate) struct Connections {
    total: usize,
    per_client: usize,
    open: Mutex<(u64, HashMap<u64, Entry>)>,
}

/// A connection's place, given back on drop.
pub(crate) struct Place {
    registry: Arc<Connections>,
    id: u64,
    /// Its requests (see [`Busy`]).
    pub(crate) busy: Arc<Counts>,
    /// Notified when the connection is to close (it made way for another).
    pub(crate) close: Arc<Notify>,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.registry.lock().1.remove(&self.id);
    }
}

/// A connection's requests: being answered now, and seen so far.
#[derive(Default)]
pub(crate) struct Counts {
    now: AtomicUsize,
    seen: AtomicUsize,
}

/// A request being answered on a connection, for as long as it lives.
pub(crate) struct Busy(Arc<Counts>);

impl Busy {
    pub(crate) fn new(counts: &Arc<Counts>) -> Busy {
        counts.now.fetch_add(1, Ordering::SeqCst);
        counts.seen.fetch_add(1, Ordering::SeqCst);
        Busy(counts.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Entry {
    /// Not answering a request, and past its grace or done with a request already.
    fn may_make_way(&self, now: Instant) -> bool {
        self.busy.now.load(Ordering::SeqCst) == 0
            && (self.busy.seen.load(Ordering::SeqCst) > 0 || now - self.opened >= GRACE)
    }
}

impl Connections {
    pub(crate) fn new(total: usize, per_client: usize) -> Arc<Connections> {
        Arc::new(Connections {
            total: total.max(1),
            per_client: per_client.clamp(1, total.max(1)),
            open: Mutex::new((0, HashMap::new())),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, HashMap<u64, Entry>)> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many connections are open now.
    pub(crate) fn count(&self) -> usize {
        self.lock().1.len()
    }

    /// A place for a connection from `peer`, or `None` when every place it could take is
    /// answering a request. At its client's limit, that client's oldest idle connection
    /// makes way; when all places are taken, the oldest idle one of the client with the most.
    pub(crate) fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Place> {
        let client = client_of(peer);
        let now = Instant::now();
        let mut guard = self.lock();
        let (next, open) = &mut *guard;
        let mut per_client: HashMap<IpAddr, usize> = HashMap::new();
        for e in open.values() {
            *per_client.entry(e.client).or_insert(0) += 1;
        }
        let mine = per_client.get(&client).copied().unwrap_or(0);
        let victim = if mine >= self.per_client {
            Some(oldest_idle(open, now, |e| e.client == client)?)
        } else if open.len() >= self.total {
            let most = open
                .values()
                .filter(|e| e.may_make_way(now))
                .map(|e| per_client.get(&e.client).copied().unwrap_or(0))
                .max()?;
            Some(oldest_idle(open, now, |e| {
                per_client.get(&e.client).copied().unwrap_or(0) == most
            })?)
        } else {
            None
        };
        if let Some(id) = victim {
            if let Some(e) = open.remove(&id) {
                e.close.notify_one();
            }
        }
        *next += 1;
        let id = *next;
        let busy = Arc::new(Counts::default());
        let close = Arc::new(Notify::new());
        open.insert(
            id,
            Entry {
                client,
                busy: busy.clone(),
                opened: now,
                close: close.clone(),
                seq: id,
            },
        );
        Some(Place {
            registry: self.clone(),
            id,
            busy,
            close,
        })
    }
}

fn oldest_idle(
    open: &HashMap<u64, Entry>,
    now: Instant,
    which: impl Fn(&Entry) -> bool,
) -> Option<u64> {
    open.iter()
        .filter(|(_, e)| which(e) && e.may_make_way(now))
        .min_by_key(|(_, e)| e.seq)
        .map(|(id, _)| *id)
}

/// The most connections in all: a probe per connection at most, plus room for /metrics.
pub(super) fn connection_limit(concurrency: u32) -> usize {
    concurrency as usize * 2 + 16
}

/// The open files probes may share: the limit (raised first) less the HTTP connections and
/// a margin. Said on stderr when it cannot hold `concurrency` probes of one port.
pub(super) fn descriptor_budget(concurrency: u32) -> usize {
    let Some(limit) = super::super::many::raise_open_file_limit() else {
        return Semaphore::MAX_PERMITS;
    };
    let budget = limit.saturating_sub(48 + connection_limit(concurrency) as u64);
    let small = super::probe::descriptors_needed(1, 1);
    if budget / (small as u64) < u64::from(concurrency) {
        eprintln!(
            "smtp-doctor serve: the open-files limit ({limit}, ulimit -n) holds about {} probes of one port at once, not {concurrency}: more are answered 503",
            budget / small as u64
        );
    }
    usize::try_from(budget)
        .unwrap_or(usize::MAX)
        .clamp(1, Semaphore::MAX_PERMITS)
}

/// A per-target slot, given back on drop (the map never holds idle targets).
pub(super) struct TargetSlot<'a> {
    state: &'a super::State,
    key: String,
}

impl Drop for TargetSlot<'_> {
    fn drop(&mut self) {
        let mut map = self
            .state
            .per_target
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = map.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

impl super::State {
    pub(super) fn try_target(&self, key: String) -> Option<TargetSlot<'_>> {
        let mut map = self.per_target.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(key.clone()).or_insert(0);
        if *n >= self.per_target_limit {
            return None;
        }
        *n += 1;
        Some(TargetSlot { state: self, key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn an_idle_connection_makes_way_and_a_busy_one_does_not() {
        let c = Connections::new(4, 2);
        let served = |p: &Place| drop(Busy::new(&p.busy));
        let a1 = c.admit(ip("127.0.0.1")).unwrap();
        let _a1_busy = Busy::new(&a1.busy);
        let a2 = c.admit(ip("127.0.0.1")).unwrap();
        // Just opened, it has not said anything yet: it is spared.
        assert!(c.admit(ip("127.0.0.1")).is_none());
        served(&a2);
        // At its limit: the client's idle connection makes way, its busy one stays.
        let a3 = c.admit(ip("127.0.0.1")).unwrap();
        assert_eq!(c.count(), 2);
        drop(a2);
        let _a3_busy = Busy::new(&a3.busy);
        assert!(c.admit(ip("127.0.0.1")).is_none(), "both answering");
        // Others still get in; when all are taken, an idle one of the biggest client goes.
        let b1 = c.admit(ip("::ffff:127.0.0.2")).unwrap();
        let b2 = c.admit(ip("127.0.0.2")).unwrap();
        served(&b1);
        served(&b2);
        assert_eq!(c.count(), 4);
        let _c1 = c.admit(ip("2001:db8::1")).unwrap();
        assert_eq!(c.count(), 4);
        drop(b1);
        assert!(c.admit(ip("2001:db8::2")).is_some(), "one /64, one client");
    }
}

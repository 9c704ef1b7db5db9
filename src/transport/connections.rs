//! The open connections of `serve-http`, and which one gives way when they
//! run out.
//!
//! An unauthenticated client must never hold the slots that Discord needs.
//! So a connection counts as *trusted* only while it serves a request whose
//! Ed25519 signature verified; every other connection (nothing sent yet, a
//! head or body still arriving, idle between keep-alive requests) can be
//! closed to make room. When all `max_connections` are open, a new
//! connection is admitted by closing an untrusted one that has been idle for
//! at least [`GRACE_IDLE`]: the oldest of the peer that holds the most
//! connections. A flood of idle sockets thus evicts itself first, and a
//! fresh connection from anyone else is served straight away. The grace
//! gives every new connection (Discord's among them) time to send its
//! request before it can be closed, even by a flood from the same address.
//! When no connection may be closed, a new one waits, in the kernel's accept
//! queue, until one may (at most the grace) or a slot frees.
//!
//! Shutdown closes idle connections and lets each request finish; a
//! connection accepted but not yet sent its request gets to send it first
//! (within the head deadline), so a rolling restart answers what it took.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How long a connection is safe from eviction after it opened, or after
/// its last verified request ended: time for a client to send a request.
pub const GRACE_IDLE: Duration = Duration::from_millis(100);

/// One open connection, shared between its task, its requests and the registry.
#[derive(Debug)]
pub struct Conn {
    id: u64,
    /// When the registry started, for `active`.
    epoch: Instant,
    /// Milliseconds after `epoch` at which it opened or last finished a
    /// trusted request.
    active: AtomicU64,
    /// Requests in progress whose signature verified.
    trusted: AtomicUsize,
    /// Requests started on this connection.
    requests: AtomicU64,
    /// Signalled when a request starts (a permit is kept if nobody waits).
    started: Notify,
    /// Cancelled when the registry closes this connection to make room.
    evicted: CancellationToken,
    /// The registry's signal that a slot may have come free.
    freed: Arc<Notify>,
}

impl Conn {
    /// Marks the start of a request (its head has arrived).
    pub fn request_started(&self) {
        // Not a renewal of the grace: a client sending unsigned requests
        // back to back must not keep its connection safe.
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.started.notify_one();
    }

    fn touch(&self) {
        let now = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.active.store(now, Ordering::SeqCst);
    }

    /// When it may be closed for room, if it is not trusted now.
    fn evictable_at(&self) -> Option<Instant> {
        if self.trusted.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let active = Duration::from_millis(self.active.load(Ordering::SeqCst));
        Some(self.epoch + active + GRACE_IDLE)
    }

    /// How many requests have started on this connection.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Waits until a request starts (returns at once if one started since
    /// the last wait).
    pub async fn wait_request(&self) {
        self.started.notified().await;
    }

    /// Protects this connection from eviction while the guard lives: call
    /// it once the request's signature has verified.
    pub fn trust(self: &Arc<Self>) -> Trusted {
        self.trusted.fetch_add(1, Ordering::SeqCst);
        Trusted(Arc::clone(self))
    }

    /// Completes when the registry has closed this connection for room.
    pub async fn evicted(&self) {
        self.evicted.cancelled().await;
    }
}

/// A verified request in progress: its connection is not evicted meanwhile.
#[derive(Debug)]
pub struct Trusted(Arc<Conn>);

impl Drop for Trusted {
    fn drop(&mut self) {
        self.0.touch();
        self.0.trusted.fetch_sub(1, Ordering::SeqCst);
        // A connection waiting for a slot may close this one once it idles.
        self.0.freed.notify_waiters();
    }
}

#[derive(Debug, Default)]
struct Registry {
    next: u64,
    /// In the order they were accepted.
    open: BTreeMap<u64, (IpAddr, Arc<Conn>)>,
    per_peer: HashMap<IpAddr, usize>,
}

impl Registry {
    fn remove(&mut self, id: u64) -> Option<Arc<Conn>> {
        let (peer, conn) = self.open.remove(&id)?;
        if let Some(count) = self.per_peer.get_mut(&peer) {
            *count -= 1;
            if *count == 0 {
                self.per_peer.remove(&peer);
            }
        }
        Some(conn)
    }

    /// The connection to close for room at `now`: untrusted and past its
    /// grace, of the peer holding the most connections, the oldest of that
    /// peer's. Otherwise, when the first untrusted one will be past its grace.
    fn victim(&self, now: Instant) -> Result<u64, Option<Instant>> {
        let mut best: Option<(usize, u64)> = None;
        let mut soonest: Option<Instant> = None;
        for (&id, (peer, conn)) in &self.open {
            let Some(at) = conn.evictable_at() else {
                continue;
            };
            if at > now {
                soonest = Some(soonest.map_or(at, |s| s.min(at)));
                continue;
            }
            let held = self.per_peer.get(peer).copied().unwrap_or(0);
            if best.is_none_or(|(most, _)| held > most) {
                best = Some((held, id));
            }
        }
        best.map(|(_, id)| id).ok_or(soonest)
    }
}

/// Every open connection of one server, at most `capacity` at once.
#[derive(Debug)]
pub struct Connections {
    capacity: usize,
    registry: Mutex<Registry>,
    freed: Arc<Notify>,
    epoch: Instant,
    evictions: AtomicU64,
}

impl Connections {
    /// Room for `capacity` open connections (at least one).
    pub fn new(capacity: usize) -> Self {
        Connections {
            capacity: capacity.max(1),
            registry: Mutex::default(),
            freed: Arc::new(Notify::new()),
            epoch: Instant::now(),
            evictions: AtomicU64::new(0),
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a connection from `peer`, closing an untrusted one past its
    /// grace when all slots are taken; otherwise waits until one is past it
    /// or a slot frees.
    pub async fn admit(&self, peer: IpAddr) -> Arc<Conn> {
        loop {
            let freed = self.freed.notified();
            let mut retry_at = None;
            {
                let mut registry = self.registry();
                if registry.open.len() >= self.capacity {
                    match registry.victim(Instant::now()) {
                        Ok(victim) => {
                            if let Some(conn) = registry.remove(victim) {
                                conn.evicted.cancel();
                                self.evictions.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(soonest) => retry_at = soonest,
                    }
                }
                if registry.open.len() < self.capacity {
                    let id = registry.next;
                    registry.next += 1;
                    let conn = Arc::new(Conn {
                        id,
                        epoch: self.epoch,
                        active: AtomicU64::new(0),
                        trusted: AtomicUsize::new(0),
                        requests: AtomicU64::new(0),
                        started: Notify::new(),
                        evicted: CancellationToken::new(),
                        freed: Arc::clone(&self.freed),
                    });
                    conn.touch();
                    registry.open.insert(id, (peer, Arc::clone(&conn)));
                    *registry.per_peer.entry(peer).or_default() += 1;
                    return conn;
                }
            }
            match retry_at {
                Some(at) => {
                    tokio::select! {
                        () = freed => {}
                        () = tokio::time::sleep_until(at) => {}
                    }
                }
                None => freed.await,
            }
        }
    }

    /// Forgets a connection that ended (evicted ones are already forgotten).
    pub fn release(&self, conn: &Conn) {
        if self.registry().remove(conn.id).is_some() {
            self.freed.notify_waiters();
        }
    }

    /// Connections open now.
    pub fn open(&self) -> usize {
        self.registry().open.len()
    }

    /// Connections closed to make room, since the start.
    pub fn evictions(&self) -> u64 {
        self.evictions.load(Ordering::Relaxed)
    }

    /// Waits until no connection is open.
    pub async fn closed(&self) {
        loop {
            let freed = self.freed.notified();
            if self.open() == 0 {
                return;
            }
            freed.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[tokio::test]
    async fn a_full_registry_evicts_the_oldest_idle_connection_of_the_peer_holding_most() {
        let connections = Connections::new(4);
        let first_of_one = connections.admit(ip(1)).await;
        let mut flood = Vec::new();
        for _ in 0..3 {
            flood.push(connections.admit(ip(2)).await);
        }
        assert_eq!(connections.open(), 4);
        tokio::time::sleep(GRACE_IDLE + Duration::from_millis(50)).await;
        let newcomer = connections.admit(ip(3)).await;
        assert_eq!(connections.open(), 4, "the cap holds");
        assert!(
            flood[0].evicted.is_cancelled(),
            "the flood's oldest gave way"
        );
        assert!(!flood[1].evicted.is_cancelled() && !flood[2].evicted.is_cancelled());
        assert!(
            !first_of_one.evicted.is_cancelled(),
            "a lone older peer stays"
        );
        assert!(!newcomer.evicted.is_cancelled());
        assert_eq!(connections.evictions(), 1);
    }

    #[tokio::test]
    async fn a_new_connection_is_safe_for_its_grace_then_gives_way() {
        let connections = Connections::new(1);
        let first = connections.admit(ip(1)).await;
        let started = Instant::now();
        let second = connections.admit(ip(1)).await;
        assert!(started.elapsed() >= GRACE_IDLE, "it waited for the grace");
        assert!(first.evicted.is_cancelled());
        assert!(!second.evicted.is_cancelled());
    }

    #[tokio::test]
    async fn unsigned_requests_do_not_renew_a_connections_grace() {
        let connections = Connections::new(1);
        let busy = connections.admit(ip(1)).await;
        for _ in 0..6 {
            busy.request_started();
            tokio::time::sleep(GRACE_IDLE / 4).await;
        }
        let started = Instant::now();
        let newcomer = connections.admit(ip(2)).await;
        assert!(
            started.elapsed() < GRACE_IDLE,
            "no wait: its grace had run out"
        );
        assert!(busy.evicted.is_cancelled());
        assert!(!newcomer.evicted.is_cancelled());
    }

    #[tokio::test]
    async fn trusted_connections_are_never_evicted_and_a_newcomer_waits_for_them() {
        let connections = Arc::new(Connections::new(2));
        let a = connections.admit(ip(1)).await;
        let b = connections.admit(ip(1)).await;
        let (guard_a, guard_b) = (a.trust(), b.trust());
        let waiting = tokio::spawn({
            let connections = Arc::clone(&connections);
            async move { connections.admit(ip(2)).await }
        });
        tokio::time::sleep(GRACE_IDLE * 2).await;
        assert!(!waiting.is_finished(), "no untrusted connection to close");
        drop(guard_a);
        let released = Instant::now();
        let admitted = waiting.await.expect("task");
        assert!(
            released.elapsed() >= GRACE_IDLE,
            "a connection whose request just ended gets its grace too"
        );
        assert!(
            a.evicted.is_cancelled(),
            "the one whose request ended gave way"
        );
        assert!(!b.evicted.is_cancelled(), "the one still serving stays");
        assert!(!admitted.evicted.is_cancelled());
        drop(guard_b);
    }
}

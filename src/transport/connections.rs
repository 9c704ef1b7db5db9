//! The open connections of `serve-http`, and which one gives way when they
//! run out.
//!
//! An unauthenticated client must never hold the slots that Discord needs.
//! So a connection counts as *trusted* only while it serves a request whose
//! Ed25519 signature verified; every other connection (nothing sent yet, a
//! head or body still arriving, idle between keep-alive requests) can be
//! closed to make room. When all `max_connections` are open, a new
//! connection is admitted at once by closing an untrusted one: the oldest of
//! the peer that holds the most connections. A flood of idle sockets thus
//! evicts itself first, and a fresh connection from anyone else is served
//! straight away. Only when every open connection is trusted does a new one
//! wait, in the kernel's accept queue, for a slot to free.
//!
//! Shutdown closes idle connections and lets each request finish; a
//! connection accepted but not yet sent its request gets to send it first
//! (within the head deadline), so a rolling restart answers what it took.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// One open connection, shared between its task, its requests and the registry.
#[derive(Debug, Default)]
pub struct Conn {
    id: u64,
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
        self.requests.fetch_add(1, Ordering::SeqCst);
        self.started.notify_one();
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

    fn evictable(&self) -> bool {
        self.trusted.load(Ordering::SeqCst) == 0
    }
}

/// A verified request in progress: its connection is not evicted meanwhile.
#[derive(Debug)]
pub struct Trusted(Arc<Conn>);

impl Drop for Trusted {
    fn drop(&mut self) {
        self.0.trusted.fetch_sub(1, Ordering::SeqCst);
        // A connection waiting for a slot may now close this one.
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

    /// The connection to close for room: untrusted, of the peer holding the
    /// most connections, the oldest of that peer's.
    fn victim(&self) -> Option<u64> {
        let mut best: Option<(usize, u64)> = None;
        for (&id, (peer, conn)) in &self.open {
            if !conn.evictable() {
                continue;
            }
            let held = self.per_peer.get(peer).copied().unwrap_or(0);
            if best.is_none_or(|(most, _)| held > most) {
                best = Some((held, id));
            }
        }
        best.map(|(_, id)| id)
    }
}

/// Every open connection of one server, at most `capacity` at once.
#[derive(Debug)]
pub struct Connections {
    capacity: usize,
    registry: Mutex<Registry>,
    freed: Arc<Notify>,
    evictions: AtomicU64,
}

impl Connections {
    /// Room for `capacity` open connections (at least one).
    pub fn new(capacity: usize) -> Self {
        Connections {
            capacity: capacity.max(1),
            registry: Mutex::default(),
            freed: Arc::new(Notify::new()),
            evictions: AtomicU64::new(0),
        }
    }

    fn registry(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Admits a connection from `peer`, closing an untrusted one when all
    /// slots are taken; waits only while every open connection is trusted.
    pub async fn admit(&self, peer: IpAddr) -> Arc<Conn> {
        loop {
            let freed = self.freed.notified();
            {
                let mut registry = self.registry();
                if registry.open.len() >= self.capacity {
                    if let Some(victim) = registry.victim() {
                        if let Some(conn) = registry.remove(victim) {
                            conn.evicted.cancel();
                            self.evictions.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                if registry.open.len() < self.capacity {
                    let id = registry.next;
                    registry.next += 1;
                    let conn = Arc::new(Conn {
                        id,
                        freed: Arc::clone(&self.freed),
                        ..Conn::default()
                    });
                    registry.open.insert(id, (peer, Arc::clone(&conn)));
                    *registry.per_peer.entry(peer).or_default() += 1;
                    return conn;
                }
            }
            freed.await;
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
    async fn a_full_registry_evicts_the_oldest_connection_of_the_peer_holding_most() {
        let connections = Connections::new(4);
        let first_of_one = connections.admit(ip(1)).await;
        let flood: Vec<_> = (0..3).map(|_| at_once(connections.admit(ip(2)))).collect();
        assert_eq!(connections.open(), 4);
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
    async fn trusted_connections_are_never_evicted_and_a_newcomer_waits_for_them() {
        let connections = Arc::new(Connections::new(2));
        let a = connections.admit(ip(1)).await;
        let b = connections.admit(ip(1)).await;
        let (guard_a, guard_b) = (a.trust(), b.trust());
        let waiting = tokio::spawn({
            let connections = Arc::clone(&connections);
            async move { connections.admit(ip(2)).await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "no untrusted connection to close");
        drop(guard_a);
        let admitted = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("admitted once a connection is no longer trusted")
            .expect("task");
        assert!(
            a.evicted.is_cancelled(),
            "the one whose request ended gave way"
        );
        assert!(!b.evicted.is_cancelled(), "the one still serving stays");
        assert!(!admitted.evicted.is_cancelled());
        drop(guard_b);
    }

    /// Admits without awaiting a runtime (admission is immediate while there is room).
    fn at_once<F: std::future::Future<Output = Arc<Conn>>>(future: F) -> Arc<Conn> {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(conn) => conn,
            std::task::Poll::Pending => panic!("admission had to wait"),
        }
    }
}

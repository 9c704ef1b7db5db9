//! A hostile client: sockets that connect, send nothing, and reconnect as
//! soon as the server closes them, from their own threads (off the server's
//! runtime), as an attacker's machine would.

use std::io::Read as _;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Idle sockets held open against one address.
pub struct Flood {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    /// Sockets connected at least once.
    pub connected: Arc<AtomicUsize>,
    /// Times a socket found itself closed and connected again.
    pub reconnects: Arc<AtomicU64>,
}

/// Lets this process open as many descriptors as the hard limit allows
/// (both ends of every flood socket live in the test process).
fn raise_descriptor_limit() {
    // At worst the limit stays where it was, and the flood is smaller.
    let _ = rlimit::increase_nofile_limit(u64::MAX);
}

impl Flood {
    /// `sockets` idle connections to `addr`, shared among `threads` threads.
    pub fn start(addr: SocketAddr, sockets: usize, threads: usize) -> Flood {
        raise_descriptor_limit();
        let stop = Arc::new(AtomicBool::new(false));
        let connected = Arc::new(AtomicUsize::new(0));
        let reconnects = Arc::new(AtomicU64::new(0));
        let threads = (0..threads)
            .map(|t| {
                let share = sockets / threads + usize::from(t < sockets % threads);
                let (stop, connected, reconnects) = (
                    Arc::clone(&stop),
                    Arc::clone(&connected),
                    Arc::clone(&reconnects),
                );
                std::thread::spawn(move || {
                    let connect = || {
                        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
                        s.set_nonblocking(true).ok()?;
                        Some(s)
                    };
                    let mut held: Vec<Option<TcpStream>> = (0..share).map(|_| None).collect();
                    let mut ever = vec![false; share];
                    let mut byte = [0u8; 64];
                    while !stop.load(Ordering::Relaxed) {
                        for (i, slot) in held.iter_mut().enumerate() {
                            let closed = match slot {
                                None => true,
                                Some(s) => match s.read(&mut byte) {
                                    Ok(0) => true,
                                    Ok(_) => false,
                                    Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
                                },
                            };
                            if closed {
                                if slot.is_some() {
                                    reconnects.fetch_add(1, Ordering::Relaxed);
                                }
                                *slot = connect();
                                if slot.is_some() && !ever[i] {
                                    ever[i] = true;
                                    connected.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    }
                })
            })
            .collect();
        Flood {
            stop,
            threads,
            connected,
            reconnects,
        }
    }

    /// Waits until every socket has connected once and `reconnects` more
    /// reconnections happened (at most `timeout`); whether it got there.
    pub fn wait(&self, sockets: usize, reconnects: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.connected.load(Ordering::Relaxed) < sockets
            || self.reconnects.load(Ordering::Relaxed) < reconnects
        {
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        true
    }

    /// Stops the flood and closes its sockets.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

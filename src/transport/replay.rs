//! The HTTP endpoint's replay guard. A signed request stays valid for the
//! whole signature window on either side of its timestamp; within that,
//! its interaction id must be new. Ids are remembered in memory for that
//! long; with insights on they are also stored (through the insights
//! writer, within its flush interval), so an endpoint restarted, or
//! another one serving the same application in a rolling restart's
//! overlap, refuses them too. The stored check is a SQLite read on the
//! guard's own connection, run off the async workers.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::expiring::Expiring;
use super::service::off_the_runtime;
use crate::insights::{Recorder, Store, StoreError};

/// How long the stored check waits for a lock another connection holds
/// (only an exclusive one blocks a reader in WAL mode): well inside
/// Discord's 3 s, after which the answer would be too late anyway. Past
/// it, the memory alone refuses the replay (logged).
const READ_WAIT: Duration = Duration::from_millis(250);

/// Interaction ids already handled.
#[derive(Debug)]
pub struct ReplayGuard {
    /// How long an id stays refused in memory.
    period: Duration,
    /// The ids handled within `period`.
    seen: Mutex<Expiring<u64>>,
    /// Where handled ids are stored, when insights are on.
    stored: Option<Stored>,
}

/// The durable half: the recorder that stores handled ids, and the
/// guard's own connection to read them back (a `/gaps` report on the
/// recorder's reader must not hold a signed request up).
#[derive(Debug)]
struct Stored {
    recorder: Arc<Recorder>,
    reader: Mutex<Store>,
}

impl ReplayGuard {
    /// A guard that refuses an id for `period` in memory and, when
    /// `insights` is on, in the store for at least as long.
    ///
    /// # Errors
    /// When insights are on and the store cannot be opened for reading: an
    /// endpoint does not start with a guard that forgets at a restart.
    pub fn new(period: Duration, insights: Option<&Arc<Recorder>>) -> Result<Self, StoreError> {
        let stored = match insights {
            Some(recorder) => {
                let reader = Store::open(&recorder.options().data_dir)?;
                reader.set_busy_timeout(READ_WAIT)?;
                Some(Stored {
                    reader: Mutex::new(reader),
                    recorder: Arc::clone(recorder),
                })
            }
            None => None,
        };
        Ok(ReplayGuard {
            period,
            seen: Mutex::default(),
            stored,
        })
    }

    /// Whether interaction `id` arrives for the first time at `now`; if so,
    /// it is remembered (and stored). The stored check runs off the async
    /// workers; a store that cannot be read says it is new (logged: the
    /// memory still refuses replays to this process).
    pub fn first(&self, id: u64, now: Instant) -> bool {
        let fresh = self
            .seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .accept(id, self.period, now)
            .is_ok();
        let Some(stored) = self.stored.as_ref().filter(|_| fresh) else {
            return fresh;
        };
        let handled = off_the_runtime(|| {
            stored
                .reader
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .has_interaction(id)
                .unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "handled interactions unreadable; a replay is refused only in memory");
                    false
                })
        });
        if !handled {
            stored.recorder.handled(id, self.period);
        }
        !handled
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insights::{Counters, Options};

    const PERIOD: Duration = Duration::from_secs(602);

    #[test]
    fn an_id_is_new_once_within_its_period() {
        let guard = ReplayGuard::new(PERIOD, None).expect("in memory");
        let now = Instant::now();
        assert!(guard.first(7, now));
        assert!(!guard.first(7, now + Duration::from_secs(601)));
        assert!(guard.first(8, now), "another id is new");
        assert!(
            guard.first(7, now + PERIOD * 2),
            "forgotten once its signature expired"
        );
    }

    #[test]
    fn an_id_stored_by_one_guard_is_refused_by_another_on_the_same_store() {
        let data = tempfile::tempdir().expect("temp dir");
        let options = Options {
            data_dir: data.path().to_path_buf(),
            max_age: Duration::from_secs(86_400),
            record_users: false,
            low_confidence: 0.0,
        };
        let recorder = Recorder::start(options, Counters::default()).expect("store opens");
        let guard = || ReplayGuard::new(PERIOD, Some(&recorder)).expect("store opens");
        let (first, restarted) = (guard(), guard());
        let now = Instant::now();
        assert!(first.first(42, now));
        recorder.flush();
        assert!(
            !restarted.first(42, now),
            "stored, so refused after a restart"
        );
        assert!(restarted.first(43, now));
        recorder.close();
    }
}

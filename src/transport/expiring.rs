//! A set of keys that each expire a while after they were last accepted:
//! the per-user cooldown, the replay guard and the helpers' calls. Memory stays
//! bounded by the keys seen within one period, and pruning costs amortized
//! O(1) per insertion however many keys are live.
//!
//! Why not a TTL cache such as moka: the caller gives the time (`now`) and
//! the period on each call and is told how long is left (the "try again in
//! N s" a member sees), so the cooldown, the replay guard and the helpers'
//! calls are tested on made-up instants without sleeping; moka reads its
//! own clock and fixes one time-to-live per cache. (The bounded caches
//! that evict the least used are `quick_cache`.)

use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Keys with the instant each was accepted.
#[derive(Debug)]
pub struct Expiring<K> {
    accepted: HashMap<K, Instant>,
    /// Size at which expired keys are next dropped; it grows with the number
    /// of live keys so that a busy period does not prune on every insertion.
    prune_at: usize,
}

/// Keys kept before the first pruning.
const FIRST_PRUNE: usize = 4096;

impl<K> Default for Expiring<K> {
    fn default() -> Self {
        Expiring {
            accepted: HashMap::new(),
            prune_at: FIRST_PRUNE,
        }
    }
}

impl<K: Hash + Eq> Expiring<K> {
    /// Accepts `key` at `now` unless it was accepted less than `period`
    /// ago.
    ///
    /// # Errors
    /// How long until `key` is accepted again.
    pub fn accept(&mut self, key: K, period: Duration, now: Instant) -> Result<(), Duration> {
        if let Some(&at) = self.accepted.get(&key) {
            let since = now.saturating_duration_since(at);
            if since < period {
                return Err(period - since);
            }
        }
        if self.accepted.len() >= self.prune_at {
            self.accepted
                .retain(|_, at| now.saturating_duration_since(*at) < period);
            self.prune_at = (self.accepted.len() * 2).max(FIRST_PRUNE);
        }
        self.accepted.insert(key, now);
        Ok(())
    }

    /// Forgets `key`, so it is accepted again.
    pub fn forget(&mut self, key: &K) {
        self.accepted.remove(key);
    }

    /// How many keys are remembered.
    pub fn len(&self) -> usize {
        self.accepted.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.accepted.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_within_its_period_and_accepted_after() {
        let mut set = Expiring::default();
        let t0 = Instant::now();
        let period = Duration::from_secs(3);
        assert_eq!(set.accept("a", period, t0), Ok(()));
        assert_eq!(
            set.accept("a", period, t0 + Duration::from_secs(1)),
            Err(Duration::from_secs(2))
        );
        assert_eq!(set.accept("b", period, t0), Ok(()));
        assert_eq!(set.accept("a", period, t0 + period), Ok(()));
    }

    #[test]
    fn expired_keys_are_pruned_and_live_ones_kept() {
        let mut set = Expiring::default();
        let t0 = Instant::now();
        let period = Duration::from_secs(3);
        for i in 0..10_000u32 {
            assert!(set.accept(i, period, t0).is_ok());
        }
        assert_eq!(set.len(), 10_000, "live keys are never dropped");
        let later = t0 + Duration::from_secs(60);
        for i in 20_000..30_000u32 {
            assert!(set.accept(i, period, later).is_ok());
        }
        assert!(set.len() < 20_000, "expired keys dropped: {}", set.len());
        assert!(set.accept(20_000, period, later).is_err());
    }
}

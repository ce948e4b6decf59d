//! Rate limits, so one misbehaving client cannot flood the others or guess
//! passwords.
//!
//! Two token-bucket families, per process and in memory; in a cluster on
//! Redis the same buckets are kept in Redis for every node, so a user's
//! allowance is the cluster's (on NATS, which has no atomic counters, each
//! node keeps its own: a user reaches at most N times the allowance on N
//! nodes; [decision 0005](../../../docs/decisions/0005-per-process-rate-limits.md)):
//!
//! - **events**: every Socket.IO event a user sends, across all of that
//!   user's sockets, and every authenticated REST request draws one token. The defaults (100 a second, bursts of
//!   200) are far above what a person can do in the app, so only scripts hit
//!   them; the event is refused with `rate_limited` (REST: 429) and changes
//!   nothing.
//! - **failed logins**: every wrong password for a username draws one token
//!   (10 per 15 minutes by default, refilled evenly). While a username's bucket
//!   is empty every login for it answers 429 `rate_limited` — even with the
//!   right password, so the limit cannot be used as an oracle.
//!
//! Time comes from the app's [`Clock`], so tests move it instead of sleeping.
//! Buckets that have refilled completely are dropped from time to time, so
//! memory stays bounded by the users active in the last refill period.

use crate::cluster::broker::SharedBuckets;
use helpline_core::{Clock, DomainError, Timestamp, UserId};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How often (in milliseconds) full buckets are swept out of a map.
const PRUNE_EVERY_MS: i64 = 60_000;

/// One refilling allowance.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Timestamp,
}

/// The shape of a family of buckets: capacity and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Most tokens a bucket holds (the burst).
    pub burst: f64,
    /// Tokens added per second.
    pub per_sec: f64,
}

impl Rate {
    /// `None` when the limit is switched off (a zero rate or burst).
    pub fn new(burst: u32, per_sec: f64) -> Option<Self> {
        (burst > 0 && per_sec > 0.0).then_some(Self {
            burst: f64::from(burst),
            per_sec,
        })
    }
}

/// Buckets keyed by `K`, all of one [`Rate`].
#[derive(Debug)]
struct Buckets<K> {
    rate: Option<Rate>,
    state: Mutex<(HashMap<K, Bucket>, Timestamp)>,
}

impl<K: Eq + Hash + Clone> Buckets<K> {
    fn new(rate: Option<Rate>) -> Self {
        Self {
            rate,
            state: Mutex::new((HashMap::new(), Timestamp::from_millis(0))),
        }
    }

    /// Refills `key`'s bucket to `now` and, if `take`, draws one token.
    /// Returns whether the bucket had a token (before drawing).
    fn check(&self, key: &K, now: Timestamp, take: bool) -> bool {
        let Some(rate) = self.rate else {
            return true;
        };
        let Ok(mut guard) = self.state.lock() else {
            return true;
        };
        let (buckets, pruned) = &mut *guard;
        if now.millis() - pruned.millis() >= PRUNE_EVERY_MS {
            buckets.retain(|_, bucket| refilled(bucket, rate, now) < rate.burst);
            *pruned = now;
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: rate.burst,
            updated: now,
        });
        bucket.tokens = refilled(bucket, rate, now);
        bucket.updated = now;
        let allowed = bucket.tokens >= 1.0;
        if allowed && take {
            bucket.tokens -= 1.0;
        }
        allowed
    }
}

/// A bucket's tokens at `now`.
fn refilled(bucket: &Bucket, rate: Rate, now: Timestamp) -> f64 {
    let elapsed_secs = (now.millis() - bucket.updated.millis()).max(0) as f64 / 1000.0;
    (bucket.tokens + elapsed_secs * rate.per_sec).min(rate.burst)
}

/// The limits of one process, or of the cluster when the broker keeps
/// shared buckets.
pub struct RateLimits {
    clock: Arc<dyn Clock>,
    events: Buckets<UserId>,
    failed_logins: Buckets<String>,
    shared: Option<Shared>,
}

/// Buckets kept by the broker for every node, under `prefix`.
struct Shared {
    buckets: Arc<dyn SharedBuckets>,
    prefix: String,
    /// Failures so far (logged sparsely).
    failures: AtomicU64,
    /// After a failure the broker is not asked again until then (ms), so
    /// an outage costs one timeout, not one per event.
    resting_until: AtomicI64,
}

/// How long the shared buckets rest after a failure.
const REST_AFTER_FAILURE_MS: i64 = 5_000;

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("events", &self.events.rate)
            .field("failed_logins", &self.failed_logins.rate)
            .field("shared", &self.shared.is_some())
            .finish()
    }
}

/// Seconds over which the failed-login allowance refills completely.
pub const LOGIN_WINDOW_SECS: f64 = 15.0 * 60.0;

impl RateLimits {
    /// Limits with the given shapes (`None` switches a family off).
    pub fn new(clock: Arc<dyn Clock>, events: Option<Rate>, failed_logins: Option<Rate>) -> Self {
        Self {
            clock,
            events: Buckets::new(events),
            failed_logins: Buckets::new(failed_logins),
            shared: None,
        }
    }

    /// Draws on `buckets` (named under `prefix`) instead of this process's
    /// own, so the limits hold across the cluster. When the broker cannot
    /// answer, this process's buckets decide (logged): a limit guards
    /// against abuse and must not stop the service.
    pub fn shared(mut self, buckets: Arc<dyn SharedBuckets>, prefix: String) -> Self {
        self.shared = Some(Shared {
            buckets,
            prefix,
            failures: AtomicU64::new(0),
            resting_until: AtomicI64::new(0),
        });
        self
    }

    /// Asks the shared bucket `family.key`; `None` when there is none or
    /// the broker failed.
    async fn shared_check(
        &self,
        family: &str,
        key: &str,
        rate: Option<Rate>,
        take: bool,
    ) -> Option<bool> {
        let (shared, rate) = (self.shared.as_ref()?, rate?);
        let now = self.clock.now().millis();
        if now < shared.resting_until.load(Ordering::Relaxed) {
            return None;
        }
        let name = format!("{}{family}.{key}", shared.prefix);
        match shared
            .buckets
            .check(&name, rate.burst, rate.per_sec, now, take)
            .await
        {
            Ok(allowed) => Some(allowed),
            Err(error) => {
                shared
                    .resting_until
                    .store(now + REST_AFTER_FAILURE_MS, Ordering::Relaxed);
                let failures = shared.failures.fetch_add(1, Ordering::Relaxed) + 1;
                if failures.is_power_of_two() {
                    tracing::warn!(%error, failures, "shared rate limits unavailable; this node's own apply");
                }
                None
            }
        }
    }

    /// Draws one event token for `user`; `rate_limited` when there is none.
    pub async fn event(&self, user: &UserId) -> Result<(), DomainError> {
        let allowed = match self
            .shared_check("events", user.as_str(), self.events.rate, true)
            .await
        {
            Some(allowed) => allowed,
            None => self.events.check(user, self.clock.now(), true),
        };
        if allowed {
            Ok(())
        } else {
            Err(DomainError::RateLimited)
        }
    }

    /// Whether `username` may try to log in now.
    pub async fn login_allowed(&self, username: &str) -> Result<(), DomainError> {
        let key = username.to_ascii_lowercase();
        let allowed = match self
            .shared_check("logins", &key, self.failed_logins.rate, false)
            .await
        {
            Some(allowed) => allowed,
            None => self.failed_logins.check(&key, self.clock.now(), false),
        };
        if allowed {
            Ok(())
        } else {
            Err(DomainError::RateLimited)
        }
    }

    /// Counts a failed login for `username`.
    pub async fn login_failed(&self, username: &str) {
        let key = username.to_ascii_lowercase();
        if self
            .shared_check("logins", &key, self.failed_logins.rate, true)
            .await
            .is_none()
        {
            self.failed_logins.check(&key, self.clock.now(), true);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    /// A clock that moves only when told (ManualClock follows real time too,
    /// which would make the millisecond edges below flaky).
    #[derive(Debug, Default)]
    struct StillClock(AtomicI64);

    impl StillClock {
        fn advance(&self, by: Duration) {
            self.0.fetch_add(by.as_millis() as i64, Ordering::SeqCst);
        }
    }

    impl Clock for StillClock {
        fn now(&self) -> Timestamp {
            Timestamp::from_millis(1_000_000 + self.0.load(Ordering::SeqCst))
        }
    }

    fn limits(clock: &Arc<StillClock>) -> RateLimits {
        RateLimits::new(
            clock.clone(),
            Rate::new(3, 1.0),
            Rate::new(2, 2.0 / LOGIN_WINDOW_SECS),
        )
    }

    #[tokio::test]
    async fn events_allow_a_burst_then_refill_at_the_rate() {
        let clock = Arc::new(StillClock::default());
        let limits = limits(&clock);
        let user = UserId::generate();
        for _ in 0..3 {
            assert_eq!(limits.event(&user).await, Ok(()));
        }
        assert_eq!(limits.event(&user).await, Err(DomainError::RateLimited));
        // Another user has a bucket of their own.
        assert_eq!(limits.event(&UserId::generate()).await, Ok(()));
        clock.advance(Duration::from_millis(999));
        assert_eq!(limits.event(&user).await, Err(DomainError::RateLimited));
        clock.advance(Duration::from_millis(1));
        assert_eq!(limits.event(&user).await, Ok(()));
        assert_eq!(limits.event(&user).await, Err(DomainError::RateLimited));
        // Refills never exceed the burst.
        clock.advance(Duration::from_secs(3600));
        for _ in 0..3 {
            assert_eq!(limits.event(&user).await, Ok(()));
        }
        assert_eq!(limits.event(&user).await, Err(DomainError::RateLimited));
    }

    #[tokio::test]
    async fn failed_logins_lock_the_username_until_the_window_refills() {
        let clock = Arc::new(StillClock::default());
        let limits = limits(&clock);
        assert_eq!(limits.login_allowed("Ann").await, Ok(()));
        limits.login_failed("ann").await;
        assert_eq!(limits.login_allowed("ann").await, Ok(()));
        limits.login_failed("ANN").await;
        assert_eq!(
            limits.login_allowed("ann").await,
            Err(DomainError::RateLimited)
        );
        assert_eq!(limits.login_allowed("bob").await, Ok(()));
        clock.advance(Duration::from_secs_f64(LOGIN_WINDOW_SECS / 2.0));
        assert_eq!(limits.login_allowed("ann").await, Ok(()));
    }

    #[tokio::test]
    async fn switched_off_limits_never_refuse() {
        let clock = Arc::new(StillClock::default());
        let limits = RateLimits::new(clock, Rate::new(0, 1.0), Rate::new(5, 0.0));
        let user = UserId::generate();
        for _ in 0..10_000 {
            assert_eq!(limits.event(&user).await, Ok(()));
            limits.login_failed("ann").await;
        }
        assert_eq!(limits.login_allowed("ann").await, Ok(()));
    }

    #[tokio::test]
    async fn full_buckets_are_pruned() {
        let clock = Arc::new(StillClock::default());
        let limits = limits(&clock);
        for _ in 0..100 {
            limits.event(&UserId::generate()).await.unwrap();
        }
        clock.advance(Duration::from_millis(PRUNE_EVERY_MS as u64));
        let user = UserId::generate();
        limits.event(&user).await.unwrap();
        let held = limits.events.state.lock().unwrap().0.len();
        assert_eq!(held, 1);
    }
}

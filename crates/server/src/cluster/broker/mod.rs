//! The broker between a cluster's nodes: publish bytes on a channel, hear
//! everything published on it. At most once, like the pub/sub of Redis
//! and core NATS that implement it: the database holds every decision and
//! clients converge through `message:sync`, so a lost broadcast delays a
//! live update and loses nothing ([decision 0025](../../../../docs/decisions/0025-cluster-fan-out-on-a-broker.md)).
//! Reconnecting is the client library's job; both resubscribe by themselves.

mod nats;
mod redis;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use std::sync::Arc;

/// Why the broker refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The URL names no broker this server speaks.
    #[error("the broker URL must start with redis://, rediss:// or nats://")]
    Scheme,
    /// Connecting, publishing or subscribing failed.
    #[error("broker: {0}")]
    Failed(String),
}

/// A pub/sub broker.
#[async_trait]
pub trait Broker: Send + Sync + 'static {
    /// Sends `payload` to every subscriber of `channel`, this node's own
    /// included. Returns once the client has taken it.
    async fn publish(&self, channel: &str, payload: Bytes) -> Result<(), BrokerError>;

    /// Everything published on `channel` from now on, for as long as the
    /// client lives (across reconnects). Payloads lost while disconnected
    /// or while this subscriber lagged are skipped and counted in the log.
    async fn subscribe(&self, channel: &str) -> Result<BoxStream<'static, Bytes>, BrokerError>;

    /// Sends whatever the client still buffers (at shutdown).
    async fn flush(&self) -> Result<(), BrokerError> {
        Ok(())
    }

    /// Shared token buckets, if this broker keeps them; `None` (core NATS
    /// has no atomic counters) leaves every node its own limits.
    fn shared_buckets(&self) -> Option<Arc<dyn SharedBuckets>> {
        None
    }
}

/// Token buckets every node draws on alike, where the broker can keep
/// them atomically (Redis); the per-user limits are then cluster-wide.
#[async_trait]
pub trait SharedBuckets: Send + Sync + 'static {
    /// Refills the bucket `key` (holding at most `burst` tokens, refilled
    /// `per_sec` a second) to `now_ms` and, if `take`, draws one token.
    /// Returns whether it had a token before drawing.
    async fn check(
        &self,
        key: &str,
        burst: f64,
        per_sec: f64,
        now_ms: i64,
        take: bool,
    ) -> Result<bool, BrokerError>;
}

/// The brokers this server speaks.
#[derive(Clone, Copy)]
enum Kind {
    Redis,
    Nats,
}

/// Which broker `url` names, by its scheme.
fn kind_of(url: &str) -> Option<Kind> {
    match url.split_once("://").map(|(scheme, _)| scheme) {
        Some("redis" | "rediss") => Some(Kind::Redis),
        Some("nats") => Some(Kind::Nats),
        _ => None,
    }
}

/// Connects to the broker `url` names (`redis://`, `rediss://`, `nats://`).
pub async fn connect(url: &str) -> Result<Arc<dyn Broker>, BrokerError> {
    match kind_of(url).ok_or(BrokerError::Scheme)? {
        Kind::Redis => Ok(Arc::new(redis::RedisBroker::connect(url).await?)),
        Kind::Nats => Ok(Arc::new(nats::NatsBroker::connect(url).await?)),
    }
}

/// Whether `url` names a broker this server speaks.
pub fn known_scheme(url: &str) -> bool {
    kind_of(url).is_some()
}

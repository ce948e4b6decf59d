//! The store as a whole: shared settings, waiting for queued writes, closing.

use crate::StoreResult;
use async_trait::async_trait;

/// The store as a whole.
#[async_trait]
pub trait Lifecycle: Send + Sync {
    /// Returns the setting `key`, storing `candidate` first if it has none.
    /// Used for the generated token secret: the first process to start wins
    /// and every later one reads the same value.
    async fn setting_or_insert(&self, key: &str, candidate: &str) -> StoreResult<String>;

    /// Returns once every write begun before the call has committed or
    /// failed: reads after it see what [`crate::Requests::open_request`] announced
    /// early.
    async fn settle(&self) -> StoreResult<()>;

    /// Finishes in-flight writes and closes the connections.
    async fn close(&self);
}

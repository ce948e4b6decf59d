//! What support staff oversee: pending requests and active sessions.

use crate::{ActiveSession, OfferableRequest, StoreResult};
use async_trait::async_trait;
use helpline_core::Timestamp;

/// Reads for support staff's overview.
#[async_trait]
pub trait Support: Send + Sync {
    /// Every pending, unexpired request with its seeker's name, oldest first.
    async fn pending_requests(&self, now: Timestamp) -> StoreResult<Vec<OfferableRequest>>;

    /// Every active conversation opened by a request, oldest first.
    async fn active_sessions(&self) -> StoreResult<Vec<ActiveSession>>;
}

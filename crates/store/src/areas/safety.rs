//! Blocks and reports.

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::safety::{BlockedPerson, Report, ReportStatus};
use helpline_core::{ReportId, Timestamp, UserId};

/// Blocks and reports.
#[async_trait]
pub trait Safety: Send + Sync {
    /// Blocks (or unblocks) `blocked` for `blocker`; repeating either is harmless.
    async fn set_block(
        &self,
        blocker: &UserId,
        blocked: &UserId,
        blocking: bool,
        now: Timestamp,
    ) -> StoreResult<()>;

    /// Whether either of the two has blocked the other.
    async fn blocked_either_way(&self, a: &UserId, b: &UserId) -> StoreResult<bool>;

    /// Everyone who has blocked `user`.
    async fn blockers_of(&self, user: &UserId) -> StoreResult<Vec<UserId>>;

    /// Everyone `blocker` has blocked, with names, most recently blocked first.
    async fn blocked_by(&self, blocker: &UserId) -> StoreResult<Vec<BlockedPerson>>;

    /// Stores a new report.
    async fn create_report(&self, report: &Report) -> StoreResult<()>;

    /// Reports, open ones first, then newest first; only `status` if given.
    async fn reports(&self, status: Option<ReportStatus>) -> StoreResult<Vec<Report>>;

    /// Marks an open report resolved; `None` if missing or already resolved.
    async fn resolve_report(
        &self,
        id: &ReportId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Report>>;
}

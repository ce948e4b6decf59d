//! Welfare checks: watched after a dropped call, cleared or raised to
//! support once across nodes, resolved by support.

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::welfare::{WelfareCause, WelfareTask};
use helpline_core::{ConversationId, Timestamp, UserId, WelfareId};

/// A new welfare check's values.
#[derive(Debug, Clone)]
pub struct NewWelfare {
    /// Its fresh id.
    pub id: WelfareId,
    /// Why.
    pub cause: WelfareCause,
    /// The seeker to check on.
    pub seeker: UserId,
    /// The volunteer they were with.
    pub volunteer: UserId,
    /// The conversation of the call or check-ins.
    pub conversation_id: Option<ConversationId>,
    /// When the call dropped or the check-in was missed.
    pub since: Timestamp,
    /// When to look again (a task then unless they were in touch); `None`
    /// raises it to support at once.
    pub due_at: Option<Timestamp>,
    /// Now (when a check with no `due_at` is raised).
    pub now: Timestamp,
}

/// Which welfare tasks a listing holds (never those still watched or
/// cleared: they were never support's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WelfareFilter {
    /// Open first, then the most recently raised.
    All,
    /// Not resolved, most recently raised first.
    Open,
    /// Resolved, most recently resolved first.
    Resolved,
    /// This seeker's open tasks.
    OpenFor(UserId),
}

/// Welfare checks. Each move (clear, raise, resolve) is a conditional
/// update, so exactly one of any racing callers makes it.
#[async_trait]
pub trait Welfare: Send + Sync {
    /// Stores a new check (raised at once when it has no `due_at`).
    async fn watch_welfare(&self, new: &NewWelfare) -> StoreResult<WelfareTask>;

    /// Settles up to `limit` watched checks due at or before `now`: each
    /// whose two were in touch since is cleared, every other is raised; the
    /// raised ones are returned, each by exactly one caller.
    async fn settle_due_welfare(&self, now: Timestamp, limit: i64)
    -> StoreResult<Vec<WelfareTask>>;

    /// The check with this id.
    async fn welfare_task(&self, id: &WelfareId) -> StoreResult<Option<WelfareTask>>;

    /// Up to `limit` tasks of `filter`.
    async fn welfare_tasks(
        &self,
        filter: &WelfareFilter,
        limit: i64,
    ) -> StoreResult<Vec<WelfareTask>>;

    /// Resolves an open task with `note`; `None` if it is missing, not
    /// raised, or resolved already.
    async fn resolve_welfare(
        &self,
        id: &WelfareId,
        by: &UserId,
        note: &str,
        now: Timestamp,
    ) -> StoreResult<Option<WelfareTask>>;

    /// Whether `a` and `b` were in touch in (`from`, `to`]: a message from
    /// either in a conversation of both, or a call between them answered.
    async fn in_touch(
        &self,
        a: &UserId,
        b: &UserId,
        from: Timestamp,
        to: Timestamp,
    ) -> StoreResult<bool>;
}

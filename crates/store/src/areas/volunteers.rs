//! What dispatch knows of volunteers beyond their accounts: the topics
//! each is credentialed for, and each one's load (active chats from
//! requests).

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::UserId;
use helpline_core::request::Topic;

/// Volunteers' credentials and load.
#[async_trait]
pub trait Volunteers: Send + Sync {
    /// Replaces the volunteer's credentials with `topics` (in one
    /// transaction) and returns them as stored; `None`, changing nothing,
    /// when no volunteer has this id.
    async fn set_credentials(
        &self,
        volunteer: &UserId,
        topics: &[Topic],
    ) -> StoreResult<Option<Vec<Topic>>>;

    /// Every volunteer's credentials, each volunteer's in
    /// [`helpline_core::credentials::CREDENTIALED_TOPICS`] order; those with
    /// none are left out.
    async fn all_credentials(&self) -> StoreResult<Vec<(UserId, Vec<Topic>)>>;

    /// The volunteers credentialed for `topic`.
    async fn credentialed_for(&self, topic: Topic) -> StoreResult<Vec<UserId>>;

    /// Each volunteer's active chats from requests; those with none are left out.
    async fn volunteer_loads(&self) -> StoreResult<Vec<(UserId, i64)>>;
}

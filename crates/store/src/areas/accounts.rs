//! Accounts: creating people and reading them back.

use crate::{Credentials, StoreResult};
use async_trait::async_trait;
use helpline_core::user::{NewAccount, User};
use helpline_core::{Timestamp, UserId};

/// People's accounts. Usernames are unique (the database decides).
#[async_trait]
pub trait Accounts: Send + Sync {
    /// Stores a new account with an already hashed password.
    /// A taken username is [`crate::StoreError::UsernameTaken`].
    async fn create_user(
        &self,
        account: &NewAccount,
        password_hash: &str,
        id: &UserId,
        now: Timestamp,
    ) -> StoreResult<User>;

    /// The account with this id.
    async fn user(&self, id: &UserId) -> StoreResult<Option<User>>;

    /// The account and its hash, for login.
    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>>;

    /// Every volunteer, ordered by display name.
    async fn volunteers(&self) -> StoreResult<Vec<User>>;

    /// Every support agent's id.
    async fn support_agents(&self) -> StoreResult<Vec<UserId>>;

    /// At most `limit` users whose display name or username contains
    /// `text` (ASCII letters in any case; `%` and `_` are plain
    /// characters), ordered by display name.
    async fn search_users(&self, text: &str, limit: i64) -> StoreResult<Vec<User>>;
}

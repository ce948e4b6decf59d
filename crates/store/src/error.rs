//! Storage errors. Outcomes a caller must act on (a taken username, a second
//! pending request) have their own variants; everything else is a database
//! failure the edge logs and reports as `internal`.

use crate::AppendRefusal;
use helpline_core::DomainError;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The username is registered already.
    #[error("username taken")]
    UsernameTaken,
    /// The seeker already has a pending request.
    #[error("a pending request exists")]
    PendingExists,
    /// The two people are on the two sides of a block (either way), and
    /// nothing was written.
    #[error("blocked")]
    Blocked,
    /// A per-user limit would be passed (the text says which, in plain
    /// words), and nothing was written.
    #[error("limit reached: {0}")]
    LimitReached(&'static str),
    /// The database URL or options are unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// A stored value could not be read back (a corrupt or foreign row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A write ran but its transaction could not be committed.
    #[error("write not committed: {0}")]
    NotCommitted(String),
    /// The writer task is gone (the store is closing).
    #[error("store is closed")]
    Closed,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// The SQLite writer's direct connection failed.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

impl StoreError {
    /// Whether the store is closing or closed (the server is shutting down),
    /// as opposed to a database failure.
    pub fn is_closed(&self) -> bool {
        matches!(
            self,
            StoreError::Closed | StoreError::Database(sqlx::Error::PoolClosed)
        )
    }
}

impl From<StoreError> for DomainError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UsernameTaken => DomainError::UsernameTaken,
            StoreError::PendingExists => {
                DomainError::Conflict("you already have a pending request")
            }
            StoreError::Blocked => helpline_core::permissions::blocked_pair(),
            StoreError::LimitReached(what) => DomainError::Conflict(what),
            other => {
                tracing::error!(error = %other, "store failure");
                DomainError::Internal
            }
        }
    }
}

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// [`is_unique_violation`] for the SQLite writer's direct (rusqlite)
/// connection.
pub(crate) fn is_direct_unique_violation(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
    )
}

/// What a client is told when its message was not appended, the one
/// mapping every edge uses.
impl From<AppendRefusal> for DomainError {
    fn from(refusal: AppendRefusal) -> Self {
        match refusal {
            AppendRefusal::NoConversation => DomainError::NotFound("no such conversation"),
            AppendRefusal::Ended => DomainError::ConversationEnded,
            AppendRefusal::BadReply => {
                DomainError::invalid("replyToId must name a message of this conversation")
            }
            AppendRefusal::BadAttachment => DomainError::invalid(
                "attachmentId must name your own upload to this conversation, not sent with another message",
            ),
            AppendRefusal::Blocked => helpline_core::permissions::blocked(),
        }
    }
}

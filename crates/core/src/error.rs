//! The one error type of the domain. Each edge (HTTP, Socket.IO acks) maps
//! it exactly once: to a status code there, to an ack error code here.
//! Messages are written for clients; internal causes are logged by the edge
//! and never travel inside this type.

use std::fmt;

/// Why an operation was refused. `code()` is the stable wire code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// No valid credentials (missing, expired or forged token).
    Unauthorized,
    /// Wrong username or password at login.
    InvalidCredentials,
    /// Authenticated, but this caller may not do this.
    Forbidden(&'static str),
    /// The thing does not exist (or the caller may not know that it does).
    NotFound(&'static str),
    /// The input is malformed; the text says which field and why.
    Invalid(String),
    /// The operation clashes with the current state (e.g. a second pending request).
    Conflict(&'static str),
    /// The username is already registered.
    UsernameTaken,
    /// Another volunteer accepted the request first.
    AlreadyClaimed,
    /// The request is no longer pending (cancelled, expired, rejected, taken).
    NotPending,
    /// The conversation has ended; nothing more can be said in it.
    ConversationEnded,
    /// A body or payload is larger than allowed.
    TooLarge(&'static str),
    /// Storing this upload would take the user past their attachment quota.
    QuotaExceeded,
    /// The caller is sending too fast.
    RateLimited,
    /// A one-time code (a caregiver invitation) is past its expiry.
    CodeExpired,
    /// A one-time code was used already.
    CodeUsed,
    /// Something failed inside the server; details are in the logs only.
    Internal,
}

impl DomainError {
    /// Shorthand for [`DomainError::Invalid`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// The stable wire code (`"not_found"`, `"already_claimed"`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::Invalid(_) => "invalid",
            Self::Conflict(_) => "conflict",
            Self::UsernameTaken => "username_taken",
            Self::AlreadyClaimed => "already_claimed",
            Self::NotPending => "not_pending",
            Self::ConversationEnded => "conversation_ended",
            Self::TooLarge(_) => "too_large",
            Self::QuotaExceeded => "quota_exceeded",
            Self::RateLimited => "rate_limited",
            Self::CodeExpired => "code_expired",
            Self::CodeUsed => "code_used",
            Self::Internal => "internal",
        }
    }

    /// The code used in Socket.IO acks, which know fewer codes than REST:
    /// account-only codes fold into their nearest general one.
    pub fn ack_code(&self) -> &'static str {
        match self {
            Self::InvalidCredentials => "unauthorized",
            Self::UsernameTaken | Self::CodeExpired | Self::CodeUsed => "conflict",
            Self::TooLarge(_) | Self::QuotaExceeded => "invalid",
            other => other.code(),
        }
    }

    /// A human-readable explanation, safe to show to the client.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthorized => "a valid token is required".into(),
            Self::InvalidCredentials => "wrong username or password".into(),
            Self::Forbidden(why) | Self::NotFound(why) | Self::Conflict(why) => (*why).into(),
            Self::Invalid(why) => why.clone(),
            Self::UsernameTaken => "that username is taken".into(),
            Self::AlreadyClaimed => "another volunteer accepted first".into(),
            Self::NotPending => "the request is no longer pending".into(),
            Self::ConversationEnded => "this conversation has ended".into(),
            Self::TooLarge(what) => format!("{what} is too large"),
            Self::QuotaExceeded => "this upload would exceed your attachment storage quota".into(),
            Self::RateLimited => "too many requests, slow down".into(),
            Self::CodeExpired => "this code has expired; ask for a new one".into(),
            Self::CodeUsed => "this code has been used already; ask for a new one".into(),
            Self::Internal => "internal server error".into(),
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for DomainError {}

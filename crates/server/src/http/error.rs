//! The REST edge of [`DomainError`]: one mapping to an HTTP status and the
//! `{"error":{"code","message"}}` body. Internal causes never reach a body.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use helpline_core::DomainError;
use helpline_store::StoreError;
use serde_json::json;

/// A REST error response.
#[derive(Debug)]
pub struct ApiError(pub DomainError);

impl ApiError {
    /// The HTTP status for an error.
    pub fn status(error: &DomainError) -> StatusCode {
        match error {
            DomainError::Invalid(_) => StatusCode::BAD_REQUEST,
            DomainError::Unauthorized | DomainError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            DomainError::Forbidden(_) => StatusCode::FORBIDDEN,
            DomainError::NotFound(_) => StatusCode::NOT_FOUND,
            DomainError::Conflict(_)
            | DomainError::UsernameTaken
            | DomainError::AlreadyClaimed
            | DomainError::NotPending
            | DomainError::ConversationEnded
            | DomainError::CodeUsed => StatusCode::CONFLICT,
            DomainError::CodeExpired => StatusCode::GONE,
            DomainError::TooLarge(_) | DomainError::QuotaExceeded => StatusCode::PAYLOAD_TOO_LARGE,
            DomainError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            DomainError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        Self(error)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.0.code(), "message": self.0.message()}});
        (Self::status(&self.0), Json(body)).into_response()
    }
}

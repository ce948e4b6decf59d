//! The REST API: accounts, reads of requests and conversations, feedback,
//! call records and ICE servers, and the health check. Bodies are JSON; errors go through [`error::ApiError`].

mod accounts;
mod calls;
mod conversations;
pub mod error;
mod reads;
mod safety;
mod support;
mod web;

use crate::app::App;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::routing::{get, post};
use error::ApiError;
use helpline_core::DomainError;
use helpline_core::user::User;
use serde_json::Value;

/// Largest JSON body accepted.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// The REST routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/healthz",
            get(async || axum::Json(serde_json::json!({"status": "ok"}))),
        )
        .route("/api/auth/register", post(accounts::register))
        .route("/api/auth/login", post(accounts::login))
        .route("/api/me", get(accounts::me))
        .route("/api/volunteers", get(reads::volunteers))
        .route("/api/support/overview", get(support::overview))
        .route(
            "/api/conversations",
            get(conversations::conversations).post(conversations::start_conversation),
        )
        .route(
            "/api/conversations/{id}/messages",
            get(conversations::messages),
        )
        .route(
            "/api/conversations/{id}/archive",
            post(conversations::archive),
        )
        .route(
            "/api/conversations/{id}/unarchive",
            post(conversations::unarchive),
        )
        .route("/api/unread", get(conversations::unread))
        .route("/api/search", get(conversations::search))
        .route("/api/users/{id}/block", post(safety::block))
        .route("/api/users/{id}/unblock", post(safety::unblock))
        .route("/api/reports", get(safety::list).post(safety::create))
        .route("/api/reports/{id}/resolve", post(safety::resolve))
        .route("/api/calls", get(calls::list))
        .route("/api/calls/{id}/ice-servers", get(calls::ice))
        .route("/api/requests", get(reads::requests))
        .route("/api/requests/{id}/feedback", post(reads::feedback))
        .fallback(web::fallback)
}

/// The user a request's bearer token names.
pub struct AuthUser(pub User);

impl FromRequestParts<App> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(DomainError::Unauthorized)?;
        let id = app.tokens.verify(token)?;
        let user = app
            .store
            .user(&id)
            .await?
            .ok_or(DomainError::Unauthorized)?;
        Ok(Self(user))
    }
}

/// A JSON body, read with a size limit; malformed or oversized bodies get
/// the API's own error shape.
pub struct JsonBody(pub Value);

impl FromRequest<App> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &App) -> Result<Self, ApiError> {
        let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| DomainError::TooLarge("the request body"))?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|_| ApiError(DomainError::invalid("body must be valid JSON")))
    }
}

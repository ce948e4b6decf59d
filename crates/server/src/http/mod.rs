//! The REST API: accounts, reads of requests and conversations, feedback,
//! call records and ICE servers, attachments, caregivers, and the health
//! check. Bodies
//! are JSON; errors go through [`error::ApiError`].

mod accounts;
mod alerts;
mod attachments;
mod calls;
mod caregivers;
mod checkins;
mod conversations;
pub mod error;
pub mod linger;
mod push;
mod reads;
mod safety;
mod support;
mod web;
mod welfare;

use crate::app::App;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use error::ApiError;
use helpline_core::DomainError;
use helpline_core::permissions::{RoleAction, require_role};
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
        .route("/api/me/week", get(accounts::week))
        .route("/api/me/debrief", post(accounts::debrief))
        .route(
            "/api/me/settings",
            get(push::settings).put(push::update_settings),
        )
        .route("/api/push/vapid-public-key", get(push::vapid_public_key))
        .route(
            "/api/push/subscriptions",
            get(push::subscriptions)
                .post(push::subscribe)
                .delete(push::unsubscribe),
        )
        .route("/api/push/subscriptions/renew", post(push::renew))
        .route("/api/volunteers", get(reads::volunteers))
        .route(
            "/api/volunteers/{id}/credentials",
            put(support::set_credentials),
        )
        .route("/api/support/overview", get(support::overview))
        .route("/api/users", get(support::users))
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
        .route(
            "/api/conversations/{id}/attachments",
            post(attachments::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/api/attachments/{id}", get(attachments::download))
        .route(
            "/api/attachments/{id}/thumbnail",
            get(attachments::thumbnail),
        )
        .route("/api/unread", get(conversations::unread))
        .route("/api/search", get(conversations::search))
        .route("/api/users/{id}/block", post(safety::block))
        .route("/api/users/{id}/unblock", post(safety::unblock))
        .route("/api/blocks", get(safety::blocks))
        .route("/api/caregivers", get(caregivers::caregivers))
        .route(
            "/api/caregivers/invitations",
            get(caregivers::invitations).post(caregivers::invite),
        )
        .route(
            "/api/caregivers/invitations/{id}",
            delete(caregivers::cancel),
        )
        .route(
            "/api/caregivers/{id}",
            put(caregivers::update).delete(caregivers::remove),
        )
        .route("/api/caregiving", get(caregivers::caregiving))
        .route("/api/caregiving/redeem", post(caregivers::redeem))
        .route("/api/alerts", get(alerts::list))
        .route("/api/alerts/{id}/ack", post(alerts::acknowledge))
        .route("/api/alerts/{id}/resolve", post(alerts::resolve))
        .route("/api/welfare", get(welfare::list))
        .route("/api/welfare/{id}/resolve", post(welfare::resolve))
        .route("/api/checkins", get(checkins::list).post(checkins::propose))
        .route("/api/checkins/{id}", delete(checkins::cancel))
        .route("/api/checkins/{id}/accept", post(checkins::accept))
        .route("/api/checkins/{id}/pause", post(checkins::pause))
        .route("/api/checkins/{id}/resume", post(checkins::resume))
        .route("/api/checkins/{id}/start", post(checkins::start))
        .route("/api/reports", get(safety::list).post(safety::create))
        .route("/api/reports/{id}/resolve", post(safety::resolve))
        .route("/api/calls", get(calls::list))
        .route("/api/calls/live", get(calls::live))
        .route("/api/calls/{id}/ice-servers", get(calls::ice))
        .route("/api/requests", get(reads::requests))
        .route("/api/requests/{id}", get(reads::request))
        .route("/api/requests/{id}/feedback", post(reads::feedback))
        .fallback(web::fallback)
        .layer(axum::middleware::from_fn(refuse_nul))
}

/// Refuses a URL that carries a NUL character (`%00`) in its path or query
/// string. PostgreSQL cannot hold or compare text with NUL in it, so such an
/// id or search would fail there as an internal error and pass on SQLite;
/// it is `invalid` on every backend alike, before any handler runs.
async fn refuse_nul(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let carries_nul = |text: &str| text.as_bytes().windows(3).any(|w| w == b"%00");
    if carries_nul(uri.path()) || uri.query().is_some_and(carries_nul) {
        return ApiError(DomainError::invalid(
            "the URL must not contain NUL characters",
        ))
        .into_response();
    }
    next.run(request).await
}

/// The user a request's bearer token names, who may use the helpline
/// itself: every role but caregivers, who are refused with `forbidden`
/// here, once, so no route of the helpline can forget them (theirs take
/// [`AnyUser`]).
pub struct AuthUser(pub User);

impl FromRequestParts<App> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, ApiError> {
        let AnyUser(user) = AnyUser::from_request_parts(parts, app).await?;
        require_role(user.role, RoleAction::UseHelpline)?;
        Ok(Self(user))
    }
}

/// The user a request's bearer token names, whatever their role: for
/// `GET /api/me` and the caregivers' own routes, which check the role
/// themselves.
pub struct AnyUser(pub User);

impl FromRequestParts<App> for AnyUser {
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
        app.limits.event(&id).await?;
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

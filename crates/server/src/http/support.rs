//! Support's live overview: pending requests with their seekers, active
//! sessions with both people, and volunteers with presence. Support
//! sockets get `support:changed` when any of it changes and refetch.
//! Support also finds anyone by name, to write to them.

use super::AuthUser;
use super::error::ApiError;
use super::reads::volunteer_list;
use crate::app::App;
use axum::Json;
use axum::extract::{Query, State};
use helpline_core::DomainError;
use helpline_core::permissions::{RoleAction, require_role};
use serde::Deserialize;
use serde_json::{Value, json};

/// The most users one search returns.
const FOUND_USERS: i64 = 20;

/// The longest search text, in characters.
const SEARCH_TEXT_CHARS: usize = 64;

/// `GET /api/users` parameters.
#[derive(Debug, Deserialize)]
pub struct UserSearch {
    q: Option<String>,
}

/// `GET /api/users?q=text` (support only): up to 20 users whose display
/// name or username contains the text (1–64 characters).
pub async fn users(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Query(search): Query<UserSearch>,
) -> Result<Json<Value>, ApiError> {
    require_role(user.role, RoleAction::SeeOverview)?;
    let text = search.q.unwrap_or_default();
    if !(1..=SEARCH_TEXT_CHARS).contains(&text.chars().count()) {
        return Err(DomainError::invalid("q must be 1 to 64 characters").into());
    }
    let found: Vec<Value> = app
        .store
        .search_users(&text, FOUND_USERS)
        .await?
        .into_iter()
        .map(|u| json!({"id": u.id, "displayName": u.display_name, "role": u.role}))
        .collect();
    Ok(Json(Value::Array(found)))
}

/// `GET /api/support/overview` (support only).
pub async fn overview(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    require_role(user.role, RoleAction::SeeOverview)?;
    let pending: Vec<Value> = app
        .store
        .pending_requests(app.clock.now())
        .await?
        .into_iter()
        .map(|p| {
            let mut request = json!(p.request);
            request["seekerName"] = json!(p.seeker_display_name);
            request
        })
        .collect();
    let sessions: Vec<Value> = app
        .store
        .active_sessions()
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "conversationId": s.conversation_id,
                "requestId": s.request_id,
                "seeker": {"id": s.seeker_id, "displayName": s.seeker_display_name},
                "volunteer": {"id": s.volunteer_id, "displayName": s.volunteer_display_name},
                "startedAt": s.started_at,
            })
        })
        .collect();
    Ok(Json(json!({
        "pendingRequests": pending,
        "activeSessions": sessions,
        "volunteers": volunteer_list(&app, &user.id).await?,
    })))
}

//! Support's live overview: pending requests with their seekers and their
//! place in the waiting line, active sessions with both people, and
//! volunteers with presence, load and credentials. Support sockets get
//! `support:changed` when any of it changes and refetch. Support also
//! finds anyone by name, to write to them, and sets volunteers'
//! credentials.

use super::AuthUser;
use super::JsonBody;
use super::error::ApiError;
use super::reads::volunteer_list;
use crate::app::App;
use axum::Json;
use axum::extract::{Path, Query, State};
use helpline_core::credentials::CredentialTopics;
use helpline_core::input::Fields;
use helpline_core::permissions::{RoleAction, require_role};
use helpline_core::{DomainError, UserId};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

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
    let now = app.clock.now();
    let standings: HashMap<_, _> = app
        .store
        .waiting_line(now)
        .await?
        .standings()
        .into_iter()
        .map(|s| (s.request_id.clone(), s))
        .collect();
    let pending: Vec<Value> = app
        .store
        .pending_requests(now)
        .await?
        .into_iter()
        .map(|p| {
            let standing = standings.get(&p.request.id);
            let mut request = json!(p.request);
            request["seekerName"] = json!(p.seeker_display_name);
            request["position"] = json!(standing.map(|s| s.position));
            request["estimatedWaitSecs"] = json!(standing.and_then(|s| s.estimated_wait_secs));
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
    let loads: HashMap<UserId, i64> = app.store.volunteer_loads().await?.into_iter().collect();
    let mut volunteers = volunteer_list(&app, &user.id).await?;
    if let Value::Array(listed) = &mut volunteers {
        for volunteer in listed {
            let load = volunteer["id"]
                .as_str()
                .and_then(|id| loads.get(&UserId::from_trusted(id)))
                .copied()
                .unwrap_or(0);
            volunteer["activeChats"] = json!(load);
        }
    }
    Ok(Json(json!({
        "pendingRequests": pending,
        "activeSessions": sessions,
        "volunteers": volunteers,
        "maxActiveChats": app.settings.max_active_chats,
        "credentialsRequired": app.settings.require_credentials,
    })))
}

/// `PUT /api/volunteers/{id}/credentials` `{"topics":["health","emotional"]}`
/// (support only): replaces the volunteer's credentials; `[]` clears them.
/// Answers `{"id","credentials"}`; `not_found` for anyone but a volunteer.
pub async fn set_credentials(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    require_role(user.role, RoleAction::ManageVolunteers)?;
    let wanted = CredentialTopics::parse(&Fields::of(&body)?)?;
    let volunteer = UserId::from_trusted(id);
    let stored = app
        .store
        .set_credentials(&volunteer, &wanted.topics)
        .await?
        .ok_or(DomainError::NotFound("no such volunteer"))?;
    tracing::info!(by = %user.id, volunteer = %volunteer, ?stored, "credentials set");
    app.fanout
        .support_changed(crate::realtime::outbound::SupportChange::Credentials)
        .await;
    Ok(Json(json!({"id": volunteer, "credentials": stored})))
}

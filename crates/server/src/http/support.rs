//! Support's live overview: pending requests with their seekers, active
//! sessions with both people, and volunteers with presence. Support
//! sockets get `support:changed` when any of it changes and refetch.

use super::AuthUser;
use super::error::ApiError;
use super::reads::volunteer_list;
use crate::app::App;
use axum::Json;
use axum::extract::State;
use helpline_core::permissions::{RoleAction, require_role};
use serde_json::{Value, json};

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

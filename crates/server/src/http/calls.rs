//! Call reads: `GET /api/calls/{id}/ice-servers` (STUN/TURN for a
//! participant of a ringing or active call), `GET /api/calls?conversationId=…`
//! (a conversation's call records, for its participants) and
//! `GET /api/calls/live` (the caller's own live calls).

use super::AuthUser;
use super::error::ApiError;
use crate::app::App;
use crate::calls::ice::{IceServers, ice_servers};
use axum::Json;
use axum::extract::{Path, Query, State};
use helpline_core::{CallId, ConversationId, DomainError};
use serde::Deserialize;
use serde_json::{Value, json};

/// Most calls listed.
const MAX_LISTED: i64 = 100;

/// `GET /api/calls/{id}/ice-servers`: anyone but a participant of a live
/// call gets 404.
pub async fn ice(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<IceServers>, ApiError> {
    let call = app
        .store
        .call(&CallId::from_trusted(id))
        .await?
        .filter(|c| c.status.is_live() && c.side_of(&user.id).is_some())
        .ok_or(DomainError::NotFound("no such call"))?;
    tracing::debug!(call = %call.id, "ice servers handed out");
    Ok(Json(ice_servers(
        &app.settings.calls,
        &user.id,
        app.clock.now(),
    )))
}

/// Query of `GET /api/calls`.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    #[serde(rename = "conversationId")]
    conversation_id: Option<String>,
}

/// `GET /api/calls?conversationId=…`: newest first, participants only.
pub async fn list(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Query(params): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let conversation = params
        .conversation_id
        .filter(|c| !c.is_empty() && c.len() <= helpline_core::ids::MAX_ID_LEN)
        .map(ConversationId::from_trusted)
        .ok_or_else(|| DomainError::invalid("conversationId is required"))?;
    if !app
        .store
        .participants(&conversation)
        .await?
        .contains(&user.id)
    {
        return Err(DomainError::NotFound("no such conversation").into());
    }
    let calls = app.store.calls_in(&conversation, MAX_LISTED).await?;
    Ok(Json(json!({ "calls": calls })))
}

/// `GET /api/calls/live`: the caller's ringing and active calls, so a
/// device that reloaded can offer to take its call back (`call:resume`).
pub async fn live(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    let calls = app.store.live_calls_of(&user.id).await?;
    Ok(Json(json!({ "calls": calls })))
}

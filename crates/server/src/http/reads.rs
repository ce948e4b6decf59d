//! Reads and feedback: volunteers with presence, the caller's conversations
//! and their history, the caller's requests, and the seeker's rating.

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use helpline_core::input::Fields;
use helpline_core::message::MAX_HISTORY_LIMIT;
use helpline_core::request::{Feedback, HelpRequest, RequestStatus};
use helpline_core::{ConversationId, DomainError, RequestId};
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET /api/volunteers`: every volunteer with online state and availability.
pub async fn volunteers(
    State(app): State<App>,
    AuthUser(_): AuthUser,
) -> Result<Json<Value>, ApiError> {
    let listed: Vec<Value> = app
        .store
        .volunteers()
        .await?
        .into_iter()
        .map(|v| {
            let availability = app.presence.availability(&v.id);
            json!({
                "id": v.id,
                "displayName": v.display_name,
                "languages": v.languages,
                "online": availability.is_some(),
                "availability": availability.map_or("offline", |a| a.as_str()),
            })
        })
        .collect();
    Ok(Json(Value::Array(listed)))
}

/// `GET /api/conversations`: the caller's conversations, most recent first.
pub async fn conversations(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    let summaries = app.store.conversation_summaries(&user.id).await?;
    Ok(Json(json!(summaries)))
}

/// `POST /api/conversations {"participantId"}`: the active direct
/// conversation with that person (200), or a new one (201).
pub async fn start_conversation(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let participant = crate::direct::parse_participant(&Fields::of(&body)?)?;
    let (conversation, created) = crate::direct::start_direct(&app, &user, &participant).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(json!(conversation))))
}

/// Query of `GET /api/conversations/{id}/messages`, read as text so that
/// bad numbers get the API's own `invalid` error.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    #[serde(rename = "beforeSeq")]
    before_seq: Option<String>,
    limit: Option<String>,
}

fn number(raw: Option<&str>, name: &str, min: i64, max: i64) -> Result<Option<i64>, DomainError> {
    raw.map(|text| {
        text.parse::<i64>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                DomainError::invalid(format!("{name} must be an integer between {min} and {max}"))
            })
    })
    .transpose()
}

/// `GET /api/conversations/{id}/messages?beforeSeq&limit`: a page of history.
pub async fn messages(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> Result<Json<Value>, ApiError> {
    let before_seq = number(query.before_seq.as_deref(), "beforeSeq", 0, i64::MAX)?;
    let limit = number(query.limit.as_deref(), "limit", 1, i64::MAX)?
        .unwrap_or(MAX_HISTORY_LIMIT)
        .min(MAX_HISTORY_LIMIT);
    let conversation = ConversationId::from_trusted(id);
    if !app
        .store
        .participants(&conversation)
        .await?
        .contains(&user.id)
    {
        return Err(DomainError::NotFound("no such conversation").into());
    }
    let mut page = app
        .store
        .messages_before(&conversation, before_seq, limit + 1)
        .await?;
    let has_more = page.len() as i64 > limit;
    if has_more {
        page.remove(0);
    }
    Ok(Json(json!({"messages": page, "hasMore": has_more})))
}

/// `GET /api/requests`: the caller's requests, newest first.
pub async fn requests(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<HelpRequest>>, ApiError> {
    Ok(Json(app.store.requests_of(&user).await?))
}

/// `POST /api/requests/{id}/feedback`: the seeker rates a completed request once.
pub async fn feedback(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<HelpRequest>, ApiError> {
    let feedback = Feedback::parse(&Fields::of(&body)?)?;
    let id = RequestId::from_trusted(id);
    let request = app
        .store
        .request(&id)
        .await?
        .ok_or(DomainError::NotFound("no such request"))?;
    if request.senior_id != user.id {
        return Err(DomainError::Forbidden("only the seeker who asked can leave feedback").into());
    }
    if request.status != RequestStatus::Completed {
        return Err(
            DomainError::Conflict("feedback is possible once the request is completed").into(),
        );
    }
    let rated = app
        .store
        .set_feedback(&id, &feedback)
        .await?
        .ok_or(DomainError::Conflict("feedback was already given"))?;
    Ok(Json(rated))
}

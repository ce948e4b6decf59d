//! Conversations over REST: the caller's list (with archiving), direct
//! conversations, history pages (which count as delivery), search, and
//! unread counts.

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use helpline_core::inbound::{ClientEvent, ConversationStart};
use helpline_core::input::Fields;
use helpline_core::message::MAX_HISTORY_LIMIT;
use helpline_core::search::SearchQuery;
use helpline_core::{ConversationId, DomainError, UserId};
use serde::Deserialize;
use serde_json::{Value, json};

/// Query of `GET /api/conversations`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    archived: Option<String>,
}

/// `GET /api/conversations[?archived=true]`: the caller's conversations,
/// most recent first; archived ones only when asked for.
pub async fn conversations(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let archived = match query.archived.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(DomainError::invalid("archived must be true or false").into()),
    };
    let mut summaries = app.store.conversation_summaries(&user.id).await?;
    summaries.retain(|s| s.archived == archived);
    Ok(Json(json!(summaries)))
}

/// `POST /api/conversations/{id}/archive`: hides it from the caller's default list.
pub async fn archive(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_archived(app, user.id, id, true).await
}

/// `POST /api/conversations/{id}/unarchive`: brings it back.
pub async fn unarchive(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_archived(app, user.id, id, false).await
}

async fn set_archived(
    app: App,
    user: UserId,
    id: String,
    archived: bool,
) -> Result<Json<Value>, ApiError> {
    let conversation = ConversationId::from_trusted(id);
    crate::receipts::set_archived(&app, &user, &conversation, archived).await?;
    Ok(Json(
        json!({"conversationId": conversation, "archived": archived}),
    ))
}

/// Query of `GET /api/search`, read as text so bad numbers get `invalid`.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    #[serde(rename = "conversationId")]
    conversation_id: Option<String>,
    #[serde(rename = "beforeSeq")]
    before_seq: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

/// `GET /api/search?q=…[&conversationId][&beforeSeq][&limit][&offset]`:
/// the caller's live messages containing every word, most relevant first.
pub async fn search(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Query(params): Query<SearchParams>,
) -> Result<Json<Value>, ApiError> {
    let conversation = params.conversation_id.map(ConversationId::from_trusted);
    let mut query = SearchQuery::new(
        params.q.as_deref().unwrap_or(""),
        conversation.clone(),
        number(params.before_seq.as_deref(), "beforeSeq", 0, i64::MAX)?,
        number(params.limit.as_deref(), "limit", 1, i64::MAX)?,
        number(params.offset.as_deref(), "offset", 0, i64::MAX)?,
    )?;
    // Searching one conversation needs a place in it (404 like history).
    if let Some(conversation) = &conversation
        && !app
            .participants
            .of(app.store.as_ref(), conversation)
            .await?
            .contains(&user.id)
    {
        return Err(DomainError::NotFound("no such conversation").into());
    }
    let page = query.limit;
    query.limit += 1;
    let mut results = app.store.search_messages(&user.id, &query).await?;
    let has_more = results.len() as i64 > page;
    results.truncate(page as usize);
    Ok(Json(json!({"results": results, "hasMore": has_more})))
}

/// `GET /api/unread`: unread messages in total and per conversation.
pub async fn unread(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<crate::receipts::Unread>, ApiError> {
    Ok(Json(crate::receipts::unread(&app, &user.id).await?))
}

/// `POST /api/conversations {"participantId"}`: the active direct
/// conversation with that person (200), or a new one (201).
pub async fn start_conversation(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    // The same body as `conversation:start`.
    let participant = ConversationStart::parse(&Fields::of(&body)?)?.participant_id;
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
    let participant = app
        .participants
        .of(app.store.as_ref(), &conversation)
        .await?
        .contains(&user.id);
    // Support may read a conversation an unresolved safety alert names,
    // without taking part in it (and so without receipts).
    let reading_for_an_alert = !participant
        && user.role == helpline_core::user::Role::Support
        && app.store.unresolved_alert_on(&conversation).await?;
    if !participant && !reading_for_an_alert {
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
    if participant {
        crate::receipts::fetched(&app, &conversation, &user.id, &page).await?;
    }
    Ok(Json(json!({"messages": page, "hasMore": has_more})))
}

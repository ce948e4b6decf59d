//! Blocking and reporting over REST: `POST /api/users/{id}/block` and
//! `/unblock`, `GET /api/blocks`, `POST /api/reports`, and for support
//! `GET /api/reports` and `POST /api/reports/{id}/resolve`. Reports leave
//! with the people they name (`reporter`, `reported`); new ones reach every
//! connected support agent as `report:new`.

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use crate::realtime::outbound::ServerEvent;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use helpline_core::conversation::ConversationStatus;
use helpline_core::input::Fields;
use helpline_core::permissions::{
    ConversationAction, ConversationFacts, RoleAction, check_conversation_action, require_role,
};
use helpline_core::safety::{
    NamedReport, PersonRef, Report, ReportDraft, ReportStatus, ReportTarget,
};
use helpline_core::user::User;
use helpline_core::{DomainError, ReportId, UserId};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// `POST /api/users/{id}/block`.
pub async fn block(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_block(app, user, id, true).await
}

/// `POST /api/users/{id}/unblock`.
pub async fn unblock(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    set_block(app, user, id, false).await
}

async fn set_block(
    app: App,
    user: User,
    id: String,
    blocking: bool,
) -> Result<Json<Value>, ApiError> {
    let other = UserId::from_trusted(id);
    if other == user.id {
        return Err(DomainError::invalid("you cannot block yourself").into());
    }
    app.store
        .user(&other)
        .await?
        .ok_or(DomainError::NotFound("no such user"))?;
    app.store
        .set_block(&user.id, &other, blocking, app.clock.now())
        .await?;
    if blocking {
        // The block is stored and holds whatever happens here; a failure to
        // tell is logged, and the apps catch up with `request:status`.
        if let Err(error) = crate::realtime::withdraw_on_block(&app, &user.id, &other).await {
            tracing::warn!(%error, "withdrawing requests after a block failed");
        }
        // Nor do their check-ins go on.
        if let Err(error) = crate::checkins::cancel_between(&app, &user.id, &other).await {
            tracing::warn!(%error, "cancelling check-ins after a block failed");
        }
    }
    Ok(Json(json!({"userId": other, "blocked": blocking})))
}

/// `GET /api/blocks`: whom the caller has blocked, most recent first.
pub async fn blocks(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    let blocked = app.store.blocked_by(&user.id).await?;
    Ok(Json(json!({ "blocked": blocked })))
}

/// `POST /api/reports {"messageId"|"userId","reason"}`: asks support to look.
/// A message may be reported by the participants of its conversation; its
/// text at that moment is kept with the report.
pub async fn create(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<NamedReport>), ApiError> {
    let draft = ReportDraft::parse(&Fields::of(&body)?)?;
    let (reported, message_id, conversation_id, excerpt) = match draft.target {
        ReportTarget::User(other) => {
            if other == user.id {
                return Err(DomainError::invalid("you cannot report yourself").into());
            }
            app.store
                .user(&other)
                .await?
                .ok_or(DomainError::NotFound("no such user"))?;
            (other, None, None, None)
        }
        ReportTarget::Message(id) => {
            let message = app
                .store
                .message(&id)
                .await?
                .ok_or(DomainError::NotFound("no such message"))?;
            let participants = app
                .participants
                .of(app.store.as_ref(), &message.conversation_id)
                .await?;
            let active = app
                .store
                .conversation(&message.conversation_id)
                .await?
                .is_some_and(|c| c.status == ConversationStatus::Active);
            let facts = ConversationFacts {
                participants: &participants,
                active,
            };
            // Strangers learn nothing about the message.
            check_conversation_action(ConversationAction::Report, &user.id, facts, None)
                .map_err(|_| DomainError::NotFound("no such message"))?;
            if message.deleted_at.is_some() {
                return Err(DomainError::NotFound("no such message").into());
            }
            (
                message.sender_id,
                Some(message.id),
                Some(message.conversation_id),
                Some(message.content),
            )
        }
    };
    let report = Report {
        id: ReportId::generate(),
        reporter_id: user.id,
        user_id: reported,
        message_id,
        conversation_id,
        message_excerpt: excerpt,
        reason: draft.reason,
        status: ReportStatus::Open,
        created_at: app.clock.now(),
        resolved_at: None,
        resolved_by: None,
    };
    app.store.create_report(&report).await?;
    tracing::info!(report = %report.id, "report filed");
    let named = name_report(&app, &mut HashMap::new(), report).await?;
    app.fanout
        .to_support(&ServerEvent::ReportNew(named.clone()))
        .await;
    Ok((StatusCode::CREATED, Json(named)))
}

/// Query of `GET /api/reports`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// `GET /api/reports[?status=open|resolved]` (support only).
pub async fn list(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<NamedReport>>, ApiError> {
    require_role(user.role, RoleAction::ModerateReports)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(text) => Some(
            ReportStatus::parse(text)
                .ok_or_else(|| DomainError::invalid("status must be open or resolved"))?,
        ),
    };
    let reports = app.store.reports(status).await?;
    Ok(Json(name_reports(&app, reports).await?))
}

/// `POST /api/reports/{id}/resolve` (support only).
pub async fn resolve(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<NamedReport>, ApiError> {
    require_role(user.role, RoleAction::ModerateReports)?;
    let resolved = app
        .store
        .resolve_report(&ReportId::from_trusted(id), &user.id, app.clock.now())
        .await?
        .ok_or(DomainError::NotFound("no open report with this id"))?;
    Ok(Json(
        name_report(&app, &mut HashMap::new(), resolved).await?,
    ))
}

/// Adds `reporter` and `reported` to each report, looking each person up once.
async fn name_reports(app: &App, reports: Vec<Report>) -> Result<Vec<NamedReport>, ApiError> {
    let mut people = HashMap::new();
    let mut named = Vec::with_capacity(reports.len());
    for report in reports {
        named.push(name_report(app, &mut people, report).await?);
    }
    Ok(named)
}

/// Adds `reporter` and `reported` to one report; `people` caches lookups.
async fn name_report(
    app: &App,
    people: &mut HashMap<UserId, PersonRef>,
    report: Report,
) -> Result<NamedReport, ApiError> {
    let reporter = person(app, people, &report.reporter_id).await?;
    let reported = person(app, people, &report.user_id).await?;
    Ok(NamedReport {
        report,
        reporter,
        reported,
    })
}

async fn person(
    app: &App,
    people: &mut HashMap<UserId, PersonRef>,
    id: &UserId,
) -> Result<PersonRef, ApiError> {
    if let Some(known) = people.get(id) {
        return Ok(known.clone());
    }
    let Some(user) = app.store.user(id).await? else {
        tracing::error!(user = %id, "a report names a missing user");
        return Err(DomainError::Internal.into());
    };
    let found = PersonRef::from(&user);
    people.insert(id.clone(), found.clone());
    Ok(found)
}

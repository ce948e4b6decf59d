//! Check-ins over REST: `GET /api/checkins`, `POST /api/checkins` (propose),
//! `POST /api/checkins/{id}/accept|pause|resume|start` and
//! `DELETE /api/checkins/{id}`. Either person may propose, pause, resume
//! or cancel; only the other accepts; only the volunteer starts one. Every
//! change reaches both people's devices (`checkin:changed`).

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use crate::checkins::{next_from, tell_both};
use crate::realtime::outbound::ServerEvent;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use helpline_core::checkins::{Checkin, CheckinDraft, CheckinStatus};
use helpline_core::input::Fields;
use helpline_core::user::{Role, User};
use helpline_core::{CheckinId, ConversationId, DomainError};
use helpline_store::NewCheckin;
use serde::Serialize;

/// `GET /api/checkins`: the caller's check-ins that are not cancelled.
pub async fn list(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<Checkin>>, ApiError> {
    Ok(Json(app.store.checkins_of(&user.id).await?))
}

/// `POST /api/checkins {"withUserId","weekday","time","timeZone","kind"}`:
/// a seeker and a volunteer who have talked before; `201` with the
/// proposed check-in.
pub async fn propose(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Checkin>), ApiError> {
    let draft = CheckinDraft::parse(&Fields::of(&body)?)?;
    let other = app
        .store
        .user(&draft.with_user_id)
        .await?
        .ok_or(DomainError::NotFound("no such user"))?;
    let (seeker, volunteer) = match (user.role, other.role) {
        (Role::Seeker, Role::Volunteer) => (user.id.clone(), other.id.clone()),
        (Role::Volunteer, Role::Seeker) => (other.id.clone(), user.id.clone()),
        _ => {
            return Err(
                DomainError::Forbidden("check-ins are between a member and a volunteer").into(),
            );
        }
    };
    if !app.store.have_talked(&seeker, &volunteer).await? {
        return Err(DomainError::Forbidden(
            "you can agree check-ins with people you have talked with",
        )
        .into());
    }
    if app.store.blocked_either_way(&user.id, &other.id).await? {
        return Err(helpline_core::permissions::blocked_pair().into());
    }
    let checkin = app
        .store
        .propose_checkin(&NewCheckin {
            id: CheckinId::generate(),
            seeker,
            volunteer,
            proposed_by: user.id.clone(),
            schedule: draft.schedule,
            kind: draft.kind,
            now: app.clock.now(),
        })
        .await?;
    changed(&app, &checkin).await;
    Ok((StatusCode::CREATED, Json(checkin)))
}

/// `POST /api/checkins/{id}/accept`: the person who did not propose it.
pub async fn accept(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Checkin>, ApiError> {
    let checkin = mine(&app, &user, &id).await?;
    if checkin.proposed_by == user.id {
        return Err(
            DomainError::Forbidden("the other person accepts a check-in you proposed").into(),
        );
    }
    let next = next_from(&checkin, app.clock.now())?;
    moved(
        &app,
        &checkin,
        &[CheckinStatus::Proposed],
        CheckinStatus::Active,
        Some(next),
        "this check-in is not waiting to be accepted",
    )
    .await
}

/// `POST /api/checkins/{id}/pause`: either person, while active.
pub async fn pause(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Checkin>, ApiError> {
    let checkin = mine(&app, &user, &id).await?;
    moved(
        &app,
        &checkin,
        &[CheckinStatus::Active],
        CheckinStatus::Paused,
        None,
        "only an active check-in can be paused",
    )
    .await
}

/// `POST /api/checkins/{id}/resume`: either person, while paused.
pub async fn resume(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Checkin>, ApiError> {
    let checkin = mine(&app, &user, &id).await?;
    let next = next_from(&checkin, app.clock.now())?;
    moved(
        &app,
        &checkin,
        &[CheckinStatus::Paused],
        CheckinStatus::Active,
        Some(next),
        "only a paused check-in can be resumed",
    )
    .await
}

/// `DELETE /api/checkins/{id}`: either person, at any time.
pub async fn cancel(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Checkin>, ApiError> {
    let checkin = mine(&app, &user, &id).await?;
    let open = [
        CheckinStatus::Proposed,
        CheckinStatus::Active,
        CheckinStatus::Paused,
    ];
    moved(
        &app,
        &checkin,
        &open,
        CheckinStatus::Cancelled,
        None,
        "this check-in is already cancelled",
    )
    .await
}

/// The answer of `POST /api/checkins/{id}/start`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    /// Where the two talk (opened now or already there).
    conversation_id: ConversationId,
}

/// `POST /api/checkins/{id}/start`: the volunteer, for an active
/// check-in: the conversation with the seeker, opened if there is none
/// (the agreement stands in for the role rules; blocks still hold).
pub async fn start(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Started>, ApiError> {
    let checkin = mine(&app, &user, &id).await?;
    if checkin.volunteer.id != user.id {
        return Err(DomainError::Forbidden("the volunteer starts a check-in").into());
    }
    if checkin.status != CheckinStatus::Active {
        return Err(DomainError::Conflict("only an active check-in can be started").into());
    }
    let seeker = app
        .store
        .user(&checkin.seeker.id)
        .await?
        .ok_or(DomainError::NotFound("no such user"))?;
    let (conversation, _) = crate::direct::open_direct(&app, &user, &seeker).await?;
    Ok(Json(Started {
        conversation_id: conversation.id,
    }))
}

/// The check-in `id`, if the caller is one of its two people (anyone else
/// is told it does not exist).
async fn mine(app: &App, user: &User, id: &str) -> Result<Checkin, DomainError> {
    app.store
        .checkin(&CheckinId::from_trusted(id))
        .await?
        .filter(|c| c.names(&user.id))
        .ok_or(DomainError::NotFound("no such check-in"))
}

/// Moves `checkin` from one of `from` to `to`, telling both; `conflict`
/// saying `why` when it was not in one of `from`.
async fn moved(
    app: &App,
    checkin: &Checkin,
    from: &[CheckinStatus],
    to: CheckinStatus,
    next_at: Option<helpline_core::Timestamp>,
    why: &'static str,
) -> Result<Json<Checkin>, ApiError> {
    let moved = app
        .store
        .move_checkin(&checkin.id, from, to, next_at)
        .await?
        .ok_or(DomainError::Conflict(why))?;
    tracing::info!(checkin = %moved.id, status = moved.status.as_str(), "check-in changed");
    changed(app, &moved).await;
    Ok(Json(moved))
}

/// Both people hear of a change.
async fn changed(app: &App, checkin: &Checkin) {
    tell_both(
        app,
        checkin,
        &ServerEvent::CheckinChanged {
            checkin: checkin.clone(),
        },
    )
    .await;
}

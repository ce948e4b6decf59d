//! Reads and feedback: volunteers with presence, the caller's requests
//! (one of them with its place in the waiting line), and the seeker's
//! rating.

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use axum::Json;
use axum::extract::{Path, State};
use helpline_core::inbound::StatusOfRequest;
use helpline_core::input::Fields;
use helpline_core::request::{Feedback, HelpRequest, RequestStatus, Topic};
use helpline_core::user::Role;
use helpline_core::{DomainError, RequestId, UserId};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// `GET /api/volunteers`: every volunteer with online state and availability.
pub async fn volunteers(
    State(app): State<App>,
    AuthUser(caller): AuthUser,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(volunteer_list(&app, &caller.id).await?))
}

/// Every volunteer with online state and availability (on any node), and
/// whether they are on call for `caller` (would be told of their request
/// by push now), as `GET /api/volunteers` and support's overview list them.
pub(super) async fn volunteer_list(app: &App, caller: &UserId) -> Result<Value, ApiError> {
    let on_call: HashSet<UserId> = crate::push::notices::on_call_for(app, caller, None, None)
        .await
        .into_iter()
        .map(|v| v.volunteer)
        .collect();
    let mut credentials: HashMap<UserId, Vec<Topic>> =
        app.store.all_credentials().await?.into_iter().collect();
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
                "onCall": on_call.contains(&v.id),
                "credentials": credentials.remove(&v.id).unwrap_or_default(),
            })
        })
        .collect();
    Ok(Value::Array(listed))
}

/// `GET /api/requests`: the caller's requests, newest first.
pub async fn requests(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<HelpRequest>>, ApiError> {
    Ok(Json(app.store.requests_of(&user).await?))
}

/// `GET /api/requests/{id}`: one request with, while it is pending, its
/// place in the waiting line. Its seeker, the volunteer who took it or was
/// offered it, and support may read it; anyone else hears `not_found`.
pub async fn request(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<StatusOfRequest>, ApiError> {
    let request = stored_request(&app, id).await?;
    let concerned = user.role == Role::Support
        || request.senior_id == user.id
        || request.volunteer_id.as_ref() == Some(&user.id)
        || request.target_volunteer_id.as_ref() == Some(&user.id)
        || app.store.offered_to(&request.id, &user.id).await?;
    if !concerned {
        return Err(DomainError::NotFound("no such request").into());
    }
    let standing = crate::realtime::queue::standing_of(&app, &request).await?;
    Ok(Json(StatusOfRequest {
        request: Some(request),
        server_time: app.clock.now(),
        position: standing.as_ref().map(|s| s.position),
        estimated_wait_secs: standing.and_then(|s| s.estimated_wait_secs),
    }))
}

/// `POST /api/requests/{id}/feedback`: the seeker rates a completed request once.
pub async fn feedback(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<HelpRequest>, ApiError> {
    let feedback = Feedback::parse(&Fields::of(&body)?)?;
    let request = stored_request(&app, id).await?;
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
        .set_feedback(&request.id, &feedback)
        .await?
        .ok_or(DomainError::Conflict("feedback was already given"))?;
    Ok(Json(rated))
}

/// The request named in a route's path, or `not_found`.
async fn stored_request(app: &App, id: String) -> Result<HelpRequest, DomainError> {
    app.store
        .request(&RequestId::from_trusted(id))
        .await?
        .ok_or(DomainError::NotFound("no such request"))
}

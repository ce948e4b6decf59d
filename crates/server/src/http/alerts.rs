//! Safety alerts over REST: `GET /api/alerts` (support: every alert;
//! anyone else: those they raised), and for support
//! `POST /api/alerts/{id}/ack` and `POST /api/alerts/{id}/resolve
//! {"note"}`. Raising one is the `safety:alert` event
//! ([`crate::realtime::alerts`]), which also tells whoever raised it when
//! support acts.

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use axum::Json;
use axum::extract::{Path, Query, State};
use helpline_core::alerts::{Alert, resolution_note};
use helpline_core::input::Fields;
use helpline_core::permissions::{RoleAction, require_role, role_may};
use helpline_core::{AlertId, DomainError};
use helpline_store::AlertFilter;
use serde::Deserialize;

/// Most alerts one listing returns.
const LIST_LIMIT: i64 = 200;

/// Query of `GET /api/alerts`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// `GET /api/alerts[?status=open|resolved]`: support sees every alert
/// (unresolved first; `open` means not resolved yet), anyone else the
/// ones they raised, newest first.
pub async fn list(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<Alert>>, ApiError> {
    let support = role_may(user.role, RoleAction::HandleAlerts);
    let filter = match (support, query.status.as_deref()) {
        (false, None) => AlertFilter::RaisedBy(user.id.clone()),
        (false, Some(_)) => {
            return Err(DomainError::invalid("only support filter alerts by status").into());
        }
        (true, None) => AlertFilter::All,
        (true, Some("open")) => AlertFilter::Unresolved,
        (true, Some("resolved")) => AlertFilter::Resolved,
        (true, Some(_)) => {
            return Err(DomainError::invalid("status must be open or resolved").into());
        }
    };
    Ok(Json(app.store.alerts(&filter, LIST_LIMIT).await?))
}

/// `POST /api/alerts/{id}/ack` (support): "I'm on it". `409 conflict`
/// when someone already is, or it is resolved.
pub async fn acknowledge(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Json<Alert>, ApiError> {
    require_role(user.role, RoleAction::HandleAlerts)?;
    let id = AlertId::from_trusted(id);
    let Some(alert) = app
        .store
        .acknowledge_alert(&id, &user.id, app.clock.now())
        .await?
    else {
        return Err(missing_or(&app, &id, "this alert is already being handled").await);
    };
    tracing::info!(alert = %alert.id, "safety alert acknowledged");
    crate::realtime::alerts::handled(&app, alert.clone()).await;
    Ok(Json(alert))
}

/// `POST /api/alerts/{id}/resolve {"note"}` (support): dealt with, and
/// what was done. Acknowledges it too if nobody had.
pub async fn resolve(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<Alert>, ApiError> {
    require_role(user.role, RoleAction::HandleAlerts)?;
    let note = resolution_note(&Fields::of(&body)?)?;
    let id = AlertId::from_trusted(id);
    let Some(alert) = app
        .store
        .resolve_alert(&id, &user.id, &note, app.clock.now())
        .await?
    else {
        return Err(missing_or(&app, &id, "this alert is already resolved").await);
    };
    tracing::info!(alert = %alert.id, "safety alert resolved");
    crate::realtime::alerts::handled(&app, alert.clone()).await;
    Ok(Json(alert))
}

/// `not_found` when there is no such alert, else `conflict` saying `why`.
async fn missing_or(app: &App, id: &AlertId, why: &'static str) -> ApiError {
    match app.store.alert(id).await {
        Ok(Some(_)) => DomainError::Conflict(why).into(),
        Ok(None) => DomainError::NotFound("no such alert").into(),
        Err(error) => error.into(),
    }
}

//! Welfare checks over REST, for support: `GET /api/welfare[?status=open|
//! resolved]` and `POST /api/welfare/{id}/resolve {"note"}`. Checks start
//! by themselves ([`crate::welfare`]).

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use crate::realtime::outbound::SupportChange;
use axum::Json;
use axum::extract::{Path, Query, State};
use helpline_core::alerts::resolution_note;
use helpline_core::input::Fields;
use helpline_core::permissions::{RoleAction, require_role};
use helpline_core::welfare::WelfareTask;
use helpline_core::{DomainError, WelfareId};
use helpline_store::WelfareFilter;
use serde::Deserialize;

/// Most tasks one listing returns.
const LIST_LIMIT: i64 = 200;

/// Query of `GET /api/welfare`.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// `GET /api/welfare[?status=open|resolved]` (support): open tasks first,
/// then resolved ones.
pub async fn list(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<WelfareTask>>, ApiError> {
    require_role(user.role, RoleAction::HandleAlerts)?;
    let filter = match query.status.as_deref() {
        None => WelfareFilter::All,
        Some("open") => WelfareFilter::Open,
        Some("resolved") => WelfareFilter::Resolved,
        Some(_) => return Err(DomainError::invalid("status must be open or resolved").into()),
    };
    Ok(Json(app.store.welfare_tasks(&filter, LIST_LIMIT).await?))
}

/// `POST /api/welfare/{id}/resolve {"note"}` (support): dealt with, and
/// what was done. `409 conflict` once resolved.
pub async fn resolve(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Json<WelfareTask>, ApiError> {
    require_role(user.role, RoleAction::HandleAlerts)?;
    let note = resolution_note(&Fields::of(&body)?)?;
    let id = WelfareId::from_trusted(id);
    let Some(task) = app
        .store
        .resolve_welfare(&id, &user.id, &note, app.clock.now())
        .await?
    else {
        return Err(match app.store.welfare_task(&id).await? {
            Some(task) if task.raised_at.is_some() => {
                DomainError::Conflict("this welfare check is already resolved").into()
            }
            _ => DomainError::NotFound("no such welfare check").into(),
        });
    };
    tracing::info!(task = %task.id, "welfare check resolved");
    app.fanout.support_changed(SupportChange::Welfare).await;
    Ok(Json(task))
}

//! Accounts: `POST /api/auth/register`, `POST /api/auth/login`, `GET /api/me`.

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use crate::auth::{create_account, verify_password};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use helpline_core::DomainError;
use helpline_core::input::Fields;
use helpline_core::user::{NewAccount, User};
use serde_json::{Value, json};

/// Creates an account (seeker or volunteer) and a token for it.
pub async fn register(
    State(app): State<App>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let account = NewAccount::parse_registration(&Fields::of(&body)?)?;
    let user = create_account(app.store.as_ref(), &account).await?;
    let token = app.tokens.issue(&user.id)?;
    tracing::info!(user = %user.id, role = user.role.as_str(), "account registered");
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "user": user})),
    ))
}

/// Exchanges a username and password for a token.
pub async fn login(
    State(app): State<App>,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    let fields = Fields::of(&body)?;
    let username = fields.str("username", 1, 64)?;
    let password = fields.str("password", 1, 1024)?;
    app.limits.login_allowed(username).await?;
    let credentials = app.store.credentials(username).await?;
    let hash = credentials.as_ref().map(|c| c.password_hash.clone());
    let verified = verify_password(password.to_owned(), hash).await;
    let Some(user) = credentials.filter(|_| verified).map(|c| c.user) else {
        app.limits.login_failed(username).await;
        return Err(DomainError::InvalidCredentials.into());
    };
    let token = app.tokens.issue(&user.id)?;
    Ok(Json(json!({"token": token, "user": user})))
}

/// The caller's own account (any role, caregivers too).
pub async fn me(super::AnyUser(user): super::AnyUser) -> Json<User> {
    Json(user)
}

/// `GET /api/me/week` (volunteers): the requests they took in the last
/// seven days, the time those chats lasted, and whether that is past
/// `HELPLINE_WEEKLY_HOURS_HINT`, so the app can suggest rest.
pub async fn week(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<helpline_core::request::VolunteerWeek>, ApiError> {
    if user.role != helpline_core::user::Role::Volunteer {
        return Err(DomainError::Forbidden("only volunteers have a week of sessions").into());
    }
    const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
    let now = app.clock.now();
    let since = helpline_core::Timestamp::from_millis(now.millis().saturating_sub(WEEK_MS));
    let (sessions, emotional_sessions, busy_ms) = app.store.week_of(&user.id, since, now).await?;
    let minutes = busy_ms.max(0) / 60_000;
    let hint = Some(app.settings.weekly_hours_hint).filter(|h| *h > 0);
    Ok(Json(helpline_core::request::VolunteerWeek {
        sessions,
        emotional_sessions,
        minutes,
        weekly_hours_hint: hint,
        rest_suggested: hint.is_some_and(|h| minutes >= i64::from(h) * 60),
    }))
}

/// `POST /api/me/debrief` (volunteers): one tap to talk a hard session
/// over with staff; `{"conversationId","staff":{"id","displayName"}}`.
pub async fn debrief(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    if user.role != helpline_core::user::Role::Volunteer {
        return Err(DomainError::Forbidden("debriefs are for volunteers").into());
    }
    let (summary, staff) = crate::wellbeing::open_debrief(&app, &user).await?;
    Ok(Json(json!({
        "conversationId": summary.id,
        "staff": {"id": staff.id, "displayName": staff.display_name},
    })))
}

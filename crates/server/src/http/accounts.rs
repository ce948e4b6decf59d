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

/// The caller's own account.
pub async fn me(AuthUser(user): AuthUser) -> Json<User> {
    Json(user)
}

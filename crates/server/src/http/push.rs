//! Web Push over REST: the VAPID public key (no token needed), the
//! caller's subscriptions (one per device), the renewal a service worker
//! makes when the browser replaces a subscription (proved by the old
//! endpoint, a capability only the browser, its push service and this
//! server know), and the caller's notification settings
//! (`GET/PUT /api/me/settings`).

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use helpline_core::DomainError;
use helpline_core::input::Fields;
use helpline_core::push::{
    MAX_ENDPOINT_CHARS, MAX_SUBSCRIPTIONS_PER_USER, SettingsPatch, SubscriptionDraft, UserSettings,
    decode_key,
};
use serde_json::{Value, json};
use web_push_native::p256::PublicKey;

/// `GET /api/push/vapid-public-key`.
pub async fn vapid_public_key(State(app): State<App>) -> Json<Value> {
    Json(json!({ "publicKey": app.push.vapid.public_key() }))
}

/// `POST /api/push/subscriptions`: saves (or updates) this device's
/// subscription for the caller → 201.
pub async fn subscribe(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let draft = device(&app, &body)?;
    let saved = app
        .store
        .save_subscription(
            &user.id,
            &draft,
            MAX_SUBSCRIPTIONS_PER_USER,
            app.clock.now(),
        )
        .await?;
    tracing::info!(user = %user.id, service = %crate::push::send::origin(&draft.endpoint), "push subscription saved");
    Ok((StatusCode::CREATED, Json(json!({ "subscription": saved }))))
}

/// `GET /api/push/subscriptions`: the caller's devices.
pub async fn subscriptions(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<Value>, ApiError> {
    let list = app.store.subscriptions_of(&user.id).await?;
    Ok(Json(json!({ "subscriptions": list })))
}

/// `DELETE /api/push/subscriptions {"endpoint"}` → 204 (also when the
/// caller had no such subscription: the outcome is the same).
pub async fn unsubscribe(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let endpoint = Fields::of(&body)?.str("endpoint", 1, MAX_ENDPOINT_CHARS)?;
    app.store
        .delete_subscription(Some(&user.id), endpoint)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/push/subscriptions/renew {"oldEndpoint","subscription"}`:
/// the browser replaced a subscription (`pushsubscriptionchange`); no
/// token, the old endpoint proves it → 201, or 404 when it is unknown.
pub async fn renew(
    State(app): State<App>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let old = Fields::of(&body)?.str("oldEndpoint", 1, MAX_ENDPOINT_CHARS)?;
    let new = body
        .get("subscription")
        .ok_or_else(|| DomainError::invalid("subscription is required"))?;
    let draft = device(&app, new)?;
    let (user, saved) = app
        .store
        .renew_subscription(old, &draft, app.clock.now())
        .await?
        .ok_or(DomainError::NotFound("no such subscription"))?;
    tracing::info!(%user, "push subscription renewed");
    Ok((StatusCode::CREATED, Json(json!({ "subscription": saved }))))
}

/// `GET /api/me/settings`.
pub async fn settings(
    State(app): State<App>,
    AuthUser(user): AuthUser,
) -> Result<Json<UserSettings>, ApiError> {
    Ok(Json(app.store.user_settings(&user.id).await?))
}

/// `PUT /api/me/settings`: changes the keys given → the full settings.
pub async fn update_settings(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody,
) -> Result<Json<UserSettings>, ApiError> {
    let patch = SettingsPatch::parse(&body)?;
    let settings = patch.apply(app.store.user_settings(&user.id).await?);
    app.store.save_user_settings(&user.id, &settings).await?;
    Ok(Json(settings))
}

/// A subscription from the body, its key checked to be a P-256 point.
fn device(app: &App, body: &Value) -> Result<SubscriptionDraft, DomainError> {
    let draft = SubscriptionDraft::parse(body, app.settings.push.push_allow_insecure)?;
    decode_key(&draft.p256dh)
        .and_then(|bytes| PublicKey::from_sec1_bytes(&bytes).ok())
        .ok_or_else(|| DomainError::invalid("keys.p256dh is not a point on P-256"))?;
    Ok(draft)
}

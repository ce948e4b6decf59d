//! Web Push over REST: the VAPID public key (no token needed), the
//! caller's subscriptions (one per device), the renewal a service worker
//! makes when the browser replaces a subscription (it has no token: it
//! proves itself with the renewal secret handed out when the subscription
//! was saved, of which the server keeps only a SHA-256), and the caller's
//! notification settings (`GET/PUT /api/me/settings`).

use super::error::ApiError;
use super::{AuthUser, JsonBody};
use crate::app::App;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use helpline_core::DomainError;
use helpline_core::input::Fields;
use helpline_core::push::{
    MAX_ENDPOINT_CHARS, MAX_SUBSCRIPTIONS_PER_USER, SettingsPatch, SubscriptionDraft, UserSettings,
    decode_key, normalize_endpoint,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use web_push_native::p256::PublicKey;

/// `GET /api/push/vapid-public-key`.
pub async fn vapid_public_key(State(app): State<App>) -> Json<Value> {
    Json(json!({ "publicKey": app.push.vapid.public_key() }))
}

/// `POST /api/push/subscriptions`: saves (or updates) this device's
/// subscription for the caller → 201 with a fresh renewal secret.
pub async fn subscribe(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let draft = device(&app, &body)?;
    let (secret, hash) = renewal_secret();
    let saved = app
        .store
        .save_subscription(
            &user.id,
            &draft,
            &hash,
            MAX_SUBSCRIPTIONS_PER_USER,
            app.clock.now(),
        )
        .await?;
    let service = crate::push::send::origin(&draft.endpoint);
    tracing::info!(user = %user.id, %service, "push subscription saved");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "subscription": saved, "renewSecret": secret })),
    ))
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
        .delete_subscription(Some(&user.id), &normalize_endpoint(endpoint))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/push/subscriptions/renew
/// {"oldEndpoint","renewSecret","subscription"}`: the browser replaced a
/// subscription (`pushsubscriptionchange`, in a service worker, which has
/// no token) → 201 with a new renewal secret, or 404 when no subscription
/// has that endpoint and secret. A wrong guess is a read, never a write.
pub async fn renew(
    State(app): State<App>,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let fields = Fields::of(&body)?;
    let old = normalize_endpoint(fields.str("oldEndpoint", 1, MAX_ENDPOINT_CHARS)?);
    let old_hash = hash_of(fields.str("renewSecret", 1, 128)?);
    let new = body
        .get("subscription")
        .ok_or_else(|| DomainError::invalid("subscription is required"))?;
    let draft = device(&app, new)?;
    if !app.store.may_renew(&old, &old_hash).await? {
        return Err(DomainError::NotFound("no such subscription").into());
    }
    let (secret, hash) = renewal_secret();
    let (user, saved) = app
        .store
        .renew_subscription(&old, &old_hash, &draft, &hash, app.clock.now())
        .await?
        .ok_or(DomainError::NotFound("no such subscription"))?;
    tracing::info!(%user, "push subscription renewed");
    Ok((
        StatusCode::CREATED,
        Json(json!({ "subscription": saved, "renewSecret": secret })),
    ))
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

/// A new renewal secret (32 random bytes, base64url) and the hash kept.
fn renewal_secret() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    let secret = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_of(&secret);
    (secret, hash)
}

fn hash_of(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

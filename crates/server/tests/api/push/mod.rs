//! Web Push end to end, against a mock push service that verifies VAPID
//! and decrypts every push (`common::push_service`): keys and
//! subscriptions with their validation, requests pushed to on-call
//! volunteers and taken back when they close, quiet hours and names,
//! sessions, the message throttle, calls and missed calls, pruning,
//! retries after 500 and 429, the outbox surviving a restart, and two nodes
//! sending each push once. A canary written in a chat or a request's note
//! never appears in any push.
//!
//! By topic: [`subscriptions`] (keys, subscribing, renewal, validation),
//! [`notices`] (what is pushed, to whom, when) and [`delivery`] (the
//! outbox: pruning, retries, restarts, several nodes).

mod delivery;
mod notices;
mod subscriptions;

use crate::common::push_service::{Device, MockPush};
use crate::common::{Account, Backend, TestApp};
use helpline_server::config::Settings;
use serde_json::Value;

const CANARY: &str = "canary-7f3a-do-not-push";

async fn push_app(backend: Backend) -> (TestApp, MockPush) {
    let app = TestApp::spawn_with(backend, push_settings).await;
    let mock = push_service(&app).await;
    (app, mock)
}

/// Pushes to the mock service on loopback, polled often.
fn push_settings(s: &mut Settings) {
    s.push.push_allow_insecure = true;
    s.push.push_poll_ms = 50;
    s.push.vapid_subject = "mailto:ops@helpline.test".into();
}

/// A mock push service expecting `app`'s key.
async fn push_service(app: &TestApp) -> MockPush {
    let mock = MockPush::start().await;
    let (status, key) = app.get("/api/push/vapid-public-key", None).await;
    assert_eq!(status, 200, "{key}");
    mock.expect_vapid_key(key["publicKey"].as_str().expect("key"));
    mock
}

async fn subscribe(app: &TestApp, account: &Account, mock: &MockPush) -> Device {
    let device = mock.device();
    post_subscription(app, account, &device).await;
    device
}

/// Registers `device` for `account` (201 expected); the server's answer.
async fn post_subscription(app: &TestApp, account: &Account, device: &Device) -> Value {
    let (status, body) = app
        .post(
            "/api/push/subscriptions",
            Some(&account.token),
            device.json(),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn endpoints(app: &TestApp, account: &Account) -> Vec<String> {
    let (status, body) = app
        .get("/api/push/subscriptions", Some(&account.token))
        .await;
    assert_eq!(status, 200, "{body}");
    body["subscriptions"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["endpoint"].as_str().expect("endpoint").to_owned())
        .collect()
}

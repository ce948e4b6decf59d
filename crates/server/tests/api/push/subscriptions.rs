//! Push keys and subscriptions: the VAPID key, subscribing, listing,
//! deleting, renewal by its secret, and every bad subscription refused.

use super::{endpoints, push_app, subscribe};
use crate::common::push_service::Device;
use crate::common::{Account, Backend, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(keys_and_subscriptions,);

async fn keys_and_subscriptions(backend: Backend) {
    let (mut app, mock) = push_app(backend).await;
    let (_, key) = app.get("/api/push/vapid-public-key", None).await;
    let ann = app.register("seeker").await;
    let bob = app.register("volunteer").await;
    let device = subscribe(&app, &ann, &mock).await;
    // Posting again updates; the list shows it once, without its keys.
    subscribe_again(&app, &ann, &device).await;
    let (_, listed) = app.get("/api/push/subscriptions", Some(&ann.token)).await;
    assert_eq!(listed["subscriptions"].as_array().map(Vec::len), Some(1));
    assert!(listed["subscriptions"][0].get("keys").is_none());
    assert!(listed["subscriptions"][0]["createdAt"].is_string());
    // The same browser signed in as Bob: the endpoint moves to him.
    let secret = subscribe_again(&app, &bob, &device).await;
    assert!(endpoints(&app, &ann).await.is_empty());
    assert_eq!(endpoints(&app, &bob).await, [device.endpoint.as_str()]);

    // Bad input is refused and changes nothing.
    let good = mock.device().json();
    let mut cases: Vec<(Value, &str)> = Vec::new();
    let mut remote = good.clone();
    remote["endpoint"] = json!("http://push.example.org/abc");
    cases.push((remote, "https"));
    let mut short = good.clone();
    short["keys"]["auth"] = json!("AAAA");
    cases.push((short, "auth"));
    let mut off_curve = good.clone();
    off_curve["keys"]["p256dh"] = json!(format!("BA{}", "A".repeat(85)));
    cases.push((off_curve, "p256dh"));
    let mut no_keys = good.clone();
    no_keys.as_object_mut().expect("object").remove("keys");
    cases.push((no_keys, "keys"));
    cases.push((json!({"endpoint": 5}), "endpoint"));
    // The server POSTs to endpoints: none inside the operator's network.
    for inside in [
        "https://10.1.2.3/push",
        "https://169.254.169.254/latest",
        "https://[fd00::1]/p",
    ] {
        let mut private = good.clone();
        private["endpoint"] = json!(inside);
        cases.push((private, "public"));
    }
    for (body, word) in cases {
        let (status, answer) = app
            .post("/api/push/subscriptions", Some(&ann.token), body.clone())
            .await;
        assert_eq!(status, 400, "{body} → {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(word), "{message} should name {word}");
    }
    let (status, _) = app
        .post("/api/push/subscriptions", None, good.clone())
        .await;
    assert_eq!(status, 401);
    assert!(endpoints(&app, &ann).await.is_empty());

    // At most ten devices a user.
    let mut devices = Vec::new();
    for _ in 0..10 {
        devices.push(subscribe(&app, &ann, &mock).await);
    }
    let (status, body) = app
        .post(
            "/api/push/subscriptions",
            Some(&ann.token),
            mock.device().json(),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // Signing out deletes this device's subscription.
    let (status, _) = app
        .send(
            Method::DELETE,
            "/api/push/subscriptions",
            Some(&ann.token),
            json!({"endpoint": devices[0].endpoint}),
        )
        .await;
    assert_eq!(status, 204);
    assert_eq!(endpoints(&app, &ann).await.len(), 9);
    // Someone else's endpoint is not the caller's to delete.
    app.send(
        Method::DELETE,
        "/api/push/subscriptions",
        Some(&ann.token),
        json!({"endpoint": device.endpoint}),
    )
    .await;
    assert_eq!(endpoints(&app, &bob).await.len(), 1);

    // The browser renewed Bob's subscription: its service worker proves it
    // with the renewal secret, never with the endpoint alone.
    let renewed = mock.device();
    let renew = |old: &str, secret: &str| json!({"oldEndpoint": old, "renewSecret": secret, "subscription": renewed.json()});
    for (old, guess) in [
        ("https://push.example.org/unknown", secret.as_str()),
        (device.endpoint.as_str(), "guess"),
    ] {
        let (status, _) = app
            .post("/api/push/subscriptions/renew", None, renew(old, guess))
            .await;
        assert_eq!(status, 404);
    }
    let (status, _) = app
        .post(
            "/api/push/subscriptions/renew",
            None,
            json!({"oldEndpoint": device.endpoint}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(endpoints(&app, &bob).await, [device.endpoint.as_str()]);
    let (status, body) = app
        .post(
            "/api/push/subscriptions/renew",
            None,
            renew(&device.endpoint, &secret),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(endpoints(&app, &bob).await, [renewed.endpoint.as_str()]);
    assert!(body["renewSecret"].as_str().is_some_and(|s| s != secret));
    // A secret is good once.
    let (status, _) = app
        .post(
            "/api/push/subscriptions/renew",
            None,
            renew(&renewed.endpoint, &secret),
        )
        .await;
    assert_eq!(status, 404);

    // The generated key is kept: the same after a restart.
    app.restart().await;
    let (_, again) = app.get("/api/push/vapid-public-key", None).await;
    assert_eq!(again, key);
    mock.assert_clean();
}

/// Subscribes `device` again; its new renewal secret.
async fn subscribe_again(app: &TestApp, account: &Account, device: &Device) -> String {
    let body = super::post_subscription(app, account, device).await;
    body["renewSecret"].as_str().expect("secret").to_owned()
}

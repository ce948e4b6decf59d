//! The mock Web Push service checked against hand-built requests: a valid
//! push is decrypted and handed over, a JWT whose `aud` lacks the port is
//! rejected, and scripted answers are answered as scripted.

use crate::common::push_service::{Device, MockPush, Reply};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use std::time::Duration;
use web_push_native::jwt_simple::prelude::{
    Claims, ECDSAP256KeyPairLike as _, ECDSAP256PublicKeyLike as _, ES256KeyPair,
};
use web_push_native::p256;
use web_push_native::{Auth, WebPushBuilder};

/// The subscription's keys, read back from its `toJSON()` as the server would.
fn keys(device: &Device) -> (p256::PublicKey, Auth) {
    let subscription = device.json();
    let decode = |field: &str| {
        let text = subscription["keys"][field].as_str().unwrap();
        URL_SAFE_NO_PAD.decode(text).unwrap()
    };
    let public = p256::PublicKey::from_sec1_bytes(&decode("p256dh")).unwrap();
    (public, Auth::clone_from_slice(&decode("auth")))
}

/// The base64url uncompressed public key, as `/api/push/vapid-public-key` serves it.
fn public_b64(vapid: &ES256KeyPair) -> String {
    URL_SAFE_NO_PAD.encode(vapid.public_key().public_key().to_bytes_uncompressed())
}

/// Sends `body` to `device` signed for `aud`, returning the status and response.
async fn send(device: &Device, vapid: &ES256KeyPair, aud: &str, body: &str) -> reqwest::Response {
    let (public, auth) = keys(device);
    let encrypted = web_push_native::encrypt(body.as_bytes().to_vec(), &public, &auth).unwrap();
    let claims = Claims::create(web_push_native::jwt_simple::prelude::Duration::from_hours(
        12,
    ))
    .with_audience(aud)
    .with_subject("mailto:ops@example.org");
    let jwt = vapid.sign(claims).unwrap();
    reqwest::Client::new()
        .post(&device.endpoint)
        .header(
            "Authorization",
            format!("vapid t={jwt}, k={}", public_b64(vapid)),
        )
        .header("TTL", "60")
        .header("Content-Encoding", "aes128gcm")
        .header("Urgency", "high")
        .header("Topic", "conv-42")
        .body(encrypted)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn push_mock_decrypts_a_valid_push_and_rejects_an_aud_without_port() {
    let mock = MockPush::start().await;
    let vapid = ES256KeyPair::generate();
    mock.expect_vapid_key(&public_b64(&vapid));
    let device = mock.device();
    let subscription = device.json();
    assert_eq!(subscription["endpoint"], device.endpoint);
    assert_eq!(subscription["expirationTime"], serde_json::Value::Null);
    assert!(
        device
            .endpoint
            .starts_with(&format!("{}/push/", mock.base()))
    );

    let body = r#"{"title":"New message","tag":"c1"}"#;
    let response = send(&device, &vapid, mock.base(), body).await;
    assert_eq!(response.status(), 201);
    let push = mock.next(&device).await;
    assert_eq!(push.payload, json!({"title": "New message", "tag": "c1"}));
    assert_eq!(push.plaintext, body);
    assert_eq!(
        (push.ttl, push.urgency.as_deref(), push.topic.as_deref()),
        (60, Some("high"), Some("conv-42"))
    );
    assert_eq!(push.status, 201);
    mock.assert_clean();
    mock.quiet(&device, Duration::from_millis(100)).await;

    // web-push-native's own builder signs for the origin without the port.
    let (public, auth) = keys(&device);
    let request = WebPushBuilder::new(device.endpoint.parse().unwrap(), public, auth)
        .with_vapid(&vapid, "mailto:ops@example.org")
        .build(r#"{"title":"unseen"}"#)
        .unwrap();
    let mut post = reqwest::Client::new().post(&device.endpoint);
    for (name, value) in request.headers() {
        post = post.header(name.as_str(), value.to_str().unwrap());
    }
    let response = post.body(request.into_body()).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let failures = mock.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("aud"), "{failures:?}");
    assert_eq!(mock.received(&device).len(), 1);
    assert!(!mock.all_plaintexts().iter().any(|p| p.contains("unseen")));

    // An unsubscribed endpoint is 404 and not a failure.
    mock.forget(&device);
    let response = send(&device, &vapid, mock.base(), body).await;
    assert_eq!(response.status(), 404);
    assert_eq!(mock.failures().len(), 1);
}

#[tokio::test]
async fn push_mock_answers_as_scripted() {
    let mock = MockPush::start().await;
    let vapid = ES256KeyPair::generate();
    mock.expect_vapid_key(&public_b64(&vapid));
    let device = mock.device();
    mock.script(&device, vec![Reply::RetryAfter(2), Reply::Status(410)]);

    let response = send(&device, &vapid, mock.base(), r#"{"n":1}"#).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "2");
    let response = send(&device, &vapid, mock.base(), r#"{"n":2}"#).await;
    assert_eq!(response.status(), 410);
    let response = send(&device, &vapid, mock.base(), r#"{"n":3}"#).await;
    assert_eq!(response.status(), 201);

    let first = mock.next_any(&device).await;
    assert_eq!((first.status, &first.payload), (429, &json!({"n": 1})));
    // `next` skips the non-2xx answers and takes the delivered one.
    let delivered = mock.next(&device).await;
    assert_eq!(
        (delivered.status, &delivered.payload),
        (201, &json!({"n": 3}))
    );
    let gone = mock.next_any(&device).await;
    assert_eq!((gone.status, &gone.payload), (410, &json!({"n": 2})));
    assert_eq!(mock.received(&device).len(), 3);
    assert_eq!(mock.all_plaintexts().len(), 3);
    mock.assert_clean();
}

//! The outbox: gone subscriptions pruned, retries after 500 and 429, the
//! outbox surviving a restart, and two nodes sending each push once.

use super::{endpoints, push_app, subscribe};
use crate::common::push_service::Reply;
use crate::common::{Backend, ok};
use serde_json::json;
use std::time::Duration;

both_backends!(
    gone_subscriptions_and_retries,
    the_outbox_survives_a_restart,
);

async fn gone_subscriptions_and_retries(backend: Backend) {
    let (app, mock) = push_app(backend).await;
    let seeker = app.register("seeker").await;
    let volunteer = app.register("volunteer").await;
    let gone = subscribe(&app, &volunteer, &mock).await;
    let flaky = subscribe(&app, &volunteer, &mock).await;
    let busy = subscribe(&app, &volunteer, &mock).await;
    mock.script(&gone, vec![Reply::Status(410)]);
    mock.script(&flaky, vec![Reply::Status(500)]);
    mock.script(&busy, vec![Reply::RetryAfter(30)]);
    let s = app.connect(&seeker).await;
    ok(s.ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(mock.next_any(&gone).await.status, 410);
    assert_eq!(mock.next_any(&flaky).await.status, 500);
    assert_eq!(mock.next_any(&busy).await.status, 429);
    // 410: the subscription is deleted.
    for _ in 0..200 {
        if endpoints(&app, &volunteer).await.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(endpoints(&app, &volunteer).await.len(), 2);
    // 500: again after the first backoff (5 s); 429: not before 30 s.
    app.clock.advance(Duration::from_secs(6));
    assert_eq!(mock.next(&flaky).await.payload["kind"], "request");
    mock.quiet(&busy, Duration::from_millis(300)).await;
    app.clock.advance(Duration::from_secs(25));
    assert_eq!(mock.next(&busy).await.payload["kind"], "request");
    assert!(
        mock.received(&gone).len() == 1,
        "never sent to a gone subscription again"
    );
    mock.assert_clean();
}

async fn the_outbox_survives_a_restart(backend: Backend) {
    let (mut app, mock) = push_app(backend).await;
    let seeker = app.register("seeker").await;
    let volunteer = app.register("volunteer").await;
    let device = subscribe(&app, &volunteer, &mock).await;
    mock.script(&device, vec![Reply::Status(503)]);
    let s = app.connect(&seeker).await;
    ok(s.ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(mock.next_any(&device).await.status, 503);
    s.close();
    app.restart().await;
    app.clock.advance(Duration::from_secs(6));
    assert_eq!(mock.next(&device).await.payload["kind"], "request");
    mock.quiet(&device, Duration::from_millis(500)).await;
    assert_eq!(mock.received(&device).len(), 2, "one failure, one delivery");
    mock.assert_clean();
}

/// Two nodes on one PostgreSQL database drain one outbox: every push is
/// sent exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_send_each_push_once() {
    let (app, mock) = push_app(Backend::Postgres).await;
    let other = app.sibling().await;
    let seeker = app.register("seeker").await;
    let mut devices = Vec::new();
    for _ in 0..8 {
        let volunteer = app.register("volunteer").await;
        devices.push(subscribe(&app, &volunteer, &mock).await);
        devices.push(subscribe(&other, &volunteer, &mock).await);
    }
    let s = app.connect(&seeker).await;
    for _ in 0..3 {
        let ack = ok(s
            .ack("seeker:request", json!({"requestType": "chat"}))
            .await
            .unwrap());
        assert_eq!(ack["onCallVolunteers"], 8);
        for device in &devices {
            assert_eq!(mock.next(device).await.payload["kind"], "request");
        }
        ok(s.ack("request:cancel", json!({})).await.unwrap());
        for device in &devices {
            assert_eq!(mock.next(device).await.payload["kind"], "request_closed");
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    for device in &devices {
        let kinds: Vec<String> = mock
            .received(device)
            .iter()
            .map(|p| p.payload["kind"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(kinds.len(), 6, "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| *k == "request").count(), 3);
    }
    mock.assert_clean();
    drop(other);
}

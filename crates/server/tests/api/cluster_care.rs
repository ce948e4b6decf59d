//! Care across nodes: the scam guard's flag and alert, and every step of a
//! check-in (reminder, time, missed, the welfare check two misses raise),
//! with the seeker, the volunteer and support on different nodes of one
//! PostgreSQL database (Redis or NATS between them). Each step happens
//! once, decided in the database.

use crate::cluster::quiet;
use crate::common::cluster::{Broker, spawn_cluster_with};
use crate::common::{TestApp, ok};
use helpline_core::Clock;
use helpline_core::user::Role;
use serde_json::{Value, json};
use std::time::Duration;

both_brokers!(scam_guard_across_nodes, checkins_step_once_across_nodes);

/// A seeker on `a` and a volunteer on `b` in a chat the seeker asked for.
async fn chat_across(
    a: &TestApp,
    b: &TestApp,
) -> (
    crate::common::Account,
    crate::common::Account,
    helpline_client::Client,
    helpline_client::Client,
    Value,
) {
    let (seeker, volunteer) = (a.register("seeker").await, b.register("volunteer").await);
    let mut v = b.connect(&volunteer).await;
    let mut s = a.connect(&seeker).await;
    let asked = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    let accepted = ok(v
        .ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
        .await
        .unwrap());
    for client in [&mut s, &mut v] {
        client.event("message:new").await.unwrap();
    }
    (seeker, volunteer, s, v, accepted["conversationId"].clone())
}

/// A flagged message sent on one node reaches the seeker on another with
/// its flag, and support on a third place hears of one alert, once.
async fn scam_guard_across_nodes(broker: Broker) {
    let nodes = spawn_cluster_with(broker, 2, |_| {}).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let agent = a.create_account(Role::Support).await;
    let mut here = a.connect(&agent).await;
    let mut there = b.connect(&agent).await;
    let (_, _, mut s, v, conversation) = chat_across(a, b).await;
    for (key, text) in [
        ("k1", "What is your PIN?"),
        ("k2", "Buy me some gift cards"),
    ] {
        ok(v.ack(
            "message:send",
            json!({"conversationId": conversation, "content": text, "clientMessageId": key}),
        )
        .await
        .unwrap());
        let heard = s.event("message:new").await.unwrap();
        assert_eq!(heard["flags"], json!(["scam_warning"]), "{heard}");
    }
    for staff in [&mut here, &mut there] {
        let told = staff.event("support:alert").await.unwrap();
        assert_eq!(told["alert"]["kind"], "scam_guard");
    }
    for staff in [&mut here, &mut there] {
        quiet(staff, "support:alert").await;
    }
    let (_, open) = b.get("/api/alerts?status=open", Some(&agent.token)).await;
    assert_eq!(open.as_array().map(Vec::len), Some(1), "{open}");
    assert_eq!(open[0]["evidence"].as_array().map(Vec::len), Some(2));
}

/// Proposed on one node, accepted on the other; both nodes sweep, and
/// each step reaches each person once; two misses raise one welfare check.
async fn checkins_step_once_across_nodes(broker: Broker) {
    let nodes = spawn_cluster_with(broker, 2, |settings| {
        settings.token_ttl_secs = 60 * 86_400;
    })
    .await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let agent = b.create_account(Role::Support).await;
    let mut staff = b.connect(&agent).await;
    let (seeker, volunteer, mut s, mut v, _) = chat_across(a, b).await;
    let (code, proposed) = a
        .post(
            "/api/checkins",
            Some(&seeker.token),
            json!({"withUserId": volunteer.id, "weekday": "friday", "time": "18:30",
                   "timeZone": "America/New_York", "kind": "chat"}),
        )
        .await;
    assert_eq!(code, 201, "{proposed}");
    let id = proposed["id"].as_str().unwrap().to_owned();
    let (code, active) = b
        .post(
            &format!("/api/checkins/{id}/accept"),
            Some(&volunteer.token),
            json!({}),
        )
        .await;
    assert_eq!(code, 200, "{active}");
    for client in [&mut s, &mut v] {
        assert_eq!(
            client.event("checkin:changed").await.unwrap()["checkin"]["status"],
            "proposed"
        );
        assert_eq!(
            client.event("checkin:changed").await.unwrap()["checkin"]["status"],
            "active"
        );
    }
    let next = active["nextAt"]
        .as_str()
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_millisecond())
        .unwrap();
    let wait = (next - a.clock.now().millis()) / 1000 - 10 * 60;
    a.clock.advance(Duration::from_secs(wait as u64));
    for client in [&mut s, &mut v] {
        client.event("checkin:reminder").await.unwrap();
    }
    a.clock.advance(Duration::from_secs(10 * 60));
    for client in [&mut s, &mut v] {
        client.event("checkin:due").await.unwrap();
    }
    a.clock.advance(Duration::from_secs(31 * 60));
    for client in [&mut s, &mut v] {
        client.event("checkin:missed").await.unwrap();
    }
    a.clock.advance(Duration::from_secs(7 * 24 * 3600));
    let task = staff.event("support:welfare").await.unwrap();
    assert_eq!(task["task"]["cause"], "checkins_missed");
    for client in [&mut s, &mut v] {
        client.event("checkin:missed").await.unwrap();
    }
    for name in ["checkin:reminder", "checkin:due", "checkin:missed"] {
        quiet(&mut s, name).await;
        quiet(&mut v, name).await;
    }
    quiet(&mut staff, "support:welfare").await;
}

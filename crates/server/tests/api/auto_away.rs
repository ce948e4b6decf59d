//! Auto-away: a volunteer who lets `HELPLINE_MAX_MISSED_OFFERS` offers in a
//! row pass (taken by someone else, or expired) while connected and
//! available is set away, told why, and stays away on reconnecting;
//! answering an offer or choosing to be available starts the count again.
//! On SQLite and PostgreSQL, with the controllable clock.

use crate::common::{Backend, TestApp, ok};
use helpline_client::Client;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(volunteers_who_let_offers_pass_are_set_away);

/// `client` asks for a chat; the volunteers' `seeker:incoming` for it.
async fn ask(client: &Client, volunteers: &mut [&mut Client]) -> Value {
    let asked = ok(client
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    for v in volunteers.iter_mut() {
        loop {
            let offer = v.event("seeker:incoming").await.unwrap();
            if offer["requestId"] == asked["requestId"] {
                break;
            }
        }
    }
    asked
}

/// `volunteer`'s availability as `GET /api/volunteers` shows it.
async fn availability(app: &TestApp, token: &str, volunteer: &str) -> Value {
    let (_, list) = app.get("/api/volunteers", Some(token)).await;
    list.as_array()
        .and_then(|l| l.iter().find(|v| v["id"] == volunteer))
        .map(|v| v["availability"].clone())
        .unwrap_or(Value::Null)
}

async fn volunteers_who_let_offers_pass_are_set_away(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.max_missed_offers = 2).await;
    let (vic, val) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&vic).await;
    let mut w = app.connect(&val).await;
    let seekers = [
        app.register("seeker").await,
        app.register("seeker").await,
        app.register("seeker").await,
        app.register("seeker").await,
    ];
    let mut s = Vec::new();
    for seeker in &seekers {
        s.push(app.connect(seeker).await);
    }

    // Vic declines one (an answer), then lets one be taken by Val: one miss.
    let first = ask(&s[0], &mut [&mut v, &mut w]).await;
    ok(
        v.ack("volunteer:reject", json!({"requestId": first["requestId"]}))
            .await
            .unwrap(),
    );
    ok(
        w.ack("volunteer:accept", json!({"requestId": first["requestId"]}))
            .await
            .unwrap(),
    );
    let second = ask(&s[1], &mut [&mut v, &mut w]).await;
    ok(w.ack(
        "volunteer:accept",
        json!({"requestId": second["requestId"]}),
    )
    .await
    .unwrap());
    assert_eq!(availability(&app, &val.token, &vic.id).await, "available");

    // A second in a row, this one expiring: Vic is set away and told.
    ask(&s[2], &mut [&mut v, &mut w]).await;
    app.clock
        .advance(Duration::from_secs(app.settings.request_timeout_secs + 1));
    s[2].event("request:expired").await.unwrap();
    let told = v.event("volunteer:auto_away").await.unwrap();
    assert_eq!(told, json!({"missedOffers": 2}));
    assert_eq!(availability(&app, &val.token, &vic.id).await, "away");
    // Val let it pass too, but had just answered: one miss only.
    assert_eq!(availability(&app, &vic.token, &val.id).await, "available");

    // Away holds on a new connection, and nothing is offered to Vic.
    drop(v);
    let mut v = app.connect(&vic).await;
    let fourth = ok(s[3]
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(fourth["onlineVolunteers"], 1, "Val only");
    assert!(
        v.event_within("seeker:incoming", Duration::from_millis(200))
            .await
            .is_err()
    );
    // Choosing to be available brings the offers back, and the count
    // starts again: one more miss is not enough.
    ok(
        v.ack("volunteer:availability", json!({"status": "available"}))
            .await
            .unwrap(),
    );
    let offer = v.event("seeker:incoming").await.unwrap();
    assert_eq!(offer["requestId"], fourth["requestId"]);
    ok(w.ack(
        "volunteer:accept",
        json!({"requestId": fourth["requestId"]}),
    )
    .await
    .unwrap());
    assert_eq!(availability(&app, &val.token, &vic.id).await, "available");
}

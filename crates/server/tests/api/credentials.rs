//! Credentials: support sets which sensitive topics (health, emotional) a
//! volunteer is credentialed for; with `HELPLINE_REQUIRE_CREDENTIALS` on,
//! such requests are offered (at once and later) only to them, and only
//! they may take them or be asked for them by name. Off (the default),
//! nothing changes. On SQLite and PostgreSQL.

use crate::common::{Account, Backend, TestApp, ok, refused};
use helpline_client::Client;
use helpline_core::user::Role;
use reqwest::Method;
use serde_json::{Value, json};

both_backends!(
    credentials_are_set_by_support_only,
    sensitive_requests_go_only_to_credentialed_volunteers,
    without_the_requirement_everyone_is_offered_everything,
);

async fn put_credentials(
    app: &TestApp,
    by: &Account,
    volunteer: &str,
    body: Value,
) -> (u16, Value) {
    let path = format!("/api/volunteers/{volunteer}/credentials");
    app.send(Method::PUT, &path, Some(&by.token), body).await
}

/// Each volunteer's credentials as `GET /api/volunteers` lists them.
async fn listed(app: &TestApp, by: &Account) -> Vec<(String, Value)> {
    let (code, list) = app.get("/api/volunteers", Some(&by.token)).await;
    assert_eq!(code, 200, "{list}");
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| {
            (
                v["id"].as_str().unwrap_or("").to_owned(),
                v["credentials"].clone(),
            )
        })
        .collect()
}

/// The next `seeker:incoming` is for `sentinel`: nothing else came before it.
async fn nothing_but(client: &mut Client, sentinel: &Value) {
    let offer = client.event("seeker:incoming").await.unwrap();
    assert_eq!(offer["requestId"], sentinel["requestId"], "{offer}");
}

/// `client` asks for a chat about `topic`; the ack.
async fn ask(client: &Client, topic: &str) -> Value {
    ok(client
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "topic": topic}),
        )
        .await
        .unwrap())
}

async fn credentials_are_set_by_support_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let support = app.create_account(Role::Support).await;
    let vic = app.register("volunteer").await;
    let sam = app.register("seeker").await;

    let (code, body) = put_credentials(&app, &vic, &vic.id, json!({"topics": ["health"]})).await;
    assert_eq!(
        (code, body["error"]["code"].clone()),
        (403, json!("forbidden"))
    );
    for bad in [
        json!({}),
        json!({"topics": ["daily"]}),
        json!({"topics": "health"}),
        json!([]),
    ] {
        let (code, body) = put_credentials(&app, &support, &vic.id, bad.clone()).await;
        assert_eq!(
            (code, body["error"]["code"].clone()),
            (400, json!("invalid")),
            "{bad}"
        );
    }
    for nobody in [sam.id.as_str(), "no-such-user"] {
        let (code, _) =
            put_credentials(&app, &support, nobody, json!({"topics": ["health"]})).await;
        assert_eq!(code, 404);
    }
    assert!(
        listed(&app, &support)
            .await
            .iter()
            .all(|(_, c)| *c == json!([]))
    );

    let (code, body) = put_credentials(
        &app,
        &support,
        &vic.id,
        json!({"topics": ["health", "emotional", "health"]}),
    )
    .await;
    assert_eq!(
        (code, body),
        (
            200,
            json!({"id": vic.id, "credentials": ["emotional", "health"]})
        )
    );
    assert!(
        listed(&app, &sam)
            .await
            .contains(&(vic.id.clone(), json!(["emotional", "health"])))
    );
    let (code, _) = put_credentials(&app, &support, &vic.id, json!({"topics": []})).await;
    assert_eq!(code, 200);
    assert!(
        listed(&app, &support)
            .await
            .contains(&(vic.id.clone(), json!([])))
    );
}

async fn sensitive_requests_go_only_to_credentialed_volunteers(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.require_credentials = true).await;
    let support = app.create_account(Role::Support).await;
    let (vic, val) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let (code, _) = put_credentials(&app, &support, &vic.id, json!({"topics": ["health"]})).await;
    assert_eq!(code, 200);
    let mut v = app.connect(&vic).await;
    let mut w = app.connect(&val).await;
    let (ann, bea, cy) = (
        app.register("seeker").await,
        app.register("seeker").await,
        app.register("seeker").await,
    );
    let (a, b, c) = (
        app.connect(&ann).await,
        app.connect(&bea).await,
        app.connect(&cy).await,
    );

    // Health: offered to Vic only.
    let health = ask(&a, "health").await;
    assert_eq!(health["onlineVolunteers"], 1);
    assert_eq!(
        v.event("seeker:incoming").await.unwrap()["requestId"],
        health["requestId"]
    );
    // Daily: offered to both; it is the first Val hears of.
    let daily = ask(&b, "daily").await;
    assert_eq!(daily["onlineVolunteers"], 2);
    nothing_but(&mut w, &daily).await;

    // Val may not take the health request, even knowing its id.
    refused(
        &w.ack(
            "volunteer:accept",
            json!({"requestId": health["requestId"]}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    // Nor be asked for it by name.
    refused(
        &c.ack(
            "seeker:request",
            json!({"requestType": "chat", "topic": "health", "volunteerId": val.id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    // Late offers too: connecting again, Val hears of the daily request
    // only (then of a sentinel made after).
    drop(w);
    let mut w = app.connect(&val).await;
    nothing_but(&mut w, &daily).await;
    let sentinel = ok(c
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    nothing_but(&mut w, &sentinel).await;

    // Vic takes the health request.
    ok(v.ack(
        "volunteer:accept",
        json!({"requestId": health["requestId"]}),
    )
    .await
    .unwrap());
    // Support sees Vic's load and the line.
    let (code, overview) = app.get("/api/support/overview", Some(&support.token)).await;
    assert_eq!(code, 200, "{overview}");
    assert_eq!(overview["credentialsRequired"], true);
    let vic_row = overview["volunteers"]
        .as_array()
        .and_then(|l| l.iter().find(|r| r["id"] == json!(vic.id)))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            vic_row["activeChats"].clone(),
            vic_row["credentials"].clone()
        ),
        (json!(1), json!(["health"]))
    );
    let places: Vec<Value> = overview["pendingRequests"]
        .as_array()
        .map(|l| l.iter().map(|r| r["position"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(places, [json!(1), json!(2)]);
}

async fn without_the_requirement_everyone_is_offered_everything(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let val = app.register("volunteer").await;
    let mut w = app.connect(&val).await;
    let ann = app.register("seeker").await;
    let a = app.connect(&ann).await;
    let health = ask(&a, "health").await;
    assert_eq!(health["onlineVolunteers"], 1);
    nothing_but(&mut w, &health).await;
    ok(w.ack(
        "volunteer:accept",
        json!({"requestId": health["requestId"]}),
    )
    .await
    .unwrap());
}

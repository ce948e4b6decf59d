//! Opening a request: volunteers are told while its commit syncs, so what
//! they do at once must find it, and a commit that fails after they were
//! told takes the offer back.

use crate::common::{Backend, TestApp, ok, refused};
use serde_json::json;
use sqlx::{Connection, SqliteConnection};

both_backends!(offers_accepted_at_once_are_won);

/// The volunteer accepts the instant each offer arrives, by id and by
/// seeker in turn; every accept wins (with no chat cap: they pile up).
async fn offers_accepted_at_once_are_won(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.max_active_chats = 0).await;
    let volunteer = app.register("volunteer").await;
    let mut v = app.connect(&volunteer).await;
    for round in 0..12 {
        let seeker = app.register("seeker").await;
        let s = app.connect(&seeker).await;
        let ack = ok(s
            .ack("seeker:request", json!({"requestType": "chat"}))
            .await
            .unwrap());
        let offer = v.event("seeker:incoming").await.unwrap();
        assert_eq!(offer["requestId"], ack["requestId"]);
        let named = if round % 2 == 0 {
            json!({"requestId": offer["requestId"]})
        } else {
            json!({"seniorId": seeker.id})
        };
        let accepted = ok(v.ack("volunteer:accept", named).await.unwrap());
        assert_eq!(accepted["requestId"], ack["requestId"]);
    }
}

/// A request whose commit fails after the volunteers were told: the
/// seeker gets `internal`, the volunteers `request:cancelled` for it, and
/// the next request goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_commit_fails_is_withdrawn() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // A deferred foreign key is checked at COMMIT: the request's job runs,
    // and only its commit fails.
    let path = app.settings.database_url.trim_start_matches("sqlite://");
    let mut side = SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    for ddl in [
        "CREATE TABLE commit_breaker (user_id TEXT REFERENCES users (id) DEFERRABLE INITIALLY DEFERRED)",
        "CREATE TRIGGER break_commit AFTER INSERT ON help_requests WHEN NEW.note = 'break' \
         BEGIN INSERT INTO commit_breaker VALUES ('nobody'); END",
    ] {
        sqlx::query(ddl).execute(&mut side).await.unwrap();
    }
    side.close().await.unwrap();

    let seeker = app.register("seeker").await;
    let volunteer = app.register("volunteer").await;
    let mut v = app.connect(&volunteer).await;
    let s = app.connect(&seeker).await;
    let failed = s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "note": "break"}),
        )
        .await
        .unwrap();
    refused(&failed, "internal");
    let offer = v.event("seeker:incoming").await.unwrap();
    let withdrawn = v.event("request:cancelled").await.unwrap();
    assert_eq!(withdrawn["requestId"], offer["requestId"]);
    assert_eq!(withdrawn["seniorId"], json!(seeker.id));
    refused(
        &v.ack("volunteer:accept", json!({"requestId": offer["requestId"]}))
            .await
            .unwrap(),
        "not_found",
    );

    let ack = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(ack["onlineVolunteers"], 1);
    assert_eq!(
        v.event("seeker:incoming").await.unwrap()["requestId"],
        ack["requestId"]
    );
}

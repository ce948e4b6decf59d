//! Support's overview: `GET /api/support/overview` lists pending requests,
//! active sessions and volunteers; only support may read it; support
//! sockets hear `support:changed` when any of it changes.

use crate::common::{Backend, TestApp, ok};
use helpline_client::Client;
use helpline_core::user::Role;
use serde_json::{Value, json};

both_backends!(overview_follows_requests_sessions_and_presence);

async fn changed(staff: &mut Client) -> Value {
    staff.event("support:changed").await.unwrap()["reason"].clone()
}

async fn overview(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get("/api/support/overview", Some(token)).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn overview_follows_requests_sessions_and_presence(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let support = app.create_account(Role::Support).await;
    let mut staff = app.connect(&support).await;
    let empty = overview(&app, &support.token).await;
    assert_eq!(
        empty,
        json!({"pendingRequests": [], "activeSessions": [], "volunteers": [], "maxActiveChats": 3, "credentialsRequired": false})
    );

    // A volunteer comes online.
    let volunteer = app.register("volunteer").await;
    let v = app.connect(&volunteer).await;
    assert_eq!(changed(&mut staff).await, "presence");

    // Only support may read the overview.
    let seeker = app.register("seeker").await;
    for token in [&seeker.token, &volunteer.token] {
        let (status, body) = app.get("/api/support/overview", Some(token)).await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (403, json!("forbidden"))
        );
    }
    let (status, _) = app.get("/api/support/overview", None).await;
    assert_eq!(status, 401);

    // A request is made: support hears of it and sees it pending.
    let s = app.connect(&seeker).await;
    let made = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "note": "hello"}),
        )
        .await
        .unwrap());
    assert_eq!(changed(&mut staff).await, "request");
    let seen = overview(&app, &support.token).await;
    let pending = seen["pendingRequests"].as_array().unwrap();
    assert_eq!(pending.len(), 1, "{seen}");
    assert_eq!(pending[0]["id"], made["requestId"]);
    assert_eq!(pending[0]["seniorId"], json!(seeker.id));
    assert_eq!(pending[0]["seekerName"], seeker.user["displayName"]);
    assert_eq!(pending[0]["status"], "pending");
    assert_eq!(pending[0]["note"], "hello");
    assert_eq!(pending[0]["position"], 1);
    assert!(pending[0]["createdAt"].is_string());
    assert_eq!(seen["activeSessions"], json!([]));
    assert_eq!(
        seen["volunteers"],
        json!([{
            "id": volunteer.id,
            "displayName": volunteer.user["displayName"],
            "languages": [],
            "online": true,
            "onCall": false,
            "availability": "available",
            "credentials": [],
            "activeChats": 0,
        }])
    );

    // The volunteer accepts: the request becomes a session.
    let accepted = ok(v
        .ack("volunteer:accept", json!({"requestId": made["requestId"]}))
        .await
        .unwrap());
    assert_eq!(changed(&mut staff).await, "session");
    let seen = overview(&app, &support.token).await;
    assert_eq!(seen["pendingRequests"], json!([]));
    let sessions = seen["activeSessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1, "{seen}");
    let session = &sessions[0];
    assert_eq!(session["conversationId"], accepted["conversationId"]);
    assert_eq!(session["requestId"], made["requestId"]);
    assert_eq!(
        session["seeker"],
        json!({"id": seeker.id, "displayName": seeker.user["displayName"]})
    );
    assert_eq!(
        session["volunteer"],
        json!({"id": volunteer.id, "displayName": volunteer.user["displayName"]})
    );
    assert!(session["startedAt"].is_string());

    // Availability changes are presence changes.
    ok(v.ack("volunteer:availability", json!({"status": "away"}))
        .await
        .unwrap());
    assert_eq!(changed(&mut staff).await, "presence");
    let seen = overview(&app, &support.token).await;
    assert_eq!(seen["volunteers"][0]["availability"], "away");

    // The chat ends: no session is left.
    ok(s.ack(
        "chat:end",
        json!({"conversationId": accepted["conversationId"]}),
    )
    .await
    .unwrap());
    assert_eq!(changed(&mut staff).await, "session");
    assert_eq!(
        overview(&app, &support.token).await["activeSessions"],
        json!([])
    );

    // A cancelled request leaves the pending list.
    let again = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(changed(&mut staff).await, "request");
    ok(
        s.ack("request:cancel", json!({"requestId": again["requestId"]}))
            .await
            .unwrap(),
    );
    assert_eq!(changed(&mut staff).await, "request");
    assert_eq!(
        overview(&app, &support.token).await["pendingRequests"],
        json!([])
    );

    // The volunteer leaves.
    v.close();
    assert_eq!(changed(&mut staff).await, "presence");
    let seen = overview(&app, &support.token).await;
    assert_eq!(seen["volunteers"][0]["online"], false);
    assert_eq!(staff.drain("support:changed"), Vec::<Value>::new());
}

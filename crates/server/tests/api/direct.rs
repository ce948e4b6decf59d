//! Direct conversations and who may start them: every role pair, through
//! REST and through Socket.IO, checked against the one permission table in
//! the domain crate; then messaging in a direct conversation.

use crate::common::{Account, Backend, TestApp, ok, refused};
use helpline_core::permissions::may_start_conversation;
use helpline_core::user::Role;
use serde_json::json;

both_backends!(
    every_role_pair_through_rest_and_socket,
    direct_conversation_messaging
);

async fn account(app: &TestApp, role: Role) -> Account {
    match role {
        Role::Support => app.create_account(Role::Support).await,
        other => app.register(other.as_str()).await,
    }
}

async fn every_role_pair_through_rest_and_socket(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for caller_role in Role::ALL {
        for other_role in Role::ALL {
            let allowed = may_start_conversation(caller_role, other_role);
            let label = format!("{caller_role:?} → {other_role:?}");
            // Through REST.
            let (caller, other) = (
                account(&app, caller_role).await,
                account(&app, other_role).await,
            );
            let (status, body) = app
                .post(
                    "/api/conversations",
                    Some(&caller.token),
                    json!({"participantId": other.id}),
                )
                .await;
            if allowed {
                assert_eq!(status, 201, "{label}: {body}");
                assert_eq!(body["kind"], "direct");
                assert_eq!(body["requestId"], serde_json::Value::Null);
                let (again, same) = app
                    .post(
                        "/api/conversations",
                        Some(&caller.token),
                        json!({"participantId": other.id}),
                    )
                    .await;
                assert_eq!(
                    (again, same["id"].clone()),
                    (200, body["id"].clone()),
                    "{label}: no duplicate"
                );
            } else {
                assert_eq!(
                    (status, body["error"]["code"].clone()),
                    (403, json!("forbidden")),
                    "{label}: {body}"
                );
            }
            // Through Socket.IO, with fresh people. A caregiver has no
            // socket (refused at connect, tests/api/caregivers.rs); one
            // can still be named as the other person.
            if caller_role == Role::Caregiver {
                continue;
            }
            let (caller, other) = (
                account(&app, caller_role).await,
                account(&app, other_role).await,
            );
            let mut them = if other_role == Role::Caregiver {
                None
            } else {
                Some(app.connect(&other).await)
            };
            let me = app.connect(&caller).await;
            let ack = me
                .ack("conversation:start", json!({"participantId": other.id}))
                .await
                .unwrap();
            if allowed {
                let conversation = ok(ack)["conversation"].clone();
                assert_eq!(conversation["status"], "active", "{label}");
                let them = them.as_mut().expect("allowed, so not a caregiver");
                let started = them.event("conversation:started").await.unwrap();
                assert_eq!(started["conversation"]["id"], conversation["id"], "{label}");
                let again = ok(me
                    .ack("conversation:start", json!({"participantId": other.id}))
                    .await
                    .unwrap());
                assert_eq!(again["conversation"]["id"], conversation["id"]);
            } else {
                refused(&ack, "forbidden");
            }
        }
    }
}

async fn direct_conversation_messaging(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeker = app.register("seeker").await;
    let support = app.create_account(Role::Support).await;
    let mut staff = app.connect(&support).await;
    let mut s = app.connect(&seeker).await;
    refused(
        &s.ack("conversation:start", json!({"participantId": seeker.id}))
            .await
            .unwrap(),
        "invalid",
    );
    refused(
        &s.ack("conversation:start", json!({"participantId": "nobody"}))
            .await
            .unwrap(),
        "not_found",
    );
    refused(
        &s.ack("conversation:start", json!({"participantId": 7}))
            .await
            .unwrap(),
        "invalid",
    );
    refused(
        &s.ack(
            "conversation:start",
            json!({"participantId": support.id, "userId": support.id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    let (status, _) = app
        .post("/api/conversations", Some(&seeker.token), json!({}))
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .post(
            "/api/conversations",
            None,
            json!({"participantId": support.id}),
        )
        .await;
    assert_eq!(status, 401);

    let conversation = ok(s
        .ack("conversation:start", json!({"participantId": support.id}))
        .await
        .unwrap())["conversation"]
        .clone();
    let people: Vec<String> = conversation["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap().to_owned())
        .collect();
    assert!(people.contains(&"support".to_owned()) && people.contains(&"seeker".to_owned()));
    let id = conversation["id"].clone();
    staff.event("conversation:started").await.unwrap();
    ok(s.ack("message:send", json!({"conversationId": id, "content": "I need help with my account", "clientMessageId": "1"})).await.unwrap());
    assert_eq!(staff.event("message:new").await.unwrap()["seq"], 1);
    ok(staff
        .ack(
            "message:send",
            json!({"conversationId": id, "content": "Happy to help", "clientMessageId": "1"}),
        )
        .await
        .unwrap());
    assert_eq!(
        s.event("message:new").await.unwrap()["seq"],
        1,
        "the sender's own copy first"
    );
    assert_eq!(
        s.event("message:new").await.unwrap()["content"],
        "Happy to help"
    );
    // A support agent who connects later is in the room too.
    let mut second_tab = app.connect(&support).await;
    ok(s.ack(
        "message:send",
        json!({"conversationId": id, "content": "Thanks", "clientMessageId": "2"}),
    )
    .await
    .unwrap());
    assert_eq!(
        second_tab.event("message:new").await.unwrap()["content"],
        "Thanks"
    );
    let (_, list) = app.get("/api/conversations", Some(&support.token)).await;
    assert_eq!(
        (
            list[0]["id"].clone(),
            list[0]["kind"].clone(),
            list[0]["unreadCount"].clone()
        ),
        (id.clone(), json!("direct"), json!(2))
    );
    ok(staff
        .ack("chat:end", json!({"conversationId": id}))
        .await
        .unwrap());
    assert_eq!(
        s.event("chat:ended").await.unwrap()["endedBy"],
        support.id.as_str()
    );
    // A new start after the end opens a new conversation.
    let next = ok(s
        .ack("conversation:start", json!({"participantId": support.id}))
        .await
        .unwrap());
    assert_ne!(next["conversation"]["id"], id);
}

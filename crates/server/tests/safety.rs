//! Blocking and reporting, on SQLite and PostgreSQL: a block keeps the
//! blocked person from reaching the blocker, who can list whom they blocked;
//! reports name both people, reach support live and are resolved once.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod common;

use common::{Backend, TestApp, ok, refused};
use helpline_core::user::Role;
use serde_json::json;

both_backends!(
    blocks_stop_the_blocked,
    blocks_are_listed_for_the_blocker,
    reports_reach_support
);

async fn blocks_stop_the_blocked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeker = app.register("seeker").await;
    let volunteer = app.register("volunteer").await;
    let mut v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;
    // A conversation from before the block.
    let request = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    let conversation = ok(v
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .unwrap())["conversationId"]
        .clone();
    v.event("seeker:incoming").await.unwrap();

    let block = format!("/api/users/{}/block", seeker.id);
    let (status, body) = app.post(&block, Some(&volunteer.token), json!({})).await;
    assert_eq!(
        (status, body),
        (200, json!({"userId": seeker.id, "blocked": true}))
    );
    refused(
        &s.ack(
            "message:send",
            json!({"conversationId": conversation, "content": "hello?", "clientMessageId": "1"}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    ok(v.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "goodbye", "clientMessageId": "1"}),
    )
    .await
    .unwrap());
    ok(s.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());

    // New requests are not offered to the blocker, open or targeted.
    let open = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(open["onlineVolunteers"], 0);
    s.event("seeker:queued").await.unwrap();
    let other = app.register("volunteer").await;
    let mut o = app.connect(&other).await;
    assert_eq!(
        o.event("seeker:incoming").await.unwrap()["requestId"],
        open["requestId"],
        "others still get it"
    );
    ok(s.ack("request:cancel", json!({})).await.unwrap());
    let targeted = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    assert_eq!(targeted["onlineVolunteers"], 0);
    ok(s.ack("request:cancel", json!({})).await.unwrap());
    // Reconnecting does not bring the blocked seeker's requests either.
    ok(s.ack("seeker:request", json!({"requestType": "voice"}))
        .await
        .unwrap());
    drop(v);
    let mut v = app.connect(&volunteer).await;
    ok(v.ack("volunteer:availability", json!({"status": "away"}))
        .await
        .unwrap());
    // A newer request from someone else: offers come oldest first, so once
    // it arrives, an offer of the blocked seeker's request would have too.
    let sentinel_seeker = app.register("seeker").await;
    let sentinel = app.connect(&sentinel_seeker).await;
    let later = ok(sentinel
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    v.drain("seeker:incoming");
    ok(
        v.ack("volunteer:availability", json!({"status": "available"}))
            .await
            .unwrap(),
    );
    assert_eq!(
        v.event("seeker:incoming").await.unwrap()["requestId"],
        later["requestId"]
    );
    assert!(
        v.drain("seeker:incoming").is_empty(),
        "the blocked seeker's request was not offered"
    );
    ok(s.ack("request:cancel", json!({})).await.unwrap());

    // Direct conversations: a blocked seeker cannot start one with the blocker.
    let support = app.create_account(Role::Support).await;
    let (status, _) = app
        .post(
            &format!("/api/users/{}/block", seeker.id),
            Some(&support.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    refused(
        &s.ack("conversation:start", json!({"participantId": support.id}))
            .await
            .unwrap(),
        "forbidden",
    );
    let (status, _) = app
        .post(
            &format!("/api/users/{}/unblock", seeker.id),
            Some(&support.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    ok(
        s.ack("conversation:start", json!({"participantId": support.id}))
            .await
            .unwrap(),
    );

    // Bad targets.
    let (status, _) = app
        .post(
            &format!("/api/users/{}/block", volunteer.id),
            Some(&volunteer.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app
        .post("/api/users/nobody/block", Some(&volunteer.token), json!({}))
        .await;
    assert_eq!(status, 404);
    let (status, body) = app
        .post(
            &format!("/api/users/{}/unblock", seeker.id),
            Some(&volunteer.token),
            json!({}),
        )
        .await;
    assert_eq!((status, body["blocked"].clone()), (200, json!(false)));
    let back = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    assert_eq!(
        back["onlineVolunteers"], 1,
        "offered again after the unblock"
    );
}

async fn blocks_are_listed_for_the_blocker(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (volunteer, ann, bob) = (
        app.register("volunteer").await,
        app.register("seeker").await,
        app.register("seeker").await,
    );
    let (status, _) = app.get("/api/blocks", None).await;
    assert_eq!(status, 401);
    let (status, empty) = app.get("/api/blocks", Some(&volunteer.token)).await;
    assert_eq!((status, empty), (200, json!({"blocked": []})));
    for who in [&ann, &bob] {
        let path = format!("/api/users/{}/block", who.id);
        let (status, _) = app.post(&path, Some(&volunteer.token), json!({})).await;
        assert_eq!(status, 200);
        app.clock.advance(std::time::Duration::from_secs(1));
    }
    let (status, listed) = app.get("/api/blocks", Some(&volunteer.token)).await;
    assert_eq!(status, 200, "{listed}");
    let seen: Vec<_> = listed["blocked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["id"].clone(), b["displayName"].clone()))
        .collect();
    assert_eq!(
        seen,
        [
            (json!(bob.id), bob.user["displayName"].clone()),
            (json!(ann.id), ann.user["displayName"].clone()),
        ],
        "most recent first"
    );
    assert!(listed["blocked"][0]["blockedAt"].is_string(), "{listed}");
    let (_, theirs) = app.get("/api/blocks", Some(&ann.token)).await;
    assert_eq!(theirs, json!({"blocked": []}), "only the blocker's list");
    let unblock = format!("/api/users/{}/unblock", bob.id);
    app.post(&unblock, Some(&volunteer.token), json!({})).await;
    let (_, after) = app.get("/api/blocks", Some(&volunteer.token)).await;
    assert_eq!(after["blocked"].as_array().unwrap().len(), 1);
    assert_eq!(after["blocked"][0]["id"], json!(ann.id));
}

async fn reports_reach_support(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let support = app.create_account(Role::Support).await;
    let mut staff = app.connect(&support).await;
    let v = app.connect(&volunteer).await;
    let s = app.connect(&seeker).await;
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    let conversation = ok(v
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .unwrap())["conversationId"]
        .clone();
    let message = ok(v.ack("message:send", json!({"conversationId": conversation, "content": "send me your bank details", "clientMessageId": "1"})).await.unwrap())["message"].clone();

    let (status, report) = app
        .post(
            "/api/reports",
            Some(&seeker.token),
            json!({"messageId": message["id"], "reason": "asked for money"}),
        )
        .await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(
        (
            report["userId"].clone(),
            report["conversationId"].clone(),
            report["status"].clone()
        ),
        (json!(volunteer.id), conversation.clone(), json!("open"))
    );
    assert_eq!(report["messageExcerpt"], "send me your bank details");
    let person = |who: &common::Account| json!({"id": who.id, "displayName": who.user["displayName"], "role": who.user["role"]});
    assert_eq!(
        (report["reporter"].clone(), report["reported"].clone()),
        (person(&seeker), person(&volunteer)),
        "names both people"
    );
    assert_eq!(report["reporterId"], json!(seeker.id), "ids stay");
    assert_eq!(staff.event("report:new").await.unwrap(), report);

    let stranger = app.register("seeker").await;
    let (status, _) = app
        .post(
            "/api/reports",
            Some(&stranger.token),
            json!({"messageId": message["id"], "reason": "x"}),
        )
        .await;
    assert_eq!(
        status, 404,
        "strangers cannot report (or learn about) the message"
    );
    app.clock.advance(std::time::Duration::from_secs(1));
    let (status, by_stranger) = app
        .post(
            "/api/reports",
            Some(&stranger.token),
            json!({"userId": volunteer.id, "reason": "spam"}),
        )
        .await;
    assert_eq!(
        (status, by_stranger["messageId"].clone()),
        (201, json!(null))
    );
    for (body, code) in [
        (json!({"userId": stranger.id, "reason": "me"}), 400),
        (json!({"userId": "nobody", "reason": "x"}), 404),
        (json!({"reason": "x"}), 400),
        (json!({"userId": volunteer.id, "reason": ""}), 400),
    ] {
        let (status, _) = app
            .post("/api/reports", Some(&stranger.token), body.clone())
            .await;
        assert_eq!(status, code, "{body}");
    }

    let (status, _) = app.get("/api/reports", Some(&seeker.token)).await;
    assert_eq!(status, 403, "support only");
    let (status, listed) = app
        .get("/api/reports?status=open", Some(&support.token))
        .await;
    assert_eq!((status, listed.as_array().unwrap().len()), (200, 2));
    assert_eq!(
        (listed[0]["reporter"].clone(), listed[0]["reported"].clone()),
        (person(&stranger), person(&volunteer)),
        "newest first, named"
    );
    assert_eq!(listed[1], report);
    let resolve = format!("/api/reports/{}/resolve", report["id"].as_str().unwrap());
    let (status, _) = app.post(&resolve, Some(&volunteer.token), json!({})).await;
    assert_eq!(status, 403);
    let (status, resolved) = app.post(&resolve, Some(&support.token), json!({})).await;
    assert_eq!(
        (
            status,
            resolved["status"].clone(),
            resolved["resolvedBy"].clone()
        ),
        (200, json!("resolved"), json!(support.id))
    );
    let (status, _) = app.post(&resolve, Some(&support.token), json!({})).await;
    assert_eq!(status, 404, "resolved once");
    let (_, open) = app
        .get("/api/reports?status=open", Some(&support.token))
        .await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let (status, _) = app
        .get("/api/reports?status=maybe", Some(&support.token))
        .await;
    assert_eq!(status, 400);
}

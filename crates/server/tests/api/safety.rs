//! Blocking and reporting, on SQLite and PostgreSQL: a block keeps the
//! blocked person from reaching the blocker, who can list whom they blocked;
//! reports name both people, reach support live and are resolved once.

use crate::common::{Account, Backend, TestApp, ok, refused, session};
use helpline_client::Client;
use helpline_core::user::Role;
use serde_json::{Value, json};

both_backends!(
    blocks_stop_the_blocked,
    a_seekers_block_keeps_her_requests_from_him,
    blocking_withdraws_pending_requests_both_ways,
    blocks_stop_direct_conversations_and_calls_both_ways,
    a_block_racing_an_accept_never_both_pass,
    blocks_are_listed_for_the_blocker,
    reports_reach_support
);

/// `POST /api/users/{whom}/block` as `by`, expecting 200.
async fn block(app: &TestApp, by: &Account, whom: &Account) {
    let path = format!("/api/users/{}/block", whom.id);
    let (status, body) = app.post(&path, Some(&by.token), json!({})).await;
    assert_eq!((status, body["blocked"].clone()), (200, json!(true)));
}

/// `POST /api/users/{whom}/unblock` as `by`, expecting 200.
async fn unblock(app: &TestApp, by: &Account, whom: &Account) {
    let path = format!("/api/users/{}/unblock", whom.id);
    let (status, body) = app.post(&path, Some(&by.token), json!({})).await;
    assert_eq!((status, body["blocked"].clone()), (200, json!(false)));
}

/// Waits for `client` to be offered `request` (an offer may come twice: a
/// volunteer who connected just before a request opens can be offered it
/// again right after, which the apps show once).
/// Returns the ids of the other offers that came first.
async fn offered(client: &mut Client, request: &Value) -> Vec<Value> {
    let mut before = Vec::new();
    loop {
        let offer = client.event("seeker:incoming").await.unwrap();
        if offer["requestId"] == request["requestId"] {
            return before;
        }
        before.push(offer["requestId"].clone());
    }
}

/// The `request:cancelled` that `client` gets for `request`, past any for
/// other requests.
async fn cancelled(client: &mut Client, request: &Value) -> Value {
    loop {
        let notice = client.event("request:cancelled").await.unwrap();
        if notice["requestId"] == request["requestId"] {
            return notice;
        }
    }
}

/// Waits until everything sent to `client` before now has arrived: an ack
/// comes after every event queued for the socket before it.
async fn settled(client: &Client) {
    ok(client.ack("request:status", json!({})).await.unwrap());
}

/// The steps: a seeker blocks a volunteer, then asks for a chat.
/// He is not offered it, not when it opens, not on becoming available nor
/// on connecting again; accepting it anyway, by id or by her id, is
/// `forbidden` and changes nothing; a request made to him is refused.
async fn a_seekers_block_keeps_her_requests_from_him(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (ann, vic, val) = (
        app.register("seeker").await,
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&vic).await;
    let mut w = app.connect(&val).await;
    let s = app.connect(&ann).await;
    block(&app, &ann, &vic).await;

    let request = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(request["onlineVolunteers"], 1, "Val only");
    offered(&mut w, &request).await;
    // A later request from someone else reaches Vic: had Ann's been
    // offered to him, it would have arrived first.
    let bea = app.register("seeker").await;
    let b = app.connect(&bea).await;
    let sentinel = ok(b
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    let before = offered(&mut v, &sentinel).await;
    assert!(
        !before.contains(&request["requestId"]),
        "not offered to him"
    );
    assert!(v.drain("seeker:incoming").is_empty());

    for accept in [
        json!({"requestId": request["requestId"]}),
        json!({"seniorId": ann.id}),
    ] {
        refused(
            &v.ack("volunteer:accept", accept).await.unwrap(),
            "forbidden",
        );
    }
    let status = ok(s.ack("request:status", json!({})).await.unwrap());
    assert_eq!(status["request"]["status"], "pending", "nothing changed");
    assert_eq!(status["request"]["volunteerId"], Value::Null);
    let (code, mine) = app.get("/api/conversations", Some(&vic.token)).await;
    assert_eq!((code, mine), (200, json!([])), "no conversation");

    // Late offers: becoming available again, connecting again.
    ok(b.ack("request:cancel", json!({})).await.unwrap());
    ok(v.ack("volunteer:availability", json!({"status": "away"}))
        .await
        .unwrap());
    let sentinel = ok(b
        .ack("seeker:request", json!({"requestType": "voice"}))
        .await
        .unwrap());
    v.drain("seeker:incoming");
    ok(
        v.ack("volunteer:availability", json!({"status": "available"}))
            .await
            .unwrap(),
    );
    let before = offered(&mut v, &sentinel).await;
    assert!(!before.contains(&request["requestId"]), "{before:?}");
    assert!(v.drain("seeker:incoming").is_empty());
    drop(v);
    let mut v = app.connect(&vic).await;
    let before = offered(&mut v, &sentinel).await;
    assert!(!before.contains(&request["requestId"]), "{before:?}");
    assert!(v.drain("seeker:incoming").is_empty());

    // Requests made to one person across a block, whichever way it goes.
    ok(s.ack("request:cancel", json!({})).await.unwrap());
    refused(
        &s.ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": vic.id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    ok(b.ack("request:cancel", json!({})).await.unwrap());
    block(&app, &val, &bea).await;
    refused(
        &b.ack(
            "seeker:request",
            json!({"requestType": "video", "volunteerId": val.id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
    assert_eq!(
        ok(b.ack("request:status", json!({})).await.unwrap())["request"]["status"],
        "cancelled",
        "the refused request was not stored"
    );
    w.drain("seeker:incoming");
}

/// Blocking while a request is pending takes the offer back from the
/// blocked person at once, with a reason that does not tell of the block;
/// a request made to them moves out of pending.
async fn blocking_withdraws_pending_requests_both_ways(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (ann, vic, val) = (
        app.register("seeker").await,
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&vic).await;
    let mut w = app.connect(&val).await;
    let mut s = app.connect(&ann).await;

    // Ann's open request, offered to both; she blocks Vic.
    let open = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    v.event("seeker:incoming").await.unwrap();
    w.event("seeker:incoming").await.unwrap();
    block(&app, &ann, &vic).await;
    assert_eq!(
        cancelled(&mut v, &open).await,
        json!({"requestId": open["requestId"], "seniorId": ann.id, "reason": "withdrawn"})
    );
    settled(&s).await;
    ok(
        w.ack("volunteer:availability", json!({"status": "available"}))
            .await
            .unwrap(),
    );
    assert!(w.drain("request:cancelled").is_empty(), "Val keeps it");
    assert!(
        s.drain("request:cancelled").is_empty(),
        "Ann's request stands"
    );
    assert_eq!(
        ok(s.ack("request:status", json!({})).await.unwrap())["request"]["status"],
        "pending"
    );
    ok(
        w.ack("volunteer:accept", json!({"requestId": open["requestId"]}))
            .await
            .unwrap(),
    );
    // Vic, from whom it was withdrawn, hears nothing more of it.
    ok(
        v.ack("volunteer:availability", json!({"status": "available"}))
            .await
            .unwrap(),
    );
    assert!(
        v.drain("request:claimed").is_empty(),
        "no word of who took it"
    );

    // Bea's open request; the volunteer blocks her.
    let bea = app.register("seeker").await;
    let b = app.connect(&bea).await;
    let hers = ok(b
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    offered(&mut v, &hers).await;
    block(&app, &vic, &bea).await;
    assert_eq!(cancelled(&mut v, &hers).await["reason"], "withdrawn");
    ok(b.ack("request:cancel", json!({})).await.unwrap());

    // A request made to Val, who then blocks its seeker: it is declined.
    let cat = app.register("seeker").await;
    let mut c = app.connect(&cat).await;
    let to_val = ok(c
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": val.id}),
        )
        .await
        .unwrap());
    offered(&mut w, &to_val).await;
    block(&app, &val, &cat).await;
    assert_eq!(
        c.event("request:rejected").await.unwrap(),
        json!({"requestId": to_val["requestId"]})
    );
    assert_eq!(cancelled(&mut w, &to_val).await["reason"], "withdrawn");
    assert_eq!(
        ok(c.ack("request:status", json!({})).await.unwrap())["request"]["status"],
        "rejected"
    );

    // A request Cat made to Vic, whom she then blocks: it is cancelled.
    let to_vic = ok(c
        .ack(
            "seeker:request",
            json!({"requestType": "voice", "volunteerId": vic.id}),
        )
        .await
        .unwrap());
    offered(&mut v, &to_vic).await;
    block(&app, &cat, &vic).await;
    assert_eq!(
        c.event("request:cancelled").await.unwrap(),
        json!({"requestId": to_vic["requestId"], "status": "cancelled"})
    );
    assert_eq!(
        cancelled(&mut v, &to_vic).await,
        json!({"requestId": to_vic["requestId"], "seniorId": cat.id, "reason": "withdrawn"})
    );
    refused(
        &v.ack(
            "volunteer:accept",
            json!({"requestId": to_vic["requestId"]}),
        )
        .await
        .unwrap(),
        "not_pending",
    );

    // Blocking someone with no request between them tells nobody anything.
    let dan = app.register("seeker").await;
    let d = app.connect(&dan).await;
    block(&app, &dan, &vic).await;
    settled(&d).await;
    ok(
        v.ack("volunteer:availability", json!({"status": "available"}))
            .await
            .unwrap(),
    );
    assert!(v.drain("request:cancelled").is_empty());
}

/// Neither side of a block may open a direct conversation with the other
/// (REST or Socket.IO), nor ring the other in a conversation they share.
async fn blocks_stop_direct_conversations_and_calls_both_ways(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (ann, vic, s, v, conversation) = session(&app).await;
    let support = app.create_account(Role::Support).await;
    let agent = app.connect(&support).await;
    block(&app, &support, &ann).await;
    for (caller, client, other) in [(&support, &agent, &ann), (&ann, &s, &support)] {
        refused(
            &client
                .ack("conversation:start", json!({"participantId": other.id}))
                .await
                .unwrap(),
            "forbidden",
        );
        let (status, body) = app
            .post(
                "/api/conversations",
                Some(&caller.token),
                json!({"participantId": other.id}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (403, json!("forbidden"))
        );
    }

    block(&app, &vic, &ann).await;
    for client in [&s, &v] {
        refused(
            &client
                .ack(
                    "call:invite",
                    json!({"conversationId": conversation, "media": "voice"}),
                )
                .await
                .unwrap(),
            "forbidden",
        );
    }
    unblock(&app, &vic, &ann).await;
    ok(s.ack(
        "call:invite",
        json!({"conversationId": conversation, "media": "voice"}),
    )
    .await
    .unwrap());
}

/// A block sent at the same moment as the blocked volunteer's accept:
/// either the accept wins (the block comes after it) or it is `forbidden`
/// and the request stays pending, taken back from him. Which one happens
/// is up to timing; the store's conformance cases pin each order.
async fn a_block_racing_an_accept_never_both_pass(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (mut won, mut lost) = (0, 0);
    for _ in 0..6 {
        let (ann, vic) = (
            app.register("seeker").await,
            app.register("volunteer").await,
        );
        let mut v = app.connect(&vic).await;
        let s = app.connect(&ann).await;
        // Open, so that the block withdraws it from Vic but leaves it
        // pending: only the claim's own check can refuse him.
        let request = ok(s
            .ack("seeker:request", json!({"requestType": "chat"}))
            .await
            .unwrap());
        offered(&mut v, &request).await;
        let accept = v.ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        );
        let (accepted, ()) = tokio::join!(accept, block(&app, &ann, &vic));
        let accepted = accepted.unwrap();
        let status = ok(s.ack("request:status", json!({})).await.unwrap());
        if accepted["ok"] == json!(true) {
            won += 1;
            assert_eq!(status["request"]["status"], "accepted");
            assert_eq!(status["request"]["volunteerId"], json!(vic.id));
        } else {
            lost += 1;
            // The block came first, and the claim saw it.
            refused(&accepted, "forbidden");
            assert_eq!(status["request"]["status"], "pending", "{status}");
            assert_eq!(cancelled(&mut v, &request).await["reason"], "withdrawn");
            ok(s.ack("request:cancel", json!({})).await.unwrap());
        }
    }
    assert_eq!(won + lost, 6);
}

async fn blocks_stop_the_blocked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // A conversation from before the block.
    let (seeker, volunteer, mut s, v, conversation) = session(&app).await;

    let block_path = format!("/api/users/{}/block", seeker.id);
    let (status, body) = app
        .post(&block_path, Some(&volunteer.token), json!({}))
        .await;
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
    refused(
        &s.ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap(),
        "forbidden",
    );
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
    assert_eq!(offered(&mut v, &later).await, Vec::<Value>::new());
    assert!(
        v.drain("seeker:incoming").is_empty(),
        "the blocked seeker's request was not offered"
    );
    ok(s.ack("request:cancel", json!({})).await.unwrap());

    // Direct conversations: a blocked seeker cannot start one with the blocker.
    let support = app.create_account(Role::Support).await;
    block(&app, &support, &seeker).await;
    refused(
        &s.ack("conversation:start", json!({"participantId": support.id}))
            .await
            .unwrap(),
        "forbidden",
    );
    unblock(&app, &support, &seeker).await;
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
    unblock(&app, &volunteer, &seeker).await;
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
    let support = app.create_account(Role::Support).await;
    let mut staff = app.connect(&support).await;
    let (seeker, volunteer, _s, v, conversation) = session(&app).await;
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
    let person = |who: &crate::common::Account| json!({"id": who.id, "displayName": who.user["displayName"], "role": who.user["role"]});
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

//! Caregivers, with consent: a seeker invites one with a one-time code
//! (seven days, on the controllable clock), the caregiver redeems it and
//! sees last contact, this week's chats and calls and open alerts — never
//! content, names only with leave — and every look is recorded for the
//! seeker, who removes the caregiver at once, on every node. A caregiver
//! can do nothing else and never sees a seeker who did not invite them.
//! On SQLite and PostgreSQL; across two nodes on Redis and NATS.

use crate::common::cluster::spawn_cluster;
use crate::common::{Account, Backend, TestApp, ok, session};
use helpline_core::Clock;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    invite_look_and_remove,
    codes_are_one_time_and_expire,
    a_caregiver_can_do_nothing_else,
    racing_redeemers_one_wins,
);
both_brokers!(a_removal_holds_on_every_node);

/// A seeker's fresh code: `(code, body)`.
async fn invite(app: &TestApp, seeker: &Account) -> (String, Value) {
    let (status, body) = app
        .post(
            "/api/caregivers/invitations",
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (body["code"].as_str().expect("a code").to_owned(), body)
}

async fn redeem(app: &TestApp, caregiver: &Account, code: &str) -> (u16, Value) {
    app.post(
        "/api/caregiving/redeem",
        Some(&caregiver.token),
        json!({"code": code}),
    )
    .await
}

fn code_of(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

async fn invite_look_and_remove(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, s, _v, conversation) = session(&app).await;
    ok(s.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "my secret words", "clientMessageId": "m1"}),
    )
    .await
    .unwrap());
    let kim = app.register("caregiver").await;
    assert_eq!(kim.user["role"], "caregiver");
    let (status, nothing) = app.get("/api/caregiving", Some(&kim.token)).await;
    assert_eq!((status, nothing), (200, json!([])));

    let week = Duration::from_secs(7 * 24 * 3600);
    let before = json!(app.clock.now().plus(week));
    let (code, made) = invite(&app, &seeker).await;
    let after = json!(app.clock.now().plus(week));
    assert_eq!(code.len(), 11, "ABCDE-23456: {code}");
    let expires = made["expiresAt"].as_str().unwrap();
    assert!(
        before.as_str().unwrap() <= expires && expires <= after.as_str().unwrap(),
        "seven days: {made}"
    );
    let (_, open) = app
        .get("/api/caregivers/invitations", Some(&seeker.token))
        .await;
    assert_eq!(open.as_array().map(Vec::len), Some(1));
    assert_eq!(open[0]["id"], made["id"]);
    assert!(open[0].get("code").is_none(), "codes are not kept");

    // Typed loosely: lower case, no dash.
    let (status, link) = redeem(&app, &kim, &code.replace('-', " ").to_lowercase()).await;
    assert_eq!(status, 201, "{link}");
    assert_eq!(link["seekerId"], json!(seeker.id));
    let (_, open) = app
        .get("/api/caregivers/invitations", Some(&seeker.token))
        .await;
    assert_eq!(open, json!([]), "a redeemed invitation is no longer open");

    // The look: facts only.
    let (status, seen) = app.get("/api/caregiving", Some(&kim.token)).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(seen.as_array().map(Vec::len), Some(1));
    let ann = &seen[0];
    assert_eq!(ann["seekerId"], json!(seeker.id));
    assert_eq!(ann["name"], seeker.user["displayName"]);
    assert_eq!(
        (ann["chatsThisWeek"].clone(), ann["callsThisWeek"].clone()),
        (json!(1), json!(0))
    );
    assert_eq!(ann["contacts"][0]["kind"], "chat");
    assert_eq!(ann["contacts"][0]["with"], "volunteer");
    assert_eq!(ann["contacts"][0]["volunteerName"], Value::Null);
    assert!(ann["lastContactAt"].is_string());
    let text = seen.to_string();
    for never in [
        "my secret words",
        conversation.as_str().unwrap(),
        volunteer.user["displayName"].as_str().unwrap(),
        "conversationId",
    ] {
        assert!(!text.contains(never), "{never} in {text}");
    }

    // The seeker sees the look, then allows names.
    let (_, mine) = app.get("/api/caregivers", Some(&seeker.token)).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(mine[0]["caregiverId"], json!(kim.id));
    assert_eq!(mine[0]["name"], kim.user["displayName"]);
    assert_eq!(mine[0]["showVolunteerNames"], false);
    assert_eq!(mine[0]["viewCount"], 1);
    assert_eq!(mine[0]["views"].as_array().map(Vec::len), Some(1));
    let path = format!("/api/caregivers/{}", kim.id);
    let (status, changed) = app
        .send(
            Method::PUT,
            &path,
            Some(&seeker.token),
            json!({"showVolunteerNames": true}),
        )
        .await;
    assert_eq!(
        (status, changed["showVolunteerNames"].clone()),
        (200, json!(true))
    );
    let (status, bad) = app
        .send(
            Method::PUT,
            &path,
            Some(&seeker.token),
            json!({"showVolunteerNames": "yes"}),
        )
        .await;
    assert_eq!((status, code_of(&bad)), (400, "invalid"));

    // An alert: its status, never its note.
    ok(
        s.ack("safety:alert", json!({"note": "he wants my bank card"}))
            .await
            .unwrap(),
    );
    app.clock.advance(Duration::from_secs(60));
    let (_, seen) = app.get("/api/caregiving", Some(&kim.token)).await;
    let ann = &seen[0];
    assert_eq!(
        ann["contacts"][0]["volunteerName"],
        volunteer.user["displayName"]
    );
    assert_eq!(ann["openAlerts"].as_array().map(Vec::len), Some(1));
    assert_eq!(ann["openAlerts"][0]["status"], "open");
    assert_eq!(ann["openAlerts"][0]["raisedBy"], "seeker");
    assert!(!seen.to_string().contains("bank card"));
    let (_, mine) = app.get("/api/caregivers", Some(&seeker.token)).await;
    assert_eq!(mine[0]["viewCount"], 2);
    assert!(
        mine[0]["views"][0].as_str() > mine[0]["views"][1].as_str(),
        "newest first: {mine}"
    );

    // Another seeker's caregiver sees nothing of this one, and the
    // caregiver's routes are theirs alone.
    let other = app.register("seeker").await;
    let (_, theirs) = app.get("/api/caregivers", Some(&other.token)).await;
    assert_eq!(theirs, json!([]));
    let (status, _) = app
        .send(Method::DELETE, &path, Some(&other.token), json!({}))
        .await;
    assert_eq!(status, 404, "only Kim's seeker removes Kim");
    for (who, method, route) in [
        (&seeker, Method::GET, "/api/caregiving"),
        (&volunteer, Method::POST, "/api/caregivers/invitations"),
        (&volunteer, Method::GET, "/api/caregiving"),
        (&kim, Method::GET, "/api/caregivers"),
        (&kim, Method::POST, "/api/caregivers/invitations"),
    ] {
        let (status, body) = app.send(method, route, Some(&who.token), json!({})).await;
        assert_eq!((status, code_of(&body)), (403, "forbidden"), "{route}");
    }

    // Removed: at once.
    let (status, _) = app
        .send(Method::DELETE, &path, Some(&seeker.token), json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, seen) = app.get("/api/caregiving", Some(&kim.token)).await;
    assert_eq!((status, seen), (200, json!([])));
    let (_, mine) = app.get("/api/caregivers", Some(&seeker.token)).await;
    assert_eq!(mine, json!([]));
    let (status, _) = app
        .send(Method::DELETE, &path, Some(&seeker.token), json!({}))
        .await;
    assert_eq!(status, 404);
}

async fn codes_are_one_time_and_expire(backend: Backend) {
    // Tokens outlive the week the clock jumps.
    let app = TestApp::spawn_with(backend, |s| s.token_ttl_secs = 30 * 24 * 3600).await;
    let seeker = app.register("seeker").await;
    let (kim, lee) = (
        app.register("caregiver").await,
        app.register("caregiver").await,
    );

    let (status, body) = redeem(&app, &kim, "hello").await;
    assert_eq!((status, code_of(&body)), (400, "invalid"));
    let (status, body) = redeem(&app, &kim, "ABCDE-23456").await;
    assert_eq!((status, code_of(&body)), (404, "not_found"));

    let (first, _) = invite(&app, &seeker).await;
    assert_eq!(redeem(&app, &kim, &first).await.0, 201);
    let (status, body) = redeem(&app, &lee, &first).await;
    assert_eq!((status, code_of(&body)), (409, "code_used"));
    let (second, _) = invite(&app, &seeker).await;
    let (status, body) = redeem(&app, &kim, &second).await;
    assert_eq!(
        (status, code_of(&body)),
        (409, "conflict"),
        "already linked"
    );

    // Seven days, then not a moment more; nothing changes.
    app.clock.advance(Duration::from_secs(7 * 24 * 3600 - 1));
    let (third, made) = invite(&app, &seeker).await;
    app.clock.advance(Duration::from_secs(1));
    let (status, body) = redeem(&app, &lee, &second).await;
    assert_eq!((status, code_of(&body)), (410, "code_expired"));
    let (_, open) = app
        .get("/api/caregivers/invitations", Some(&seeker.token))
        .await;
    assert_eq!(
        open.as_array().map(Vec::len),
        Some(1),
        "only the third: {open}"
    );

    // Cancelled: the code stops working.
    let cancel = format!(
        "/api/caregivers/invitations/{}",
        made["id"].as_str().unwrap()
    );
    let (status, _) = app
        .send(Method::DELETE, &cancel, Some(&kim.token), json!({}))
        .await;
    assert_eq!(status, 403, "a caregiver cancels nothing");
    let (status, _) = app
        .send(Method::DELETE, &cancel, Some(&seeker.token), json!({}))
        .await;
    assert_eq!(status, 204);
    let (status, body) = redeem(&app, &lee, &third).await;
    assert_eq!((status, code_of(&body)), (404, "not_found"));
    let (_, mine) = app.get("/api/caregivers", Some(&seeker.token)).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "Kim only");

    // At most five open invitations.
    for _ in 0..5 {
        invite(&app, &seeker).await;
    }
    let (status, body) = app
        .post(
            "/api/caregivers/invitations",
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!((status, code_of(&body)), (409, "conflict"));
}

async fn a_caregiver_can_do_nothing_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, _s, _v, conversation) = session(&app).await;
    let conversation = conversation.as_str().unwrap().to_owned();
    let (status, uploaded) = crate::common::attachments::upload(
        &app,
        &seeker,
        &json!(conversation),
        "photo.png",
        "image/png",
        &crate::common::attachments::png(4, 4),
    )
    .await;
    assert_eq!(status, 201, "{uploaded}");
    let attachment = uploaded["id"].as_str().unwrap().to_owned();
    let (_, requests) = app.get("/api/requests", Some(&seeker.token)).await;
    let request = requests[0]["id"].as_str().unwrap().to_owned();
    let kim = app.register("caregiver").await;
    let (code, _) = invite(&app, &seeker).await;
    assert_eq!(redeem(&app, &kim, &code).await.0, 201);

    let (status, me) = app.get("/api/me", Some(&kim.token)).await;
    assert_eq!((status, me["role"].clone()), (200, json!("caregiver")));
    for (method, route, body) in [
        (
            Method::GET,
            format!("/api/conversations/{conversation}/messages"),
            json!({}),
        ),
        (Method::GET, "/api/conversations".into(), json!({})),
        (
            Method::POST,
            "/api/conversations".into(),
            json!({"participantId": volunteer.id}),
        ),
        (
            Method::POST,
            format!("/api/conversations/{conversation}/archive"),
            json!({}),
        ),
        (Method::GET, "/api/search?q=secret".into(), json!({})),
        (
            Method::GET,
            format!("/api/attachments/{attachment}"),
            json!({}),
        ),
        (
            Method::GET,
            format!("/api/attachments/{attachment}/thumbnail"),
            json!({}),
        ),
        (Method::GET, "/api/unread".into(), json!({})),
        (Method::GET, "/api/requests".into(), json!({})),
        (Method::GET, format!("/api/requests/{request}"), json!({})),
        (Method::GET, "/api/calls".into(), json!({})),
        (Method::GET, "/api/alerts".into(), json!({})),
        (Method::GET, "/api/volunteers".into(), json!({})),
        (Method::GET, "/api/me/settings".into(), json!({})),
        (
            Method::POST,
            "/api/reports".into(),
            json!({"userId": volunteer.id, "reason": "x"}),
        ),
        (
            Method::POST,
            format!("/api/users/{}/block", volunteer.id),
            json!({}),
        ),
    ] {
        let (status, answer) = app.send(method, &route, Some(&kim.token), body).await;
        assert_eq!(
            (status, code_of(&answer)),
            (403, "forbidden"),
            "{route}: {answer}"
        );
    }
    // Nobody may start a conversation with a caregiver either.
    for who in [&seeker, &volunteer] {
        let (status, _) = app
            .post(
                "/api/conversations",
                Some(&who.token),
                json!({"participantId": kim.id}),
            )
            .await;
        assert_eq!(status, 403);
    }
    // No live connection: refused plainly.
    let refused = helpline_client::Client::connect(&app.base, json!({"token": kim.token})).await;
    assert!(
        matches!(&refused, Err(helpline_client::ClientError::Refused(m)) if m == "forbidden"),
        "{:?}",
        refused.err()
    );
    // And a caregiver never sees a seeker who did not invite them.
    let (_, seen) = app.get("/api/caregiving", Some(&kim.token)).await;
    assert_eq!(seen.as_array().map(Vec::len), Some(1));
    let stranger = app.register("seeker").await;
    assert!(
        !app.get("/api/caregiving", Some(&kim.token))
            .await
            .1
            .to_string()
            .contains(&stranger.id)
    );
}

async fn racing_redeemers_one_wins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeker = app.register("seeker").await;
    let (code, _) = invite(&app, &seeker).await;
    let mut racers = Vec::new();
    for _ in 0..6 {
        racers.push(app.register("caregiver").await);
    }
    let answers =
        futures::future::join_all(racers.iter().map(|who| redeem(&app, who, &code))).await;
    let won = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(won, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 201 || code_of(body) == "code_used")
    );
    let (_, mine) = app.get("/api/caregivers", Some(&seeker.token)).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
}

async fn a_removal_holds_on_every_node(broker: crate::common::cluster::Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let seeker = a.register("seeker").await;
    let kim = b.register("caregiver").await;
    let (code, _) = invite(a, &seeker).await;
    assert_eq!(redeem(b, &kim, &code).await.0, 201);
    let (_, seen) = b.get("/api/caregiving", Some(&kim.token)).await;
    assert_eq!(seen.as_array().map(Vec::len), Some(1));
    let (_, mine) = a.get("/api/caregivers", Some(&seeker.token)).await;
    assert_eq!(mine[0]["viewCount"], 1, "a look on B is seen on A");

    let (status, _) = a
        .send(
            Method::DELETE,
            &format!("/api/caregivers/{}", kim.id),
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 204);
    // At once on B: no waiting for any broker message.
    let (status, seen) = b.get("/api/caregiving", Some(&kim.token)).await;
    assert_eq!((status, seen), (200, json!([])));
}

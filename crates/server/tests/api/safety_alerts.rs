//! Safety alerts: a seeker (or a volunteer, for a seeker in danger)
//! raises one; every support agent hears of it at once and again while
//! nobody acknowledges it (once per interval); support acknowledges and
//! resolves it over REST, and whoever raised it hears so. Bad input is
//! refused and stores nothing. On SQLite and PostgreSQL, with the
//! controllable clock.

use crate::common::{Backend, TestApp, ok, refused, session};
use helpline_core::user::Role;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(alerts_reach_support_and_come_back_handled);

/// Nothing called `name` arrives within a moment.
async fn quiet(client: &mut helpline_client::Client, name: &str) {
    assert!(
        client
            .event_within(name, Duration::from_millis(300))
            .await
            .is_err(),
        "unexpected {name}"
    );
}

async fn alerts_reach_support_and_come_back_handled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sue = app.create_account(Role::Support).await;
    let mut staff = app.connect(&sue).await;
    let (seeker, volunteer, s, v, conversation) = session(&app).await;
    let mut s = s;
    let list = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let (code, body) = app.get(&format!("/api/alerts{query}"), Some(&token)).await;
            (code, body)
        }
    };

    // Bad input: refused, nothing stored.
    let outsider = app.register("seeker").await;
    let o = app.connect(&outsider).await;
    refused(
        &o.ack("safety:alert", json!({"conversationId": conversation}))
            .await
            .unwrap(),
        "forbidden",
    );
    refused(
        &o.ack("safety:alert", json!({"conversationId": "no-such-chat"}))
            .await
            .unwrap(),
        "not_found",
    );
    refused(
        &o.ack("safety:alert", json!({"note": "x".repeat(1001)}))
            .await
            .unwrap(),
        "invalid",
    );
    refused(
        &staff.ack("safety:alert", json!({})).await.unwrap(),
        "forbidden",
    );
    let (_, all) = list(sue.token.clone(), "").await;
    assert_eq!(all, json!([]), "nothing stored");
    let history = format!(
        "/api/conversations/{}/messages",
        conversation.as_str().unwrap_or_default()
    );
    let (code, _) = app.get(&history, Some(&sue.token)).await;
    assert_eq!(code, 404, "support reads no chat without an alert on it");

    // The seeker raises one from the chat.
    let raised = ok(s
        .ack(
            "safety:alert",
            json!({"conversationId": conversation, "note": "He keeps asking for my bank card"}),
        )
        .await
        .unwrap());
    let alert = raised["alert"].clone();
    assert_eq!(alert["status"], "open", "{alert}");
    assert_eq!(alert["raisedBy"]["id"], json!(seeker.id));
    assert_eq!(alert["raisedBy"]["role"], "seeker");
    assert_eq!(alert["conversationId"], conversation);
    let told = staff.event("support:alert").await.unwrap();
    assert_eq!(
        (told["alert"]["id"].clone(), told["repeated"].clone()),
        (alert["id"].clone(), json!(false))
    );
    assert_eq!(told["alert"]["note"], "He keeps asking for my bank card");
    // While it is unresolved, support may read the chat it names.
    let (code, read) = app.get(&history, Some(&sue.token)).await;
    assert_eq!(code, 200, "{read}");
    assert_eq!(read["messages"][0]["seq"], 1);

    // Listings: support sees all, the raiser their own, others none.
    let (code, mine) = list(seeker.token.clone(), "").await;
    assert_eq!((code, mine.as_array().map(Vec::len)), (200, Some(1)));
    let (_, theirs) = list(volunteer.token.clone(), "").await;
    assert_eq!(theirs, json!([]));
    let (code, _) = list(seeker.token.clone(), "?status=open").await;
    assert_eq!(code, 400);
    let (code, _) = list(sue.token.clone(), "?status=lost").await;
    assert_eq!(code, 400);
    let (_, open) = list(sue.token.clone(), "?status=open").await;
    assert_eq!(open[0]["id"], alert["id"]);

    // Nobody acknowledged it: raised again once per interval.
    let every = Duration::from_secs(app.settings.alert_repeat_secs);
    app.clock.advance(every);
    let again = staff.event("support:alert").await.unwrap();
    assert_eq!(
        (again["alert"]["id"].clone(), again["repeated"].clone()),
        (alert["id"].clone(), json!(true))
    );
    app.clock.advance(Duration::from_secs(1));
    quiet(&mut staff, "support:alert").await;

    // Support is on it; the seeker hears who.
    let id = alert["id"].as_str().unwrap().to_owned();
    let ack_path = format!("/api/alerts/{id}/ack");
    let (code, _) = app.post(&ack_path, Some(&seeker.token), json!({})).await;
    assert_eq!(code, 403);
    let (code, _) = app
        .post("/api/alerts/nope/ack", Some(&sue.token), json!({}))
        .await;
    assert_eq!(code, 404);
    let (code, acked) = app.post(&ack_path, Some(&sue.token), json!({})).await;
    assert_eq!(code, 200, "{acked}");
    assert_eq!(acked["status"], "acknowledged");
    let heard = s.event("safety:acknowledged").await.unwrap();
    assert_eq!(
        heard["alert"]["acknowledgedBy"]["displayName"],
        sue.user["displayName"]
    );
    let (code, body) = app.post(&ack_path, Some(&sue.token), json!({})).await;
    assert_eq!(
        (code, body["error"]["code"].clone()),
        (409, json!("conflict"))
    );
    app.clock.advance(every * 2);
    quiet(&mut staff, "support:alert").await;

    // Resolved with a note; only once.
    let resolve_path = format!("/api/alerts/{id}/resolve");
    for bad in [json!({}), json!({"note": "  "}), json!({"note": 3})] {
        let (code, _) = app.post(&resolve_path, Some(&sue.token), bad.clone()).await;
        assert_eq!(code, 400, "{bad}");
    }
    let (code, done) = app
        .post(
            &resolve_path,
            Some(&sue.token),
            json!({"note": "Called her; blocked him"}),
        )
        .await;
    assert_eq!(code, 200, "{done}");
    assert_eq!(
        (done["status"].clone(), done["resolution"].clone()),
        (json!("resolved"), json!("Called her; blocked him"))
    );
    let heard = s.event("safety:resolved").await.unwrap();
    assert_eq!(heard["alert"]["status"], "resolved");
    let (code, _) = app
        .post(&resolve_path, Some(&sue.token), json!({"note": "again"}))
        .await;
    assert_eq!(code, 409);
    let (_, open) = list(sue.token.clone(), "?status=open").await;
    assert_eq!(open, json!([]));
    let (code, _) = app.get(&history, Some(&sue.token)).await;
    assert_eq!(code, 404, "resolved: the chat is the participants' again");

    // A volunteer raises one for the seeker in their chat.
    let by_volunteer: Value = ok(v
        .ack("safety:alert", json!({"conversationId": conversation}))
        .await
        .unwrap());
    assert_eq!(by_volunteer["alert"]["raisedBy"]["role"], "volunteer");
    assert!(by_volunteer["alert"]["note"].is_null());
    let told = staff.event("support:alert").await.unwrap();
    assert_eq!(told["alert"]["id"], by_volunteer["alert"]["id"]);
}

//! The scam guard: a volunteer's message to a seeker that asks for money,
//! bank details, secrets or a move to another app carries
//! `flags: ["scam_warning"]` in its ack, in `message:new`, in sync and in
//! history; support gets one scam-guard alert per conversation with every
//! flagged message as evidence, kept until resolved. Delivery is never
//! held back. Near misses, the seeker's own words and support's messages
//! are not flagged. On SQLite and PostgreSQL.

use crate::common::{Backend, TestApp, ok, session};
use helpline_core::user::Role;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(flagged_messages_warn_the_seeker_and_reach_support);

/// Sends `content` as the next message and returns the stored message.
async fn say(
    client: &helpline_client::Client,
    conversation: &Value,
    key: &str,
    content: &str,
) -> Value {
    ok(client
        .ack(
            "message:send",
            json!({"conversationId": conversation, "content": content, "clientMessageId": key}),
        )
        .await
        .unwrap())["message"]
        .clone()
}

/// The `message:new` both devices hear (each hears every message, its
/// own too); the seeker's copy.
async fn heard(s: &mut helpline_client::Client, v: &mut helpline_client::Client) -> Value {
    v.event("message:new").await.unwrap();
    s.event("message:new").await.unwrap()
}

/// Waits for the next `support:changed` about alerts (evidence is stored
/// after the message is delivered).
async fn alerts_changed(staff: &mut helpline_client::Client) {
    while staff.event("support:changed").await.unwrap()["reason"] != "alerts" {}
}

async fn flagged_messages_warn_the_seeker_and_reach_support(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sue = app.create_account(Role::Support).await;
    let mut staff = app.connect(&sue).await;
    let (seeker, volunteer, mut s, mut v, conversation) = session(&app).await;
    let warned = json!(["scam_warning"]);

    // A near miss: delivered, no flags in the JSON at all.
    let plain = say(
        &v,
        &conversation,
        "k1",
        "I paid for the bus, then had a bank holiday nap",
    )
    .await;
    assert!(plain.get("flags").is_none(), "{plain}");
    assert!(heard(&mut s, &mut v).await.get("flags").is_none());

    // The seeker's own words are never screened.
    let own = say(&s, &conversation, "k2", "My bank details are on the fridge").await;
    assert!(own.get("flags").is_none(), "{own}");
    heard(&mut s, &mut v).await;

    // A volunteer asking for bank details: flagged, delivered at once.
    let asked = say(
        &v,
        &conversation,
        "k3",
        "What are your bank details? I'll put the refund in",
    )
    .await;
    assert_eq!(asked["flags"], warned, "{asked}");
    let told = heard(&mut s, &mut v).await;
    assert_eq!(
        (told["id"].clone(), told["flags"].clone()),
        (asked["id"].clone(), warned.clone())
    );
    // Support hears of it, with the evidence.
    let told = staff.event("support:alert").await.unwrap();
    alerts_changed(&mut staff).await;
    let alert = told["alert"].clone();
    assert_eq!(alert["kind"], "scam_guard", "{alert}");
    assert_eq!(alert["status"], "open");
    assert_eq!(alert["raisedBy"]["id"], json!(seeker.id));
    assert_eq!(alert["conversationId"], conversation);
    assert_eq!(alert["evidence"].as_array().map(Vec::len), Some(1));
    let evidence = &alert["evidence"][0];
    assert_eq!(evidence["messageId"], asked["id"]);
    assert_eq!(evidence["sender"]["id"], json!(volunteer.id));
    assert_eq!(evidence["signs"], json!(["bank_details"]));
    assert_eq!(evidence["excerpt"], asked["content"]);

    // A second one adds evidence to the same alert; support is not told
    // of a new alert again.
    let moved = say(
        &v,
        &conversation,
        "k4",
        "Text me on 07700 900123, or WhatsApp",
    )
    .await;
    assert_eq!(moved["flags"], warned);
    heard(&mut s, &mut v).await;
    alerts_changed(&mut staff).await;
    let (code, alerts) = app.get("/api/alerts?status=open", Some(&sue.token)).await;
    assert_eq!(code, 200);
    assert_eq!(alerts.as_array().map(Vec::len), Some(1), "{alerts}");
    assert_eq!(
        alerts[0]["evidence"][1]["signs"],
        json!(["other_app", "phone_number"])
    );
    assert!(
        staff
            .event_within("support:alert", Duration::from_millis(300))
            .await
            .is_err(),
        "one alert per conversation"
    );

    // An edit into a scam is flagged too; an edit out of one clears it.
    let edited = ok(v
        .ack(
            "message:edit",
            json!({"conversationId": conversation, "messageId": plain["id"], "content": "Buy two iTunes cards and read me the codes"}),
        )
        .await
        .unwrap());
    assert_eq!(edited["message"]["flags"], warned, "{edited}");
    alerts_changed(&mut staff).await;
    let edit = s.event("message:edited").await.unwrap();
    assert_eq!(edit["flags"], warned, "{edit}");
    let cleared = ok(v
        .ack(
            "message:edit",
            json!({"conversationId": conversation, "messageId": moved["id"], "content": "Sorry, wrong chat"}),
        )
        .await
        .unwrap());
    assert!(cleared["message"].get("flags").is_none(), "{cleared}");
    s.event("message:edited").await.unwrap();

    // Sync and history carry the flags.
    let sync = ok(s
        .ack(
            "message:sync",
            json!({"conversationId": conversation, "afterSeq": 1}),
        )
        .await
        .unwrap());
    let flags: Vec<Value> = sync["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.get("flags").cloned().unwrap_or(Value::Null))
        .collect();
    assert_eq!(
        flags,
        vec![warned.clone(), Value::Null, warned.clone(), Value::Null]
    );
    let history = format!(
        "/api/conversations/{}/messages",
        conversation.as_str().unwrap_or_default()
    );
    let (code, read) = app.get(&history, Some(&seeker.token)).await;
    assert_eq!(code, 200);
    let flagged: Vec<&Value> = read["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["flags"] == warned)
        .collect();
    assert_eq!(flagged.len(), 2, "{read}");
    // Support reads the chat while the alert is unresolved.
    let (code, _) = app.get(&history, Some(&sue.token)).await;
    assert_eq!(code, 200);
    let (_, alerts) = app.get("/api/alerts?status=open", Some(&sue.token)).await;
    assert_eq!(
        alerts[0]["evidence"].as_array().map(Vec::len),
        Some(3),
        "{alerts}"
    );

    // Resolving it tells the seeker nothing (she raised nothing).
    let id = alert["id"].as_str().unwrap();
    let (code, resolved) = app
        .post(
            &format!("/api/alerts/{id}/resolve"),
            Some(&sue.token),
            json!({"note": "Spoke to the volunteer; removed from the rota"}),
        )
        .await;
    assert_eq!((code, resolved["status"].clone()), (200, json!("resolved")));
    assert!(
        s.event_within("safety:resolved", Duration::from_millis(300))
            .await
            .is_err()
    );
    assert!(
        v.event_within("wellbeing:debrief", Duration::from_millis(300))
            .await
            .is_err(),
        "no debrief for the volunteer it was about"
    );
    // The next flagged message raises a new alert.
    say(&v, &conversation, "k5", "Invest in Bitcoin with me").await;
    let next = staff.event("support:alert").await.unwrap();
    assert_ne!(next["alert"]["id"], alert["id"]);
    assert_eq!(next["alert"]["evidence"][0]["signs"], json!(["crypto"]));

    // Support's own messages are never screened: a phone number to call.
    let started = ok(staff
        .ack("conversation:start", json!({"participantId": seeker.id}))
        .await
        .unwrap());
    let direct = started["conversation"]["id"].clone();
    let shared = say(
        &staff,
        &direct,
        "k6",
        "You can call the office on 020 7946 0000",
    )
    .await;
    assert!(shared.get("flags").is_none(), "{shared}");
}

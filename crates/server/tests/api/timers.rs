//! Disappearing messages, with a clock the test moves forward: the
//! conversation timer, a message's own timer, view-once, and the exemption
//! of reported conversations. Deleted messages leave tombstones, reach every
//! device, and never come back through history or search.

use crate::common::{Backend, TestApp, ok, refused, session};
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(timers_delete_messages, view_once_and_reports);

async fn timers_delete_messages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, mut s, mut v, conversation) = session(&app).await;
    let mut v_phone = app.connect(&volunteer).await;
    refused(
        &s.ack(
            "conversation:settings",
            json!({"conversationId": conversation, "autoDeleteSecs": 60}),
        )
        .await
        .unwrap(),
        "invalid",
    );
    let stranger = app.register("seeker").await;
    refused(
        &app.connect(&stranger)
            .await
            .ack(
                "conversation:settings",
                json!({"conversationId": conversation, "autoDeleteSecs": 30}),
            )
            .await
            .unwrap(),
        "forbidden",
    );

    let set = ok(s
        .ack(
            "conversation:settings",
            json!({"conversationId": conversation, "autoDeleteSecs": 3600}),
        )
        .await
        .unwrap());
    assert_eq!(set["autoDeleteSecs"], 3600);
    assert_eq!(
        v.event("conversation:settings").await.unwrap(),
        json!({"conversationId": conversation, "autoDeleteSecs": 3600, "changedBy": seeker.id})
    );
    let notice = v.event("message:new").await.unwrap();
    assert_eq!(notice["type"], "system");
    assert!(
        notice["content"].as_str().unwrap().contains("1 hour"),
        "{notice}"
    );
    assert_eq!(notice["expiresAt"], Value::Null, "the notice itself stays");

    let timed = ok(s.ack("message:send", json!({"conversationId": conversation, "content": "my address is 1 Elm St", "clientMessageId": "1"})).await.unwrap())["message"].clone();
    assert!(timed["expiresAt"].is_string());
    let own = ok(v.ack("message:send", json!({"conversationId": conversation, "content": "gone in 30 seconds", "clientMessageId": "2", "expiresInSecs": 30})).await.unwrap())["message"].clone();
    refused(&v.ack("message:send", json!({"conversationId": conversation, "content": "x", "clientMessageId": "3", "expiresInSecs": 31})).await.unwrap(), "invalid");

    app.clock.advance(Duration::from_secs(31));
    let deleted =
        json!({"conversationId": conversation, "messageId": own["id"], "seq": own["seq"]});
    for device in [&mut s, &mut v, &mut v_phone] {
        assert_eq!(device.event("message:deleted").await.unwrap(), deleted);
    }
    app.clock.advance(Duration::from_secs(3600));
    let deleted =
        json!({"conversationId": conversation, "messageId": timed["id"], "seq": timed["seq"]});
    for device in [&mut s, &mut v, &mut v_phone] {
        assert_eq!(device.event("message:deleted").await.unwrap(), deleted);
    }
    let path = format!(
        "/api/conversations/{}/messages",
        conversation.as_str().unwrap()
    );
    let (_, history) = app.get(&path, Some(&volunteer.token)).await;
    assert!(
        !history.to_string().contains("Elm St") && !history.to_string().contains("30 seconds"),
        "{history}"
    );
    assert_eq!(
        history["messages"].as_array().unwrap().len(),
        4,
        "the accepted notice, and tombstones keep their seq"
    );
    let (_, found) = app.get("/api/search?q=elm", Some(&seeker.token)).await;
    assert_eq!(found["results"], json!([]));
    // Off again: new messages stay.
    ok(v.ack(
        "conversation:settings",
        json!({"conversationId": conversation, "autoDeleteSecs": null}),
    )
    .await
    .unwrap());
    let kept = ok(s
        .ack(
            "message:send",
            json!({"conversationId": conversation, "content": "stays", "clientMessageId": "4"}),
        )
        .await
        .unwrap());
    assert_eq!(kept["message"]["expiresAt"], Value::Null);
    let (_, list) = app.get("/api/conversations", Some(&seeker.token)).await;
    assert_eq!(list[0]["autoDeleteSecs"], Value::Null);
}

async fn view_once_and_reports(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer, mut s, v, conversation) = session(&app).await;
    // View once: gone as soon as the other participant has read it.
    let once = ok(s.ack("message:send", json!({"conversationId": conversation, "content": "PIN 4321", "clientMessageId": "1", "expiresInSecs": 0})).await.unwrap())["message"].clone();
    assert_eq!(once["viewOnce"], true);
    ok(v.ack(
        "message:read",
        json!({"conversationId": conversation, "upToSeq": once["seq"]}),
    )
    .await
    .unwrap());
    assert_eq!(
        s.event("message:deleted").await.unwrap()["messageId"],
        once["id"]
    );

    // A reported conversation keeps its messages until support resolves the report.
    let (_, second_volunteer, _, v2, other) = {
        let v2_account = app.register("volunteer").await;
        let v2 = app.connect(&v2_account).await;
        let request = ok(s
            .ack(
                "seeker:request",
                json!({"requestType": "chat", "volunteerId": v2_account.id}),
            )
            .await
            .unwrap());
        let other = ok(v2
            .ack(
                "volunteer:accept",
                json!({"requestId": request["requestId"]}),
            )
            .await
            .unwrap())["conversationId"]
            .clone();
        ((), v2_account, (), v2, other)
    };
    let evidence = ok(v.ack("message:send", json!({"conversationId": conversation, "content": "rude words", "clientMessageId": "r", "expiresInSecs": 30})).await.unwrap())["message"].clone();
    let (status, report) = app
        .post(
            "/api/reports",
            Some(&seeker.token),
            json!({"messageId": evidence["id"], "reason": "rude"}),
        )
        .await;
    assert_eq!(status, 201);
    // Sentinels in another conversation prove that sweeps ran.
    for round in 0..2 {
        let sentinel = ok(v2.ack("message:send", json!({"conversationId": other, "content": "tick", "clientMessageId": format!("t{round}"), "expiresInSecs": 30})).await.unwrap())["message"].clone();
        app.clock.advance(Duration::from_secs(31));
        assert_eq!(
            s.event("message:deleted").await.unwrap()["messageId"],
            sentinel["id"],
            "round {round}"
        );
    }
    assert!(
        s.drain("message:deleted").is_empty(),
        "the reported conversation kept its messages"
    );
    let support = app.create_account(helpline_core::user::Role::Support).await;
    let (status, _) = app
        .post(
            &format!("/api/reports/{}/resolve", report["id"].as_str().unwrap()),
            Some(&support.token),
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        s.event("message:deleted").await.unwrap()["messageId"],
        evidence["id"],
        "due once the report is resolved"
    );
    let _ = (volunteer, second_volunteer);
}

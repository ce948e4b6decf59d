//! Several nodes as one: every realtime flow with its people on different
//! nodes of one cluster (one PostgreSQL database, Redis or NATS between
//! the nodes), and presence that follows people across nodes.

use crate::common::cluster::{Broker, await_availability, id, spawn_cluster, spawn_cluster_with};
use crate::common::ok;
use serde_json::json;
use std::time::Duration;

both_brokers!(
    a_chat_across_two_nodes,
    offers_reach_every_node_once,
    a_user_with_tabs_on_two_nodes,
    presence_and_the_support_dashboard,
    direct_conversations_and_calls_across_nodes,
    rate_limits_with_sockets_on_two_nodes,
    safety_alerts_across_nodes,
);

/// Nothing of `name` arrives within a short wait.
pub(crate) async fn quiet(client: &mut helpline_client::Client, name: &str) {
    assert!(
        client
            .event_within(name, Duration::from_millis(300))
            .await
            .is_err(),
        "unexpected {name}"
    );
}

async fn a_chat_across_two_nodes(broker: Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let seeker = a.register("seeker").await;
    let volunteer = b.register("volunteer").await;
    let mut v = b.connect(&volunteer).await;
    await_availability(a, &seeker.token, &volunteer.id, "available").await;
    let mut s = a.connect(&seeker).await;

    let opened = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "note": "hi"}),
        )
        .await
        .unwrap());
    assert_eq!(
        opened["onlineVolunteers"], 1,
        "the volunteer on the other node counts"
    );
    let incoming = v.event("seeker:incoming").await.unwrap();
    assert_eq!(incoming["requestId"], opened["requestId"]);
    assert_eq!(incoming["note"], "hi");

    let accepted = ok(v
        .ack(
            "volunteer:accept",
            json!({"requestId": opened["requestId"]}),
        )
        .await
        .unwrap());
    let conversation = accepted["conversationId"].clone();
    for client in [&mut s, &mut v] {
        let started = client.event("session:started").await.unwrap();
        assert_eq!(started["conversationId"], conversation);
        let notice = client.event("message:new").await.unwrap();
        assert_eq!(
            (notice["seq"].clone(), notice["type"].clone()),
            (json!(1), json!("system"))
        );
    }

    // Both ways, with receipts.
    let sent = ok(s
        .ack(
            "message:send",
            json!({"conversationId": conversation, "content": "from A", "clientMessageId": "a1"}),
        )
        .await
        .unwrap());
    let on_b = v.event("message:new").await.unwrap();
    assert_eq!(
        (on_b["content"].clone(), on_b["seq"].clone()),
        (json!("from A"), json!(2))
    );
    let delivered = s.event("message:delivered").await.unwrap();
    assert_eq!(
        (delivered["userId"].clone(), delivered["upToSeq"].clone()),
        (json!(volunteer.id), json!(2))
    );
    ok(v.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "from B", "clientMessageId": "b1"}),
    )
    .await
    .unwrap());
    assert_eq!(
        s.event("message:new").await.unwrap()["content"],
        "from A",
        "its own"
    );
    assert_eq!(s.event("message:new").await.unwrap()["content"], "from B");

    // Typing and reading.
    ok(
        v.ack("typing:start", json!({"conversationId": conversation}))
            .await
            .unwrap(),
    );
    let typing = s.event("typing").await.unwrap();
    assert_eq!(
        (typing["userId"].clone(), typing["isTyping"].clone()),
        (json!(volunteer.id), json!(true))
    );
    ok(v.ack(
        "message:read",
        json!({"conversationId": conversation, "upToSeq": 2}),
    )
    .await
    .unwrap());
    let read = s.event("message:read").await.unwrap();
    assert_eq!(
        (read["userId"].clone(), read["upToSeq"].clone()),
        (json!(volunteer.id), json!(2))
    );

    // Edits, reactions, deletes.
    let message_id = sent["message"]["id"].clone();
    ok(s.ack(
        "message:edit",
        json!({"conversationId": conversation, "messageId": message_id, "content": "edited on A"}),
    )
    .await
    .unwrap());
    assert_eq!(
        v.event("message:edited").await.unwrap()["content"],
        "edited on A"
    );
    ok(v.ack(
        "message:react",
        json!({"conversationId": conversation, "messageId": message_id, "emoji": "👍"}),
    )
    .await
    .unwrap());
    assert_eq!(
        s.event("message:reaction").await.unwrap()["messageId"],
        message_id
    );
    ok(s.ack(
        "message:delete",
        json!({"conversationId": conversation, "messageId": message_id}),
    )
    .await
    .unwrap());
    assert_eq!(
        v.event("message:deleted").await.unwrap()["messageId"],
        message_id
    );

    // Ending on B closes the room on A too.
    ok(v.ack("chat:end", json!({"conversationId": conversation}))
        .await
        .unwrap());
    assert_eq!(
        s.event("chat:ended").await.unwrap()["endedBy"],
        volunteer.id.as_str()
    );
}

async fn offers_reach_every_node_once(broker: Broker) {
    let nodes = spawn_cluster(broker, 3).await;
    let seeker = nodes[0].register("seeker").await;
    let (one, two) = (
        nodes[1].register("volunteer").await,
        nodes[2].register("volunteer").await,
    );
    let mut on_b = nodes[1].connect(&one).await;
    let mut on_c = nodes[2].connect(&two).await;
    for volunteer in [&one, &two] {
        await_availability(&nodes[0], &seeker.token, &volunteer.id, "available").await;
    }
    let s = nodes[0].connect(&seeker).await;
    let opened = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(opened["onlineVolunteers"], 2);
    for client in [&mut on_b, &mut on_c] {
        assert_eq!(
            client.event("seeker:incoming").await.unwrap()["requestId"],
            opened["requestId"]
        );
    }
    ok(on_b
        .ack(
            "volunteer:accept",
            json!({"requestId": opened["requestId"]}),
        )
        .await
        .unwrap());
    let claimed = on_c.event("request:claimed").await.unwrap();
    assert_eq!(claimed["volunteerId"], one.id.as_str());
    for client in [&mut on_b, &mut on_c] {
        quiet(client, "seeker:incoming").await;
    }

    // A volunteer becoming available on another node is offered what is pending.
    on_b.close();
    await_availability(&nodes[0], &seeker.token, &one.id, "offline").await;
    let other = nodes[0].register("seeker").await;
    let s2 = nodes[0].connect(&other).await;
    ok(on_c
        .ack("volunteer:availability", json!({"status": "away"}))
        .await
        .unwrap());
    await_availability(&nodes[0], &other.token, &two.id, "away").await;
    let second = ok(s2
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(
        second["onlineVolunteers"], 0,
        "the one volunteer left is away"
    );
    ok(on_c
        .ack("volunteer:availability", json!({"status": "available"}))
        .await
        .unwrap());
    assert_eq!(
        on_c.event("seeker:incoming").await.unwrap()["requestId"],
        second["requestId"]
    );
    // Cancelling reaches the node the offer went to.
    ok(s2.ack("request:cancel", json!({})).await.unwrap());
    assert_eq!(
        on_c.event("request:cancelled").await.unwrap()["requestId"],
        second["requestId"]
    );
}

async fn a_user_with_tabs_on_two_nodes(broker: Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let seeker = a.register("seeker").await;
    let volunteer = a.register("volunteer").await;
    let mut tab_a = a.connect(&volunteer).await;
    let mut tab_b = b.connect(&volunteer).await;
    await_availability(a, &seeker.token, &volunteer.id, "available").await;
    let mut s = a.connect(&seeker).await;
    let opened = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    for tab in [&mut tab_a, &mut tab_b] {
        assert_eq!(
            tab.event("seeker:incoming").await.unwrap()["requestId"],
            opened["requestId"]
        );
    }
    let accepted = ok(tab_b
        .ack(
            "volunteer:accept",
            json!({"requestId": opened["requestId"]}),
        )
        .await
        .unwrap());
    let conversation = accepted["conversationId"].clone();
    for tab in [&mut tab_a, &mut tab_b] {
        assert_eq!(
            tab.event("session:started").await.unwrap()["conversationId"],
            conversation
        );
        tab.event("message:new").await.unwrap();
    }
    s.event("message:new").await.unwrap();
    ok(s.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "both tabs", "clientMessageId": "t"}),
    )
    .await
    .unwrap());
    for tab in [&mut tab_a, &mut tab_b] {
        assert_eq!(
            tab.event("message:new").await.unwrap()["content"],
            "both tabs"
        );
    }
    // Away on one tab is away everywhere; online until the last tab closes.
    ok(tab_a
        .ack("volunteer:availability", json!({"status": "away"}))
        .await
        .unwrap());
    await_availability(b, &seeker.token, &volunteer.id, "away").await;
    tab_a.close();
    // Still online through the other tab (another node's snapshot may lag
    // the choice by a heartbeat, so this waits for it to settle).
    await_availability(a, &seeker.token, &volunteer.id, "away").await;
    tab_b.close();
    await_availability(a, &seeker.token, &volunteer.id, "offline").await;
}

async fn presence_and_the_support_dashboard(broker: Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let mut nodes = nodes.into_iter();
    let (a, b) = (nodes.next().unwrap(), nodes.next().unwrap());
    let agent = a.create_account(helpline_core::user::Role::Support).await;
    let volunteer = b.register("volunteer").await;
    let mut support = a.connect(&agent).await;
    let _v = b.connect(&volunteer).await;
    let changed = support.event("support:changed").await.unwrap();
    assert_eq!(changed["reason"], "presence");
    await_availability(&a, &agent.token, &volunteer.id, "available").await;
    let (status, overview) = a.get("/api/support/overview", Some(&agent.token)).await;
    assert_eq!(status, 200);
    let listed = overview["volunteers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == volunteer.id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(listed["online"], true, "{overview}");
    // The node stops: its people go offline everywhere at once.
    b.stop().await;
    await_availability(&a, &agent.token, &volunteer.id, "offline").await;
}

async fn direct_conversations_and_calls_across_nodes(broker: Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (seeker, volunteer) = (a.register("seeker").await, b.register("volunteer").await);
    let mut s = a.connect(&seeker).await;
    let mut v = b.connect(&volunteer).await;
    await_availability(a, &seeker.token, &volunteer.id, "available").await;
    let started = ok(s
        .ack("conversation:start", json!({"participantId": volunteer.id}))
        .await
        .unwrap());
    let conversation = started["conversation"]["id"].clone();
    assert_eq!(
        v.event("conversation:started").await.unwrap()["conversation"]["id"],
        conversation
    );
    ok(s.ack(
        "message:send",
        json!({"conversationId": conversation, "content": "direct", "clientMessageId": "d"}),
    )
    .await
    .unwrap());
    assert_eq!(v.event("message:new").await.unwrap()["content"], "direct");

    // A call placed on A rings on B, and signaling crosses both ways.
    let call = ok(s
        .ack(
            "call:invite",
            json!({"conversationId": conversation, "media": "voice"}),
        )
        .await
        .unwrap())["call"]
        .clone();
    let call_id = id(&call, "id");
    assert_eq!(
        v.event("call:incoming").await.unwrap()["callId"],
        call_id.as_str()
    );
    ok(v.ack("call:accept", json!({"callId": call_id}))
        .await
        .unwrap());
    assert_eq!(
        s.event("call:accepted").await.unwrap()["callId"],
        call_id.as_str()
    );
    ok(s.ack(
        "webrtc:offer",
        json!({"callId": call_id, "sdp": "v=0 offer"}),
    )
    .await
    .unwrap());
    assert_eq!(v.event("webrtc:offer").await.unwrap()["sdp"], "v=0 offer");
    ok(v.ack(
        "webrtc:answer",
        json!({"callId": call_id, "sdp": "v=0 answer"}),
    )
    .await
    .unwrap());
    assert_eq!(s.event("webrtc:answer").await.unwrap()["sdp"], "v=0 answer");
    ok(v.ack(
        "webrtc:ice",
        json!({"callId": call_id, "candidate": {"candidate": "c"}}),
    )
    .await
    .unwrap());
    assert_eq!(
        s.event("webrtc:ice").await.unwrap()["candidate"]["candidate"],
        "c"
    );
    // The seeker's device drops and comes back on the other node: it takes
    // the call back and renegotiates there.
    s.close();
    let mut s = b.connect(&seeker).await;
    ok(s.ack("call:resume", json!({"callId": call_id}))
        .await
        .unwrap());
    assert_eq!(
        v.event("call:resumed").await.unwrap()["userId"],
        seeker.id.as_str()
    );
    ok(s.ack(
        "webrtc:offer",
        json!({"callId": call_id, "sdp": "v=0 restart"}),
    )
    .await
    .unwrap());
    assert_eq!(v.event("webrtc:offer").await.unwrap()["sdp"], "v=0 restart");
    ok(v.ack(
        "webrtc:answer",
        json!({"callId": call_id, "sdp": "v=0 again"}),
    )
    .await
    .unwrap());
    assert_eq!(s.event("webrtc:answer").await.unwrap()["sdp"], "v=0 again");
    ok(s.ack("call:hangup", json!({"callId": call_id}))
        .await
        .unwrap());
    assert_eq!(
        v.event("call:ended").await.unwrap()["callId"],
        call_id.as_str()
    );
}

/// On Redis a user's allowance is the cluster's; on NATS each node keeps
/// its own (docs/deployment.md).
async fn rate_limits_with_sockets_on_two_nodes(broker: Broker) {
    let nodes = spawn_cluster_with(broker, 2, |settings| {
        settings.rate_events_burst = 4;
        settings.rate_events_per_sec = 0.001;
    })
    .await;
    let seeker = nodes[0].register("seeker").await;
    let (on_a, on_b) = (
        nodes[0].connect(&seeker).await,
        nodes[1].connect(&seeker).await,
    );
    // Four events, two through each node: all within the burst.
    for client in [&on_a, &on_b, &on_a, &on_b] {
        let ack = client.ack("request:status", json!({})).await.unwrap();
        assert_eq!(ack["ok"], true, "{ack}");
    }
    let fifth = on_b.ack("request:status", json!({})).await.unwrap();
    match broker {
        Broker::Redis => crate::common::refused(&fifth, "rate_limited"),
        Broker::Nats => assert_eq!(fifth["ok"], true, "each node counts its own: {fifth}"),
    }
}

/// A safety alert raised on one node reaches support on the other, is
/// raised again once there (both nodes sweep), and its acknowledgement
/// through that node reaches the seeker on the first.
async fn safety_alerts_across_nodes(broker: Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let agent = b.create_account(helpline_core::user::Role::Support).await;
    let mut staff = b.connect(&agent).await;
    let seeker = a.register("seeker").await;
    let mut s = a.connect(&seeker).await;
    let raised = ok(s
        .ack("safety:alert", json!({"note": "Someone is at my door"}))
        .await
        .unwrap());
    let id = raised["alert"]["id"].clone();
    let told = staff.event("support:alert").await.unwrap();
    assert_eq!(
        (told["alert"]["id"].clone(), told["repeated"].clone()),
        (id.clone(), json!(false))
    );
    a.clock
        .advance(Duration::from_secs(a.settings.alert_repeat_secs));
    let again = staff.event("support:alert").await.unwrap();
    assert_eq!(
        (again["alert"]["id"].clone(), again["repeated"].clone()),
        (id.clone(), json!(true))
    );
    quiet(&mut staff, "support:alert").await;
    let (code, _) = b
        .post(
            &format!("/api/alerts/{}/ack", id.as_str().unwrap_or_default()),
            Some(&agent.token),
            json!({}),
        )
        .await;
    assert_eq!(code, 200);
    let heard = s.event("safety:acknowledged").await.unwrap();
    assert_eq!(heard["alert"]["acknowledgedBy"]["id"], json!(agent.id));
}

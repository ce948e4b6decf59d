//! Dispatch as one cluster: escalation, the waiting line, auto-away,
//! batched widening, credentials and the chat cap, with the seekers and
//! volunteers on different nodes of one PostgreSQL database (Redis or NATS
//! between them). Each rule is decided in the database, so every node
//! agrees.

use crate::cluster::quiet;
use crate::common::cluster::{Broker, await_availability, spawn_cluster, spawn_cluster_with};
use crate::common::ok;
use serde_json::json;
use std::time::Duration;

both_brokers!(
    escalation_once_across_nodes,
    the_waiting_line_across_nodes,
    auto_away_across_nodes,
    batches_widen_once_across_nodes,
    credentials_and_the_cap_across_nodes,
);

/// Both nodes sweep; a waiting request is escalated once, and support on
/// either node hears it once.
async fn escalation_once_across_nodes(broker: Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let support = nodes[0]
        .create_account(helpline_core::user::Role::Support)
        .await;
    let mut here = nodes[0].connect(&support).await;
    let mut there = nodes[1].connect(&support).await;
    let seeker = nodes[0].register("seeker").await;
    let s = nodes[1].connect(&seeker).await;
    let asked = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    let after = nodes[0].settings.escalate_after_secs;
    nodes[0].clock.advance(Duration::from_secs(after + 1));
    for staff in [&mut here, &mut there] {
        let escalation = staff.event("support:escalation").await.unwrap();
        assert_eq!(escalation["request"]["id"], asked["requestId"]);
    }
    for staff in [&mut here, &mut there] {
        quiet(staff, "support:escalation").await;
    }
    // Taken on the other node from the one the seeker is on.
    ok(here
        .ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
        .await
        .unwrap());
}

/// A seeker on one node hears where they stand when a request ahead of
/// theirs is taken on another node, once.
async fn the_waiting_line_across_nodes(broker: Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let volunteer = a.register("volunteer").await;
    let v = a.connect(&volunteer).await;
    let (first, second) = (a.register("seeker").await, b.register("seeker").await);
    let mut here = a.connect(&first).await;
    let mut there = b.connect(&second).await;
    let asked = ok(here
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    here.event("request:position").await.unwrap();
    let waiting = ok(there
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    let told = there.event("request:position").await.unwrap();
    assert_eq!(told["position"], 2, "{told}");

    a.clock.advance(Duration::from_secs(20));
    ok(
        v.ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
            .await
            .unwrap(),
    );
    let moved = there.event("request:position").await.unwrap();
    assert_eq!(
        moved,
        json!({"requestId": waiting["requestId"], "position": 1, "estimatedWaitSecs": 20})
    );
    quiet(&mut there, "request:position").await;
}

/// A volunteer connected to one node who lets an offer pass that is taken
/// on another is set away there, and every node shows it.
async fn auto_away_across_nodes(broker: Broker) {
    let nodes = spawn_cluster_with(broker, 2, |s| s.max_missed_offers = 1).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let (vic, val) = (b.register("volunteer").await, a.register("volunteer").await);
    let mut v = b.connect(&vic).await;
    let mut w = a.connect(&val).await;
    await_availability(a, &val.token, &vic.id, "available").await;
    let seeker = a.register("seeker").await;
    let s = a.connect(&seeker).await;
    let asked = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(asked["onlineVolunteers"], 2);
    v.event("seeker:incoming").await.unwrap();
    w.event("seeker:incoming").await.unwrap();
    ok(
        w.ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
            .await
            .unwrap(),
    );
    let told = v.event("volunteer:auto_away").await.unwrap();
    assert_eq!(told["missedOffers"], 1);
    for node in [a, b] {
        await_availability(node, &val.token, &vic.id, "away").await;
    }
    // The next request is not offered to Vic, on either node's count.
    let other = a.register("seeker").await;
    let o = a.connect(&other).await;
    let next = ok(o
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(next["onlineVolunteers"], 1);
    quiet(&mut v, "seeker:incoming").await;
}

/// Batched dispatch on two nodes: the first batch is ranked from the
/// volunteers on both, each later batch is offered by exactly one node's
/// sweeper (every volunteer hears of the request once), and the one who
/// takes it on one node wins over the first batch on the other.
async fn batches_widen_once_across_nodes(broker: Broker) {
    let nodes = spawn_cluster_with(broker, 2, |s| {
        s.dispatch = "batched".into();
        s.dispatch_batch_size = 1;
        s.dispatch_widen_secs = 30;
        s.max_missed_offers = 0;
    })
    .await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let seeker = a.register_speaking("seeker", &["Polski"]).await;
    let (pola, rest) = (
        b.register_speaking("volunteer", &["polski"]).await,
        b.register("volunteer").await,
    );
    let near = a.register("volunteer").await;
    let mut p = b.connect(&pola).await;
    let mut r = b.connect(&rest).await;
    let mut n = a.connect(&near).await;
    for volunteer in [&pola.id, &rest.id] {
        await_availability(a, &near.token, volunteer, "available").await;
    }
    let s = a.connect(&seeker).await;
    let asked = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    assert_eq!(asked["onlineVolunteers"], 1, "{asked}");
    let first = p.event("seeker:incoming").await.unwrap();
    assert_eq!(
        first["why"],
        json!([{"kind": "language", "language": "polski"}])
    );

    // Both nodes sweep; each batch is offered once.
    let (second, third) = if rest.id < near.id {
        (&mut r, &mut n)
    } else {
        (&mut n, &mut r)
    };
    a.clock.advance(Duration::from_secs(30));
    assert_eq!(
        second.event("seeker:incoming").await.unwrap()["requestId"],
        asked["requestId"]
    );
    quiet(third, "seeker:incoming").await;
    a.clock.advance(Duration::from_secs(30));
    assert_eq!(
        third.event("seeker:incoming").await.unwrap()["requestId"],
        asked["requestId"]
    );
    a.clock.advance(Duration::from_secs(30));
    for client in [&mut p, &mut r, &mut n] {
        quiet(client, "seeker:incoming").await;
    }

    ok(
        n.ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
            .await
            .unwrap(),
    );
    assert_eq!(
        p.event("request:claimed").await.unwrap()["requestId"],
        asked["requestId"]
    );
    assert_eq!(
        r.event("request:claimed").await.unwrap()["requestId"],
        asked["requestId"]
    );
}

/// Credentials set through one node and the chat cap reached on another
/// decide who is offered what on a third's request: both are read from
/// the database, so every node agrees at once.
async fn credentials_and_the_cap_across_nodes(broker: Broker) {
    // Under batched dispatch, whose ranking read applies both rules too.
    let nodes = spawn_cluster_with(broker, 2, |s| {
        s.require_credentials = true;
        s.max_active_chats = 1;
        s.dispatch = "batched".into();
    })
    .await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let support = a.create_account(helpline_core::user::Role::Support).await;
    let (vic, val) = (b.register("volunteer").await, b.register("volunteer").await);
    let (code, body) = a
        .send(
            reqwest::Method::PUT,
            &format!("/api/volunteers/{}/credentials", vic.id),
            Some(&support.token),
            json!({"topics": ["health"]}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let mut v = b.connect(&vic).await;
    let mut w = b.connect(&val).await;
    for volunteer in [&vic.id, &val.id] {
        await_availability(a, &support.token, volunteer, "available").await;
    }
    let (ann, bea) = (a.register("seeker").await, a.register("seeker").await);
    let (sa, sb) = (a.connect(&ann).await, a.connect(&bea).await);

    // Health, asked on node a: Vic alone, on node b.
    let health = ok(sa
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "topic": "health"}),
        )
        .await
        .unwrap());
    assert_eq!(health["onlineVolunteers"], 1, "{health}");
    assert_eq!(
        v.event("seeker:incoming").await.unwrap()["requestId"],
        health["requestId"]
    );
    quiet(&mut w, "seeker:incoming").await;
    ok(v.ack(
        "volunteer:accept",
        json!({"requestId": health["requestId"]}),
    )
    .await
    .unwrap());

    // Vic is at the cap: the next request reaches Val only, and Vic may
    // not take it even knowing its id.
    let daily = ok(sb
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "topic": "daily"}),
        )
        .await
        .unwrap());
    assert_eq!(daily["onlineVolunteers"], 1, "{daily}");
    assert_eq!(
        w.event("seeker:incoming").await.unwrap()["requestId"],
        daily["requestId"]
    );
    quiet(&mut v, "seeker:incoming").await;
    let refused = v
        .ack("volunteer:accept", json!({"requestId": daily["requestId"]}))
        .await
        .unwrap();
    assert_eq!(refused["error"]["code"], "conflict", "{refused}");
}

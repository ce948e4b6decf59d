//! What the web app on phones needs from the server: `volunteer:presence`
//! to every seeker and support agent when a volunteer comes online, changes
//! availability or leaves (on one node and across nodes), the volunteer a
//! request was made to and the server's clock on `seeker:incoming` and the
//! request acks, and support's search for people (`GET /api/users`).

use crate::common::cluster::{Broker, await_availability, spawn_cluster};
use crate::common::{Backend, TestApp, ok};
use helpline_client::Client;
use helpline_core::user::Role;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    presence_reaches_seekers_and_support,
    requests_carry_their_target_and_the_server_time,
    support_finds_people_by_name
);

both_brokers!(presence_across_two_nodes);

/// Nothing called `name` arrives within a short wait.
async fn quiet(client: &mut Client, name: &str) {
    assert!(
        client
            .event_within(name, Duration::from_millis(300))
            .await
            .is_err(),
        "unexpected {name}"
    );
}

/// The next `volunteer:presence`.
async fn presence(client: &mut Client) -> Value {
    client.event("volunteer:presence").await.unwrap()
}

fn shown(volunteer: &str, availability: &str) -> Value {
    json!({
        "volunteerId": volunteer,
        "online": availability != "offline",
        "availability": availability,
    })
}

/// RFC 3339 UTC with milliseconds, like every timestamp.
#[track_caller]
fn is_server_time(value: &Value) {
    let text = value.as_str().unwrap_or_default();
    assert!(
        text.len() == 24 && text.ends_with('Z') && text.as_bytes()[19] == b'.',
        "not a timestamp: {value}"
    );
}

async fn presence_reaches_seekers_and_support(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff_account = app.create_account(Role::Support).await;
    let mut staff = app.connect(&staff_account).await;
    let seeker = app.register("seeker").await;
    let mut s = app.connect(&seeker).await;
    // A seeker who does not look at the volunteers hears nothing; one who
    // asks (the home screen) does, until they stop asking.
    let mut idle = app.connect(&app.register("seeker").await).await;
    let watching = ok(s.ack("volunteers:watch", json!({})).await.unwrap());
    assert_eq!(watching["watching"], true);
    let other = app.register("volunteer").await;
    let mut o = app.connect(&other).await;
    for client in [&mut s, &mut staff] {
        assert_eq!(presence(client).await, shown(&other.id, "available"));
    }
    quiet(&mut idle, "volunteer:presence").await;
    let ack = ok(idle
        .ack("volunteers:watch", json!({"watching": false}))
        .await
        .unwrap());
    assert_eq!(ack["watching"], false);
    let refused = o.ack("volunteers:watch", json!({})).await.unwrap();
    assert_eq!(refused["error"]["code"], "forbidden", "{refused}");
    let volunteer = app.register("volunteer").await;

    // The first socket: online, available.
    let v1 = app.connect(&volunteer).await;
    for client in [&mut s, &mut staff] {
        assert_eq!(presence(client).await, shown(&volunteer.id, "available"));
    }
    // The existing event stays.
    assert!(staff.event("support:changed").await.is_ok());
    // Volunteers do not hear it.
    quiet(&mut o, "volunteer:presence").await;

    // A second socket changes nothing.
    let v2 = app.connect(&volunteer).await;
    quiet(&mut s, "volunteer:presence").await;

    // Away, then back.
    ok(v2
        .ack("volunteer:availability", json!({"status": "away"}))
        .await
        .unwrap());
    for client in [&mut s, &mut staff] {
        assert_eq!(presence(client).await, shown(&volunteer.id, "away"));
    }
    ok(v1
        .ack("volunteer:availability", json!({"status": "available"}))
        .await
        .unwrap());
    for client in [&mut s, &mut staff] {
        assert_eq!(presence(client).await, shown(&volunteer.id, "available"));
    }

    // One socket goes: still online; the last goes: offline, once.
    v1.close();
    quiet(&mut s, "volunteer:presence").await;
    v2.close();
    for client in [&mut s, &mut staff] {
        assert_eq!(presence(client).await, shown(&volunteer.id, "offline"));
        quiet(client, "volunteer:presence").await;
    }
}

async fn requests_carry_their_target_and_the_server_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (seeker, volunteer) = (
        app.register("seeker").await,
        app.register("volunteer").await,
    );
    let mut v = app.connect(&volunteer).await;
    let mut s = app.connect(&seeker).await;

    // Made to this volunteer.
    let opened = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .unwrap());
    is_server_time(&opened["createdAt"]);
    is_server_time(&opened["serverTime"]);
    assert!(opened["serverTime"].as_str() >= opened["createdAt"].as_str());
    let incoming = v.event("seeker:incoming").await.unwrap();
    assert_eq!(incoming["targetVolunteerId"], json!(volunteer.id));
    assert_eq!(incoming["createdAt"], opened["createdAt"]);
    is_server_time(&incoming["serverTime"]);

    let status = ok(s.ack("request:status", json!({})).await.unwrap());
    assert_eq!(status["request"]["id"], opened["requestId"]);
    is_server_time(&status["serverTime"]);
    let response = s.event("request:status:response").await.unwrap();
    assert_eq!(response["request"]["id"], opened["requestId"]);
    is_server_time(&response["serverTime"]);
    ok(s.ack("request:cancel", json!({})).await.unwrap());

    // Made to anyone: the field is there, null. (The first request may
    // arrive a second time, from the offers made as the volunteer
    // connected; the app shows it once.)
    let open = ok(s
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap());
    let incoming = loop {
        let incoming = v.event("seeker:incoming").await.unwrap();
        if incoming["requestId"] == open["requestId"] {
            break incoming;
        }
    };
    assert_eq!(incoming.get("targetVolunteerId"), Some(&Value::Null));
    is_server_time(&incoming["serverTime"]);

    // No request at all: still the server's time.
    let other = app.register("seeker").await;
    let o = app.connect(&other).await;
    let none = ok(o.ack("request:status", json!({})).await.unwrap());
    assert_eq!(none["request"], Value::Null);
    is_server_time(&none["serverTime"]);
}

async fn support_finds_people_by_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let staff = app.create_account(Role::Support).await;
    let seeker = app.register("seeker").await;
    let volunteer = app.register("volunteer").await;
    let search = |q: &str| format!("/api/users?q={q}");

    // Only support, and only with a query of 1 to 64 characters.
    for token in [&seeker.token, &volunteer.token] {
        let (status, body) = app.get(&search("a"), Some(token)).await;
        assert_eq!(
            (status, body["error"]["code"].clone()),
            (403, json!("forbidden"))
        );
    }
    assert_eq!(app.get(&search("a"), None).await.0, 401);
    for bad in [
        "/api/users",
        "/api/users?q=",
        search(&"a".repeat(65)).as_str(),
    ] {
        let (status, body) = app.get(bad, Some(&staff.token)).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    assert_eq!(
        app.get(&search(&"a".repeat(64)), Some(&staff.token))
            .await
            .0,
        200
    );

    // By display name, any case; by username; with id, name and role.
    let name = seeker.user["displayName"].as_str().unwrap();
    let (status, found) = app
        .get(
            &search(&name.to_uppercase().replace(' ', "%20")),
            Some(&staff.token),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(
        found,
        json!([{"id": seeker.id, "displayName": name, "role": "seeker"}])
    );
    let username = volunteer.user["username"].as_str().unwrap();
    let (_, found) = app.get(&search(username), Some(&staff.token)).await;
    assert_eq!(found[0]["id"], json!(volunteer.id));
    assert_eq!(found[0]["role"], "volunteer");

    // `%` and `_` are plain characters (%25 is `%` in a URL).
    let (_, found) = app.get(&search("%25"), Some(&staff.token)).await;
    assert_eq!(found, json!([]));
    let (_, found) = app.get(&search("_"), Some(&staff.token)).await;
    assert_eq!(found, json!([]), "no username here has an underscore");

    // At most 20.
    for _ in 0..21 {
        app.register("seeker").await;
    }
    let (_, found) = app.get(&search("see"), Some(&staff.token)).await;
    assert_eq!(found.as_array().unwrap().len(), 20);
}

async fn presence_across_two_nodes(broker: Broker) {
    let nodes = spawn_cluster(broker, 2).await;
    let (a, b) = (&nodes[0], &nodes[1]);
    let seeker = a.register("seeker").await;
    let mut s = a.connect(&seeker).await;
    ok(s.ack("volunteers:watch", json!({"watching": true}))
        .await
        .unwrap());
    let staff_account = b.create_account(Role::Support).await;
    let mut staff = b.connect(&staff_account).await;
    let volunteer = a.register("volunteer").await;

    // Online on node b: the seeker on node a hears it once, support on b too.
    let on_b = b.connect(&volunteer).await;
    for client in [&mut s, &mut staff] {
        assert_eq!(presence(client).await, shown(&volunteer.id, "available"));
    }
    ok(on_b
        .ack("volunteer:availability", json!({"status": "away"}))
        .await
        .unwrap());
    for client in [&mut s, &mut staff] {
        assert_eq!(presence(client).await, shown(&volunteer.id, "away"));
    }
    await_availability(a, &seeker.token, &volunteer.id, "away").await;

    // A second socket on node a, then the one on b goes: still online.
    // (Node b must have heard of the socket on a first, or it would see
    // the volunteer offline for a moment, and say so.)
    let on_a = a.connect(&volunteer).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    on_b.close();
    quiet(&mut s, "volunteer:presence").await;
    quiet(&mut staff, "volunteer:presence").await;
    // Heartbeats come and go without a change.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(s.drain("volunteer:presence").is_empty());

    // The last socket anywhere goes: offline, once on each node.
    on_a.close();
    for client in [&mut s, &mut staff] {
        assert_eq!(presence(client).await, shown(&volunteer.id, "offline"));
        quiet(client, "volunteer:presence").await;
    }
}

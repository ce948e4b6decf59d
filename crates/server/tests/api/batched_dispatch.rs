//! Batched dispatch (`HELPLINE_DISPATCH=batched`): an open request reaches
//! the best-ranked few first (a companion the seeker rated well, then a
//! shared language, then the least recently helped), the next few each
//! time the widening deadline passes (once), and everyone once nobody is
//! left; each volunteer hears why it came to them, exactly one of them
//! wins, and a seeker may turn familiar-first off. On SQLite and
//! PostgreSQL, with the controllable clock.

use crate::common::{Account, Backend, TestApp, ok, refused};
use helpline_client::Client;
use helpline_server::config::Settings;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    batches_widen_on_time_in_rank_order,
    a_seeker_may_turn_familiar_first_off,
    a_batch_that_declines_passes_it_on_at_once,
);

const WIDEN: Duration = Duration::from_secs(30);

fn batched(size: usize) -> impl FnOnce(&mut Settings) {
    move |s| {
        s.dispatch = "batched".into();
        s.dispatch_batch_size = size;
        s.dispatch_widen_secs = WIDEN.as_secs();
        // Nobody is set away for letting the early batches' offers pass.
        s.max_missed_offers = 0;
    }
}

/// Nothing called `name` arrives within a moment.
async fn quiet(client: &mut Client, name: &str) {
    assert!(
        client
            .event_within(name, Duration::from_millis(300))
            .await
            .is_err(),
        "unexpected {name}"
    );
}

/// `seeker` asks for a chat; the ack.
async fn ask(client: &Client) -> Value {
    ok(client
        .ack("seeker:request", json!({"requestType": "chat"}))
        .await
        .unwrap())
}

/// `volunteer` (alone online) takes `seeker`'s next request, they end the
/// chat, and the seeker rates it `rating`.
async fn helped(app: &TestApp, seeker: &Account, volunteer: &Account, rating: Option<i64>) {
    let mut v = app.connect(volunteer).await;
    let s = app.connect(seeker).await;
    let asked = ask(&s).await;
    v.event("seeker:incoming").await.unwrap();
    let taken = ok(v
        .ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
        .await
        .unwrap());
    ok(v.ack(
        "chat:end",
        json!({"conversationId": taken["conversationId"]}),
    )
    .await
    .unwrap());
    if let Some(rating) = rating {
        let path = format!(
            "/api/requests/{}/feedback",
            asked["requestId"].as_str().unwrap()
        );
        let (status, body) = app
            .post(&path, Some(&seeker.token), json!({"rating": rating}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    v.close();
    s.close();
}

/// The offer of `request` to `client`, with nothing else before it.
async fn offered(client: &mut Client, request: &Value) -> Value {
    let offer = client.event("seeker:incoming").await.unwrap();
    assert_eq!(offer["requestId"], request["requestId"], "{offer}");
    offer
}

async fn batches_widen_on_time_in_rank_order(backend: Backend) {
    let app = TestApp::spawn_with(backend, batched(2)).await;
    let sam = app.register_speaking("seeker", &["Hindi", "en"]).await;
    let other = app.register("seeker").await;
    let fay = app.register("volunteer").await;
    let hari = app.register_speaking("volunteer", &["hindi"]).await;
    let old = app.register("volunteer").await;
    let (n1, n2, mid) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    // Sam rated Fay 5; Old helped someone else since (most recently).
    helped(&app, &sam, &fay, Some(5)).await;
    helped(&app, &other, &old, None).await;

    let mut clients = Vec::new();
    for volunteer in [&fay, &hari, &old, &n1, &n2] {
        clients.push(app.connect(volunteer).await);
    }
    let [f, h, o, a, b] = &mut clients[..] else {
        unreachable!("five clients")
    };
    let s = app.connect(&sam).await;
    let asked = ask(&s).await;
    assert_eq!(asked["onlineVolunteers"], 2, "{asked}");

    // First batch: the familiar companion, then the Hindi speaker.
    let to_fay = offered(f, &asked).await;
    assert_eq!(to_fay["why"], json!([{"kind": "familiar"}]));
    let to_hari = offered(h, &asked).await;
    assert_eq!(
        to_hari["why"],
        json!([{"kind": "language", "language": "hindi"}])
    );
    quiet(a, "seeker:incoming").await;
    // Connecting while it widens: not offered before a batch reaches her.
    let mut m = app.connect(&mid).await;
    quiet(&mut m, "seeker:incoming").await;

    // Second batch, once: the never-helped, by id.
    let mut never = [(&n1, 3), (&n2, 4), (&mid, 5)];
    never.sort_by(|x, y| x.0.id.cmp(&y.0.id));
    app.clock.advance(WIDEN);
    let (first_two, last) = (&never[..2], never[2]);
    for (_, index) in first_two {
        let client = match index {
            3 => &mut *a,
            4 => &mut *b,
            _ => &mut m,
        };
        let offer = offered(client, &asked).await;
        assert_eq!(offer["why"], json!([]), "{offer}");
    }
    quiet(o, "seeker:incoming").await;
    app.clock.advance(Duration::from_secs(1));
    quiet(f, "seeker:incoming").await;

    // Third and last batch: the one never-helped left, then Old.
    app.clock.advance(WIDEN);
    let last_client = match last.1 {
        3 => &mut *a,
        4 => &mut *b,
        _ => &mut m,
    };
    offered(last_client, &asked).await;
    offered(o, &asked).await;
    // Fully widened: a volunteer who connects now is offered it at once.
    let late = app.register("volunteer").await;
    let mut l = app.connect(&late).await;
    let to_late = offered(&mut l, &asked).await;
    assert_eq!(to_late["why"], json!([]), "no batch reached her: {to_late}");
    app.clock.advance(WIDEN);
    quiet(f, "seeker:incoming").await;

    // One winner across batches: a later batch's volunteer takes it.
    ok(
        o.ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
            .await
            .unwrap(),
    );
    refused(
        &f.ack("volunteer:accept", json!({"requestId": asked["requestId"]}))
            .await
            .unwrap(),
        "already_claimed",
    );
    let gone = h.event("request:claimed").await.unwrap();
    assert_eq!(gone["requestId"], asked["requestId"]);
}

/// Sets `preferFamiliar` for `account`; the settings as stored.
async fn prefer_familiar(app: &TestApp, account: &Account, prefer: bool) -> Value {
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/me/settings",
            Some(&account.token),
            json!({"preferFamiliar": prefer}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn a_seeker_may_turn_familiar_first_off(backend: Backend) {
    let app = TestApp::spawn_with(backend, batched(1)).await;
    let sam = app.register("seeker").await;
    let (fay, gil) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    helped(&app, &sam, &fay, Some(4)).await;
    let (_, settings) = app.get("/api/me/settings", Some(&sam.token)).await;
    assert_eq!(settings["preferFamiliar"], true, "{settings}");
    let mut f = app.connect(&fay).await;
    let mut g = app.connect(&gil).await;
    let s = app.connect(&sam).await;

    let asked = ask(&s).await;
    offered(&mut f, &asked).await;
    quiet(&mut g, "seeker:incoming").await;
    ok(
        s.ack("request:cancel", json!({"requestId": asked["requestId"]}))
            .await
            .unwrap(),
    );

    let stored = prefer_familiar(&app, &sam, false).await;
    assert_eq!(stored["preferFamiliar"], false);
    // Gil, never helped, now goes before Fay, who helped most recently.
    let asked = ask(&s).await;
    let offer = offered(&mut g, &asked).await;
    assert_eq!(offer["why"], json!([]));
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/me/settings",
            Some(&sam.token),
            json!({"preferFamiliar": "yes"}),
        )
        .await;
    assert_eq!(status, 400, "{body}");
}

async fn a_batch_that_declines_passes_it_on_at_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, batched(1)).await;
    let sam = app.register("seeker").await;
    let (ann, bob) = (
        app.register("volunteer").await,
        app.register("volunteer").await,
    );
    let mut a = app.connect(&ann).await;
    let mut b = app.connect(&bob).await;
    let s = app.connect(&sam).await;
    let asked = ask(&s).await;
    // Whoever is first (both never helped: by id) declines; the other
    // hears of it without waiting for the deadline.
    let (first, second) = if ann.id < bob.id {
        (&mut a, &mut b)
    } else {
        (&mut b, &mut a)
    };
    offered(first, &asked).await;
    ok(first
        .ack("volunteer:reject", json!({"requestId": asked["requestId"]}))
        .await
        .unwrap());
    offered(second, &asked).await;
}

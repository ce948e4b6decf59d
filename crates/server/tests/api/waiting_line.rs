//! The waiting line: each seeker with a pending request hears
//! `request:position` when their place or estimate changes (a request made,
//! taken, withdrawn), and reads them in the `request:status` answer and
//! `GET /api/requests/{id}`. On SQLite and PostgreSQL, with the
//! controllable clock.

use crate::common::{Account, Backend, TestApp, ok};
use helpline_client::Client;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(seekers_hear_where_they_stand);

/// `seeker` asks (for `target`, if any); returns the request id after the
/// first `request:position`, which must say `position` with no estimate.
async fn ask(client: &mut Client, target: Option<&Account>, position: u32) -> Value {
    let mut payload = json!({"requestType": "chat"});
    if let Some(v) = target {
        payload["volunteerId"] = json!(v.id);
    }
    let asked = ok(client.ack("seeker:request", payload).await.unwrap());
    let told = client.event("request:position").await.unwrap();
    assert_eq!(
        told,
        json!({"requestId": asked["requestId"], "position": position, "estimatedWaitSecs": null})
    );
    asked["requestId"].clone()
}

async fn seekers_hear_where_they_stand(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let vic = app.register("volunteer").await;
    let v = app.connect(&vic).await;
    let (one, two, three) = (
        app.register("seeker").await,
        app.register("seeker").await,
        app.register("seeker").await,
    );
    let (mut s1, mut s2, mut s3) = (
        app.connect(&one).await,
        app.connect(&two).await,
        app.connect(&three).await,
    );
    let first = ask(&mut s1, None, 1).await;
    let second = ask(&mut s2, None, 2).await;
    // Made to Vic: the two open ones before it are Vic's to take first too.
    let third = ask(&mut s3, Some(&vic), 3).await;

    let status = ok(s2.ack("request:status", json!({})).await.unwrap());
    assert_eq!(status["request"]["id"], second);
    assert_eq!(
        (
            status["position"].clone(),
            status["estimatedWaitSecs"].clone()
        ),
        (json!(2), Value::Null)
    );
    let path = format!("/api/requests/{}", second.as_str().unwrap());
    let (code, read) = app.get(&path, Some(&two.token)).await;
    assert_eq!(code, 200, "{read}");
    assert_eq!(
        (read["request"]["id"].clone(), read["position"].clone()),
        (second.clone(), json!(2))
    );
    // The volunteer it was offered to may read it; a stranger may not.
    let (code, _) = app.get(&path, Some(&vic.token)).await;
    assert_eq!(code, 200);
    let stranger = app.register("seeker").await;
    let (code, body) = app.get(&path, Some(&stranger.token)).await;
    assert_eq!(
        (code, body["error"]["code"].clone()),
        (404, json!("not_found")),
        "{body}"
    );
    let (code, _) = app
        .get("/api/requests/no-such-request", Some(&two.token))
        .await;
    assert_eq!(code, 404);

    // The first waited 30 s and is taken: the others move up, and now
    // there is a mean wait to estimate from.
    app.clock.advance(Duration::from_secs(30));
    ok(v.ack("volunteer:accept", json!({"requestId": first}))
        .await
        .unwrap());
    assert_eq!(
        s2.event("request:position").await.unwrap(),
        json!({"requestId": second, "position": 1, "estimatedWaitSecs": 30})
    );
    assert_eq!(
        s3.event("request:position").await.unwrap(),
        json!({"requestId": third, "position": 2, "estimatedWaitSecs": 60})
    );

    // The second is withdrawn: the third is next.
    ok(s2.ack("request:cancel", json!({})).await.unwrap());
    assert_eq!(
        s3.event("request:position").await.unwrap(),
        json!({"requestId": third, "position": 1, "estimatedWaitSecs": 30})
    );
    let status = ok(s3.ack("request:status", json!({})).await.unwrap());
    assert_eq!(
        (
            status["position"].clone(),
            status["estimatedWaitSecs"].clone()
        ),
        (json!(1), json!(30))
    );
    // A request no longer pending has no place.
    let (_, read) = app.get(&path, Some(&two.token)).await;
    assert_eq!(
        (read["request"]["status"].clone(), read["position"].clone()),
        (json!("cancelled"), Value::Null)
    );
    // Nobody else was told anything more: the first seeker's next event
    // about the line would be stale news.
    assert!(
        s1.event_within("request:position", Duration::from_millis(200))
            .await
            .is_err()
    );
}

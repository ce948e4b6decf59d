//! Check-ins: a seeker and a volunteer who have talked agree on a regular
//! time (proposed by one, accepted by the other); both hear every change,
//! a reminder ten minutes before and the time itself; the volunteer starts
//! it with one tap; one with no contact is missed, and two in a row start
//! a welfare check. Bad input is refused and changes nothing. On SQLite
//! and PostgreSQL, with the controllable clock.

use crate::common::{Backend, TestApp, session};
use helpline_core::Clock;
use helpline_core::checkins::Schedule;
use helpline_core::user::Role;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    checkins_are_agreed_reminded_missed_and_started,
    a_checkin_keeps_its_local_time_across_daylight_saving
);

fn instant(value: &Value) -> i64 {
    let text = value.as_str().unwrap_or_default();
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_millisecond())
        .unwrap_or_else(|_| panic!("not a time: {value}"))
}

async fn checkins_are_agreed_reminded_missed_and_started(backend: Backend) {
    // Weeks pass here: tokens outlive them.
    let app = TestApp::spawn_with(backend, |settings| settings.token_ttl_secs = 60 * 86_400).await;
    let sue = app.create_account(Role::Support).await;
    let mut staff = app.connect(&sue).await;
    let (seeker, volunteer, mut s, mut v, _) = session(&app).await;
    let stranger = app.register("volunteer").await;
    let body = |with: &str| {
        json!({"withUserId": with, "weekday": "tuesday", "time": "10:00",
               "timeZone": "Europe/London", "kind": "voice"})
    };

    // Bad input: refused, nothing stored.
    for (bad, code) in [
        (
            json!({"withUserId": volunteer.id, "weekday": "someday", "time": "10:00", "timeZone": "UTC", "kind": "voice"}),
            400,
        ),
        (
            json!({"withUserId": volunteer.id, "weekday": "monday", "time": "25:00", "timeZone": "UTC", "kind": "voice"}),
            400,
        ),
        (
            json!({"withUserId": volunteer.id, "weekday": "monday", "time": "10:00", "timeZone": "Mars/Base", "kind": "voice"}),
            400,
        ),
        (
            json!({"withUserId": volunteer.id, "weekday": "monday", "time": "10:00", "timeZone": "UTC", "kind": "letter"}),
            400,
        ),
        (body(&stranger.id), 403),
        (body(&sue.id), 403),
        (body("nobody"), 404),
    ] {
        let (got, answer) = app
            .post("/api/checkins", Some(&seeker.token), bad.clone())
            .await;
        assert_eq!(got, code, "{bad} → {answer}");
    }
    let (_, none) = app.get("/api/checkins", Some(&seeker.token)).await;
    assert_eq!(none, json!([]));

    // Proposed by the seeker; both hear it.
    let (code, proposed) = app
        .post("/api/checkins", Some(&seeker.token), body(&volunteer.id))
        .await;
    assert_eq!(code, 201, "{proposed}");
    assert_eq!(proposed["status"], "proposed");
    assert_eq!(proposed["time"], "10:00");
    assert_eq!(proposed["seeker"]["id"], json!(seeker.id));
    assert_eq!(
        proposed["volunteer"]["displayName"],
        volunteer.user["displayName"]
    );
    assert_eq!(proposed["nextAt"], Value::Null);
    for client in [&mut s, &mut v] {
        assert_eq!(
            client.event("checkin:changed").await.unwrap()["checkin"]["id"],
            proposed["id"]
        );
    }
    let id = proposed["id"].as_str().unwrap().to_owned();
    let path = |action: &str| format!("/api/checkins/{id}/{action}");
    // The proposer cannot accept it; strangers cannot see it.
    let (code, _) = app
        .post(&path("accept"), Some(&seeker.token), json!({}))
        .await;
    assert_eq!(code, 403);
    let (code, _) = app
        .post(&path("accept"), Some(&stranger.token), json!({}))
        .await;
    assert_eq!(code, 404);
    let (code, _) = app
        .post(&path("pause"), Some(&seeker.token), json!({}))
        .await;
    assert_eq!(code, 409);
    // Accepted: the next Tuesday 10:00 in London.
    let (code, active) = app
        .post(&path("accept"), Some(&volunteer.token), json!({}))
        .await;
    assert_eq!(
        (code, active["status"].clone()),
        (200, json!("active")),
        "{active}"
    );
    let schedule = Schedule::new("tuesday", "10:00", "Europe/London").unwrap();
    let expected = schedule.next_after(app.clock.now()).unwrap();
    assert_eq!(instant(&active["nextAt"]), expected.millis());
    s.event("checkin:changed").await.unwrap();
    v.event("checkin:changed").await.unwrap();
    let (_, listed) = app.get("/api/checkins", Some(&volunteer.token)).await;
    assert_eq!(listed[0]["status"], "active");

    // Ten minutes before: both reminded, once.
    let now = app.clock.now().millis();
    let until_reminder = (expected.millis() - now) / 1000 - 10 * 60;
    app.clock
        .advance(Duration::from_secs(until_reminder as u64));
    for client in [&mut s, &mut v] {
        assert_eq!(
            client.event("checkin:reminder").await.unwrap()["checkin"]["id"],
            json!(id)
        );
    }
    // At the time: both told; the volunteer starts it with one tap.
    app.clock.advance(Duration::from_secs(10 * 60));
    for client in [&mut s, &mut v] {
        assert_eq!(
            client.event("checkin:due").await.unwrap()["checkin"]["id"],
            json!(id)
        );
    }
    let (code, _) = app
        .post(&path("start"), Some(&seeker.token), json!({}))
        .await;
    assert_eq!(code, 403, "the volunteer starts it");
    let (code, started) = app
        .post(&path("start"), Some(&volunteer.token), json!({}))
        .await;
    assert_eq!(code, 200, "{started}");
    assert!(started["conversationId"].is_string());
    // Nobody wrote or called: missed, and moved on a week.
    app.clock.advance(Duration::from_secs(31 * 60));
    let missed = s.event("checkin:missed").await.unwrap()["checkin"].clone();
    v.event("checkin:missed").await.unwrap();
    assert_eq!(
        (
            missed["missedInARow"].clone(),
            missed["lastOutcome"].clone()
        ),
        (json!(1), json!("missed"))
    );
    assert_eq!(
        instant(&missed["nextAt"]),
        schedule.next_after(expected).unwrap().millis()
    );
    // Missed again: support gets a welfare check.
    app.clock.advance(Duration::from_secs(7 * 24 * 3600));
    let task = staff.event("support:welfare").await.unwrap()["task"].clone();
    let again = s.event("checkin:missed").await.unwrap()["checkin"].clone();
    assert_eq!(again["missedInARow"], 2);
    let (_, listed) = app.get("/api/checkins", Some(&seeker.token)).await;
    assert_eq!(
        listed[0]["missedInARow"], 0,
        "counted again after the welfare check"
    );
    assert_eq!(task["cause"], "checkins_missed", "{task}");
    assert_eq!(task["seeker"]["id"], json!(seeker.id));
    assert_eq!(task["volunteer"]["id"], json!(volunteer.id));

    // Paused, resumed, cancelled by either; each heard by both.
    let (code, paused) = app
        .post(&path("pause"), Some(&seeker.token), json!({}))
        .await;
    assert_eq!(
        (code, paused["status"].clone(), paused["nextAt"].clone()),
        (200, json!("paused"), Value::Null)
    );
    let (code, resumed) = app
        .post(&path("resume"), Some(&volunteer.token), json!({}))
        .await;
    assert_eq!((code, resumed["status"].clone()), (200, json!("active")));
    let (code, cancelled) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/checkins/{id}"),
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(
        (code, cancelled["status"].clone()),
        (200, json!("cancelled"))
    );
    let (code, _) = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/checkins/{id}"),
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(code, 409);
    let (_, left) = app.get("/api/checkins", Some(&seeker.token)).await;
    assert_eq!(left, json!([]));

    // A block ends their check-ins.
    let (_, again) = app
        .post("/api/checkins", Some(&volunteer.token), body(&seeker.id))
        .await;
    let (code, _) = app
        .post(
            &format!("/api/users/{}/block", volunteer.id),
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(code, 200);
    let (_, ended) = app.get("/api/checkins", Some(&volunteer.token)).await;
    assert_eq!(ended, json!([]), "cancelled by the block");
    let (code, _) = app
        .post(
            &format!("/api/checkins/{}/accept", again["id"].as_str().unwrap()),
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(code, 409);
}

/// A Sunday 10:00 London check-in falls at 10:00 GMT, then, once the
/// clocks go forward (28 March 2027), at 10:00 BST: an hour earlier in UTC.
async fn a_checkin_keeps_its_local_time_across_daylight_saving(backend: Backend) {
    let app = TestApp::spawn_with(backend, |settings| settings.token_ttl_secs = 400 * 86_400).await;
    let (seeker, volunteer, mut s, _v, _) = session(&app).await;
    // To Monday 15 March 2027, noon UTC.
    let monday = instant(&json!("2027-03-15T12:00:00Z"));
    let ahead = (monday - app.clock.now().millis()) / 1000;
    app.clock.advance(Duration::from_secs(ahead as u64));
    let (code, proposed) = app
        .post(
            "/api/checkins",
            Some(&volunteer.token),
            json!({"withUserId": seeker.id, "weekday": "sunday", "time": "10:00",
                   "timeZone": "Europe/London", "kind": "chat"}),
        )
        .await;
    assert_eq!(code, 201, "{proposed}");
    let id = proposed["id"].as_str().unwrap();
    let (code, active) = app
        .post(
            &format!("/api/checkins/{id}/accept"),
            Some(&seeker.token),
            json!({}),
        )
        .await;
    assert_eq!(code, 200, "{active}");
    assert_eq!(active["nextAt"], "2027-03-21T10:00:00.000Z", "10:00 GMT");
    // Past it (missed): the next one is 10:00 BST.
    app.clock.advance(Duration::from_secs(7 * 24 * 3600));
    let missed = loop {
        let event = s.event("checkin:missed").await.unwrap();
        if event["checkin"]["id"] == json!(id) {
            break event["checkin"].clone();
        }
    };
    assert_eq!(missed["nextAt"], "2027-03-28T09:00:00.000Z", "10:00 BST");
    assert_eq!(missed["lastAt"], "2027-03-21T10:00:00.000Z");
}

//! S5 claim race: one seeker and `volunteers` volunteers. Each race the
//! seeker sends an open `seeker:request`; once every volunteer has its
//! `seeker:incoming`, all of them send `volunteer:accept` at the same
//! moment. Exactly one ack may say ok (a second one is a double win); the
//! others must say `already_claimed`. The decision latency is each
//! accept's send → ack. The winner's conversation is then ended.

use super::{Outcome, Run, fleet, take, wait_until};
use crate::client::{AckFn, frame};
use crate::metrics::Recorder;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Race {
    incoming: AtomicUsize,
    answered: AtomicUsize,
    wins: AtomicUsize,
    conversation: Mutex<Option<String>>,
    odd: Mutex<Option<String>>,
    decision: Recorder,
}

/// Runs S5 with `volunteers` volunteers for `races` races.
pub async fn run(run: Run<'_>, volunteers: usize, races: usize) -> Result<Outcome, String> {
    let target = run.server.target();
    let vol_accounts = take(&run.pool.volunteers, volunteers, "volunteers")?;
    let seeker_account = take(&run.pool.seekers, 1, "seekers")?;
    let vols = fleet::connect_exact(&run.hub, &target, &vol_accounts, 0).await?;
    let seeker = fleet::connect_exact(&run.hub, &target, &seeker_account, volunteers).await?;
    let seeker = seeker.first().ok_or("no seeker")?.clone();
    let race = Arc::new(Race::default());
    let hook = race.clone();
    run.hub.on_events(Arc::new(move |conn, name, _, _| {
        if conn < volunteers && name == "seeker:incoming" {
            hook.incoming.fetch_add(1, Relaxed);
        }
    }));
    let mut out = Outcome::default();
    let whole = Recorder::default();
    let (mut double_wins, mut no_winner, mut done) = (0, 0, 0);
    for _ in 0..races {
        race.incoming.store(0, Relaxed);
        race.answered.store(0, Relaxed);
        race.wins.store(0, Relaxed);
        let ask = json!({"requestType": "chat", "topic": "daily"});
        let ack = seeker.call("seeker:request", &ask).await?;
        let request = ack["requestId"]
            .as_str()
            .ok_or_else(|| format!("seeker:request refused: {ack}"))?
            .to_owned();
        if !wait_until(LIMIT, || race.incoming.load(Relaxed) >= volunteers).await {
            out.violations.push(format!(
                "only {} of {volunteers} volunteers got seeker:incoming",
                race.incoming.load(Relaxed)
            ));
            break;
        }
        let payload = json!({ "requestId": request }).to_string();
        let fired = Instant::now();
        for vol in &vols {
            let r = race.clone();
            let on_ack: AckFn = Box::new(move |body: &str, at: Instant| {
                r.decision.record(fired, at);
                if frame::is_ok(body) {
                    r.wins.fetch_add(1, Relaxed);
                    let c = frame::str_field(body, "conversationId").map(str::to_owned);
                    *r.conversation.lock().unwrap_or_else(|e| e.into_inner()) = c;
                } else if !matches!(frame::str_field(body, "code"), Some("already_claimed")) {
                    let mut odd = r.odd.lock().unwrap_or_else(|e| e.into_inner());
                    odd.get_or_insert_with(|| body.chars().take(200).collect());
                }
                r.answered.fetch_add(1, Relaxed);
            });
            vol.emit("volunteer:accept", &payload, on_ack);
        }
        if !wait_until(LIMIT, || race.answered.load(Relaxed) >= volunteers).await {
            out.violations.push("not every accept was answered".into());
            break;
        }
        whole.record(fired, Instant::now());
        match race.wins.load(Relaxed) {
            1 => {}
            0 => no_winner += 1,
            n => double_wins += n - 1,
        }
        let conversation = race
            .conversation
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(conversation) = conversation {
            let ended = seeker
                .call("chat:end", &json!({ "conversationId": conversation }))
                .await?;
            out.expect(ended["ok"] == true, || format!("chat:end: {ended}"));
        }
        done += 1;
    }
    run.hub.ignore_events();
    out.set("races", done as f64);
    out.set("double_wins", double_wins as f64);
    out.set("races_without_winner", no_winner as f64);
    race.decision.quantiles_into(&mut out.metrics, "decision");
    whole.quantiles_into(&mut out.metrics, "race");
    out.expect(double_wins == 0, || format!("{double_wins} double wins"));
    out.expect(no_winner == 0, || {
        format!("{no_winner} races without a winner")
    });
    if let Some(odd) = race.odd.lock().unwrap_or_else(|e| e.into_inner()).take() {
        out.violations
            .push(format!("a losing accept got {odd}, not already_claimed"));
    }
    Ok(out)
}

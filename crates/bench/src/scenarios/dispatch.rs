//! S4 dispatch: one seeker and `volunteers` online, available volunteers.
//! Each round the seeker sends one open `seeker:request`; the round's
//! times are from that send until the first and until the last volunteer
//! told has read its `seeker:incoming`. The request is then cancelled and
//! every told volunteer's `request:cancelled` awaited before the next
//! round, so rounds never overlap. Under ring_all every volunteer is told;
//! with `batch` (the server started with `HELPLINE_DISPATCH=batched`) the
//! first batch only, the rounds ending long before it widens.

use super::{Outcome, Run, fleet, take, wait_until};
use crate::metrics::Recorder;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Round {
    incoming: AtomicUsize,
    cancelled: AtomicUsize,
    first: Mutex<Option<Instant>>,
    last: Mutex<Option<Instant>>,
}

/// Runs S4 with `volunteers` volunteers for `requests` rounds; `batch`:
/// the server offers each request to that many first.
pub async fn run(
    run: Run<'_>,
    volunteers: usize,
    requests: usize,
    batch: Option<usize>,
) -> Result<Outcome, String> {
    let told = batch.map_or(volunteers, |b| b.min(volunteers));
    let target = run.server.target();
    let vol_accounts = take(&run.pool.volunteers, volunteers, "volunteers")?;
    let seeker_account = take(&run.pool.seekers, 1, "seekers")?;
    let _vols = fleet::connect_exact(&run.hub, &target, &vol_accounts, 0).await?;
    let seeker = fleet::connect_exact(&run.hub, &target, &seeker_account, volunteers).await?;
    let seeker = seeker.first().ok_or("no seeker")?.clone();
    let round = Arc::new(Round::default());
    let hook = round.clone();
    run.hub.on_events(Arc::new(move |conn, name, _, at| {
        if conn >= volunteers {
            return;
        }
        match name {
            "seeker:incoming" => {
                hook.incoming.fetch_add(1, Relaxed);
                let mut first = hook.first.lock().unwrap_or_else(|e| e.into_inner());
                *first = Some(first.map_or(at, |f| f.min(at)));
                drop(first);
                let mut last = hook.last.lock().unwrap_or_else(|e| e.into_inner());
                *last = Some(last.map_or(at, |l| l.max(at)));
            }
            "request:cancelled" => {
                hook.cancelled.fetch_add(1, Relaxed);
            }
            _ => {}
        }
    }));
    let latency = Recorder::default();
    let first_latency = Recorder::default();
    let mut out = Outcome::default();
    let cpu0 = run.server.cpu_seconds()?;
    let started = Instant::now();
    let mut completed = 0;
    for _ in 0..requests {
        round.incoming.store(0, Relaxed);
        round.cancelled.store(0, Relaxed);
        *round.first.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *round.last.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let sent = Instant::now();
        let ack = seeker
            .call(
                "seeker:request",
                &json!({"requestType": "chat", "topic": "daily"}),
            )
            .await?;
        let offered = ack["onlineVolunteers"].as_u64().unwrap_or(0) as usize;
        if !wait_until(LIMIT, || round.incoming.load(Relaxed) >= told).await {
            out.violations.push(format!(
                "only {} of {told} volunteers got seeker:incoming (ack: {ack})",
                round.incoming.load(Relaxed)
            ));
            break;
        }
        if let Some(first) = *round.first.lock().unwrap_or_else(|e| e.into_inner()) {
            first_latency.record(sent, first);
        }
        if let Some(last) = *round.last.lock().unwrap_or_else(|e| e.into_inner()) {
            latency.record(sent, last);
        }
        out.expect(offered == told, || {
            format!("onlineVolunteers was {offered}, {told} expected")
        });
        let cancelled = seeker.call("request:cancel", &json!({})).await?;
        out.expect(cancelled["ok"] == true, || {
            format!("request:cancel: {cancelled}")
        });
        if !wait_until(LIMIT, || round.cancelled.load(Relaxed) >= told).await {
            out.violations.push(format!(
                "only {} of {told} volunteers got request:cancelled",
                round.cancelled.load(Relaxed)
            ));
            break;
        }
        completed += 1;
    }
    let cpu = run.server.cpu_seconds()? - cpu0;
    run.hub.ignore_events();
    out.set("requests", completed as f64);
    out.set(
        "rounds_per_sec",
        completed as f64 / started.elapsed().as_secs_f64(),
    );
    out.set(
        "server_cpu_ms_per_round",
        cpu * 1000.0 / completed.max(1) as f64,
    );
    latency.quantiles_into(&mut out.metrics, "last_incoming");
    first_latency.quantiles_into(&mut out.metrics, "first_incoming");
    Ok(out)
}

//! S2 connect storm: `n` clients (half seekers, half volunteers, none in a
//! conversation) connect and authenticate as fast as the generator can
//! open them, `concurrency` handshakes in flight at a time. Measures
//! connections per second (wall clock, first SYN to last CONNECT) and the
//! latency of each handshake (TCP connect → websocket upgrade → Engine.IO
//! open → Socket.IO CONNECT with the token → CONNECT answer).

use super::{Outcome, Run, fleet, take};
use crate::metrics::Recorder;
use std::time::Instant;

/// Runs S2 with `n` clients.
pub async fn run(run: Run<'_>, n: usize, concurrency: usize) -> Result<Outcome, String> {
    let seekers = take(&run.pool.seekers, n / 2, "seekers")?;
    let volunteers = take(&run.pool.volunteers, n - n / 2, "volunteers")?;
    // Interleave roles, as real traffic would.
    let mut accounts = Vec::with_capacity(n);
    for (i, volunteer) in volunteers.iter().enumerate() {
        accounts.push(*volunteer);
        if let Some(s) = seekers.get(i) {
            accounts.push(*s);
        }
    }
    let timing = Recorder::default();
    let cpu_before = run.server.cpu_seconds()?;
    let started = Instant::now();
    let (conns, errors) = fleet::connect_all(
        &run.hub,
        &run.server.target(),
        &accounts,
        0,
        concurrency,
        Some(&timing),
    )
    .await;
    let wall = started.elapsed().as_secs_f64();
    let cpu = run.server.cpu_seconds()? - cpu_before;
    run.server.check_alive()?;
    let mut out = Outcome::default();
    out.set("connected", conns.len() as f64);
    out.set("failed", errors.len() as f64);
    out.set("conns_per_sec", conns.len() as f64 / wall);
    out.set("server_cpu_s", cpu);
    out.set("conns_per_cpu_s", conns.len() as f64 / cpu.max(1e-3));
    timing.quantiles_into(&mut out.metrics, "connect");
    out.expect(errors.is_empty(), || {
        format!(
            "{} of {n} connections failed, first: {}",
            errors.len(),
            errors.first().map(String::as_str).unwrap_or_default()
        )
    });
    fleet::close_all(&conns).await;
    Ok(out)
}

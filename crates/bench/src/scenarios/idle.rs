//! S1 idle: `n` connected, authenticated clients, each in a two-person
//! conversation (n/2 seekers, n/2 volunteers, paired through the protocol),
//! then quiet. Measures the server's resident memory per connection: RSS
//! after everyone is connected and paired minus RSS before the first
//! connection, divided by `n`; and the peak RSS.

use super::{Outcome, Run, fleet, take};
use std::time::{Duration, Instant};

/// Runs S1 with `n` clients.
pub async fn run(run: Run<'_>, n: usize) -> Result<Outcome, String> {
    let pairs = n / 2;
    let seekers = take(&run.pool.seekers, pairs, "seekers")?;
    let volunteers = take(&run.pool.volunteers, pairs, "volunteers")?;
    let settle = Duration::from_millis(if run.smoke { 200 } else { 2000 });
    tokio::time::sleep(settle).await;
    let before = run.server.rss()?;
    crate::metrics::reset_peak(run.server.pid);
    let started = Instant::now();
    let target = run.server.target();
    let v = fleet::connect_exact(&run.hub, &target, &volunteers, 0).await?;
    let s = fleet::connect_exact(&run.hub, &target, &seekers, pairs).await?;
    let conversations = fleet::pair_up(&s, &v).await?;
    let setup = started.elapsed().as_secs_f64();
    tokio::time::sleep(settle).await;
    run.server.check_alive()?;
    let after = run.server.rss()?;
    let peak = run.server.peak_rss()?;
    let mut out = Outcome::default();
    let connected = v.len() + s.len();
    out.set("connections", connected as f64);
    out.set("conversations", conversations.len() as f64);
    out.set("rss_before_mb", before as f64 / 1048576.0);
    out.set("rss_mb", after as f64 / 1048576.0);
    out.set("peak_rss_mb", peak as f64 / 1048576.0);
    out.set(
        "rss_per_conn_kb",
        after.saturating_sub(before) as f64 / 1024.0 / connected.max(1) as f64,
    );
    out.set("setup_secs", setup);
    let dropped = run.hub.dropped.load(std::sync::atomic::Ordering::Relaxed);
    out.expect(dropped == 0, || format!("{dropped} connections dropped"));
    out.expect(conversations.len() == pairs, || {
        format!("{} of {pairs} conversations made", conversations.len())
    });
    fleet::close_all(&v).await;
    fleet::close_all(&s).await;
    Ok(out)
}

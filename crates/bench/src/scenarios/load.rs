//! The runs built on [`chat::Chat`]: S3's saturation and its latency sweep
//! over offered load, and S6's storage throughput.

use super::chat;
use super::{Outcome, Run};
use std::time::Duration;

/// S3 saturation: `conversations` pairs, closed loop, `window` in flight per
/// client, `secs` measured. Headline: delivered messages per server CPU s.
pub async fn saturation(
    run: Run<'_>,
    conversations: usize,
    window: usize,
    secs: f64,
) -> Result<Outcome, String> {
    let chat = chat::setup(&run, conversations).await?;
    let warmup = Duration::from_secs_f64((secs / 5.0).clamp(0.2, 3.0));
    let out = chat.saturate(run.server, window, warmup, secs).await;
    run.hub.ignore_events();
    out
}

/// The metric prefix of one offered rate (msgs/s).
pub fn rate_key(rate: f64) -> String {
    format!("at{}_", rate.round() as u64)
}

/// S3 latency against offered load: each rate in ascending order for
/// `secs`, open loop; stops after the first rate the server cannot keep up
/// with (achieved < 90 % of offered, or p99 send→ack over a second).
/// `fixed` is the headline rate, whose metrics are also stored as
/// `fixed_…`.
pub async fn sweep(
    run: Run<'_>,
    conversations: usize,
    rates: &[f64],
    fixed: f64,
    secs: f64,
) -> Result<Outcome, String> {
    let chat = chat::setup(&run, conversations).await?;
    let warmup = Duration::from_secs_f64((secs / 5.0).clamp(0.2, 2.0));
    let mut out = Outcome::default();
    for &rate in rates {
        let prefix = rate_key(rate);
        let m = chat
            .at_rate(run.server, rate, warmup, secs, &prefix)
            .await?;
        let achieved = m
            .get(&format!("{prefix}achieved_per_sec"))
            .copied()
            .unwrap_or(0.0);
        let p99 = m
            .get(&format!("{prefix}ack_p99_ms"))
            .copied()
            .unwrap_or(f64::MAX);
        if (rate - fixed).abs() < 0.5 {
            for (key, value) in &m {
                let plain = key.strip_prefix(&prefix).unwrap_or(key);
                out.set(&format!("fixed_{plain}"), *value);
            }
        }
        out.metrics.extend(m);
        if achieved < 0.9 * rate || p99 > 1000.0 {
            out.set("saturated_at_per_sec", rate);
            break;
        }
    }
    run.hub.ignore_events();
    Ok(out)
}

/// S6 storage: `conversations` pairs, closed loop with `window` in flight
/// per client for `secs`; every ack means the message is durably stored, so
/// acked messages per second are persisted messages per second.
pub async fn storage(
    run: Run<'_>,
    conversations: usize,
    window: usize,
    secs: f64,
) -> Result<Outcome, String> {
    let chat = chat::setup(&run, conversations).await?;
    let warmup = Duration::from_secs_f64((secs / 5.0).clamp(0.2, 3.0));
    let mut out = chat.saturate(run.server, window, warmup, secs).await?;
    if let Some(v) = out.metrics.get("acked_per_sec").copied() {
        out.set("persisted_per_sec", v);
    }
    run.hub.ignore_events();
    Ok(out)
}

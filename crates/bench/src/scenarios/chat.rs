//! S3 chat (and the engine of S6): two-person conversations exchanging
//! 100-byte messages, each acknowledged after durable storage.
//!
//! Two ways to drive them. [`Chat::saturate`] is closed-loop: every client
//! keeps `window` messages in flight, sending the next as soon as one is
//! acked; it finds the server's maximum and its delivered messages per CPU
//! second. [`Chat::at_rate`] is open-loop: messages are scheduled at a fixed
//! rate, round-robin over all clients, and every latency is measured from
//! the message's *intended* send time, so a stalled server or generator
//! cannot hide its queueing (coordinated omission corrected, as wrk2 does).
//! The send time travels in the `clientMessageId`, which the server echoes
//! in the ack and in `message:new`.

use super::{Outcome, Run, fleet, take};
use crate::client::{Conn, frame};
use crate::metrics::{Metrics, Recorder};
use crate::servers::Running;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long sending may lag before the backlog is considered drained.
const DRAIN: Duration = Duration::from_secs(120);

/// Per conversation: lowest and highest acked seq, and how many acks.
#[derive(Clone, Copy, Default)]
struct Span {
    min: i64,
    max: i64,
    count: i64,
}

/// Conversations under load and their counters.
pub struct Chat {
    sides: Vec<Conn>,
    side_of: Vec<usize>,
    prefix: Vec<String>,
    t0: Instant,
    /// Latencies count only for messages intended at or after this (µs).
    measure_from: AtomicU64,
    stop: AtomicBool,
    counter: AtomicU64,
    sent: AtomicU64,
    acked: AtomicU64,
    refused: AtomicU64,
    delivered: AtomicU64,
    ack_lat: Recorder,
    del_lat: Recorder,
    spans: Mutex<Vec<Span>>,
    first_refusal: Mutex<Option<String>>,
}

/// Connects `conversations` pairs and makes their conversations; events
/// go to the returned [`Chat`].
pub async fn setup(run: &Run<'_>, conversations: usize) -> Result<Arc<Chat>, String> {
    let seekers = take(&run.pool.seekers, conversations, "seekers")?;
    let volunteers = take(&run.pool.volunteers, conversations, "volunteers")?;
    // In a cluster (S7, S8) the conversations are spread over the nodes in
    // equal runs, each seeker on one node and their volunteer on the next.
    let targets = run.server.targets();
    let chunk = conversations.div_ceil(targets.len()).max(1);
    let (mut v, mut s) = (Vec::new(), Vec::new());
    for (c, (seekers, volunteers)) in seekers
        .chunks(chunk)
        .zip(volunteers.chunks(chunk))
        .enumerate()
    {
        let first = c * chunk;
        let (here, next) = (&targets[c], &targets[(c + 1) % targets.len()]);
        v.extend(fleet::connect_exact(&run.hub, next, volunteers, first).await?);
        s.extend(fleet::connect_exact(&run.hub, here, seekers, conversations + first).await?);
    }
    let pairs = fleet::pair_up(&s, &v).await?;
    let content = "x".repeat(100);
    let mut sides = Vec::with_capacity(pairs.len() * 2);
    let mut prefix = Vec::with_capacity(pairs.len() * 2);
    let mut side_of = vec![usize::MAX; conversations * 2];
    for pair in &pairs {
        for conn in [&pair.seeker, &pair.volunteer] {
            side_of[conn.index] = sides.len();
            sides.push(conn.clone());
            let head =
                json!({"conversationId": pair.conversation, "content": content, "type": "text"});
            let head = head.to_string();
            let head = head.strip_suffix('}').unwrap_or(&head).to_owned();
            prefix.push(format!("{head},\"clientMessageId\":\""));
        }
    }
    let chat = Arc::new(Chat {
        spans: Mutex::new(vec![Span::default(); pairs.len()]),
        sides,
        side_of,
        prefix,
        t0: Instant::now(),
        measure_from: AtomicU64::new(u64::MAX),
        stop: AtomicBool::new(false),
        counter: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        acked: AtomicU64::new(0),
        refused: AtomicU64::new(0),
        delivered: AtomicU64::new(0),
        ack_lat: Recorder::default(),
        del_lat: Recorder::default(),
        first_refusal: Mutex::new(None),
    });
    let hook = chat.clone();
    run.hub.on_events(Arc::new(move |conn, name, body, at| {
        if name == "message:new" {
            hook.on_message(conn, body, at);
        }
    }));
    Ok(chat)
}

impl Chat {
    fn micros(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.t0).as_micros() as u64
    }

    fn send(self: &Arc<Self>, side: usize, intended: Instant, chain: bool) {
        let n = self.counter.fetch_add(1, Relaxed);
        let us = self.micros(intended);
        let payload = format!("{}{side}-{n}-{us}\"}}", self.prefix[side]);
        self.sent.fetch_add(1, Relaxed);
        let me = self.clone();
        let on_ack = Box::new(move |body: &str, at: Instant| me.on_ack(side, us, chain, body, at));
        self.sides[side].emit("message:send", &payload, on_ack);
    }

    fn on_ack(self: &Arc<Self>, side: usize, us: u64, chain: bool, body: &str, at: Instant) {
        if frame::is_ok(body) {
            self.acked.fetch_add(1, Relaxed);
            if us >= self.measure_from.load(Relaxed) {
                self.ack_lat
                    .record_duration(Duration::from_micros(self.micros(at).saturating_sub(us)));
            }
            if let Some(seq) = frame::int_field(body, "seq") {
                let mut spans = self.spans.lock().unwrap_or_else(|e| e.into_inner());
                let span = &mut spans[side / 2];
                span.min = if span.count == 0 {
                    seq
                } else {
                    span.min.min(seq)
                };
                span.max = span.max.max(seq);
                span.count += 1;
            }
        } else {
            self.refused.fetch_add(1, Relaxed);
            let mut first = self.first_refusal.lock().unwrap_or_else(|e| e.into_inner());
            first.get_or_insert_with(|| body.chars().take(200).collect());
        }
        if chain && !self.stop.load(Relaxed) {
            self.send(side, Instant::now(), true);
        }
    }

    fn on_message(&self, conn: usize, body: &str, at: Instant) {
        let Some(id) = frame::str_field(body, "clientMessageId") else {
            return;
        };
        let mut parts = id.split('-');
        let (Some(from), Some(_), Some(us)) = (parts.next(), parts.next(), parts.next()) else {
            return;
        };
        let (Ok(from), Ok(us)) = (from.parse::<usize>(), us.parse::<u64>()) else {
            return;
        };
        if self.side_of.get(conn) == Some(&from) {
            return; // the sender's own copy
        }
        self.delivered.fetch_add(1, Relaxed);
        if us >= self.measure_from.load(Relaxed) {
            self.del_lat
                .record_duration(Duration::from_micros(self.micros(at).saturating_sub(us)));
        }
    }

    /// Closed loop with `window` messages in flight per client: `warmup`,
    /// then `secs` measured.
    pub async fn saturate(
        self: &Arc<Self>,
        server: &mut Running,
        window: usize,
        warmup: Duration,
        secs: f64,
    ) -> Result<Outcome, String> {
        self.stop.store(false, Relaxed);
        let now = Instant::now();
        for side in 0..self.sides.len() {
            for _ in 0..window {
                self.send(side, now, true);
            }
        }
        tokio::time::sleep(warmup).await;
        let window_start = Instant::now();
        self.measure_from.store(self.micros(window_start), Relaxed);
        let (cpu0, acked0, delivered0) = (server.cpu_seconds()?, self.acked(), self.delivered());
        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        let elapsed = window_start.elapsed().as_secs_f64();
        let (cpu1, acked1, delivered1) = (server.cpu_seconds()?, self.acked(), self.delivered());
        self.stop.store(true, Relaxed);
        let mut out = Outcome::default();
        let cpu = (cpu1 - cpu0).max(1e-3);
        out.set("acked_per_sec", (acked1 - acked0) as f64 / elapsed);
        out.set(
            "delivered_per_sec",
            (delivered1 - delivered0) as f64 / elapsed,
        );
        out.set("server_cpu_util", cpu / elapsed);
        out.set(
            "delivered_per_cpu_s",
            (delivered1 - delivered0) as f64 / cpu,
        );
        self.ack_lat.quantiles_into(&mut out.metrics, "closed_ack");
        self.drain(server, &mut out).await?;
        Ok(out)
    }

    /// Open loop at `rate` messages per second: `warmup`, then `secs`
    /// measured; all metric names get `prefix`.
    pub async fn at_rate(
        self: &Arc<Self>,
        server: &mut Running,
        rate: f64,
        warmup: Duration,
        secs: f64,
        prefix: &str,
    ) -> Result<Metrics, String> {
        self.ack_lat.reset();
        self.del_lat.reset();
        let start = Instant::now();
        let window_start = start + warmup;
        self.measure_from.store(self.micros(window_start), Relaxed);
        let total = (rate * (warmup.as_secs_f64() + secs)).ceil() as u64;
        let interval = 1.0 / rate;
        let mut marks: Option<(f64, u64, Instant)> = None;
        let mut i = 0_u64;
        while i < total {
            let now = Instant::now();
            let due = (((now - start).as_secs_f64() / interval) as u64 + 1).min(total);
            while i < due {
                let intended = start + Duration::from_secs_f64(i as f64 * interval);
                self.send((i % self.sides.len() as u64) as usize, intended, false);
                i += 1;
            }
            if marks.is_none() && now >= window_start {
                marks = Some((server.cpu_seconds()?, self.acked(), now));
            }
            let next = start + Duration::from_secs_f64(i as f64 * interval);
            if next > now + Duration::from_millis(2) {
                tokio::time::sleep_until((next - Duration::from_millis(1)).into()).await;
            } else {
                tokio::task::yield_now().await;
            }
        }
        let (cpu0, acked0, t0) = marks.unwrap_or((server.cpu_seconds()?, self.acked(), start));
        let (cpu1, acked1) = (server.cpu_seconds()?, self.acked());
        let elapsed = t0.elapsed().as_secs_f64().max(1e-3);
        let mut out = Outcome::default();
        self.drain(server, &mut out).await?;
        let mut m = Metrics::new();
        m.insert(format!("{prefix}offered_per_sec"), rate);
        m.insert(
            format!("{prefix}achieved_per_sec"),
            (acked1 - acked0) as f64 / elapsed,
        );
        m.insert(format!("{prefix}server_cpu_util"), (cpu1 - cpu0) / elapsed);
        self.ack_lat.quantiles_into(&mut m, &format!("{prefix}ack"));
        self.del_lat
            .quantiles_into(&mut m, &format!("{prefix}delivery"));
        if let Some(v) = out.violations.first() {
            return Err(v.clone());
        }
        Ok(m)
    }

    fn acked(&self) -> u64 {
        self.acked.load(Relaxed)
    }

    fn delivered(&self) -> u64 {
        self.delivered.load(Relaxed)
    }

    /// Waits until every sent message is acked and delivered, then checks
    /// the counts and that each conversation's acked seqs are gapless.
    async fn drain(&self, server: &mut Running, out: &mut Outcome) -> Result<(), String> {
        let deadline = Instant::now() + DRAIN;
        loop {
            let answered = self.acked() + self.refused.load(Relaxed);
            let sent = self.sent.load(Relaxed);
            if answered == sent && self.delivered() >= self.acked() {
                break;
            }
            if Instant::now() > deadline {
                server.check_alive()?;
                out.violations.push(format!(
                    "after {DRAIN:?}: {sent} sent, {answered} acked, {} delivered",
                    self.delivered()
                ));
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let refused = self.refused.load(Relaxed);
        let first = self
            .first_refusal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        out.expect(refused == 0, || {
            format!(
                "{refused} sends refused, first: {}",
                first.unwrap_or_default()
            )
        });
        let delivered = self.delivered();
        let acked = self.acked();
        out.expect(delivered == acked, || {
            format!("{acked} messages acked but {delivered} delivered to the other participant")
        });
        let spans = self.spans.lock().unwrap_or_else(|e| e.into_inner());
        let gapped = spans
            .iter()
            .filter(|s| s.count > 0 && s.max - s.min + 1 != s.count)
            .count();
        out.expect(gapped == 0, || {
            format!("{gapped} conversations have duplicate or missing seqs")
        });
        out.set("messages_acked", acked as f64);
        Ok(())
    }
}

//! Several nodes as one live system. Every node publishes what it fans
//! out (events, room changes, presence) on one broker channel and delivers
//! what the others publish to its own sockets, so a user on node B hears
//! what happens on node A exactly as if both were on one node. Decisions
//! stay in the database; the broker only carries news
//! ([decision 0025](../../../docs/decisions/0025-cluster-fan-out-on-a-broker.md)).
//!
//! [`Cluster::join`] connects and subscribes before the node serves, so no
//! news is missed from its first socket on; [`Cluster::run`] starts the
//! publisher, the inbox and the heartbeat once the app is built.

pub mod broker;
mod inbox;
pub mod news;
pub mod outbox;

use crate::app::App;
use crate::config::Settings;
use broker::{Broker, BrokerError};
use bytes::Bytes;
use futures::stream::BoxStream;
use news::{News, NodeId};
use outbox::Outbox;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How often a node announces everyone connected to it.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// Heartbeats a node may miss before the others forget it (and its users
/// go offline unless connected elsewhere): 15 s.
const MISSED_HEARTBEATS: u32 = 3;

/// Refuses settings a cluster cannot run on.
pub fn check_settings(settings: &Settings) -> Result<(), String> {
    let name_ok = !settings.cluster_name.is_empty()
        && settings.cluster_name.len() <= 64
        && settings
            .cluster_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !name_ok {
        return Err("the cluster name must be 1-64 letters, digits, '-' or '_'".into());
    }
    match &settings.broker_url {
        None => Ok(()),
        Some(url) if !broker::known_scheme(url) => Err(BrokerError::Scheme.to_string()),
        Some(_) if !settings.database_url.starts_with("postgres") => {
            Err("a broker joins nodes that share one PostgreSQL database; \
             set a postgres:// database URL, or unset the broker URL for one node"
                .into())
        }
        Some(_) => Ok(()),
    }
}

/// This node's membership of a cluster: connected, subscribed, not yet running.
pub struct Cluster {
    node: NodeId,
    broker: Arc<dyn Broker>,
    channel: String,
    outbox: Outbox,
    waiting: mpsc::Receiver<News>,
    heard: BoxStream<'static, Bytes>,
    heartbeat: Duration,
}

/// The running parts of a cluster membership, stopped by [`Running::stop`].
pub struct Running {
    outbox: Outbox,
    publisher: JoinHandle<()>,
    close_publisher: watch::Sender<bool>,
    listeners: Vec<JoinHandle<()>>,
    stop: watch::Sender<bool>,
}

impl Cluster {
    /// Connects to the settings' broker and subscribes to the cluster's
    /// channel; `None` without a broker (one node).
    pub async fn join(settings: &Settings) -> Result<Option<Self>, BrokerError> {
        let Some(url) = &settings.broker_url else {
            return Ok(None);
        };
        let broker = broker::connect(url).await?;
        let channel = format!("{}.news", settings.cluster_name);
        let heard = broker.subscribe(&channel).await?;
        let (outbox, waiting) = Outbox::new();
        let node = rand::random::<u128>();
        tracing::info!(node = %format!("{node:032x}"), %channel, "joined the cluster");
        Ok(Some(Self {
            node,
            broker,
            channel,
            outbox,
            waiting,
            heard,
            heartbeat: Duration::from_millis(settings.cluster_heartbeat_ms),
        }))
    }

    /// The broker's shared token buckets, if it keeps them (Redis).
    pub fn shared_buckets(&self) -> Option<Arc<dyn broker::SharedBuckets>> {
        self.broker.shared_buckets()
    }

    /// Where this node's news goes.
    pub fn outbox(&self) -> Outbox {
        self.outbox.clone()
    }

    /// Starts publishing, listening and the heartbeat for `app`.
    pub fn run(self, app: App) -> Running {
        let (stop, stopped) = watch::channel(false);
        let (close_publisher, publisher_closing) = watch::channel(false);
        let publisher = tokio::spawn(outbox::publish(
            self.broker,
            self.channel,
            self.node,
            self.waiting,
            self.outbox.loss_counters(),
            publisher_closing,
        ));
        // Announce this node at once: the others answer with theirs.
        app.presence.announce_snapshot();
        let echo = Echo::default();
        let inbox = tokio::spawn(inbox::listen(
            app.clone(),
            self.node,
            self.heard,
            echo.clone(),
            stopped.clone(),
        ));
        let heartbeat = tokio::spawn(heartbeat(app, self.heartbeat, echo, stopped));
        Running {
            outbox: self.outbox,
            publisher,
            close_publisher,
            listeners: vec![inbox, heartbeat],
            stop,
        }
    }
}

/// When this node last heard its own news come back through the broker:
/// the proof that it hears the others at all.
#[derive(Clone)]
pub struct Echo {
    since: Instant,
    /// Milliseconds after `since`; 0 until the first echo.
    heard_ms: Arc<AtomicU64>,
}

impl Default for Echo {
    fn default() -> Self {
        Self {
            since: Instant::now(),
            heard_ms: Arc::default(),
        }
    }
}

impl Echo {
    /// This node's own news just came back.
    pub fn heard(&self) {
        let ms = self.since.elapsed().as_millis().max(1) as u64;
        self.heard_ms.store(ms, Ordering::Relaxed);
    }

    /// Whether the last echo came at or after `cutoff`.
    fn since(&self, cutoff: Instant) -> bool {
        match self.heard_ms.load(Ordering::Relaxed) {
            0 => false,
            ms => self.since + Duration::from_millis(ms) >= cutoff,
        }
    }
}

impl Running {
    /// Stops listening, tells the others this node leaves, publishes what
    /// is queued (for two seconds at most), stops.
    pub async fn stop(self) {
        self.stop.send_replace(true);
        for task in self.listeners {
            if let Err(error) = task.await {
                tracing::warn!(%error, "a cluster task ended badly");
            }
        }
        self.outbox.send(News::Leaving);
        self.close_publisher.send_replace(true);
        if tokio::time::timeout(Duration::from_secs(2), self.publisher)
            .await
            .is_err()
        {
            tracing::debug!("news still queued for the broker at shutdown");
        }
    }
}

/// Every heartbeat: announce this node's users, and forget the nodes not
/// heard from for [`MISSED_HEARTBEATS`] heartbeats — unless this node
/// itself heard nothing back in that time (its own link to the broker is
/// down or behind): then the silence is its own, and the others are kept.
async fn heartbeat(app: App, every: Duration, echo: Echo, mut stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut deaf = false;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped.changed() => return,
        }
        app.presence.announce_snapshot();
        let Some(cutoff) = Instant::now().checked_sub(every * MISSED_HEARTBEATS) else {
            continue;
        };
        if !echo.since(cutoff) {
            if !deaf {
                tracing::warn!(
                    "this node hears nothing back from the broker; other nodes are kept"
                );
            }
            deaf = true;
            continue;
        }
        if deaf {
            tracing::info!("this node hears the broker again");
            deaf = false;
        }
        let gone = app.presence.expire(cutoff);
        inbox::users_gone(&app, gone).await;
    }
}

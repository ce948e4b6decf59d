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
        let publisher = tokio::spawn(outbox::publish(
            self.broker,
            self.channel,
            self.node,
            self.waiting,
            self.outbox.loss_counters(),
        ));
        // Announce this node at once: the others answer with theirs.
        self.outbox
            .send(News::Snapshot(app.presence.local_snapshot()));
        let inbox = tokio::spawn(inbox::listen(
            app.clone(),
            self.node,
            self.heard,
            stopped.clone(),
        ));
        let heartbeat = tokio::spawn(heartbeat(app, self.heartbeat, stopped));
        Running {
            outbox: self.outbox,
            publisher,
            listeners: vec![inbox, heartbeat],
            stop,
        }
    }
}

impl Running {
    /// Tells the others this node leaves, publishes what is queued, stops.
    pub async fn stop(self) {
        self.outbox.send(News::Leaving);
        self.stop.send_replace(true);
        for task in self.listeners {
            if let Err(error) = task.await {
                tracing::warn!(%error, "a cluster task ended badly");
            }
        }
        // The publisher ends once every outbox clone is gone (the app's
        // with the app); it is given a moment to flush, not forever.
        drop(self.outbox);
        if tokio::time::timeout(Duration::from_secs(2), self.publisher)
            .await
            .is_err()
        {
            tracing::debug!("news still queued for the broker at shutdown");
        }
    }
}

/// Every heartbeat: announce this node's users, and forget the nodes not
/// heard from for [`MISSED_HEARTBEATS`] heartbeats.
async fn heartbeat(app: App, every: Duration, mut stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = stopped.changed() => return,
        }
        if let Some(outbox) = app.fanout.outbox() {
            outbox.send(News::Snapshot(app.presence.local_snapshot()));
        }
        let Some(cutoff) = Instant::now().checked_sub(every * MISSED_HEARTBEATS) else {
            continue;
        };
        let gone = app.presence.expire(cutoff);
        inbox::users_gone(&app, gone).await;
    }
}

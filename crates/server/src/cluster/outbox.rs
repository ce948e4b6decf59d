//! This node's news on its way to the broker. Sending never waits: news
//! goes into a bounded queue, and one task publishes it in order. When the
//! broker is down or slower than the news, the queue fills and further
//! news is dropped and counted; the database already holds everything that
//! matters, and clients converge through `message:sync`.

use super::broker::Broker;
use super::news::{Envelope, News, NodeId};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{mpsc, watch};

/// News waiting for the broker before more is dropped.
const QUEUE: usize = 65_536;
/// News published at once (in order) when several are waiting.
const BATCH: usize = 256;

/// Counts of news that did not reach the broker.
#[derive(Debug, Default)]
pub struct Losses {
    /// Dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Refused or timed out by the broker.
    pub failed: AtomicU64,
}

/// Where fan-out and presence put news for the other nodes.
#[derive(Debug, Clone)]
pub struct Outbox {
    queue: mpsc::Sender<News>,
    losses: Arc<Losses>,
}

impl Outbox {
    /// An outbox and the receiving end its publisher drains.
    pub fn new() -> (Self, mpsc::Receiver<News>) {
        let (queue, waiting) = mpsc::channel(QUEUE);
        let outbox = Self {
            queue,
            losses: Arc::default(),
        };
        (outbox, waiting)
    }

    /// Queues `news` for every other node.
    pub fn send(&self, news: News) {
        if self.queue.try_send(news).is_err() {
            let dropped = self.losses.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(
                    dropped,
                    "news for other nodes dropped: the broker is behind"
                );
            }
        }
    }

    /// What did not reach the broker so far.
    pub fn losses(&self) -> &Losses {
        &self.losses
    }
}

/// Publishes queued news on `channel` as node `node`, in order, until
/// `closing` turns true; then publishes what is still queued and flushes.
pub async fn publish(
    broker: Arc<dyn Broker>,
    channel: String,
    node: NodeId,
    mut waiting: mpsc::Receiver<News>,
    losses: Arc<Losses>,
    mut closing: watch::Receiver<bool>,
) {
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let closed = tokio::select! {
            got = waiting.recv_many(&mut batch, BATCH) => got == 0,
            _ = closing.changed() => {
                while let Ok(news) = waiting.try_recv() {
                    batch.push(news);
                }
                true
            }
        };
        publish_batch(broker.as_ref(), &channel, node, &mut batch, &losses).await;
        if closed {
            if let Err(error) = broker.flush().await {
                tracing::debug!(%error, "flushing the broker at shutdown failed");
            }
            return;
        }
    }
}

/// Publishes `batch` (emptying it), started in order so the client writes
/// the messages in order.
async fn publish_batch(
    broker: &dyn Broker,
    channel: &str,
    node: NodeId,
    batch: &mut Vec<News>,
    losses: &Losses,
) {
    let publishing = batch.drain(..).filter_map(|news| {
        let payload = Envelope { from: node, news }.encode()?;
        Some(broker.publish(channel, payload))
    });
    for result in futures::future::join_all(publishing).await {
        if let Err(error) = result {
            let failed = losses.failed.fetch_add(1, Ordering::Relaxed) + 1;
            if failed.is_power_of_two() {
                tracing::warn!(%error, failed, "publishing news for other nodes failed");
            }
        }
    }
}

impl Outbox {
    /// The shared loss counters (for the publisher).
    pub fn loss_counters(&self) -> Arc<Losses> {
        self.losses.clone()
    }
}

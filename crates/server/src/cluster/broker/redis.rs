//! Redis pub/sub through `fred`: one client publishes, a subscriber client
//! listens (a subscribed Redis connection can do nothing else). `fred`
//! reconnects with backoff and resubscribes by itself.

use super::{Broker, BrokerError};
use async_trait::async_trait;
use bytes::Bytes;
use fred::clients::SubscriberClient;
use fred::prelude::{
    Builder, ClientLike, Config, EventInterface, PubsubInterface, ReconnectPolicy,
};
use futures::stream::{BoxStream, StreamExt};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Messages a subscriber may fall behind by before it skips some.
const SUBSCRIBER_BUFFER: usize = 65_536;
/// How long a new subscription may take to hear its own probe.
const CONFIRM_WITHIN: Duration = Duration::from_secs(5);
/// How long one publish may take before it counts as failed.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);

/// A Redis server (or Valkey) as the broker.
pub struct RedisBroker {
    publisher: fred::clients::Client,
    subscriber: SubscriberClient,
}

fn failed(error: fred::error::Error) -> BrokerError {
    BrokerError::Failed(error.to_string())
}

impl RedisBroker {
    /// Connects both clients; fails if Redis cannot be reached now.
    pub async fn connect(url: &str) -> Result<Self, BrokerError> {
        let config = Config::from_url(url).map_err(failed)?;
        let mut builder = Builder::from_config(config);
        builder
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
            .with_connection_config(|connection| {
                connection.connection_timeout = Duration::from_secs(5);
            })
            .with_performance_config(|performance| {
                performance.broadcast_channel_capacity = SUBSCRIBER_BUFFER;
                performance.default_command_timeout = PUBLISH_TIMEOUT;
            });
        let publisher = builder.build().map_err(failed)?;
        let subscriber = builder.build_subscriber_client().map_err(failed)?;
        publisher.init().await.map_err(failed)?;
        subscriber.init().await.map_err(failed)?;
        // Subscriptions are restored after every reconnect.
        let _resubscribing = subscriber.manage_subscriptions();
        Ok(Self {
            publisher,
            subscriber,
        })
    }
}

#[async_trait]
impl Broker for RedisBroker {
    async fn publish(&self, channel: &str, payload: Bytes) -> Result<(), BrokerError> {
        let _receivers: i64 =
            fred::prelude::PubsubInterface::publish(&self.publisher, channel.to_owned(), payload)
                .await
                .map_err(failed)?;
        Ok(())
    }

    async fn subscribe(&self, channel: &str) -> Result<BoxStream<'static, Bytes>, BrokerError> {
        let mut messages = self.subscriber.message_rx();
        self.subscriber
            .subscribe(channel.to_owned())
            .await
            .map_err(failed)?;
        // The subscription is confirmed by hearing a probe (an empty
        // payload, which every subscriber skips) come back through it.
        self.publish(channel, Bytes::new()).await?;
        let mut early = Vec::new();
        let confirmed = tokio::time::timeout(CONFIRM_WITHIN, async {
            loop {
                match next_payload(&mut messages, channel).await {
                    Some(payload) if payload.is_empty() => return true,
                    Some(payload) => early.push(payload),
                    None => return false,
                }
            }
        })
        .await;
        if confirmed != Ok(true) {
            return Err(BrokerError::Failed(format!(
                "the subscription to {channel} was not confirmed"
            )));
        }
        let channel = channel.to_owned();
        let live = futures::stream::unfold(messages, move |mut messages| {
            let channel = channel.clone();
            async move {
                loop {
                    match next_payload(&mut messages, &channel).await {
                        Some(payload) if payload.is_empty() => {}
                        Some(payload) => return Some((payload, messages)),
                        None => return None,
                    }
                }
            }
        });
        Ok(futures::stream::iter(early).chain(live).boxed())
    }
}

/// The next payload published on `channel`, `None` once the client is gone.
async fn next_payload(
    messages: &mut tokio::sync::broadcast::Receiver<fred::types::Message>,
    channel: &str,
) -> Option<Bytes> {
    loop {
        match messages.recv().await {
            Ok(message) if *message.channel == *channel => match message.value.into_bytes() {
                Some(bytes) => return Some(bytes),
                None => tracing::warn!("a broker message without bytes skipped"),
            },
            Ok(_) => {}
            Err(RecvError::Lagged(skipped)) => {
                tracing::warn!(skipped, "this node fell behind the broker");
            }
            Err(RecvError::Closed) => return None,
        }
    }
}

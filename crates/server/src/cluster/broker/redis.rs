//! Redis pub/sub through `fred`: one client publishes, a subscriber client
//! listens (a subscribed Redis connection can do nothing else). `fred`
//! reconnects with backoff and resubscribes by itself.

use super::{Broker, BrokerError, SharedBuckets};
use async_trait::async_trait;
use bytes::Bytes;
use fred::clients::SubscriberClient;
use fred::prelude::{
    Builder, ClientLike, Config, EventInterface, PubsubInterface, ReconnectPolicy,
};
use fred::types::scripts::Script;
use futures::stream::{BoxStream, StreamExt};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Messages a subscriber may fall behind by before it skips some.
const SUBSCRIBER_BUFFER: usize = 65_536;
/// How long a new subscription may take to hear its own probe.
const CONFIRM_WITHIN: Duration = Duration::from_secs(10);
/// How long each probe is waited for before another is sent.
const PROBE_EVERY: Duration = Duration::from_millis(200);
/// How long a rate-limit check may take before the node's own limits decide.
const LIMIT_TIMEOUT: Duration = Duration::from_millis(100);
/// How long one publish may take before it counts as failed.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(2);

/// A Redis server (or Valkey) as the broker.
pub struct RedisBroker {
    publisher: fred::clients::Client,
    subscriber: SubscriberClient,
    buckets: Arc<RedisBuckets>,
}

/// A token bucket in one Redis hash, refilled and drawn on atomically: the
/// same arithmetic as the in-process buckets (`crate::limits`). A bucket
/// expires once it would have refilled completely.
const TOKEN_BUCKET: &str = r"
local burst = tonumber(ARGV[1])
local per_sec = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
local elapsed = math.max(0, now - updated) / 1000
tokens = math.min(burst, tokens + elapsed * per_sec)
local allowed = tokens >= 1
if allowed and ARGV[4] == '1' then
  tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(math.max(now, updated)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / per_sec * 1000) + 1000)
if allowed then return 1 else return 0 end
";

/// Shared token buckets on Redis.
struct RedisBuckets {
    client: fred::clients::Client,
    script: Script,
}

#[async_trait]
impl SharedBuckets for RedisBuckets {
    async fn check(
        &self,
        key: &str,
        burst: f64,
        per_sec: f64,
        now_ms: i64,
        take: bool,
    ) -> Result<bool, BrokerError> {
        let allowed: i64 = self
            .script
            .evalsha_with_reload(
                &self.client,
                vec![key.to_owned()],
                vec![
                    burst.to_string(),
                    per_sec.to_string(),
                    now_ms.to_string(),
                    if take { "1" } else { "0" }.to_owned(),
                ],
            )
            .await
            .map_err(failed)?;
        Ok(allowed == 1)
    }
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
        // The limits have a connection of their own with a short timeout:
        // an event waits for them, never behind a batch of publishes.
        builder.with_performance_config(|performance| {
            performance.default_command_timeout = LIMIT_TIMEOUT;
        });
        let limiter = builder.build().map_err(failed)?;
        publisher.init().await.map_err(failed)?;
        subscriber.init().await.map_err(failed)?;
        limiter.init().await.map_err(failed)?;
        // Subscriptions are restored after every reconnect.
        let _resubscribing = subscriber.manage_subscriptions();
        let buckets = Arc::new(RedisBuckets {
            client: limiter,
            script: Script::from_lua(TOKEN_BUCKET),
        });
        Ok(Self {
            publisher,
            subscriber,
            buckets,
        })
    }
}

#[async_trait]
impl Broker for RedisBroker {
    fn shared_buckets(&self) -> Option<Arc<dyn SharedBuckets>> {
        Some(self.buckets.clone())
    }

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
        // payload, which every subscriber skips) come back through it: fred
        // may answer SUBSCRIBE before Redis has applied it, and a message
        // published in between is not delivered. The probe is repeated
        // until one is heard.
        let mut early = Vec::new();
        let deadline = tokio::time::Instant::now() + CONFIRM_WITHIN;
        let mut confirmed = false;
        while !confirmed && tokio::time::Instant::now() < deadline {
            self.publish(channel, Bytes::new()).await?;
            let heard = tokio::time::timeout(PROBE_EVERY, async {
                loop {
                    match next_payload(&mut messages, channel).await {
                        Some(payload) if payload.is_empty() => return true,
                        Some(payload) => early.push(payload),
                        None => return false,
                    }
                }
            })
            .await;
            confirmed = heard == Ok(true);
        }
        if !confirmed {
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

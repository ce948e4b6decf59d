//! Core NATS (no JetStream: live news needs no persistence) through
//! `async-nats`, which reconnects with backoff, resubscribes, and buffers
//! publishes while disconnected.

use super::{Broker, BrokerError};
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use std::time::Duration;

/// A NATS server as the broker.
pub struct NatsBroker {
    client: async_nats::Client,
}

impl NatsBroker {
    /// Connects; fails if NATS cannot be reached now.
    pub async fn connect(url: &str) -> Result<Self, BrokerError> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .subscription_capacity(65_536)
            .event_callback(|event| async move {
                tracing::info!(%event, "broker connection");
            })
            .connect(url)
            .await
            .map_err(|error| BrokerError::Failed(error.to_string()))?;
        Ok(Self { client })
    }
}

#[async_trait]
impl Broker for NatsBroker {
    async fn publish(&self, channel: &str, payload: Bytes) -> Result<(), BrokerError> {
        self.client
            .publish(channel.to_owned(), payload)
            .await
            .map_err(|error| BrokerError::Failed(error.to_string()))
    }

    async fn flush(&self) -> Result<(), BrokerError> {
        self.client
            .flush()
            .await
            .map_err(|error| BrokerError::Failed(error.to_string()))
    }

    async fn subscribe(&self, channel: &str) -> Result<BoxStream<'static, Bytes>, BrokerError> {
        let subscriber = self
            .client
            .subscribe(channel.to_owned())
            .await
            .map_err(|error| BrokerError::Failed(error.to_string()))?;
        // The subscription's delivery happens after the server has it.
        self.client
            .flush()
            .await
            .map_err(|error| BrokerError::Failed(error.to_string()))?;
        Ok(subscriber.map(|message| message.payload).boxed())
    }
}

//! The broker conformance suite: what the cluster needs of a broker, held
//! by Redis and NATS alike (the machine's, as in CI).

use crate::common::cluster::{Broker, broker_url};
use crate::common::unique;
use bytes::Bytes;
use futures::StreamExt;
use helpline_server::cluster::broker::{BrokerError, connect};
use std::time::Duration;

both_brokers!(
    every_subscriber_hears_everything_in_order,
    channels_are_apart,
    bad_urls_are_refused
);

const WITHIN: Duration = Duration::from_secs(10);

async fn every_subscriber_hears_everything_in_order(broker: Broker) {
    let url = broker_url(broker);
    let (one, two) = (connect(&url).await.unwrap(), connect(&url).await.unwrap());
    let channel = unique("it-broker-");
    let mut heard_by_one = one.subscribe(&channel).await.unwrap();
    let mut heard_by_two = two.subscribe(&channel).await.unwrap();
    // Any bytes, not only text.
    let payloads: Vec<Bytes> = (0..500u32)
        .map(|i| {
            let mut bytes = i.to_be_bytes().to_vec();
            bytes.extend([0, 0xff, 0xfe]);
            Bytes::from(bytes)
        })
        .collect();
    for payload in &payloads {
        one.publish(&channel, payload.clone()).await.unwrap();
    }
    for heard in [&mut heard_by_one, &mut heard_by_two] {
        for expected in &payloads {
            let got = tokio::time::timeout(WITHIN, heard.next())
                .await
                .expect("in time")
                .expect("a payload");
            assert_eq!(&got, expected, "the publisher's own subscription too");
        }
    }
}

async fn channels_are_apart(broker: Broker) {
    let url = broker_url(broker);
    let node = connect(&url).await.unwrap();
    let (mine, theirs) = (unique("it-mine-"), unique("it-theirs-"));
    let mut heard = node.subscribe(&mine).await.unwrap();
    node.publish(&theirs, Bytes::from_static(b"not for me"))
        .await
        .unwrap();
    node.publish(&mine, Bytes::from_static(b"for me"))
        .await
        .unwrap();
    let first = tokio::time::timeout(WITHIN, heard.next())
        .await
        .expect("in time")
        .expect("a payload");
    assert_eq!(&first[..], b"for me");
}

async fn bad_urls_are_refused(broker: Broker) {
    assert!(matches!(
        connect("amqp://127.0.0.1:5672").await,
        Err(BrokerError::Scheme)
    ));
    // Nothing listens on port 1: refused, within the connect timeout.
    let unreachable = match broker {
        Broker::Redis => "redis://127.0.0.1:1",
        Broker::Nats => "nats://127.0.0.1:1",
    };
    let outcome = tokio::time::timeout(Duration::from_secs(20), connect(unreachable))
        .await
        .expect("gives up in time");
    assert!(matches!(outcome, Err(BrokerError::Failed(_))));
}

/// Redis keeps the rate limits' token buckets for the whole cluster, with
/// the same arithmetic as a node's own buckets (`limits.rs`).
#[tokio::test]
async fn redis_keeps_token_buckets_like_a_node_does() {
    let broker = connect(&broker_url(Broker::Redis)).await.unwrap();
    let buckets = broker.shared_buckets().expect("Redis keeps buckets");
    let key = unique("it-bucket-");
    let check = |now: i64, take: bool| {
        let (buckets, key) = (buckets.clone(), key.clone());
        async move { buckets.check(&key, 3.0, 1.0, now, take).await.unwrap() }
    };
    let start = 1_000_000;
    assert!(check(start, false).await, "looking draws nothing");
    for _ in 0..3 {
        assert!(check(start, true).await);
    }
    assert!(!check(start, true).await, "the burst is spent");
    assert!(!check(start + 999, true).await);
    assert!(check(start + 1_000, true).await, "one token a second");
    assert!(!check(start + 1_000, true).await);
    // Refills never exceed the burst.
    let later = start + 3_600_000;
    for _ in 0..3 {
        assert!(check(later, true).await);
    }
    assert!(!check(later, false).await);
}

/// Core NATS has no atomic counters: each node keeps its own limits.
#[tokio::test]
async fn nats_keeps_no_buckets() {
    let broker = connect(&broker_url(Broker::Nats)).await.unwrap();
    assert!(broker.shared_buckets().is_none());
}

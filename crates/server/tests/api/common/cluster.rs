//! Clusters for tests: nodes on one fresh PostgreSQL database and the
//! machine's Redis or NATS (`HELPLINE_TEST_REDIS_URL`,
//! `HELPLINE_TEST_NATS_URL`), under a cluster name of their own so that
//! tests running side by side never hear each other.

use super::{Backend, TestApp, unique};
use helpline_server::config::Settings;
use serde_json::Value;
use std::time::Duration;

/// Which broker a cluster test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broker {
    Redis,
    Nats,
}

/// The broker's URL for tests.
pub fn broker_url(broker: Broker) -> String {
    match broker {
        Broker::Redis => std::env::var("HELPLINE_TEST_REDIS_URL")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".into()),
        Broker::Nats => std::env::var("HELPLINE_TEST_NATS_URL")
            .unwrap_or_else(|_| "nats://127.0.0.1:4222".into()),
    }
}

/// Milliseconds between presence heartbeats in cluster tests.
pub const HEARTBEAT_MS: u64 = 200;

/// `nodes` servers forming one cluster on `broker`.
pub async fn spawn_cluster(broker: Broker, nodes: usize) -> Vec<TestApp> {
    spawn_cluster_with(broker, nodes, |_| {}).await
}

/// [`spawn_cluster`] with `tweak` applied to every node's settings.
pub async fn spawn_cluster_with(
    broker: Broker,
    nodes: usize,
    tweak: impl FnOnce(&mut Settings),
) -> Vec<TestApp> {
    let first = TestApp::spawn_with(Backend::Postgres, |settings| {
        settings.broker_url = Some(broker_url(broker));
        settings.cluster_name = unique("it-cluster-");
        settings.cluster_heartbeat_ms = HEARTBEAT_MS;
        tweak(settings);
    })
    .await;
    let mut cluster = Vec::with_capacity(nodes);
    for _ in 1..nodes {
        cluster.push(first.sibling().await);
    }
    cluster.insert(0, first);
    cluster
}

/// What `node` says about a volunteer in `GET /api/volunteers`.
pub async fn availability_on(node: &TestApp, token: &str, volunteer: &str) -> String {
    let (status, list) = node.get("/api/volunteers", Some(token)).await;
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .expect("a list")
        .iter()
        .find(|v| v["id"] == volunteer)
        .map(|v| v["availability"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// Waits until `node` says the volunteer is `expected` (news from another
/// node takes a broker round trip); fails after five seconds.
pub async fn await_availability(node: &TestApp, token: &str, volunteer: &str, expected: &str) {
    let mut seen = String::new();
    for _ in 0..500 {
        seen = availability_on(node, token, volunteer).await;
        if seen == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("volunteer {volunteer} stayed {seen:?}, expected {expected:?}");
}

/// The id field of an ack or event.
pub fn id(value: &Value, field: &str) -> String {
    value[field].as_str().expect("an id").to_owned()
}

/// Generates a `redis::name` and a `nats::name` test from `async fn name(broker)`.
macro_rules! both_brokers {
    ($($name:ident),+ $(,)?) => {
        mod redis {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(crate::common::cluster::Broker::Redis).await })+
        }
        mod nats {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(crate::common::cluster::Broker::Nats).await })+
        }
    };
}

//! Chaos across a cluster of real processes: three `helpline` nodes on one
//! PostgreSQL database and a broker of the test's own (so it can be
//! restarted), clients spread over the nodes sending at a steady rate,
//! one node killed with SIGKILL every 10–20 s (and started again), the
//! broker restarted once mid-run. Every acknowledged message is stored
//! once at its seq, seqs are gapless, no connection hears a message twice
//! as new, every client converges, and claim races spread over the nodes
//! have exactly one winner.
//!
//! `HELPLINE_CHAOS_SECS` sets the run's length (default 45).

use crate::common::cluster::Broker;
use crate::common::ok;
use crate::common::postgres::TestDatabase;
use helpline_client::Client;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

both_brokers!(three_nodes_survive_kills_and_a_broker_restart);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The test's own broker on `port`.
fn start_broker(broker: Broker, port: u16) -> Running {
    let mut command = match broker {
        Broker::Redis => {
            let mut c = Command::new("redis-server");
            c.args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ]);
            c
        }
        Broker::Nats => {
            let mut c = Command::new(if std::path::Path::new("/usr/sbin/nats-server").exists() {
                "/usr/sbin/nats-server"
            } else {
                "nats-server"
            });
            c.args(["-a", "127.0.0.1", "-p", &port.to_string()]);
            c
        }
    };
    Running(
        command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the broker"),
    )
}

async fn wait_for_port(port: u16) {
    for _ in 0..400 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing listens on {port}");
}

struct Cluster {
    database_url: String,
    broker_url: String,
    name: String,
    ports: [u16; 3],
    nodes: Mutex<Vec<Option<Running>>>,
}

impl Cluster {
    fn base(&self, node: usize) -> String {
        format!("http://127.0.0.1:{}", self.ports[node])
    }

    async fn start_node(&self, node: usize) {
        let child = Command::new(env!("CARGO_BIN_EXE_helpline"))
            .arg("serve")
            .env("HELPLINE_ADDR", format!("127.0.0.1:{}", self.ports[node]))
            .env("HELPLINE_DATABASE_URL", &self.database_url)
            .env("HELPLINE_BROKER_URL", &self.broker_url)
            .env("HELPLINE_CLUSTER_NAME", &self.name)
            .env("HELPLINE_CLUSTER_HEARTBEAT_MS", "500")
            .env("HELPLINE_RATE_EVENTS_PER_SEC", "0")
            .env_remove("HELPLINE_JWT_SECRET")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn helpline");
        self.nodes.lock().unwrap()[node] = Some(Running(child));
        let http = reqwest::Client::new();
        for _ in 0..400 {
            if matches!(http.get(format!("{}/healthz", self.base(node))).send().await, Ok(r) if r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("node {node} did not start");
    }

    /// SIGKILL: no goodbye, no flush.
    fn kill(&self, node: usize) {
        self.nodes.lock().unwrap()[node] = None;
    }
}

async fn post(base: &str, path: &str, token: Option<&str>, body: Value) -> Value {
    let mut request = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

/// (token, id) of a new account.
async fn register(base: &str, role: &str, name: &str) -> (String, String) {
    let body = post(
        base,
        "/api/auth/register",
        None,
        json!({"username": name, "password": "password123", "displayName": name, "role": role}),
    )
    .await;
    (
        body["token"].as_str().unwrap().to_owned(),
        body["user"]["id"].as_str().unwrap().to_owned(),
    )
}

/// Connects to the first node that answers, starting at `first`.
async fn connect_any(cluster: &Cluster, token: &str, first: usize) -> (Client, usize) {
    loop {
        for step in 0..3 {
            let node = (first + step) % 3;
            let attempt = tokio::time::timeout(
                Duration::from_secs(3),
                Client::connect(
                    &cluster.base(node),
                    json!({"token": token, "receipts": true}),
                ),
            )
            .await;
            if let Ok(Ok(client)) = attempt {
                return (client, node);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What one sender saw.
#[derive(Default)]
struct Sent {
    /// clientMessageId → seq of every acknowledged message.
    acked: HashMap<String, i64>,
}

/// Sends `prefix-k` messages until `until`, reconnecting and resending the
/// unacknowledged one with the same clientMessageId after a failure.
/// Checks that no connection hears one seq twice as new.
async fn sender(
    cluster: Arc<Cluster>,
    token: String,
    conversation: String,
    prefix: String,
    start_node: usize,
    until: Instant,
) -> Sent {
    let mut sent = Sent::default();
    let (mut client, mut node) = connect_any(&cluster, &token, start_node).await;
    let mut heard: HashSet<i64> = HashSet::new();
    let mut k = 0;
    while Instant::now() < until {
        for message in client.drain("message:new") {
            if message["conversationId"] == conversation.as_str() {
                let seq = message["seq"].as_i64().unwrap();
                assert!(
                    heard.insert(seq),
                    "seq {seq} heard twice as new on one connection"
                );
            }
        }
        let client_id = format!("{prefix}-{k}");
        let ack = tokio::time::timeout(
            Duration::from_secs(5),
            client.ack(
                "message:send",
                json!({"conversationId": conversation, "content": client_id, "clientMessageId": client_id}),
            ),
        )
        .await;
        match ack {
            Ok(Ok(ack)) if ack["ok"] == true => {
                let seq = ack["message"]["seq"].as_i64().unwrap();
                if let Some(earlier) = sent.acked.insert(client_id.clone(), seq) {
                    assert_eq!(earlier, seq, "a resend is the same message");
                }
                k += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Ok(Ok(refused)) => panic!("{client_id} refused: {refused}"),
            // The node went away (or answered too late): same message again,
            // through whichever node answers.
            _ => {
                client.close();
                let (next, at) = connect_any(&cluster, &token, node + 1).await;
                (client, node, heard) = (next, at, HashSet::new());
            }
        }
    }
    client.close();
    sent
}

/// Every message of a conversation, through `message:sync` from the start.
async fn history(client: &Client, conversation: &str) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = ok(client
            .ack(
                "message:sync",
                json!({"conversationId": conversation, "afterSeq": after, "limit": 500}),
            )
            .await
            .unwrap());
        let messages = page["messages"].as_array().unwrap().clone();
        if let Some(last) = messages.last() {
            after = last["seq"].as_i64().unwrap();
        }
        all.extend(messages);
        if page["hasMore"] != true {
            return all;
        }
    }
}

async fn three_nodes_survive_kills_and_a_broker_restart(broker: Broker) {
    let secs: u64 = std::env::var("HELPLINE_CHAOS_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(45);
    let database = TestDatabase::create().await;
    let broker_port = free_port();
    let mut broker_process = start_broker(broker, broker_port);
    wait_for_port(broker_port).await;
    let scheme = match broker {
        Broker::Redis => "redis",
        Broker::Nats => "nats",
    };
    let cluster = Arc::new(Cluster {
        database_url: database.url.clone(),
        broker_url: format!("{scheme}://127.0.0.1:{broker_port}"),
        name: crate::common::unique("it-chaos-"),
        ports: [free_port(), free_port(), free_port()],
        nodes: Mutex::new(vec![None, None, None]),
    });
    for node in 0..3 {
        cluster.start_node(node).await;
    }

    // Six pairs in direct conversations, spread over the nodes.
    let base = cluster.base(0);
    let mut pairs = Vec::new();
    for i in 0..6 {
        let seeker = register(&base, "seeker", &crate::common::unique("chaos-s")).await;
        let volunteer = register(&base, "volunteer", &crate::common::unique("chaos-v")).await;
        let started = post(
            &base,
            "/api/conversations",
            Some(&seeker.0),
            json!({"participantId": volunteer.1}),
        )
        .await;
        let conversation = started["id"].as_str().unwrap().to_owned();
        pairs.push((i, seeker, volunteer, conversation));
    }
    let until = Instant::now() + Duration::from_secs(secs);
    let mut senders = Vec::new();
    for (i, seeker, volunteer, conversation) in &pairs {
        for (who, token, node) in [("s", &seeker.0, *i % 3), ("v", &volunteer.0, (*i + 1) % 3)] {
            senders.push(tokio::spawn(sender(
                cluster.clone(),
                token.clone(),
                conversation.clone(),
                format!("{who}{i}"),
                node,
                until,
            )));
        }
    }

    // The chaos: a node killed every 10-20 s and started again; the broker
    // restarted once, half way.
    let started = Instant::now();
    let mut broker_restarted = false;
    let mut victim = 0;
    while Instant::now() + Duration::from_secs(5) < until {
        let pause = Duration::from_secs(10 + (victim as u64 * 7) % 11);
        tokio::time::sleep(pause.min(until.saturating_duration_since(Instant::now()))).await;
        if Instant::now() >= until {
            break;
        }
        cluster.kill(victim % 3);
        tokio::time::sleep(Duration::from_millis(500)).await;
        cluster.start_node(victim % 3).await;
        victim += 1;
        if !broker_restarted && started.elapsed() >= Duration::from_secs(secs / 2) {
            drop(broker_process);
            tokio::time::sleep(Duration::from_millis(500)).await;
            broker_process = start_broker(broker, broker_port);
            wait_for_port(broker_port).await;
            broker_restarted = true;
        }
    }
    assert!(victim >= 1, "at least one node was killed");

    let mut acked: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for ((_, _, _, conversation), senders) in pairs.iter().zip(senders.chunks_mut(2)) {
        for sender in senders {
            let sent = sender.await.expect("a sender");
            acked
                .entry(conversation.clone())
                .or_default()
                .extend(sent.acked);
        }
    }

    // Every acknowledged message stored once at its seq; gapless seqs;
    // every participant converges on the same history.
    for (_, seeker, volunteer, conversation) in &pairs {
        let mut views = Vec::new();
        for (token, node) in [(&seeker.0, 1), (&volunteer.0, 2)] {
            let (client, _) = connect_any(&cluster, token, node).await;
            // What both must agree on (per-viewer fields aside).
            let view: Vec<Value> = history(&client, conversation)
                .await
                .iter()
                .map(|m| {
                    json!([
                        m["seq"],
                        m["id"],
                        m["clientMessageId"],
                        m["content"],
                        m["senderId"]
                    ])
                })
                .collect();
            views.push(view);
            client.close();
        }
        assert_eq!(views[0], views[1], "both people converge");
        let messages = &views[0];
        let seqs: Vec<i64> = messages.iter().map(|m| m[0].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "gapless");
        let mut by_client_id = HashMap::new();
        for message in messages {
            let id = message[2].as_str().unwrap_or_default().to_owned();
            assert!(
                by_client_id
                    .insert(id.clone(), message[0].as_i64().unwrap())
                    .is_none(),
                "{id} stored twice"
            );
        }
        let mine = &acked[conversation];
        assert!(!mine.is_empty(), "messages went through");
        for (id, seq) in mine {
            assert_eq!(by_client_id.get(id), Some(seq), "acked {id} lost or moved");
        }
    }

    // Claim races spread over the nodes: one winner each.
    let seeker = register(&base, "seeker", &crate::common::unique("race-s")).await;
    let mut volunteers = Vec::new();
    for node in 0..3 {
        let volunteer = register(&base, "volunteer", &crate::common::unique("race-v")).await;
        let (client, _) = connect_any(&cluster, &volunteer.0, node).await;
        volunteers.push(client);
    }
    let (s, _) = connect_any(&cluster, &seeker.0, 0).await;
    for _ in 0..5 {
        // Offers go to who is available everywhere: wait until all three count.
        let mut opened = Value::Null;
        for _ in 0..200 {
            opened = ok(s
                .ack("seeker:request", json!({"requestType": "chat"}))
                .await
                .unwrap());
            if opened["onlineVolunteers"] == 3 {
                break;
            }
            ok(s.ack("request:cancel", json!({})).await.unwrap());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(opened["onlineVolunteers"], 3, "{opened}");
        let request = opened["requestId"].clone();
        let mut accepts = Vec::new();
        for v in &volunteers {
            accepts.push(v.ack("volunteer:accept", json!({"requestId": request})));
        }
        let answers = futures::future::join_all(accepts).await;
        let winners = answers
            .iter()
            .filter(|a| a.as_ref().unwrap()["ok"] == true)
            .count();
        assert_eq!(winners, 1, "{answers:?}");
        let conversation = answers
            .iter()
            .find(|a| a.as_ref().unwrap()["ok"] == true)
            .unwrap()
            .as_ref()
            .unwrap()["conversationId"]
            .clone();
        ok(s.ack("chat:end", json!({"conversationId": conversation}))
            .await
            .unwrap());
    }
    drop(broker_process);
}

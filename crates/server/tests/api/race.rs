//! Fifty volunteers accept the same request at once, again and again:
//! exactly one wins every time, on SQLite, on PostgreSQL, and with the
//! volunteers split across two servers sharing one PostgreSQL database.

use crate::common::{Backend, TestApp, ok};
use futures::future::join_all;
use helpline_client::Client;
use serde_json::{Value, json};

const VOLUNTEERS: usize = 50;
const ROUNDS: usize = 5;

both_backends!(fifty_volunteers_one_winner);

async fn fifty_volunteers_one_winner(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    race(&[&app], ROUNDS).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_one_postgres() {
    let first = TestApp::spawn(Backend::Postgres).await;
    let second = first.sibling().await;
    race(&[&first, &second], ROUNDS).await;
}

/// Runs `rounds` races with volunteers spread over `servers`.
async fn race(servers: &[&TestApp], rounds: usize) {
    let seeker = servers[0].register("seeker").await;
    let mut s = servers[0].connect(&seeker).await;
    let mut volunteers = Vec::new();
    for i in 0..VOLUNTEERS {
        let server = servers[i % servers.len()];
        let account = server.register("volunteer").await;
        let client = server.connect(&account).await;
        volunteers.push((account, client));
    }
    for round in 0..rounds {
        let request = ok(s
            .ack("seeker:request", json!({"requestType": "chat"}))
            .await
            .unwrap());
        let request_id = request["requestId"].clone();
        let acks: Vec<Value> = join_all(volunteers.iter().map(
            |(_, client): &(crate::common::Account, Client)| {
                client.ack("volunteer:accept", json!({"requestId": request_id}))
            },
        ))
        .await
        .into_iter()
        .map(|ack| ack.expect("ack"))
        .collect();
        let winners: Vec<usize> = acks
            .iter()
            .enumerate()
            .filter(|(_, a)| a["ok"] == true)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one winner, got {acks:?}"
        );
        for ack in acks.iter().filter(|a| a["ok"] != true) {
            assert_eq!(
                ack["error"]["code"], "already_claimed",
                "round {round}: {ack}"
            );
        }
        let (winner, winner_client) = &mut volunteers[winners[0]];
        let conversation = acks[winners[0]]["conversationId"].clone();
        let started = winner_client.event("session:started").await.unwrap();
        assert_eq!(started["conversationId"], conversation);
        if servers.len() == 1 {
            // Realtime fan-out is per process: only a single server can tell
            // a seeker on it about a claim decided on another node.
            assert_eq!(
                s.event("session:started").await.unwrap()["volunteerId"],
                winner.id.as_str()
            );
        }
        let status = ok(s
            .ack("request:status", json!({"requestId": request_id}))
            .await
            .unwrap());
        assert_eq!(status["request"]["volunteerId"], winner.id.as_str());
        assert_eq!(status["request"]["conversationId"], conversation);
        // End the session so the seeker can ask again.
        ok(winner_client
            .ack("chat:end", json!({"conversationId": conversation}))
            .await
            .unwrap());
    }
    // The volunteers this server offered the request to heard who took it.
    let (_, first) = &mut volunteers[0];
    let claimed = first.drain("request:claimed");
    let incoming = first.drain("seeker:incoming");
    assert!(claimed.len() <= incoming.len());
}

//! Building blocks every scenario shares: connecting many clients at a
//! bounded concurrency (timing each handshake), and making two-person
//! conversations through the protocol (`seeker:request` with `volunteerId`,
//! then `volunteer:accept`).

use crate::accounts::Account;
use crate::client::{self, Conn, Hub, Target};
use crate::metrics::Recorder;
use futures::StreamExt;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

/// Handshakes in flight at once while setting up (not the storm).
pub const SETUP_CONCURRENCY: usize = 256;

/// Connects one client per account, `concurrency` at a time; indexes are
/// `first_index + position`. Each handshake's duration goes to `timing`.
/// Returns the connections that succeeded and the errors of the others.
pub async fn connect_all(
    hub: &Arc<Hub>,
    target: &Target,
    accounts: &[&Account],
    first_index: usize,
    concurrency: usize,
    timing: Option<&Recorder>,
) -> (Vec<Conn>, Vec<String>) {
    let first_source = client::reserve_sources(accounts.len());
    let results: Vec<Result<Conn, String>> = futures::stream::iter(accounts.iter().enumerate())
        .map(|(i, account)| async move {
            let started = Instant::now();
            let conn = client::connect(
                hub,
                target,
                client::source_for(first_source + i),
                first_index + i,
                &account.token,
                Arc::from(account.id.as_str()),
            )
            .await;
            if let (Ok(_), Some(timing)) = (&conn, timing) {
                timing.record(started, Instant::now());
            }
            conn
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut conns = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(conn) => conns.push(conn),
            Err(e) => errors.push(e),
        }
    }
    (conns, errors)
}

/// Like [`connect_all`], but any failure is an error.
pub async fn connect_exact(
    hub: &Arc<Hub>,
    target: &Target,
    accounts: &[&Account],
    first_index: usize,
) -> Result<Vec<Conn>, String> {
    let (conns, errors) =
        connect_all(hub, target, accounts, first_index, SETUP_CONCURRENCY, None).await;
    match errors.first() {
        None => Ok(conns),
        Some(first) => Err(format!(
            "{} of {} connections failed, first: {first}",
            errors.len(),
            accounts.len()
        )),
    }
}

/// A two-person conversation.
#[derive(Clone)]
pub struct Pair {
    /// The seeker's connection.
    pub seeker: Conn,
    /// The volunteer's connection.
    pub volunteer: Conn,
    /// The conversation id.
    pub conversation: String,
}

/// Makes one conversation per (seeker, volunteer) through the protocol.
pub async fn pair_up(seekers: &[Conn], volunteers: &[Conn]) -> Result<Vec<Pair>, String> {
    let pairs: Vec<Result<Pair, String>> = futures::stream::iter(seekers.iter().zip(volunteers))
        .map(|(seeker, volunteer)| pair(seeker.clone(), volunteer.clone()))
        .buffered(SETUP_CONCURRENCY)
        .collect()
        .await;
    pairs.into_iter().collect()
}

async fn pair(seeker: Conn, volunteer: Conn) -> Result<Pair, String> {
    let request = json!({"requestType": "chat", "topic": "daily", "volunteerId": &*volunteer.user});
    let asked = seeker.call("seeker:request", &request).await?;
    let request_id = asked["requestId"]
        .as_str()
        .ok_or_else(|| format!("seeker:request refused: {asked}"))?;
    let accepted = volunteer
        .call("volunteer:accept", &json!({"requestId": request_id}))
        .await?;
    let conversation = accepted["conversationId"]
        .as_str()
        .ok_or_else(|| format!("volunteer:accept refused: {accepted}"))?
        .to_owned();
    Ok(Pair {
        seeker,
        volunteer,
        conversation,
    })
}

/// Closes every connection and gives the closes a moment to go out.
pub async fn close_all(conns: &[Conn]) {
    for conn in conns {
        conn.close();
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}

//! S6's second reading: Helpline's store on its own, with no network in
//! front of it.
//!
//! End to end, S6 on this two-core machine is bounded by the one core a
//! server gets: F, which stores nothing, is the ceiling of what any server
//! can acknowledge there. This subcommand (`helpline-bench store-load`,
//! started by the runner pinned to core 0 like a server) measures what the
//! storage itself sustains: the same conversations, the same messages in
//! flight per sender and the same 100-byte messages as the end-to-end run,
//! appended through the store's public `append_message` — group commit
//! included — from one async task per message in flight. It prints one
//! JSON object of metrics on stdout.

use helpline_core::message::{MessageDraft, MessageType, NewMessage};
use helpline_core::user::{NewAccount, Role};
use helpline_core::{ConversationId, MessageId, Timestamp, UserId};
use helpline_store::{Store, StoreOptions};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one `store-load` run does.
#[derive(Debug, Clone)]
pub struct StoreLoad {
    /// `sqlite://PATH` (a fresh file) or `postgres://…` (an empty database).
    pub url: String,
    /// SQLite `synchronous=FULL` rather than `NORMAL`.
    pub full: bool,
    /// Two-person conversations.
    pub conversations: usize,
    /// Appends in flight per sender.
    pub window: usize,
    /// Measured seconds (after a warm-up of a fifth of that, 0.2–3 s).
    pub secs: f64,
}

/// One sender's loop: what it appends and how many it got back.
struct Sender {
    conversation: ConversationId,
    sender: UserId,
    tag: String,
}

/// Runs the load and returns its metrics, or why it could not.
pub async fn run(load: &StoreLoad) -> Result<BTreeMap<String, f64>, String> {
    let options = StoreOptions {
        sqlite_synchronous_full: load.full,
        ..StoreOptions::default()
    };
    let store = helpline_store::open(&load.url, &options)
        .await
        .map_err(|e| format!("opening {}: {e}", load.url))?;
    let conversations = setup(&store, load.conversations).await?;
    let appended = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (i, (conversation, people)) in conversations.iter().enumerate() {
        for (p, person) in people.iter().enumerate() {
            for slot in 0..load.window {
                let sender = Sender {
                    conversation: conversation.clone(),
                    sender: person.clone(),
                    tag: format!("c{i}p{p}w{slot}"),
                };
                let (store, appended, stop) = (store.clone(), appended.clone(), stop.clone());
                tasks.push(tokio::spawn(async move {
                    send_until_stopped(&*store, &sender, &appended, &stop).await
                }));
            }
        }
    }
    let warmup = Duration::from_secs_f64((load.secs / 5.0).clamp(0.2, 3.0));
    tokio::time::sleep(warmup).await;
    let (count0, cpu0, t0) = (appended.load(Ordering::Relaxed), cpu_secs(), Instant::now());
    tokio::time::sleep(Duration::from_secs_f64(load.secs)).await;
    let (count1, cpu1, elapsed) = (
        appended.load(Ordering::Relaxed),
        cpu_secs(),
        t0.elapsed().as_secs_f64(),
    );
    stop.store(true, Ordering::Relaxed);
    let mut sent = 0u64;
    for task in tasks {
        sent += task.await.map_err(|e| e.to_string())??;
    }
    // Every acknowledged append is there, once, in an unbroken sequence.
    let mut stored = 0u64;
    for (conversation, _) in &conversations {
        let found = store
            .conversation(conversation)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("a conversation vanished")?;
        stored += u64::try_from(found.last_seq).unwrap_or(0);
    }
    store.close().await;
    let persisted = (count1 - count0) as f64 / elapsed;
    let mut metrics = BTreeMap::new();
    metrics.insert("persisted_per_sec".to_owned(), persisted);
    metrics.insert("server_cpu_util".to_owned(), (cpu1 - cpu0) / elapsed);
    if stored != sent {
        return Err(format!(
            "{sent} appends acknowledged but {stored} stored (the sequences' ends)"
        ));
    }
    metrics.insert("acked".to_owned(), sent as f64);
    Ok(metrics)
}

/// Two accounts and their direct conversation per pair.
async fn setup(
    store: &Arc<dyn Store>,
    n: usize,
) -> Result<Vec<(ConversationId, [UserId; 2])>, String> {
    let now = Timestamp::now();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut people = Vec::with_capacity(2);
        for (role, name) in [(Role::Seeker, "s"), (Role::Volunteer, "v")] {
            let id = UserId::generate();
            let account = NewAccount {
                username: format!("load{name}{i}"),
                password: String::new(),
                display_name: format!("Load {name} {i}"),
                role,
                languages: vec!["en".to_owned()],
            };
            store
                .create_user(&account, "not-a-password-hash", &id, now)
                .await
                .map_err(|e| format!("creating an account: {e}"))?;
            people.push(id);
        }
        let (conversation, _) = store
            .start_direct_conversation(&people[0], &people[1], &ConversationId::generate(), now)
            .await
            .map_err(|e| format!("opening a conversation: {e}"))?;
        out.push((conversation.id, [people[0].clone(), people[1].clone()]));
    }
    Ok(out)
}

/// Appends one 100-byte message after another until `stop`; returns how
/// many were acknowledged. A refusal is an error: nothing here should be.
async fn send_until_stopped(
    store: &dyn Store,
    sender: &Sender,
    appended: &AtomicU64,
    stop: &AtomicBool,
) -> Result<u64, String> {
    let mut acked = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let n = acked + 1;
        let new = NewMessage {
            id: MessageId::generate(),
            sender_id: sender.sender.clone(),
            draft: MessageDraft {
                conversation_id: sender.conversation.clone(),
                content: format!("{:0>100}", n),
                message_type: MessageType::Text,
                client_message_id: format!("{}-{n}", sender.tag),
                reply_to_id: None,
                expires_in_secs: None,
                attachment_id: None,
            },
            created_at: Timestamp::now(),
            flags: Vec::new(),
        };
        match store.append_message(&new).await {
            Ok(Ok(done)) if done.created => {}
            Ok(Ok(_)) => return Err("a new clientMessageId was taken for a retry".to_owned()),
            Ok(Err(refusal)) => return Err(format!("append refused: {refusal:?}")),
            Err(e) => return Err(format!("append failed: {e}")),
        }
        acked = n;
        appended.fetch_add(1, Ordering::Relaxed);
    }
    Ok(acked)
}

/// This process's user + system CPU seconds so far.
fn cpu_secs() -> f64 {
    crate::metrics::cpu_seconds(std::process::id()).unwrap_or(0.0)
}

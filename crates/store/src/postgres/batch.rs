//! Group commit for appends on PostgreSQL.
//!
//! One transaction per message cost four round trips and a WAL flush each,
//! with the conversation's row locked throughout: 2 000–2 500 messages a
//! second in S6, the database's backends busy starting executors and waking
//! up rather than storing. Plain appends (no reply, no attachment: nearly
//! all of them) now queue here, in one of a few lanes by conversation, and
//! each lane's task writes everything queued in it by then in one
//! transaction of a fixed number of statements:
//!
//! 1. lock the batch's conversations in id order (`FOR UPDATE`), reading
//!    each one's last seq, status, timer, blocked people and whether anyone
//!    archived it. Every append locks its conversation first, and batches
//!    take their locks in one order, so two processes' batches wait for
//!    each other but cannot deadlock (a process's own lanes hold different
//!    conversations);
//! 2. read the earlier copies of the batch's clientMessageIds (retries):
//!    under those locks no other append can store one meanwhile;
//! 3. insert the new messages in one statement, their seqs counted on from
//!    the locked last seqs;
//! 4. raise each conversation's last seq and activity, bring archived
//!    conversations back, and commit; then answer every caller.
//!
//! Decisions match the one-at-a-time path ([`super::append`]): an earlier
//! copy wins over everything, then a missing conversation, a block (system
//! notes are never blocked), an ended one. Retries inside one batch get the
//! first one's answer. If the batch fails as a whole (a lost connection, a
//! deadlock with some other transaction), nothing of it is stored and each
//! of its appends goes through the one-at-a-time path, which answers it.

use super::append;
use super::lanes::lane_of;
use crate::rows;
use crate::{AppendRefusal, StoreError, StoreResult};
use helpline_core::Timestamp;
use helpline_core::message::{Appended, Message, MessageFlag, MessageType, NewMessage};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

/// Most appends written in one transaction.
const MAX_BATCH: usize = 2048;

/// Locks the conversations of `$1` in id order and reads what deciding
/// an append needs.
const LOCK_CONVERSATIONS: &str = "SELECT c.id, c.last_seq, c.auto_delete_secs, c.status, \
       EXISTS (SELECT 1 FROM conversation_participants p \
               WHERE p.conversation_id = c.id AND p.archived_at IS NOT NULL) AS archived, \
       ARRAY(SELECT b.blocked_id FROM blocks b JOIN conversation_participants p \
             ON p.user_id = b.blocker_id WHERE p.conversation_id = c.id) AS blocked \
     FROM conversations c WHERE c.id = ANY($1) ORDER BY c.id FOR UPDATE OF c";

/// Stores the batch's new messages (never replies or attachments).
const INSERT_MESSAGES: &str = "INSERT INTO messages (id, conversation_id, seq, sender_id, content, \
       type, client_message_id, created_at, expires_at, view_once, flags) \
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], \
       $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[])";

/// Sets each conversation's last seq and activity.
const RAISE_SEQS: &str = "UPDATE conversations c SET last_seq = v.last_seq, last_activity_at = v.at \
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(id, last_seq, at) WHERE c.id = v.id";

/// A new message brings an archived conversation back for everyone.
const UNARCHIVE: &str = "UPDATE conversation_participants SET archived_at = NULL \
     WHERE conversation_id = ANY($1) AND archived_at IS NOT NULL";

/// What one append is answered.
type Answer = Result<Appended, AppendRefusal>;

/// One caller's append.
struct Pending {
    new: NewMessage,
    reply: oneshot::Sender<StoreResult<Answer>>,
}

/// The queues of appends and the tasks that write them, one per lane.
pub(super) struct Appender {
    /// One queue per lane; empty once the store is closing.
    lanes: Mutex<Vec<mpsc::UnboundedSender<Pending>>>,
    tasks: tokio::sync::Mutex<Vec<JoinHandle<()>>>,
}

impl Appender {
    /// Starts `lanes` writing tasks on `pool`.
    pub(super) fn start(pool: PgPool, lanes: usize) -> Self {
        let (lanes, tasks) = (0..lanes)
            .map(|_| {
                let (queue, jobs) = mpsc::unbounded_channel();
                (queue, tokio::spawn(write_batches(pool.clone(), jobs)))
            })
            .unzip();
        Self {
            lanes: Mutex::new(lanes),
            tasks: tokio::sync::Mutex::new(tasks),
        }
    }

    /// Whether `new` can be written in a batch: replies and attachments read
    /// other rows first and go one at a time.
    pub(super) fn takes(new: &NewMessage) -> bool {
        new.draft.reply_to_id.is_none() && new.draft.attachment_id.is_none()
    }

    /// Appends `new` with the next batch and answers after its commit.
    pub(super) async fn append(&self, new: &NewMessage) -> StoreResult<Answer> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            new: new.clone(),
            reply,
        };
        {
            let lanes = self.lanes.lock().map_err(|_| StoreError::Closed)?;
            let lane = lanes.get(lane_of(&new.draft.conversation_id, lanes.len()));
            if lane.is_none_or(|queue| queue.send(pending).is_err()) {
                return Err(StoreError::Closed);
            }
        }
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Refuses new appends and waits until every queued one is answered.
    pub(super) async fn close(&self) {
        if let Ok(mut lanes) = self.lanes.lock() {
            lanes.clear();
        }
        for task in self.tasks.lock().await.drain(..) {
            if let Err(error) = task.await {
                tracing::error!(%error, "an append task failed");
            }
        }
    }
}

/// The writing task: every batch in turn, until the queue closes.
async fn write_batches(pool: PgPool, mut jobs: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let pending = std::mem::take(&mut batch);
        match write_batch(&pool, &pending).await {
            Ok(answers) => {
                for (p, answer) in pending.into_iter().zip(answers) {
                    let _ = p.reply.send(Ok(answer));
                }
            }
            Err(error) => {
                tracing::warn!(%error, appends = pending.len(), "a batch of appends failed; writing them one at a time");
                one_at_a_time(&pool, pending).await;
            }
        }
    }
}

/// Each append of a failed batch on its own (all at once; the next batch
/// waits for them, so one sender's messages keep their order).
async fn one_at_a_time(pool: &PgPool, pending: Vec<Pending>) {
    let appends = pending.into_iter().map(|p| async move {
        let answer = append::append_message(pool, &p.new).await;
        let _ = p.reply.send(answer);
    });
    futures::future::join_all(appends).await;
}

/// A row of [`LOCK_CONVERSATIONS`]: id, last seq, timer, status, archived, blocked.
type LockedRow = (String, i64, Option<i64>, String, bool, Vec<String>);

/// A locked conversation, as an append needs it.
struct Locked {
    last_seq: i64,
    timer: Option<i64>,
    active: bool,
    archived: bool,
    blocked: Vec<String>,
    /// The created_at of its newest message in this batch, if any.
    newest_at: Option<Timestamp>,
}

/// The columns of the messages to insert, one array each.
#[derive(Default)]
struct Columns {
    id: Vec<String>,
    conversation: Vec<String>,
    seq: Vec<i64>,
    sender: Vec<String>,
    content: Vec<String>,
    kind: Vec<&'static str>,
    client_message_id: Vec<String>,
    created_at: Vec<i64>,
    expires_at: Vec<Option<i64>>,
    view_once: Vec<i64>,
    flags: Vec<i64>,
}

impl Columns {
    fn push(&mut self, message: &Message) {
        self.id.push(message.id.as_str().to_owned());
        self.conversation
            .push(message.conversation_id.as_str().to_owned());
        self.seq.push(message.seq);
        self.sender.push(message.sender_id.as_str().to_owned());
        self.content.push(message.content.clone());
        self.kind.push(message.message_type.as_str());
        self.client_message_id
            .push(message.client_message_id.clone());
        self.created_at.push(message.created_at.millis());
        self.expires_at
            .push(message.expires_at.map(Timestamp::millis));
        self.view_once.push(i64::from(message.view_once));
        self.flags.push(MessageFlag::to_bits(&message.flags));
    }
}

/// (conversation, sender, clientMessageId): what makes two appends one.
type Key = (String, String, String);

fn key_of(new: &NewMessage) -> Key {
    (
        new.draft.conversation_id.as_str().to_owned(),
        new.sender_id.as_str().to_owned(),
        new.draft.client_message_id.clone(),
    )
}

/// Writes `pending` in one transaction; the answer of each, in order.
async fn write_batch(pool: &PgPool, pending: &[Pending]) -> StoreResult<Vec<Answer>> {
    // The first append of each key leads; later ones are its retries.
    let keys: Vec<Key> = pending.iter().map(|p| key_of(&p.new)).collect();
    let mut leaders: HashMap<&Key, usize> = HashMap::new();
    let leader_of: Vec<usize> = keys
        .iter()
        .enumerate()
        .map(|(index, key)| *leaders.entry(key).or_insert(index))
        .collect();
    let mut ids: Vec<&str> = pending
        .iter()
        .map(|p| p.new.draft.conversation_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();

    let mut tx = pool.begin().await?;
    let rows: Vec<LockedRow> = sqlx::query_as(LOCK_CONVERSATIONS)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?;
    let mut locked: HashMap<String, Locked> = rows
        .into_iter()
        .map(|(id, last_seq, timer, status, archived, blocked)| {
            let state = Locked {
                last_seq,
                timer,
                active: status == "active",
                archived,
                blocked,
                newest_at: None,
            };
            (id, state)
        })
        .collect();
    let earlier = earlier_copies(&mut tx, leaders.keys().copied()).await?;

    // A leader comes before its retries, so its answer is always there.
    let mut answers: Vec<Answer> = Vec::with_capacity(pending.len());
    let mut columns = Columns::default();
    for (index, p) in pending.iter().enumerate() {
        let leader = leader_of[index];
        if leader != index {
            let answer = answers[leader].clone().map(|first| Appended {
                created: false,
                ..first
            });
            answers.push(answer);
            continue;
        }
        let new = &p.new;
        let answer = if let Some(message) = earlier.get(&keys[index]) {
            Ok(Appended {
                message: message.clone(),
                created: false,
            })
        } else {
            match locked.get_mut(new.draft.conversation_id.as_str()) {
                None => Err(AppendRefusal::NoConversation),
                Some(c)
                    if new.draft.message_type != MessageType::System
                        && c.blocked.iter().any(|b| b == new.sender_id.as_str()) =>
                {
                    Err(AppendRefusal::Blocked)
                }
                Some(c) if !c.active => Err(AppendRefusal::Ended),
                Some(c) => {
                    c.last_seq += 1;
                    c.newest_at = Some(new.created_at);
                    let message = new.stored(c.last_seq, c.timer, None, None);
                    columns.push(&message);
                    Ok(Appended {
                        message,
                        created: true,
                    })
                }
            }
        };
        answers.push(answer);
    }
    if !columns.id.is_empty() {
        store(&mut tx, &columns, &locked).await?;
    }
    tx.commit().await?;
    Ok(answers)
}

/// The stored messages among `keys` (earlier sends of a retried id).
async fn earlier_copies<'k>(
    tx: &mut sqlx::PgConnection,
    keys: impl Iterator<Item = &'k Key>,
) -> StoreResult<HashMap<Key, Message>> {
    let (mut conversations, mut senders, mut client_ids) = (Vec::new(), Vec::new(), Vec::new());
    for (c, s, m) in keys {
        conversations.push(c.as_str());
        senders.push(s.as_str());
        client_ids.push(m.as_str());
    }
    let rows = sqlx::query(select_messages!(
        "WHERE (m.conversation_id, m.sender_id, m.client_message_id) IN \
         (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))"
    ))
    .bind(&conversations)
    .bind(&senders)
    .bind(&client_ids)
    .fetch_all(&mut *tx)
    .await?;
    rows.iter()
        .map(|row| {
            let message = rows::message(row)?;
            let key = (
                message.conversation_id.as_str().to_owned(),
                message.sender_id.as_str().to_owned(),
                message.client_message_id.clone(),
            );
            Ok((key, message))
        })
        .collect()
}

/// Inserts `columns` and moves their conversations on.
async fn store(
    tx: &mut sqlx::PgConnection,
    columns: &Columns,
    locked: &HashMap<String, Locked>,
) -> StoreResult<()> {
    sqlx::query(INSERT_MESSAGES)
        .bind(&columns.id)
        .bind(&columns.conversation)
        .bind(&columns.seq)
        .bind(&columns.sender)
        .bind(&columns.content)
        .bind(&columns.kind)
        .bind(&columns.client_message_id)
        .bind(&columns.created_at)
        .bind(&columns.expires_at)
        .bind(&columns.view_once)
        .bind(&columns.flags)
        .execute(&mut *tx)
        .await?;
    let (mut ids, mut seqs, mut ats, mut unarchive) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, c) in locked {
        let Some(at) = c.newest_at else { continue };
        ids.push(id.as_str());
        seqs.push(c.last_seq);
        ats.push(at.millis());
        if c.archived {
            unarchive.push(id.as_str());
        }
    }
    sqlx::query(RAISE_SEQS)
        .bind(&ids)
        .bind(&seqs)
        .bind(&ats)
        .execute(&mut *tx)
        .await?;
    if !unarchive.is_empty() {
        sqlx::query(UNARCHIVE)
            .bind(&unarchive)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

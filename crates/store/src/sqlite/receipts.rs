//! Per-participant marks on SQLite: the delivered mark (raised when a
//! device receives messages, merged into one statement per writer batch)
//! and archiving. Both are jobs on the single writer ([`super::writer`]);
//! the delivered marks run as a direct job.

use super::SqliteStore;
use super::writer::{DirectWork, Job, Writer};
use crate::sql;
use crate::{StoreError, StoreResult};
use helpline_core::{ConversationId, Timestamp, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Delivered marks waiting for the writer, shared by every caller.
///
/// Every device's ack of `message:new` raises a mark, so these are the most
/// frequent writes after messages. The first mark to find the queue empty
/// submits one writer job; that job takes everything queued by the time it
/// runs, keeps the highest seq per (conversation, person), and raises them
/// all in one statement. Its callers are answered after the batch's commit.
#[derive(Default)]
pub(super) struct DeliveredMarks {
    queue: Arc<Mutex<Vec<Pending>>>,
}

/// One caller's mark.
struct Pending {
    conversation: ConversationId,
    user: UserId,
    up_to_seq: i64,
    reply: oneshot::Sender<StoreResult<Option<i64>>>,
}

/// Raises every mark in `$1` (a JSON array of `[conversation, user, seq]`,
/// one per pair) where it rises, capped at the conversation's newest seq.
const RAISE_MARKS: &str = "UPDATE conversation_participants AS p \
        SET last_delivered_seq = t.mark \
       FROM (SELECT json_extract(e.value, '$[0]') AS cid, json_extract(e.value, '$[1]') AS uid, \
                    MIN(json_extract(e.value, '$[2]'), c.last_seq) AS mark \
               FROM json_each(?1) AS e JOIN conversations c ON c.id = json_extract(e.value, '$[0]')) AS t \
      WHERE p.conversation_id = t.cid AND p.user_id = t.uid AND p.last_delivered_seq < t.mark \
      RETURNING conversation_id, user_id, last_delivered_seq";

/// See [`crate::Conversations::mark_delivered`]. Concurrent marks of one person in
/// one conversation are merged: the highest reports the rise, the others
/// `None`.
pub(super) async fn mark_delivered(
    writer: &Writer,
    marks: &DeliveredMarks,
    id: &ConversationId,
    user: &UserId,
    up_to_seq: i64,
) -> StoreResult<Option<i64>> {
    let (reply, answer) = oneshot::channel();
    let first = {
        let mut queue = marks.queue.lock().map_err(|_| StoreError::Closed)?;
        queue.push(Pending {
            conversation: id.clone(),
            user: user.clone(),
            up_to_seq,
            reply,
        });
        queue.len() == 1
    };
    if first {
        let job = RaiseMarks {
            queue: marks.queue.clone(),
            pending: None,
            answers: Ok(Vec::new()),
        };
        if writer.submit(Job::Direct(Box::new(job))).is_err() {
            // Nobody will run the queue: answer everyone in it.
            let stranded = marks
                .queue
                .lock()
                .map(|mut q| std::mem::take(&mut *q))
                .unwrap_or_default();
            for pending in stranded {
                let _ = pending.reply.send(Err(StoreError::Closed));
            }
        }
    }
    answer.await.map_err(|_| StoreError::Closed)?
}

/// The writer job that raises every queued mark.
struct RaiseMarks {
    queue: Arc<Mutex<Vec<Pending>>>,
    /// Taken from the queue at the first run, kept for a second one.
    pending: Option<Vec<Pending>>,
    /// The last run's answer for each caller, or why it failed.
    answers: Result<Vec<Option<i64>>, String>,
}

impl DirectWork for RaiseMarks {
    fn run(&mut self, connection: &rusqlite::Connection) -> bool {
        let queue = &self.queue;
        let pending = self.pending.get_or_insert_with(|| {
            queue
                .lock()
                .map(|mut q| std::mem::take(&mut *q))
                .unwrap_or_default()
        });
        self.answers = raise(connection, pending);
        self.answers.is_ok()
    }

    fn finish(self: Box<Self>, commit: Result<(), StoreError>) {
        let pending = self.pending.unwrap_or_default();
        let answers = match (commit, self.answers) {
            (Ok(()), Ok(answers)) => Ok(answers),
            (Err(error), _) => Err(error.to_string()),
            (_, Err(error)) => Err(error),
        };
        for (index, p) in pending.into_iter().enumerate() {
            let answer = match &answers {
                Ok(answers) => Ok(answers.get(index).copied().flatten()),
                Err(error) => Err(StoreError::NotCommitted(error.clone())),
            };
            let _ = p.reply.send(answer);
        }
    }
}

/// Raises the merged marks; says, for each caller in `pending`, the mark it
/// raised. The caller with the highest seq per pair speaks for the pair,
/// the others hear `None`.
fn raise(conn: &rusqlite::Connection, pending: &[Pending]) -> Result<Vec<Option<i64>>, String> {
    let mut highest: HashMap<(&str, &str), usize> = HashMap::new();
    for (index, p) in pending.iter().enumerate() {
        let entry = highest
            .entry((p.conversation.as_str(), p.user.as_str()))
            .or_insert(index);
        if pending[*entry].up_to_seq < p.up_to_seq {
            *entry = index;
        }
    }
    let marks: Vec<(&str, &str, i64)> = highest
        .iter()
        .map(|(&(c, u), &index)| (c, u, pending[index].up_to_seq))
        .collect();
    let json = serde_json::to_string(&marks).map_err(|e| e.to_string())?;
    let rose: HashMap<(String, String), i64> = raise_marks(conn, &json)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(c, u, mark)| ((c, u), mark))
        .collect();
    let mut answers: Vec<Option<i64>> = vec![None; pending.len()];
    for index in highest.into_values() {
        let p = &pending[index];
        answers[index] = rose
            .get(&(
                p.conversation.as_str().to_owned(),
                p.user.as_str().to_owned(),
            ))
            .copied();
    }
    Ok(answers)
}

/// Runs [`RAISE_MARKS`] on `json`: the (conversation, person, mark) rows that rose.
fn raise_marks(
    conn: &rusqlite::Connection,
    json: &str,
) -> rusqlite::Result<Vec<(String, String, i64)>> {
    let mut statement = conn.prepare_cached(RAISE_MARKS)?;
    let rows = statement.query_map([json], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    rows.collect()
}

/// See [`crate::Conversations::set_archived`].
pub(super) async fn set_archived(
    writer: &Writer,
    id: &ConversationId,
    user: &UserId,
    archived: bool,
    now: Timestamp,
) -> StoreResult<bool> {
    let (id, user) = (id.clone(), user.clone());
    writer
        .run(move |conn| {
            Box::pin(async move {
                let changed = sqlx::query(sql::receipts::SET_ARCHIVED_AT)
                    .bind(archived.then_some(now.millis()))
                    .bind(id.as_str())
                    .bind(user.as_str())
                    .execute(conn)
                    .await?;
                Ok(changed.rows_affected() == 1)
            })
        })
        .await
}

/// See [`crate::Conversations::mark_read`].
pub(super) async fn mark_read(
    store: &SqliteStore,
    id: &ConversationId,
    user: &UserId,
    up_to_seq: i64,
) -> StoreResult<i64> {
    let (id, user) = (id.clone(), user.clone());
    store.writer
        .run(move |conn| {
            Box::pin(async move {
                let mark: Option<i64> = sqlx::query_scalar(
                    "UPDATE conversation_participants SET last_read_seq = MAX(last_read_seq, \
                       MIN(?1, (SELECT last_seq FROM conversations WHERE id = ?2))) \
                     WHERE conversation_id = ?2 AND user_id = ?3 RETURNING last_read_seq",
                )
                .bind(up_to_seq)
                .bind(id.as_str())
                .bind(user.as_str())
                .fetch_optional(&mut *conn)
                .await?;
                sqlx::query(
                    "UPDATE conversation_participants SET last_delivered_seq = MAX(last_delivered_seq, last_read_seq) \
                     WHERE conversation_id = ? AND user_id = ?",
                )
                .bind(id.as_str())
                .bind(user.as_str())
                .execute(conn)
                .await?;
                Ok(mark.unwrap_or(0))
            })
        })
        .await
}

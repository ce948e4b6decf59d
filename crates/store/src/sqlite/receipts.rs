//! Per-participant marks on SQLite: the delivered mark (raised when a
//! device receives messages, merged into one statement per writer batch)
//! and archiving. Both are jobs on the single writer ([`super::writer`]).

use super::SqliteStore;
use super::writer::{Finish, Writer};
use crate::{StoreError, StoreResult};
use helpline_core::{ConversationId, Timestamp, UserId};
use sqlx::SqliteConnection;
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

/// See [`crate::Store::mark_delivered`]. Concurrent marks of one person in
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
        let queue = marks.queue.clone();
        let submitted = writer.submit(Box::new(move |conn| {
            Box::pin(async move {
                let pending = queue
                    .lock()
                    .map(|mut q| std::mem::take(&mut *q))
                    .unwrap_or_default();
                raise(conn, pending).await
            })
        }));
        if submitted.is_err() {
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

/// Runs the merged marks; the returned finish answers each caller.
async fn raise(conn: &mut SqliteConnection, pending: Vec<Pending>) -> (bool, Finish) {
    // The caller with the highest seq per pair speaks for the pair.
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
        .keys()
        .map(|&(c, u)| (c, u, pending[highest[&(c, u)]].up_to_seq))
        .collect();
    let raised: Result<Vec<(String, String, i64)>, StoreError> = match serde_json::to_string(&marks)
    {
        Ok(json) => sqlx::query_as(RAISE_MARKS)
            .bind(json)
            .fetch_all(conn)
            .await
            .map_err(StoreError::from),
        Err(error) => Err(StoreError::Corrupt(error.to_string())),
    };
    let speakers: Vec<usize> = highest.into_values().collect();
    match raised {
        Ok(rows) => {
            let rose: HashMap<(String, String), i64> = rows
                .into_iter()
                .map(|(c, u, mark)| ((c, u), mark))
                .collect();
            let mut answers: Vec<Option<i64>> = vec![None; pending.len()];
            for index in speakers {
                let p = &pending[index];
                answers[index] = rose
                    .get(&(
                        p.conversation.as_str().to_owned(),
                        p.user.as_str().to_owned(),
                    ))
                    .copied();
            }
            let finish: Finish = Box::new(move |commit| {
                for (p, answer) in pending.into_iter().zip(answers) {
                    let _ = p.reply.send(
                        commit
                            .as_ref()
                            .map(|()| answer)
                            .map_err(|e| StoreError::NotCommitted(e.to_string())),
                    );
                }
            });
            (true, finish)
        }
        Err(error) => {
            let message = error.to_string();
            let finish: Finish = Box::new(move |_| {
                for p in pending {
                    let _ = p.reply.send(Err(StoreError::NotCommitted(message.clone())));
                }
            });
            (false, finish)
        }
    }
}

/// See [`crate::Store::set_archived`].
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
                let changed = sqlx::query("UPDATE conversation_participants SET archived_at = ? WHERE conversation_id = ? AND user_id = ?")
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

/// See [`crate::Store::mark_read`].
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

//! [`Store`] for PostgreSQL: reads straight on the pool, each write in its
//! own READ COMMITTED transaction. Methods follow the trait's order.
//!
//! Cross-process rules rest on row locks: a claim or any other move out of
//! `pending` is one conditional `UPDATE` (a racing one waits for the row and
//! then finds it no longer pending); expiry picks rows `FOR UPDATE SKIP
//! LOCKED`, so concurrent sweepers split the work; an append bumps
//! `conversations.last_seq` first, which locks the conversation, so seq
//! stays gapless and retries of one `clientMessageId` are serialized.

use super::PostgresStore;
use crate::error::is_unique_violation;
use crate::rows::{self, Columns};
use crate::{
    AppendRefusal, ClaimOutcome, Credentials, OfferableRequest, Store, StoreError, StoreResult,
};
use async_trait::async_trait;
use helpline_core::conversation::{Conversation, ConversationSummary, Participant};
use helpline_core::message::{Appended, Message, NewMessage};
use helpline_core::request::{Feedback, HelpRequest, NewHelpRequest};
use helpline_core::user::{NewAccount, Role, User};
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};
use sqlx::PgConnection;

async fn request_on(conn: &mut PgConnection, id: &str) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query("SELECT * FROM help_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::help_request).transpose()
}

/// A conditional status move out of `pending`; returns the moved request.
async fn move_pending(
    store: &PostgresStore,
    id: &str,
    to: &str,
) -> StoreResult<Option<HelpRequest>> {
    let row = sqlx::query(
        "UPDATE help_requests SET status = $1 WHERE id = $2 AND status = 'pending' RETURNING *",
    )
    .bind(to)
    .bind(id)
    .fetch_optional(&store.pool)
    .await?;
    row.as_ref().map(rows::help_request).transpose()
}

/// The message `sender` stored under `client_message_id`, if any.
async fn message_by_client_id(
    conn: &mut PgConnection,
    new: &NewMessage,
) -> StoreResult<Option<Message>> {
    let row = sqlx::query("SELECT * FROM messages WHERE conversation_id = $1 AND sender_id = $2 AND client_message_id = $3")
        .bind(new.draft.conversation_id.as_str())
        .bind(new.sender_id.as_str())
        .bind(&new.draft.client_message_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(rows::message).transpose()
}

#[async_trait]
impl Store for PostgresStore {
    async fn setting_or_insert(&self, key: &str, candidate: &str) -> StoreResult<String> {
        let mut tx = self.pool.begin().await?;
        // A racing insert of the same key makes this wait for its commit,
        // and the SELECT (a new snapshot at READ COMMITTED) then reads it.
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(candidate)
        .execute(&mut *tx)
        .await?;
        let value: String = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(value)
    }

    async fn create_user(
        &self,
        account: &NewAccount,
        password_hash: &str,
        id: &UserId,
        now: Timestamp,
    ) -> StoreResult<User> {
        let user = User {
            id: id.clone(),
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            role: account.role,
            languages: account.languages.clone(),
            created_at: now,
        };
        let languages = serde_json::to_string(&user.languages)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO users (id, username, password_hash, display_name, role, languages, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user.id.as_str())
        .bind(&user.username)
        .bind(password_hash)
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(&languages)
        .bind(user.created_at.millis())
        .execute(&self.pool)
        .await
        .map_err(|e| if is_unique_violation(&e) { StoreError::UsernameTaken } else { e.into() })?;
        Ok(user)
    }

    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>> {
        let row = sqlx::query("SELECT * FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(|r| {
                Ok(Credentials {
                    user: rows::user(r)?,
                    password_hash: r.text("password_hash")?,
                })
            })
            .transpose()
    }

    async fn volunteers(&self) -> StoreResult<Vec<User>> {
        let found =
            sqlx::query("SELECT * FROM users WHERE role = 'volunteer' ORDER BY display_name, id")
                .fetch_all(&self.pool)
                .await?;
        rows::all(&found, rows::user)
    }

    async fn create_request(&self, new: &NewHelpRequest) -> StoreResult<HelpRequest> {
        let d = &new.draft;
        let row = sqlx::query(
            "INSERT INTO help_requests (id, senior_id, target_volunteer_id, request_type, topic, note, status, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING *",
        )
        .bind(new.id.as_str())
        .bind(new.seeker_id.as_str())
        .bind(d.target_volunteer_id.as_ref().map(UserId::as_str))
        .bind(d.request_type.as_str())
        .bind(d.topic.map(|t| t.as_str()))
        .bind(d.note.as_deref())
        .bind(new.created_at.millis())
        .bind(new.expires_at.millis())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| if is_unique_violation(&e) { StoreError::PendingExists } else { e.into() })?;
        rows::help_request(&row)
    }

    async fn request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        let mut conn = self.pool.acquire().await?;
        request_on(&mut conn, id.as_str()).await
    }

    async fn pending_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>> {
        let row =
            sqlx::query("SELECT * FROM help_requests WHERE senior_id = $1 AND status = 'pending'")
                .bind(seeker.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(rows::help_request).transpose()
    }

    async fn latest_request_of(&self, seeker: &UserId) -> StoreResult<Option<HelpRequest>> {
        let row = sqlx::query("SELECT * FROM help_requests WHERE senior_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1")
            .bind(seeker.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::help_request).transpose()
    }

    async fn requests_of(&self, user: &User) -> StoreResult<Vec<HelpRequest>> {
        let sql = match user.role {
            Role::Seeker => {
                "SELECT * FROM help_requests WHERE senior_id = $1 ORDER BY created_at DESC, id DESC"
            }
            _ => {
                "SELECT * FROM help_requests WHERE volunteer_id = $1 OR target_volunteer_id = $1 \
                 ORDER BY created_at DESC, id DESC"
            }
        };
        let found = sqlx::query(sql)
            .bind(user.id.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows::all(&found, rows::help_request)
    }

    async fn cancel_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        move_pending(self, id.as_str(), "cancelled").await
    }

    async fn reject_request(&self, id: &RequestId) -> StoreResult<Option<HelpRequest>> {
        move_pending(self, id.as_str(), "rejected").await
    }

    async fn record_offers(&self, id: &RequestId, volunteers: &[UserId]) -> StoreResult<()> {
        if volunteers.is_empty() {
            return Ok(());
        }
        // Sorted, so two overlapping inserts take their row locks in the same order.
        let mut ids: Vec<&str> = volunteers.iter().map(UserId::as_str).collect();
        ids.sort_unstable();
        ids.dedup();
        sqlx::query(
            "INSERT INTO request_offers (request_id, volunteer_id) SELECT $1, v FROM UNNEST($2::TEXT[]) AS v \
             ON CONFLICT DO NOTHING",
        )
        .bind(id.as_str())
        .bind(ids)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn record_decline(&self, id: &RequestId, volunteer: &UserId) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO request_offers (request_id, volunteer_id, declined) VALUES ($1, $2, 1) \
             ON CONFLICT (request_id, volunteer_id) DO UPDATE SET declined = 1",
        )
        .bind(id.as_str())
        .bind(volunteer.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn offered_volunteers(&self, id: &RequestId) -> StoreResult<Vec<UserId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT volunteer_id FROM request_offers WHERE request_id = $1")
                .bind(id.as_str())
                .fetch_all(&self.pool)
                .await?;
        Ok(ids.into_iter().map(UserId::from_trusted).collect())
    }

    async fn offerable_requests(
        &self,
        volunteer: &UserId,
        now: Timestamp,
    ) -> StoreResult<Vec<OfferableRequest>> {
        let found = sqlx::query(
            "SELECT r.*, u.display_name AS seeker_display_name FROM help_requests r JOIN users u ON u.id = r.senior_id \
             WHERE r.status = 'pending' AND r.expires_at > $1 \
               AND (r.target_volunteer_id = $2 OR (r.target_volunteer_id IS NULL AND NOT EXISTS ( \
                    SELECT 1 FROM request_offers o WHERE o.request_id = r.id AND o.volunteer_id = $2 AND o.declined = 1))) \
             ORDER BY r.created_at, r.id",
        )
        .bind(now.millis())
        .bind(volunteer.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows::all(&found, |r| {
            Ok(OfferableRequest {
                request: rows::help_request(r)?,
                seeker_display_name: r.text("seeker_display_name")?,
            })
        })
    }

    async fn claim_request(
        &self,
        id: &RequestId,
        volunteer: &UserId,
        conversation: &ConversationId,
        now: Timestamp,
    ) -> StoreResult<ClaimOutcome> {
        let mut tx = self.pool.begin().await?;
        // A racing claim waits here for the winner's commit, then finds the
        // row no longer pending and updates nothing.
        let claimed = sqlx::query(
            "UPDATE help_requests SET status = 'accepted', volunteer_id = $1, accepted_at = $2, conversation_id = $3 \
             WHERE id = $4 AND status = 'pending' AND expires_at > $2 RETURNING *",
        )
        .bind(volunteer.as_str())
        .bind(now.millis())
        .bind(conversation.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(claimed) = claimed else {
            let current = request_on(&mut tx, id.as_str()).await?;
            tx.rollback().await?;
            return Ok(match current {
                Some(current) => ClaimOutcome::Lost(current),
                None => ClaimOutcome::Missing,
            });
        };
        let request = rows::help_request(&claimed)?;
        let row = sqlx::query("INSERT INTO conversations (id, request_id, created_at, last_activity_at) VALUES ($1, $2, $3, $3) RETURNING *")
            .bind(conversation.as_str())
            .bind(id.as_str())
            .bind(now.millis())
            .fetch_one(&mut *tx)
            .await?;
        let opened = rows::conversation(&row)?;
        for user in [&request.senior_id, volunteer] {
            sqlx::query(
                "INSERT INTO conversation_participants (conversation_id, user_id) VALUES ($1, $2)",
            )
            .bind(conversation.as_str())
            .bind(user.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(ClaimOutcome::Claimed {
            request,
            conversation: opened,
        })
    }

    async fn expire_due_requests(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<HelpRequest>> {
        // Rows another sweeper (or a claim) holds are skipped, not waited
        // for, so each expired request goes to exactly one caller. The pick
        // is a CTE, which runs once: as `WHERE id IN (subquery)` the planner
        // may rescan the subquery per row, and each rescan skips the rows
        // this statement already updated and locks `limit` more.
        let found = sqlx::query(
            "WITH due AS ( \
               SELECT id FROM help_requests WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 \
               FOR UPDATE SKIP LOCKED) \
             UPDATE help_requests r SET status = 'expired' FROM due WHERE r.id = due.id AND r.status = 'pending' RETURNING r.*",
        )
        .bind(now.millis())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(&found, rows::help_request)
    }

    async fn set_feedback(
        &self,
        id: &RequestId,
        feedback: &Feedback,
    ) -> StoreResult<Option<HelpRequest>> {
        let row = sqlx::query(
            "UPDATE help_requests SET rating = $1, feedback = $2 WHERE id = $3 AND status = 'completed' AND rating IS NULL \
             RETURNING *",
        )
        .bind(feedback.rating)
        .bind(feedback.text.as_deref())
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::help_request).transpose()
    }

    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        let row = sqlx::query("SELECT * FROM conversations WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::conversation).transpose()
    }

    async fn participants(&self, id: &ConversationId) -> StoreResult<Vec<UserId>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT user_id FROM conversation_participants WHERE conversation_id = $1 ORDER BY user_id")
            .bind(id.as_str())
            .fetch_all(&self.pool)
            .await?;
        Ok(ids.into_iter().map(UserId::from_trusted).collect())
    }

    async fn active_conversations_of(&self, user: &UserId) -> StoreResult<Vec<ConversationId>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT c.id FROM conversations c JOIN conversation_participants p ON p.conversation_id = c.id \
             WHERE p.user_id = $1 AND c.status = 'active'",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(ids.into_iter().map(ConversationId::from_trusted).collect())
    }

    async fn conversation_summaries(&self, user: &UserId) -> StoreResult<Vec<ConversationSummary>> {
        let found = sqlx::query(
            "SELECT c.*, p.last_read_seq AS my_read_seq, \
                    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.seq > p.last_read_seq \
                       AND m.sender_id <> p.user_id) AS unread_count \
             FROM conversation_participants p JOIN conversations c ON c.id = p.conversation_id \
             WHERE p.user_id = $1 ORDER BY c.last_activity_at DESC, c.id DESC",
        )
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await?;
        let mut summaries = Vec::with_capacity(found.len());
        for row in &found {
            let conversation = rows::conversation(row)?;
            let people = sqlx::query(
                "SELECT u.id, u.display_name, u.role FROM conversation_participants p JOIN users u ON u.id = p.user_id \
                 WHERE p.conversation_id = $1 ORDER BY u.id",
            )
            .bind(conversation.id.as_str())
            .fetch_all(&self.pool)
            .await?;
            let participants = rows::all(&people, |r| {
                Ok(Participant {
                    id: UserId::from_trusted(r.text("id")?),
                    display_name: r.text("display_name")?,
                    role: Role::parse(&r.text("role")?)
                        .ok_or_else(|| StoreError::Corrupt("role".into()))?,
                })
            })?;
            let last =
                sqlx::query("SELECT * FROM messages WHERE conversation_id = $1 AND seq = $2")
                    .bind(conversation.id.as_str())
                    .bind(conversation.last_seq)
                    .fetch_optional(&self.pool)
                    .await?;
            summaries.push(ConversationSummary {
                id: conversation.id,
                status: conversation.status,
                request_id: conversation.request_id,
                participants,
                last_message: last.as_ref().map(rows::message).transpose()?,
                unread_count: row.int("unread_count")?,
                last_read_seq: row.int("my_read_seq")?,
                created_at: conversation.created_at,
                ended_at: conversation.ended_at,
            });
        }
        Ok(summaries)
    }

    async fn end_conversation(
        &self,
        id: &ConversationId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Conversation>> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "UPDATE conversations SET status = 'ended', ended_at = $1, ended_by = $2, last_activity_at = $1 \
             WHERE id = $3 AND status = 'active' RETURNING *",
        )
        .bind(now.millis())
        .bind(by.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let ended = rows::conversation(&row)?;
        if let Some(request_id) = &ended.request_id {
            sqlx::query("UPDATE help_requests SET status = 'completed', completed_at = $1 WHERE id = $2 AND status = 'accepted'")
                .bind(now.millis())
                .bind(request_id.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(ended))
    }

    async fn mark_read(
        &self,
        id: &ConversationId,
        user: &UserId,
        up_to_seq: i64,
    ) -> StoreResult<i64> {
        let mark: Option<i64> = sqlx::query_scalar(
            "UPDATE conversation_participants SET last_read_seq = GREATEST(last_read_seq, \
               LEAST($1, (SELECT last_seq FROM conversations WHERE id = $2))) \
             WHERE conversation_id = $2 AND user_id = $3 RETURNING last_read_seq",
        )
        .bind(up_to_seq)
        .bind(id.as_str())
        .bind(user.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(mark.unwrap_or(0))
    }

    async fn append_message(
        &self,
        new: &NewMessage,
    ) -> StoreResult<Result<Appended, AppendRefusal>> {
        let d = &new.draft;
        let mut tx = self.pool.begin().await?;
        // Fast path for a retry whose first attempt committed long ago.
        if let Some(message) = message_by_client_id(&mut tx, new).await? {
            tx.rollback().await?;
            return Ok(Ok(Appended {
                message,
                created: false,
            }));
        }
        // Locks the conversation row until commit: appends to one
        // conversation queue here, so seq is gapless and the check below
        // sees any concurrent retry of this clientMessageId that got in first.
        let seq: Option<i64> = sqlx::query_scalar(
            "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = $1 WHERE id = $2 AND status = 'active' \
             RETURNING last_seq",
        )
        .bind(new.created_at.millis())
        .bind(d.conversation_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let existing = message_by_client_id(&mut tx, new).await?;
        let Some(seq) = seq.filter(|_| existing.is_none()) else {
            // Nothing to keep: undo the seq bump, if there was one.
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM conversations WHERE id = $1)")
                    .bind(d.conversation_id.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
            tx.rollback().await?;
            return Ok(match existing {
                Some(message) => Ok(Appended {
                    message,
                    created: false,
                }),
                None if exists => Err(AppendRefusal::Ended),
                None => Err(AppendRefusal::NoConversation),
            });
        };
        let message = Message {
            id: new.id.clone(),
            conversation_id: d.conversation_id.clone(),
            seq,
            sender_id: new.sender_id.clone(),
            content: d.content.clone(),
            message_type: d.message_type,
            client_message_id: d.client_message_id.clone(),
            created_at: new.created_at,
        };
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, seq, sender_id, content, type, client_message_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(message.id.as_str())
        .bind(message.conversation_id.as_str())
        .bind(seq)
        .bind(message.sender_id.as_str())
        .bind(&message.content)
        .bind(message.message_type.as_str())
        .bind(&message.client_message_id)
        .bind(message.created_at.millis())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(Appended {
            message,
            created: true,
        }))
    }

    async fn messages_after(
        &self,
        id: &ConversationId,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let found = sqlx::query(
            "SELECT * FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(id.as_str())
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows::all(&found, rows::message)
    }

    async fn messages_before(
        &self,
        id: &ConversationId,
        before_seq: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Message>> {
        let found = sqlx::query("SELECT * FROM messages WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3")
            .bind(id.as_str())
            .bind(before_seq.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut messages = rows::all(&found, rows::message)?;
        messages.reverse();
        Ok(messages)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

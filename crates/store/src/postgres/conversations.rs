//! Conversations in PostgreSQL: one by id, its participants, the active ones a
//! user is in (the rooms a socket joins), each participant's summaries,
//! starting a direct one (one per pair, a unique index decides) and ending
//! one with its closing note. Marks and archiving are in
//! [`super::receipts`], the timer in [`super::timers`].

use super::edits::insert_note;
use crate::StoreError;
use crate::StoreResult;
use crate::rows::{self, Columns};
use crate::sql;
use helpline_core::Timestamp;
use helpline_core::conversation::Conversation;
use helpline_core::conversation::ConversationSummary;
use helpline_core::conversation::Participant;
use helpline_core::conversation::direct_key;
use helpline_core::notice::SystemNote;
use helpline_core::user::Role;
use helpline_core::{ConversationId, UserId};

#[async_trait::async_trait]
impl crate::Conversations for super::PostgresStore {
    async fn conversation(&self, id: &ConversationId) -> StoreResult<Option<Conversation>> {
        let store = self;
        let row = sqlx::query(sql::conversations::SELECT_CONVERSATIONS_BY_ID)
            .bind(id.as_str())
            .fetch_optional(&store.pool)
            .await?;
        row.as_ref().map(rows::conversation).transpose()
    }

    async fn participants(&self, id: &ConversationId) -> StoreResult<Vec<UserId>> {
        let store = self;
        let ids: Vec<String> = sqlx::query_scalar(sql::conversations::PARTICIPANT_IDS)
            .bind(id.as_str())
            .fetch_all(&store.pool)
            .await?;
        Ok(ids.into_iter().map(UserId::from_trusted).collect())
    }

    async fn active_conversations_of(&self, user: &UserId) -> StoreResult<Vec<ConversationId>> {
        let store = self;
        let ids: Vec<String> = sqlx::query_scalar(sql::conversations::ACTIVE_CONVERSATIONS_OF)
            .bind(user.as_str())
            .fetch_all(&store.pool)
            .await?;
        Ok(ids.into_iter().map(ConversationId::from_trusted).collect())
    }

    async fn conversation_summaries(&self, user: &UserId) -> StoreResult<Vec<ConversationSummary>> {
        let pool = &self.pool;
        let found = sqlx::query(sql::conversations::CONVERSATION_SUMMARIES_OF)
            .bind(user.as_str())
            .fetch_all(pool)
            .await?;
        let mut summaries = Vec::with_capacity(found.len());
        for row in &found {
            let conversation = rows::conversation(row)?;
            let people = sqlx::query(sql::conversations::SUMMARY_PARTICIPANTS)
                .bind(conversation.id.as_str())
                .fetch_all(pool)
                .await?;
            let participants = rows::all(&people, |r| {
                Ok(Participant {
                    id: UserId::from_trusted(r.text("id")?),
                    display_name: r.text("display_name")?,
                    role: Role::parse(&r.text("role")?)
                        .ok_or_else(|| StoreError::Corrupt("role".into()))?,
                    read_seq: r.int("last_read_seq")?,
                    delivered_seq: r.int("last_delivered_seq")?,
                })
            })?;
            let last = sqlx::query(select_messages!(
                "WHERE m.conversation_id = $1 AND m.seq = $2"
            ))
            .bind(conversation.id.as_str())
            .bind(conversation.last_seq)
            .fetch_optional(pool)
            .await?;
            summaries.push(ConversationSummary {
                id: conversation.id,
                status: conversation.status,
                kind: conversation.kind,
                request_id: conversation.request_id,
                participants,
                last_message: last.as_ref().map(rows::message).transpose()?,
                unread_count: row.int("unread_count")?,
                last_read_seq: row.int("my_read_seq")?,
                archived: row.opt_int("my_archived_at")?.is_some(),
                auto_delete_secs: conversation.auto_delete_secs,
                created_at: conversation.created_at,
                ended_at: conversation.ended_at,
            });
        }
        Ok(summaries)
    }

    /// The insert yields to a concurrent one through the partial unique
    /// index, then reads the winner.
    async fn start_direct_conversation(
        &self,
        caller: &UserId,
        other: &UserId,
        id: &ConversationId,
        now: Timestamp,
    ) -> StoreResult<(Conversation, bool)> {
        let pool = &self.pool;
        let key = direct_key(caller, other);
        let select = sql::conversations::ACTIVE_DIRECT_CONVERSATION;
        if let Some(row) = sqlx::query(select).bind(&key).fetch_optional(pool).await? {
            return Ok((rows::conversation(&row)?, false));
        }
        let mut tx = pool.begin().await?;
        let inserted = sqlx::query(
        "INSERT INTO conversations (id, kind, direct_key, created_at, last_activity_at) \
         VALUES ($1, 'direct', $2, $3, $3) \
         ON CONFLICT (direct_key) WHERE status = 'active' AND kind = 'direct' DO NOTHING RETURNING *",
    )
    .bind(id.as_str())
    .bind(&key)
    .bind(now.millis())
    .fetch_optional(&mut *tx)
    .await?;
        let Some(row) = inserted else {
            tx.rollback().await?;
            let row = sqlx::query(select).bind(&key).fetch_one(pool).await?;
            return Ok((rows::conversation(&row)?, false));
        };
        for user in [caller, other] {
            sqlx::query(sql::conversations::INSERT_CONVERSATION_PARTICIPANTS)
                .bind(id.as_str())
                .bind(user.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok((rows::conversation(&row)?, true))
    }

    async fn end_conversation(
        &self,
        id: &ConversationId,
        by: &UserId,
        note: &SystemNote,
        now: Timestamp,
    ) -> StoreResult<Option<Conversation>> {
        let pool = &self.pool;
        let mut tx = pool.begin().await?;
        // The note of the ending takes the last seq.
        let row = sqlx::query(sql::conversations::END_CONVERSATION)
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
        insert_note(&mut tx, &note.message(id, by, ended.last_seq, now)).await?;
        if let Some(request_id) = &ended.request_id {
            sqlx::query(sql::conversations::COMPLETE_REQUEST)
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
        super::receipts::mark_read(self, id, user, up_to_seq).await
    }

    async fn mark_delivered(
        &self,
        id: &ConversationId,
        user: &UserId,
        up_to_seq: i64,
    ) -> StoreResult<Option<i64>> {
        super::receipts::mark_delivered(&self.pool, id, user, up_to_seq).await
    }

    async fn set_archived(
        &self,
        id: &ConversationId,
        user: &UserId,
        archived: bool,
        now: Timestamp,
    ) -> StoreResult<bool> {
        super::receipts::set_archived(&self.pool, id, user, archived, now).await
    }

    async fn set_auto_delete(
        &self,
        id: &ConversationId,
        secs: Option<i64>,
    ) -> StoreResult<Option<Conversation>> {
        super::timers::set_auto_delete(&self.pool, id, secs).await
    }
}

//! Support's overview on SQLite: every pending request and every active
//! request conversation, read on the reader pool.

use crate::rows::{self, Columns};
use crate::sql;
use crate::{ActiveSession, OfferableRequest, StoreResult};
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};

#[async_trait::async_trait]
impl crate::Support for super::SqliteStore {
    async fn pending_requests(&self, now: Timestamp) -> StoreResult<Vec<OfferableRequest>> {
        let readers = &self.readers;
        let found = sqlx::query(sql::support::PENDING_REQUESTS)
            .bind(now.millis())
            .fetch_all(readers)
            .await?;
        rows::all(&found, |r| {
            Ok(OfferableRequest {
                request: rows::help_request(r)?,
                seeker_display_name: r.text("seeker_display_name")?,
            })
        })
    }

    async fn active_sessions(&self) -> StoreResult<Vec<crate::ActiveSession>> {
        let readers = &self.readers;
        let found = sqlx::query(sql::support::ACTIVE_SESSIONS)
            .fetch_all(readers)
            .await?;
        rows::all(&found, |r| {
            Ok(ActiveSession {
                conversation_id: ConversationId::from_trusted(r.text("conversation_id")?),
                request_id: RequestId::from_trusted(r.text("request_id")?),
                seeker_id: UserId::from_trusted(r.text("senior_id")?),
                seeker_display_name: r.text("seeker_name")?,
                volunteer_id: UserId::from_trusted(r.text("volunteer_id")?),
                volunteer_display_name: r.text("volunteer_name")?,
                started_at: Timestamp::from_millis(r.int("created_at")?),
            })
        })
    }
}

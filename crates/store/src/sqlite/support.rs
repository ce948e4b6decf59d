//! Support's overview on SQLite: every pending request and every active
//! request conversation, read on the reader pool.

use crate::rows::{self, Columns};
use crate::{ActiveSession, OfferableRequest, StoreResult};
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};

#[async_trait::async_trait]
impl crate::Support for super::SqliteStore {
    async fn pending_requests(&self, now: Timestamp) -> StoreResult<Vec<OfferableRequest>> {
        let readers = &self.readers;
        let found = sqlx::query(
            "SELECT r.*, u.display_name AS seeker_display_name FROM help_requests r \
         JOIN users u ON u.id = r.senior_id \
         WHERE r.status = 'pending' AND r.expires_at > ?1 ORDER BY r.created_at, r.id",
        )
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
        let found = sqlx::query(
        "SELECT c.id AS conversation_id, r.id AS request_id, r.senior_id, s.display_name AS seeker_name, \
                r.volunteer_id, v.display_name AS volunteer_name, c.created_at \
         FROM conversations c JOIN help_requests r ON r.id = c.request_id \
         JOIN users s ON s.id = r.senior_id JOIN users v ON v.id = r.volunteer_id \
         WHERE c.status = 'active' ORDER BY c.created_at, c.id",
    )
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

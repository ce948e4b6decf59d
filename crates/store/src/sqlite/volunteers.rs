//! Volunteers' credentials and load on SQLite: credentials replaced in
//! one writer job, reads on the reader pool.

use crate::StoreResult;
use crate::rows;
use crate::sql;
use helpline_core::UserId;
use helpline_core::request::Topic;

#[async_trait::async_trait]
impl crate::Volunteers for super::SqliteStore {
    async fn set_credentials(
        &self,
        volunteer: &UserId,
        topics: &[Topic],
    ) -> StoreResult<Option<Vec<Topic>>> {
        let (volunteer, topics) = (volunteer.clone(), topics.to_vec());
        self.writer
            .run(move |conn| {
                Box::pin(async move {
                    let known: i64 = sqlx::query_scalar(sql::volunteers::IS_VOLUNTEER)
                        .bind(volunteer.as_str())
                        .fetch_one(&mut *conn)
                        .await?;
                    if known == 0 {
                        return Ok(None);
                    }
                    sqlx::query(sql::volunteers::CLEAR_CREDENTIALS)
                        .bind(volunteer.as_str())
                        .execute(&mut *conn)
                        .await?;
                    for topic in &topics {
                        sqlx::query(sql::volunteers::INSERT_CREDENTIAL)
                            .bind(volunteer.as_str())
                            .bind(topic.as_str())
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(Some(topics))
                })
            })
            .await
    }

    async fn all_credentials(&self) -> StoreResult<Vec<(UserId, Vec<Topic>)>> {
        let found: Vec<(String, String)> = sqlx::query_as(sql::volunteers::ALL_CREDENTIALS)
            .fetch_all(&self.readers)
            .await?;
        rows::credentials(found)
    }

    async fn credentialed_for(&self, topic: Topic) -> StoreResult<Vec<UserId>> {
        let found: Vec<String> = sqlx::query_scalar(sql::volunteers::CREDENTIALED_FOR)
            .bind(topic.as_str())
            .fetch_all(&self.readers)
            .await?;
        Ok(found.into_iter().map(UserId::from_trusted).collect())
    }

    async fn volunteer_loads(&self) -> StoreResult<Vec<(UserId, i64)>> {
        let found: Vec<(String, i64)> = sqlx::query_as(sql::volunteers::VOLUNTEER_LOADS)
            .fetch_all(&self.readers)
            .await?;
        Ok(found
            .into_iter()
            .map(|(v, n)| (UserId::from_trusted(v), n))
            .collect())
    }
}

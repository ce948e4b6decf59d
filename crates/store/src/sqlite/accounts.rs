//! Accounts in SQLite: creating one (a taken username is
//! [`StoreError::UsernameTaken`]), reading one by id, credentials for login,
//! the list of volunteers, and finding people by name.

use crate::error::is_unique_violation;
use crate::rows::{self, Columns};
use crate::sql;
use crate::{Credentials, StoreError, StoreResult};
use helpline_core::user::{NewAccount, User};
use helpline_core::{Timestamp, UserId};

#[async_trait::async_trait]
impl crate::Accounts for super::SqliteStore {
    async fn create_user(
        &self,
        account: &NewAccount,
        password_hash: &str,
        id: &UserId,
        now: Timestamp,
    ) -> StoreResult<User> {
        let store = self;
        let user = User {
            id: id.clone(),
            username: account.username.clone(),
            display_name: account.display_name.clone(),
            role: account.role,
            languages: account.languages.clone(),
            created_at: now,
            availability: helpline_core::user::Availability::Available,
        };
        let languages = serde_json::to_string(&user.languages)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (stored, hash) = (user.clone(), password_hash.to_owned());
        store
            .writer
            .run(move |conn| {
                Box::pin(async move {
                    sqlx::query(sql::accounts::INSERT_USERS)
                        .bind(stored.id.as_str())
                        .bind(&stored.username)
                        .bind(&hash)
                        .bind(&stored.display_name)
                        .bind(stored.role.as_str())
                        .bind(&languages)
                        .bind(stored.created_at.millis())
                        .execute(conn)
                        .await
                        .map_err(|e| {
                            if is_unique_violation(&e) {
                                StoreError::UsernameTaken
                            } else {
                                e.into()
                            }
                        })?;
                    Ok(())
                })
            })
            .await?;
        Ok(user)
    }

    async fn user(&self, id: &UserId) -> StoreResult<Option<User>> {
        let store = self;
        let row = sqlx::query(sql::accounts::SELECT_USERS_BY_ID)
            .bind(id.as_str())
            .fetch_optional(&store.readers)
            .await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>> {
        let store = self;
        let row = sqlx::query(sql::accounts::SELECT_USERS_BY_USERNAME)
            .bind(username)
            .fetch_optional(&store.readers)
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
        let store = self;
        let found = sqlx::query(sql::accounts::VOLUNTEERS)
            .fetch_all(&store.readers)
            .await?;
        rows::all(&found, rows::user)
    }

    async fn support_agents(&self) -> StoreResult<Vec<UserId>> {
        let found: Vec<String> = sqlx::query_scalar(sql::accounts::SUPPORT_AGENTS)
            .fetch_all(&self.readers)
            .await?;
        Ok(found.into_iter().map(UserId::from_trusted).collect())
    }

    async fn search_users(&self, text: &str, limit: i64) -> StoreResult<Vec<User>> {
        let found = sqlx::query(sql::accounts::SEARCH_USERS)
            .bind(sql::accounts::contains_pattern(text))
            .bind(limit)
            .fetch_all(&self.readers)
            .await?;
        rows::all(&found, rows::user)
    }
}

//! Web Push steps both backends run the same way, written once: each
//! backend's `push.rs` expands [`push_steps!`] with its connection and pool
//! types (sqlx's row and argument types differ per database, so the
//! statements cannot share one generic function). The statements are in
//! `sql/push.rs`.

/// Defines `queue`, `renew`, `has_device`, `any_marks`, `throttled` and
/// `take` for connection type `$conn` and pool type `$pool`.
macro_rules! push_steps {
    ($conn:ty, $pool:ty) => {
        /// Queues one push per device of its user, due at `due`.
        async fn queue(
            conn: &mut $conn,
            push: &OutgoingPush,
            due: Timestamp,
        ) -> StoreResult<usize> {
            let done = sqlx::query(sql::QUEUE_PUSH)
                .bind(push.notice.kind.as_str())
                .bind(push.notice.to_json())
                .bind(push.urgency.as_str())
                .bind(push.topic.as_deref())
                .bind(push.expires_at.millis())
                .bind(due.millis())
                .bind(push.user.as_str())
                .bind(push.while_pending.as_ref().map(|r| r.as_str()))
                .execute(&mut *conn)
                .await?;
            Ok(done.rows_affected() as usize)
        }

        async fn renew(
            conn: &mut $conn,
            (old, old_hash): (&str, &str),
            draft: &SubscriptionDraft,
            new_hash: &str,
            now: Timestamp,
        ) -> StoreResult<Option<(UserId, SubscriptionInfo)>> {
            let owner: Option<String> = sqlx::query_scalar(sql::OWNER_OF_SUBSCRIPTION)
                .bind(old)
                .bind(old_hash)
                .fetch_optional(&mut *conn)
                .await?;
            let Some(owner) = owner else {
                return Ok(None);
            };
            // A renewal never takes an endpoint someone else holds.
            let held: bool = sqlx::query_scalar(sql::HELD_BY_OTHER)
                .bind(&draft.endpoint)
                .bind(&owner)
                .fetch_one(&mut *conn)
                .await?;
            if held {
                return Ok(None);
            }
            sqlx::query(sql::DELETE_OTHER_SUBSCRIPTION)
                .bind(&draft.endpoint)
                .bind(old)
                .bind(&owner)
                .execute(&mut *conn)
                .await?;
            let row = sqlx::query(sql::RENEW_SUBSCRIPTION)
                .bind(&draft.endpoint)
                .bind(&draft.p256dh)
                .bind(&draft.auth)
                .bind(new_hash)
                .bind(draft.expiration_time.map(Timestamp::millis))
                .bind(now.millis())
                .bind(old)
                .fetch_optional(&mut *conn)
                .await?;
            row.map(|row| {
                Ok((
                    UserId::from_trusted(rows::Columns::text(&row, "user_id")?),
                    rows::subscription_info(&row)?,
                ))
            })
            .transpose()
        }

        /// Whether `user` has a device; read before any write, so a message to
        /// someone without one costs no write.
        async fn has_device(pool: &$pool, user: &UserId) -> StoreResult<bool> {
            Ok(sqlx::query_scalar(sql::HAS_DEVICE)
                .bind(user.as_str())
                .fetch_one(pool)
                .await?)
        }

        /// Whether anyone was pushed about `subject`: a read, so closing a request
        /// nobody was pushed about (nearly all of them) costs no write. A mark
        /// written meanwhile is the opener's to take back (it re-reads the request
        /// after queueing).
        async fn any_marks(pool: &$pool, subject: &str) -> StoreResult<bool> {
            Ok(sqlx::query_scalar(sql::ANY_MARKS)
                .bind(subject)
                .fetch_one(pool)
                .await?)
        }

        /// The throttle: now, deferred to the next slot, or covered by the one
        /// queued for it.
        async fn throttled(
            conn: &mut $conn,
            push: &OutgoingPush,
            now: Timestamp,
            gap: Duration,
        ) -> StoreResult<MessageSlot> {
            let user = push.user.as_str();
            let took: Option<String> = sqlx::query_scalar(sql::TAKE_THROTTLE_SLOT)
                .bind(user)
                .bind(now.millis())
                .bind(now.minus(gap).millis())
                .fetch_optional(&mut *conn)
                .await?;
            if took.is_some() {
                queue(conn, push, now).await?;
                return Ok(MessageSlot::Now);
            }
            let next: Option<i64> = sqlx::query_scalar(sql::RESERVE_NEXT_SLOT)
                .bind(gap.as_millis() as i64)
                .bind(user)
                .bind(now.millis())
                .fetch_optional(&mut *conn)
                .await?;
            if let Some(next) = next {
                let at = Timestamp::from_millis(next);
                queue(conn, push, at).await?;
                return Ok(MessageSlot::Deferred(at));
            }
            let at: i64 = sqlx::query_scalar(sql::SLOT_OF)
                .bind(user)
                .fetch_one(&mut *conn)
                .await?;
            Ok(MessageSlot::Covered(Timestamp::from_millis(at)))
        }

        /// Takes the marks of `subject` (one user's, or all) and drops their
        /// unsent pushes of the given kind and topic.
        async fn take(
            conn: &mut $conn,
            subject: &str,
            only: Option<&UserId>,
            unsent: Option<(PushKind, &str)>,
        ) -> StoreResult<Vec<UserId>> {
            let ids: Vec<String> = match only {
                Some(user) => sqlx::query_scalar(sql::TAKE_PUSHED_ONE)
                    .bind(subject)
                    .bind(user.as_str()),
                None => sqlx::query_scalar(sql::TAKE_PUSHED).bind(subject),
            }
            .fetch_all(&mut *conn)
            .await?;
            if let Some((kind, topic)) = unsent {
                for id in &ids {
                    sqlx::query(sql::DROP_UNSENT)
                        .bind(kind.as_str())
                        .bind(topic)
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            Ok(ids.into_iter().map(UserId::from_trusted).collect())
        }
    };
}
pub(crate) use push_steps;

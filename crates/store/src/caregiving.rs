//! Caregiving reads both backends run the same way, written once: each
//! backend's `caregivers.rs` expands [`caregiving_steps!`] with its pool
//! type (sqlx's row and argument types differ per database). The
//! statements are in `sql/caregivers.rs`; the rows become domain values
//! here.

use crate::StoreError;
use crate::rows::Columns;
use helpline_core::caregiving::{Caregiver, Contact, ContactKind, Invitation, OpenAlert};
use helpline_core::user::Role;
use helpline_core::{InvitationId, Timestamp, UserId};

/// A seeker linked to a caregiver, as the link row reads.
pub(crate) struct LinkedSeeker {
    pub id: UserId,
    pub name: String,
    pub since: Timestamp,
    pub show_names: bool,
}

pub(crate) fn invitation(row: &impl Columns) -> Result<Invitation, StoreError> {
    Ok(Invitation {
        id: InvitationId::from_trusted(row.text("id")?),
        created_at: Timestamp::from_millis(row.int("created_at")?),
        expires_at: Timestamp::from_millis(row.int("expires_at")?),
    })
}

pub(crate) fn linked_seeker(row: &impl Columns) -> Result<LinkedSeeker, StoreError> {
    Ok(LinkedSeeker {
        id: UserId::from_trusted(row.text("seeker_id")?),
        name: row.text("display_name")?,
        since: Timestamp::from_millis(row.int("created_at")?),
        show_names: row.int("show_volunteer_names")? != 0,
    })
}

/// A caregiver without their views (read separately).
pub(crate) fn caregiver(row: &impl Columns) -> Result<Caregiver, StoreError> {
    Ok(Caregiver {
        caregiver_id: UserId::from_trusted(row.text("caregiver_id")?),
        name: row.text("display_name")?,
        since: Timestamp::from_millis(row.int("created_at")?),
        show_volunteer_names: row.int("show_volunteer_names")? != 0,
        view_count: row.int("view_count")?,
        views: Vec::new(),
    })
}

fn role(row: &impl Columns) -> Result<Role, StoreError> {
    let text = row.text("role")?;
    Role::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("role {text}")))
}

/// A chat or call row; `duration_secs` only on calls.
pub(crate) fn contact(
    row: &impl Columns,
    kind: ContactKind,
    show_names: bool,
) -> Result<Contact, StoreError> {
    Ok(Contact {
        kind,
        at: Timestamp::from_millis(row.int("at")?),
        until: row.opt_int("until")?.map(Timestamp::from_millis),
        duration_secs: match kind {
            ContactKind::Call => row.opt_int("duration_secs")?,
            ContactKind::Chat => None,
        },
        with: role(row)?,
        volunteer_name: if show_names {
            Some(row.text("display_name")?)
        } else {
            None
        },
    })
}

pub(crate) fn open_alert(row: &impl Columns) -> Result<OpenAlert, StoreError> {
    let acknowledged_at = row.opt_int("acknowledged_at")?.map(Timestamp::from_millis);
    Ok(OpenAlert {
        status: helpline_core::alerts::status_of(acknowledged_at.is_some(), false),
        raised_at: Timestamp::from_millis(row.int("created_at")?),
        acknowledged_at,
        raised_by: role(row)?,
        kind: parsed_kind(&row.text("kind")?)?,
    })
}

fn parsed_kind(kind: &str) -> Result<helpline_core::alerts::AlertKind, StoreError> {
    helpline_core::alerts::AlertKind::parse(kind)
        .ok_or_else(|| StoreError::Corrupt(format!("alert kind {kind:?}")))
}

/// An open welfare check's row ([`crate::sql::caregivers::OPEN_WELFARE_ABOUT`]).
pub(crate) fn open_welfare(
    row: &impl Columns,
) -> Result<helpline_core::caregiving::OpenWelfare, StoreError> {
    let cause = row.text("cause")?;
    Ok(helpline_core::caregiving::OpenWelfare {
        cause: helpline_core::welfare::WelfareCause::parse(&cause)
            .ok_or_else(|| StoreError::Corrupt(format!("welfare cause {cause:?}")))?,
        since: Timestamp::from_millis(row.int("since")?),
        raised_at: Timestamp::from_millis(row.int("raised_at")?),
    })
}

/// Defines `summary_of(pool, seeker, window_start)` and
/// `caregivers_with_views(pool, seeker, views)` for pool type `$pool`.
macro_rules! caregiving_steps {
    ($pool:ty) => {
        /// What a caregiver sees of one linked seeker.
        async fn summary_of(
            pool: &$pool,
            seeker: crate::caregiving::LinkedSeeker,
            window_start: Timestamp,
        ) -> StoreResult<helpline_core::caregiving::SeekerSummary> {
            use helpline_core::caregiving::ContactKind;
            let id = seeker.id.as_str();
            let chats = sqlx::query(sql::CHATS_SINCE)
                .bind(id)
                .bind(window_start.millis())
                .fetch_all(pool)
                .await?;
            let calls = sqlx::query(sql::CALLS_SINCE)
                .bind(id)
                .bind(window_start.millis())
                .fetch_all(pool)
                .await?;
            let mut contacts = Vec::with_capacity(chats.len() + calls.len());
            for row in &chats {
                contacts.push(crate::caregiving::contact(
                    row,
                    ContactKind::Chat,
                    seeker.show_names,
                )?);
            }
            for row in &calls {
                contacts.push(crate::caregiving::contact(
                    row,
                    ContactKind::Call,
                    seeker.show_names,
                )?);
            }
            contacts.sort_by(|a, b| b.at.cmp(&a.at));
            let last = sqlx::query(sql::LAST_CONTACT)
                .bind(id)
                .fetch_one(pool)
                .await?;
            let last_contact_at = {
                use crate::rows::Columns;
                last.opt_int("chat")?
                    .max(last.opt_int("call")?)
                    .map(Timestamp::from_millis)
            };
            let alerts = sqlx::query(sql::OPEN_ALERTS_ABOUT)
                .bind(id)
                .fetch_all(pool)
                .await?;
            let welfare = sqlx::query(sql::OPEN_WELFARE_ABOUT)
                .bind(id)
                .fetch_all(pool)
                .await?;
            Ok(helpline_core::caregiving::SeekerSummary {
                seeker_id: seeker.id,
                name: seeker.name,
                since: seeker.since,
                last_contact_at,
                chats_this_week: 0,
                calls_this_week: 0,
                contacts,
                open_alerts: crate::rows::all(&alerts, crate::caregiving::open_alert)?,
                open_welfare: crate::rows::all(&welfare, crate::caregiving::open_welfare)?,
            }
            .counted())
        }

        /// The seeker's caregivers, each with their last `views` views.
        async fn caregivers_with_views(
            pool: &$pool,
            seeker: &UserId,
            views: i64,
        ) -> StoreResult<Vec<helpline_core::caregiving::Caregiver>> {
            let found = sqlx::query(sql::CAREGIVERS_OF)
                .bind(seeker.as_str())
                .fetch_all(pool)
                .await?;
            let mut caregivers = crate::rows::all(&found, crate::caregiving::caregiver)?;
            for caregiver in &mut caregivers {
                let times: Vec<i64> = sqlx::query_scalar(sql::VIEWS_OF)
                    .bind(seeker.as_str())
                    .bind(caregiver.caregiver_id.as_str())
                    .bind(views)
                    .fetch_all(pool)
                    .await?;
                caregiver.views = times.into_iter().map(Timestamp::from_millis).collect();
            }
            Ok(caregivers)
        }
    };
}
pub(crate) use caregiving_steps;

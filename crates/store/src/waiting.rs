//! The waiting line's rows, read alike on both backends: the pending
//! requests with what each seeker was last told, and which standings
//! changed since ([`helpline_core::queue`] works the standings out;
//! decision 0030).

use crate::StoreError;
use crate::rows::Columns;
use helpline_core::queue::{Standing, Waiting, WaitingLine};
use helpline_core::{RequestId, UserId};

/// What a seeker was last told: position and estimate, as stored.
pub(crate) type Told = (Option<i64>, Option<i64>);

/// One row of [`crate::sql::requests::WAITING_LINE`].
pub(crate) fn waiting_row(row: &impl Columns) -> Result<(Waiting, Told), StoreError> {
    Ok((
        Waiting {
            id: RequestId::from_trusted(row.text("id")?),
            seeker: UserId::from_trusted(row.text("senior_id")?),
            target: row
                .opt_text("target_volunteer_id")?
                .map(UserId::from_trusted),
        },
        (
            row.opt_int("told_position")?,
            row.opt_int("told_wait_secs")?,
        ),
    ))
}

/// The line from its rows and the mean wait.
pub(crate) fn line_of(
    rows: Vec<(Waiting, Told)>,
    mean_wait_ms: Option<i64>,
) -> (WaitingLine, Vec<Told>) {
    let (line, told) = rows.into_iter().unzip();
    (WaitingLine { line, mean_wait_ms }, told)
}

/// The standings that differ from what their seekers were told, each with
/// the values to store.
pub(crate) fn changed(line: &WaitingLine, told: &[Told]) -> Vec<(Standing, Told)> {
    line.standings()
        .into_iter()
        .zip(told)
        .filter_map(|(standing, was)| {
            let now: Told = (
                Some(i64::from(standing.position)),
                standing
                    .estimated_wait_secs
                    .map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
            );
            (now != *was).then_some((standing, now))
        })
        .collect()
}

/// Reads the waiting line and what each seeker was last told through
/// `$exec` (a pool, or `&mut *tx` inside a transaction) at `$now`, alike on
/// both backends: sqlx's row types differ per database, so this is a macro
/// rather than one generic function (as `push_steps!` is). Evaluates to a
/// future of `StoreResult<(WaitingLine, Vec<Told>)>`.
macro_rules! read_line {
    ($exec:expr, $now:expr) => {
        async {
            let now: helpline_core::Timestamp = $now;
            let found = sqlx::query(crate::sql::requests::WAITING_LINE)
                .bind(now.millis())
                .fetch_all($exec)
                .await?;
            let rows = crate::rows::all(&found, crate::waiting::waiting_row)?;
            let mean: Option<i64> = sqlx::query_scalar(crate::sql::requests::MEAN_RECENT_WAIT)
                .bind(helpline_core::queue::history_since(now).millis())
                .bind(helpline_core::queue::RECENT_WAITS)
                .fetch_one($exec)
                .await?;
            Ok::<_, crate::StoreError>(crate::waiting::line_of(rows, mean))
        }
    };
}
pub(crate) use read_line;

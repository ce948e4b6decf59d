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

//! The waiting line: where each pending request stands among those the
//! same volunteers could take, and about how long it may still wait.
//!
//! **Position.** Requests are served oldest first, so a request's position
//! is one more than the number of older pending requests that compete for
//! the same volunteers: for a request open to all, the older open ones; for
//! one made to a chosen volunteer, the older open ones and the older ones
//! made to that same volunteer (they could take any of those first).
//!
//! **Estimate.** `estimatedWaitSecs` = the mean wait (made → accepted) of
//! the last [`RECENT_WAITS`] requests accepted in the past
//! [`WAIT_HISTORY_MS`], times the position, rounded to the nearest multiple
//! of [`ESTIMATE_STEP_SECS`] (at least one); `None` with no such history.
//! The rounding keeps small drifts of the mean from telling every waiting
//! seeker again.

use crate::ids::{RequestId, UserId};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::HashMap;

/// How many recent accepted requests the mean wait is taken over.
pub const RECENT_WAITS: i64 = 20;
/// How far back an accepted request still counts as recent.
pub const WAIT_HISTORY_MS: i64 = 24 * 60 * 60 * 1000;
/// Estimates are rounded to a multiple of this many seconds.
pub const ESTIMATE_STEP_SECS: u64 = 10;

/// One pending request in the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// The request.
    pub id: RequestId,
    /// Its seeker.
    pub seeker: UserId,
    /// The volunteer it was made to, if the seeker chose one.
    pub target: Option<UserId>,
}

/// Every pending request, oldest first (ties by id), and the recent mean wait.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaitingLine {
    /// The pending requests in the order they are served.
    pub line: Vec<Waiting>,
    /// The mean wait of recent accepted requests, in milliseconds.
    pub mean_wait_ms: Option<i64>,
}

/// Where one request stands: the `request:position` event's payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Standing {
    /// The request.
    pub request_id: RequestId,
    /// Its seeker, who is told (not on the wire).
    #[serde(skip)]
    pub seeker: UserId,
    /// 1 for the next to be served.
    pub position: u32,
    /// About how much longer it may wait, or `null` with no recent history.
    pub estimated_wait_secs: Option<u64>,
}

impl WaitingLine {
    /// Every request's standing, in line order.
    pub fn standings(&self) -> Vec<Standing> {
        let mut open_before = 0u32;
        let mut made_to: HashMap<&UserId, u32> = HashMap::new();
        self.line
            .iter()
            .map(|waiting| {
                let position = 1
                    + open_before
                    + match &waiting.target {
                        Some(v) => made_to.get(v).copied().unwrap_or(0),
                        None => 0,
                    };
                match &waiting.target {
                    Some(v) => *made_to.entry(v).or_insert(0) += 1,
                    None => open_before += 1,
                }
                Standing {
                    request_id: waiting.id.clone(),
                    seeker: waiting.seeker.clone(),
                    position,
                    estimated_wait_secs: self.estimate(position),
                }
            })
            .collect()
    }

    /// The standing of one request, if it is in the line.
    pub fn standing_of(&self, id: &RequestId) -> Option<Standing> {
        self.standings().into_iter().find(|s| s.request_id == *id)
    }

    fn estimate(&self, position: u32) -> Option<u64> {
        let mean = u64::try_from(self.mean_wait_ms?.max(0)).ok()?;
        let millis = mean.saturating_mul(u64::from(position));
        let step_ms = ESTIMATE_STEP_SECS * 1000;
        let steps = (millis.saturating_add(step_ms / 2) / step_ms).max(1);
        Some(steps * ESTIMATE_STEP_SECS)
    }
}

/// The earliest acceptance that still counts for the mean wait at `now`.
pub fn history_since(now: Timestamp) -> Timestamp {
    Timestamp::from_millis(now.millis() - WAIT_HISTORY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waiting(id: &str, target: Option<&str>) -> Waiting {
        Waiting {
            id: RequestId::from_trusted(id.to_owned()),
            seeker: UserId::from_trusted(format!("seeker-{id}")),
            target: target.map(|t| UserId::from_trusted(t.to_owned())),
        }
    }

    fn positions(line: &WaitingLine) -> Vec<u32> {
        line.standings().iter().map(|s| s.position).collect()
    }

    #[test]
    fn open_requests_count_the_open_ones_before_them() {
        let line = WaitingLine {
            line: vec![
                waiting("a", None),
                waiting("b", Some("v1")),
                waiting("c", None),
                waiting("d", Some("v2")),
                waiting("e", None),
            ],
            mean_wait_ms: None,
        };
        assert_eq!(positions(&line), [1, 2, 2, 3, 3]);
    }

    #[test]
    fn targeted_requests_also_count_older_ones_to_the_same_volunteer() {
        let line = WaitingLine {
            line: vec![
                waiting("a", Some("v1")),
                waiting("b", Some("v1")),
                waiting("c", Some("v2")),
                waiting("d", None),
                waiting("e", Some("v1")),
            ],
            mean_wait_ms: None,
        };
        assert_eq!(positions(&line), [1, 2, 1, 1, 4]);
    }

    #[test]
    fn the_estimate_is_the_mean_wait_times_the_position_rounded() {
        let mut line = WaitingLine {
            line: vec![waiting("a", None), waiting("b", None), waiting("c", None)],
            mean_wait_ms: Some(25_000),
        };
        let estimates: Vec<_> = line
            .standings()
            .iter()
            .map(|s| s.estimated_wait_secs)
            .collect();
        assert_eq!(estimates, [Some(30), Some(50), Some(80)]);
        line.mean_wait_ms = Some(200);
        assert_eq!(line.standings()[0].estimated_wait_secs, Some(10));
        line.mean_wait_ms = Some(30_400);
        assert_eq!(line.standings()[0].estimated_wait_secs, Some(30));
        line.mean_wait_ms = None;
        assert_eq!(line.standings()[2].estimated_wait_secs, None);
    }

    #[test]
    fn a_standing_serializes_as_the_event_payload() {
        let line = WaitingLine {
            line: vec![waiting("a", None)],
            mean_wait_ms: Some(61_000),
        };
        let json = serde_json::to_value(line.standing_of(&RequestId::from_trusted("a")))
            .unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"requestId": "a", "position": 1, "estimatedWaitSecs": 60})
        );
    }
}

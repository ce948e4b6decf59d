//! Check-ins: a seeker and a volunteer who have talked before agree on a
//! regular call or chat ("every Tuesday at 10:00, London time"). One
//! proposes, the other accepts; either pauses or cancels. Both are reminded
//! [`REMIND_BEFORE`] ahead; at the time the volunteer gets one tap that
//! starts it; one with no contact between the reminder and [`KEPT_WITHIN`]
//! after the time is missed, and two missed in a row start a welfare check.
//!
//! Times are wall-clock times in the agreed IANA zone, so a check-in stays
//! at 10:00 local across daylight-saving changes (its UTC instant moves).
//! A time that does not exist on a given day (skipped when clocks go
//! forward) falls at the same offset later; one that happens twice (clocks
//! go back) is the first.

use crate::error::DomainError;
use crate::ids::{CheckinId, UserId};
use crate::input::Fields;
use crate::push::TimeOfDay;
use crate::time::Timestamp;
use crate::wire::wire_enum;
use serde::Serialize;
use std::time::Duration;

/// How long before a check-in both are reminded.
pub const REMIND_BEFORE: Duration = Duration::from_secs(10 * 60);

/// How long after its time a check-in can still be kept (a message or an
/// answered call between the two, from the reminder on).
pub const KEPT_WITHIN: Duration = Duration::from_secs(30 * 60);

wire_enum!(
    /// A day of the week.
    Weekday {
        Monday = "monday",
        Tuesday = "tuesday",
        Wednesday = "wednesday",
        Thursday = "thursday",
        Friday = "friday",
        Saturday = "saturday",
        Sunday = "sunday"
    }
);

impl Weekday {
    fn civil(self) -> jiff::civil::Weekday {
        use jiff::civil::Weekday as W;
        match self {
            Weekday::Monday => W::Monday,
            Weekday::Tuesday => W::Tuesday,
            Weekday::Wednesday => W::Wednesday,
            Weekday::Thursday => W::Thursday,
            Weekday::Friday => W::Friday,
            Weekday::Saturday => W::Saturday,
            Weekday::Sunday => W::Sunday,
        }
    }
}

wire_enum!(
    /// How the two keep in touch at the time.
    CheckinKind {
        Chat = "chat",
        Voice = "voice",
        Video = "video"
    }
);

wire_enum!(
    /// Where a check-in stands.
    CheckinStatus {
        /// Proposed by one, waiting for the other.
        Proposed = "proposed",
        /// Agreed: reminders and times run.
        Active = "active",
        /// Agreed, on hold.
        Paused = "paused",
        /// Ended by either.
        Cancelled = "cancelled"
    }
);

wire_enum!(
    /// What happened at one occurrence.
    CheckinOutcome {
        /// The two were in touch.
        Kept = "kept",
        /// They were not.
        Missed = "missed"
    }
);

/// When a check-in falls: a weekday and a time on the wall clock of a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The day.
    pub weekday: Weekday,
    /// The local time.
    pub time: TimeOfDay,
    /// The IANA zone (checked to exist).
    pub time_zone: String,
}

impl Schedule {
    /// Checks the parts.
    pub fn new(weekday: &str, time: &str, time_zone: &str) -> Result<Self, DomainError> {
        let weekday = Weekday::parse(weekday)
            .ok_or_else(|| DomainError::invalid("weekday must be a day such as tuesday"))?;
        let time = TimeOfDay::parse(time)
            .ok_or_else(|| DomainError::invalid("time must be a time HH:MM"))?;
        if time_zone.len() > 64 || jiff::tz::TimeZone::get(time_zone).is_err() {
            return Err(DomainError::invalid(
                "timeZone must be a time zone such as Europe/London",
            ));
        }
        Ok(Self {
            weekday,
            time,
            time_zone: time_zone.to_owned(),
        })
    }

    /// The first time it falls strictly after `after`.
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let zone = jiff::tz::TimeZone::get(&self.time_zone).ok()?;
        let instant = jiff::Timestamp::from_millisecond(after.millis()).ok()?;
        let mut date = zone.to_datetime(instant).date();
        let (hour, minute) = (self.time.minutes() / 60, self.time.minutes() % 60);
        // Today's, or within the next two weeks (the second week covers a
        // time that today's date has already passed).
        for _ in 0..15 {
            if date.weekday() == self.weekday.civil() {
                let local = date.at(hour as i8, minute as i8, 0, 0);
                let at = zone.to_ambiguous_timestamp(local).compatible().ok()?;
                if at > instant {
                    return Some(Timestamp::from_millis(at.as_millisecond()));
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }
}

/// A checked `POST /api/checkins` body.
#[derive(Debug, Clone)]
pub struct CheckinDraft {
    /// The other person.
    pub with_user_id: UserId,
    /// When.
    pub schedule: Schedule,
    /// How.
    pub kind: CheckinKind,
}

impl CheckinDraft {
    /// Parses `{"withUserId","weekday","time","timeZone","kind"}`.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let with_user_id = UserId::from_trusted(fields.id("withUserId")?);
        let schedule = Schedule::new(
            fields.str("weekday", 1, 16)?,
            fields.str("time", 1, 8)?,
            fields.str("timeZone", 1, 64)?,
        )?;
        let kind = CheckinKind::parse(fields.str("kind", 1, 8)?)
            .ok_or_else(|| DomainError::invalid("kind must be chat, voice or video"))?;
        Ok(Self {
            with_user_id,
            schedule,
            kind,
        })
    }
}

/// Someone named in a check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckinPerson {
    /// Their id.
    pub id: UserId,
    /// Their name.
    pub display_name: String,
}

/// A check-in as both people see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkin {
    /// Its id.
    pub id: CheckinId,
    /// The seeker.
    pub seeker: CheckinPerson,
    /// The volunteer.
    pub volunteer: CheckinPerson,
    /// Who proposed it (the other accepts).
    pub proposed_by: UserId,
    /// The day.
    pub weekday: Weekday,
    /// The local time, `HH:MM`.
    #[serde(serialize_with = "as_text")]
    pub time: TimeOfDay,
    /// The zone of `time`.
    pub time_zone: String,
    /// Chat, voice or video.
    pub kind: CheckinKind,
    /// Where it stands.
    pub status: CheckinStatus,
    /// The next time it falls, while active.
    pub next_at: Option<Timestamp>,
    /// Occurrences missed since the last one kept.
    pub missed_in_a_row: i64,
    /// What happened last time.
    pub last_outcome: Option<CheckinOutcome>,
    /// When last time was.
    pub last_at: Option<Timestamp>,
    /// When it was proposed.
    pub created_at: Timestamp,
}

impl Checkin {
    /// Its schedule.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            weekday: self.weekday,
            time: self.time,
            time_zone: self.time_zone.clone(),
        }
    }

    /// Whether `user` is one of the two.
    pub fn names(&self, user: &UserId) -> bool {
        self.seeker.id == *user || self.volunteer.id == *user
    }
}

fn as_text<S: serde::Serializer>(time: &TimeOfDay, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(time)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(iso: &str) -> Timestamp {
        let t: jiff::Timestamp = iso.parse().expect("instant");
        Timestamp::from_millis(t.as_millisecond())
    }

    fn iso(t: Timestamp) -> String {
        jiff::Timestamp::from_millisecond(t.millis())
            .expect("instant")
            .to_string()
    }

    #[test]
    fn the_next_time_is_local_across_daylight_saving() {
        let london = Schedule::new("sunday", "10:00", "Europe/London").expect("valid");
        // British Summer Time began on Sunday 29 March 2026 at 01:00 UTC.
        let before = london.next_after(at("2026-03-22T10:00:00Z")).expect("next");
        assert_eq!(iso(before), "2026-03-29T09:00:00Z", "10:00 BST");
        let winter = london.next_after(at("2026-03-15T12:00:00Z")).expect("next");
        assert_eq!(iso(winter), "2026-03-22T10:00:00Z", "10:00 GMT");
        // And back on Sunday 25 October 2026.
        let autumn = london.next_after(at("2026-10-20T00:00:00Z")).expect("next");
        assert_eq!(iso(autumn), "2026-10-25T10:00:00Z", "10:00 GMT again");
        let new_york = Schedule::new("tuesday", "18:30", "America/New_York").expect("valid");
        let next = new_york
            .next_after(at("2026-11-02T00:00:00Z"))
            .expect("next");
        assert_eq!(iso(next), "2026-11-03T23:30:00Z", "EST after 1 November");
    }

    #[test]
    fn a_skipped_time_falls_later_and_a_repeated_one_first() {
        // 01:30 does not exist in London on 29 March 2026, and happens
        // twice on 25 October 2026.
        let night = Schedule::new("sunday", "01:30", "Europe/London").expect("valid");
        let spring = night.next_after(at("2026-03-28T00:00:00Z")).expect("next");
        assert_eq!(iso(spring), "2026-03-29T01:30:00Z", "02:30 BST");
        let autumn = night.next_after(at("2026-10-24T00:00:00Z")).expect("next");
        assert_eq!(iso(autumn), "2026-10-25T00:30:00Z", "the first 01:30 (BST)");
    }

    #[test]
    fn the_next_time_is_strictly_later() {
        let daily = Schedule::new("monday", "09:00", "UTC").expect("valid");
        let now = at("2026-12-07T09:00:00Z");
        assert_eq!(
            iso(daily.next_after(now).expect("next")),
            "2026-12-14T09:00:00Z"
        );
        let just_before = at("2026-12-07T08:59:00Z");
        assert_eq!(
            iso(daily.next_after(just_before).expect("next")),
            "2026-12-07T09:00:00Z"
        );
    }

    #[test]
    fn bad_parts_are_refused() {
        for (weekday, time, zone) in [
            ("someday", "10:00", "UTC"),
            ("monday", "25:00", "UTC"),
            ("monday", "9:00", "UTC"),
            ("monday", "10:00", "Mars/Olympus"),
        ] {
            assert!(
                Schedule::new(weekday, time, zone).is_err(),
                "{weekday} {time} {zone}"
            );
        }
    }
}

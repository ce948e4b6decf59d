//! A user's notification settings: quiet hours on the wall clock of their
//! time zone, and whether notices may name people.

use crate::error::DomainError;
use crate::input::Fields;
use crate::time::Timestamp;
use serde::Serialize;
use serde_json::Value;

/// A time of day, in minutes after midnight (`"HH:MM"` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay(u16);

impl TimeOfDay {
    /// Parses `"HH:MM"`, 24-hour.
    pub fn parse(text: &str) -> Option<Self> {
        let (h, m) = text.split_once(':')?;
        let digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(m) {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60).then_some(Self(h * 60 + m))
    }

    /// Minutes after midnight.
    pub fn minutes(self) -> u16 {
        self.0
    }

    /// The time `minutes` after midnight (`None` past 23:59).
    pub fn from_minutes(minutes: u16) -> Option<Self> {
        (minutes < 24 * 60).then_some(Self(minutes))
    }
}

impl std::fmt::Display for TimeOfDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

/// Hours in which a volunteer is not offered requests by push, in their
/// own time zone; `from` after `to` spans midnight (22:00–08:00).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietHours {
    pub from: TimeOfDay,
    pub to: TimeOfDay,
    /// An IANA time zone name (`Europe/London`), checked to exist.
    pub time_zone: String,
}

impl QuietHours {
    /// Builds quiet hours from stored or wire parts.
    pub fn new(from: &str, to: &str, time_zone: &str) -> Result<Self, DomainError> {
        let from = TimeOfDay::parse(from)
            .ok_or_else(|| DomainError::invalid("quietHours.from must be a time HH:MM"))?;
        let to = TimeOfDay::parse(to)
            .ok_or_else(|| DomainError::invalid("quietHours.to must be a time HH:MM"))?;
        if from == to {
            return Err(DomainError::invalid(
                "quietHours must not start and end at the same time",
            ));
        }
        if time_zone.len() > 64 || jiff::tz::TimeZone::get(time_zone).is_err() {
            return Err(DomainError::invalid(
                "quietHours.timeZone must be a time zone such as Europe/London",
            ));
        }
        Ok(Self {
            from,
            to,
            time_zone: time_zone.to_owned(),
        })
    }

    /// Whether `at` falls inside the quiet hours, on the wall clock of the
    /// time zone (so they follow daylight-saving changes).
    pub fn contains(&self, at: Timestamp) -> bool {
        let Ok(zone) = jiff::tz::TimeZone::get(&self.time_zone) else {
            return false;
        };
        let Ok(instant) = jiff::Timestamp::from_millisecond(at.millis()) else {
            return false;
        };
        let local = zone.to_datetime(instant);
        let now = local.hour() as u16 * 60 + local.minute() as u16;
        let (from, to) = (self.from.0, self.to.0);
        if from < to {
            from <= now && now < to
        } else {
            now >= from || now < to
        }
    }
}

impl Serialize for QuietHours {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serde_json::json!({
            "from": self.from.to_string(),
            "to": self.to.to_string(),
            "timeZone": self.time_zone,
        })
        .serialize(serializer)
    }
}

/// A user's notification settings (`GET/PUT /api/me/settings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserSettings {
    pub quiet_hours: Option<QuietHours>,
    /// Whether notices may name people (off by default: lock screens).
    pub push_show_names: bool,
    /// A seeker's: whether companions they rated 4 or 5 are offered their
    /// requests first under batched dispatch (on by default).
    pub prefer_familiar: bool,
}

impl Default for UserSettings {
    fn default() -> Self {
        Self {
            quiet_hours: None,
            push_show_names: false,
            prefer_familiar: true,
        }
    }
}

/// A `PUT /api/me/settings` body: only the keys given change;
/// `"quietHours": null` clears them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsPatch {
    pub quiet_hours: Option<Option<QuietHours>>,
    pub push_show_names: Option<bool>,
    pub prefer_familiar: Option<bool>,
}

impl SettingsPatch {
    /// Parses the body; unknown keys are refused, so a typo is not a
    /// silent no-op.
    pub fn parse(value: &Value) -> Result<Self, DomainError> {
        let fields = Fields::of(value)?;
        if let Value::Object(map) = value
            && let Some(unknown) = map.keys().find(|k| {
                !matches!(
                    k.as_str(),
                    "quietHours" | "pushShowNames" | "preferFamiliar"
                )
            })
        {
            return Err(DomainError::invalid(format!("unknown setting {unknown}")));
        }
        let quiet_hours = match value.get("quietHours") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::Object(_)) => {
                let quiet = Fields::of(&value["quietHours"])?;
                Some(Some(QuietHours::new(
                    quiet
                        .str("from", 5, 5)
                        .map_err(|_| DomainError::invalid("quietHours.from must be HH:MM"))?,
                    quiet
                        .str("to", 5, 5)
                        .map_err(|_| DomainError::invalid("quietHours.to must be HH:MM"))?,
                    quiet.str("timeZone", 1, 64).map_err(|_| {
                        DomainError::invalid("quietHours.timeZone must be a time zone name")
                    })?,
                )?))
            }
            Some(_) => {
                return Err(DomainError::invalid("quietHours must be an object or null"));
            }
        };
        Ok(Self {
            quiet_hours,
            push_show_names: fields.opt_bool("pushShowNames")?,
            prefer_familiar: fields.opt_bool("preferFamiliar")?,
        })
    }

    /// The settings after this change.
    pub fn apply(self, mut settings: UserSettings) -> UserSettings {
        if let Some(quiet) = self.quiet_hours {
            settings.quiet_hours = quiet;
        }
        if let Some(show) = self.push_show_names {
            settings.push_show_names = show;
        }
        if let Some(prefer) = self.prefer_familiar {
            settings.prefer_familiar = prefer;
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quiet_hours_span_midnight_on_the_local_clock() {
        let quiet = QuietHours::new("22:00", "08:00", "Europe/London").expect("valid");
        // 2026-07-01 21:30 UTC is 22:30 in London (BST): quiet.
        let summer_evening = Timestamp::from_millis(1_782_941_400_000);
        assert!(quiet.contains(summer_evening));
        // 2026-12-01 21:30 UTC is 21:30 in London (GMT): not yet quiet.
        let winter_evening = Timestamp::from_millis(1_796_160_600_000);
        assert!(!quiet.contains(winter_evening));
        // 07:59 local is quiet, 08:00 is not.
        let day = QuietHours::new("09:00", "17:00", "UTC").expect("valid");
        assert!(day.contains(Timestamp::from_millis(1_796_115_600_000))); // 09:00 UTC
        assert!(!day.contains(Timestamp::from_millis(1_796_144_400_000))); // 17:00 UTC
    }

    #[test]
    fn bad_quiet_hours_are_refused() {
        assert!(QuietHours::new("24:00", "08:00", "UTC").is_err());
        assert!(QuietHours::new("8:00", "09:00", "UTC").is_err());
        assert!(QuietHours::new("+9:05", "09:00", "UTC").is_err());
        assert!(QuietHours::new("08:00", "08:00", "UTC").is_err());
        assert!(QuietHours::new("22:00", "08:00", "Mars/Olympus").is_err());
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let start = UserSettings {
            quiet_hours: Some(QuietHours::new("22:00", "07:00", "UTC").expect("valid")),
            push_show_names: false,
            prefer_familiar: true,
        };
        let names = SettingsPatch::parse(&json!({"pushShowNames": true})).expect("valid");
        let after = names.apply(start.clone());
        assert!(after.push_show_names);
        assert_eq!(after.quiet_hours, start.quiet_hours);
        assert!(after.prefer_familiar);
        let familiar = SettingsPatch::parse(&json!({"preferFamiliar": false})).expect("valid");
        assert!(!familiar.apply(after.clone()).prefer_familiar);
        let clear = SettingsPatch::parse(&json!({"quietHours": null})).expect("valid");
        assert_eq!(clear.apply(after).quiet_hours, None);
        assert!(SettingsPatch::parse(&json!({"quietHour": null})).is_err());
        assert!(SettingsPatch::parse(&json!({"pushShowNames": "yes"})).is_err());
        assert!(SettingsPatch::parse(&json!([])).is_err());
    }
}

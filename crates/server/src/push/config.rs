//! Push settings: the VAPID key and contact, whether `http://` endpoints on
//! loopback are allowed (tests), the message throttle and how often the
//! outbox is polled. Flags and `HELPLINE_*` variables in [`PushArgs`],
//! flattened into the server's settings and TOML file. The private key has
//! no default (one is generated and kept in the database) and is never
//! logged.

use clap::Args;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Push settings as flags / environment variables.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct PushArgs {
    /// VAPID private key: base64url of the 32-byte P-256 scalar (as `web-push generate-vapid-keys` prints). Unset: one is generated on first start and kept in the database.
    #[arg(
        long,
        env = "HELPLINE_VAPID_PRIVATE_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vapid_private_key: Option<String>,
    /// Contact push services can reach the operator at: a `mailto:` or `https:` URL [default: mailto:push@helpline.invalid].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_VAPID_SUBJECT",
        value_name = "URL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vapid_subject: Option<String>,
    /// Also accept `http://` push endpoints on a loopback address (for tests) [default: false].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_PUSH_ALLOW_INSECURE",
        value_name = "BOOL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_allow_insecure: Option<bool>,
    /// Least seconds between two message notifications to one user [default: 60].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_PUSH_MESSAGE_GAP_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_message_gap_secs: Option<u64>,
    /// How often each node looks for pushes queued by others or due again, in ms [default: 1000].
    #[arg(long, global = true, env = "HELPLINE_PUSH_POLL_MS", value_name = "MS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push_poll_ms: Option<u64>,
}

/// The contact used when none is configured; a warning at start says to
/// set a real one (some push services refuse an unreachable contact).
pub const DEFAULT_SUBJECT: &str = "mailto:push@helpline.invalid";

/// Resolved push settings, under the file's key names.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PushSettings {
    /// The VAPID private key (never logged).
    pub vapid_private_key: Option<String>,
    /// The VAPID `sub` contact.
    pub vapid_subject: String,
    /// Whether `http://` loopback endpoints are accepted.
    pub push_allow_insecure: bool,
    /// The message throttle.
    pub push_message_gap_secs: u64,
    /// The outbox poll interval.
    pub push_poll_ms: u64,
}

impl Default for PushSettings {
    fn default() -> Self {
        Self {
            vapid_private_key: None,
            vapid_subject: DEFAULT_SUBJECT.to_owned(),
            push_allow_insecure: false,
            push_message_gap_secs: 60,
            push_poll_ms: 1000,
        }
    }
}

impl fmt::Debug for PushSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PushSettings")
            .field(
                "vapid_private_key",
                &self.vapid_private_key.as_ref().map(|_| "<set>"),
            )
            .field("vapid_subject", &self.vapid_subject)
            .field("push_allow_insecure", &self.push_allow_insecure)
            .field("push_message_gap_secs", &self.push_message_gap_secs)
            .field("push_poll_ms", &self.push_poll_ms)
            .finish()
    }
}

impl PushSettings {
    /// Checks the contact, the key's shape and the intervals.
    pub fn check(&self) -> Result<(), String> {
        let subject = &self.vapid_subject;
        let contact = subject
            .strip_prefix("mailto:")
            .map(|address| address.contains('@') && !address.contains(char::is_whitespace))
            .or_else(|| {
                subject
                    .strip_prefix("https://")
                    .map(|rest| !rest.is_empty() && !rest.contains(char::is_whitespace))
            });
        if contact != Some(true) || subject.len() > 256 {
            return Err("the VAPID subject must be a mailto: address or an https:// URL".into());
        }
        if let Some(key) = &self.vapid_private_key {
            super::vapid::key_pair(key).ok_or_else(|| {
                "the VAPID private key must be base64url of a 32-byte P-256 private key".to_owned()
            })?;
        }
        if self.push_message_gap_secs > 86_400 {
            return Err("the message notification gap must be 0-86400 seconds".into());
        }
        if !(10..=60_000).contains(&self.push_poll_ms) {
            return Err("the push poll interval must be 10-60000 ms".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Settings, SettingsArgs};

    #[test]
    fn resolves_validates_and_hides_the_key() {
        let key = "RS0WdYWWo1HajXg3NZR1olzCf31i-ZBGDkFyCs7j1jw";
        let mut args = SettingsArgs::default();
        args.push.vapid_private_key = Some(key.into());
        args.push.vapid_subject = Some("mailto:ops@example.org".into());
        let settings = Settings::resolve(&args).expect("valid");
        assert_eq!(settings.push.vapid_private_key.as_deref(), Some(key));
        assert!(!format!("{settings:?}").contains(key));
        for subject in ["ops@example.org", "mailto:", "https://", "http://x.org"] {
            let mut bad = SettingsArgs::default();
            bad.push.vapid_subject = Some(subject.into());
            assert!(Settings::resolve(&bad).is_err(), "{subject}");
        }
        let mut bad_key = SettingsArgs::default();
        bad_key.push.vapid_private_key = Some("not-a-key".into());
        let refused = Settings::resolve(&bad_key).expect_err("refused");
        assert!(!refused.contains("not-a-key"));
    }
}

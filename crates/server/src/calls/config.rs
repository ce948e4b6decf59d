//! Call settings: ring timeout, disconnect grace, STUN/TURN servers and the
//! TURN shared secret. Flags and `HELPLINE_*` variables in [`CallArgs`],
//! flattened into the server's settings and its TOML file (keys as the flag
//! names). The TURN secret has no default and is never logged.

use clap::Args;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Longest TURN credential lifetime (one hour).
pub const MAX_TURN_TTL_SECS: u64 = 3600;

/// Call settings as flags / environment variables.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct CallArgs {
    /// Seconds a call rings before it is missed [default: 60].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_CALL_RING_TIMEOUT_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_ring_timeout_secs: Option<u64>,
    /// Seconds a call participant may have no connected device before the call fails [default: 15].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_CALL_DISCONNECT_GRACE_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_disconnect_grace_secs: Option<u64>,
    /// Comma-separated `stun:` URLs handed to call participants.
    #[arg(long, global = true, env = "HELPLINE_STUN_URLS", value_name = "URLS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stun_urls: Option<String>,
    /// Comma-separated `turn:` URLs handed to call participants (needs the TURN secret).
    #[arg(long, global = true, env = "HELPLINE_TURN_URLS", value_name = "URLS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_urls: Option<String>,
    /// coturn `static-auth-secret` for time-limited TURN credentials.
    #[arg(
        long,
        env = "HELPLINE_TURN_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_secret: Option<String>,
    /// Lifetime of TURN credentials in seconds, at most 3600 [default: 3600].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_TURN_TTL_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn_ttl_secs: Option<u64>,
}

/// Resolved call settings. They read and write the file's key names
/// (`call_ring_timeout_secs`, `stun_urls` as one comma-separated string, …),
/// so that defaults, the file and the flags merge as one layer each.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallSettings {
    /// How long a call rings.
    #[serde(rename = "call_ring_timeout_secs")]
    pub ring_timeout_secs: u64,
    /// How long a watched participant may have no device.
    #[serde(rename = "call_disconnect_grace_secs")]
    pub disconnect_grace_secs: u64,
    /// STUN URLs.
    #[serde(serialize_with = "join_urls", deserialize_with = "stun_urls")]
    pub stun_urls: Vec<String>,
    /// TURN URLs.
    #[serde(serialize_with = "join_urls", deserialize_with = "turn_urls")]
    pub turn_urls: Vec<String>,
    /// The TURN shared secret (never logged).
    pub turn_secret: Option<String>,
    /// TURN credential lifetime.
    pub turn_ttl_secs: u64,
}

fn join_urls<S: Serializer>(urls: &[String], to: S) -> Result<S::Ok, S::Error> {
    to.serialize_str(&urls.join(","))
}

fn stun_urls<'de, D: Deserializer<'de>>(from: D) -> Result<Vec<String>, D::Error> {
    url_list(
        Some(String::deserialize(from)?),
        &["stun:", "stuns:"],
        "STUN",
    )
    .map_err(serde::de::Error::custom)
}

fn turn_urls<'de, D: Deserializer<'de>>(from: D) -> Result<Vec<String>, D::Error> {
    url_list(
        Some(String::deserialize(from)?),
        &["turn:", "turns:"],
        "TURN",
    )
    .map_err(serde::de::Error::custom)
}

impl Default for CallSettings {
    fn default() -> Self {
        Self {
            ring_timeout_secs: 60,
            disconnect_grace_secs: 15,
            stun_urls: Vec::new(),
            turn_urls: Vec::new(),
            turn_secret: None,
            turn_ttl_secs: MAX_TURN_TTL_SECS,
        }
    }
}

impl fmt::Debug for CallSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallSettings")
            .field("ring_timeout_secs", &self.ring_timeout_secs)
            .field("disconnect_grace_secs", &self.disconnect_grace_secs)
            .field("stun_urls", &self.stun_urls)
            .field("turn_urls", &self.turn_urls)
            .field("turn_secret", &self.turn_secret.as_ref().map(|_| "<set>"))
            .field("turn_ttl_secs", &self.turn_ttl_secs)
            .finish()
    }
}

fn url_list(value: Option<String>, schemes: &[&str], what: &str) -> Result<Vec<String>, String> {
    let urls: Vec<String> = value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    for url in &urls {
        if !schemes.iter().any(|s| url.starts_with(s)) || url.len() > 512 {
            return Err(format!(
                "{what} URLs must start with {}: {url:?}",
                schemes.join(" or ")
            ));
        }
    }
    Ok(urls)
}

impl CallSettings {
    /// Checks ranges and that TURN URLs come with a secret.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=3600).contains(&self.ring_timeout_secs) {
            return Err("the call ring timeout must be 1-3600 seconds".into());
        }
        if self.disconnect_grace_secs > 3600 {
            return Err("the call disconnect grace must be 0-3600 seconds".into());
        }
        if !(60..=MAX_TURN_TTL_SECS).contains(&self.turn_ttl_secs) {
            return Err("the TURN credential lifetime must be 60-3600 seconds".into());
        }
        if !self.turn_urls.is_empty() && self.turn_secret.as_deref().is_none_or(str::is_empty) {
            return Err("TURN URLs need the TURN secret (HELPLINE_TURN_SECRET)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Settings, SettingsArgs};

    #[test]
    fn resolves_validates_and_hides_the_secret() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("helpline.toml");
        std::fs::write(
            &file,
            "stun_urls = \"stun:127.0.0.1:3478\"\ncall_ring_timeout_secs = 30\n",
        )
        .expect("write");
        let mut args = SettingsArgs {
            config: Some(file),
            ..Default::default()
        };
        args.calls.turn_urls =
            Some("turn:127.0.0.1:3478?transport=udp, turns:t.example:5349".into());
        args.calls.turn_secret = Some("s3cret-value".into());
        let settings = Settings::resolve(&args).expect("valid").calls;
        assert_eq!(settings.turn_urls.len(), 2);
        assert_eq!(settings.stun_urls, ["stun:127.0.0.1:3478"]);
        assert_eq!(settings.ring_timeout_secs, 30);
        assert!(!format!("{settings:?}").contains("s3cret-value"));

        let mut no_secret = SettingsArgs::default();
        no_secret.calls.turn_urls = Some("turn:x".into());
        assert!(Settings::resolve(&no_secret).is_err());
        let mut bad_scheme = SettingsArgs::default();
        bad_scheme.calls.stun_urls = Some("http://x".into());
        assert!(Settings::resolve(&bad_scheme).is_err());
        let mut long_ttl = SettingsArgs::default();
        long_ttl.calls.turn_ttl_secs = Some(7200);
        assert!(Settings::resolve(&long_ttl).is_err());
    }
}

//! Call settings: ring timeout, disconnect grace, STUN/TURN servers and the
//! TURN shared secret. Flags and `HELPLINE_*` variables in [`CallArgs`]
//! (flattened into the server's settings), TOML keys in [`CallFile`]. The
//! TURN secret has no default and is never logged.

use clap::Args;
use std::fmt;

/// Longest TURN credential lifetime (one hour).
pub const MAX_TURN_TTL_SECS: u64 = 3600;

/// Call settings as flags / environment variables.
#[derive(Debug, Clone, Default, Args)]
pub struct CallArgs {
    /// Seconds a call rings before it is missed [default: 60].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_CALL_RING_TIMEOUT_SECS",
        value_name = "SECS"
    )]
    pub call_ring_timeout_secs: Option<u64>,
    /// Seconds a call participant may have no connected device before the call fails [default: 15].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_CALL_DISCONNECT_GRACE_SECS",
        value_name = "SECS"
    )]
    pub call_disconnect_grace_secs: Option<u64>,
    /// Comma-separated `stun:` URLs handed to call participants.
    #[arg(long, global = true, env = "HELPLINE_STUN_URLS", value_name = "URLS")]
    pub stun_urls: Option<String>,
    /// Comma-separated `turn:` URLs handed to call participants (needs the TURN secret).
    #[arg(long, global = true, env = "HELPLINE_TURN_URLS", value_name = "URLS")]
    pub turn_urls: Option<String>,
    /// coturn `static-auth-secret` for time-limited TURN credentials.
    #[arg(
        long,
        env = "HELPLINE_TURN_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub turn_secret: Option<String>,
    /// Lifetime of TURN credentials in seconds, at most 3600 [default: 3600].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_TURN_TTL_SECS",
        value_name = "SECS"
    )]
    pub turn_ttl_secs: Option<u64>,
}

/// The same settings as read from the TOML file.
#[derive(Debug, Default)]
pub struct CallFile {
    /// `call_ring_timeout_secs`.
    pub call_ring_timeout_secs: Option<u64>,
    /// `call_disconnect_grace_secs`.
    pub call_disconnect_grace_secs: Option<u64>,
    /// `stun_urls`.
    pub stun_urls: Option<String>,
    /// `turn_urls`.
    pub turn_urls: Option<String>,
    /// `turn_secret`.
    pub turn_secret: Option<String>,
    /// `turn_ttl_secs`.
    pub turn_ttl_secs: Option<u64>,
}

/// Resolved call settings.
#[derive(Clone, PartialEq, Eq)]
pub struct CallSettings {
    /// How long a call rings.
    pub ring_timeout_secs: u64,
    /// How long a watched participant may have no device.
    pub disconnect_grace_secs: u64,
    /// STUN URLs.
    pub stun_urls: Vec<String>,
    /// TURN URLs.
    pub turn_urls: Vec<String>,
    /// The TURN shared secret (never logged).
    pub turn_secret: Option<String>,
    /// TURN credential lifetime.
    pub turn_ttl_secs: u64,
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
    /// Defaults → file → environment/flags, then validation.
    pub fn resolve(args: &CallArgs, file: CallFile) -> Result<Self, String> {
        let defaults = Self::default();
        let settings = Self {
            ring_timeout_secs: args
                .call_ring_timeout_secs
                .or(file.call_ring_timeout_secs)
                .unwrap_or(defaults.ring_timeout_secs),
            disconnect_grace_secs: args
                .call_disconnect_grace_secs
                .or(file.call_disconnect_grace_secs)
                .unwrap_or(defaults.disconnect_grace_secs),
            stun_urls: url_list(
                args.stun_urls.clone().or(file.stun_urls),
                &["stun:", "stuns:"],
                "STUN",
            )?,
            turn_urls: url_list(
                args.turn_urls.clone().or(file.turn_urls),
                &["turn:", "turns:"],
                "TURN",
            )?,
            turn_secret: args
                .turn_secret
                .clone()
                .or(file.turn_secret)
                .filter(|s| !s.is_empty()),
            turn_ttl_secs: args
                .turn_ttl_secs
                .or(file.turn_ttl_secs)
                .unwrap_or(defaults.turn_ttl_secs),
        };
        settings.check()?;
        Ok(settings)
    }

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
        if !self.turn_urls.is_empty() && self.turn_secret.is_none() {
            return Err("TURN URLs need the TURN secret (HELPLINE_TURN_SECRET)".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_validates_and_hides_the_secret() {
        let args = CallArgs {
            turn_urls: Some("turn:127.0.0.1:3478?transport=udp, turns:t.example:5349".into()),
            turn_secret: Some("s3cret-value".into()),
            ..Default::default()
        };
        let file = CallFile {
            stun_urls: Some("stun:127.0.0.1:3478".into()),
            call_ring_timeout_secs: Some(30),
            ..Default::default()
        };
        let settings = CallSettings::resolve(&args, file).expect("valid");
        assert_eq!(settings.turn_urls.len(), 2);
        assert_eq!(settings.stun_urls, ["stun:127.0.0.1:3478"]);
        assert_eq!(settings.ring_timeout_secs, 30);
        assert!(!format!("{settings:?}").contains("s3cret-value"));

        let no_secret = CallArgs {
            turn_urls: Some("turn:x".into()),
            ..Default::default()
        };
        assert!(CallSettings::resolve(&no_secret, CallFile::default()).is_err());
        let bad_scheme = CallArgs {
            stun_urls: Some("http://x".into()),
            ..Default::default()
        };
        assert!(CallSettings::resolve(&bad_scheme, CallFile::default()).is_err());
        let long_ttl = CallArgs {
            turn_ttl_secs: Some(7200),
            ..Default::default()
        };
        assert!(CallSettings::resolve(&long_ttl, CallFile::default()).is_err());
    }
}

//! Settings, resolved in one place: built-in defaults, then an optional TOML
//! file, then `HELPLINE_*` environment variables, then command-line flags
//! (each later source wins). Secrets have no default and are never logged:
//! [`Settings`]'s `Debug` prints `jwt_secret` as `<set>` or `<generated>`.

mod args;

pub use args::SettingsArgs;

use crate::calls::config::{CallFile, CallSettings};
use args::FileSettings;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Resolved settings.
#[derive(Clone)]
pub struct Settings {
    /// Listen address.
    pub addr: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Pending lifetime of a help request.
    pub request_timeout_secs: u64,
    /// Configured signing secret, if any.
    pub jwt_secret: Option<String>,
    /// Token lifetime.
    pub token_ttl_secs: u64,
    /// SQLite `synchronous=FULL` (true) or `NORMAL`.
    pub sqlite_synchronous_full: bool,
    /// Pool size.
    pub db_max_connections: u32,
    /// Expiry sweep period.
    pub sweep_interval_ms: u64,
    /// How long a typing indicator lasts without renewal.
    pub typing_timeout_ms: u64,
    /// Events per second per user (0: no limit).
    pub rate_events_per_sec: f64,
    /// Event burst per user.
    pub rate_events_burst: u32,
    /// Failed logins per username per 15 minutes (0: no limit).
    pub login_attempts: u32,
    /// Configured directory for attachment files (see [`Settings::attachments_dir`]).
    pub attachments_dir: Option<PathBuf>,
    /// An S3-compatible object store for attachments, instead of the directory.
    pub attachment_store_url: Option<String>,
    /// Largest attachment upload, in bytes.
    pub attachment_max_bytes: u64,
    /// Total attachment bytes one user may have stored.
    pub attachment_quota_bytes: u64,
    /// Log format.
    pub log_format: LogFormat,
    /// Calls: ring timeout, disconnect grace, STUN/TURN.
    pub calls: CallSettings,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field(
                "jwt_secret",
                &if self.jwt_secret.is_some() {
                    "<set>"
                } else {
                    "<generated>"
                },
            )
            .field("token_ttl_secs", &self.token_ttl_secs)
            .field("sqlite_synchronous_full", &self.sqlite_synchronous_full)
            .field("db_max_connections", &self.db_max_connections)
            .field("sweep_interval_ms", &self.sweep_interval_ms)
            .field("typing_timeout_ms", &self.typing_timeout_ms)
            .field("rate_events_per_sec", &self.rate_events_per_sec)
            .field("rate_events_burst", &self.rate_events_burst)
            .field("login_attempts", &self.login_attempts)
            .field("attachments_dir", &self.attachments_dir())
            .field(
                "attachment_store_url",
                &self.attachment_store_url.as_deref().map(redact_url),
            )
            .field("attachment_max_bytes", &self.attachment_max_bytes)
            .field("attachment_quota_bytes", &self.attachment_quota_bytes)
            .field("log_format", &self.log_format)
            .field("calls", &self.calls)
            .finish()
    }
}

/// Hides a password in `scheme://user:password@host/…`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://./data/helpline.db".into(),
            request_timeout_secs: 300,
            jwt_secret: None,
            token_ttl_secs: 86_400,
            sqlite_synchronous_full: true,
            db_max_connections: 8,
            sweep_interval_ms: 250,
            typing_timeout_ms: 6000,
            rate_events_per_sec: 100.0,
            rate_events_burst: 200,
            login_attempts: 10,
            attachments_dir: None,
            attachment_store_url: None,
            attachment_max_bytes: DEFAULT_ATTACHMENT_MAX_BYTES,
            attachment_quota_bytes: 100 * 1024 * 1024,
            log_format: LogFormat::Text,
            calls: CallSettings::default(),
        }
    }
}

/// Default largest attachment: 10 MiB.
pub const DEFAULT_ATTACHMENT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Largest attachment limit accepted (uploads are held in memory).
const MAX_ATTACHMENT_LIMIT: u64 = 1024 * 1024 * 1024;

impl Settings {
    /// The per-user event limit, `None` when switched off.
    pub fn event_rate(&self) -> Option<crate::limits::Rate> {
        crate::limits::Rate::new(self.rate_events_burst, self.rate_events_per_sec)
    }

    /// The failed-login limit, `None` when switched off.
    pub fn login_rate(&self) -> Option<crate::limits::Rate> {
        crate::limits::Rate::new(
            self.login_attempts,
            f64::from(self.login_attempts) / crate::limits::LOGIN_WINDOW_SECS,
        )
    }

    /// Where attachment files live: the configured directory, else
    /// `attachments/` beside the SQLite database file, else
    /// `./data/attachments`.
    pub fn attachments_dir(&self) -> PathBuf {
        if let Some(dir) = &self.attachments_dir {
            return dir.clone();
        }
        let sqlite_file = self
            .database_url
            .strip_prefix("sqlite://")
            .or_else(|| self.database_url.strip_prefix("sqlite:"));
        match sqlite_file
            .map(std::path::Path::new)
            .and_then(|p| p.parent())
        {
            Some(dir) if !dir.as_os_str().is_empty() => dir.join("attachments"),
            Some(_) => PathBuf::from("attachments"),
            None => PathBuf::from("./data/attachments"),
        }
    }

    /// How long a typing indicator lasts without renewal.
    pub fn typing_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.typing_timeout_ms)
    }

    /// Resolves defaults → file → environment/flags (clap has already merged those two).
    pub fn resolve(args: &SettingsArgs) -> Result<Self, String> {
        let file = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str::<FileSettings>(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => FileSettings::default(),
        };
        let defaults = Settings::default();
        let synchronous = args
            .sqlite_synchronous
            .clone()
            .or(file.sqlite_synchronous)
            .unwrap_or_else(|| "full".into());
        let log_format = args
            .log_format
            .clone()
            .or(file.log_format)
            .unwrap_or_else(|| "text".into());
        let calls = CallSettings::resolve(
            &args.calls,
            CallFile {
                call_ring_timeout_secs: file.call_ring_timeout_secs,
                call_disconnect_grace_secs: file.call_disconnect_grace_secs,
                stun_urls: file.stun_urls,
                turn_urls: file.turn_urls,
                turn_secret: file.turn_secret,
                turn_ttl_secs: file.turn_ttl_secs,
            },
        )?;
        let settings = Settings {
            calls,
            addr: args.addr.or(file.addr).unwrap_or(defaults.addr),
            database_url: args
                .database_url
                .clone()
                .or(file.database_url)
                .unwrap_or(defaults.database_url),
            request_timeout_secs: args
                .request_timeout_secs
                .or(file.request_timeout_secs)
                .unwrap_or(defaults.request_timeout_secs),
            jwt_secret: args
                .jwt_secret
                .clone()
                .or(file.jwt_secret)
                .filter(|s| !s.is_empty()),
            token_ttl_secs: args
                .token_ttl_secs
                .or(file.token_ttl_secs)
                .unwrap_or(defaults.token_ttl_secs),
            sqlite_synchronous_full: match synchronous.to_ascii_lowercase().as_str() {
                "full" => true,
                "normal" => false,
                other => {
                    return Err(format!(
                        "sqlite synchronous must be full or normal, got {other:?}"
                    ));
                }
            },
            db_max_connections: args
                .db_max_connections
                .or(file.db_max_connections)
                .unwrap_or(defaults.db_max_connections),
            sweep_interval_ms: args
                .sweep_interval_ms
                .or(file.sweep_interval_ms)
                .unwrap_or(defaults.sweep_interval_ms),
            typing_timeout_ms: args
                .typing_timeout_ms
                .or(file.typing_timeout_ms)
                .unwrap_or(defaults.typing_timeout_ms),
            rate_events_per_sec: args
                .rate_events_per_sec
                .or(file.rate_events_per_sec)
                .unwrap_or(defaults.rate_events_per_sec),
            rate_events_burst: args
                .rate_events_burst
                .or(file.rate_events_burst)
                .unwrap_or(defaults.rate_events_burst),
            login_attempts: args
                .login_attempts
                .or(file.login_attempts)
                .unwrap_or(defaults.login_attempts),
            attachments_dir: args.attachments_dir.clone().or(file.attachments_dir),
            attachment_store_url: args
                .attachment_store_url
                .clone()
                .or(file.attachment_store_url)
                .filter(|s| !s.is_empty()),
            attachment_max_bytes: args
                .attachment_max_bytes
                .or(file.attachment_max_bytes)
                .unwrap_or(defaults.attachment_max_bytes),
            attachment_quota_bytes: args
                .attachment_quota_bytes
                .or(file.attachment_quota_bytes)
                .unwrap_or(defaults.attachment_quota_bytes),
            log_format: match log_format.as_str() {
                "text" => LogFormat::Text,
                "json" => LogFormat::Json,
                other => return Err(format!("log format must be text or json, got {other:?}")),
            },
        };
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), String> {
        if self.request_timeout_secs == 0
            || self.token_ttl_secs == 0
            || self.sweep_interval_ms == 0
            || self.typing_timeout_ms == 0
        {
            return Err("timeouts and intervals must be positive".into());
        }
        if !self.rate_events_per_sec.is_finite() || self.rate_events_per_sec < 0.0 {
            return Err("the event rate must be a number of events per second, 0 or more".into());
        }
        if self.rate_events_per_sec > 0.0 && self.rate_events_burst == 0 {
            return Err("the event burst must be at least 1 when events are limited".into());
        }
        if self.attachment_max_bytes == 0 || self.attachment_max_bytes > MAX_ATTACHMENT_LIMIT {
            return Err("attachment max bytes must be between 1 and 1 GiB".into());
        }
        if self.attachment_quota_bytes == 0 {
            return Err("attachment quota bytes must be at least 1".into());
        }
        if self.db_max_connections == 0 {
            return Err("db max connections must be at least 1".into());
        }
        if matches!(&self.jwt_secret, Some(s) if s.len() < 32) {
            return Err("the JWT secret must be at least 32 bytes".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

//! Settings, resolved in one place: built-in defaults, then an optional TOML
//! file, then `HELPLINE_*` environment variables, then command-line flags
//! (each later source wins). figment merges the layers: the defaults are
//! [`Settings::default`] serialized, the file's keys are the same names,
//! and clap has already merged the environment and the flags into
//! [`SettingsArgs`], which serializes only what is set. Secrets have no
//! default and are never logged: [`Settings`]'s `Debug` prints `jwt_secret`
//! as `<set>` or `<generated>`.

mod args;

pub use args::SettingsArgs;

use crate::calls::config::CallSettings;
use crate::push::config::PushSettings;
use figment::providers::{Format, Serialized, Toml};
use figment::{Figment, Provider};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Resolved settings. They read and write the file's key names, so that
/// each source is one figment layer of the same shape.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Listen address.
    pub addr: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Pending lifetime of a help request.
    pub request_timeout_secs: u64,
    /// Active chats from requests a volunteer may have at once (0: no cap).
    pub max_active_chats: u32,
    /// Seconds a request may wait before support is told (0: never).
    pub escalate_after_secs: u64,
    /// Health and emotional requests only to volunteers credentialed for them.
    pub require_credentials: bool,
    /// Offers in a row a volunteer may let pass before being set away (0: never).
    pub max_missed_offers: u32,
    /// Emotional-topic sessions a volunteer may take in 24 hours (0: no limit).
    pub max_emotional_sessions_per_day: u32,
    /// Hours of sessions in seven days past which the app suggests rest (0: never).
    pub weekly_hours_hint: u32,
    /// Seconds before an unacknowledged safety alert is raised again (0: never).
    pub alert_repeat_secs: u64,
    /// Seconds after a dropped call before support gets a welfare check
    /// unless the two were back in touch.
    pub welfare_after_secs: u64,
    /// How open requests are offered: `ring_all` or `batched` (see [`Settings::dispatch`]).
    pub dispatch: String,
    /// Volunteers per batch under `batched`.
    pub dispatch_batch_size: usize,
    /// Seconds between batches under `batched`.
    pub dispatch_widen_secs: u64,
    /// Configured signing secret, if any.
    pub jwt_secret: Option<String>,
    /// Token lifetime.
    pub token_ttl_secs: u64,
    /// SQLite `synchronous=FULL` (true) or `NORMAL`: `sqlite_synchronous`
    /// is `full` or `normal`.
    #[serde(
        rename = "sqlite_synchronous",
        serialize_with = "synchronous_name",
        deserialize_with = "synchronous_full"
    )]
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
    /// The broker between a cluster's nodes; none for one node.
    pub broker_url: Option<String>,
    /// The cluster's name on the broker (its channel prefix).
    pub cluster_name: String,
    /// How often a node announces its users to the others; a node silent
    /// for three heartbeats is forgotten.
    pub cluster_heartbeat_ms: u64,
    /// Total attachment bytes one user may have stored.
    pub attachment_quota_bytes: u64,
    /// Log format.
    pub log_format: LogFormat,
    /// Calls: ring timeout, disconnect grace, STUN/TURN.
    #[serde(flatten)]
    pub calls: CallSettings,
    /// Web Push: VAPID key and contact, throttle, outbox polling.
    #[serde(flatten)]
    pub push: PushSettings,
}

/// A figment error as one line naming the setting and where it came from.
fn explain(error: figment::Error) -> String {
    let from = match error.metadata.as_ref().and_then(|m| m.source.as_ref()) {
        Some(figment::Source::File(path)) => path.display().to_string(),
        _ => "the environment or the command line".to_owned(),
    };
    let key = error.path.join(".");
    // A secret's value must not reach the log, even a wrong one.
    if key.ends_with("secret") || key.ends_with("private_key") {
        return format!("{key} ({from}): must be a string");
    }
    match key.is_empty() {
        true => format!("{from}: {}", error.kind),
        false => format!("{key} ({from}): {}", error.kind),
    }
}

fn synchronous_name<S: Serializer>(full: &bool, to: S) -> Result<S::Ok, S::Error> {
    to.serialize_str(if *full { "full" } else { "normal" })
}

fn synchronous_full<'de, D: Deserializer<'de>>(from: D) -> Result<bool, D::Error> {
    match String::deserialize(from)?.to_ascii_lowercase().as_str() {
        "full" => Ok(true),
        "normal" => Ok(false),
        other => Err(serde::de::Error::custom(format!(
            "sqlite synchronous must be full or normal, got {other:?}"
        ))),
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("max_active_chats", &self.max_active_chats)
            .field("escalate_after_secs", &self.escalate_after_secs)
            .field("require_credentials", &self.require_credentials)
            .field("max_missed_offers", &self.max_missed_offers)
            .field(
                "max_emotional_sessions_per_day",
                &self.max_emotional_sessions_per_day,
            )
            .field("weekly_hours_hint", &self.weekly_hours_hint)
            .field("alert_repeat_secs", &self.alert_repeat_secs)
            .field("welfare_after_secs", &self.welfare_after_secs)
            .field("dispatch", &self.dispatch)
            .field("dispatch_batch_size", &self.dispatch_batch_size)
            .field("dispatch_widen_secs", &self.dispatch_widen_secs)
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
            .field("broker_url", &self.broker_url.as_deref().map(redact_url))
            .field("cluster_name", &self.cluster_name)
            .field("cluster_heartbeat_ms", &self.cluster_heartbeat_ms)
            .field(
                "attachment_store_url",
                &self.attachment_store_url.as_deref().map(redact_url),
            )
            .field("attachment_max_bytes", &self.attachment_max_bytes)
            .field("attachment_quota_bytes", &self.attachment_quota_bytes)
            .field("log_format", &self.log_format)
            .field("calls", &self.calls)
            .field("push", &self.push)
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
            max_active_chats: 3,
            escalate_after_secs: 120,
            require_credentials: false,
            max_missed_offers: 5,
            max_emotional_sessions_per_day: 3,
            weekly_hours_hint: 10,
            alert_repeat_secs: 120,
            welfare_after_secs: 600,
            dispatch: "ring_all".into(),
            dispatch_batch_size: 5,
            dispatch_widen_secs: 30,
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
            broker_url: None,
            cluster_name: "helpline".into(),
            cluster_heartbeat_ms: 5_000,
            attachment_max_bytes: DEFAULT_ATTACHMENT_MAX_BYTES,
            attachment_quota_bytes: 100 * 1024 * 1024,
            log_format: LogFormat::Text,
            calls: CallSettings::default(),
            push: PushSettings::default(),
        }
    }
}

/// Default largest attachment: 10 MiB.
pub const DEFAULT_ATTACHMENT_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Largest attachment limit accepted (uploads are held in memory).
const MAX_ATTACHMENT_LIMIT: u64 = 1024 * 1024 * 1024;

impl Settings {
    /// The cap on a volunteer's active chats from requests.
    pub fn chat_cap(&self) -> helpline_core::request::ChatCap {
        helpline_core::request::ChatCap::new(self.max_active_chats)
    }

    /// How open requests are offered (checked when the settings were
    /// resolved; a bad value there falls back to `ring_all` here).
    pub fn dispatch(&self) -> helpline_core::dispatch::Dispatch {
        helpline_core::dispatch::Dispatch::new(
            &self.dispatch,
            self.dispatch_batch_size,
            self.dispatch_widen_secs,
        )
        .unwrap_or(helpline_core::dispatch::Dispatch::RingAll)
    }

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

    /// Resolves defaults → file → environment/flags (clap has already
    /// merged those two), then validates. A key the file does not know is
    /// refused, as is a value of the wrong type or out of range.
    pub fn resolve(args: &SettingsArgs) -> Result<Self, String> {
        let mut layers = Figment::from(Serialized::defaults(Settings::default()));
        if let Some(path) = &args.config {
            // figment skips a missing file; a named one must be readable.
            std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let keys = |provider: &dyn Provider| -> Result<Vec<String>, String> {
                let data = provider
                    .data()
                    .map_err(|e| format!("{}: {}", path.display(), e.kind))?;
                Ok(data
                    .values()
                    .flat_map(|dict| dict.keys().cloned())
                    .collect())
            };
            let known = keys(&Serialized::defaults(Settings::default()))?;
            let file = Toml::file_exact(path);
            if let Some(unknown) = keys(&file)?.into_iter().find(|key| !known.contains(key)) {
                return Err(format!("{}: unknown setting {unknown:?}", path.display()));
            }
            layers = layers.merge(file);
        }
        let mut settings: Settings = layers
            .merge(Serialized::defaults(args))
            .extract()
            .map_err(explain)?;
        // An empty secret or store URL is none at all.
        settings.jwt_secret = settings.jwt_secret.filter(|s| !s.is_empty());
        settings.attachment_store_url = settings.attachment_store_url.filter(|s| !s.is_empty());
        settings.broker_url = settings.broker_url.filter(|s| !s.is_empty());
        settings.calls.turn_secret = settings.calls.turn_secret.filter(|s| !s.is_empty());
        settings.push.vapid_private_key = settings.push.vapid_private_key.filter(|s| !s.is_empty());
        settings.check()?;
        Ok(settings)
    }

    fn check(&self) -> Result<(), String> {
        self.calls.check()?;
        helpline_core::dispatch::Dispatch::new(
            &self.dispatch,
            self.dispatch_batch_size,
            self.dispatch_widen_secs,
        )?;
        self.push.check()?;
        if self.request_timeout_secs == 0
            || self.token_ttl_secs == 0
            || self.sweep_interval_ms == 0
            || self.typing_timeout_ms == 0
            || self.cluster_heartbeat_ms == 0
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
        crate::cluster::check_settings(self)?;
        if matches!(&self.jwt_secret, Some(s) if s.len() < 32) {
            return Err("the JWT secret must be at least 32 bytes".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

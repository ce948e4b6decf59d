//! Settings, resolved in one place: built-in defaults, then an optional TOML
//! file, then `HELPLINE_*` environment variables, then command-line flags
//! (each later source wins). Secrets have no default and are never logged:
//! [`Settings`]'s `Debug` prints `jwt_secret` as `<set>` or `<generated>`.

use crate::calls::config::{CallArgs, CallFile, CallSettings};
use clap::Args;
use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Every server setting as a flag / environment variable. Each is optional
/// here so that an unset flag falls through to the file and the default.
#[derive(Debug, Clone, Default, Args)]
pub struct SettingsArgs {
    /// TOML file with any of the settings below (keys as in the flag names, with `_`).
    #[arg(long, global = true, env = "HELPLINE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Listen address [default: 127.0.0.1:8080].
    #[arg(long, global = true, env = "HELPLINE_ADDR", value_name = "HOST:PORT")]
    pub addr: Option<SocketAddr>,
    /// `sqlite://PATH` or `postgres://…` [default: sqlite://./data/helpline.db].
    #[arg(long, global = true, env = "HELPLINE_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// Seconds a help request stays pending before it expires [default: 300].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_REQUEST_TIMEOUT_SECS",
        value_name = "SECS"
    )]
    pub request_timeout_secs: Option<u64>,
    /// Token signing secret (at least 32 bytes). Unset: a random one is generated on first start and kept in the database.
    #[arg(
        long,
        env = "HELPLINE_JWT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,
    /// Lifetime of issued tokens in seconds [default: 86400].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_TOKEN_TTL_SECS",
        value_name = "SECS"
    )]
    pub token_ttl_secs: Option<u64>,
    /// SQLite durability: `full` (survives power loss) or `normal` (survives a process crash) [default: full].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_SQLITE_SYNCHRONOUS",
        value_name = "full|normal"
    )]
    pub sqlite_synchronous: Option<String>,
    /// Database connection pool size [default: 8].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_DB_MAX_CONNECTIONS",
        value_name = "N"
    )]
    pub db_max_connections: Option<u32>,
    /// How often the sweeper looks for expired requests, in milliseconds [default: 250].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_SWEEP_INTERVAL_MS",
        value_name = "MS"
    )]
    pub sweep_interval_ms: Option<u64>,
    /// Milliseconds after which a `typing:start` without a stop lapses [default: 6000].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_TYPING_TIMEOUT_MS",
        value_name = "MS"
    )]
    pub typing_timeout_ms: Option<u64>,
    /// Log format: `text` or `json` [default: text]. Verbosity comes from RUST_LOG (default `info`).
    #[arg(
        long,
        global = true,
        env = "HELPLINE_LOG_FORMAT",
        value_name = "text|json"
    )]
    pub log_format: Option<String>,
    /// Call settings (ring timeout, disconnect grace, STUN/TURN).
    #[command(flatten)]
    pub calls: CallArgs,
}

/// The same settings as read from a TOML file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    addr: Option<SocketAddr>,
    database_url: Option<String>,
    request_timeout_secs: Option<u64>,
    jwt_secret: Option<String>,
    token_ttl_secs: Option<u64>,
    sqlite_synchronous: Option<String>,
    db_max_connections: Option<u32>,
    sweep_interval_ms: Option<u64>,
    typing_timeout_ms: Option<u64>,
    log_format: Option<String>,
    call_ring_timeout_secs: Option<u64>,
    call_disconnect_grace_secs: Option<u64>,
    stun_urls: Option<String>,
    turn_urls: Option<String>,
    turn_secret: Option<String>,
    turn_ttl_secs: Option<u64>,
}

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
            log_format: LogFormat::Text,
            calls: CallSettings::default(),
        }
    }
}

impl Settings {
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
mod tests {
    use super::*;

    #[test]
    fn later_sources_win() {
        let dir = std::env::temp_dir().join(format!("helpline-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("helpline.toml");
        std::fs::write(
            &file,
            "request_timeout_secs = 10\naddr = \"127.0.0.1:9000\"\n",
        )
        .expect("write");
        let args = SettingsArgs {
            config: Some(file),
            addr: Some("127.0.0.1:9100".parse().expect("addr")),
            ..Default::default()
        };
        let s = Settings::resolve(&args).expect("valid");
        assert_eq!(s.request_timeout_secs, 10, "file beats default");
        assert_eq!(s.addr.port(), 9100, "flag/env beats file");
        assert_eq!(s.token_ttl_secs, 86_400, "default stays");
    }

    #[test]
    fn refuses_bad_values_and_hides_secrets() {
        let args = SettingsArgs {
            sqlite_synchronous: Some("off".into()),
            ..Default::default()
        };
        assert!(Settings::resolve(&args).is_err());
        let args = SettingsArgs {
            jwt_secret: Some("short".into()),
            ..Default::default()
        };
        assert!(Settings::resolve(&args).is_err());
        let args = SettingsArgs {
            jwt_secret: Some("x".repeat(40)),
            ..Default::default()
        };
        let shown = format!("{:?}", Settings::resolve(&args).expect("valid"));
        assert!(!shown.contains(&"x".repeat(40)));
        assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
    }
}

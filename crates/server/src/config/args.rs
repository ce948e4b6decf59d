//! The settings as flags and `HELPLINE_*` environment variables (clap
//! merges those two). Every field is optional here, so an unset one falls
//! through to the file and the default; the layer serializes only the ones
//! that are set, under the names the TOML file uses.

use crate::calls::config::CallArgs;
use crate::push::config::PushArgs;
use clap::Args;
use serde::Serialize;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Every server setting as a flag / environment variable. Each is optional
/// here so that an unset flag falls through to the file and the default.
#[derive(Debug, Clone, Default, Args, Serialize)]
pub struct SettingsArgs {
    /// TOML file with any of the settings below (keys as in the flag names, with `_`).
    #[arg(long, global = true, env = "HELPLINE_CONFIG", value_name = "FILE")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Listen address [default: 127.0.0.1:8080].
    #[arg(long, global = true, env = "HELPLINE_ADDR", value_name = "HOST:PORT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub addr: Option<SocketAddr>,
    /// `sqlite://PATH` or `postgres://…` [default: sqlite://./data/helpline.db].
    #[arg(long, global = true, env = "HELPLINE_DATABASE_URL", value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// Seconds a help request stays pending before it expires [default: 300].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_REQUEST_TIMEOUT_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_timeout_secs: Option<u64>,
    /// Active chats from requests a volunteer may have at once; at the cap they are offered no new request (0: no cap) [default: 3].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_MAX_ACTIVE_CHATS",
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_active_chats: Option<u32>,
    /// Seconds a request may stay pending before support is told and may take it (0: never) [default: 120].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_ESCALATE_AFTER_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escalate_after_secs: Option<u64>,
    /// Offers in a row a connected, available volunteer may let pass before they are set away (0: never) [default: 5].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_MAX_MISSED_OFFERS",
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_missed_offers: Option<u32>,
    /// Sessions on the emotional topic a volunteer may take in 24 hours before such requests stop reaching them (0: no limit) [default: 3].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_MAX_EMOTIONAL_SESSIONS_PER_DAY",
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_emotional_sessions_per_day: Option<u32>,
    /// Hours of sessions in seven days past which the volunteer's home suggests rest (0: never) [default: 10].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_WEEKLY_HOURS_HINT",
        value_name = "HOURS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly_hours_hint: Option<u32>,
    /// Seconds before a safety alert nobody has acknowledged is raised to support again (0: never) [default: 120].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_ALERT_REPEAT_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_repeat_secs: Option<u64>,
    /// Seconds after a dropped call with a seeker before support gets a welfare check, unless the two were back in touch (0: at once) [default: 600].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_WELFARE_AFTER_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub welfare_after_secs: Option<u64>,
    /// How open requests are offered: ring_all (every eligible volunteer at once) or batched (the best-ranked few first, widening) [default: ring_all].
    #[arg(long, global = true, env = "HELPLINE_DISPATCH", value_name = "POLICY")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch: Option<String>,
    /// Volunteers offered a request per batch under batched dispatch [default: 5].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_DISPATCH_BATCH_SIZE",
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_batch_size: Option<usize>,
    /// Seconds before the next batch is offered a request nobody took, under batched dispatch [default: 30].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_DISPATCH_WIDEN_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispatch_widen_secs: Option<u64>,
    /// Offer health and emotional requests only to volunteers credentialed for the topic (true/false) [default: false].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_REQUIRE_CREDENTIALS",
        value_name = "BOOL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_credentials: Option<bool>,
    /// Token signing secret (at least 32 bytes). Unset: a random one is generated on first start and kept in the database.
    #[arg(
        long,
        env = "HELPLINE_JWT_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt_secret: Option<String>,
    /// Lifetime of issued tokens in seconds [default: 86400].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_TOKEN_TTL_SECS",
        value_name = "SECS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_ttl_secs: Option<u64>,
    /// SQLite durability: `full` (survives power loss) or `normal` (survives a process crash) [default: full].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_SQLITE_SYNCHRONOUS",
        value_name = "full|normal"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqlite_synchronous: Option<String>,
    /// Database connection pool size [default: 8].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_DB_MAX_CONNECTIONS",
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_max_connections: Option<u32>,
    /// How often the sweeper looks for expired requests, in milliseconds [default: 250].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_SWEEP_INTERVAL_MS",
        value_name = "MS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep_interval_ms: Option<u64>,
    /// Milliseconds after which a `typing:start` without a stop lapses [default: 6000].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_TYPING_TIMEOUT_MS",
        value_name = "MS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typing_timeout_ms: Option<u64>,
    /// Socket.IO events one user may send per second, across all their sockets; 0 switches the limit off [default: 100].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_RATE_EVENTS_PER_SEC",
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_events_per_sec: Option<f64>,
    /// Events one user may send at once before the per-second rate applies [default: 200].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_RATE_EVENTS_BURST",
        value_name = "N"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_events_burst: Option<u32>,
    /// Failed logins allowed per username in 15 minutes; then logins for it answer 429 until the allowance refills; 0 switches the limit off [default: 10].
    #[arg(long, global = true, env = "HELPLINE_LOGIN_ATTEMPTS", value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_attempts: Option<u32>,
    /// Directory for attachment files [default: `attachments/` beside the SQLite file, else ./data/attachments].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_ATTACHMENTS_DIR",
        value_name = "DIR"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments_dir: Option<PathBuf>,
    /// S3-compatible object store for attachments instead of the directory: `http://host:port/bucket[/prefix]`; credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.
    #[arg(
        long,
        global = true,
        env = "HELPLINE_ATTACHMENT_STORE_URL",
        value_name = "URL"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_store_url: Option<String>,
    /// The broker between the nodes of a cluster: `redis://HOST:PORT[/DB]` (or `rediss://`) or `nats://HOST:PORT`. Unset: one node, no broker.
    #[arg(long, global = true, env = "HELPLINE_BROKER_URL", value_name = "URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker_url: Option<String>,
    /// The cluster's name on the broker: nodes with the same name and broker are one cluster [default: helpline].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_CLUSTER_NAME",
        value_name = "NAME"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_name: Option<String>,
    /// Milliseconds between a node's presence announcements; a node silent for three is forgotten [default: 5000].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_CLUSTER_HEARTBEAT_MS",
        value_name = "MS"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_heartbeat_ms: Option<u64>,
    /// Largest attachment upload in bytes [default: 10485760 (10 MiB)].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_ATTACHMENT_MAX_BYTES",
        value_name = "BYTES"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_max_bytes: Option<u64>,
    /// Total bytes of attachments one user may have stored [default: 104857600 (100 MiB)].
    #[arg(
        long,
        global = true,
        env = "HELPLINE_ATTACHMENT_QUOTA_BYTES",
        value_name = "BYTES"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachment_quota_bytes: Option<u64>,
    /// Log format: `text` or `json` [default: text]. Verbosity comes from RUST_LOG (default `info`).
    #[arg(
        long,
        global = true,
        env = "HELPLINE_LOG_FORMAT",
        value_name = "text|json"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_format: Option<String>,
    /// Call settings (ring timeout, disconnect grace, STUN/TURN).
    #[command(flatten)]
    #[serde(flatten)]
    pub calls: CallArgs,
    /// Web Push settings (VAPID key and contact, throttle, polling).
    #[command(flatten)]
    #[serde(flatten)]
    pub push: PushArgs,
}

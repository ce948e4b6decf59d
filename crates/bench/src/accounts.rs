//! Accounts for the runs, made only through the servers' public interfaces.
//!
//! Registering costs a password hash per account (argon2id in R, scrypt in
//! N), so a pool is registered once through `POST /api/auth/register` on a
//! server started for that purpose (with a one-year token lifetime), the
//! server is stopped, and its SQLite file is kept as a snapshot that each
//! run copies. On PostgreSQL the same pool lives in a template database
//! that each run clones with `CREATE DATABASE … TEMPLATE`. F has no
//! accounts: its "token" is the user id.

use crate::servers::{Kind, Programs, Running};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One registered user and a token for it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Account {
    /// The user id.
    pub id: String,
    /// A bearer token for it.
    pub token: String,
}

/// Seekers and volunteers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Pool {
    /// Seeker accounts.
    pub seekers: Vec<Account>,
    /// Volunteer accounts.
    pub volunteers: Vec<Account>,
}

/// How many of each a pool needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Need {
    /// Seekers.
    pub seekers: usize,
    /// Volunteers.
    pub volunteers: usize,
}

impl Pool {
    /// F's accounts: the token is the id, its first letter the role.
    pub fn floor(need: Need) -> Self {
        let make = |prefix: &str, n: usize| {
            (0..n)
                .map(|i| Account {
                    id: format!("{prefix}-{i}"),
                    token: format!("{prefix}-{i}"),
                })
                .collect()
        };
        Self {
            seekers: make("s", need.seekers),
            volunteers: make("v", need.volunteers),
        }
    }
}

const REGISTER_CONCURRENCY: usize = 16;
const TOKEN_TTL_SECS: &str = "31536000";

/// Registers `need` accounts on the server at `base`.
pub async fn register_pool(base: &str, need: Need) -> Result<Pool, String> {
    let http = reqwest::Client::new();
    let mut pool = Pool::default();
    for (role, prefix, count) in [
        ("seeker", "bs", need.seekers),
        ("volunteer", "bv", need.volunteers),
    ] {
        let accounts: Vec<Result<Account, String>> = futures::stream::iter(0..count)
            .map(|i| register(&http, base, role, format!("{prefix}{i:06}")))
            .buffered(REGISTER_CONCURRENCY)
            .collect()
            .await;
        let accounts = accounts.into_iter().collect::<Result<Vec<_>, _>>()?;
        match role {
            "seeker" => pool.seekers = accounts,
            _ => pool.volunteers = accounts,
        }
    }
    Ok(pool)
}

async fn register(
    http: &reqwest::Client,
    base: &str,
    role: &str,
    username: String,
) -> Result<Account, String> {
    let body = serde_json::json!({
        "username": username,
        "password": "bench-password-1",
        "displayName": username,
        "role": role,
    });
    let mut last = String::new();
    for _ in 0..3 {
        let sent = http
            .post(format!("{base}/api/auth/register"))
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().as_u16() == 201 => {
                let value: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
                let token = value["token"].as_str().ok_or("no token")?.to_owned();
                let id = value["user"]["id"].as_str().ok_or("no user id")?.to_owned();
                return Ok(Account { id, token });
            }
            Ok(response) => last = format!("register {username}: HTTP {}", response.status()),
            Err(e) => last = format!("register {username}: {e}"),
        }
    }
    Err(last)
}

fn read_pool(path: &Path) -> Option<Pool> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

/// A cached snapshot of `kind` with at least `need` accounts, made now if
/// there is none. Returns the snapshot file and its accounts.
pub async fn sqlite_snapshot(
    programs: &Programs,
    cache: &Path,
    kind: Kind,
    need: Need,
) -> Result<(PathBuf, Pool), String> {
    std::fs::create_dir_all(cache).map_err(|e| e.to_string())?;
    let prefix = format!("{}-sqlite-", kind.letter());
    for entry in std::fs::read_dir(cache)
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name
            .strip_prefix(&prefix)
            .and_then(|n| n.strip_suffix(".json"))
        {
            let db = cache.join(format!("{prefix}{stem}.db"));
            if let Some(pool) = read_pool(&entry.path())
                && db.exists()
                && pool.seekers.len() >= need.seekers
                && pool.volunteers.len() >= need.volunteers
            {
                return Ok((db, pool));
            }
        }
    }
    let stem = format!("{prefix}{}s-{}v", need.seekers, need.volunteers);
    let building = cache.join(format!("{stem}.building.db"));
    remove_db(&building);
    eprintln!(
        "bench: registering {} seekers and {} volunteers on {} (once; cached in {})",
        need.seekers,
        need.volunteers,
        kind.letter(),
        cache.display()
    );
    let url = format!("sqlite://{}", building.display());
    let env = [("HELPLINE_TOKEN_TTL_SECS", TOKEN_TTL_SECS.to_string())];
    let server = Running::start(programs, kind, Some(&url), &env, false).await?;
    let pool = register_pool(&server.base_url(), need).await;
    server.stop().await;
    let pool = pool?;
    let db = cache.join(format!("{stem}.db"));
    copy_db(&building, &db)?;
    remove_db(&building);
    let json = serde_json::to_vec(&pool).map_err(|e| e.to_string())?;
    std::fs::write(cache.join(format!("{stem}.json")), json).map_err(|e| e.to_string())?;
    Ok((db, pool))
}

/// Removes a SQLite database and its WAL and shared-memory files.
pub fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Copies a SQLite database (and its WAL, if any) to `to`.
pub fn copy_db(from: &Path, to: &Path) -> Result<(), String> {
    remove_db(to);
    for suffix in ["", "-wal"] {
        let source = format!("{}{suffix}", from.display());
        if Path::new(&source).exists() {
            std::fs::copy(&source, format!("{}{suffix}", to.display()))
                .map_err(|e| format!("copying {source}: {e}"))?;
        }
    }
    Ok(())
}

/// Runs one SQL statement with `psql` against `admin_url`; returns its
/// unaligned output.
pub fn psql(admin_url: &str, sql: &str) -> Result<String, String> {
    let out = std::process::Command::new("psql")
        .args([admin_url, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "psql: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// `admin_url` with its database name replaced by `db`.
pub fn pg_url(admin_url: &str, db: &str) -> String {
    let base = admin_url.split('?').next().unwrap_or(admin_url);
    match base.rfind('/') {
        Some(slash) if slash > "postgres://".len() => format!("{}/{db}", &base[..slash]),
        _ => format!("{base}/{db}"),
    }
}

/// A PostgreSQL template database with `need` accounts registered through
/// R, made now if it is missing. Returns its name and accounts.
pub async fn pg_template(
    programs: &Programs,
    cache: &Path,
    admin_url: &str,
    need: Need,
) -> Result<(String, Pool), String> {
    std::fs::create_dir_all(cache).map_err(|e| e.to_string())?;
    let name = format!("helpline_bench_tpl_{}s_{}v", need.seekers, need.volunteers);
    let accounts = cache.join(format!("{name}.json"));
    let exists = psql(
        admin_url,
        &format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
    )? == "1";
    // The template is the server's, shared by every checkout on it; the
    // accounts file is this work directory's. Another checkout may have
    // made the template again since, with other accounts.
    if exists
        && let Some(pool) = read_pool(&accounts)
        && template_holds(admin_url, &name, &pool)?
    {
        return Ok((name, pool));
    }
    psql(
        admin_url,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )?;
    psql(admin_url, &format!("CREATE DATABASE {name}"))?;
    let env = [("HELPLINE_TOKEN_TTL_SECS", TOKEN_TTL_SECS.to_string())];
    let url = pg_url(admin_url, &name);
    let server = Running::start(programs, Kind::R, Some(&url), &env, false).await?;
    let pool = register_pool(&server.base_url(), need).await;
    server.stop().await;
    let pool = pool?;
    std::fs::write(
        &accounts,
        serde_json::to_vec(&pool).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    Ok((name, pool))
}

/// Whether the template database `name` has the first seeker and the first
/// volunteer of `pool` (so the pool's tokens name its accounts).
fn template_holds(admin_url: &str, name: &str, pool: &Pool) -> Result<bool, String> {
    let firsts: Vec<String> = [pool.seekers.first(), pool.volunteers.first()]
        .into_iter()
        .flatten()
        .map(|a| format!("'{}'", a.id.replace('\'', "''")))
        .collect();
    if firsts.is_empty() {
        return Ok(true);
    }
    let found = psql(
        &pg_url(admin_url, name),
        &format!(
            "SELECT count(*) FROM users WHERE id IN ({})",
            firsts.join(", ")
        ),
    )?;
    Ok(found == firsts.len().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            pg_url("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            pg_url("postgres://postgres@127.0.0.1:5432", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
    }

    #[test]
    fn floor_tokens_are_ids() {
        let pool = Pool::floor(Need {
            seekers: 2,
            volunteers: 1,
        });
        assert_eq!(pool.seekers[1].token, "s-1");
        assert_eq!(pool.volunteers[0].id, "v-0");
    }
}

//! Where each case runs: creates a fresh store for a backend, hands the case
//! an [`Env`], and afterwards closes the store and removes its database
//! (SQLite: the temporary directory; PostgreSQL: `DROP DATABASE … WITH
//! (FORCE)`) before reporting a failure or timeout of the case.

use futures::FutureExt;
use helpline_store::{Store, StoreOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use std::future::Future;
use std::panic::{AssertUnwindSafe, resume_unwind};
use std::sync::Arc;
use std::time::Duration;

/// The server the PostgreSQL cases create their databases on.
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// The longest a case may take before it is failed (and cleaned up).
const CASE_TIMEOUT: Duration = Duration::from_secs(120);

/// A store implementation under test.
#[derive(Debug, Clone, Copy)]
pub enum Backend {
    /// A fresh file in a temporary directory.
    Sqlite,
    /// A freshly created database on the test server.
    Postgres,
}

/// What a case gets: its store, and a way to open the same data again.
#[derive(Clone)]
pub struct Env {
    /// The store under test.
    pub store: Arc<dyn Store>,
    url: String,
}

impl Env {
    /// The database's URL when the store is PostgreSQL, for cases that
    /// hold a lock of their own beside the store.
    pub fn postgres_url(&self) -> Option<&str> {
        self.url
            .starts_with("postgres")
            .then_some(self.url.as_str())
    }

    /// Opens a second store on the same database (after closing the first,
    /// this is a restart).
    pub async fn reopen(&self) -> Arc<dyn Store> {
        helpline_store::open(&self.url, &options())
            .await
            .expect("reopen the store")
    }
}

fn options() -> StoreOptions {
    StoreOptions {
        sqlite_synchronous_full: false,
        max_connections: 6,
    }
}

/// The storage a case's store lives in, removed by [`Location::destroy`].
enum Location {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, database: String },
}

impl Location {
    async fn create(backend: Backend) -> (Self, String) {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite://{}", dir.path().join("helpline.db").display());
                (Location::Sqlite(dir), url)
            }
            Backend::Postgres => {
                let admin_url = std::env::var("HELPLINE_TEST_POSTGRES_URL")
                    .unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned());
                let database = format!("helpline_test_{}", uuid::Uuid::now_v7().simple());
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to the test PostgreSQL server");
                // An ICU locale, where the server has one, so that ordering
                // must not depend on the database's default collation.
                let icu = format!(
                    "CREATE DATABASE \"{database}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en'"
                );
                if sqlx::raw_sql(AssertSqlSafe(icu))
                    .execute(&mut admin)
                    .await
                    .is_err()
                {
                    let plain = format!("CREATE DATABASE \"{database}\"");
                    sqlx::raw_sql(AssertSqlSafe(plain))
                        .execute(&mut admin)
                        .await
                        .expect("create the test database");
                }
                let _ = admin.close().await;
                let url = database_url(&admin_url, &database);
                (
                    Location::Postgres {
                        admin_url,
                        database,
                    },
                    url,
                )
            }
        }
    }

    async fn destroy(self) {
        match self {
            Location::Sqlite(dir) => drop(dir),
            Location::Postgres {
                admin_url,
                database,
            } => {
                let mut admin = PgConnection::connect(&admin_url)
                    .await
                    .expect("connect to drop the test database");
                let drop_sql = format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
                sqlx::raw_sql(AssertSqlSafe(drop_sql))
                    .execute(&mut admin)
                    .await
                    .expect("drop the test database");
                let _ = admin.close().await;
            }
        }
    }
}

/// `admin_url` with its database name replaced by `database`.
fn database_url(admin_url: &str, database: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let authority_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{server}/{database}{query}")
}

/// Runs one case on an empty database of `backend` (the case gets its URL
/// and opens stores itself), then removes the database, then re-raises the
/// case's panic if it had one.
pub async fn run_on_empty<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let (location, url) = Location::create(backend).await;
    let outcome = AssertUnwindSafe(tokio::time::timeout(CASE_TIMEOUT, case(url)))
        .catch_unwind()
        .await;
    location.destroy().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(_)) => panic!("the case took longer than {CASE_TIMEOUT:?}"),
        Err(panic) => resume_unwind(panic),
    }
}

/// Runs one case on a fresh, migrated store of `backend` and closes the
/// store afterwards; cleanup as in [`run_on_empty`].
pub async fn run<F, Fut>(backend: Backend, case: F)
where
    F: FnOnce(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    run_on_empty(backend, |url| async move {
        let store = helpline_store::open(&url, &options())
            .await
            .expect("open the store");
        let env = Env {
            store: store.clone(),
            url,
        };
        case(env).await;
        store.close().await;
    })
    .await;
}

#[test]
fn database_urls_swap_only_the_name() {
    assert_eq!(
        database_url("postgres://u@h:5432/postgres", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        database_url("postgres://u@h/postgres?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(database_url("postgres://u@h", "x"), "postgres://u@h/x");
}

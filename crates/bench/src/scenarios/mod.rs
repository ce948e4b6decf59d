//! The scenarios. Each runs against one freshly started server and
//! returns its metrics plus any correctness violation (a violation fails
//! the invocation; timings never do).

pub mod chat;
pub mod claim;
pub mod dispatch;
pub mod fleet;
pub mod idle;
pub mod load;
pub mod soak;
pub mod storm;

use crate::accounts::{Account, Pool};
use crate::client::Hub;
use crate::metrics::Metrics;
use crate::servers::Running;
use std::sync::Arc;

/// What a scenario gets for one run.
pub struct Run<'a> {
    /// The server under test.
    pub server: &'a mut Running,
    /// Its accounts.
    pub pool: &'a Pool,
    /// The generator's shared client state.
    pub hub: Arc<Hub>,
    /// Generator speed-ups for the smoke mode (shorter settles).
    pub smoke: bool,
}

/// What one run found.
#[derive(Default)]
pub struct Outcome {
    /// Measured values.
    pub metrics: Metrics,
    /// Correctness problems (must be empty).
    pub violations: Vec<String>,
}

impl Outcome {
    /// Records `value` under `key`.
    pub fn set(&mut self, key: &str, value: f64) {
        self.metrics.insert(key.to_owned(), value);
    }

    /// Records a violation unless `ok`.
    pub fn expect(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.violations.push(what());
        }
    }
}

/// The first `n` of `accounts`, or an error naming the pool's shortfall.
pub fn take<'a>(accounts: &'a [Account], n: usize, what: &str) -> Result<Vec<&'a Account>, String> {
    if accounts.len() < n {
        return Err(format!(
            "the account pool has {} {what}, {n} needed",
            accounts.len()
        ));
    }
    Ok(accounts[..n].iter().collect())
}

/// Polls `done` every millisecond until it holds or `limit` passes;
/// returns whether it held.
pub async fn wait_until(limit: std::time::Duration, done: impl Fn() -> bool) -> bool {
    let deadline = std::time::Instant::now() + limit;
    while !done() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    true
}

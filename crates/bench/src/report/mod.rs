//! The results: one [`Record`] per scenario case and server (its runs'
//! metrics, their medians, and any violation or error), written as
//! `benchmarks.json`, `benchmarks.md` and `benchmarks-latency.png`.

pub mod chart;
mod markdown;

use crate::machine::Machine;
use crate::metrics::{Metrics, median};
use crate::servers::Kind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

/// One scenario case on one server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// `S1` … `S6`.
    pub scenario: String,
    /// The case, e.g. `10000 clients`.
    pub case: String,
    /// R, N or F.
    pub server: Kind,
    /// Each run's metrics.
    pub runs: Vec<Metrics>,
    /// The median of each metric over the runs.
    pub median: Metrics,
    /// Correctness violations (any fails the invocation).
    pub violations: Vec<String>,
    /// Runs that could not complete.
    pub errors: Vec<String>,
}

impl Record {
    /// An empty record.
    pub fn new(scenario: &str, case: &str, server: Kind) -> Self {
        Self {
            scenario: scenario.into(),
            case: case.into(),
            server,
            runs: Vec::new(),
            median: Metrics::new(),
            violations: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Recomputes the medians.
    pub fn finish(&mut self) {
        let keys: BTreeSet<String> = self.runs.iter().flat_map(|m| m.keys().cloned()).collect();
        self.median = keys
            .into_iter()
            .filter_map(|k| median(&self.runs, &k).map(|v| (k, v)))
            .collect();
    }
}

/// Everything one invocation measured.
#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    /// The machine it ran on.
    pub machine: Machine,
    /// The disk's fsync distribution at the start and end of the run.
    #[serde(default)]
    pub disk: Vec<crate::disk::FsyncProbe>,
    /// The command line.
    pub command: String,
    /// Repetitions per scenario.
    pub reps: usize,
    /// Whether it was the smoke mode.
    pub smoke: bool,
    /// Sizes, as text.
    pub sizes: String,
    /// S3's reference rate: N's median maximum (msgs/s).
    pub base_rate: Option<f64>,
    /// What differs from the sizes asked for, and why.
    pub notes: Vec<String>,
    /// The results.
    pub results: Vec<Record>,
}

impl Report {
    /// The record of `scenario`/`case` on `server`.
    pub fn find(&self, scenario: &str, case: &str, server: Kind) -> Option<&Record> {
        self.results
            .iter()
            .find(|r| r.scenario == scenario && r.case == case && r.server == server)
    }

    /// Every problem found, one line each.
    pub fn failures(&self) -> Vec<String> {
        self.results
            .iter()
            .flat_map(|r| {
                let head = format!("{} {} {}", r.scenario, r.case, r.server.letter());
                r.violations
                    .iter()
                    .chain(&r.errors)
                    .map(move |v| format!("{head}: {v}"))
            })
            .collect()
    }

    /// Reads a `benchmarks.json` written earlier.
    pub fn read(path: &Path) -> Result<Self, String> {
        let text = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes `benchmarks.json`, `benchmarks.md` and
    /// `benchmarks-latency.png` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("benchmarks.json"), json + "\n").map_err(|e| e.to_string())?;
        let png = dir.join("benchmarks-latency.png");
        let charted = chart::draw(self, &png);
        if let Err(e) = &charted {
            eprintln!("bench: no chart: {e}");
        }
        let md = markdown::render(self, charted.is_ok());
        std::fs::write(dir.join("benchmarks.md"), md).map_err(|e| e.to_string())?;
        Ok(())
    }
}

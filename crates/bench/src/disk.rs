//! The disk's own commit latency: the floor under every durable
//! acknowledgement, measured on the machine and filesystem the run uses.
//!
//! A commit under `synchronous=FULL` (SQLite's WAL) or PostgreSQL's
//! `fsync` appends a few pages to a log and waits for `fdatasync`. So the
//! probe does exactly that, and nothing else: it appends `bytes` to a fresh
//! file in the run's work directory and calls `fdatasync` after each
//! append, for `secs`, and reports the distribution. No server can
//! acknowledge a durable write faster than this; a tail in this
//! distribution (the disk's own stalls) is a tail every durable server
//! inherits. The harness probes at the start and at the end of a run
//! (disks have bad minutes), and the report prints both as S3's and S6's
//! floor lines.

use crate::metrics::Recorder;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// One probe's result, in milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FsyncProbe {
    /// `start` or `end` of the run.
    pub when: String,
    /// Bytes appended before each `fdatasync`.
    pub bytes: usize,
    /// `fdatasync` calls made.
    pub syncs: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

/// The probe file is started over past this size, so that a long probe
/// neither fills the disk nor measures an ever-growing file's metadata.
const ROLL_BYTES: u64 = 64 << 20;

/// Appends `bytes` and `fdatasync`s, again and again for `secs`, in a file
/// under `dir` (removed afterwards). Blocking: run it between runs, with
/// no server running.
pub fn probe(dir: &Path, when: &str, bytes: usize, secs: f64) -> Result<FsyncProbe, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("fsync-probe");
    let block = vec![0x5a_u8; bytes.max(1)];
    let recorder = Recorder::default();
    let open = || {
        std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let mut file = open()?;
    let until = Instant::now() + Duration::from_secs_f64(secs.max(0.01));
    let (mut syncs, mut written) = (0_u64, 0_u64);
    while Instant::now() < until {
        if written >= ROLL_BYTES {
            file = open()?;
            file.sync_all().map_err(|e| e.to_string())?;
            written = 0;
        }
        file.write_all(&block).map_err(|e| e.to_string())?;
        let start = Instant::now();
        file.sync_data().map_err(|e| e.to_string())?;
        recorder.record(start, Instant::now());
        syncs += 1;
        written += block.len() as u64;
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    let mut m = crate::metrics::Metrics::new();
    recorder.quantiles_into(&mut m, "sync");
    let get = |k: &str| m.get(k).copied().unwrap_or(0.0);
    Ok(FsyncProbe {
        when: when.to_owned(),
        bytes: block.len(),
        syncs,
        p50_ms: get("sync_p50_ms"),
        p99_ms: get("sync_p99_ms"),
        p999_ms: get("sync_p999_ms"),
        max_ms: get("sync_max_ms"),
    })
}

impl FsyncProbe {
    /// One line for the report.
    pub fn line(&self) -> String {
        format!(
            "{}: p50 {:.2} ms, p99 {:.2} ms, p99.9 {:.2} ms, max {:.1} ms ({} syncs)",
            self.when, self.p50_ms, self.p99_ms, self.p999_ms, self.max_ms, self.syncs
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_a_directory() {
        let dir = std::env::temp_dir().join(format!("helpline-fsync-{}", std::process::id()));
        let probe = probe(&dir, "start", 8192, 0.05).expect("probe");
        assert!(probe.syncs > 0);
        assert!(probe.p50_ms <= probe.p99_ms && probe.p99_ms <= probe.max_ms);
        assert!(!dir.join("fsync-probe").exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! Measurements: the server's CPU seconds and memory from `/proc`, latency
//! histograms (HdrHistogram, microseconds), and the per-run metric map.

use hdrhistogram::Histogram;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// One run's results: metric name → value.
pub type Metrics = BTreeMap<String, f64>;

/// Clock ticks per second for `/proc/<pid>/stat` (`getconf CLK_TCK`).
fn clock_ticks() -> f64 {
    static TICKS: OnceLock<f64> = OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// User + system CPU seconds the process has used so far.
pub fn cpu_seconds(pid: u32) -> Result<f64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| e.to_string())?;
    // Fields after the command name, which is in parentheses; utime and
    // stime are fields 14 and 15, i.e. indexes 11 and 12 after it.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("bad /proc stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<f64, String> {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| "bad /proc stat".to_string())
    };
    Ok((ticks(11)? + ticks(12)?) / clock_ticks())
}

/// A `kB` line of `/proc/<pid>/status` (`VmRSS`, `VmHWM`), in bytes.
pub fn status_bytes(pid: u32, key: &str) -> Result<u64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .ok_or_else(|| format!("no {key} in /proc/{pid}/status"))
}

/// Resets the process's peak RSS (`VmHWM`) to its current RSS.
pub fn reset_peak(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// A latency histogram in microseconds (1 µs … 10 min, 3 digits).
pub fn histogram() -> Histogram<u64> {
    // Constant, valid bounds: this cannot fail.
    Histogram::new_with_bounds(1, 600_000_000, 3).expect("valid histogram bounds")
}

/// A histogram shared by the tasks of one (single-threaded) generator.
pub struct Recorder(Mutex<Histogram<u64>>);

impl Default for Recorder {
    fn default() -> Self {
        Self(Mutex::new(histogram()))
    }
}

impl Recorder {
    /// Records `end - start` (zero if negative).
    pub fn record(&self, start: Instant, end: Instant) {
        self.record_duration(end.saturating_duration_since(start));
    }

    /// Records one duration.
    pub fn record_duration(&self, d: Duration) {
        let micros = (d.as_micros() as u64).clamp(1, 600_000_000);
        let _ = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .record(micros);
    }

    /// Forgets everything recorded so far.
    pub fn reset(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).reset();
    }

    /// Adds `prefix_p50`, `_p99`, `_p999` and `_max` (milliseconds) to `m`.
    pub fn quantiles_into(&self, m: &mut Metrics, prefix: &str) {
        let h = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if h.is_empty() {
            return;
        }
        let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
        m.insert(format!("{prefix}_p50_ms"), ms(0.5));
        m.insert(format!("{prefix}_p99_ms"), ms(0.99));
        m.insert(format!("{prefix}_p999_ms"), ms(0.999));
        m.insert(format!("{prefix}_max_ms"), h.max() as f64 / 1000.0);
    }
}

/// The median of the values `runs` have for `key` (the lower middle for an
/// even count), if any run has it.
pub fn median(runs: &[Metrics], key: &str) -> Option<f64> {
    let mut values: Vec<f64> = runs.iter().filter_map(|m| m.get(key).copied()).collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[(values.len() - 1) / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_process() {
        let pid = std::process::id();
        assert!(cpu_seconds(pid).is_ok());
        assert!(status_bytes(pid, "VmRSS").is_ok_and(|b| b > 0));
    }

    #[test]
    fn medians() {
        let run = |v: f64| Metrics::from([("x".to_string(), v)]);
        assert_eq!(median(&[run(3.0), run(1.0), run(2.0)], "x"), Some(2.0));
        assert_eq!(median(&[], "x"), None);
    }

    #[test]
    fn quantiles_in_ms() {
        let r = Recorder::default();
        for i in 1..=1000 {
            r.record_duration(Duration::from_micros(i * 10));
        }
        let mut m = Metrics::new();
        r.quantiles_into(&mut m, "ack");
        assert!((m["ack_p50_ms"] - 5.0).abs() < 0.1);
        assert!((m["ack_p99_ms"] - 9.9).abs() < 0.1);
    }
}

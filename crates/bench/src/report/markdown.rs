//! `benchmarks.md`: the machine, the command, and one table per scenario
//! with R, N and F (medians over the repetitions), the ratios R/N and R/F,
//! and the issue's target where it has one.

use super::{Record, Report, chart};
use crate::plan::FIXED_CASE;
use crate::servers::Kind;
use std::fmt::Write;

/// (metric key, label) shown for each scenario.
fn metrics_of(scenario: &str, case: &str) -> &'static [(&'static str, &'static str)] {
    match scenario {
        "S1" => &[
            ("rss_per_conn_kb", "RSS per connection (KiB)"),
            ("rss_mb", "RSS with all connected (MiB)"),
            ("peak_rss_mb", "peak RSS (MiB)"),
            ("setup_secs", "connect + pair time (s)"),
        ],
        "S2" => &[
            ("conns_per_sec", "connections/s"),
            ("connect_p50_ms", "connect p50 (ms)"),
            ("connect_p99_ms", "connect p99 (ms)"),
            ("conns_per_cpu_s", "connections per server CPU-s"),
            ("failed", "failed connections"),
        ],
        "S3" if case.starts_with(FIXED_CASE) => &[
            ("fixed_achieved_per_sec", "achieved (msgs/s), median run"),
            ("fixed_ack_p50_ms", "send→ack p50 (ms), median run"),
            ("fixed_ack_p99_ms", "send→ack p99 (ms), median run"),
            ("fixed_ack_p999_ms", "send→ack p99.9 (ms), median run"),
            (
                "fixed_delivery_p99_ms",
                "send→delivery p99 (ms), median run",
            ),
            ("fixed_server_cpu_util", "server CPU (cores), median run"),
        ],
        "S3" | "S7" if case.contains("saturation") => &[
            ("delivered_per_cpu_s", "delivered msgs per server CPU-s"),
            ("delivered_per_sec", "delivered msgs/s (max)"),
            ("server_cpu_util", "server CPU (cores)"),
            ("closed_ack_p99_ms", "closed-loop send→ack p99 (ms)"),
        ],
        "S3" | "S7" => &[
            ("fixed_offered_per_sec", "fixed rate (msgs/s)"),
            ("fixed_achieved_per_sec", "achieved (msgs/s)"),
            ("fixed_ack_p50_ms", "send→ack p50 (ms)"),
            ("fixed_ack_p99_ms", "send→ack p99 (ms)"),
            ("fixed_ack_p999_ms", "send→ack p99.9 (ms)"),
            ("fixed_delivery_p50_ms", "send→delivery p50 (ms)"),
            ("fixed_delivery_p99_ms", "send→delivery p99 (ms)"),
            ("fixed_delivery_p999_ms", "send→delivery p99.9 (ms)"),
            ("fixed_server_cpu_util", "server CPU at fixed rate (cores)"),
            ("saturated_at_per_sec", "sweep stopped at (msgs/s)"),
        ],
        "S4" => &[
            ("first_incoming_p50_ms", "first seeker:incoming p50 (ms)"),
            ("first_incoming_p99_ms", "first seeker:incoming p99 (ms)"),
            ("last_incoming_p50_ms", "last seeker:incoming p50 (ms)"),
            ("last_incoming_p99_ms", "last seeker:incoming p99 (ms)"),
            ("last_incoming_p999_ms", "last seeker:incoming p99.9 (ms)"),
            ("server_cpu_ms_per_round", "server CPU per request (ms)"),
            ("requests", "requests"),
        ],
        "S5" => &[
            ("double_wins", "double wins"),
            ("races", "races"),
            ("decision_p50_ms", "accept→ack p50 (ms)"),
            ("decision_p99_ms", "accept→ack p99 (ms)"),
            ("race_p99_ms", "all accepts answered p99 (ms)"),
        ],
        _ => &[
            ("persisted_per_sec", "persisted msgs/s"),
            ("server_cpu_util", "server CPU (cores)"),
            ("closed_ack_p99_ms", "send→ack p99 (ms)"),
        ],
    }
}

const TITLES: [(&str, &str); 7] = [
    (
        "S1",
        "S1 idle: memory per connected client in a conversation",
    ),
    ("S2", "S2 connect storm"),
    (
        "S3",
        "S3 chat: 100-byte messages acked after durable storage",
    ),
    (
        "S4",
        "S4 dispatch: one request to the online volunteers (all, or the first batch)",
    ),
    ("S5", "S5 claim race"),
    ("S6", "S6 storage: persisted messages per second"),
    (
        "S7",
        "S7 chat across nodes: S3 on PostgreSQL, the two people of each conversation on different nodes (server CPU includes every node and the broker)",
    ),
];

/// The issue's target for a row, and whether R meets it.
fn target(
    scenario: &str,
    case: &str,
    key: &str,
    r: Option<f64>,
    n: Option<f64>,
    f: Option<f64>,
) -> String {
    let ratio = |a: Option<f64>, b: Option<f64>| Some(a? / b?);
    let verdict = |met: Option<bool>| match met {
        Some(true) => " — met",
        Some(false) => " — **missed**",
        None => "",
    };
    let (text, met) = match (scenario, key) {
        ("S1", "rss_per_conn_kb") => (
            "R/N ≤ 0.75, R/F ≤ 1.5",
            ratio(r, n)
                .zip(ratio(r, f))
                .map(|(a, b)| a <= 0.75 && b <= 1.5),
        ),
        ("S3", "delivered_per_cpu_s") => ("R/N ≥ 5", ratio(r, n).map(|x| x >= 5.0)),
        ("S3", "fixed_ack_p99_ms") if case.starts_with(FIXED_CASE) => {
            ("R ≤ 5 ms", r.map(|x| x <= 5.0))
        }
        ("S4", "last_incoming_p99_ms") if case == "1000 volunteers" => {
            ("R ≤ 20 ms", r.map(|x| x <= 20.0))
        }
        ("S5", "double_wins") => ("0", r.map(|x| x == 0.0)),
        ("S6", "persisted_per_sec") if case.ends_with("SQLite NORMAL") => {
            ("R ≥ 50 000", r.map(|x| x >= 50_000.0))
        }
        ("S6", "persisted_per_sec") if case.ends_with("SQLite FULL") => {
            ("R ≥ 20 000", r.map(|x| x >= 20_000.0))
        }
        _ => return String::new(),
    };
    format!("{text}{}", verdict(met))
}

fn number(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(v) if v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.abs() >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn value(record: Option<&Record>, key: &str) -> Option<f64> {
    record?.median.get(key).copied()
}

/// The whole page.
pub fn render(report: &Report, charted: bool) -> String {
    let mut md = String::new();
    let m = &report.machine;
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Generated by `helpline-bench` (crates/bench) on {}; do not edit by hand — rerun the command below. How the harness works and how to read these numbers: [performance.md](performance.md).\n",
        m.date
    );
    let _ = writeln!(
        md,
        "**R** = Helpline (SQLite, default settings), **N** = the Node reference peer (socket.io 4.8 + better-sqlite3, default settings), **F** = the floor (raw websocket fan-out, no protocol library, no auth, no storage). Each value is the median of {} run(s); every run starts a fresh server pinned to core 0, the load generator runs on core 1.\n",
        report.reps
    );
    if report.smoke {
        let _ = writeln!(
            md,
            "> **Smoke run**: tiny sizes, for correctness only; the numbers mean nothing.\n"
        );
    }
    let _ = writeln!(md, "## Machine\n\n| | |\n|---|---|");
    let _ = writeln!(
        md,
        "| CPU | {} ({} cores) |\n| Memory | {} GiB |\n| Kernel | {} |",
        m.cpu, m.cores, m.memory_gib, m.kernel
    );
    let _ = writeln!(
        md,
        "| Node | {} |\n| PostgreSQL | {} |\n| Code | {} |\n",
        m.node, m.postgres, m.commit
    );
    let _ = writeln!(
        md,
        "## Command\n\n```sh\n{}\n```\n\nSizes: `{}`\n",
        report.command, report.sizes
    );
    for note in &report.notes {
        let _ = writeln!(md, "> Note: {note}\n");
    }
    for (scenario, title) in TITLES {
        let records: Vec<&Record> = report
            .results
            .iter()
            .filter(|r| r.scenario == scenario)
            .collect();
        if records.is_empty() {
            continue;
        }
        let _ = writeln!(md, "## {title}\n");
        if matches!(scenario, "S3" | "S6") && !report.disk.is_empty() {
            floor_line(report, &mut md);
        }
        let _ = writeln!(
            md,
            "| Case | Metric | R | N | F | R/N | R/F | Target |\n|---|---|---:|---:|---:|---:|---:|---|"
        );
        let mut cases: Vec<&str> = records.iter().map(|r| r.case.as_str()).collect();
        cases.dedup();
        cases.retain(|c| !(scenario == "S6" && *c == "no storage"));
        for case in cases {
            let get = |k: Kind| match (scenario, k) {
                ("S6", Kind::F) if case.starts_with("store alone") => None,
                ("S6", Kind::F) => report.find("S6", "no storage", Kind::F),
                _ => report.find(scenario, case, k),
            };
            let (r, n, f) = (get(Kind::R), get(Kind::N), get(Kind::F));
            for (key, label) in metrics_of(scenario, case) {
                let (rv, nv, fv) = (value(r, key), value(n, key), value(f, key));
                if rv.is_none() && nv.is_none() && fv.is_none() {
                    continue;
                }
                let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
                    (Some(a), Some(b)) if b != 0.0 => format!("{:.2}", a / b),
                    _ => "—".into(),
                };
                let _ = writeln!(
                    md,
                    "| {case} | {label} | {} | {} | {} | {} | {} | {} |",
                    number(rv),
                    number(nv),
                    number(fv),
                    ratio(rv, nv),
                    ratio(rv, fv),
                    target(scenario, case, key, rv, nv, fv)
                );
            }
            if scenario == "S3" && case.starts_with(FIXED_CASE) {
                fixed_rows(case, r, n, &mut md);
            }
        }
        let swept = records.iter().any(|r| r.case.starts_with("open loop"));
        if scenario == "S3" && swept {
            sweep_table(report, charted, &mut md);
        }
        if scenario == "S6" {
            let _ = writeln!(
                md,
                "\nF stores nothing; its S6 value (the same in every end-to-end row) is the protocol-free ceiling of this generator and machine: no server acknowledges more over this path on one core. The *store alone* rows append through Helpline's store with no network in front (`helpline-bench store-load`, pinned to core 0 like a server, with the same conversations and messages in flight): what the storage itself sustains."
            );
        }
        md.push('\n');
    }
    let failures = report.failures();
    let _ = writeln!(md, "## Correctness\n");
    if failures.is_empty() {
        let _ = writeln!(
            md,
            "Every check passed: no double wins, every message acked and delivered to the other participant with gapless seqs, every volunteer offered every request, no dropped connections."
        );
    } else {
        for f in failures {
            let _ = writeln!(md, "- {f}");
        }
    }
    md
}

/// The disk's own fsync distribution, measured at the start and end of
/// the run: the floor under every durable acknowledgement.
fn floor_line(report: &Report, md: &mut String) {
    let bytes = report.disk.first().map(|p| p.bytes).unwrap_or(0);
    let lines: Vec<String> = report.disk.iter().map(|p| p.line()).collect();
    let _ = writeln!(
        md,
        "Floor of this disk: `fdatasync` after each {bytes}-byte append in the run directory — {}. No durable acknowledgement comes sooner than that p50, and every durable server inherits the disk's tail.\n",
        lines.join("; ")
    );
}

/// Each run's p99, the worst, how many runs went above 25 ms, and in how
/// many interleaved pairs R's p99 was at most N's.
fn fixed_rows(case: &str, r: Option<&Record>, n: Option<&Record>, md: &mut String) {
    const SLOW_MS: f64 = 25.0;
    let p99s = |rec: Option<&Record>| -> Vec<f64> {
        rec.map(|rec| {
            rec.runs
                .iter()
                .filter_map(|m| m.get("fixed_ack_p99_ms").copied())
                .collect()
        })
        .unwrap_or_default()
    };
    let (rs, ns) = (p99s(r), p99s(n));
    let list = |v: &[f64]| {
        if v.is_empty() {
            "—".to_owned()
        } else {
            v.iter()
                .map(|x| number(Some(*x)))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let worst = |v: &[f64]| v.iter().copied().max_by(f64::total_cmp);
    let slow =
        |v: &[f64]| (!v.is_empty()).then(|| v.iter().filter(|x| **x > SLOW_MS).count() as f64);
    let _ = writeln!(
        md,
        "| {case} | send→ack p99 of each run (ms) | {} | {} | — | — | — | |",
        list(&rs),
        list(&ns)
    );
    let _ = writeln!(
        md,
        "| {case} | send→ack p99, worst run (ms) | {} | {} | — | — | — | |",
        number(worst(&rs)),
        number(worst(&ns))
    );
    let (r_slow, n_slow) = (slow(&rs), slow(&ns));
    let count = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{v:.0}"));
    let met = match (r_slow, n_slow) {
        (Some(a), Some(b)) => {
            if a <= b {
                " — met"
            } else {
                " — **missed**"
            }
        }
        _ => "",
    };
    let _ = writeln!(
        md,
        "| {case} | runs with p99 > {SLOW_MS} ms | {} | {} | — | — | — | R ≤ N{met} |",
        count(r_slow),
        count(n_slow)
    );
    let pairs = rs.len().min(ns.len());
    if pairs > 0 {
        let better = rs.iter().zip(&ns).filter(|(a, b)| a <= b).count();
        let needed = (pairs * 4).div_ceil(5);
        let verdict = if better >= needed {
            "met"
        } else {
            "**missed**"
        };
        let _ = writeln!(
            md,
            "| {case} | pairs with R's p99 ≤ N's | {better} of {pairs} | | — | — | — | ≥ {needed} of {pairs} — {verdict} |"
        );
    }
}

fn sweep_table(report: &Report, charted: bool, md: &mut String) {
    let _ = writeln!(
        md,
        "\nLatency against offered load (open loop, medians of p99 in ms; the sweep stops after the first rate a server cannot sustain). Rates are multiples of N's median maximum{}.\n",
        report
            .base_rate
            .map(|b| format!(" ({b:.0} msgs/s)"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        md,
        "| Offered msgs/s | R ack | N ack | F ack | R delivery | N delivery | F delivery |\n|---:|---:|---:|---:|---:|---:|---:|"
    );
    let mut rates: Vec<f64> = Kind::ALL
        .iter()
        .flat_map(|&k| chart::points(report, k, "ack"))
        .map(|p| p.0)
        .collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    for rate in rates {
        let at = |k: Kind, what: &str| {
            chart::points(report, k, what)
                .into_iter()
                .find(|p| p.0 == rate)
                .map(|p| p.1)
        };
        let _ = writeln!(
            md,
            "| {rate:.0} | {} | {} | {} | {} | {} | {} |",
            number(at(Kind::R, "ack")),
            number(at(Kind::N, "ack")),
            number(at(Kind::F, "ack")),
            number(at(Kind::R, "delivery")),
            number(at(Kind::N, "delivery")),
            number(at(Kind::F, "delivery"))
        );
    }
    if charted {
        let _ = writeln!(
            md,
            "\n![p99 latency against offered load](benchmarks-latency.png)"
        );
    }
}

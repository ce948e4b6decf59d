//! The order of one invocation: S1 … S6, each case, each repetition, each
//! server in turn (interleaving servers spreads any drift of the machine
//! over all of them). S3 runs its saturation first, then sweeps offered load
//! in steps of N's measured maximum.

use crate::cli::Options;
use crate::machine::Machine;
use crate::report::{Record, Report};
use crate::runner::{Db, Job, Runner};
use crate::scenarios::load::rate_key;
use crate::servers::Kind;

/// Runs everything `options` asks for.
pub async fn execute(
    mut options: Options,
    command: String,
    open_files: u64,
) -> Result<Report, String> {
    let notes = cap_connections(&mut options, open_files);
    let servers = options
        .servers
        .iter()
        .map(|s| Kind::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut scenarios: Vec<String> = options
        .scenarios
        .iter()
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    scenarios.sort();
    scenarios.dedup();
    if let Some(bad) = scenarios
        .iter()
        .find(|s| !["S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8"].contains(&s.as_str()))
    {
        return Err(format!("unknown scenario {bad} (S1 … S8)"));
    }
    let mut machine = Machine::detect();
    if let Some(code) = &options.code {
        machine.commit = code.clone();
    }
    let runner = Runner::prepare(options.clone(), &servers, &scenarios).await?;
    let sizes = runner.sizes.clone();
    let durable = scenarios.iter().any(|s| s == "S3" || s == "S6");
    let mut disk = Vec::new();
    if durable && sizes.fsync_secs > 0.0 {
        disk.push(fsync_probe(&runner, "start", options.fsync_bytes).await?);
    }
    let mut results = Vec::new();
    let mut base_rate = None;
    for scenario in &scenarios {
        match scenario.as_str() {
            "S1" => {
                for &n in &sizes.idle {
                    let case = format!("{n} clients");
                    results.extend(
                        case_runs(&runner, "S1", &case, &Job::Idle(n), Db::Default, &servers).await,
                    );
                }
            }
            "S2" => {
                let case = format!("{} clients", sizes.storm);
                let job = Job::Storm(sizes.storm);
                results.extend(case_runs(&runner, "S2", &case, &job, Db::Default, &servers).await);
            }
            "S3" if options.fixed_only => {
                let base = options.chat_base_rate.unwrap_or(2000.0).max(2.0);
                base_rate = Some(base);
                let fixed = (base / 2.0).round().max(1.0);
                results.extend(fixed_runs(&runner, fixed, &servers).await);
            }
            "S3" => {
                let n = sizes.chat_conversations;
                let case = format!("saturation, {n} conversations");
                let saturation = case_runs(
                    &runner,
                    "S3",
                    &case,
                    &Job::ChatSaturation,
                    Db::Default,
                    &servers,
                )
                .await;
                let max_of = |kind: Kind| {
                    saturation
                        .iter()
                        .find(|r| r.server == kind)
                        .and_then(|r| r.median.get("acked_per_sec").copied())
                };
                let base = options
                    .chat_base_rate
                    .or_else(|| max_of(Kind::N))
                    .or_else(|| max_of(Kind::R))
                    .or_else(|| max_of(Kind::F))
                    .unwrap_or(100.0)
                    .max(2.0);
                base_rate = Some(base);
                results.extend(saturation);
                let (rates, fixed) = sweep_rates(base, sizes.sweep_max, options.smoke);
                eprintln!(
                    "bench: S3 base rate (N's maximum) {base:.0}/s; fixed rate {fixed}/s; sweep {rates:?}"
                );
                let case = format!("open loop, {n} conversations");
                let job = Job::ChatSweep { rates, fixed };
                results.extend(case_runs(&runner, "S3", &case, &job, Db::Default, &servers).await);
                // The headline rate on its own, several times, R and N
                // interleaved: one run says little about a tail the disk
                // shapes (docs/performance.md, "Fixed-rate runs").
                results.extend(fixed_runs(&runner, fixed, &servers).await);
            }
            "S4" => {
                for &v in &sizes.dispatch_volunteers {
                    let case = format!("{v} volunteers");
                    results.extend(
                        case_runs(
                            &runner,
                            "S4",
                            &case,
                            &Job::Dispatch(v),
                            Db::Default,
                            &servers,
                        )
                        .await,
                    );
                }
                // Helpline's batched dispatch beside its ring_all above, on
                // the largest fleet: the peer has no such policy.
                let largest = sizes.dispatch_volunteers.iter().copied().max();
                let batch = options.dispatch_batch;
                if let Some(v) = largest.filter(|_| servers.contains(&Kind::R) && batch > 0) {
                    let case = format!("{v} volunteers, batched by {batch}");
                    let job = Job::DispatchBatched(v, batch);
                    results.extend(
                        case_runs(&runner, "S4", &case, &job, Db::Default, &[Kind::R]).await,
                    );
                }
            }
            "S5" => {
                for &v in &sizes.race_volunteers {
                    let case = format!("{v} volunteers");
                    results.extend(
                        case_runs(&runner, "S5", &case, &Job::Claim(v), Db::Default, &servers)
                            .await,
                    );
                }
            }
            "S6" => results.extend(storage_runs(&runner, &servers).await),
            "S8" => {
                let base = base_rate.or(options.chat_base_rate).unwrap_or(2000.0);
                let rate = (base / 2.0).round().max(1.0);
                let minutes = options.soak_minutes;
                let n = runner.sizes.chat_conversations;
                let case =
                    format!("three nodes, Redis, {rate}/s, {minutes} min, {n} conversations");
                let job = Job::Soak {
                    nodes: 3,
                    broker: options.redis.clone(),
                    rate,
                    minutes,
                };
                if runner.has_postgres() {
                    results.extend(
                        case_runs(&runner, "S8", &case, &job, Db::Postgres, &[Kind::R]).await,
                    );
                }
            }
            _ => {
                let base = base_rate.or(options.chat_base_rate).unwrap_or(2000.0);
                results.extend(cluster_runs(&runner, &options, base).await);
            }
        }
    }
    if durable && sizes.fsync_secs > 0.0 {
        disk.push(fsync_probe(&runner, "end", options.fsync_bytes).await?);
    }
    Ok(Report {
        machine,
        disk,
        command,
        reps: sizes.reps,
        smoke: options.smoke,
        sizes: format!("{sizes:?}"),
        base_rate,
        notes,
        results,
    })
}

/// Every S1 and S2 size must fit one process's open-file limit (the server
/// holds one socket per client, and so does the generator); sizes beyond it
/// are lowered, and a note says so.
fn cap_connections(options: &mut Options, open_files: u64) -> Vec<String> {
    let most = open_files.saturating_sub(1000) as usize;
    let sizes = options.sizes();
    let mut notes = Vec::new();
    let mut cap = |what: &str, n: usize| {
        if n <= most {
            return n;
        }
        notes.push(format!(
            "{what}: {n} clients asked for, {most} run: a process may open only {open_files} files here, and raising that hard limit is not permitted"
        ));
        most
    };
    let idle: Vec<usize> = sizes.idle.iter().map(|&n| cap("S1", n)).collect();
    let storm = cap("S2", sizes.storm);
    if !notes.is_empty() {
        options.scale = 1.0;
        options.idle = Some(idle);
        options.storm = Some(storm);
        options.chat_conversations = Some(sizes.chat_conversations);
        options.dispatch_requests = Some(sizes.dispatch_requests);
        options.races = Some(sizes.races);
        options.storage_conversations = Some(sizes.storage_conversations);
    }
    for note in &notes {
        eprintln!("bench: {note}");
    }
    notes
}

/// The offered rates of the S3 sweep (ascending) and the fixed headline
/// rate, half of `base`.
pub fn sweep_rates(base: f64, max_multiple: f64, smoke: bool) -> (Vec<f64>, f64) {
    let fixed = (base / 2.0).round().max(1.0);
    let mut rates = vec![fixed];
    if !smoke {
        rates.push((base / 4.0).round().max(1.0));
    }
    let mut m = 1.0;
    while m <= max_multiple {
        rates.push((base * m).round().max(1.0));
        m *= 2.0;
    }
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    // Names are per integer rate; keep them distinct.
    rates.dedup_by_key(|r| rate_key(*r));
    (rates, fixed)
}

/// The name of S3's repeated fixed-rate case (the report finds it by its
/// start, [`FIXED_CASE`]).
pub fn fixed_case(rate: f64, runs: usize, conversations: usize) -> String {
    format!("{FIXED_CASE}{rate:.0} msgs/s, {runs} runs of {conversations} conversations")
}

/// How S3's repeated fixed-rate case begins.
pub const FIXED_CASE: &str = "fixed rate, ";

/// S3's fixed rate on its own, `fixed_runs` times, R and N interleaved.
async fn fixed_runs(runner: &Runner, fixed: f64, servers: &[Kind]) -> Vec<Record> {
    let sizes = &runner.sizes;
    let case = fixed_case(fixed, sizes.fixed_runs, sizes.chat_conversations);
    let pair: Vec<Kind> = servers.iter().copied().filter(|k| *k != Kind::F).collect();
    let job = Job::ChatFixed(fixed);
    case_runs_times(
        runner,
        "S3",
        &case,
        &job,
        Db::Default,
        &pair,
        sizes.fixed_runs,
    )
    .await
}

/// The disk's fsync distribution now, in the run directory (blocking, on a
/// thread of its own, with no server running).
async fn fsync_probe(
    runner: &Runner,
    when: &'static str,
    bytes: usize,
) -> Result<crate::disk::FsyncProbe, String> {
    let dir = runner.run_dir().to_path_buf();
    let secs = runner.sizes.fsync_secs;
    let probe = tokio::task::spawn_blocking(move || crate::disk::probe(&dir, when, bytes, secs))
        .await
        .map_err(|e| e.to_string())??;
    eprintln!("bench: disk fsync ({bytes} B appends) {}", probe.line());
    Ok(probe)
}

async fn case_runs(
    runner: &Runner,
    scenario: &str,
    case: &str,
    job: &Job,
    db: Db,
    servers: &[Kind],
) -> Vec<Record> {
    case_runs_times(runner, scenario, case, job, db, servers, runner.sizes.reps).await
}

/// `times` runs of `job` on each of `servers`, interleaved (each server
/// once, then each again), so that the machine's slow minutes fall on all.
async fn case_runs_times(
    runner: &Runner,
    scenario: &str,
    case: &str,
    job: &Job,
    db: Db,
    servers: &[Kind],
    times: usize,
) -> Vec<Record> {
    let mut records: Vec<Record> = servers
        .iter()
        .map(|&k| Record::new(scenario, case, k))
        .collect();
    for _ in 0..times {
        for record in records.iter_mut() {
            runner.once(record.server, db, job, record).await;
        }
    }
    records
}

/// S7: S3's chat on PostgreSQL, R only, on one node and with each
/// conversation's two people on different nodes of a two-node cluster on
/// Redis and on NATS: saturation, then open loop at S3's fixed rate (half
/// of `base`).
async fn cluster_runs(runner: &Runner, options: &Options, base: f64) -> Vec<Record> {
    let mut out = Vec::new();
    if !runner.has_postgres() {
        eprintln!("bench: S7 needs PostgreSQL (and R); skipped");
        return out;
    }
    let n = runner.sizes.chat_conversations;
    let fixed = (base / 2.0).round().max(1.0);
    let setups = [
        ("one node", 1, None),
        ("two nodes, Redis", 2, Some(options.redis.clone())),
        ("two nodes, NATS", 2, Some(options.nats.clone())),
    ];
    for (label, nodes, broker) in setups {
        for (what, rate) in [("saturation", None), ("open loop", Some(fixed))] {
            let case = format!("{label}, {what}, {n} conversations");
            let job = Job::ChatAcross {
                nodes,
                broker: broker.clone(),
                fixed: rate,
            };
            out.extend(case_runs(runner, "S7", &case, &job, Db::Postgres, &[Kind::R]).await);
        }
    }
    out
}

/// S6: R on SQLite NORMAL, FULL and PostgreSQL; N on both SQLite modes;
/// R's store alone on the same three; F once, with no storage at all.
async fn storage_runs(runner: &Runner, servers: &[Kind]) -> Vec<Record> {
    let mut out = Vec::new();
    let sqlite: Vec<Kind> = servers.iter().copied().filter(|k| *k != Kind::F).collect();
    for (case, db) in [("SQLite NORMAL", Db::Normal), ("SQLite FULL", Db::Full)] {
        out.extend(case_runs(runner, "S6", case, &Job::Storage, db, &sqlite).await);
    }
    if runner.has_postgres() {
        out.extend(
            case_runs(
                runner,
                "S6",
                "PostgreSQL",
                &Job::Storage,
                Db::Postgres,
                &[Kind::R],
            )
            .await,
        );
    }
    if servers.contains(&Kind::R) {
        let mut alone = vec![
            ("store alone, SQLite NORMAL", Db::Normal),
            ("store alone, SQLite FULL", Db::Full),
        ];
        if runner.has_postgres() {
            alone.push(("store alone, PostgreSQL", Db::Postgres));
        }
        for (case, db) in alone {
            out.extend(case_runs(runner, "S6", case, &Job::StoreAlone, db, &[Kind::R]).await);
        }
    }
    if servers.contains(&Kind::F) {
        out.extend(
            case_runs(
                runner,
                "S6",
                "no storage",
                &Job::Storage,
                Db::Default,
                &[Kind::F],
            )
            .await,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_around_half_the_base() {
        let (rates, fixed) = sweep_rates(1000.0, 4.0, false);
        assert_eq!(fixed, 500.0);
        assert_eq!(rates, vec![250.0, 500.0, 1000.0, 2000.0, 4000.0]);
        let (rates, _) = sweep_rates(10.0, 1.0, true);
        assert_eq!(rates, vec![5.0, 10.0]);
    }
}

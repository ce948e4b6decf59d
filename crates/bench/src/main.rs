//! `helpline-bench`: runs Helpline's benchmark scenarios against R
//! (Helpline), N (the Node reference peer) and F (a floor server in this
//! crate) and writes `benchmarks.md`, `.json` and `-latency.png`.
//!
//! The generator pins itself to core 1 and every server to core 0
//! (`taskset`), and raises the open-file limit (`prlimit`) and its
//! scheduling priority (`renice -10`) for itself and the servers it starts. `helpline-bench floor --addr A` runs F;
//! `helpline-bench store-load …` is S6's store-alone reading.

mod accounts;
mod cli;
mod client;
mod disk;
mod floor;
mod machine;
mod metrics;
mod plan;
mod report;
mod runner;
mod scenarios;
mod servers;
mod store_load;

use clap::Parser;
use cli::{Cli, Sub};
use std::process::{Command, ExitCode};

/// jemalloc, as in the `helpline` binary: the store-alone reading runs
/// Helpline's store in this process and must allocate as the server does
/// (with glibc's `malloc` the writer spent ~10 % of its time in `free` and
/// `malloc_consolidate`), and the generator and F get cheaper too.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Open files allowed to the generator and the servers.
const OPEN_FILES: u64 = 262_144;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Sub::Floor { addr }) => return floor_main(&addr),
        Some(Sub::Render { json, out }) => return render_main(&json, out),
        Some(Sub::StoreLoad {
            url,
            full,
            conversations,
            window,
            secs,
        }) => {
            let load = store_load::StoreLoad {
                url,
                full,
                conversations,
                window,
                secs,
            };
            return store_load_main(&load);
        }
        None => {}
    }
    let options = cli.options;
    let pid = std::process::id().to_string();
    // Before the runtime starts its threads, so they all inherit these.
    let open_files = raise_open_files(&pid);
    // The machine may be shared: ask for a larger share of the cores for the
    // generator and the servers it starts (they inherit it).
    if !Command::new("renice")
        .args(["-n", "-10", "-p", &pid])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("bench: could not raise the priority (renice)");
    }
    if !options.no_pin
        && !Command::new("taskset")
            .args(["-a", "-cp", "1", &pid])
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    {
        eprintln!("bench: could not pin the generator to core 1");
    }
    client::ack_server_events(!options.no_event_acks);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = format!(
        "cargo run --release -p helpline-bench -- {}",
        args.join(" ")
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime"); // start-up: nothing to do without it
    let out_dir = options
        .out
        .clone()
        .unwrap_or_else(|| options.work_dir.join("report"));
    let report = match runtime.block_on(plan::execute(
        options,
        command.trim_end().to_owned(),
        open_files,
    )) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = report.write(&out_dir) {
        eprintln!("bench: writing the report: {e}");
        return ExitCode::FAILURE;
    }
    eprintln!("bench: report in {}", out_dir.display());
    let failures = report.failures();
    if failures.is_empty() {
        eprintln!("bench: every correctness check passed");
        ExitCode::SUCCESS
    } else {
        for f in &failures {
            eprintln!("bench: FAILED {f}");
        }
        ExitCode::FAILURE
    }
}

/// Raises the open-file limit as far as allowed (the hard limit itself
/// needs CAP_SYS_RESOURCE); returns the soft limit in force.
fn raise_open_files(pid: &str) -> u64 {
    let set = |soft: u64, hard: &str| {
        Command::new("prlimit")
            .args(["--pid", pid, &format!("--nofile={soft}:{hard}")])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let limit = || {
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let line = limits.lines().find(|l| l.starts_with("Max open files"));
        let fields: Vec<&str> = line
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default();
        let parse = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1024)
        };
        (parse(3), parse(4))
    };
    if !set(OPEN_FILES, &OPEN_FILES.to_string()) {
        let (_, hard) = limit();
        set(hard, &hard.to_string());
    }
    let (soft, _) = limit();
    if soft < OPEN_FILES {
        eprintln!(
            "bench: open files limited to {soft} (raising the hard limit is not permitted here); bigger cases are capped"
        );
    }
    soft
}

fn render_main(json: &std::path::Path, out: Option<std::path::PathBuf>) -> ExitCode {
    let dir = out.unwrap_or_else(|| json.parent().map(Into::into).unwrap_or_default());
    match report::Report::read(json).and_then(|r| r.write(&dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn floor_main(addr: &str) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime"); // start-up: nothing to do without it
    match runtime.block_on(floor::run(addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor: {e}");
            ExitCode::FAILURE
        }
    }
}

fn store_load_main(load: &store_load::StoreLoad) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime"); // start-up: nothing to do without it
    match runtime.block_on(store_load::run(load)) {
        Ok(metrics) => match serde_json::to_string(&metrics) {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("store-load: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("store-load: {e}");
            ExitCode::FAILURE
        }
    }
}

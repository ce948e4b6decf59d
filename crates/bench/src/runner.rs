//! The plan of one invocation: prepare each server's accounts once, then
//! for every scenario, case and repetition start each server afresh (R and
//! N on a copy of their snapshot, R on PostgreSQL on a clone of its
//! template), run the scenario, stop the server, and keep the results.

use crate::accounts::{self, Need, Pool};
use crate::cli::{Options, Sizes};
use crate::client::Hub;
use crate::report::Record;
use crate::scenarios::{self, Outcome, Run};
use crate::servers::{Kind, Programs, Running};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// Which database a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Db {
    /// SQLite with the server's default settings.
    Default,
    /// SQLite, `synchronous=NORMAL`.
    Normal,
    /// SQLite, `synchronous=FULL`.
    Full,
    /// A fresh PostgreSQL database.
    Postgres,
}

/// What one run does.
#[derive(Clone, Debug)]
pub enum Job {
    Idle(usize),
    Storm(usize),
    ChatSaturation,
    ChatSweep {
        rates: Vec<f64>,
        fixed: f64,
    },
    /// S3's fixed rate on its own (msgs/s), for the repeated headline runs.
    ChatFixed(f64),
    Dispatch(usize),
    /// S4 with the server's batched dispatch: volunteers, batch size.
    DispatchBatched(usize, usize),
    Claim(usize),
    Storage,
    /// S6 through Helpline's store alone (R only; see `store_load`).
    StoreAlone,
    /// S7: S3's chat on PostgreSQL with each conversation's two people on
    /// different nodes of a cluster: saturation (`fixed` none) or open loop
    /// at the fixed rate.
    ChatAcross {
        /// Nodes (1: one node, no broker).
        nodes: usize,
        /// The broker's URL (with more than one node).
        broker: Option<String>,
        /// The open-loop rate; none for saturation.
        fixed: Option<f64>,
    },
    /// S8: a soak, `minutes` at `rate` on `nodes` nodes through `broker`,
    /// measured minute by minute.
    Soak {
        /// Nodes.
        nodes: usize,
        /// The broker's URL.
        broker: String,
        /// Messages a second.
        rate: f64,
        /// Minutes.
        minutes: u32,
    },
}

/// A whole run can take no longer than this.
const RUN_LIMIT: Duration = Duration::from_secs(3600);
const PG_RUN_DB: &str = "helpline_bench_run";

/// Accounts per server, made once.
pub struct Runner {
    pub options: Options,
    pub sizes: Sizes,
    programs: Programs,
    snapshots: HashMap<Kind, (Option<PathBuf>, Pool)>,
    pg: Option<(String, Pool)>,
    run_dir: PathBuf,
}

impl Runner {
    /// Resolves paths and prepares every server's accounts.
    pub async fn prepare(
        options: Options,
        servers: &[Kind],
        scenarios: &[String],
    ) -> Result<Self, String> {
        let sizes = options.sizes();
        let absolute = |p: &PathBuf| std::path::absolute(p).map_err(|e| e.to_string());
        let work = absolute(&options.work_dir)?;
        let programs = Programs {
            helpline: absolute(&options.helpline)?,
            peer: absolute(&options.peer)?,
            bench: std::env::current_exe().map_err(|e| e.to_string())?,
            pin: !options.no_pin,
            logs: work.join("logs"),
        };
        let has = |s: &str| scenarios.iter().any(|x| x == s);
        let max = |v: &[usize]| v.iter().copied().max().unwrap_or(0);
        let (mut seekers, mut volunteers) = (1, 1);
        let mut want = |s: usize, v: usize| {
            seekers = seekers.max(s);
            volunteers = volunteers.max(v);
        };
        if has("S1") {
            want(max(&sizes.idle) / 2, max(&sizes.idle) / 2);
        }
        if has("S2") {
            want(sizes.storm / 2, sizes.storm - sizes.storm / 2);
        }
        if has("S3") {
            want(sizes.chat_conversations, sizes.chat_conversations);
        }
        if has("S4") {
            want(1, max(&sizes.dispatch_volunteers));
        }
        if has("S5") {
            want(1, max(&sizes.race_volunteers));
        }
        if has("S6") {
            want(sizes.storage_conversations, sizes.storage_conversations);
        }
        let need = Need {
            seekers,
            volunteers,
        };
        let cache = work.join("cache");
        let mut snapshots = HashMap::new();
        for &kind in servers {
            let prepared = match kind {
                Kind::F => (None, Pool::floor(need)),
                _ => {
                    let (db, pool) =
                        accounts::sqlite_snapshot(&programs, &cache, kind, need).await?;
                    (Some(db), pool)
                }
            };
            snapshots.insert(kind, prepared);
        }
        let pg_wanted = has("S6") || has("S7") || has("S8");
        let pg = if pg_wanted && servers.contains(&Kind::R) && !options.no_postgres {
            let n = sizes.storage_conversations.max(if has("S7") || has("S8") {
                sizes.chat_conversations
            } else {
                0
            });
            let pg_need = Need {
                seekers: n,
                volunteers: n,
            };
            Some(accounts::pg_template(&programs, &cache, &options.postgres, pg_need).await?)
        } else {
            None
        };
        Ok(Self {
            options,
            sizes,
            programs,
            snapshots,
            pg,
            run_dir: work.join("run"),
        })
    }

    /// The extra environment `--server-env` gives every server.
    fn server_env(&self) -> Vec<(&str, String)> {
        self.options
            .server_env
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k, v.to_owned()))
            .collect()
    }

    /// Where the run databases go (the disk probe measures this disk).
    pub fn run_dir(&self) -> &std::path::Path {
        &self.run_dir
    }

    /// Whether PostgreSQL runs are prepared.
    pub fn has_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// Runs `job` once on a fresh `kind` server and adds the result to `record`.
    pub async fn once(&self, kind: Kind, db: Db, job: &Job, record: &mut Record) {
        let label = format!("{} {} {}", record.scenario, record.case, kind.letter());
        match tokio::time::timeout(RUN_LIMIT, self.try_once(kind, db, job)).await {
            Ok(Ok(outcome)) => {
                eprintln!("bench: {label}: {}", summary(&outcome));
                for v in &outcome.violations {
                    eprintln!("bench: {label}: VIOLATION {v}");
                }
                record.runs.push(outcome.metrics);
                record.violations.extend(outcome.violations);
            }
            Ok(Err(e)) => {
                eprintln!("bench: {label}: ERROR {e}");
                record.errors.push(e);
            }
            Err(_) => record.errors.push(format!("run exceeded {RUN_LIMIT:?}")),
        }
        record.finish();
    }

    async fn try_once(&self, kind: Kind, db: Db, job: &Job) -> Result<Outcome, String> {
        if matches!(job, Job::StoreAlone) {
            return self.store_alone(db).await;
        }
        if let Job::ChatAcross {
            nodes,
            broker,
            fixed,
        } = job
        {
            return self.across(*nodes, broker.as_deref(), *fixed).await;
        }
        if let Job::Soak {
            nodes,
            broker,
            rate,
            minutes,
        } = job
        {
            return self.soak(*nodes, broker, *rate, *minutes).await;
        }
        let (snapshot, pool) = self
            .snapshots
            .get(&kind)
            .ok_or_else(|| format!("{} is not prepared", kind.letter()))?;
        let mut env = self.server_env();
        if let Job::DispatchBatched(_, batch) = job {
            env.push(("HELPLINE_DISPATCH", "batched".to_owned()));
            env.push(("HELPLINE_DISPATCH_BATCH_SIZE", batch.to_string()));
        }
        let mut pool = pool;
        let url = match (kind, db) {
            (Kind::F, _) => None,
            (_, Db::Postgres) => {
                let (template, pg_pool) = self.pg.as_ref().ok_or("PostgreSQL is not prepared")?;
                pool = pg_pool;
                Some(self.fresh_pg_db(&format!(" TEMPLATE {template}"))?)
            }
            (_, db) => {
                let snapshot = snapshot.as_ref().ok_or("no snapshot")?;
                std::fs::create_dir_all(&self.run_dir).map_err(|e| e.to_string())?;
                let path = self.run_dir.join(format!("{}.db", kind.letter()));
                accounts::copy_db(snapshot, &path)?;
                match db {
                    Db::Normal => env.push(("HELPLINE_SQLITE_SYNCHRONOUS", "normal".to_string())),
                    Db::Full => env.push(("HELPLINE_SQLITE_SYNCHRONOUS", "full".to_string())),
                    _ => {}
                }
                Some(format!("sqlite://{}", path.display()))
            }
        };
        let mut server = Running::start(&self.programs, kind, url.as_deref(), &env, true).await?;
        let hub = Hub::new();
        let result = self.job(&mut server, pool, hub.clone(), job).await;
        hub.ignore_events();
        server.stop().await;
        if db == Db::Postgres && kind != Kind::F {
            self.drop_pg_db();
        }
        result
    }

    /// Creates the run's PostgreSQL database afresh (`clause` after its
    /// name, e.g. a template) and returns its URL.
    fn fresh_pg_db(&self, clause: &str) -> Result<String, String> {
        self.drop_pg_db();
        let admin = &self.options.postgres;
        accounts::psql(admin, &format!("CREATE DATABASE {PG_RUN_DB}{clause}"))?;
        Ok(accounts::pg_url(admin, PG_RUN_DB))
    }

    /// Drops the run's PostgreSQL database if it exists (best effort: a
    /// failure shows when the next run creates it).
    fn drop_pg_db(&self) {
        let drop = format!("DROP DATABASE IF EXISTS {PG_RUN_DB} WITH (FORCE)");
        let _ = accounts::psql(&self.options.postgres, &drop);
    }

    /// S7: `nodes` R processes on one fresh PostgreSQL database (the
    /// template's accounts) joined through `broker`, seekers on the first
    /// node and volunteers on the second; the CPU of every node and of the
    /// broker counts as the server's.
    async fn across(
        &self,
        nodes: usize,
        broker: Option<&str>,
        fixed: Option<f64>,
    ) -> Result<Outcome, String> {
        let (mut server, pool) = self.start_cluster(nodes, broker).await?;
        let hub = Hub::new();
        let s = &self.sizes;
        let run = Run {
            server: &mut server,
            pool,
            hub: hub.clone(),
            smoke: self.options.smoke,
        };
        let n = s.chat_conversations;
        let result = match fixed {
            None => {
                let window = self.options.chat_window;
                scenarios::load::saturation(run, n, window, s.chat_secs).await
            }
            Some(rate) => scenarios::load::sweep(run, n, &[rate], rate, s.rate_secs).await,
        };
        hub.ignore_events();
        server.stop().await;
        self.drop_pg_db();
        result
    }

    /// S8: S3's chat over `nodes` nodes at `rate` for `minutes`, one
    /// measurement a minute (send→ack and send→delivery percentiles, each
    /// node's RSS); writes `soak.csv` and `soak.png` under the work
    /// directory's `soak/`.
    async fn soak(
        &self,
        nodes: usize,
        broker: &str,
        rate: f64,
        minutes: u32,
    ) -> Result<Outcome, String> {
        let (mut server, pool) = self.start_cluster(nodes, Some(broker)).await?;
        let hub = Hub::new();
        let run = Run {
            server: &mut server,
            pool,
            hub: hub.clone(),
            smoke: self.options.smoke,
        };
        let n = self.sizes.chat_conversations;
        let dir = self.run_dir.with_file_name("soak");
        let result = scenarios::soak::run(run, n, rate, minutes, &dir).await;
        hub.ignore_events();
        server.stop().await;
        self.drop_pg_db();
        result
    }

    /// Starts `nodes` R processes on one fresh PostgreSQL database (the
    /// template's accounts) joined through `broker`; the CPU of every node
    /// and of the broker counts as the server's.
    async fn start_cluster(
        &self,
        nodes: usize,
        broker: Option<&str>,
    ) -> Result<(Running, &Pool), String> {
        let (template, pool) = self.pg.as_ref().ok_or("PostgreSQL is not prepared")?;
        let url = self.fresh_pg_db(&format!(" TEMPLATE {template}"))?;
        let mut env = self.server_env();
        if let Some(broker) = broker {
            env.push(("HELPLINE_BROKER_URL", broker.to_owned()));
            let name = format!("bench-{}", crate::servers::free_port()?);
            env.push(("HELPLINE_CLUSTER_NAME", name));
        }
        let started = async {
            let mut server =
                Running::start(&self.programs, Kind::R, Some(&url), &env, true).await?;
            for _ in 1..nodes {
                let node = Running::start(&self.programs, Kind::R, Some(&url), &env, true).await?;
                server.attach(node);
            }
            if let Some(pid) = broker.and_then(broker_pid) {
                server.watch(pid);
            }
            Ok::<_, String>(server)
        };
        match started.await {
            Ok(server) => Ok((server, pool)),
            Err(error) => {
                self.drop_pg_db();
                Err(error)
            }
        }
    }

    /// S6 through R's store alone: `helpline-bench store-load`, pinned like a
    /// server, on a fresh SQLite file or an empty PostgreSQL database.
    async fn store_alone(&self, db: Db) -> Result<Outcome, String> {
        let url = if db == Db::Postgres {
            self.fresh_pg_db("")?
        } else {
            std::fs::create_dir_all(&self.run_dir).map_err(|e| e.to_string())?;
            let path = self.run_dir.join("store-alone.db");
            for suffix in ["", "-wal", "-shm"] {
                let file = PathBuf::from(format!("{}{suffix}", path.display()));
                if file.exists() {
                    std::fs::remove_file(&file).map_err(|e| e.to_string())?;
                }
            }
            format!("sqlite://{}", path.display())
        };
        let s = &self.sizes;
        let mut args = vec![
            "store-load".to_owned(),
            "--url".to_owned(),
            url,
            "--conversations".to_owned(),
            s.storage_conversations.to_string(),
            "--window".to_owned(),
            self.options.storage_window.to_string(),
            "--secs".to_owned(),
            s.storage_secs.to_string(),
        ];
        if db == Db::Full {
            args.push("--full".to_owned());
        }
        let bench = self.programs.bench.display().to_string();
        let mut command = if self.programs.pin {
            let mut c = tokio::process::Command::new("taskset");
            c.args(["-c", "0", &bench]);
            c
        } else {
            tokio::process::Command::new(&bench)
        };
        let output = command
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .map_err(|e| format!("store-load: {e}"))?;
        if db == Db::Postgres {
            self.drop_pg_db();
        }
        if !output.status.success() {
            return Err(format!(
                "store-load failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let metrics: crate::metrics::Metrics = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("store-load printed no metrics: {e}"))?;
        Ok(Outcome {
            metrics,
            violations: Vec::new(),
        })
    }

    async fn job(
        &self,
        server: &mut Running,
        pool: &Pool,
        hub: std::sync::Arc<Hub>,
        job: &Job,
    ) -> Result<Outcome, String> {
        let s = &self.sizes;
        let run = Run {
            server,
            pool,
            hub,
            smoke: self.options.smoke,
        };
        match job {
            Job::Idle(n) => scenarios::idle::run(run, *n).await,
            Job::Storm(n) => scenarios::storm::run(run, *n, self.options.storm_concurrency).await,
            Job::ChatSaturation => {
                let window = self.options.chat_window;
                scenarios::load::saturation(run, s.chat_conversations, window, s.chat_secs).await
            }
            Job::ChatSweep { rates, fixed } => {
                let n = s.chat_conversations;
                scenarios::load::sweep(run, n, rates, *fixed, s.rate_secs).await
            }
            Job::ChatFixed(rate) => {
                let n = s.chat_conversations;
                scenarios::load::sweep(run, n, &[*rate], *rate, s.fixed_secs).await
            }
            Job::Dispatch(v) => scenarios::dispatch::run(run, *v, s.dispatch_requests, None).await,
            Job::DispatchBatched(v, batch) => {
                scenarios::dispatch::run(run, *v, s.dispatch_requests, Some(*batch)).await
            }
            Job::Claim(v) => scenarios::claim::run(run, *v, s.races).await,
            Job::Storage => {
                let window = self.options.storage_window;
                let n = s.storage_conversations;
                scenarios::load::storage(run, n, window, s.storage_secs).await
            }
            Job::StoreAlone => Err("the store-alone reading starts no server".to_owned()),
            Job::ChatAcross { .. } | Job::Soak { .. } => {
                Err("a cluster run starts its own nodes".to_owned())
            }
        }
    }
}

/// A few headline numbers of one run, for the progress log.
fn summary(outcome: &Outcome) -> String {
    const KEYS: &[&str] = &[
        "rss_per_conn_kb",
        "conns_per_sec",
        "connect_p99_ms",
        "delivered_per_cpu_s",
        "acked_per_sec",
        "fixed_ack_p99_ms",
        "saturated_at_per_sec",
        "last_incoming_p99_ms",
        "double_wins",
        "decision_p99_ms",
        "persisted_per_sec",
    ];
    KEYS.iter()
        .filter_map(|k| outcome.metrics.get(*k).map(|v| format!("{k}={v:.2}")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The pid of the broker process serving `url` on this machine (its CPU
/// counts as the cluster's), if one is found.
fn broker_pid(url: &str) -> Option<u32> {
    let program = if url.starts_with("nats") {
        "nats-server"
    } else {
        "redis-server"
    };
    let output = std::process::Command::new("pgrep")
        .args(["-o", program])
        .output()
        .ok()?;
    String::from_utf8_lossy(&output.stdout).trim().parse().ok()
}

//! Command-line flags and the sizes they resolve to: the full sizes
//! by default, `--scale` to shrink or grow every count, `--smoke` for a run
//! of every scenario in seconds, and a flag per size to override one.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Helpline's benchmark: R (Helpline) vs N (Node reference) vs F (floor).
#[derive(Parser, Debug)]
#[command(name = "helpline-bench", version)]
pub struct Cli {
    /// Internal commands; without one, the benchmark runs.
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// Benchmark options.
    #[command(flatten)]
    pub options: Options,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Sub {
    /// Rewrites benchmarks.md and -latency.png from a benchmarks.json.
    Render {
        /// The benchmarks.json to read.
        json: PathBuf,
        /// Where to write [default: beside the json].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// S6's store-alone reading: appends through Helpline's store with no
    /// network in front (the harness starts it itself, pinned like a
    /// server); prints the metrics as JSON.
    StoreLoad {
        /// `sqlite://PATH` (a fresh file) or `postgres://…` (an empty database).
        #[arg(long)]
        url: String,
        /// SQLite `synchronous=FULL` rather than `NORMAL`.
        #[arg(long)]
        full: bool,
        /// Two-person conversations.
        #[arg(long)]
        conversations: usize,
        /// Appends in flight per sender.
        #[arg(long)]
        window: usize,
        /// Measured seconds.
        #[arg(long)]
        secs: f64,
    },
    /// Runs F, the floor server (the harness starts it itself).
    Floor {
        /// Listen address.
        #[arg(long)]
        addr: String,
    },
}

/// What to run and how big.
#[derive(Args, Debug, Clone)]
pub struct Options {
    /// Every scenario against every server with tiny sizes, one repetition;
    /// fails only on correctness, never on timing.
    #[arg(long)]
    pub smoke: bool,
    /// Multiplies every client, conversation, request and race count.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Repetitions of each scenario (medians are reported) [default: 3; smoke: 1].
    #[arg(long)]
    pub reps: Option<usize>,
    /// Servers to run: R, N, F.
    #[arg(long, value_delimiter = ',', default_value = "R,N,F")]
    pub servers: Vec<String>,
    /// Scenarios to run: S1 … S8 (S7, chat across the nodes of a cluster,
    /// and S8, a soak on three nodes, run only when named).
    #[arg(long, value_delimiter = ',', default_value = "S1,S2,S3,S4,S5,S6")]
    pub scenarios: Vec<String>,
    /// S1: connected clients per case [default: 10000,50000].
    #[arg(long, value_delimiter = ',')]
    pub idle: Option<Vec<usize>>,
    /// S2: clients in the storm [default: 20000].
    #[arg(long)]
    pub storm: Option<usize>,
    /// S2: handshakes in flight at once.
    #[arg(long, default_value_t = 500)]
    pub storm_concurrency: usize,
    /// S3: conversations [default: 5000].
    #[arg(long)]
    pub chat_conversations: Option<usize>,
    /// S3: measured seconds at saturation [default: 10].
    #[arg(long)]
    pub chat_secs: Option<f64>,
    /// S3: messages in flight per client at saturation.
    #[arg(long, default_value_t = 1)]
    pub chat_window: usize,
    /// S3: measured seconds per offered rate [default: 5].
    #[arg(long)]
    pub rate_secs: Option<f64>,
    /// S3: runs of the fixed rate on its own, R and N interleaved, for the
    /// headline's median, worst run and runs above 25 ms [default: 5; smoke: 1].
    #[arg(long)]
    pub fixed_runs: Option<usize>,
    /// S3: only the repeated fixed-rate runs (no saturation, no sweep); the
    /// rate is half of --chat-base-rate (default 2 000).
    #[arg(long)]
    pub fixed_only: bool,
    /// S3: measured seconds of each fixed-rate run [default: 30].
    #[arg(long)]
    pub fixed_secs: Option<f64>,
    /// The disk probe (fdatasync after each append, in the work directory)
    /// at the start and end of a run with S3 or S6: seconds each [default:
    /// 8; smoke: 0.2; 0 skips it].
    #[arg(long)]
    pub fsync_secs: Option<f64>,
    /// The disk probe's append size, about one commit's WAL frames.
    #[arg(long, default_value_t = 8192)]
    pub fsync_bytes: usize,
    /// S3: highest offered rate, as a multiple of N's maximum [default: 32; smoke: 1].
    #[arg(long)]
    pub sweep_max: Option<f64>,
    /// S3: use this as "N's maximum" (msgs/s) instead of measuring it.
    #[arg(long)]
    pub chat_base_rate: Option<f64>,
    /// S4: online volunteers per case [default: 100,1000].
    #[arg(long, value_delimiter = ',')]
    pub dispatch_volunteers: Option<Vec<usize>>,
    /// S4: requests per run [default: 200].
    #[arg(long)]
    pub dispatch_requests: Option<usize>,
    /// S4: the batch size of the extra case on the largest fleet with
    /// Helpline's `HELPLINE_DISPATCH=batched`; 0 leaves it out (for a
    /// binary without batched dispatch) [default: 5].
    #[arg(long, default_value_t = 5)]
    pub dispatch_batch: usize,
    /// S5: racing volunteers per case [default: 10,100].
    #[arg(long, value_delimiter = ',')]
    pub race_volunteers: Option<Vec<usize>>,
    /// S5: races per run [default: 3334, so 10 000 over three runs].
    #[arg(long)]
    pub races: Option<usize>,
    /// S6: conversations [default: 500].
    #[arg(long)]
    pub storage_conversations: Option<usize>,
    /// S6: messages in flight per client.
    #[arg(long, default_value_t = 8)]
    pub storage_window: usize,
    /// S6: measured seconds [default: 10].
    #[arg(long)]
    pub storage_secs: Option<f64>,
    /// The helpline binary.
    #[arg(long, default_value = "target/release/helpline")]
    pub helpline: PathBuf,
    /// The Node peer's launcher (in a copy where `npm ci` has run).
    #[arg(long, default_value = "target/peer/helpline-peer")]
    pub peer: PathBuf,
    /// PostgreSQL admin URL; S6 creates and drops its databases there.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pub postgres: String,
    /// The Redis S7 runs its two-node cluster through.
    #[arg(long, default_value = "redis://127.0.0.1:6379")]
    pub redis: String,
    /// The NATS S7 runs its two-node cluster through.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    pub nats: String,
    /// S8: the soak's length in minutes.
    #[arg(long, default_value_t = 30)]
    pub soak_minutes: u32,
    /// Skip S6 on PostgreSQL.
    #[arg(long)]
    pub no_postgres: bool,
    /// Scratch space: account snapshots, run databases, server logs.
    #[arg(long, default_value = "target/bench")]
    pub work_dir: PathBuf,
    /// Where benchmarks.md, .json and -latency.png go [default: WORK_DIR/report].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Extra environment for every server started, KEY=VALUE (repeatable;
    /// for experiments such as TOKIO_WORKER_THREADS=1).
    #[arg(long = "server-env", value_name = "KEY=VALUE")]
    pub server_env: Vec<String>,
    /// Leave server events that ask for an ack (Helpline's delivery receipts
    /// on `message:new`) unacknowledged, as a client without receipts would.
    #[arg(long)]
    pub no_event_acks: bool,
    /// What the report names as the code under test [default: this checkout's commit].
    #[arg(long)]
    pub code: Option<String>,
    /// Do not pin with taskset.
    #[arg(long)]
    pub no_pin: bool,
}

/// Resolved sizes.
#[derive(Debug, Clone)]
pub struct Sizes {
    pub reps: usize,
    pub idle: Vec<usize>,
    pub storm: usize,
    pub chat_conversations: usize,
    pub chat_secs: f64,
    pub rate_secs: f64,
    pub fixed_runs: usize,
    pub fixed_secs: f64,
    pub fsync_secs: f64,
    pub sweep_max: f64,
    pub dispatch_volunteers: Vec<usize>,
    pub dispatch_requests: usize,
    pub race_volunteers: Vec<usize>,
    pub races: usize,
    pub storage_conversations: usize,
    pub storage_secs: f64,
}

impl Options {
    /// The sizes this invocation uses.
    pub fn sizes(&self) -> Sizes {
        let smoke = self.smoke;
        let pick = |full: usize, tiny: usize| if smoke { tiny } else { full };
        let scale = |n: usize| ((n as f64 * self.scale).round() as usize).max(2);
        let list = |given: &Option<Vec<usize>>, full: &[usize], tiny: &[usize]| {
            given
                .clone()
                .unwrap_or_else(|| if smoke { tiny.to_vec() } else { full.to_vec() })
        };
        let secs = |given: Option<f64>, full: f64| given.unwrap_or(if smoke { 1.0 } else { full });
        Sizes {
            reps: self.reps.unwrap_or(pick(3, 1)),
            idle: list(&self.idle, &[10_000, 50_000], &[20, 60])
                .into_iter()
                .map(scale)
                .collect(),
            storm: scale(self.storm.unwrap_or(pick(20_000, 60))),
            chat_conversations: scale(self.chat_conversations.unwrap_or(pick(5_000, 10))),
            chat_secs: secs(self.chat_secs, 10.0),
            rate_secs: secs(self.rate_secs, 5.0),
            fixed_runs: self.fixed_runs.unwrap_or(pick(5, 1)).max(1),
            fixed_secs: secs(self.fixed_secs, 30.0),
            fsync_secs: self.fsync_secs.unwrap_or(if smoke { 0.2 } else { 8.0 }),
            sweep_max: self.sweep_max.unwrap_or(if smoke { 1.0 } else { 32.0 }),
            dispatch_volunteers: list(&self.dispatch_volunteers, &[100, 1000], &[5, 20]),
            dispatch_requests: scale(self.dispatch_requests.unwrap_or(pick(200, 10))),
            race_volunteers: list(&self.race_volunteers, &[10, 100], &[3, 10]),
            races: scale(self.races.unwrap_or(pick(3334, 20))),
            storage_conversations: scale(self.storage_conversations.unwrap_or(pick(500, 10))),
            storage_secs: secs(self.storage_secs, 10.0),
        }
    }
}

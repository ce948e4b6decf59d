//! Starting and stopping the servers under test: R (the `helpline`
//! binary), N (the Node reference peer's `helpline-peer` launcher) and F
//! (this binary's `floor` subcommand), each pinned to core 0 with
//! `taskset`, on a free port, with the settings given through the
//! environment exactly as PROTOCOL.md names them.

use crate::client::Target;
use crate::metrics;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// The fixed token-signing secret every server gets, so cached accounts'
/// tokens stay valid across runs.
pub const JWT_SECRET: &str = "helpline-bench-secret-0123456789abcdef";

/// Which implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// Helpline.
    R,
    /// The Node reference peer.
    N,
    /// The floor: raw websocket fan-out, no protocol, no auth, no storage.
    F,
}

impl Kind {
    /// All three, in report order.
    pub const ALL: [Kind; 3] = [Kind::R, Kind::N, Kind::F];

    /// One letter.
    pub fn letter(self) -> &'static str {
        match self {
            Kind::R => "R",
            Kind::N => "N",
            Kind::F => "F",
        }
    }

    /// Parses `R`, `N` or `F`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "R" => Ok(Kind::R),
            "N" => Ok(Kind::N),
            "F" => Ok(Kind::F),
            other => Err(format!("unknown server {other:?} (R, N or F)")),
        }
    }
}

/// Where the programs are.
#[derive(Clone, Debug)]
pub struct Programs {
    /// The `helpline` binary.
    pub helpline: PathBuf,
    /// The peer's `helpline-peer` launcher.
    pub peer: PathBuf,
    /// This binary (for `floor`).
    pub bench: PathBuf,
    /// Pin servers to core 0 with taskset.
    pub pin: bool,
    /// Directory for server logs.
    pub logs: PathBuf,
}

/// A server process under test.
pub struct Running {
    child: Child,
    /// Its process id (taskset and the peer's launcher exec, so this is the
    /// server itself).
    pub pid: u32,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Which implementation.
    pub kind: Kind,
    log: PathBuf,
    /// Other nodes of the same cluster (S7, S8), stopped and measured with it.
    companions: Vec<Running>,
    /// Other processes whose CPU counts as the server's (the broker).
    watched: Vec<u32>,
}

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

impl Running {
    /// Starts `kind` on `database_url` (ignored by F) with extra environment
    /// `env`, and waits until it answers.
    pub async fn start(
        programs: &Programs,
        kind: Kind,
        database_url: Option<&str>,
        env: &[(&str, String)],
        pin: bool,
    ) -> Result<Self, String> {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?)
            .parse()
            .map_err(|e| format!("{e}"))?;
        let (program, args): (&Path, Vec<String>) = match kind {
            Kind::R => (&programs.helpline, vec!["serve".into()]),
            Kind::N => (&programs.peer, vec!["serve".into()]),
            Kind::F => (
                &programs.bench,
                vec!["floor".into(), "--addr".into(), addr.to_string()],
            ),
        };
        let mut command = if pin && programs.pin {
            let mut c = Command::new("taskset");
            c.arg("-c").arg("0").arg(program);
            c
        } else {
            Command::new(program)
        };
        std::fs::create_dir_all(&programs.logs).map_err(|e| e.to_string())?;
        let log = programs
            .logs
            .join(format!("{}-{}.log", kind.letter(), addr.port()));
        let out = std::fs::File::create(&log).map_err(|e| e.to_string())?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        command
            .args(&args)
            .env("HELPLINE_ADDR", addr.to_string())
            .env("HELPLINE_JWT_SECRET", JWT_SECRET)
            // The generator puts a whole scenario's load on a few hundred
            // accounts, far more per user than a person sends: Helpline's
            // per-user abuse limits are off so that they do not cap it (N
            // has none), and so is the chat cap (a volunteer wins many of
            // the claim races). Everything else is the default.
            .env("HELPLINE_RATE_EVENTS_PER_SEC", "0")
            .env("HELPLINE_LOGIN_ATTEMPTS", "0")
            .env("HELPLINE_MAX_ACTIVE_CHATS", "0")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true);
        if let Some(url) = database_url {
            command.env("HELPLINE_DATABASE_URL", url);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .map_err(|e| format!("starting {}: {e}", program.display()))?;
        let pid = child.id().ok_or("server exited at once")?;
        let mut running = Self {
            child,
            pid,
            addr,
            kind,
            log,
            companions: Vec::new(),
            watched: Vec::new(),
        };
        running.wait_ready().await?;
        Ok(running)
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let http = reqwest::Client::new();
        let health = format!("http://{}/healthz", self.addr);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "{} exited during start-up ({status}); log: {}",
                    self.kind.letter(),
                    self.tail_log()
                ));
            }
            let ready = match self.kind {
                // The floor binds before it does anything else.
                Kind::F => tokio::net::TcpStream::connect(self.addr).await.is_ok(),
                _ => http
                    .get(&health)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success()),
            };
            if ready {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not become ready", self.kind.letter()));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The last lines of the server's log.
    pub fn tail_log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(8)..].join(" | ")
    }

    /// The client target.
    pub fn target(&self) -> Target {
        Target { addr: self.addr }
    }

    /// `http://addr`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Makes `node` another node of this server's cluster: its CPU counts,
    /// it is checked and stopped with this one.
    pub fn attach(&mut self, node: Running) {
        self.companions.push(node);
    }

    /// Counts process `pid`'s CPU as this server's (the cluster's broker).
    pub fn watch(&mut self, pid: u32) {
        self.watched.push(pid);
    }

    /// Every node's client target: this server's, then its other nodes'.
    pub fn targets(&self) -> Vec<Target> {
        std::iter::once(self.target())
            .chain(self.companions.iter().map(Running::target))
            .collect()
    }

    /// Each node's resident set size in bytes: this server's, then its
    /// other nodes'.
    pub fn rss_each(&self) -> Result<Vec<u64>, String> {
        std::iter::once(self.rss())
            .chain(self.companions.iter().map(Running::rss))
            .collect()
    }

    /// CPU seconds used so far, by this server, its other nodes and the
    /// processes it watches.
    pub fn cpu_seconds(&self) -> Result<f64, String> {
        let mut total = metrics::cpu_seconds(self.pid)?;
        for node in &self.companions {
            total += node.cpu_seconds()?;
        }
        for pid in &self.watched {
            total += metrics::cpu_seconds(*pid)?;
        }
        Ok(total)
    }

    /// Current resident set size in bytes.
    pub fn rss(&self) -> Result<u64, String> {
        metrics::status_bytes(self.pid, "VmRSS")
    }

    /// Peak resident set size in bytes (since start or the last reset).
    pub fn peak_rss(&self) -> Result<u64, String> {
        metrics::status_bytes(self.pid, "VmHWM")
    }

    /// Fails if the server (or another node of it) has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        for node in &mut self.companions {
            node.check_alive()?;
        }
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "{} exited ({status}); log: {}",
                self.kind.letter(),
                self.tail_log()
            )),
            Err(e) => Err(e.to_string()),
        }
    }

    /// SIGTERM, then up to 30 s for a graceful exit, then SIGKILL; its
    /// other nodes first.
    pub async fn stop(mut self) {
        for node in std::mem::take(&mut self.companions) {
            Box::pin(node.stop()).await;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

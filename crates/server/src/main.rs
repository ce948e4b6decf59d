//! The `helpline` binary: `helpline [serve]` runs the server;
//! `helpline user create …` adds an account of any role from the command line.

use clap::{Parser, Subcommand};
use helpline_core::DomainError;
use helpline_core::user::{NewAccount, Role};
use helpline_server::config::{LogFormat, Settings, SettingsArgs};
use std::io::Read;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

/// Helpline: help requests, chat and calls between seekers and volunteers.
#[derive(Debug, Parser)]
#[command(name = "helpline", version, about)]
struct Cli {
    #[command(flatten)]
    settings: SettingsArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account of any role (support accounts exist only this way).
    Create {
        /// Login name: 3-32 of a-z 0-9 _ . -
        #[arg(long)]
        username: String,
        /// Read the password from standard input (required; a trailing newline is dropped).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// seeker, volunteer or support.
        #[arg(long, value_parser = ["seeker", "volunteer", "support"])]
        role: String,
        /// Name shown to others (default: the username).
        #[arg(long)]
        display_name: Option<String>,
        /// A language the user speaks; repeat for several.
        #[arg(long = "language")]
        languages: Vec<String>,
    },
}

fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// jemalloc for Rust's allocations (SQLite keeps the C library's): in S3
/// glibc's `malloc` and `free` were about an eighth of the runtime's
/// threads; with jemalloc the server did ~6 % more chat work per
/// CPU-second at the same memory per idle connection (decision 0018).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::resolve(&cli.settings) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("helpline: {error}");
            return ExitCode::from(2);
        }
    };
    init_logs(settings.log_format);
    let outcome = match cli.command {
        None | Some(Command::Serve) => serve(settings).await,
        Some(Command::User(UserCommand::Create {
            username,
            password_stdin: _,
            role,
            display_name,
            languages,
        })) => {
            create_user(
                &settings,
                &username,
                &role,
                display_name.as_deref(),
                languages,
            )
            .await
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("helpline: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Connections the kernel may hold for the server before it accepts them.
/// The default (128) overflowed in a storm of 500 connects at once (S2):
/// each client past it waited a second for its SYN to be retried.
const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with [`LISTEN_BACKLOG`].
fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

async fn serve(settings: Settings) -> Result<(), helpline_server::ServeError> {
    tracing::info!(?settings, "starting");
    let listener = listen(settings.addr)?;
    // Served from a runtime worker, not from the main thread that blocks on
    // `main`: the accept loop allocates part of every connection (its task,
    // its I/O registration) and the rest is allocated on the worker, and
    // glibc's malloc gives each thread an arena of its own, so connections
    // split across two arenas fragmented both (S1: 29 -> 26 KiB per idle
    // connection).
    tokio::spawn(helpline_server::serve(
        listener,
        settings,
        shutdown_signal(),
    ))
    .await?
}

/// Resolves on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

async fn create_user(
    settings: &Settings,
    username: &str,
    role: &str,
    display_name: Option<&str>,
    languages: Vec<String>,
) -> Result<(), helpline_server::ServeError> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password
        .strip_suffix('\n')
        .map(|p| p.strip_suffix('\r').unwrap_or(p))
        .unwrap_or(&password);
    let role = Role::parse(role).ok_or("role must be seeker, volunteer, support or caregiver")?;
    let account = NewAccount::new(
        username,
        password,
        display_name.unwrap_or(username),
        role,
        languages,
    )
    .map_err(|e| e.message())?;
    let store = helpline_server::open_store(settings).await?;
    let created = helpline_server::auth::create_account(store.as_ref(), &account).await;
    store.close().await;
    let user = created.map_err(|e| match e {
        DomainError::UsernameTaken => format!("username {username:?} is taken"),
        other => other.message(),
    })?;
    println!("{}", serde_json::to_string(&user)?);
    Ok(())
}

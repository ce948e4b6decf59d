//! The Helpline server: REST and Socket.IO on one listener, backed by a
//! [`helpline_store::Store`], with background jobs.
//!
//! [`serve`] takes a bound listener and a shutdown signal, so tests run the
//! real server on port 0 and the binary runs it on the configured address.

pub mod app;
pub mod attachments;
pub mod auth;
pub mod calls;
pub mod checkins;
pub mod cluster;
pub mod config;
pub mod credentials;
pub mod direct;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod participants;
pub mod presence;
pub mod push;
pub mod realtime;
pub mod receipts;
pub mod scam_guard;
pub mod typing;
pub mod welfare;
pub mod wellbeing;

use app::{App, AppParts};
use auth::TokenKeys;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use axum::routing::any;
use axum::serve::ListenerExt;
use config::Settings;
use helpline_core::{Clock, SystemClock};
use helpline_socketio::Engine;
use helpline_store::StoreOptions;
use presence::Presence;
use realtime::Realtime;
use realtime::fanout::Fanout;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// A failure to start or run the server.
pub type ServeError = Box<dyn std::error::Error + Send + Sync>;

/// Largest Socket.IO message accepted; payload limits are enforced per field
/// by the handlers (which answer `invalid`), so this only stops abuse.
const MAX_SOCKET_MESSAGE_BYTES: usize = 1024 * 1024;

/// How long shutting down waits for sockets to close.
const CLOSE_SOCKETS_WITHIN: Duration = Duration::from_secs(10);

/// Where Socket.IO is served.
const SOCKET_IO_PATH: &str = "/socket.io";

/// Answers a Socket.IO request (handshake, long-polling, websocket upgrade).
async fn socket_io(State(engine): State<Engine<Realtime>>, request: Request) -> impl IntoResponse {
    engine.handle(request).await
}

/// Opens the store the settings name.
pub async fn open_store(
    settings: &Settings,
) -> Result<std::sync::Arc<dyn helpline_store::Store>, ServeError> {
    let options = StoreOptions {
        sqlite_synchronous_full: settings.sqlite_synchronous_full,
        max_connections: settings.db_max_connections,
    };
    Ok(helpline_store::open(&settings.database_url, &options).await?)
}

/// Runs the server on `listener` until `shutdown` resolves, then closes every
/// socket, lets in-flight writes finish and closes the store.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_with_clock(listener, settings, Arc::new(SystemClock), shutdown).await
}

/// [`serve`] with a chosen clock: tests move time forward with a
/// [`helpline_core::ManualClock`] instead of sleeping.
pub async fn serve_with_clock(
    listener: TcpListener,
    settings: Settings,
    clock: Arc<dyn Clock>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let store = open_store(&settings).await?;
    let tokens = TokenKeys::load(
        settings.jwt_secret.as_deref(),
        store.as_ref(),
        settings.token_ttl_secs,
        clock.clone(),
    )
    .await?;
    let attachments = attachments::blobs::Attachments::open(&settings)?;
    let vapid = push::vapid::Vapid::load(
        settings.push.vapid_private_key.as_deref(),
        &settings.push.vapid_subject,
        store.as_ref(),
    )
    .await?;
    if settings.push.vapid_subject == push::config::DEFAULT_SUBJECT {
        tracing::warn!(
            "HELPLINE_VAPID_SUBJECT is not set: push services may refuse pushes without a real contact (mailto: or https:)"
        );
    }
    // Subscribed before the first socket, so no news is missed.
    let cluster = cluster::Cluster::join(&settings).await?;
    let outbox = cluster.as_ref().map(cluster::Cluster::outbox);
    let mut limits =
        limits::RateLimits::new(clock.clone(), settings.event_rate(), settings.login_rate());
    if let Some(buckets) = cluster.as_ref().and_then(cluster::Cluster::shared_buckets) {
        limits = limits.shared(buckets, format!("{}.limit.", settings.cluster_name));
    }
    let (presence_changes, volunteer_changes) = tokio::sync::mpsc::unbounded_channel();
    let app = App::new(AppParts {
        store: store.clone(),
        tokens,
        presence: Presence::new(outbox.clone(), Some(presence_changes)),
        typing: typing::Typing::default(),
        participants: participants::Participants::default(),
        fanout: Fanout::new(outbox),
        limits,
        token_deadlines: Default::default(),
        settings,
        clock,
        call_watch: calls::CallWatch::default(),
        attachments,
        push: push::Pusher::new(vapid),
    });
    let engine = Engine::new(
        Realtime::new(app.clone()),
        helpline_socketio::Config {
            max_payload: MAX_SOCKET_MESSAGE_BYTES,
            ..Default::default()
        },
    );

    // Ends once the app, and with it the presence table, is dropped.
    let announcer = app.fanout.clone();
    tokio::spawn(async move { announcer.volunteer_presence(volunteer_changes).await });
    let cluster = cluster.map(|cluster| cluster.run(app.clone()));
    let (stop_jobs, jobs_stopped) = watch::channel(false);
    let sweeper = tokio::spawn(jobs::sweep(app.clone(), jobs_stopped.clone()));
    let pusher = tokio::spawn(push::worker::run(app.clone(), jobs_stopped));

    let socket_io_routes = axum::Router::new()
        .route(SOCKET_IO_PATH, any(socket_io))
        .route(&format!("{SOCKET_IO_PATH}/"), any(socket_io))
        .route(&format!("{SOCKET_IO_PATH}/{{*rest}}"), any(socket_io))
        .with_state(engine.clone());
    // Outermost on the REST routes, so that whatever answers early, the
    // rest of the body is read before the connection closes; drains stop
    // when shutdown begins.
    let (stop_drains, drains_stopped) = watch::channel(false);
    let router = http::routes()
        .with_state(app.clone())
        .layer(axum::middleware::from_fn_with_state(
            drains_stopped,
            http::linger::linger_on_unread_body,
        ))
        .merge(socket_io_routes)
        .layer(tower_http::trace::TraceLayer::new_for_http());
    tracing::info!(addr = %listener.local_addr()?, "helpline listening");
    let closing = engine.clone();
    // Nagle's algorithm would hold a small frame written while an earlier
    // one awaits the client's (delayed) ACK: up to 40 ms per ack or event.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set");
        }
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            stop_drains.send_replace(true);
            tracing::info!("shutting down: closing sockets");
            // Every socket is told and closed (its queue flushed first).
            closing.shutdown(CLOSE_SOCKETS_WITHIN).await;
        })
        .await?;
    let _ = stop_jobs.send(true);
    if let Err(error) = sweeper.await {
        tracing::warn!(%error, "sweeper ended badly");
    }
    if let Err(error) = pusher.await {
        tracing::warn!(%error, "push worker ended badly");
    }
    if let Some(cluster) = cluster {
        cluster.stop().await;
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

//! The Socket.IO side: who may connect, which rooms a socket joins, and
//! which events it may send (requests, conversations, edits, timers, calls,
//! WebRTC signaling). Each event group lives in its own file;
//! [`ack`] guarantees one acknowledgement per event; [`fanout`] is the only
//! way events go out, to the [`rooms`] of this process. The transport
//! (sessions, websocket, long-polling) is the `helpline-socketio` crate.

pub mod ack;
pub mod alerts;
mod auto_away;
pub mod batches;
mod calls;
mod conversations;
mod edits;
pub mod encoded;
pub mod escalation;
pub mod expiry;
pub mod fanout;
mod offers;
mod opening;
pub mod outbound;
pub mod queue;
mod requests;
pub mod rooms;
mod signaling;
mod timers;

use crate::app::App;
use crate::presence::Availability;
use futures::future::BoxFuture;
use helpline_core::UserId;
use helpline_core::permissions::{RoleAction, role_may};
use helpline_core::user::Role;
use helpline_socketio::{Application, DisconnectReason, Event, Socket};
use outbound::SupportChange;
use serde_json::Value;
use std::sync::Arc;

pub use offers::{offer_pending_to, withdraw_on_block};
pub use requests::notify_expired;
pub use timers::announce_expired;

/// A connected socket of this server; its data is who is behind it
/// (shared, so each event's handler holds it without copying it).
pub type SocketRef = Socket<Arc<Caller>>;

/// The authenticated user behind a socket.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's id.
    pub id: UserId,
    /// The user's role.
    pub role: Role,
    /// The user's display name.
    pub display_name: String,
    /// Whether this socket acknowledges `message:new` (delivery receipts);
    /// asked for with `auth: {token, receipts: true}`.
    pub receipts: bool,
}

/// The text of a refused connection's `connect_error` (a missing, bad or
/// expired token, an unknown user, a failed read).
const REFUSED: &str = "unauthorized";

/// The `connect_error` of a caregiver: their account has no live
/// connection (everything they see is `GET /api/caregiving`).
const NO_LIVE_CONNECTION: &str = "forbidden";

/// The Socket.IO application: who may connect, what their events do, and
/// what happens when they leave.
pub struct Realtime {
    app: App,
    handlers: Arc<ack::Handlers>,
}

impl Realtime {
    /// Every event group's handlers, on `app`.
    pub fn new(app: App) -> Self {
        let mut handlers = ack::Handlers::default();
        opening::register(&mut handlers);
        requests::register(&mut handlers);
        alerts::register(&mut handlers);
        conversations::register(&mut handlers);
        edits::register(&mut handlers);
        timers::register(&mut handlers);
        calls::register(&mut handlers);
        signaling::register(&mut handlers);
        Self {
            app,
            handlers: Arc::new(handlers),
        }
    }
}

impl Application for Realtime {
    type Data = Arc<Caller>;

    fn admit(
        &self,
        socket: SocketRef,
        auth: Option<Value>,
    ) -> BoxFuture<'static, Result<Arc<Caller>, String>> {
        let app = self.app.clone();
        Box::pin(async move {
            admit(app, socket, auth)
                .await
                .map(Arc::new)
                .map_err(str::to_owned)
        })
    }

    fn connected(&self, socket: &SocketRef) {
        let (app, socket) = (self.app.clone(), socket.clone());
        tokio::spawn(async move { connected(app, socket).await });
    }

    fn event(&self, socket: &SocketRef, event: Event) {
        self.handlers.dispatch(&self.app, socket, event);
    }

    fn disconnected(&self, socket: &SocketRef, _reason: DisconnectReason) {
        let Some(caller) = socket.data().cloned() else {
            return;
        };
        self.app.fanout.rooms().leave(socket);
        self.app.token_deadlines.remove(socket.id());
        let gone = self.app.presence.disconnect(&caller.id);
        if !gone {
            return;
        }
        // A socket dropped while the runtime itself stops has no runtime
        // left to tell anyone on.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let app = self.app.clone();
        runtime.spawn(async move {
            if caller.role == Role::Volunteer {
                app.fanout.support_changed(SupportChange::Presence).await;
            }
            crate::calls::watch::user_gone(&app, &caller.id).await;
            crate::push::told::user_gone(&app, &caller.id).await;
        });
    }
}

/// Decides whether a socket may join, before the client is told it is
/// connected, and puts it in its rooms so that nothing meant for it is
/// missed from then on. Refusals carry no reason (the client sees
/// "unauthorized"); store failures are logged.
async fn admit(app: App, socket: SocketRef, auth: Option<Value>) -> Result<Caller, &'static str> {
    let token = auth
        .as_ref()
        .and_then(|a| a.get("token"))
        .and_then(Value::as_str)
        .ok_or(REFUSED)?;
    let (user_id, token_expires) = app.tokens.verify_until(token).map_err(|_| REFUSED)?;
    let user = match app.store.user(&user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(REFUSED),
        Err(error) => {
            tracing::error!(%error, "loading the connecting user failed");
            return Err(REFUSED);
        }
    };
    if !role_may(user.role, RoleAction::UseHelpline) {
        // A caregiver has nothing to hear or say live: refused plainly,
        // not as `unauthorized` (their token is good for REST).
        return Err(NO_LIVE_CONNECTION);
    }
    let caller = Caller {
        id: user.id.clone(),
        role: user.role,
        display_name: user.display_name.clone(),
        receipts: auth
            .as_ref()
            .and_then(|a| a.get("receipts"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    let rooms = app.fanout.rooms();
    // In the user's room before the conversations are read: one that
    // starts meanwhile is joined either way (by its start, or by the read).
    rooms.enter(&socket, &caller.id, caller.role);
    let conversations = match app.store.active_conversations_of(&user.id).await {
        Ok(conversations) => conversations,
        Err(error) => {
            rooms.leave(&socket);
            tracing::error!(%error, "loading the connecting user's conversations failed");
            return Err(REFUSED);
        }
    };
    rooms.join(&socket, &conversations);
    // A volunteer's availability is their choice, kept while offline.
    let first = app
        .presence
        .connect(&caller.id, caller.role, user.availability);
    app.call_watch.back(&caller.id);
    if first && caller.role == Role::Volunteer {
        app.fanout.support_changed(SupportChange::Presence).await;
    }
    app.token_deadlines.add(socket.id(), token_expires);
    tracing::debug!(user = %caller.id, role = caller.role.as_str(), "socket admitted");
    Ok(caller)
}

/// Runs once the client knows it is connected: an available volunteer is
/// offered the pending requests meant for them.
async fn connected(app: App, socket: SocketRef) {
    let Some(caller) = socket.data() else {
        return;
    };
    if caller.role == Role::Volunteer
        && app.presence.availability(&caller.id) == Some(Availability::Available)
        && let Err(error) = offer_pending_to(&app, &caller.id, Some(&socket)).await
    {
        tracing::warn!(%error, "offering pending requests on connect failed");
    }
}

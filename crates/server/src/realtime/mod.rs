//! The Socket.IO side: who may connect, which rooms a socket joins, and
//! which events it may send (requests, conversations, edits, timers, calls,
//! WebRTC signaling). Each event group lives in its own file;
//! [`ack`] guarantees one acknowledgement per event; [`fanout`] is the only
//! way events go out.

pub mod ack;
mod calls;
mod conversations;
mod edits;
pub mod encoded;
pub mod events;
pub mod expiry;
pub mod fanout;
pub mod handshake;
pub mod outbound;
mod requests;
mod signaling;
mod timers;

use crate::app::App;
use crate::presence::Availability;
use fanout::{conversation_room, user_room};
use helpline_core::user::Role;
use helpline_core::{DomainError, UserId};
use outbound::SupportChange;
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::extract::{SocketRef, TryData};
use socketioxide::handler::ConnectHandler;
use std::fmt;
use std::sync::Arc;

pub use requests::{notify_expired, offer_pending_to};
pub use timers::announce_expired;

/// The authenticated user behind a socket (kept in its extensions).
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

/// Why a connection was refused; its text is what the client's
/// `connect_error` carries.
#[derive(Debug)]
struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unauthorized")
    }
}

impl std::error::Error for Refused {}

/// Sets up the default namespace on `io`.
pub fn attach(io: &SocketIo, app: App) {
    let mut handlers = ack::Handlers::default();
    requests::register(&mut handlers);
    conversations::register(&mut handlers);
    edits::register(&mut handlers);
    timers::register(&mut handlers);
    calls::register(&mut handlers);
    signaling::register(&mut handlers);
    let handlers = Arc::new(handlers);
    let for_admit = app.clone();
    let admit = move |socket: SocketRef, TryData(auth): TryData<Value>| {
        let (app, handlers) = (for_admit.clone(), handlers.clone());
        async move { admit(app, &handlers, socket, auth.ok()).await }
    };
    let connected = move |socket: SocketRef| {
        let app = app.clone();
        async move { connected(app, socket).await }
    };
    io.ns("/", connected.with(admit));
}

/// Runs before the client is told it is connected, so that every handler
/// and room is in place before its first event can arrive.
async fn admit(
    app: App,
    handlers: &Arc<ack::Handlers>,
    socket: SocketRef,
    auth: Option<Value>,
) -> Result<(), Refused> {
    let token = auth
        .as_ref()
        .and_then(|a| a.get("token"))
        .and_then(Value::as_str)
        .ok_or(Refused)?;
    let (user_id, token_expires) = app.tokens.verify_until(token).map_err(|_| Refused)?;
    let user = match app.store.user(&user_id).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(Refused),
        Err(error) => {
            tracing::error!(%error, "loading the connecting user failed");
            return Err(Refused);
        }
    };
    let conversations = app
        .store
        .active_conversations_of(&user.id)
        .await
        .map_err(|error| {
            tracing::error!(%error, "loading the connecting user's conversations failed");
            Refused
        })?;
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
    socket.extensions.insert(caller.clone());
    socket.join(user_room(&caller.id));
    for conversation in &conversations {
        socket.join(conversation_room(conversation));
    }
    if caller.receipts {
        socket.join(fanout::user_receipts_room(&caller.id));
        for conversation in &conversations {
            socket.join(fanout::conversation_receipts_room(conversation));
        }
    }
    if caller.role == Role::Support {
        socket.join(fanout::SUPPORT_ROOM);
    }
    handlers.attach(&socket, &app);
    let first = app.presence.connect(&caller.id, caller.role);
    app.call_watch.back(&caller.id);
    if first && caller.role == Role::Volunteer {
        app.fanout.support_changed(SupportChange::Presence).await;
    }
    app.token_deadlines.add(socket.id, token_expires);
    let leaving = (app.clone(), caller.id.clone(), caller.role, socket.id);
    socket.on_disconnect(move || {
        let (app, user, role, sid) = leaving.clone();
        async move {
            app.token_deadlines.remove(sid, token_expires);
            let gone = app.presence.disconnect(&user);
            if gone && role == Role::Volunteer {
                app.fanout.support_changed(SupportChange::Presence).await;
            }
            if gone {
                crate::calls::watch::user_gone(&app, &user).await;
            }
        }
    });
    tracing::debug!(user = %caller.id, role = caller.role.as_str(), "socket admitted");
    Ok(())
}

/// Runs once the client knows it is connected: an available volunteer is
/// offered the pending requests meant for them.
async fn connected(app: App, socket: SocketRef) {
    let Some(caller) = socket.extensions.get::<Caller>() else {
        return;
    };
    if caller.role == Role::Volunteer
        && app.presence.availability(&caller.id) == Some(Availability::Available)
        && let Err(error) = offer_pending_to(&app, &caller.id, Some(&socket)).await
    {
        tracing::warn!(%error, "offering pending requests on connect failed");
    }
}

/// The payload's object view, checked for caller-naming fields.
pub(crate) fn caller_checked<'a>(
    caller: &Caller,
    payload: &'a Value,
    caller_fields: &[&str],
) -> Result<helpline_core::input::Fields<'a>, DomainError> {
    let fields = helpline_core::input::Fields::of(payload)?;
    for name in caller_fields {
        fields.caller_field(name, caller.id.as_str())?;
    }
    Ok(fields)
}

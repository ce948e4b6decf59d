//! From a raw event to one acknowledgement.
//!
//! [`payload_of`] reads the event's first argument as JSON (so bad JSON,
//! deep nesting or binary arguments become `invalid` instead of a handler
//! that silently never runs), and [`inbound::read`] turns it into the
//! event's type. [`Handlers`] holds every event's handler once, by type,
//! and runs them so that every event gets exactly one ack:
//! `{"ok":true,…}` or `{"ok":false,"error"}`, after drawing on the caller's
//! event allowance (`rate_limited` when spent).

use super::encoded::EncodedMessage;
use super::{Caller, SocketRef};
use crate::app::App;
use futures::future::BoxFuture;
use helpline_core::DomainError;
use helpline_core::inbound::{self, ClientEvent, SentMessage};
use helpline_socketio::{BadArguments, Event, Packet, encode_ack_args};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The event's first argument, parsed, or why it could not be. No argument
/// (or `null`) means an empty object.
pub fn payload_of(
    payload: Result<Option<Box<RawValue>>, BadArguments>,
) -> Result<Value, DomainError> {
    match payload {
        Ok(None) => Ok(Value::Object(Default::default())),
        Ok(Some(raw)) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(Value::Null) => Ok(Value::Object(Default::default())),
            Ok(value) => Ok(value),
            Err(_) => Err(DomainError::invalid(
                "payload is not valid JSON or is nested too deeply",
            )),
        },
        Err(BadArguments::Invalid) => Err(DomainError::invalid(
            "payload is not valid JSON or is nested too deeply",
        )),
        Err(BadArguments::Binary) => Err(DomainError::invalid("binary payloads are not accepted")),
    }
}

/// What a handler gets besides its event: who sent it, on which socket.
#[derive(Clone)]
pub struct Context {
    /// Shared services.
    pub app: App,
    /// Who sent the event.
    pub caller: Arc<Caller>,
    /// The socket it came on.
    pub socket: SocketRef,
}

/// Where an event's one acknowledgement goes, shared by the handler's
/// [`Ack`] and the dispatcher (which answers errors the handler returns
/// before it replied).
#[derive(Clone)]
struct Answer {
    socket: SocketRef,
    /// The event's ack id, if the client asked for an answer.
    id: Option<u64>,
    /// Whether the answer went out.
    answered: Arc<AtomicBool>,
}

impl Answer {
    /// The ack id, if the event is still to be answered (only once).
    fn take(&self) -> Option<u64> {
        let id = self.id?;
        (!self.answered.swap(true, Ordering::AcqRel)).then_some(id)
    }

    /// Answers with `body` unless the event was answered.
    fn send<T: Serialize>(&self, body: &T) {
        if let Some(id) = self.take() {
            send_ack(&self.socket, id, body);
        }
    }

    /// Answers a refusal, unless a reply went out first; internal
    /// failures are logged either way.
    fn fail(&self, event: &str, error: DomainError) {
        if let DomainError::Internal = error {
            tracing::warn!(event, "event failed internally");
        }
        self.send(&ack_body::<()>(Err(error)));
    }
}

/// A handler's one reply to its event, typed by the event
/// ([`ClientEvent::Reply`]). Sending consumes it and yields [`Replied`],
/// which the handler must return: an event answered twice, or never on
/// success, does not compile. A handler may reply before it finishes, so
/// that the events it causes reach the sender after the answer.
pub struct Ack<R> {
    answer: Answer,
    reply: PhantomData<fn(R)>,
}

/// Proof that a handler replied; only [`Ack`] makes one.
pub struct Replied(());

impl<R: Serialize> Ack<R> {
    /// Sends `{"ok":true, …reply}`.
    pub fn send(self, reply: R) -> Replied {
        self.answer.send(&ack_body(Ok(reply)));
        Replied(())
    }
}

impl Ack<SentMessage> {
    /// Acknowledges a stored message with its encoding (see [`super::encoded`]).
    pub fn send_message(self, message: &EncodedMessage) -> Replied {
        if let Some(id) = self.answer.take()
            && self
                .answer
                .socket
                .send(Packet::ack(id, message.ack_body()))
                .is_err()
        {
            tracing::debug!("ack for a closed socket dropped");
        }
        Replied(())
    }
}

/// Sends `body` to `socket` as the answer to its event `id`.
fn send_ack<T: Serialize>(socket: &SocketRef, id: u64, body: &T) {
    match encode_ack_args(body) {
        Ok(args) => {
            if socket.send(Packet::ack(id, args)).is_err() {
                tracing::debug!("ack for a closed socket dropped");
            }
        }
        Err(error) => tracing::error!(%error, "encoding an ack failed"),
    }
}

/// The acknowledgement body for a handler's result.
pub fn ack_body<T: Serialize>(result: Result<T, DomainError>) -> Value {
    match result.and_then(|fields| serde_json::to_value(fields).map_err(|_| DomainError::Internal))
    {
        Ok(Value::Object(mut fields)) => {
            fields.insert("ok".into(), Value::Bool(true));
            Value::Object(fields)
        }
        Ok(_) => json!({"ok": true}),
        Err(error) => {
            json!({"ok": false, "error": {"code": error.ack_code(), "message": error.message()}})
        }
    }
}

/// A running handler.
type Running = BoxFuture<'static, Result<Replied, DomainError>>;

/// A handler as the table keeps it: reads its event from the payload
/// (refusing a bad one at once) and starts the typed handler.
type Boxed = Arc<dyn Fn(Context, &Value, Answer) -> Result<Running, DomainError> + Send + Sync>;

/// Every event's handler, built once and shared by all sockets.
#[derive(Default)]
pub struct Handlers {
    by_event: HashMap<&'static str, Boxed>,
}

impl Handlers {
    /// Adds `handler` for the client event `E`, under `E::NAME`.
    pub fn on<E, F, Fut>(&mut self, handler: F)
    where
        E: ClientEvent,
        F: Fn(Context, E, Ack<E::Reply>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Replied, DomainError>> + Send + 'static,
    {
        let boxed: Boxed = Arc::new(move |context, payload, answer| {
            let caller = &context.caller;
            let event = inbound::read::<E>(payload, caller.id.as_str(), caller.role)?;
            let ack = Ack {
                answer,
                reply: PhantomData,
            };
            Ok(Box::pin(handler(context, event, ack)))
        });
        let earlier = self.by_event.insert(E::NAME, boxed);
        debug_assert!(earlier.is_none(), "two handlers for {}", E::NAME);
    }

    /// Runs the event in a task of its own; every event gets exactly one
    /// ack. The sender's allowance is drawn first (`rate_limited` when
    /// spent; in a cluster on Redis, the allowance is the cluster's), then
    /// the payload is read, then the handler runs; unknown events are
    /// answered `invalid` at once.
    pub fn dispatch(&self, app: &App, socket: &SocketRef, event: Event) {
        let Some(caller) = socket.data().cloned() else {
            return;
        };
        let answer = Answer {
            socket: socket.clone(),
            id: event.ack,
            answered: Arc::new(AtomicBool::new(false)),
        };
        let Some((&name, handler)) = self.by_event.get_key_value(event.name.as_str()) else {
            answer.fail(&event.name, DomainError::invalid("unknown event"));
            return;
        };
        let context = Context {
            app: app.clone(),
            caller,
            socket: socket.clone(),
        };
        let (payload, handler) = (event.payload, handler.clone());
        tokio::spawn(async move {
            let app = context.app.clone();
            let allowed = app.limits.event(&context.caller.id).await;
            let started = allowed
                .and_then(|()| payload_of(payload))
                .and_then(|payload| handler(context, &payload, answer.clone()));
            let outcome = match started {
                Ok(running) => running.await.map(|_| ()),
                Err(refused) => Err(refused),
            };
            if let Err(error) = outcome {
                answer.fail(name, error);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        assert_eq!(ack_body(Ok(json!({"a": 1}))), json!({"ok": true, "a": 1}));
        assert_eq!(ack_body::<()>(Ok(())), json!({"ok": true}));
        assert_eq!(
            ack_body::<()>(Err(DomainError::NotPending)),
            json!({"ok": false, "error": {"code": "not_pending", "message": "the request is no longer pending"}})
        );
    }
}

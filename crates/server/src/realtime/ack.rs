//! From a raw event to one acknowledgement.
//!
//! [`payload_of`] reads the event's first argument as JSON (so bad JSON,
//! deep nesting or binary arguments become `invalid` instead of a handler
//! that silently never runs). [`Handlers`] holds every event's handler once
//! and runs them so that every event gets exactly one ack:
//! `{"ok":true,…}` or `{"ok":false,"error"}`, after drawing on the caller's
//! event allowance (`rate_limited` when spent).

use super::encoded::EncodedMessage;
use super::{Caller, SocketRef};
use crate::app::App;
use futures::future::BoxFuture;
use helpline_core::DomainError;
use helpline_socketio::{BadArguments, Event, Packet, encode_ack_args};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
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

/// What a handler gets besides its payload.
#[derive(Clone)]
pub struct Context {
    /// Shared services.
    pub app: App,
    /// Who sent the event.
    pub caller: Arc<Caller>,
    /// The socket it came on.
    pub socket: SocketRef,
    /// The event's ack id, if the client asked for an answer.
    ack: Option<u64>,
    /// Whether the answer went out (shared by the context's clones).
    answered: Arc<AtomicBool>,
}

impl Context {
    /// Sends the acknowledgement now, before the handler finishes, for
    /// handlers whose follow-up events must reach the client after it.
    /// Only the first reply of an event is sent.
    pub fn reply<T: Serialize>(&self, result: Result<T, DomainError>) {
        self.send_ack(&ack_body(result));
    }

    /// Acknowledges a stored message with its encoding (see
    /// [`super::encoded`]), before the handler finishes, like [`Context::reply`].
    pub fn reply_message(&self, message: &EncodedMessage) {
        if let Some(id) = self.take_ack()
            && self
                .socket
                .send(Packet::ack(id, message.ack_body()))
                .is_err()
        {
            tracing::debug!("ack for a closed socket dropped");
        }
    }

    /// The event's ack id, if it is still to be answered (only once).
    fn take_ack(&self) -> Option<u64> {
        let id = self.ack?;
        (!self.answered.swap(true, Ordering::AcqRel)).then_some(id)
    }

    /// Sends `body` as the event's acknowledgement, unless one was sent.
    fn send_ack<T: Serialize>(&self, body: &T) {
        if let Some(id) = self.take_ack() {
            send_ack(&self.socket, id, body);
        }
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

/// A handler as the table keeps it: its result already turned into JSON.
type Boxed =
    Box<dyn Fn(Context, Value) -> BoxFuture<'static, Result<Value, DomainError>> + Send + Sync>;

/// Every event's handler, built once and shared by all sockets.
#[derive(Default)]
pub struct Handlers {
    by_event: HashMap<&'static str, Boxed>,
}

impl Handlers {
    /// Adds `handler` for `event`.
    pub fn on<F, Fut, T>(&mut self, event: &'static str, handler: F)
    where
        F: Fn(Context, Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, DomainError>> + Send + 'static,
        T: Serialize + Send + 'static,
    {
        let boxed: Boxed = Box::new(move |context, payload| {
            let running = handler(context, payload);
            Box::pin(async move {
                running.await.and_then(|fields| {
                    serde_json::to_value(fields).map_err(|_| DomainError::Internal)
                })
            })
        });
        self.by_event.insert(event, boxed);
    }

    /// Runs the event's handler in a task of its own and acks once;
    /// unknown events are answered `invalid` at once.
    pub fn dispatch(&self, app: &App, socket: &SocketRef, event: Event) {
        let Some(caller) = socket.data().cloned() else {
            return;
        };
        let Some((&name, handler)) = self.by_event.get_key_value(event.name.as_str()) else {
            if let Some(id) = event.ack {
                send_ack(
                    socket,
                    id,
                    &ack_body::<()>(Err(DomainError::invalid("unknown event"))),
                );
            }
            return;
        };
        let context = Context {
            app: app.clone(),
            caller,
            socket: socket.clone(),
            ack: event.ack,
            answered: Arc::new(AtomicBool::new(false)),
        };
        let running = payload_of(event.payload).map(|payload| handler(context.clone(), payload));
        tokio::spawn(async move {
            // Every event draws on the user's allowance first.
            let allowed = context.app.limits.event(&context.caller.id);
            let result = match (allowed, running) {
                (Err(limited), _) => Err(limited),
                (Ok(()), Ok(running)) => running.await,
                (Ok(()), Err(error)) => Err(error),
            };
            if let Err(DomainError::Internal) = &result {
                tracing::warn!(event = name, "event failed internally");
            }
            context.reply(result);
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

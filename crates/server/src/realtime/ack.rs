//! From a raw event to one acknowledgement.
//!
//! [`Payload`] reads the event's first argument as JSON itself (so bad JSON,
//! deep nesting or a missing argument become `invalid` instead of a handler
//! that silently never runs). [`Handlers`] holds every event's handler once
//! and runs them so that every event gets exactly one ack:
//! `{"ok":true,…}` or `{"ok":false,"error"}`, after drawing on the caller's
//! event allowance (`rate_limited` when spent).

use super::Caller;
use super::encoded::{EncodedMessage, MessageAck};
use crate::app::App;
use futures::future::BoxFuture;
use helpline_core::DomainError;
use serde::Serialize;
use serde_json::{Value, json};
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, Event, SocketRef};
use socketioxide::handler::FromMessageParts;
use socketioxide::socket::Socket;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// The first argument of an event, parsed, or why it could not be.
pub struct Payload(pub Result<Value, DomainError>);

impl<A: Adapter> FromMessageParts<A> for Payload {
    type Error = Infallible;

    fn from_message_parts(
        _: &Arc<Socket<A>>,
        value: &mut socketioxide_core::Value,
        _: &Option<i64>,
    ) -> Result<Self, Infallible> {
        let parsed = match value.as_str() {
            Some(raw) => match serde_json::from_str::<Vec<Value>>(raw.as_str()) {
                // [event, first argument, …]; no argument means an empty object.
                Ok(mut args) if args.len() >= 2 => Ok(args.swap_remove(1)),
                Ok(_) => Ok(Value::Object(Default::default())),
                Err(_) => Err(DomainError::invalid(
                    "payload is not valid JSON or is nested too deeply",
                )),
            },
            None => Err(DomainError::invalid("binary payloads are not accepted")),
        };
        Ok(Payload(parsed.map(|v| {
            if v.is_null() {
                Value::Object(Default::default())
            } else {
                v
            }
        })))
    }
}

/// What a handler gets besides its payload.
#[derive(Clone)]
pub struct Context {
    /// Shared services.
    pub app: App,
    /// Who sent the event.
    pub caller: Caller,
    /// The socket it came on.
    pub socket: SocketRef,
    ack: Arc<Mutex<Option<AckSender>>>,
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
        self.send_ack(&MessageAck::of(message));
    }

    /// Sends `body` as the event's acknowledgement, unless one was sent.
    fn send_ack<T: Serialize>(&self, body: &T) {
        let sender = self.ack.lock().ok().and_then(|mut slot| slot.take());
        if let Some(sender) = sender
            && let Err(error) = sender.send(body)
        {
            tracing::debug!(%error, "ack not delivered");
        }
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
///
/// A socket gets one message handler (socketioxide's fallback), which looks
/// the event up here, instead of a boxed handler per event: registering
/// each event on each socket cost every connection a map and a closure
/// (holding the app and the caller) per event.
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

    /// Gives `socket` its one message handler: parse, run the event's
    /// handler, ack once; unknown events are answered `invalid`.
    pub fn attach(self: &Arc<Self>, socket: &SocketRef, app: &App) {
        let (handlers, app) = (self.clone(), app.clone());
        socket.on_fallback(
            move |socket: SocketRef,
                  Event(event): Event,
                  Payload(payload): Payload,
                  ack: AckSender| {
                let caller = socket.extensions.get::<Caller>();
                let running = match (handlers.by_event.get_key_value(event.as_str()), caller) {
                    (Some((&name, handler)), Some(caller)) => {
                        let context = Context {
                            app: app.clone(),
                            caller,
                            socket,
                            ack: Arc::new(Mutex::new(Some(ack))),
                        };
                        let result = payload.map(|payload| handler(context.clone(), payload));
                        Ok((name, context, result))
                    }
                    _ => Err(ack),
                };
                async move {
                    match running {
                        Ok((name, context, result)) => {
                            // Every event draws on the user's allowance first.
                            let allowed = context.app.limits.event(&context.caller.id);
                            let result = match (allowed, result) {
                                (Err(limited), _) => Err(limited),
                                (Ok(()), Ok(running)) => running.await,
                                (Ok(()), Err(error)) => Err(error),
                            };
                            if let Err(DomainError::Internal) = &result {
                                tracing::warn!(event = name, "event failed internally");
                            }
                            context.reply(result);
                        }
                        Err(ack) => {
                            let body = ack_body::<()>(Err(DomainError::invalid("unknown event")));
                            if let Err(error) = ack.send(&body) {
                                tracing::debug!(%error, "ack not delivered");
                            }
                        }
                    }
                }
            },
        );
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

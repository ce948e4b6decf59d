//! The HTTP side of the transport: the Engine.IO handshake, long-polling
//! requests, and websocket upgrades, answered from one entry point that
//! the server routes `/socket.io/` to.

use crate::driver::Driver;
use crate::engine::{Application, Config, Shared, run_heartbeat};
use crate::polling::{self, Refusal};
use crate::session::{Session, Transport};
use crate::ws;
use bytes::Bytes;
use http::header::{
    CONNECTION, CONTENT_TYPE, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION,
    UPGRADE,
};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body::Body;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;

/// A Socket.IO server for one application.
pub struct Engine<A: Application> {
    shared: Arc<Shared<A>>,
}

impl<A: Application> Clone for Engine<A> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

/// The query of a Socket.IO request.
#[derive(Debug, Default, PartialEq, Eq)]
struct Query<'a> {
    eio: Option<&'a str>,
    transport: Option<&'a str>,
    sid: Option<&'a str>,
}

impl<'a> Query<'a> {
    fn parse(query: Option<&'a str>) -> Self {
        let mut parsed = Self::default();
        for pair in query.unwrap_or("").split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "EIO" => parsed.eio = Some(value),
                "transport" => parsed.transport = Some(value),
                "sid" => parsed.sid = Some(value),
                _ => {}
            }
        }
        parsed
    }
}

/// An Engine.IO error answer: `{"code","message"}` with status 400.
fn refused(code: u8, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "code": code, "message": message }).to_string();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = StatusCode::BAD_REQUEST;
    response.headers_mut().insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// A plain-text answer (what polling returns).
fn text(body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    response.headers_mut().insert(
        CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    response
}

impl<A: Application> Engine<A> {
    /// An engine for `app`; its heartbeat runs on the current runtime.
    pub fn new(app: A, config: Config) -> Self {
        let tick =
            (config.ping_interval / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
        let shared = Shared::new(app, config);
        tokio::spawn(run_heartbeat(Arc::downgrade(&shared), tick));
        Self { shared }
    }

    /// The application.
    pub fn app(&self) -> &A {
        &self.shared.app
    }

    /// Answers a request for `/socket.io/`.
    pub async fn handle<B>(&self, mut request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let query_text = request.uri().query().map(str::to_owned);
        let query = Query::parse(query_text.as_deref());
        if query.eio != Some("4") {
            return refused(5, "Unsupported protocol version");
        }
        let sid = query.sid.filter(|s| !s.is_empty());
        match (query.transport, request.method().clone()) {
            (Some("websocket"), Method::GET) => self.upgrade(&mut request, sid),
            (Some("polling"), Method::GET) => match sid {
                None => self.open_polling(),
                Some(sid) => self.poll(sid).await,
            },
            (Some("polling"), Method::POST) => match sid {
                Some(sid) => self.post(sid, request.into_body()).await,
                None => refused(1, "Session ID unknown"),
            },
            (Some("polling" | "websocket"), _) => refused(2, "Bad handshake method"),
            _ => refused(0, "Transport unknown"),
        }
    }

    /// Closes every session (their clients are told) and waits until all
    /// have ended, at most `within`.
    pub async fn shutdown(&self, within: Duration) {
        self.shared.shutdown(within).await;
    }

    fn session(&self, sid: &str) -> Option<Arc<Session<A::Data>>> {
        self.shared.session(sid)
    }

    fn open_polling(&self) -> Response<Full<Bytes>> {
        let Some((_, open)) = self.shared.open_session(Transport::Polling) else {
            return refused(3, "Server is shutting down");
        };
        // The OPEN packet is the handshake's answer, not queued output.
        let mut body = open.head().to_vec();
        body.extend_from_slice(open.body());
        text(body)
    }

    async fn poll(&self, sid: &str) -> Response<Full<Bytes>> {
        let Some(session) = self.session(sid) else {
            return refused(1, "Session ID unknown");
        };
        match polling::poll(&self.shared, session).await {
            Ok(body) => text(body),
            Err(refusal) => polling_refusal(&refusal),
        }
    }

    async fn post<B>(&self, sid: &str, body: B) -> Response<Full<Bytes>>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let Some(session) = self.session(sid) else {
            return refused(1, "Session ID unknown");
        };
        let limit = self.shared.config.max_payload;
        let bytes = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                let mut response = refused(3, "Payload too large or unreadable");
                *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
                return response;
            }
        };
        match polling::post(&self.shared, &session, &bytes) {
            Ok(()) => text("ok"),
            Err(refusal) => polling_refusal(&refusal),
        }
    }

    /// A websocket upgrade: a new session, or the upgrade of a polling one.
    fn upgrade<B>(&self, request: &mut Request<B>, sid: Option<&str>) -> Response<Full<Bytes>> {
        let Some(accept) = websocket_accept(request.headers()) else {
            return refused(3, "Bad request");
        };
        let (session, probing) = match sid {
            Some(sid) => match self.session(sid) {
                Some(session) if session.state().transport == Transport::Polling => (session, true),
                Some(_) => return refused(3, "Bad request"),
                None => return refused(1, "Session ID unknown"),
            },
            None => match self.shared.open_session(Transport::Websocket) {
                // The OPEN packet is the first frame the driver writes.
                Some((session, open)) => match session.push(open) {
                    Ok(()) => (session, false),
                    Err(_) => return refused(3, "Server is shutting down"),
                },
                None => return refused(3, "Server is shutting down"),
            },
        };
        let upgrade = hyper::upgrade::on(request);
        let shared = self.shared.clone();
        tokio::spawn(async move {
            match upgrade.await {
                Ok(upgraded) => {
                    Driver::new(shared, session, TokioIo::new(upgraded), probing).await;
                }
                Err(error) => {
                    tracing::debug!(%error, "websocket upgrade failed");
                    if !probing {
                        shared.end_session(&session, crate::DisconnectReason::TransportError);
                    }
                }
            }
        });
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(UPGRADE, http::HeaderValue::from_static("websocket"));
        headers.insert(CONNECTION, http::HeaderValue::from_static("Upgrade"));
        if let Ok(value) = http::HeaderValue::from_str(&accept) {
            headers.insert(SEC_WEBSOCKET_ACCEPT, value);
        }
        response
    }
}

/// The answer to a refused poll or post.
fn polling_refusal(refusal: &Refusal) -> Response<Full<Bytes>> {
    match refusal {
        Refusal::SecondPoll => refused(3, "Bad request: a poll is already waiting"),
        Refusal::TransportMismatch => refused(3, "Bad request: the session upgraded"),
        Refusal::BadPayload => refused(3, "Bad request: malformed payload"),
    }
}

/// The `Sec-WebSocket-Accept` value for a valid upgrade request.
fn websocket_accept(headers: &HeaderMap) -> Option<String> {
    let has_token = |name, token: &str| {
        headers.get_all(name).iter().any(|value| {
            value.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|part| part.trim().eq_ignore_ascii_case(token))
            })
        })
    };
    if !has_token(UPGRADE, "websocket") || !has_token(CONNECTION, "upgrade") {
        return None;
    }
    if headers.get(SEC_WEBSOCKET_VERSION).map(|v| v.as_bytes()) != Some(b"13") {
        return None;
    }
    let key = headers.get(SEC_WEBSOCKET_KEY)?;
    Some(ws::accept_key(key.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries() {
        assert_eq!(
            Query::parse(Some("EIO=4&transport=polling&t=x&sid=abc")),
            Query {
                eio: Some("4"),
                transport: Some("polling"),
                sid: Some("abc")
            }
        );
        assert_eq!(Query::parse(None), Query::default());
    }
}

//! HTTP long-polling: a GET waits until something is queued for the
//! client and returns all of it; a POST carries the client's packets.
//!
//! A session has at most one GET waiting; a second one breaks the
//! protocol and closes the session. While a websocket probes to take the
//! session over, a GET answers NOOP at once, so the client's last poll
//! ends and the upgrade can complete.

use crate::engine::{Application, Shared};
use crate::packet::{Packet, RECORD_SEPARATOR};
use crate::session::{DisconnectReason, Session, Transport};
use base64::Engine as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Why a poll or post was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A GET while another waits (the session is closed).
    SecondPoll,
    /// The session is carried by a websocket now.
    TransportMismatch,
    /// The body is not a valid payload.
    BadPayload,
}

/// Waits for packets for `session` and encodes them as one body.
pub(crate) async fn poll<A: Application>(
    shared: &Arc<Shared<A>>,
    session: Arc<Session<A::Data>>,
) -> Result<Vec<u8>, Refusal> {
    {
        let mut state = session.state();
        if state.transport == Transport::Websocket {
            return Err(Refusal::TransportMismatch);
        }
        if state.polled {
            drop(state);
            session.close(DisconnectReason::TransportError);
            return Err(Refusal::SecondPoll);
        }
        state.polled = true;
    }
    Ok(Waiting {
        shared: shared.clone(),
        session,
    }
    .await)
}

/// A GET waiting on its session; releases the session when dropped (the
/// client may go away first).
struct Waiting<A: Application> {
    shared: Arc<Shared<A>>,
    session: Arc<Session<A::Data>>,
}

impl<A: Application> Future for Waiting<A> {
    type Output = Vec<u8>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Vec<u8>> {
        let mut state = self.session.state();
        if state.transport != Transport::Polling {
            return Poll::Ready(join(&[Packet::noop()]));
        }
        if let Some(reason) = state.closing {
            let mut packets: Vec<Packet> = state.queue.drain(..).collect();
            packets.push(Packet::close());
            drop(state);
            self.shared.end_session(&self.session, reason);
            return Poll::Ready(join(&packets));
        }
        if !state.queue.is_empty() {
            let packets: Vec<Packet> = state.queue.drain(..).collect();
            state.queued_bytes = 0;
            return Poll::Ready(join(&packets));
        }
        if !state
            .waker
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            state.waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<A: Application> Drop for Waiting<A> {
    fn drop(&mut self) {
        let mut state = self.session.state();
        state.polled = false;
        if state.transport == Transport::Polling {
            state.waker = None;
        }
    }
}

/// Packets as one polling body: each head and body, separated by `\x1e`.
fn join(packets: &[Packet]) -> Vec<u8> {
    let size = packets.iter().map(|p| p.len() + 1).sum();
    let mut body = Vec::with_capacity(size);
    for (index, packet) in packets.iter().enumerate() {
        if index > 0 {
            body.push(RECORD_SEPARATOR);
        }
        body.extend_from_slice(packet.head());
        body.extend_from_slice(packet.body());
    }
    body
}

/// Handles a POST's packets, in order.
pub(crate) fn post<A: Application>(
    shared: &Arc<Shared<A>>,
    session: &Arc<Session<A::Data>>,
    body: &[u8],
) -> Result<(), Refusal> {
    if session.state().transport == Transport::Websocket {
        return Err(Refusal::TransportMismatch);
    }
    let text = std::str::from_utf8(body).map_err(|_| Refusal::BadPayload)?;
    if text.is_empty() {
        return Err(Refusal::BadPayload);
    }
    for packet in text.split(char::from(RECORD_SEPARATOR)) {
        match packet.strip_prefix('b') {
            // A binary attachment, base64-encoded; only counted.
            Some(encoded) => {
                base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .map_err(|_| Refusal::BadPayload)?;
                shared.receive_binary(session);
            }
            None => shared.receive_text(session, packet),
        }
    }
    Ok(())
}

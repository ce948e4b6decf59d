//! WebRTC signaling: `webrtc:offer`, `webrtc:answer` and `webrtc:ice`,
//! relayed unchanged (under the same event name) between exactly two
//! sockets: the caller's device and the accepting device, and only while
//! the call is `active`. Both socket ids are stored with the call (the
//! caller's at `call:invite`, or bound by its first signal for a call
//! started by a help request; the callee's by the winning `call:accept`),
//! so every process decides the same way. Everyone else gets `forbidden`
//! and nothing is relayed. Renegotiation is just more of the same events.

use super::ack::{Ack, Context, Handlers, Replied};
use super::outbound::ServerEvent;
use helpline_core::call::{CallStatus, Side};
use helpline_core::inbound::{WebrtcAnswer, WebrtcIce, WebrtcOffer};
use helpline_core::{CallId, DomainError};

/// Registers this group's handlers on a new socket.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(|ctx, WebrtcOffer(offer), ack| {
        let event = ServerEvent::WebrtcOffer {
            call_id: offer.call_id.clone(),
            sdp: offer.sdp,
        };
        relay(ctx, offer.call_id, event, ack)
    });
    handlers.on(|ctx, WebrtcAnswer(answer), ack| {
        let event = ServerEvent::WebrtcAnswer {
            call_id: answer.call_id.clone(),
            sdp: answer.sdp,
        };
        relay(ctx, answer.call_id, event, ack)
    });
    handlers.on(|ctx, WebrtcIce(ice), ack| {
        let event = ServerEvent::WebrtcIce {
            call_id: ice.call_id.clone(),
            candidate: ice.candidate,
        };
        relay(ctx, ice.call_id, event, ack)
    });
}

/// Sends `event` to the other device of call `id`, if the sender may.
async fn relay(
    ctx: Context,
    id: CallId,
    event: ServerEvent,
    ack: Ack<()>,
) -> Result<Replied, DomainError> {
    let target = peer_device(&ctx, &id).await?;
    ctx.app.fanout.to_sid(&target, &event).await;
    Ok(ack.send(()))
}

const NOT_YOURS: DomainError = DomainError::Forbidden("this device is not in that call");

/// The socket to relay to, if the sender is one of the call's two devices
/// and the call is active; `forbidden` otherwise.
async fn peer_device(ctx: &Context, id: &CallId) -> Result<String, DomainError> {
    let store = &ctx.app.store;
    let call = store.call(id).await?.ok_or(NOT_YOURS)?;
    let side = call.side_of(&ctx.caller.id).ok_or(NOT_YOURS)?;
    if call.status != CallStatus::Active {
        return Err(DomainError::Forbidden("the call is not active"));
    }
    let me = ctx.socket.id().to_owned();
    match side {
        Side::Caller => {
            let mine = match &call.caller_device {
                Some(device) => *device == me,
                // A call from a help request: the seeker's first signaling
                // device becomes the caller's device, once.
                None => store.bind_caller_device(id, &me).await?,
            };
            if !mine {
                return Err(NOT_YOURS);
            }
            call.answered_device.ok_or(NOT_YOURS)
        }
        Side::Callee => {
            if call.answered_device.as_deref() != Some(me.as_str()) {
                return Err(NOT_YOURS);
            }
            call.caller_device.ok_or(DomainError::Forbidden(
                "the caller's device has not signaled yet",
            ))
        }
    }
}

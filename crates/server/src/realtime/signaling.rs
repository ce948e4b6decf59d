//! WebRTC signaling: `webrtc:offer`, `webrtc:answer` and `webrtc:ice`,
//! relayed unchanged (under the same event name) between exactly two
//! sockets: the caller's device and the accepting device, and only while
//! the call is `active`. Both socket ids are stored with the call (the
//! caller's at `call:invite`, or bound by its first signal for a call
//! started by a help request; the callee's by the winning `call:accept`),
//! so every process decides the same way. Everyone else gets `forbidden`
//! and nothing is relayed. Renegotiation is just more of the same events.

use super::ack::{Context, Handlers};
use super::outbound::ServerEvent;
use super::{caller_checked, events};
use helpline_core::call::{CallStatus, IceCandidate, SessionDescription, Side};
use helpline_core::{CallId, DomainError};
use serde_json::{Value, json};

/// Fields that name the caller in signaling payloads.
const SIGNAL_SELF: &[&str] = &["userId"];

/// Registers this group's handlers on a new socket.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(events::WEBRTC_OFFER, |ctx, payload| {
        description(ctx, payload, true)
    });
    handlers.on(events::WEBRTC_ANSWER, |ctx, payload| {
        description(ctx, payload, false)
    });
    handlers.on(events::WEBRTC_ICE, ice);
}

async fn description(ctx: Context, payload: Value, offer: bool) -> Result<Value, DomainError> {
    let parsed = SessionDescription::parse(&caller_checked(&ctx.caller, &payload, SIGNAL_SELF)?)?;
    let target = peer_device(&ctx, &parsed.call_id).await?;
    let event = if offer {
        ServerEvent::WebrtcOffer {
            call_id: parsed.call_id,
            sdp: parsed.sdp,
        }
    } else {
        ServerEvent::WebrtcAnswer {
            call_id: parsed.call_id,
            sdp: parsed.sdp,
        }
    };
    ctx.app.fanout.to_sid(&target, &event).await;
    Ok(json!({}))
}

async fn ice(ctx: Context, payload: Value) -> Result<Value, DomainError> {
    let parsed = IceCandidate::parse(&caller_checked(&ctx.caller, &payload, SIGNAL_SELF)?)?;
    let target = peer_device(&ctx, &parsed.call_id).await?;
    let event = ServerEvent::WebrtcIce {
        call_id: parsed.call_id,
        candidate: parsed.candidate,
    };
    ctx.app.fanout.to_sid(&target, &event).await;
    Ok(json!({}))
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

//! Call lifecycle events: `call:invite`, `call:accept`, `call:reject`,
//! `call:cancel`, `call:hangup` and `call:stats`. The decisions are the
//! core state machine's, applied by the store as conditional updates
//! ([`crate::calls::lifecycle`]); this file parses, checks who may, acks,
//! and says who is told what. Glare (both inviting each other in one
//! conversation) keeps the invite of the lower user id, answered at once
//! by the other inviter's device.

use super::ack::{Ack, Context, Handlers, Replied};
use super::outbound::ServerEvent;
use crate::calls::lifecycle::{Applied, apply, ringing_end, side_in};
use crate::calls::{announce_accepted, finished};
use crate::push::notices;
use helpline_core::call::{Call, CallEvent, NewCall, Side};
use helpline_core::conversation::ConversationStatus;
use helpline_core::inbound::{
    CallAccept, CallCancel, CallHangup, CallInvite, CallReject, CallReply, CallResume,
    CallStatsReport,
};
use helpline_core::permissions::{
    ConversationAction, ConversationFacts, blocked_pair, check_conversation_action,
};
use helpline_core::{CallId, DomainError};
use helpline_store::CallPlaced;
use std::time::Duration;

/// How many times placing a call is retried when glare moves under it.
const PLACE_ATTEMPTS: usize = 3;

/// Registers this group's handlers on a new socket.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(call_invite);
    handlers.on(call_accept);
    handlers.on(|ctx, event: CallReject, ack| call_end(ctx, event.call_id, ack, CallEvent::Reject));
    handlers.on(|ctx, event: CallCancel, ack| call_end(ctx, event.call_id, ack, CallEvent::Cancel));
    handlers.on(|ctx, event: CallHangup, ack| call_end(ctx, event.call_id, ack, CallEvent::Hangup));
    handlers.on(call_stats);
    handlers.on(call_resume);
}

async fn call_invite(
    ctx: Context,
    invite: CallInvite,
    ack: Ack<CallReply>,
) -> Result<Replied, DomainError> {
    let app = &ctx.app;
    let conversation = app
        .store
        .conversation(&invite.conversation_id)
        .await?
        .ok_or(DomainError::NotFound("no such conversation"))?;
    let participants = app
        .participants
        .of(app.store.as_ref(), &invite.conversation_id)
        .await?;
    let facts = ConversationFacts {
        participants: &participants,
        active: conversation.status == ConversationStatus::Active,
    };
    check_conversation_action(ConversationAction::Send, &ctx.caller.id, facts, None)?;
    let others: Vec<_> = participants
        .iter()
        .filter(|p| **p != ctx.caller.id)
        .cloned()
        .collect();
    let [callee] = others.as_slice() else {
        return Err(DomainError::invalid(
            "calls need a conversation of two people",
        ));
    };
    // A block stops calls both ways: the blocker cannot ring the person
    // they blocked either.
    if app.store.blocked_either_way(&ctx.caller.id, callee).await? {
        return Err(blocked_pair());
    }
    let me = ctx.socket.id().to_owned();
    let now = app.clock.now();
    let mut new = NewCall {
        id: CallId::generate(),
        conversation_id: invite.conversation_id.clone(),
        caller_id: ctx.caller.id.clone(),
        callee_id: callee.clone(),
        media: invite.media,
        caller_device: Some(me.clone()),
        created_at: now,
        rings_until: now.plus(Duration::from_secs(app.settings.calls.ring_timeout_secs)),
        answered_device: None,
    };
    let busy = ringing_end(CallEvent::Busy, new.rings_until, now)?;
    for _ in 0..PLACE_ATTEMPTS {
        match app.store.create_call(&new, &busy).await? {
            CallPlaced::Placed(call) => return Ok(placed(&ctx, call, ack).await),
            CallPlaced::Busy(call) => {
                let replied = ack.send(CallReply { call: call.clone() });
                finished(app, &call).await;
                return Ok(replied);
            }
            CallPlaced::Conflict(_) => {
                return Err(DomainError::Conflict("a call is already in progress"));
            }
            CallPlaced::Glare(theirs) if theirs.caller_id < ctx.caller.id => {
                // Their invite wins: this device answers it.
                if let Ok(Applied::Answered(call)) =
                    apply(app, &theirs.id, CallEvent::Accept(Side::Callee), Some(&me)).await
                {
                    let replied = ack.send(CallReply { call: call.clone() });
                    announce_accepted(app, &call).await;
                    return Ok(replied);
                }
            }
            CallPlaced::Glare(theirs) => {
                // This invite wins: theirs ends, and theirs' inviting device
                // answers this one.
                if let Ok(Applied::Ended(ended)) =
                    apply(app, &theirs.id, CallEvent::Glare, None).await
                {
                    finished(app, &ended).await;
                    new.answered_device = theirs.caller_device.clone();
                }
            }
        }
    }
    Err(DomainError::Conflict(
        "the call changed meanwhile, try again",
    ))
}

/// A stored call: ringing (the callee's devices ring), or already answered
/// after glare.
async fn placed(ctx: &Context, call: Call, ack: Ack<CallReply>) -> Replied {
    let replied = ack.send(CallReply { call: call.clone() });
    if call.answered_at.is_some() {
        announce_accepted(&ctx.app, &call).await;
    } else {
        let incoming = ServerEvent::CallIncoming {
            call_id: call.id.clone(),
            conversation_id: call.conversation_id.clone(),
            caller_id: call.caller_id.clone(),
            media: call.media,
        };
        ctx.app.fanout.to_user(&call.callee_id, &incoming).await;
        notices::call_ringing(&ctx.app, &call, &ctx.caller.display_name).await;
    }
    replied
}

/// The caller's side in call `id`.
async fn own_side(ctx: &Context, id: &CallId) -> Result<Side, DomainError> {
    let call = ctx
        .app
        .store
        .call(id)
        .await?
        .ok_or(DomainError::NotFound("no such call"))?;
    side_in(&call, &ctx.caller.id)
}

async fn call_accept(
    ctx: Context,
    CallAccept { call_id: id }: CallAccept,
    ack: Ack<CallReply>,
) -> Result<Replied, DomainError> {
    let side = own_side(&ctx, &id).await?;
    let me = ctx.socket.id().to_owned();
    Ok(
        match apply(&ctx.app, &id, CallEvent::Accept(side), Some(&me)).await? {
            Applied::Answered(call) => {
                let replied = ack.send(CallReply { call: call.clone() });
                announce_accepted(&ctx.app, &call).await;
                replied
            }
            Applied::Ended(call) => {
                let replied = ack.send(CallReply { call: call.clone() });
                finished(&ctx.app, &call).await;
                replied
            }
        },
    )
}

/// `call:reject`, `call:cancel`, `call:hangup`: the machine checks side and state.
async fn call_end(
    ctx: Context,
    id: CallId,
    ack: Ack<CallReply>,
    event: fn(Side) -> CallEvent,
) -> Result<Replied, DomainError> {
    let side = own_side(&ctx, &id).await?;
    Ok(match apply(&ctx.app, &id, event(side), None).await? {
        Applied::Ended(call) => {
            let replied = ack.send(CallReply { call: call.clone() });
            finished(&ctx.app, &call).await;
            replied
        }
        Applied::Answered(call) => ack.send(CallReply { call }),
    })
}

async fn call_stats(
    ctx: Context,
    CallStatsReport { call_id: id, stats }: CallStatsReport,
    ack: Ack<CallReply>,
) -> Result<Replied, DomainError> {
    let store = &ctx.app.store;
    let call = store
        .call(&id)
        .await?
        .ok_or(DomainError::NotFound("no such call"))?;
    let side = side_in(&call, &ctx.caller.id)?;
    if call.answered_at.is_none() {
        return Err(DomainError::Conflict("the call was never answered"));
    }
    let stored = store
        .set_call_stats(&id, side, &stats)
        .await?
        .ok_or(DomainError::Conflict("this side already reported"))?;
    Ok(ack.send(CallReply { call: stored }))
}

/// A participant's device takes the call back after reconnecting: its side's
/// signaling moves to this socket (the caller's while ringing or active,
/// the callee's once active); the other device hears `call:resumed` (and
/// expects a fresh offer unless `renegotiate` is false), and the device of
/// the same side it replaces, if still connected, hears `call:moved`.
async fn call_resume(
    ctx: Context,
    CallResume {
        call_id: id,
        renegotiate,
    }: CallResume,
    ack: Ack<CallReply>,
) -> Result<Replied, DomainError> {
    let before = ctx
        .app
        .store
        .call(&id)
        .await?
        .ok_or(DomainError::NotFound("no such call"))?;
    let side = side_in(&before, &ctx.caller.id)?;
    let me = ctx.socket.id().to_owned();
    let call = ctx
        .app
        .store
        .move_device(&id, side, &me)
        .await?
        .ok_or(DomainError::Conflict("the call cannot be resumed now"))?;
    let (replaced, other) = match side {
        Side::Caller => (before.caller_device, call.answered_device.clone()),
        Side::Callee => (before.answered_device, call.caller_device.clone()),
    };
    let replied = ack.send(CallReply { call: call.clone() });
    if let Some(other) = other {
        let resumed = ServerEvent::CallResumed {
            call_id: call.id.clone(),
            user_id: ctx.caller.id.clone(),
            renegotiate,
        };
        ctx.app.fanout.to_sid(&other, &resumed).await;
    }
    if let Some(replaced) = replaced.filter(|device| *device != me) {
        let moved = ServerEvent::CallMoved { call_id: call.id };
        ctx.app.fanout.to_sid(&replaced, &moved).await;
    }
    Ok(replied)
}

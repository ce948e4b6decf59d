//! Call lifecycle events: `call:invite`, `call:accept`, `call:reject`,
//! `call:cancel`, `call:hangup` and `call:stats`. The decisions are the
//! core state machine's, applied by the store as conditional updates
//! ([`crate::calls::lifecycle`]); this file parses, checks who may, acks,
//! and says who is told what. Glare (both inviting each other in one
//! conversation) keeps the invite of the lower user id, answered at once
//! by the other inviter's device.

use super::ack::{Context, Handlers};
use super::outbound::ServerEvent;
use super::{caller_checked, events};
use crate::calls::lifecycle::{Applied, apply, ringing_end, side_in};
use crate::calls::{announce_accepted, finished};
use helpline_core::call::{Call, CallEvent, CallInvite, CallStats, NewCall, Side, parse_call_id};
use helpline_core::conversation::ConversationStatus;
use helpline_core::permissions::{
    ConversationAction, ConversationFacts, blocked_pair, check_conversation_action,
};
use helpline_core::{CallId, DomainError};
use helpline_store::CallPlaced;
use serde_json::{Value, json};
use std::time::Duration;

/// Fields that name the caller in call payloads.
const CALL_SELF: &[&str] = &["userId"];

/// How many times placing a call is retried when glare moves under it.
const PLACE_ATTEMPTS: usize = 3;

/// Registers this group's handlers on a new socket.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(events::CALL_INVITE, call_invite);
    handlers.on(events::CALL_ACCEPT, call_accept);
    handlers.on(events::CALL_REJECT, |ctx, payload| {
        call_end(ctx, payload, CallEvent::Reject)
    });
    handlers.on(events::CALL_CANCEL, |ctx, payload| {
        call_end(ctx, payload, CallEvent::Cancel)
    });
    handlers.on(events::CALL_HANGUP, |ctx, payload| {
        call_end(ctx, payload, CallEvent::Hangup)
    });
    handlers.on(events::CALL_STATS, call_stats);
}

async fn call_invite(ctx: Context, payload: Value) -> Result<Value, DomainError> {
    let invite = CallInvite::parse(&caller_checked(&ctx.caller, &payload, CALL_SELF)?)?;
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
            CallPlaced::Placed(call) => return placed(&ctx, call).await,
            CallPlaced::Busy(call) => {
                ctx.reply(Ok(json!({ "call": call })));
                finished(app, &call).await;
                return Ok(Value::Null);
            }
            CallPlaced::Conflict(_) => {
                return Err(DomainError::Conflict("a call is already in progress"));
            }
            CallPlaced::Glare(theirs) if theirs.caller_id < ctx.caller.id => {
                // Their invite wins: this device answers it.
                if let Ok(Applied::Answered(call)) =
                    apply(app, &theirs.id, CallEvent::Accept(Side::Callee), Some(&me)).await
                {
                    ctx.reply(Ok(json!({ "call": call })));
                    announce_accepted(app, &call).await;
                    return Ok(Value::Null);
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
async fn placed(ctx: &Context, call: Call) -> Result<Value, DomainError> {
    ctx.reply(Ok(json!({ "call": call })));
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
    }
    Ok(Value::Null)
}

/// The call named in the payload and the caller's side in it.
async fn own_call(ctx: &Context, payload: &Value) -> Result<(CallId, Side), DomainError> {
    let id = parse_call_id(&caller_checked(&ctx.caller, payload, CALL_SELF)?)?;
    let call = ctx
        .app
        .store
        .call(&id)
        .await?
        .ok_or(DomainError::NotFound("no such call"))?;
    Ok((id, side_in(&call, &ctx.caller.id)?))
}

async fn call_accept(ctx: Context, payload: Value) -> Result<Value, DomainError> {
    let (id, side) = own_call(&ctx, &payload).await?;
    let me = ctx.socket.id().to_owned();
    match apply(&ctx.app, &id, CallEvent::Accept(side), Some(&me)).await? {
        Applied::Answered(call) => {
            ctx.reply(Ok(json!({ "call": call })));
            announce_accepted(&ctx.app, &call).await;
        }
        Applied::Ended(call) => {
            ctx.reply(Ok(json!({ "call": call })));
            finished(&ctx.app, &call).await;
        }
    }
    Ok(Value::Null)
}

/// `call:reject`, `call:cancel`, `call:hangup`: the machine checks side and state.
async fn call_end(
    ctx: Context,
    payload: Value,
    event: fn(Side) -> CallEvent,
) -> Result<Value, DomainError> {
    let (id, side) = own_call(&ctx, &payload).await?;
    match apply(&ctx.app, &id, event(side), None).await? {
        Applied::Ended(call) => {
            ctx.reply(Ok(json!({ "call": call })));
            finished(&ctx.app, &call).await;
        }
        Applied::Answered(call) => ctx.reply(Ok(json!({ "call": call }))),
    }
    Ok(Value::Null)
}

async fn call_stats(ctx: Context, payload: Value) -> Result<Value, DomainError> {
    let (id, stats) = CallStats::parse(&caller_checked(&ctx.caller, &payload, CALL_SELF)?)?;
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
    Ok(json!({ "call": stored }))
}

//! One call transition, end to end: read the call, ask the core state
//! machine ([`helpline_core::call::transition`]) what the event does, and
//! have the store apply it as a conditional update on the status just read.
//! A lost race re-reads and asks again, so the decision is always the
//! machine's and each call leaves `ringing` once and ends once. Then the
//! people are told: `call:accepted` / `call:answered_elsewhere` for an
//! answer; `call:ended` to every device of both people and a `system`
//! message in the conversation for an end.

use crate::app::App;
use crate::push::notices;
use crate::realtime::outbound::ServerEvent;
use helpline_core::call::CallStatus;
use helpline_core::call::{Call, CallEvent, Phase, Side, Step, describe_call, transition};
use helpline_core::message::{Message, MessageDraft, MessageType, NewMessage};
use helpline_core::request::{HelpRequest, RequestType};
use helpline_core::{CallId, DomainError, MessageId};
use helpline_store::{AppendRefusal, CallPlaced};

/// How many times a transition is retried after losing a race.
const ATTEMPTS: usize = 4;

/// What applying an event did.
#[derive(Debug, Clone)]
pub enum Applied {
    /// The call was answered (by the given device).
    Answered(Call),
    /// The call ended now.
    Ended(Call),
}

/// Applies `event` to call `id`. `device` is the accepting socket, for
/// `Accept`. Refusals come from the state machine (`forbidden` for the
/// wrong side, `conflict` for the wrong state); an unknown call is
/// `not_found`.
pub async fn apply(
    app: &App,
    id: &CallId,
    event: CallEvent,
    device: Option<&str>,
) -> Result<Applied, DomainError> {
    for _ in 0..ATTEMPTS {
        let call = app
            .store
            .call(id)
            .await?
            .ok_or(DomainError::NotFound("no such call"))?;
        let now = app.clock.now();
        match transition(call.phase(), event, now)? {
            Step::Answer { answered_at } => {
                let device = device.unwrap_or_default();
                if let Some(answered) = app.store.accept_call(id, device, answered_at).await? {
                    return Ok(Applied::Answered(answered));
                }
            }
            Step::End(end) => {
                if let Some(ended) = app.store.finish_call(id, call.status, &end).await? {
                    tracing::info!(call = %id, status = ended.status.as_str(), "call ended");
                    return Ok(Applied::Ended(ended));
                }
            }
        }
    }
    Err(DomainError::Conflict(
        "the call changed meanwhile, try again",
    ))
}

/// Writes the finished call's system message into its conversation (once:
/// its `clientMessageId` is `call:{id}`). `None` when the conversation has
/// ended or the write failed (logged).
pub async fn record_end(app: &App, call: &Call) -> Option<Message> {
    let note = NewMessage {
        id: MessageId::generate(),
        sender_id: call.caller_id.clone(),
        draft: MessageDraft {
            conversation_id: call.conversation_id.clone(),
            content: describe_call(call.media, call.status, call.reason, call.duration_secs),
            message_type: MessageType::System,
            client_message_id: format!("call:{}", call.id),
            reply_to_id: None,
            expires_in_secs: None,
            attachment_id: None,
        },
        created_at: app.clock.now(),
        flags: Vec::new(),
    };
    match app.store.append_message(&note).await {
        Ok(Ok(appended)) if appended.created => Some(appended.message),
        Ok(Ok(_)) => None,
        Ok(Err(AppendRefusal::Ended)) => {
            tracing::debug!(call = %call.id, "conversation ended before the call's notice");
            None
        }
        Ok(Err(refusal)) => {
            tracing::warn!(call = %call.id, ?refusal, "call notice refused");
            None
        }
        Err(error) => {
            tracing::error!(call = %call.id, %error, "storing the call notice failed");
            None
        }
    }
}

/// Tells every device of both people that the call ended, then the
/// conversation its notice.
pub async fn announce_end(app: &App, call: &Call, notice: Option<Message>) {
    // A drop between a seeker and a volunteer starts a welfare check.
    crate::welfare::call_ended(app, call).await;
    let ended = ServerEvent::CallEnded {
        call_id: call.id.clone(),
        status: call.status,
        reason: call.reason,
        duration_secs: call.duration_secs,
    };
    app.fanout
        .to_users(&[call.caller_id.clone(), call.callee_id.clone()], &ended)
        .await;
    if let Some(message) = &notice {
        app.fanout.system_message(message).await;
    }
    let missed_pushed = notices::call_settled(app, call).await;
    // A missed call is the one system message worth a notice; a callee
    // already told "missed call" is not told twice.
    if notice.is_some() && call.status == CallStatus::Missed && !missed_pushed {
        let callee = std::slice::from_ref(&call.callee_id);
        notices::message(app, &call.conversation_id, &call.caller_id, callee).await;
    }
}

/// [`record_end`] then [`announce_end`].
pub async fn finished(app: &App, call: &Call) {
    let notice = record_end(app, call).await;
    announce_end(app, call, notice).await;
}

/// Tells the caller's devices and the accepting device that the call was
/// answered, and the callee's other devices to stop ringing.
pub async fn announce_accepted(app: &App, call: &Call) {
    // A ringing notice on the callee's other devices goes.
    notices::call_settled(app, call).await;
    let accepted = ServerEvent::CallAccepted {
        call_id: call.id.clone(),
        accepted_by: call.callee_id.clone(),
        call: Box::new(call.clone()),
    };
    app.fanout.to_user(&call.caller_id, &accepted).await;
    let elsewhere = ServerEvent::CallAnsweredElsewhere {
        call_id: call.id.clone(),
    };
    match &call.answered_device {
        Some(device) => {
            app.fanout.to_sid(device, &accepted).await;
            app.fanout
                .to_user_except(&call.callee_id, device, &elsewhere)
                .await;
        }
        None => app.fanout.to_user(&call.callee_id, &elsewhere).await,
    }
}

/// Ends the conversation's live call because the conversation is ending,
/// and writes its notice while the conversation still takes messages. The
/// caller announces it (after its own ack) with [`announce_end`].
pub async fn end_for_conversation(
    app: &App,
    conversation: &helpline_core::ConversationId,
) -> Result<Option<(Call, Option<Message>)>, DomainError> {
    let Some(live) = app.store.live_call_in(conversation).await? else {
        return Ok(None);
    };
    match apply(app, &live.id, CallEvent::ConversationEnded, None).await {
        Ok(Applied::Ended(call)) => {
            let notice = record_end(app, &call).await;
            Ok(Some((call, notice)))
        }
        // Someone else ended it a moment before; they announce it.
        Ok(Applied::Answered(_)) | Err(DomainError::Conflict(_)) => Ok(None),
        Err(error) => Err(error),
    }
}

/// For an accepted `voice`/`video` request: the call in its new
/// conversation, already answered by the volunteer's accepting socket
/// (the seeker is the caller and makes the offer). `None` for chat.
pub async fn start_for_request(
    app: &App,
    request: &HelpRequest,
    volunteer_device: &str,
) -> Result<Option<CallId>, DomainError> {
    let media = match request.request_type {
        RequestType::Chat => return Ok(None),
        RequestType::Voice => helpline_core::call::Media::Voice,
        RequestType::Video => helpline_core::call::Media::Video,
    };
    let (Some(conversation_id), Some(volunteer)) =
        (&request.conversation_id, &request.volunteer_id)
    else {
        return Ok(None);
    };
    let now = app.clock.now();
    let new = helpline_core::call::NewCall {
        id: CallId::generate(),
        conversation_id: conversation_id.clone(),
        caller_id: request.senior_id.clone(),
        callee_id: volunteer.clone(),
        media,
        caller_device: None,
        created_at: now,
        rings_until: now,
        answered_device: Some(volunteer_device.to_owned()),
    };
    let busy = ringing_end(CallEvent::Busy, now, now)?;
    match app.store.create_call(&new, &busy).await? {
        CallPlaced::Placed(call) => Ok(Some(call.id)),
        other => {
            tracing::warn!(?other, "the request's call could not be placed");
            Ok(None)
        }
    }
}

/// The terminal end `event` gives a ringing call with deadline
/// `rings_until` at `now`, as the state machine decides it: the busy end of
/// a new call, the ring timeout of the sweep.
pub fn ringing_end(
    event: CallEvent,
    rings_until: helpline_core::Timestamp,
    now: helpline_core::Timestamp,
) -> Result<helpline_core::call::CallEnd, DomainError> {
    match transition(Phase::Ringing { rings_until }, event, now)? {
        Step::End(end) => Ok(end),
        Step::Answer { .. } => Err(DomainError::Internal),
    }
}

/// Which side `user` is on, or `not_found` (strangers learn nothing).
pub fn side_in(call: &Call, user: &helpline_core::UserId) -> Result<Side, DomainError> {
    call.side_of(user)
        .ok_or(DomainError::NotFound("no such call"))
}

//! Help-request events: `request:cancel`, `request:status`,
//! `volunteer:accept`, `volunteer:reject`, `volunteer:availability`, and
//! the offers and notices they cause (accepting a voice or video request
//! also starts its call, and counts as a missed offer for the others:
//! [`super::auto_away`]); `seeker:request` is in [`super::opening`].
//! Every state change is a conditional update in the store; this file
//! decides who is told what afterwards.

use super::ack::{Ack, Context, Handlers, Replied};
use super::offers::offer_pending_to;
use super::outbound::{RequestCancelled, ServerEvent, SupportChange};
use crate::app::App;
use crate::push::notices;
use helpline_core::inbound::{
    AnsweredRequest, AvailabilitySet, RequestCancel, RequestClaimedByYou, RequestStatusQuery,
    RequestWithdrawn, StatusOfRequest, VolunteerAccept, VolunteerAvailability, VolunteerReject,
    VolunteersWatch, Watching,
};
use helpline_core::notice::SystemNote;
use helpline_core::permissions;
use helpline_core::request::{
    ChatCap, HelpRequest, RequestStatus, check_addressed_to, claim_refusal,
};
use helpline_core::user::{Availability, Role};
use helpline_core::{ConversationId, DomainError, RequestId, UserId};
use helpline_store::ClaimOutcome;

/// Adds this group's handlers to the table.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(request_cancel);
    handlers.on(request_status);
    handlers.on(volunteer_accept);
    handlers.on(volunteer_reject);
    handlers.on(volunteer_availability);
    handlers.on(volunteers_watch);
}

/// The caller's own request: the one named, or by default their pending one.
async fn own_request(
    ctx: &Context,
    requested: Option<&RequestId>,
    default_pending: bool,
) -> Result<Option<HelpRequest>, DomainError> {
    let store = &ctx.app.store;
    Ok(match requested {
        Some(id) => match store.request(id).await? {
            Some(request) if request.senior_id == ctx.caller.id => Some(request),
            _ => return Err(DomainError::NotFound("no such request")),
        },
        None if default_pending => store.pending_request_of(&ctx.caller.id).await?,
        None => store.latest_request_of(&ctx.caller.id).await?,
    })
}

async fn request_cancel(
    ctx: Context,
    event: RequestCancel,
    ack: Ack<RequestWithdrawn>,
) -> Result<Replied, DomainError> {
    let request = own_request(&ctx, event.request_id.as_ref(), true)
        .await?
        .ok_or(DomainError::NotPending)?;
    let cancelled = ctx
        .app
        .store
        .cancel_request(&request.id)
        .await?
        .ok_or(DomainError::NotPending)?;
    let replied = ack.send(RequestWithdrawn {
        request_id: cancelled.id.clone(),
        status: RequestStatus::Cancelled,
    });
    let app = &ctx.app;
    let offered = app.store.offered_volunteers(&cancelled.id).await?;
    let to_volunteers = RequestCancelled::for_volunteers(&cancelled, None);
    app.fanout
        .to_users(&offered, &ServerEvent::RequestCancelled(to_volunteers))
        .await;
    let to_seeker = RequestCancelled {
        request_id: cancelled.id.clone(),
        senior_id: None,
        status: Some("cancelled"),
        reason: None,
    };
    app.fanout
        .to_user(&ctx.caller.id, &ServerEvent::RequestCancelled(to_seeker))
        .await;
    notices::request_closed(app, &cancelled).await;
    // Last: the people concerned first, then the line (which may commit).
    super::queue::line_changed(app).await;
    Ok(replied)
}

async fn request_status(
    ctx: Context,
    event: RequestStatusQuery,
    ack: Ack<StatusOfRequest>,
) -> Result<Replied, DomainError> {
    let request = match own_request(&ctx, event.request_id.as_ref(), false).await {
        Err(DomainError::NotFound(_)) => None,
        other => other?,
    };
    let standing = match &request {
        Some(request) => super::queue::standing_of(&ctx.app, request).await?,
        None => None,
    };
    let status = StatusOfRequest {
        request,
        server_time: ctx.app.clock.now(),
        position: standing.as_ref().map(|s| s.position),
        estimated_wait_secs: standing.and_then(|s| s.estimated_wait_secs),
    };
    let replied = ack.send(status.clone());
    let response = ServerEvent::RequestStatusResponse(status);
    ctx.app.fanout.to_socket(&ctx.socket, &response);
    Ok(replied)
}

/// How a volunteer names the request they answer.
enum Named<'a> {
    /// By its id.
    Request(&'a RequestId),
    /// A seeker's newest request.
    SeekersLatest(&'a UserId),
}

/// The request a volunteer answers. They may answer an offer before the
/// request's commit has synced ([`super::opening`]), and a read on another
/// connection does not see it yet: a request not found (or, named by its
/// seeker, an older one not pending) is read again once the store has
/// settled. A request found by its id is committed, whatever its status.
async fn offered_request(app: &App, named: &Named<'_>) -> Result<Option<HelpRequest>, DomainError> {
    let read = || async {
        match named {
            Named::Request(id) => app.store.request(id).await,
            Named::SeekersLatest(seeker) => app.store.latest_request_of(seeker).await,
        }
    };
    let found = read().await?;
    let settled = match (&found, named) {
        (None, _) => false,
        (Some(request), Named::SeekersLatest(_)) => request.status == RequestStatus::Pending,
        (Some(_), Named::Request(_)) => true,
    };
    if settled {
        return Ok(found);
    }
    app.store.settle().await?;
    Ok(read().await?)
}

async fn volunteer_accept(
    ctx: Context,
    event: VolunteerAccept,
    ack: Ack<RequestClaimedByYou>,
) -> Result<Replied, DomainError> {
    let app = &ctx.app;
    let (named, seeker) = match &event.request {
        AnsweredRequest::Request { id, seeker } => (Named::Request(id), seeker.as_ref()),
        AnsweredRequest::SeekersLatest(seeker) => (Named::SeekersLatest(seeker), Some(seeker)),
    };
    let request = offered_request(app, &named)
        .await?
        .ok_or(DomainError::NotFound("no such request"))?;
    if matches!(seeker, Some(s) if *s != request.senior_id) {
        return Err(DomainError::invalid("requestId and seniorId do not match"));
    }
    // Support takes escalated requests only, targeted or not, and has no
    // chat cap.
    let cap = match ctx.caller.role {
        Role::Support if request.escalated_at.is_none() => {
            return Err(DomainError::Forbidden(
                "support can take a request only once it is escalated",
            ));
        }
        Role::Support => ChatCap::none(),
        _ => {
            check_addressed_to(&request, &ctx.caller.id)?;
            crate::credentials::check_may_take(app, &ctx.caller.id, &request).await?;
            app.settings.chat_cap()
        }
    };
    let conversation_id = ConversationId::generate();
    let (note, now) = (
        SystemNote::request_accepted(&ctx.caller.display_name),
        ctx.app.clock.now(),
    );
    let outcome = app
        .store
        .claim_request(
            &request.id,
            &ctx.caller.id,
            &conversation_id,
            &note,
            now,
            cap,
        )
        .await?;
    let claimed = match outcome {
        ClaimOutcome::Claimed { request, .. } => request,
        ClaimOutcome::Lost(current) => return Err(claim_refusal(current.status)),
        ClaimOutcome::Blocked => return Err(permissions::blocked_pair()),
        ClaimOutcome::AtCap => {
            return Err(DomainError::Conflict(
                "you already have as many active chats as allowed; end one first",
            ));
        }
        ClaimOutcome::Missing => return Err(DomainError::NotFound("no such request")),
    };
    let both = [claimed.senior_id.clone(), ctx.caller.id.clone()];
    app.fanout.join_conversation(&both, &conversation_id).await;
    // A voice or video request starts its call, answered by this socket.
    // The claim stands even if the call cannot be stored; the session then
    // starts without one (logged).
    let call_id = crate::calls::lifecycle::start_for_request(app, &claimed, ctx.socket.id())
        .await
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "starting the request's call failed");
            None
        });
    let replied = ack.send(RequestClaimedByYou {
        request_id: claimed.id.clone(),
        conversation_id: conversation_id.clone(),
    });
    let started = ServerEvent::SessionStarted {
        conversation_id: conversation_id.clone(),
        request_id: claimed.id.clone(),
        senior_id: claimed.senior_id.clone(),
        volunteer_id: ctx.caller.id.clone(),
        request_type: claimed.request_type,
        call_id,
    };
    let (seeker, name) = (&claimed.senior_id, &ctx.caller.display_name);
    let push = notices::session_push_needed(app, seeker, &conversation_id, name);
    app.fanout.to_users(&both, &started).await;
    if push {
        notices::session_started(app, seeker, &conversation_id, name).await;
    }
    // The conversation's first message, "… accepted the request".
    let accepted = note.message(&conversation_id, &ctx.caller.id, 1, now);
    app.fanout.system_message(&accepted).await;
    app.fanout.support_changed(SupportChange::Session).await;
    let others: Vec<UserId> = app
        .store
        .offered_volunteers(&claimed.id)
        .await?
        .into_iter()
        .filter(|v| *v != ctx.caller.id)
        .collect();
    let taken = ServerEvent::RequestClaimed {
        request_id: claimed.id.clone(),
        senior_id: claimed.senior_id.clone(),
        volunteer_id: ctx.caller.id.clone(),
    };
    app.fanout.to_users(&others, &taken).await;
    notices::request_closed(app, &claimed).await;
    super::auto_away::offers_missed(app, &claimed.id, &others, Some(&ctx.caller.id)).await;
    // The line moved up, and the mean wait changed.
    super::queue::tell_standings(app).await;
    Ok(replied)
}

async fn volunteer_reject(
    ctx: Context,
    event: VolunteerReject,
    ack: Ack<()>,
) -> Result<Replied, DomainError> {
    let app = &ctx.app;
    let request = offered_request(app, &Named::Request(&event.request_id))
        .await?
        .ok_or(DomainError::NotFound("no such request"))?;
    check_addressed_to(&request, &ctx.caller.id)?;
    if request.status != RequestStatus::Pending {
        return Err(DomainError::NotPending);
    }
    if request.target_volunteer_id.is_none() {
        app.store
            .record_decline(&request.id, &ctx.caller.id)
            .await?;
        let replied = ack.send(());
        super::batches::declined(app, &request).await;
        return Ok(replied);
    }
    let rejected = app
        .store
        .reject_request(&request.id)
        .await?
        .ok_or(DomainError::NotPending)?;
    let replied = ack.send(());
    app.fanout
        .to_user(
            &rejected.senior_id,
            &ServerEvent::RequestRejected {
                request_id: rejected.id.clone(),
            },
        )
        .await;
    notices::request_closed(app, &rejected).await;
    super::queue::line_changed(app).await;
    Ok(replied)
}

async fn volunteer_availability(
    ctx: Context,
    event: VolunteerAvailability,
    ack: Ack<AvailabilitySet>,
) -> Result<Replied, DomainError> {
    let status = event.status;
    if status == Availability::Available {
        super::auto_away::chose_available(&ctx.app, &ctx.caller.id).await;
    }
    // Kept, so the volunteer stays on call (or away) while the app is closed.
    ctx.app
        .store
        .store_availability(&ctx.caller.id, status)
        .await?;
    let changed = ctx.app.presence.set_availability(&ctx.caller.id, status);
    let replied = ack.send(AvailabilitySet { status });
    if changed {
        ctx.app
            .fanout
            .support_changed(SupportChange::Presence)
            .await;
    }
    if changed && status == Availability::Available {
        offer_pending_to(&ctx.app, &ctx.caller.id, None).await?;
    }
    Ok(replied)
}

/// `volunteers:watch`: this socket hears `volunteer:presence` (or stops).
async fn volunteers_watch(
    ctx: Context,
    event: VolunteersWatch,
    ack: Ack<Watching>,
) -> Result<Replied, DomainError> {
    ctx.app.fanout.rooms().watch(&ctx.socket, event.watching);
    Ok(ack.send(Watching {
        watching: event.watching,
    }))
}

/// Tells everyone concerned that a request expired.
pub async fn notify_expired(app: &App, request: &HelpRequest) -> Result<(), DomainError> {
    app.fanout
        .to_user(
            &request.senior_id,
            &ServerEvent::RequestExpired {
                request_id: request.id.clone(),
            },
        )
        .await;
    let offered = app.store.offered_volunteers(&request.id).await?;
    let notice = RequestCancelled::for_volunteers(request, Some("expired"));
    app.fanout
        .to_users(&offered, &ServerEvent::RequestCancelled(notice))
        .await;
    notices::request_closed(app, request).await;
    super::auto_away::offers_missed(app, &request.id, &offered, None).await;
    Ok(())
}

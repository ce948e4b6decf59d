//! `seeker:request`: opening a help request and offering it.
//!
//! The request is offered to the volunteers available when it is opened,
//! less those who blocked the seeker; the store writes the request and
//! those offers in one transaction ([`helpline_store::Requests::open_request`]).
//! The volunteers are told as soon as that transaction has run, while its
//! commit syncs (on SQLite the single writer runs anything they do about it
//! after that commit); the seeker's ack waits until the request is durable.
//! If the commit fails after all, the volunteers are told it is gone.
//! Volunteers at the chat cap (`HELPLINE_MAX_ACTIVE_CHATS`) are left out
//! by the store, in the same transaction. Under batched dispatch an open
//! request is offered to its first batch only ([`super::batches`]).

use super::ack::{Ack, Context, Handlers, Replied};
use super::batches;
use super::offers::offer_to_arrivals;
use super::outbound::{RequestCancelled, ServerEvent};
use crate::app::App;
use crate::push::notices;
use helpline_core::dispatch::Reason;
use helpline_core::inbound::{RequestOpened, SeekerRequest};
use helpline_core::request::{NewHelpRequest, RequestStatus};
use helpline_core::user::Role;
use helpline_core::{DomainError, RequestId, UserId};
use helpline_store::{OpenedRequest, StoreError};
use std::collections::{HashMap, HashSet};
use std::time::Duration;
use tokio::sync::oneshot;

/// Adds `seeker:request` to the table.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(seeker_request);
}

async fn seeker_request(
    ctx: Context,
    SeekerRequest { draft }: SeekerRequest,
    ack: Ack<RequestOpened>,
) -> Result<Replied, DomainError> {
    let app = &ctx.app;
    if let Some(target) = &draft.target_volunteer_id {
        match app.store.user(target).await? {
            Some(user) if user.role == Role::Volunteer => {}
            _ => return Err(DomainError::NotFound("no such volunteer")),
        }
        // Made to one volunteer who could never take it: say so now.
        if let Some(refused) = crate::credentials::refusal(app, draft.topic, target).await? {
            return Err(refused);
        }
    }
    let now = app.clock.now();
    let mut new = NewHelpRequest {
        id: RequestId::generate(),
        seeker_id: ctx.caller.id.clone(),
        expires_at: now.plus(Duration::from_secs(app.settings.request_timeout_secs)),
        created_at: now,
        draft,
        widen_at: None,
    };
    let arrivals = app.presence.arrivals_mark();
    // Batched dispatch ranks the connected and the on-call volunteers
    // together, so both are read before the request is stored.
    let batching =
        (app.settings.dispatch().batching()).filter(|_| new.draft.target_volunteer_id.is_none());
    let batch = match batching {
        Some(batching) => {
            let first = batches::next_batch(
                app,
                batching,
                &ctx.caller.id,
                new.draft.topic,
                &HashSet::new(),
            )
            .await?;
            new.widen_at = first.more_left.then(|| now.plus(batching.widen_every));
            Some(first)
        }
        None => None,
    };
    let candidates: Vec<UserId> = match (&batch, &new.draft.target_volunteer_id) {
        (Some(batch), _) => batch.volunteers.clone(),
        (None, Some(target)) => Some(target.clone())
            .filter(|t| app.presence.is_available_volunteer(t))
            .into_iter()
            .collect(),
        (None, None) => app.presence.available_volunteers(),
    };
    let candidates = match batch {
        Some(_) => candidates,
        None => crate::credentials::eligible(app, new.draft.topic, candidates).await?,
    };
    let why = batch.as_ref().map(|b| &b.why);
    let opened = open_and_offer(&ctx, &new, &candidates, why).await?;
    let (request, offered) = (opened.request, opened.offered);
    let (on_call, told_now) = match batch {
        // The batch's on-call volunteers were offered it with the rest.
        Some(batch) => (
            batch
                .on_call
                .into_iter()
                .filter(|v| offered.contains(&v.volunteer))
                .collect(),
            offered.iter().filter(|v| app.presence.is_online(v)).count(),
        ),
        // Read once the volunteers online have their offers: the read must
        // not compete with that fan-out.
        None => {
            let target = new.draft.target_volunteer_id.as_ref();
            let on_call = notices::on_call_for(app, &ctx.caller.id, target, new.draft.topic);
            (on_call.await, offered.len())
        }
    };
    let replied = ack.send(RequestOpened {
        request_id: request.id.clone(),
        status: RequestStatus::Pending,
        online_volunteers: told_now,
        on_call_volunteers: on_call.len(),
        created_at: request.created_at,
        server_time: app.clock.now(),
    });
    notices::request_opened(app, &request, &ctx.caller.display_name, &on_call).await;
    // The seeker has their ack: a failure here is logged, and the seeker
    // still hears below that the request is queued. A request still
    // widening in batches is for its batches alone: a volunteer who
    // arrived meanwhile is ranked with the next one.
    if app.presence.arrived_since(arrivals)
        && new.widen_at.is_none()
        && let Err(error) = offer_to_arrivals(app, &candidates).await
    {
        tracing::warn!(%error, "offering a new request to volunteers who arrived meanwhile failed");
    }
    if told_now == 0 {
        let queued = ServerEvent::SeekerQueued {
            request_id: request.id,
        };
        app.fanout.to_user(&ctx.caller.id, &queued).await;
    }
    // Last: working out the line waits for a commit, and the check for
    // arrivals above must follow the opening closely.
    super::queue::line_changed(app).await;
    Ok(replied)
}

/// Stores the request and tells the volunteers it is offered to as soon as
/// its transaction has run; returns once it is durable. A commit that fails
/// after they were told is followed by `request:cancelled`.
async fn open_and_offer(
    ctx: &Context,
    new: &NewHelpRequest,
    candidates: &[UserId],
    why: Option<&HashMap<UserId, Vec<Reason>>>,
) -> Result<OpenedRequest, DomainError> {
    let app = &ctx.app;
    let (written, heard) = oneshot::channel::<OpenedRequest>();
    let on_written = Box::new(move |opened: &OpenedRequest| {
        // The receiver is gone only if this handler was dropped, and then
        // nobody is left to tell.
        if written.send(opened.clone()).is_err() {
            tracing::trace!("request written after its handler stopped");
        }
    });
    let opening =
        app.store
            .open_request(new, candidates, app.settings.chat_cap(), Some(on_written));
    tokio::pin!(opening);
    let (told, outcome) = tokio::select! {
        biased;
        Ok(early) = heard => {
            offer(ctx, &early, why).await;
            (Some(early), opening.await)
        }
        outcome = &mut opening => (None, outcome),
    };
    match outcome {
        Ok(opened) => {
            if told.is_none() {
                offer(ctx, &opened, why).await;
            }
            Ok(opened)
        }
        Err(error) => {
            if let Some(early) = told {
                withdraw(app, &early).await;
            }
            Err(match error {
                StoreError::PendingExists => {
                    DomainError::Conflict("you already have a pending request")
                }
                other => other.into(),
            })
        }
    }
}

/// `seeker:incoming` to everyone the request was offered to (under batched
/// dispatch with why it came to each).
async fn offer(ctx: &Context, opened: &OpenedRequest, why: Option<&HashMap<UserId, Vec<Reason>>>) {
    let name = &ctx.caller.display_name;
    batches::tell(&ctx.app, &opened.request, name, &opened.offered, why).await;
}

/// Takes back an offer whose request was not stored after all.
async fn withdraw(app: &App, opened: &OpenedRequest) {
    let gone = RequestCancelled::for_volunteers(&opened.request, None);
    app.fanout
        .to_users(&opened.offered, &ServerEvent::RequestCancelled(gone))
        .await;
}

//! Batched dispatch (`HELPLINE_DISPATCH=batched`, decision 0032): an open
//! request goes first to the best-ranked few eligible volunteers, then to
//! the next few each time its widening deadline passes, until every
//! eligible volunteer has it; earlier batches keep it.
//!
//! Eligible: connected and available, or on call (pushed), credentialed
//! when the topic needs it, below the chat cap, no block with the seeker,
//! not offered it yet. The ranking is [`helpline_core::dispatch::rank`],
//! from one store read. The deadline is stored on the request
//! (`widen_at`): the sweeper that takes it (a conditional update, so one
//! process across the cluster) offers the next batch; when no eligible
//! volunteer is left after it, the deadline is cleared, and from then on
//! whoever becomes available is offered it at once, as under ring_all.
//! Until then a volunteer who connects is offered only what a batch
//! reached (the store's offerable requests say so). When everyone reached
//! so far has declined, the next batch is offered at once.

use super::outbound::{IncomingRequest, RequestCancelled, ServerEvent};
use crate::app::App;
use crate::push::notices;
use helpline_core::dispatch::{Batching, Reason, rank};
use helpline_core::request::{HelpRequest, RequestStatus, Topic};
use helpline_core::{DomainError, UserId};
use helpline_store::OnCall;
use std::collections::{HashMap, HashSet};

/// Most requests widened per sweep; the rest wait for the next tick.
const SWEEP_BATCH: i64 = 200;

/// The next volunteers to offer a request to.
pub struct Batch {
    /// Everyone in it, connected or on call, best first.
    pub volunteers: Vec<UserId>,
    /// Those of them on call, to be pushed.
    pub on_call: Vec<OnCall>,
    /// What put each of them here (empty for recency alone).
    pub why: HashMap<UserId, Vec<Reason>>,
    /// Whether eligible volunteers are left for a later batch.
    pub more_left: bool,
}

/// Ranks the eligible volunteers not in `already` for `seeker`'s request
/// on `topic`, and takes the best `batching.size`.
pub async fn next_batch(
    app: &App,
    batching: Batching,
    seeker: &UserId,
    topic: Option<Topic>,
    already: &HashSet<UserId>,
) -> Result<Batch, DomainError> {
    let online: Vec<UserId> = app
        .presence
        .available_volunteers()
        .into_iter()
        .filter(|v| !already.contains(v))
        .collect();
    let online = crate::credentials::eligible(app, topic, online).await?;
    let on_call: Vec<OnCall> = notices::on_call_for(app, seeker, None, topic)
        .await
        .into_iter()
        .filter(|v| !already.contains(&v.volunteer))
        .collect();
    let pool: Vec<UserId> = online
        .into_iter()
        .chain(on_call.iter().map(|v| v.volunteer.clone()))
        .collect();
    let (seeker_facts, facts) = app
        .store
        .dispatch_facts(seeker, &pool, app.settings.chat_cap())
        .await?;
    let mut ranked = rank(&seeker_facts, facts);
    let more_left = ranked.len() > batching.size;
    ranked.truncate(batching.size);
    let chosen: HashSet<&UserId> = ranked.iter().map(|r| &r.volunteer).collect();
    let on_call = on_call
        .into_iter()
        .filter(|v| chosen.contains(&v.volunteer))
        .collect();
    let volunteers = ranked.iter().map(|r| r.volunteer.clone()).collect();
    let why = ranked.into_iter().map(|r| (r.volunteer, r.why)).collect();
    Ok(Batch {
        volunteers,
        on_call,
        why,
        more_left,
    })
}

/// `seeker:incoming` to `volunteers`: under batched dispatch (`why` given)
/// each hears why it came to them, one event per distinct reason list.
pub async fn tell(
    app: &App,
    request: &HelpRequest,
    seeker_name: &str,
    volunteers: &[UserId],
    why: Option<&HashMap<UserId, Vec<Reason>>>,
) {
    let incoming = IncomingRequest::new(request, seeker_name, app.clock.now());
    let Some(why) = why else {
        let event = ServerEvent::SeekerIncoming(incoming);
        app.fanout.to_users(volunteers, &event).await;
        return;
    };
    let mut groups: Vec<(&[Reason], Vec<UserId>)> = Vec::new();
    for volunteer in volunteers {
        let reasons = why.get(volunteer).map_or(&[][..], Vec::as_slice);
        match groups.iter_mut().find(|(r, _)| *r == reasons) {
            Some((_, members)) => members.push(volunteer.clone()),
            None => groups.push((reasons, vec![volunteer.clone()])),
        }
    }
    for (reasons, members) in groups {
        let event = ServerEvent::SeekerIncoming(incoming.clone().because(reasons.to_vec()));
        app.fanout.to_users(&members, &event).await;
    }
}

/// Under batched dispatch, why an open request reached `volunteer`, for
/// an offer made again when they connect: the ranking's reasons if a batch
/// reached them, nothing (an empty list) if they are offered it only
/// because every batch has gone out. `None` under ring_all and for a
/// request made to one volunteer. Ask before recording the new offer.
pub async fn why_for(
    app: &App,
    request: &HelpRequest,
    volunteer: &UserId,
) -> Result<Option<Vec<Reason>>, DomainError> {
    if app.settings.dispatch().batching().is_none() || request.target_volunteer_id.is_some() {
        return Ok(None);
    }
    if !app.store.offered_to(&request.id, volunteer).await? {
        return Ok(Some(Vec::new()));
    }
    let (seeker, facts) = app
        .store
        .dispatch_facts(
            &request.senior_id,
            std::slice::from_ref(volunteer),
            helpline_core::request::ChatCap::new(0),
        )
        .await?;
    Ok(Some(
        rank(&seeker, facts)
            .into_iter()
            .next()
            .map(|r| r.why)
            .unwrap_or_default(),
    ))
}

/// Under ring_all, no request waits for a batch: deadlines left by a
/// batched run before (a restart with the policy changed) are cleared, or
/// their requests would stay hidden from volunteers no batch reached.
pub async fn clear_if_ring_all(app: &App) {
    if app.settings.dispatch().batching().is_some() {
        return;
    }
    match app.store.stop_all_widening().await {
        Ok(0) => {}
        Ok(cleared) => tracing::info!(
            cleared,
            "batched requests opened to everyone under ring_all"
        ),
        Err(error) => tracing::error!(%error, "clearing batched dispatch deadlines failed"),
    }
}

/// A volunteer declined `request`: if everyone its batches reached has
/// declined, the next batch need not wait for the deadline.
pub async fn declined(app: &App, request: &HelpRequest) {
    if app.settings.dispatch().batching().is_none() {
        return;
    }
    match app
        .store
        .widen_when_declined(&request.id, app.clock.now())
        .await
    {
        Ok(true) => sweep(app).await,
        Ok(false) => {}
        Err(error) => {
            tracing::warn!(%error, "bringing a declined request's next batch forward failed")
        }
    }
}

/// Offers the next batch of every request whose widening deadline has
/// passed.
pub async fn sweep(app: &App) {
    let Some(batching) = app.settings.dispatch().batching() else {
        return;
    };
    let now = app.clock.now();
    let next = now.plus(batching.widen_every);
    let due = match app.store.widen_due_requests(now, next, SWEEP_BATCH).await {
        Ok(due) => due,
        Err(error) => {
            tracing::error!(%error, "widening sweep failed");
            return;
        }
    };
    for request in &due {
        if let Err(error) = widen(app, batching, request).await {
            tracing::warn!(%error, request = %request.id, "offering a request's next batch failed");
        }
    }
}

/// Offers `request` to its next batch, and ends its widening when nobody
/// eligible is left after it. Only volunteers never offered the request
/// are told ([`helpline_store::Requests::record_batch`]), so a second
/// sweep racing over the same request (its deadline brought forward by a
/// decline meanwhile) tells nobody twice.
async fn widen(app: &App, batching: Batching, request: &HelpRequest) -> Result<(), DomainError> {
    let seeker_name = match app.store.user(&request.senior_id).await? {
        Some(seeker) => seeker.display_name,
        None => return Ok(()),
    };
    let already: HashSet<UserId> = app
        .store
        .offered_volunteers(&request.id)
        .await?
        .into_iter()
        .collect();
    // Who was available as the batch was chosen: after the last batch,
    // anyone who arrived since is offered the request like an arrival at
    // its opening.
    let arrivals = app.presence.arrivals_mark();
    let seen = app.presence.available_volunteers();
    let batch = next_batch(app, batching, &request.senior_id, request.topic, &already).await?;
    // A block or a close since the read is decided here: only those
    // recorded are told.
    let recorded = app
        .store
        .record_batch(&request.id, &batch.volunteers)
        .await?;
    if !recorded.is_empty() {
        tracing::debug!(request = %request.id, count = recorded.len(), "request offered to its next batch");
        tell(app, request, &seeker_name, &recorded, Some(&batch.why)).await;
        let on_call: Vec<OnCall> = batch
            .on_call
            .into_iter()
            .filter(|v| recorded.contains(&v.volunteer))
            .collect();
        notices::request_opened(app, request, &seeker_name, &on_call).await;
        closed_meanwhile(app, request, &recorded).await;
    }
    if !batch.more_left {
        app.store.stop_widening(&request.id).await?;
        if app.presence.arrived_since(arrivals) {
            super::offers::offer_to_arrivals(app, &seen).await?;
        }
    }
    Ok(())
}

/// The request may have been taken or closed while `told` heard of it
/// (after their offers were recorded, before the offer reached them): if
/// so they hear that too, so the offer does not linger on their screens.
async fn closed_meanwhile(app: &App, request: &HelpRequest, told: &[UserId]) {
    let now = match app.store.request(&request.id).await {
        Ok(Some(now)) if now.status != RequestStatus::Pending => now,
        Ok(_) => return,
        Err(error) => {
            tracing::warn!(%error, "re-reading a request offered to a batch failed");
            return;
        }
    };
    let event = match (now.status, now.volunteer_id.clone()) {
        (RequestStatus::Accepted | RequestStatus::Completed, Some(volunteer_id)) => {
            ServerEvent::RequestClaimed {
                request_id: now.id.clone(),
                senior_id: now.senior_id.clone(),
                volunteer_id,
            }
        }
        (RequestStatus::Expired, _) => {
            ServerEvent::RequestCancelled(RequestCancelled::for_volunteers(&now, Some("expired")))
        }
        _ => ServerEvent::RequestCancelled(RequestCancelled::for_volunteers(&now, None)),
    };
    app.fanout.to_users(told, &event).await;
}

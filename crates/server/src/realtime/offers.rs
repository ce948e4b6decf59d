//! Who is offered which pending request after it opened, and when an
//! offer is taken back: the late offers to a volunteer who connects,
//! becomes available or ends a chat (below the chat cap again), and the
//! withdrawal a new block causes. Opening a
//! request and its first offers are in [`super::opening`]; the store
//! decides who may be offered what ([`helpline_store::Requests`]).

use super::SocketRef;
use super::outbound::{IncomingRequest, RequestCancelled, ServerEvent};
use crate::app::App;
use crate::push::notices;
use helpline_core::{DomainError, RequestId, UserId};

/// Offers a volunteer every pending request meant for them: to one socket
/// (just connected) or to all of theirs (just became available).
pub async fn offer_pending_to(
    app: &App,
    volunteer: &UserId,
    socket: Option<&SocketRef>,
) -> Result<(), DomainError> {
    let offerable = app
        .store
        .offerable_requests(volunteer, app.clock.now(), app.settings.chat_cap())
        .await?;
    for offer in offerable {
        let credentialed =
            crate::credentials::eligible(app, offer.request.topic, vec![volunteer.clone()]);
        if credentialed.await?.is_empty() {
            continue;
        }
        let why = super::batches::why_for(app, &offer.request, volunteer).await?;
        // A block stored since the read above leaves them out.
        let recorded = app
            .store
            .record_offers(&offer.request.id, std::slice::from_ref(volunteer))
            .await?;
        if recorded.is_empty() {
            continue;
        }
        let mut incoming =
            IncomingRequest::new(&offer.request, &offer.seeker_display_name, app.clock.now());
        if let Some(why) = why {
            incoming = incoming.because(why);
        }
        let event = ServerEvent::SeekerIncoming(incoming);
        match socket {
            Some(socket) => app.fanout.to_socket(socket, &event),
            None => app.fanout.to_user(volunteer, &event).await,
        }
    }
    Ok(())
}

/// A chat from a request ended: its volunteer, if available, may be below
/// the chat cap again, and is offered what is pending for them.
pub async fn offer_after_chat(app: &App, request: &RequestId) -> Result<(), DomainError> {
    if !app.settings.chat_cap().is_set() {
        return Ok(());
    }
    let volunteer = app
        .store
        .request(request)
        .await?
        .and_then(|r| r.volunteer_id);
    match volunteer {
        Some(volunteer) if app.presence.is_available_volunteer(&volunteer) => {
            offer_pending_to(app, &volunteer, None).await
        }
        _ => Ok(()),
    }
}

/// Takes back what a new block leaves unanswerable, both ways: each
/// person's pending request offered to the other is withdrawn from that
/// other (`request:cancelled` with `reason: "withdrawn"`, which does not
/// say why). A request made to that one person moves out of `pending`
/// too: cancelled when its seeker blocked them (her own sockets hear
/// `request:cancelled`), rejected when they blocked her (she hears
/// `request:rejected`, as for a decline). The store already refuses the
/// pair any new offer and any claim.
pub async fn withdraw_on_block(
    app: &App,
    blocker: &UserId,
    blocked: &UserId,
) -> Result<(), DomainError> {
    for (seeker, volunteer) in [(blocker, blocked), (blocked, blocker)] {
        let Some(request) = app.store.pending_request_of(seeker).await? else {
            continue;
        };
        let addressed = request.target_volunteer_id.as_ref() == Some(volunteer);
        if addressed || app.store.offered_to(&request.id, volunteer).await? {
            let withdrawn = RequestCancelled::for_volunteers(&request, Some("withdrawn"));
            app.fanout
                .to_user(volunteer, &ServerEvent::RequestCancelled(withdrawn))
                .await;
        }
        // A notice pushed to them goes too.
        notices::request_closed_for(app, &request, volunteer).await;
        if !addressed {
            continue;
        }
        if seeker == blocker {
            if let Some(cancelled) = app.store.cancel_request(&request.id).await? {
                notices::request_closed(app, &cancelled).await;
                let to_seeker = RequestCancelled {
                    request_id: cancelled.id,
                    senior_id: None,
                    status: Some("cancelled"),
                    reason: None,
                };
                app.fanout
                    .to_user(seeker, &ServerEvent::RequestCancelled(to_seeker))
                    .await;
            }
        } else if let Some(rejected) = app.store.reject_request(&request.id).await? {
            notices::request_closed(app, &rejected).await;
            let to_seeker = ServerEvent::RequestRejected {
                request_id: rejected.id,
            };
            app.fanout.to_user(seeker, &to_seeker).await;
        }
        super::queue::line_changed(app).await;
    }
    Ok(())
}

/// A volunteer who became available after the snapshot a request was
/// offered from may have read the pending requests before it was stored
/// (or before its last batch cleared its deadline): they are offered what
/// is pending for them now (a request they did see arrives twice, which
/// the client shows once).
pub(super) async fn offer_to_arrivals(app: &App, snapshot: &[UserId]) -> Result<(), DomainError> {
    let before: std::collections::HashSet<&UserId> = snapshot.iter().collect();
    for volunteer in app.presence.available_volunteers() {
        if !before.contains(&volunteer) {
            offer_pending_to(app, &volunteer, None).await?;
        }
    }
    Ok(())
}

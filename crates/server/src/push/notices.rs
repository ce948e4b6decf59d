//! Who is pushed about what. Each push is queued after the change it tells
//! of has committed, only for people with no live socket on any node, and
//! never with what anyone wrote (see `helpline_core::push::Notice`):
//! - a request, to on-call volunteers (available, subscribed, outside their
//!   quiet hours), taken back with `request_closed` when it closes;
//! - an accepted request, to its seeker;
//! - new messages, at most one a user per gap (stored, so across nodes),
//!   coalesced per conversation by `Topic`;
//! - a ringing call, to its callee, and `call_missed` when nobody answered.
//!
//! A failure here is logged and never fails the event that caused it: the
//! change itself is stored, and the app shows it when opened.

use crate::app::App;
use helpline_core::call::{Call, CallStatus, Media};
use helpline_core::push::{Notice, OutgoingPush, Urgency, topic_of};
use helpline_core::request::HelpRequest;
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};
use helpline_store::OnCall;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long a "ready to talk" or "missed call" notice is worth delivering.
const LATER_NOTICE_TTL: Duration = Duration::from_secs(4 * 3600);
/// How long a message notice is worth delivering.
const MESSAGE_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a `request_closed` is worth delivering: as long as the request
/// notice it takes back could still arrive.
const CLOSE_TTL: Duration = Duration::from_secs(3600);
/// Entries kept in the per-node message throttle before it is pruned.
const RECENT_LIMIT: usize = 10_000;

/// This node's memory of whom it queued (or tried to queue) a message push
/// for recently: the stored throttle decides across nodes, this saves a
/// write per message for someone offline with no device.
#[derive(Default)]
pub struct RecentMessagePushes(Mutex<HashMap<UserId, Timestamp>>);

impl RecentMessagePushes {
    /// True (and remembered) when `user` was not tried in the last `gap`.
    fn take(&self, user: &UserId, now: Timestamp, gap: Duration) -> bool {
        let mut recent = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let cutoff = now.minus(gap);
        if recent.get(user).is_some_and(|at| *at > cutoff) {
            return false;
        }
        if recent.len() >= RECENT_LIMIT {
            recent.retain(|_, at| *at > cutoff);
        }
        recent.insert(user.clone(), now);
        true
    }
}

fn subject_of_request(id: &RequestId) -> String {
    format!("request:{id}")
}

fn subject_of_call(call: &Call) -> String {
    format!("call:{}", call.id)
}

/// The volunteers to push a new request to: on call, not connected
/// anywhere, outside their quiet hours.
pub async fn on_call_for(app: &App, seeker: &UserId, target: Option<&UserId>) -> Vec<OnCall> {
    let now = app.clock.now();
    match app.store.on_call_volunteers(seeker, target).await {
        Ok(found) => found
            .into_iter()
            .filter(|v| !app.presence.is_online(&v.volunteer))
            .filter(|v| {
                !v.settings
                    .quiet_hours
                    .as_ref()
                    .is_some_and(|q| q.contains(now))
            })
            .collect(),
        Err(error) => {
            tracing::error!(%error, "reading on-call volunteers failed");
            Vec::new()
        }
    }
}

/// Pushes a new request to `on_call` (see [`on_call_for`]) and remembers
/// whom, so [`request_closed`] can take the notices back.
pub async fn request_opened(
    app: &App,
    request: &HelpRequest,
    seeker_name: &str,
    on_call: &[OnCall],
) {
    if on_call.is_empty() {
        return;
    }
    let pushes: Vec<OutgoingPush> = on_call
        .iter()
        .map(|v| OutgoingPush {
            user: v.volunteer.clone(),
            notice: Notice::request(
                &request.id,
                request.request_type,
                v.settings.push_show_names.then_some(seeker_name),
            ),
            urgency: Urgency::High,
            topic: Some(topic_of(request.id.as_str())),
            expires_at: request.expires_at,
        })
        .collect();
    let users: Vec<UserId> = on_call.iter().map(|v| v.volunteer.clone()).collect();
    let subject = subject_of_request(&request.id);
    // Marked first: a close from now on takes these users back.
    if let Err(error) = app.store.mark_pushed(&subject, &users).await {
        tracing::error!(%error, "remembering a request's pushes failed");
        return;
    }
    queue(app, &pushes).await;
    // Closed while being queued: the close may have run before the queue,
    // so take the notices back again (taking the marks is done once).
    match app.store.request(&request.id).await {
        Ok(Some(now)) if now.status != helpline_core::request::RequestStatus::Pending => {
            request_closed(app, &request.id).await;
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "re-reading a pushed request failed"),
    }
}

/// Takes back the notices of a request that was taken, cancelled, declined
/// or expired (once, whichever node closes it).
pub async fn request_closed(app: &App, request: &RequestId) {
    let users = match app.store.take_pushed(&subject_of_request(request)).await {
        Ok(users) => users,
        Err(error) => {
            tracing::error!(%error, "reading a request's pushes failed");
            return;
        }
    };
    let expires_at = app.clock.now().plus(CLOSE_TTL);
    let pushes: Vec<OutgoingPush> = users
        .into_iter()
        .map(|user| OutgoingPush {
            user,
            notice: Notice::request_closed(request),
            urgency: Urgency::Normal,
            // The same topic: a request notice still waiting at the push
            // service is replaced rather than delivered.
            topic: Some(topic_of(request.as_str())),
            expires_at,
        })
        .collect();
    queue(app, &pushes).await;
}

/// Tells a seeker who is not connected that a volunteer accepted.
pub async fn session_started(
    app: &App,
    seeker: &UserId,
    conversation: &ConversationId,
    volunteer_name: &str,
) {
    if app.presence.is_online(seeker) {
        return;
    }
    let show = show_names(app, seeker).await;
    let push = OutgoingPush {
        user: seeker.clone(),
        notice: Notice::session(conversation, show.then_some(volunteer_name)),
        urgency: Urgency::High,
        topic: Some(topic_of(conversation.as_str())),
        expires_at: app.clock.now().plus(LATER_NOTICE_TTL),
    };
    queue(app, &[push]).await;
}

/// Tells the participants who are not connected of a new message in
/// `conversation`: at most one push a user per gap.
pub async fn message(
    app: &App,
    conversation: &ConversationId,
    sender: &UserId,
    participants: &[UserId],
) {
    let now = app.clock.now();
    let gap = Duration::from_secs(app.settings.push.push_message_gap_secs);
    let mut sender_name: Option<Option<String>> = None;
    for user in participants {
        if user == sender
            || app.presence.is_online(user)
            || !app.push.recent_messages.take(user, now, gap)
        {
            continue;
        }
        let show = show_names(app, user).await;
        let name = if show {
            if sender_name.is_none() {
                sender_name = Some(
                    app.store
                        .user(sender)
                        .await
                        .ok()
                        .flatten()
                        .map(|u| u.display_name),
                );
            }
            sender_name.clone().flatten()
        } else {
            None
        };
        let push = OutgoingPush {
            user: user.clone(),
            notice: Notice::message(conversation, name.as_deref()),
            urgency: Urgency::Normal,
            topic: Some(topic_of(conversation.as_str())),
            expires_at: now.plus(MESSAGE_TTL),
        };
        match app.store.queue_throttled_push(&push, now, gap).await {
            Ok(0) => {}
            Ok(_) => app.push.wake(),
            Err(error) => tracing::error!(%error, "queueing a message push failed"),
        }
    }
}

/// Rings a callee who is not connected, until the call's ring deadline.
pub async fn call_ringing(app: &App, call: &Call, caller_name: &str) {
    if app.presence.is_online(&call.callee_id) {
        return;
    }
    let show = show_names(app, &call.callee_id).await;
    let push = OutgoingPush {
        user: call.callee_id.clone(),
        notice: Notice::call(
            &call.id,
            &call.conversation_id,
            call.media == Media::Video,
            show.then_some(caller_name),
        ),
        urgency: Urgency::High,
        topic: Some(topic_of(call.id.as_str())),
        expires_at: call.rings_until,
    };
    if let Err(error) = app
        .store
        .mark_pushed(
            &subject_of_call(call),
            std::slice::from_ref(&call.callee_id),
        )
        .await
    {
        tracing::error!(%error, "remembering a call's push failed");
    }
    queue(app, &[push]).await;
}

/// A call ended: a callee who was rung by push and never answered gets
/// `call_missed` (replacing the ringing notice). True when one was queued.
pub async fn call_ended(app: &App, call: &Call) -> bool {
    let rung = match app.store.take_pushed(&subject_of_call(call)).await {
        Ok(users) => users.contains(&call.callee_id),
        Err(error) => {
            tracing::error!(%error, "reading a call's push failed");
            false
        }
    };
    if !rung || call.answered_at.is_some() || call.status == CallStatus::Rejected {
        return false;
    }
    let caller_name = match show_names(app, &call.callee_id).await {
        true => app
            .store
            .user(&call.caller_id)
            .await
            .ok()
            .flatten()
            .map(|u| u.display_name),
        false => None,
    };
    let push = OutgoingPush {
        user: call.callee_id.clone(),
        notice: Notice::call_missed(&call.id, &call.conversation_id, caller_name.as_deref()),
        urgency: Urgency::Normal,
        topic: Some(topic_of(call.id.as_str())),
        expires_at: app.clock.now().plus(LATER_NOTICE_TTL),
    };
    queue(app, &[push]).await;
    true
}

/// Whether `user` lets notices name people (no on a read failure).
async fn show_names(app: &App, user: &UserId) -> bool {
    match app.store.user_settings(user).await {
        Ok(settings) => settings.push_show_names,
        Err(error) => {
            tracing::warn!(%error, "reading notification settings failed");
            false
        }
    }
}

async fn queue(app: &App, pushes: &[OutgoingPush]) {
    if pushes.is_empty() {
        return;
    }
    match app.store.queue_pushes(pushes, app.clock.now()).await {
        Ok(0) => {}
        Ok(_) => app.push.wake(),
        Err(error) => tracing::error!(%error, "queueing pushes failed"),
    }
}

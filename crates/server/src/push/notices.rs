//! Who is pushed about what. Each push is queued after the change it tells
//! of has committed, only for people with no live socket on any node, and
//! never with what anyone wrote (see `helpline_core::push::Notice`):
//! - a request, to on-call volunteers (available, subscribed, outside their
//!   quiet hours), taken back with `request_closed` when it closes;
//! - an accepted request, to its seeker (also one who was connected but
//!   left at once: `told`);
//! - new messages, at most one a user per gap (stored, so across nodes):
//!   one now, and one when the gap is over for what came meanwhile;
//! - a ringing call, to its callee (also one who leaves while it rings),
//!   then `call_missed` when nobody
//!   answered, or `call_closed` when it was answered or declined.
//!
//! A failure here is logged and never fails the event that caused it: the
//! change itself is stored, and the app shows it when opened.

use super::told::{self, Told};
use crate::app::App;
use helpline_core::alerts::{Alert, AlertKind};
use helpline_core::call::{Call, CallStatus, Media};
use helpline_core::checkins::Checkin;
use helpline_core::push::{Notice, OutgoingPush, PushKind, Urgency, topic_of};
use helpline_core::request::{HelpRequest, Topic};
use helpline_core::welfare::WelfareTask;
use helpline_core::{ConversationId, RequestId, Timestamp, UserId};
use helpline_store::{MessageSlot, OnCall};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

/// How long a "ready to talk" or "missed call" notice is worth delivering.
const LATER_NOTICE_TTL: Duration = Duration::from_secs(4 * 3600);
/// How long a message notice is worth delivering.
const MESSAGE_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a `request_closed` is worth delivering, at least: longer when
/// the request notice it takes back could still arrive later.
const CLOSE_TTL: Duration = Duration::from_secs(3600);
/// How long a safety alert's notice is worth delivering (it is raised
/// again anyway while nobody acknowledges it).
const ALERT_TTL: Duration = Duration::from_secs(3600);
/// Entries kept in the per-node message throttle before it is pruned.
const RECENT_LIMIT: usize = 10_000;

/// This node's memory of users whose next message notice is settled until
/// some time: one is queued for then already, or they have no device. The
/// stored throttle decides across nodes; this saves a database call per
/// message for them.
#[derive(Default)]
pub struct RecentMessagePushes(Mutex<HashMap<UserId, Timestamp>>);

impl RecentMessagePushes {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Timestamp>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `user`'s next notice is settled at `now`.
    fn settled(&self, user: &UserId, now: Timestamp) -> bool {
        self.lock().get(user).is_some_and(|until| *until > now)
    }

    /// Remembers that `user`'s next notice is settled until `until`.
    fn settle(&self, user: &UserId, until: Timestamp, now: Timestamp) {
        let mut recent = self.lock();
        if recent.len() >= RECENT_LIMIT {
            recent.retain(|_, at| *at > now);
        }
        recent.insert(user.clone(), until);
    }
}

fn subject_of_request(id: &RequestId) -> String {
    format!("request:{id}")
}

fn subject_of_call(call: &Call) -> String {
    format!("call:{}", call.id)
}

/// The volunteers to push a new request to: on call, not connected
/// anywhere, outside their quiet hours, below the chat cap.
pub async fn on_call_for(
    app: &App,
    seeker: &UserId,
    target: Option<&UserId>,
    topic: Option<Topic>,
) -> Vec<OnCall> {
    let now = app.clock.now();
    let found = match app.store.on_call_volunteers(seeker, target).await {
        Ok(found) if !found.is_empty() => found,
        Ok(_) => return Vec::new(),
        Err(error) => {
            tracing::error!(%error, "reading on-call volunteers failed");
            return Vec::new();
        }
    };
    // Credentials and the wellbeing cap read the database only for the
    // topics they concern.
    let eligible: Option<HashSet<UserId>> = match crate::wellbeing::concerns(app, topic) {
        false => None,
        true => {
            let ids = found.iter().map(|v| v.volunteer.clone()).collect();
            match crate::credentials::eligible(app, topic, ids).await {
                Ok(eligible) => Some(eligible.into_iter().collect()),
                Err(error) => {
                    tracing::error!(%error, "reading volunteers' credentials or sessions failed");
                    return Vec::new();
                }
            }
        }
    };
    let at_cap = match app.store.volunteers_at_cap(app.settings.chat_cap()).await {
        Ok(at_cap) => at_cap,
        Err(error) => {
            tracing::error!(%error, "reading volunteers at the chat cap failed");
            Vec::new()
        }
    };
    found
        .into_iter()
        .filter(|v| !app.presence.is_online(&v.volunteer) && !at_cap.contains(&v.volunteer))
        .filter(|v| eligible.as_ref().is_none_or(|e| e.contains(&v.volunteer)))
        .filter(|v| {
            !v.settings
                .quiet_hours
                .as_ref()
                .is_some_and(|q| q.contains(now))
        })
        .collect()
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
            // Not queued at all once the request has closed.
            while_pending: Some(request.id.clone()),
        })
        .collect();
    let users: Vec<UserId> = on_call.iter().map(|v| v.volunteer.clone()).collect();
    push_about_request(app, request, users, &pushes).await;
}

/// Pushes an escalated request to each support agent who is not
/// connected; taken back like the volunteers' notices when it closes.
pub async fn request_escalated(app: &App, request: &HelpRequest, seeker_name: &str) {
    let agents = match app.store.support_agents().await {
        Ok(agents) => agents,
        Err(error) => {
            tracing::error!(%error, "reading support agents failed");
            return;
        }
    };
    let mut users = Vec::new();
    let mut pushes = Vec::new();
    for agent in agents {
        if app.presence.is_online(&agent) {
            continue;
        }
        let name = show_names(app, &agent).await.then_some(seeker_name);
        pushes.push(OutgoingPush {
            user: agent.clone(),
            notice: Notice::escalation(&request.id, name),
            urgency: Urgency::High,
            topic: Some(topic_of(request.id.as_str())),
            expires_at: request.expires_at,
            while_pending: Some(request.id.clone()),
        });
        users.push(agent);
    }
    if !users.is_empty() {
        push_about_request(app, request, users, &pushes).await;
    }
}

/// Pushes a safety alert to each support agent who is not connected (at
/// once, high urgency, worth an hour).
pub async fn alert_raised(app: &App, alert: &Alert) {
    let name = alert.raised_by.display_name.as_str();
    to_offline_support(app, alert.id.as_str(), |shown| match alert.kind {
        AlertKind::Person => Notice::alert(&alert.id, shown.then_some(name)),
        AlertKind::ScamGuard => Notice::scam_alert(&alert.id, shown.then_some(name)),
    })
    .await;
}

/// Pushes a welfare check to each support agent who is not connected.
pub async fn welfare_raised(app: &App, task: &WelfareTask) {
    let name = task.seeker.display_name.as_str();
    to_offline_support(app, task.id.as_str(), |shown| {
        Notice::welfare(&task.id, shown.then_some(name))
    })
    .await;
}

/// Pushes a check-in reminder to whichever of its two people is not
/// connected (worth until the check-in's time).
pub async fn checkin_soon(app: &App, checkin: &Checkin) {
    let now = app.clock.now();
    let until = checkin.next_at.unwrap_or(now);
    let mut pushes = Vec::new();
    for (user, other) in [
        (&checkin.seeker.id, &checkin.volunteer.display_name),
        (&checkin.volunteer.id, &checkin.seeker.display_name),
    ] {
        if app.presence.is_online(user) {
            continue;
        }
        let name = show_names(app, user).await.then_some(other.as_str());
        pushes.push(OutgoingPush {
            user: user.clone(),
            notice: Notice::checkin_soon(&checkin.id, name),
            urgency: Urgency::Normal,
            topic: Some(topic_of(checkin.id.as_str())),
            expires_at: until,
            while_pending: None,
        });
    }
    queue(app, &pushes).await;
}

/// Pushes `notice(names shown)` to every support agent not connected (at
/// once, high urgency, worth an hour), one topic per `key`.
async fn to_offline_support(app: &App, key: &str, notice: impl Fn(bool) -> Notice) {
    let agents = match app.store.support_agents().await {
        Ok(agents) => agents,
        Err(error) => {
            tracing::error!(%error, "reading support agents failed");
            return;
        }
    };
    let now = app.clock.now();
    let mut pushes = Vec::new();
    for agent in agents {
        if app.presence.is_online(&agent) {
            continue;
        }
        let notice = notice(show_names(app, &agent).await);
        pushes.push(OutgoingPush {
            user: agent,
            notice,
            urgency: Urgency::High,
            topic: Some(topic_of(key)),
            expires_at: now.plus(ALERT_TTL),
            while_pending: None,
        });
    }
    queue(app, &pushes).await;
}

/// Queues `pushes` about a pending `request` to `users`, marked so that
/// its close takes them back.
async fn push_about_request(
    app: &App,
    request: &HelpRequest,
    users: Vec<UserId>,
    pushes: &[OutgoingPush],
) {
    let subject = subject_of_request(&request.id);
    // Marked first: a close from now on takes these users back.
    if let Err(error) = app
        .store
        .mark_pushed(&subject, Some(&request.id), &users)
        .await
    {
        tracing::error!(%error, "remembering a request's pushes failed");
        return;
    }
    queue(app, pushes).await;
    // Closed while this was queueing: the close may have taken the marks
    // before the pushes were written, so this takes back what it queued.
    match app.store.request(&request.id).await {
        Ok(Some(now)) if now.status != helpline_core::request::RequestStatus::Pending => {
            let topic = topic_of(request.id.as_str());
            if let Err(error) = app
                .store
                .take_pushed(&subject, None, Some((PushKind::Request, &topic)))
                .await
            {
                tracing::warn!(%error, "taking back a closed request's pushes failed");
            }
            queue(app, &closes(app, &now, users)).await;
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "re-reading a pushed request failed"),
    }
}

/// Takes back the notices of a request that was taken, cancelled, declined
/// or expired (once, whichever node closes it): pushes not sent yet are
/// dropped, and every device that was pushed gets `request_closed`.
pub async fn request_closed(app: &App, request: &HelpRequest) {
    take_back(app, request, None).await;
}

/// Takes back `volunteer`'s notice of `request` (a block between them).
pub async fn request_closed_for(app: &App, request: &HelpRequest, volunteer: &UserId) {
    take_back(app, request, Some(volunteer)).await;
}

async fn take_back(app: &App, request: &HelpRequest, only: Option<&UserId>) {
    // Read with the request: nobody was pushed about nearly every request,
    // and closing those costs nothing here. (A request closed before its
    // opener flagged it is taken back by the opener.)
    if !request.pushed {
        return;
    }
    let topic = topic_of(request.id.as_str());
    let users = match app
        .store
        .take_pushed(
            &subject_of_request(&request.id),
            only,
            Some((PushKind::Request, &topic)),
        )
        .await
    {
        Ok(users) => users,
        Err(error) => {
            tracing::error!(%error, "reading a request's pushes failed");
            return;
        }
    };
    queue(app, &closes(app, request, users)).await;
}

/// `request_closed` for each of `users`.
fn closes(app: &App, request: &HelpRequest, users: Vec<UserId>) -> Vec<OutgoingPush> {
    let expires_at = app.clock.now().plus(CLOSE_TTL).max(request.expires_at);
    users
        .into_iter()
        .map(|user| OutgoingPush {
            user,
            notice: Notice::request_closed(&request.id),
            urgency: Urgency::Normal,
            // The same topic: a request notice still waiting at the push
            // service is replaced rather than delivered.
            topic: Some(topic_of(request.id.as_str())),
            expires_at,
            while_pending: None,
        })
        .collect()
}

/// Decides, before a seeker is told in the app that a volunteer accepted,
/// whether they are to be pushed ([`session_started`]): not while
/// connected, but then it is remembered first, so that leaving at any
/// moment after the app was told still pushes it ([`super::told`]).
pub fn session_push_needed(
    app: &App,
    seeker: &UserId,
    conversation: &ConversationId,
    volunteer_name: &str,
) -> bool {
    if !app.presence.is_online(seeker) {
        return true;
    }
    let now = app.clock.now();
    let told = Told::Session {
        conversation: conversation.clone(),
        volunteer_name: volunteer_name.to_owned(),
    };
    let until = now.plus(told::SESSION_WINDOW);
    app.push.told_in_app.remember(seeker, told, until, now);
    false
}

/// Tells a seeker who is not connected that a volunteer accepted.
pub async fn session_started(
    app: &App,
    seeker: &UserId,
    conversation: &ConversationId,
    volunteer_name: &str,
) {
    let show = show_names(app, seeker).await;
    let push = OutgoingPush {
        user: seeker.clone(),
        notice: Notice::session(conversation, show.then_some(volunteer_name)),
        urgency: Urgency::High,
        topic: Some(topic_of(conversation.as_str())),
        expires_at: app.clock.now().plus(LATER_NOTICE_TTL),
        while_pending: None,
    };
    queue(app, &[push]).await;
}

/// Tells the participants who are not connected of a new message in
/// `conversation`: at most one notice a user per gap, and one when the gap
/// is over for what came meanwhile.
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
            || app.push.recent_messages.settled(user, now)
        {
            continue;
        }
        let name = match show_names(app, user).await {
            true => {
                if sender_name.is_none() {
                    let found = app.store.user(sender).await.ok().flatten();
                    sender_name = Some(found.map(|u| u.display_name));
                }
                sender_name.clone().flatten()
            }
            false => None,
        };
        let push = OutgoingPush {
            user: user.clone(),
            notice: Notice::message(conversation, name.as_deref()),
            urgency: Urgency::Normal,
            topic: Some(topic_of(conversation.as_str())),
            expires_at: now.plus(MESSAGE_TTL),
            while_pending: None,
        };
        let recent = &app.push.recent_messages;
        match app.store.queue_throttled_push(&push, now, gap).await {
            Ok(MessageSlot::Now) => app.push.wake(),
            Ok(MessageSlot::Deferred(at) | MessageSlot::Covered(at)) => {
                recent.settle(user, at, now)
            }
            Ok(MessageSlot::NoDevice) => recent.settle(user, now.plus(gap), now),
            Err(error) => tracing::error!(%error, "queueing a message push failed"),
        }
    }
}

/// Rings a callee who is not connected, until the call's ring deadline
/// (one who is, only if they leave while it rings: [`super::told`]).
pub async fn call_ringing(app: &App, call: &Call, caller_name: &str) {
    if app.presence.is_online(&call.callee_id) {
        let told = Told::Call(call.id.clone());
        let now = app.clock.now();
        app.push
            .told_in_app
            .remember(&call.callee_id, told, call.rings_until, now);
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
        while_pending: None,
    };
    if let Err(error) = app
        .store
        .mark_pushed(
            &subject_of_call(call),
            None,
            std::slice::from_ref(&call.callee_id),
        )
        .await
    {
        tracing::error!(%error, "remembering a call's push failed");
    }
    queue(app, &[push]).await;
}

/// A call was answered or ended: a callee who was rung by push gets
/// `call_closed` if it was answered or declined (on some device), or
/// `call_missed` if nobody answered; either replaces the ringing notice
/// (once: the first of the two takes the mark). True when `call_missed`
/// was queued.
pub async fn call_settled(app: &App, call: &Call) -> bool {
    let topic = topic_of(call.id.as_str());
    let rung = match app
        .store
        .take_pushed(
            &subject_of_call(call),
            Some(&call.callee_id),
            Some((PushKind::Call, &topic)),
        )
        .await
    {
        Ok(users) => !users.is_empty(),
        Err(error) => {
            tracing::error!(%error, "reading a call's push failed");
            false
        }
    };
    if !rung {
        return false;
    }
    let missed = call.answered_at.is_none() && call.status != CallStatus::Rejected;
    let notice = if missed {
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
        Notice::call_missed(&call.id, &call.conversation_id, caller_name.as_deref())
    } else {
        Notice::call_closed(&call.id, &call.conversation_id)
    };
    let push = OutgoingPush {
        user: call.callee_id.clone(),
        notice,
        urgency: Urgency::Normal,
        topic: Some(topic),
        expires_at: app.clock.now().plus(LATER_NOTICE_TTL),
        while_pending: None,
    };
    queue(app, &[push]).await;
    missed
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

//! Limits that protect volunteers (issue 24): a volunteer who has taken
//! `HELPLINE_MAX_EMOTIONAL_SESSIONS_PER_DAY` requests on the emotional
//! topic in the last 24 hours is not offered, pushed or given another
//! until the oldest of them is a day old; one made to them by name is
//! refused with `conflict`. Counted from the database (accepted requests)
//! each time, so the limit holds on every node at once.
//!
//! Debriefs: when an emotional-support chat ends, or a safety alert in a
//! conversation a volunteer took part in (or raised) is resolved, the
//! volunteer hears `wellbeing:debrief`; one tap (`POST /api/me/debrief`)
//! opens a conversation with a member of staff (one online if any).

use crate::app::App;
use crate::realtime::outbound::ServerEvent;
use helpline_core::alerts::Alert;
use helpline_core::conversation::ConversationSummary;
use helpline_core::message::{MessageDraft, MessageType, NewMessage};
use helpline_core::request::Topic;
use helpline_core::user::{Role, User};
use helpline_core::{ConversationId, DomainError, MessageId, RequestId, Timestamp, UserId};
use std::collections::HashSet;

/// The window the cap counts over.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Whether offering a request on `topic` reads anything beyond presence:
/// a credential it needs, or the wellbeing cap.
pub fn concerns(app: &App, topic: Option<Topic>) -> bool {
    crate::credentials::required(app, topic).is_some() || capped(app, topic).is_some()
}

/// The cap that applies to a request on `topic`, if any.
fn capped(app: &App, topic: Option<Topic>) -> Option<u32> {
    let cap = app.settings.max_emotional_sessions_per_day;
    (topic == Some(Topic::Emotional) && cap > 0).then_some(cap)
}

/// Of `volunteers`, those not resting after the day's emotional sessions
/// (all of them for other topics), in their order.
pub async fn not_resting(
    app: &App,
    topic: Option<Topic>,
    volunteers: Vec<UserId>,
) -> Result<Vec<UserId>, DomainError> {
    let Some(cap) = capped(app, topic) else {
        return Ok(volunteers);
    };
    if volunteers.is_empty() {
        return Ok(volunteers);
    }
    let since = Timestamp::from_millis(app.clock.now().millis().saturating_sub(DAY_MS));
    let resting: HashSet<UserId> = app
        .store
        .volunteers_resting(since, cap)
        .await?
        .into_iter()
        .collect();
    Ok(volunteers
        .into_iter()
        .filter(|v| !resting.contains(v))
        .collect())
}

/// The refusal for a volunteer who has done the day's emotional sessions.
pub fn resting_refusal() -> DomainError {
    DomainError::Conflict(
        "you have taken as many emotional support sessions as you should in a day: time to rest",
    )
}

/// A chat from `request` ended: if it was on the emotional topic, its
/// volunteer is offered a debrief.
pub async fn chat_ended(app: &App, request: &RequestId, conversation: &ConversationId) {
    let request = match app.store.request(request).await {
        Ok(Some(request)) => request,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "reading an ended chat's request failed");
            return;
        }
    };
    if request.topic != Some(Topic::Emotional) {
        return;
    }
    if let Some(volunteer) = &request.volunteer_id {
        offer_debrief(app, volunteer, "emotional", Some(conversation)).await;
    }
}

/// A safety alert was resolved: each volunteer who raised it or took part
/// in its conversation is offered a debrief.
pub async fn alert_resolved(app: &App, alert: &Alert) {
    let mut volunteers: Vec<UserId> = Vec::new();
    if alert.raised_by.role == Role::Volunteer {
        volunteers.push(alert.raised_by.id.clone());
    }
    if let Some(conversation) = &alert.conversation_id {
        match app.store.participants(conversation).await {
            Ok(people) => {
                for person in people {
                    if volunteers.contains(&person) {
                        continue;
                    }
                    if let Ok(Some(user)) = app.store.user(&person).await
                        && user.role == Role::Volunteer
                    {
                        volunteers.push(person);
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "reading an alert's conversation failed"),
        }
    }
    for volunteer in &volunteers {
        offer_debrief(app, volunteer, "alert", alert.conversation_id.as_ref()).await;
    }
}

async fn offer_debrief(
    app: &App,
    volunteer: &UserId,
    reason: &'static str,
    conversation: Option<&ConversationId>,
) {
    let event = ServerEvent::WellbeingDebrief {
        reason,
        conversation_id: conversation.cloned(),
    };
    app.fanout.to_user(volunteer, &event).await;
}

/// `POST /api/me/debrief`: opens (or reuses) a conversation between the
/// volunteer and a member of staff, one who is online if any is, with a
/// note saying why; `conflict` when the helpline has no staff at all.
pub async fn open_debrief(
    app: &App,
    volunteer: &User,
) -> Result<(ConversationSummary, User), DomainError> {
    let agents = app.store.support_agents().await?;
    let chosen = agents
        .iter()
        .find(|a| app.presence.is_online(a))
        .or_else(|| agents.first())
        .ok_or(DomainError::Conflict(
            "there is no member of staff to talk to yet",
        ))?;
    let agent = app.store.user(chosen).await?.ok_or(DomainError::Conflict(
        "there is no member of staff to talk to yet",
    ))?;
    let (summary, _) = crate::direct::start_direct(app, volunteer, &agent.id).await?;
    let note = NewMessage {
        id: MessageId::generate(),
        sender_id: volunteer.id.clone(),
        draft: MessageDraft {
            conversation_id: summary.id.clone(),
            content: format!(
                "{} would like to talk over a hard session.",
                volunteer.display_name
            ),
            message_type: MessageType::System,
            client_message_id: format!("system:{}", MessageId::generate()),
            reply_to_id: None,
            expires_in_secs: None,
            attachment_id: None,
        },
        created_at: app.clock.now(),
        flags: Vec::new(),
    };
    match app.store.append_message(&note).await? {
        Ok(appended) => app.fanout.system_message(&appended.message).await,
        Err(refusal) => return Err(refusal.into()),
    }
    Ok((summary, agent))
}

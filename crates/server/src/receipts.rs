//! Delivery and read receipts, unread counts and archiving, shared by the
//! REST routes and the Socket.IO handlers.
//!
//! A message counts as delivered to a person once one of their devices has
//! it: it acknowledged `message:new`, or fetched it through `message:sync`
//! or the history route. The sender's devices then hear `message:delivered`
//! with the person's new mark. Marks only rise, so repeated deliveries cost
//! a write but no event.

use crate::app::App;
use crate::realtime::outbound::ServerEvent;
use helpline_core::message::Message;
use helpline_core::{ConversationId, DomainError, UserId};
use serde::Serialize;

/// Raises `user`'s delivered mark in `conversation` and, if it rose, tells
/// the other participants.
pub async fn delivered(
    app: &App,
    conversation: &ConversationId,
    user: &UserId,
    up_to_seq: i64,
) -> Result<(), DomainError> {
    let Some(mark) = app
        .store
        .mark_delivered(conversation, user, up_to_seq)
        .await?
    else {
        return Ok(());
    };
    let others: Vec<UserId> = app
        .participants
        .of(app.store.as_ref(), conversation)
        .await?
        .iter()
        .filter(|p| *p != user)
        .cloned()
        .collect();
    let event = ServerEvent::MessageDelivered {
        conversation_id: conversation.clone(),
        user_id: user.clone(),
        up_to_seq: mark,
    };
    app.fanout.to_users(&others, &event).await;
    Ok(())
}

/// What a device's ack of `message:new` does: records the message (by
/// `sender`, at `seq`) as delivered to that device's user, unless they sent
/// it. Built once per message, on the node the device is connected to.
pub fn on_delivered(
    app: &App,
    conversation: &ConversationId,
    sender: &UserId,
    seq: i64,
) -> crate::realtime::fanout::OnDelivered {
    let (app, sender, conversation) = (app.clone(), sender.clone(), conversation.clone());
    std::sync::Arc::new(move |user: UserId| {
        if user == sender {
            return;
        }
        let (app, conversation) = (app.clone(), conversation.clone());
        tokio::spawn(async move {
            if let Err(error) = delivered(&app, &conversation, &user, seq).await {
                tracing::warn!(%error, "recording a delivery failed");
            }
        });
    })
}

/// Marks what a person just fetched as delivered to them.
pub async fn fetched(
    app: &App,
    conversation: &ConversationId,
    user: &UserId,
    messages: &[Message],
) -> Result<(), DomainError> {
    match messages.iter().map(|m| m.seq).max() {
        Some(newest) => delivered(app, conversation, user, newest).await,
        None => Ok(()),
    }
}

/// A person's unread messages.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unread {
    /// Across all their conversations.
    pub total: i64,
    /// Per conversation, only those with unread messages.
    pub conversations: Vec<ConversationUnread>,
}

/// Unread messages in one conversation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationUnread {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Messages from others after the person's read mark.
    pub unread_count: i64,
}

/// Counts `user`'s unread messages.
pub async fn unread(app: &App, user: &UserId) -> Result<Unread, DomainError> {
    let conversations: Vec<ConversationUnread> = app
        .store
        .conversation_summaries(user)
        .await?
        .into_iter()
        .filter(|s| s.unread_count > 0)
        .map(|s| ConversationUnread {
            conversation_id: s.id,
            unread_count: s.unread_count,
        })
        .collect();
    Ok(Unread {
        total: conversations.iter().map(|c| c.unread_count).sum(),
        conversations,
    })
}

/// Tells all of `user`'s devices their unread counts after a read on one of them.
pub async fn announce_unread(
    app: &App,
    user: &UserId,
    conversation: &ConversationId,
) -> Result<(), DomainError> {
    let counts = unread(app, user).await?;
    let unread_count = counts
        .conversations
        .iter()
        .find(|c| c.conversation_id == *conversation)
        .map_or(0, |c| c.unread_count);
    let event = ServerEvent::UnreadUpdated {
        conversation_id: conversation.clone(),
        unread_count,
        total: counts.total,
    };
    app.fanout.to_user(user, &event).await;
    Ok(())
}

/// Archives or brings back a conversation for `user`, and tells their devices.
pub async fn set_archived(
    app: &App,
    user: &UserId,
    conversation: &ConversationId,
    archived: bool,
) -> Result<(), DomainError> {
    if !app
        .store
        .set_archived(conversation, user, archived, app.clock.now())
        .await?
    {
        return Err(DomainError::NotFound("no such conversation"));
    }
    let event = ServerEvent::ConversationArchived {
        conversation_id: conversation.clone(),
        archived,
    };
    app.fanout.to_user(user, &event).await;
    Ok(())
}

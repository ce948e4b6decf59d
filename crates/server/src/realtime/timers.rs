//! Disappearing messages: `conversation:settings` sets a conversation's
//! timer (any participant; the room is told with a system message and a
//! `conversation:settings` event), and [`announce_expired`] tells rooms
//! about messages the sweeper deleted.

use super::ack::{Ack, Context, Handlers, Replied};
use super::outbound::ServerEvent;
use crate::app::App;
use helpline_core::conversation::{ConversationStatus, describe_timer};
use helpline_core::inbound::{ConversationSettings, TimerSet};
use helpline_core::message::{Message, MessageDraft, MessageType, NewMessage};
use helpline_core::permissions::{
    ConversationAction, ConversationFacts, check_conversation_action,
};
use helpline_core::{DomainError, MessageId};

/// Adds this group's handlers to the table.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(conversation_settings);
}

async fn conversation_settings(
    ctx: Context,
    ConversationSettings { change }: ConversationSettings,
    ack: Ack<TimerSet>,
) -> Result<Replied, DomainError> {
    let store = &ctx.app.store;
    let participants = ctx
        .app
        .participants
        .of(store.as_ref(), &change.conversation_id)
        .await?;
    let conversation = store
        .conversation(&change.conversation_id)
        .await?
        .ok_or(DomainError::NotFound("no such conversation"))?;
    let facts = ConversationFacts {
        participants: &participants,
        active: conversation.status == ConversationStatus::Active,
    };
    // Changing the timer writes a system message, so it is a send.
    check_conversation_action(ConversationAction::Send, &ctx.caller.id, facts, None)?;
    store
        .set_auto_delete(&change.conversation_id, change.auto_delete_secs)
        .await?;
    let note = match change.auto_delete_secs {
        None => format!(
            "{} turned off disappearing messages",
            ctx.caller.display_name
        ),
        Some(secs) => format!(
            "{} set messages to disappear: {}",
            ctx.caller.display_name,
            describe_timer(Some(secs))
        ),
    };
    let system = NewMessage {
        id: MessageId::generate(),
        sender_id: ctx.caller.id.clone(),
        draft: MessageDraft {
            conversation_id: change.conversation_id.clone(),
            content: note,
            message_type: MessageType::System,
            client_message_id: format!("system:{}", MessageId::generate()),
            reply_to_id: None,
            // The notice itself stays.
            expires_in_secs: None,
            attachment_id: None,
        },
        created_at: ctx.app.clock.now(),
        flags: Vec::new(),
    };
    let appended = match store.append_message(&system).await? {
        Ok(appended) => appended,
        Err(refusal) => return Err(refusal.into()),
    };
    let replied = ack.send(TimerSet {
        conversation_id: change.conversation_id.clone(),
        auto_delete_secs: change.auto_delete_secs,
    });
    let fanout = &ctx.app.fanout;
    let settings = ServerEvent::ConversationSettings {
        conversation_id: change.conversation_id.clone(),
        auto_delete_secs: change.auto_delete_secs,
        changed_by: ctx.caller.id.clone(),
    };
    fanout
        .to_conversation(&change.conversation_id, &settings)
        .await;
    fanout.system_message(&appended.message).await;
    Ok(replied)
}

/// Tells each message's room that the sweeper deleted it.
pub async fn announce_expired(app: &App, expired: Vec<Message>) {
    for message in expired {
        let event = ServerEvent::MessageDeleted {
            conversation_id: message.conversation_id.clone(),
            message_id: message.id,
            seq: message.seq,
        };
        app.fanout
            .to_conversation(&message.conversation_id, &event)
            .await;
    }
}

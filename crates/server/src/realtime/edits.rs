//! Changing messages after they were sent: `message:edit` and
//! `message:delete` (the sender only) and `message:react` (any
//! participant). Each checks the one permission table, changes the store,
//! acknowledges, then tells the conversation's room.

use super::ack::{Ack, Context, Handlers, Replied};
use super::outbound::ServerEvent;
use crate::scam_guard::{self, Screened};
use helpline_core::DomainError;
use helpline_core::conversation::ConversationStatus;
use helpline_core::inbound::{
    MessageDelete, MessageDeleted, MessageEdit, MessageEdited, MessageReact, Reacted,
};
use helpline_core::message::{Message, MessageRef};
use helpline_core::permissions::{
    ConversationAction, ConversationFacts, check_conversation_action,
};

/// Adds this group's handlers to the table.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(message_edit);
    handlers.on(message_delete);
    handlers.on(message_react);
}

/// The live message `target` names, once `action` on it is allowed.
/// Messages of other conversations, deleted ones and strangers' requests
/// for them all look the same: `not_found` or `forbidden`, never the content.
async fn checked_target(
    ctx: &Context,
    target: &MessageRef,
    action: ConversationAction,
) -> Result<Message, DomainError> {
    let store = &ctx.app.store;
    let participants = ctx
        .app
        .participants
        .of(store.as_ref(), &target.conversation_id)
        .await?;
    let conversation = store
        .conversation(&target.conversation_id)
        .await?
        .ok_or(DomainError::NotFound("no such conversation"))?;
    let facts = ConversationFacts {
        participants: &participants[..],
        active: conversation.status == ConversationStatus::Active,
    };
    // Membership first, so a stranger learns nothing about the message.
    check_conversation_action(ConversationAction::ReadHistory, &ctx.caller.id, facts, None)?;
    let message = store
        .message(&target.message_id)
        .await?
        .filter(|m| m.conversation_id == target.conversation_id && m.deleted_at.is_none())
        .ok_or(DomainError::NotFound("no such message"))?;
    check_conversation_action(action, &ctx.caller.id, facts, Some(&message.sender_id))?;
    Ok(message)
}

async fn message_edit(
    ctx: Context,
    MessageEdit { target, content }: MessageEdit,
    ack: Ack<MessageEdited>,
) -> Result<Replied, DomainError> {
    checked_target(&ctx, &target, ConversationAction::Edit).await?;
    // The new text is screened as a new message would be.
    let participants = ctx
        .app
        .participants
        .of(ctx.app.store.as_ref(), &target.conversation_id)
        .await?;
    let others: Vec<_> = participants
        .iter()
        .filter(|p| **p != ctx.caller.id)
        .cloned()
        .collect();
    let screened = scam_guard::screen(&ctx.app, &ctx.caller, &others, &content).await;
    let edited = ctx
        .app
        .store
        .edit_message(
            &target.message_id,
            &content,
            &Screened::flags(&screened),
            ctx.app.clock.now(),
        )
        .await?
        .ok_or(DomainError::NotFound("no such message"))?;
    let replied = ack.send(MessageEdited {
        message: edited.clone(),
    });
    let evidence = screened.map(|screened| (screened, edited.clone()));
    ctx.app
        .fanout
        .to_conversation(&target.conversation_id, &ServerEvent::MessageEdited(edited))
        .await;
    if let Some((screened, edited)) = evidence {
        scam_guard::report(&ctx.app, &edited, screened).await;
    }
    Ok(replied)
}

async fn message_delete(
    ctx: Context,
    MessageDelete { target }: MessageDelete,
    ack: Ack<MessageDeleted>,
) -> Result<Replied, DomainError> {
    let message = checked_target(&ctx, &target, ConversationAction::Delete).await?;
    let attachment = match &message.attachment {
        Some(info) => ctx.app.store.attachment(&info.id).await?,
        None => None,
    };
    let tombstone = ctx
        .app
        .store
        .delete_message(&target.message_id, ctx.app.clock.now())
        .await?
        .ok_or(DomainError::NotFound("no such message"))?;
    let replied = ack.send(MessageDeleted {
        message_id: tombstone.id.clone(),
        seq: tombstone.seq,
    });
    let deleted = ServerEvent::MessageDeleted {
        conversation_id: target.conversation_id.clone(),
        message_id: tombstone.id,
        seq: tombstone.seq,
    };
    // Its attachment's files go now (before the room hears of it), not at
    // the next sweep. The sweep takes the dead row; the files are removed
    // here too, because a sweeper tick at the same moment may have taken
    // the row and not yet the files.
    crate::attachments::sweep(&ctx.app).await;
    if let Some(attachment) = &attachment {
        crate::attachments::remove_files(&ctx.app, attachment).await;
    }
    ctx.app
        .fanout
        .to_conversation(&target.conversation_id, &deleted)
        .await;
    Ok(replied)
}

async fn message_react(
    ctx: Context,
    MessageReact { target, emoji }: MessageReact,
    ack: Ack<Reacted>,
) -> Result<Replied, DomainError> {
    checked_target(&ctx, &target, ConversationAction::React).await?;
    let reactions = ctx
        .app
        .store
        .toggle_reaction(
            &target.message_id,
            &ctx.caller.id,
            &emoji,
            ctx.app.clock.now(),
        )
        .await?
        .ok_or(DomainError::NotFound("no such message"))?;
    let replied = ack.send(Reacted {
        message_id: target.message_id.clone(),
        reactions: reactions.clone(),
    });
    let event = ServerEvent::MessageReaction {
        conversation_id: target.conversation_id.clone(),
        message_id: target.message_id,
        reactions,
    };
    ctx.app
        .fanout
        .to_conversation(&target.conversation_id, &event)
        .await;
    Ok(replied)
}

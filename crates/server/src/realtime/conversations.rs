//! Conversation events: `conversation:start`, `message:send`,
//! `message:sync`, `typing:start`, `typing:stop`, `message:read` and
//! `chat:end`. Only participants may use
//! them; a message is acknowledged only once it is durably stored.

use super::ack::{Ack, Context, Handlers, Replied};
use super::encoded::EncodedMessage;
use super::outbound::{ServerEvent, SupportChange};
use crate::app::App;
use crate::push::notices;
use crate::scam_guard::{self, Screened};
use helpline_core::inbound::{
    ChatEnd, ConversationStart, ConversationStarted, MessageRead, MessageSend, MessageSync,
    ReadUpTo, SentMessage, SyncedMessages, TypingStart, TypingStop,
};
use helpline_core::message::{NewMessage, require_fits};
use helpline_core::notice::SystemNote;
use helpline_core::permissions::require_participant;
use helpline_core::{ConversationId, DomainError, MessageId, UserId};
use helpline_store::AppendRefusal;

/// Adds this group's handlers to the table.
pub(super) fn register(handlers: &mut Handlers) {
    handlers.on(conversation_start);
    handlers.on(message_send);
    handlers.on(message_sync);
    handlers.on(|ctx, event: TypingStart, ack| typing(ctx, event.conversation_id, ack, true));
    handlers.on(|ctx, event: TypingStop, ack| typing(ctx, event.conversation_id, ack, false));
    handlers.on(message_read);
    handlers.on(chat_end);
}

/// The conversation's participants other than the caller; refuses
/// strangers (`forbidden`) and unknown conversations (`not_found`).
async fn others_in(
    ctx: &Context,
    conversation: &ConversationId,
) -> Result<Vec<UserId>, DomainError> {
    let participants = ctx
        .app
        .participants
        .of(ctx.app.store.as_ref(), conversation)
        .await?;
    if participants.is_empty() {
        return Err(DomainError::NotFound("no such conversation"));
    }
    require_participant(&ctx.caller.id, &participants)?;
    Ok(participants
        .iter()
        .filter(|p| **p != ctx.caller.id)
        .cloned()
        .collect())
}

async fn conversation_start(
    ctx: Context,
    event: ConversationStart,
    ack: Ack<ConversationStarted>,
) -> Result<Replied, DomainError> {
    let caller = ctx
        .app
        .store
        .user(&ctx.caller.id)
        .await?
        .ok_or(DomainError::Unauthorized)?;
    let (conversation, _) =
        crate::direct::start_direct(&ctx.app, &caller, &event.participant_id).await?;
    Ok(ack.send(ConversationStarted { conversation }))
}

async fn message_send(
    ctx: Context,
    MessageSend { draft }: MessageSend,
    ack: Ack<SentMessage>,
) -> Result<Replied, DomainError> {
    // Blocks are checked by the store, in the statement that stores the message.
    let others = others_in(&ctx, &draft.conversation_id).await?;
    if let Some(id) = &draft.attachment_id {
        let attachment = ctx
            .app
            .store
            .attachment(id)
            .await?
            .filter(|a| {
                a.conversation_id == draft.conversation_id && a.uploader_id == ctx.caller.id
            })
            .ok_or_else(unsendable)?;
        require_fits(draft.message_type, &attachment.mime)?;
    }
    // Sending ends typing.
    if ctx.app.typing.stop(&draft.conversation_id, &ctx.caller.id) {
        relay_typing(
            &ctx.app,
            &others,
            &draft.conversation_id,
            &ctx.caller.id,
            false,
        )
        .await;
    }
    let screened = scam_guard::screen(&ctx.app, &ctx.caller, &others, &draft.content).await;
    let new = NewMessage {
        id: MessageId::generate(),
        sender_id: ctx.caller.id.clone(),
        draft,
        created_at: ctx.app.clock.now(),
        flags: Screened::flags(&screened),
    };
    let appended = match ctx.app.store.append_message(&new).await? {
        Ok(appended) => appended,
        Err(refusal) => return Err(refusal.into()),
    };
    // Encoded once, for the ack and for the conversation's room.
    let encoded = EncodedMessage::of(&appended.message)?;
    let replied = ack.send_message(&encoded);
    if appended.created {
        let seq = appended.message.seq;
        // Each device's ack is a delivery receipt for its user (made only
        // if a device asked for receipts).
        let message = &appended.message;
        let on_delivered = || {
            crate::receipts::on_delivered(
                &ctx.app,
                &message.conversation_id,
                &message.sender_id,
                seq,
            )
        };
        ctx.app
            .fanout
            .deliver_message(
                &message.conversation_id,
                &message.sender_id,
                seq,
                encoded,
                on_delivered,
            )
            .await;
        notices::message(
            &ctx.app,
            &message.conversation_id,
            &message.sender_id,
            &others,
        )
        .await;
        if let Some(screened) = screened {
            scam_guard::report(&ctx.app, message, screened).await;
        }
    }
    Ok(replied)
}

/// An `attachmentId` that is not the caller's unsent upload in this conversation.
fn unsendable() -> DomainError {
    AppendRefusal::BadAttachment.into()
}

async fn message_sync(
    ctx: Context,
    MessageSync { query }: MessageSync,
    ack: Ack<SyncedMessages>,
) -> Result<Replied, DomainError> {
    others_in(&ctx, &query.conversation_id).await?;
    let mut messages = ctx
        .app
        .store
        .messages_after(&query.conversation_id, query.after_seq, query.limit + 1)
        .await?;
    let has_more = messages.len() as i64 > query.limit;
    messages.truncate(query.limit as usize);
    // What was fetched is delivered, once the answer is out.
    let newest = messages.iter().map(|m| m.seq).max();
    let replied = ack.send(SyncedMessages { messages, has_more });
    if let Some(newest) = newest {
        crate::receipts::delivered(&ctx.app, &query.conversation_id, &ctx.caller.id, newest)
            .await?;
    }
    Ok(replied)
}

async fn typing(
    ctx: Context,
    conversation_id: ConversationId,
    ack: Ack<()>,
    is_typing: bool,
) -> Result<Replied, DomainError> {
    let others = others_in(&ctx, &conversation_id).await?;
    let conversation = ctx.app.store.conversation(&conversation_id).await?;
    if !matches!(conversation, Some(c) if c.status == helpline_core::conversation::ConversationStatus::Active)
    {
        return Err(DomainError::ConversationEnded);
    }
    let replied = ack.send(());
    let (app, user) = (&ctx.app, &ctx.caller.id);
    if !is_typing {
        if app.typing.stop(&conversation_id, user) {
            relay_typing(app, &others, &conversation_id, user, false).await;
        }
        return Ok(replied);
    }
    let started = app.typing.start(&conversation_id, user);
    if started.relay {
        relay_typing(app, &others, &conversation_id, user, true).await;
    }
    // Lapse by itself unless renewed or stopped first.
    let (app, user, timeout) = (app.clone(), user.clone(), app.settings.typing_timeout());
    tokio::spawn(async move {
        tokio::time::sleep(timeout).await;
        if app
            .typing
            .lapse(&conversation_id, &user, started.generation)
        {
            relay_typing(&app, &others, &conversation_id, &user, false).await;
        }
    });
    Ok(replied)
}

/// Tells `others` that `user` started or stopped typing.
async fn relay_typing(
    app: &App,
    others: &[UserId],
    conversation: &ConversationId,
    user: &UserId,
    is_typing: bool,
) {
    let event = ServerEvent::Typing {
        conversation_id: conversation.clone(),
        user_id: user.clone(),
        is_typing,
    };
    app.fanout.to_users(others, &event).await;
}

async fn message_read(
    ctx: Context,
    MessageRead {
        conversation_id,
        up_to_seq: requested,
    }: MessageRead,
    ack: Ack<ReadUpTo>,
) -> Result<Replied, DomainError> {
    let others = others_in(&ctx, &conversation_id).await?;
    let up_to_seq = ctx
        .app
        .store
        .mark_read(&conversation_id, &ctx.caller.id, requested)
        .await?;
    let read_at = ctx.app.clock.now();
    let replied = ack.send(ReadUpTo { up_to_seq, read_at });
    let event = ServerEvent::MessageRead {
        conversation_id: conversation_id.clone(),
        user_id: ctx.caller.id.clone(),
        up_to_seq,
        read_at,
    };
    ctx.app.fanout.to_users(&others, &event).await;
    crate::receipts::announce_unread(&ctx.app, &ctx.caller.id, &conversation_id).await?;
    Ok(replied)
}

async fn chat_end(
    ctx: Context,
    ChatEnd { conversation_id }: ChatEnd,
    ack: Ack<()>,
) -> Result<Replied, DomainError> {
    others_in(&ctx, &conversation_id).await?;
    // Its live call ends first, so the call's notice still lands in it.
    let ended_call =
        crate::calls::lifecycle::end_for_conversation(&ctx.app, &conversation_id).await?;
    let (note, now) = (
        SystemNote::chat_ended(&ctx.caller.display_name),
        ctx.app.clock.now(),
    );
    let Some(ended_conversation) = ctx
        .app
        .store
        .end_conversation(&conversation_id, &ctx.caller.id, &note, now)
        .await?
    else {
        if let Some((call, notice)) = ended_call {
            crate::calls::announce_end(&ctx.app, &call, notice).await;
        }
        return Err(DomainError::ConversationEnded);
    };
    let replied = ack.send(());
    if let Some((call, notice)) = ended_call {
        crate::calls::announce_end(&ctx.app, &call, notice).await;
    }
    if let Some(request) = &ended_conversation.request_id {
        ctx.app.fanout.support_changed(SupportChange::Session).await;
        if let Err(error) = super::offers::offer_after_chat(&ctx.app, request).await {
            tracing::warn!(%error, "offering pending requests after a chat ended failed");
        }
        crate::wellbeing::chat_ended(&ctx.app, request, &conversation_id).await;
    }
    // The conversation's last message, "… ended the chat", before `chat:ended`.
    let notice = note.message(
        &conversation_id,
        &ctx.caller.id,
        ended_conversation.last_seq,
        now,
    );
    ctx.app.fanout.system_message(&notice).await;
    let ended = ServerEvent::ChatEnded {
        conversation_id: conversation_id.clone(),
        ended_by: ctx.caller.id.clone(),
    };
    ctx.app
        .fanout
        .to_conversation(&conversation_id, &ended)
        .await;
    ctx.app.fanout.close_conversation(&conversation_id).await;
    Ok(replied)
}

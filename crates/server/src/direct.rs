//! Direct conversations: started by one person with another, through REST
//! (`POST /api/conversations`) or Socket.IO (`conversation:start`). Both
//! edges call [`start_direct`], so the role rules
//! ([`helpline_core::permissions::may_start_conversation`]) and the fan-out
//! are the same whichever way a client asks.

use crate::app::App;
use crate::realtime::outbound::ServerEvent;
use helpline_core::conversation::ConversationSummary;
use helpline_core::permissions::{blocked_pair, require_may_start};
use helpline_core::user::User;
use helpline_core::{ConversationId, DomainError, UserId};

/// The caller's summary of one conversation.
pub async fn summary_for(
    app: &App,
    user: &UserId,
    conversation: &ConversationId,
) -> Result<ConversationSummary, DomainError> {
    app.store
        .conversation_summaries(user)
        .await?
        .into_iter()
        .find(|summary| summary.id == *conversation)
        .ok_or(DomainError::Internal)
}

/// Returns the active direct conversation between `caller` and
/// `participant`, opening it if there is none. A new conversation puts
/// both people's sockets in its room and tells the other person with
/// `conversation:started`. True when it was opened now.
pub async fn start_direct(
    app: &App,
    caller: &User,
    participant: &UserId,
) -> Result<(ConversationSummary, bool), DomainError> {
    let other = app
        .store
        .user(participant)
        .await?
        .ok_or(DomainError::NotFound("no such user"))?;
    require_may_start(&caller.id, caller.role, &other.id, other.role)?;
    open_direct(app, caller, &other).await
}

/// [`start_direct`] past the role rules, for a pair that agreed to talk
/// (a volunteer starting an accepted check-in with its seeker); blocks
/// still hold.
pub async fn open_direct(
    app: &App,
    caller: &User,
    other: &User,
) -> Result<(ConversationSummary, bool), DomainError> {
    // Both ways: nor may the blocker open a conversation with the person
    // they blocked (who could not answer in it).
    if app.store.blocked_either_way(&caller.id, &other.id).await? {
        return Err(blocked_pair());
    }
    let (conversation, created) = app
        .store
        .start_direct_conversation(
            &caller.id,
            &other.id,
            &ConversationId::generate(),
            app.clock.now(),
        )
        .await?;
    if created {
        tracing::info!(conversation = %conversation.id, "direct conversation started");
        app.fanout
            .join_conversation(&[caller.id.clone(), other.id.clone()], &conversation.id)
            .await;
        let theirs = summary_for(app, &other.id, &conversation.id).await?;
        app.fanout
            .to_user(
                &other.id,
                &ServerEvent::ConversationStarted {
                    conversation: theirs,
                },
            )
            .await;
    }
    Ok((
        summary_for(app, &caller.id, &conversation.id).await?,
        created,
    ))
}

//! The scam guard at work (issue 24, decision 0033): who is screened, and what happens to
//! a flagged message. The rules themselves are pure
//! ([`helpline_core::scam`]).
//!
//! A volunteer's message (sent or edited) in a conversation with a seeker
//! is read by the rules before it is stored; one that shows a sign carries
//! `flags: ["scam_warning"]` from then on, wherever messages are read, and
//! the seeker's app warns beside it. Once stored, the message becomes
//! evidence on the conversation's scam-guard alert (one unresolved per
//! conversation; raising it tells every support agent, like a person's
//! alert). Delivery is never held back: a failure here is logged and the
//! message goes through unflagged. Support's own messages are never
//! screened (support may share a phone number), nor a seeker's.

use crate::app::App;
use crate::realtime::Caller;
use helpline_core::alerts::evidence_excerpt;
use helpline_core::message::{Message, MessageFlag};
use helpline_core::scam::{self, ScamSign};
use helpline_core::user::Role;
use helpline_core::{AlertId, UserId};
use helpline_store::NewScamEvidence;

/// What the guard saw in a message about to be stored.
#[derive(Debug, Clone)]
pub struct Screened {
    /// The signs the rules found.
    pub signs: Vec<ScamSign>,
    /// The seeker the message is to.
    pub seeker: UserId,
}

impl Screened {
    /// The flags of a message the guard screened (or did not).
    pub fn flags(screened: &Option<Screened>) -> Vec<MessageFlag> {
        match screened {
            Some(_) => vec![MessageFlag::ScamWarning],
            None => Vec::new(),
        }
    }
}

/// Reads `content` from `sender` to `others`: `Some` when the sender is a
/// volunteer, the rules find a sign, and one of `others` is a seeker.
/// The rules run first, so the usual message costs no read.
pub async fn screen(
    app: &App,
    sender: &Caller,
    others: &[UserId],
    content: &str,
) -> Option<Screened> {
    if sender.role != Role::Volunteer || content.is_empty() {
        return None;
    }
    let signs = scam::signs(content);
    if signs.is_empty() {
        return None;
    }
    for other in others {
        match app.store.user(other).await {
            Ok(Some(user)) if user.role == Role::Seeker => {
                return Some(Screened {
                    signs,
                    seeker: user.id,
                });
            }
            Ok(_) => {}
            Err(error) => {
                // Never hold a message back: it goes unflagged.
                tracing::error!(%error, "the scam guard could not read a participant");
                return None;
            }
        }
    }
    None
}

/// Keeps a flagged, stored `message` as evidence for support: on the
/// conversation's unresolved scam-guard alert, raising it (every agent
/// told, as for a person's alert) if there was none.
pub async fn report(app: &App, message: &Message, screened: Screened) {
    let new = NewScamEvidence {
        id: AlertId::generate(),
        seeker: screened.seeker,
        conversation_id: message.conversation_id.clone(),
        message_id: message.id.clone(),
        sender_id: message.sender_id.clone(),
        signs: screened.signs,
        excerpt: evidence_excerpt(&message.content),
        now: app.clock.now(),
    };
    match app.store.add_scam_evidence(&new).await {
        Ok((alert, raised)) => {
            tracing::warn!(alert = %alert.id, message = %message.id, "scam guard flagged a message");
            crate::realtime::alerts::evidence_added(app, alert, raised).await;
        }
        Err(error) => {
            tracing::error!(%error, message = %message.id, "storing the scam guard's evidence failed");
        }
    }
}

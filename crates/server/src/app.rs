//! The shared services every handler uses, built once at start-up.

use crate::attachments::blobs::Attachments;
use crate::auth::TokenKeys;
use crate::calls::CallWatch;
use crate::config::Settings;
use crate::limits::RateLimits;
use crate::participants::Participants;
use crate::presence::Presence;
use crate::push::Pusher;
use crate::realtime::expiry::TokenDeadlines;
use crate::realtime::fanout::Fanout;
use crate::typing::Typing;
use helpline_core::Clock;
use helpline_store::Store;
use std::ops::Deref;
use std::sync::Arc;

/// Everything a handler needs; cheap to clone.
#[derive(Clone)]
pub struct App(Arc<AppParts>);

/// The parts of [`App`].
pub struct AppParts {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Token signing and checking.
    pub tokens: TokenKeys,
    /// Who is connected to this process.
    pub presence: Presence,
    /// Outgoing events.
    pub fanout: Fanout,
    /// Each conversation's participants, read once.
    pub participants: Participants,
    /// Who is typing where.
    pub typing: Typing,
    /// Resolved settings.
    pub settings: Settings,
    /// Where "now" comes from (deadlines, sweeps, stored times).
    pub clock: Arc<dyn Clock>,
    /// Per-user event and per-username login limits.
    pub limits: RateLimits,
    /// When each connected socket's token expires.
    pub token_deadlines: TokenDeadlines,
    /// Call participants whose devices are all gone, since when.
    pub call_watch: CallWatch,
    /// Where attachment files live.
    pub attachments: Attachments,
    /// Web Push: the VAPID key and the outbox worker's wake-up.
    pub push: Pusher,
}

impl App {
    /// Bundles the parts.
    pub fn new(parts: AppParts) -> Self {
        Self(Arc::new(parts))
    }
}

impl Deref for App {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

//! Safety alerts: raised, acknowledged and resolved by support, raised
//! again while nobody acknowledges them.

use crate::StoreResult;
use async_trait::async_trait;
use helpline_core::alerts::Alert;
use helpline_core::scam::ScamSign;
use helpline_core::{AlertId, ConversationId, MessageId, Timestamp, UserId};

/// A new alert's values.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// Its fresh id.
    pub id: AlertId,
    /// Who raises it.
    pub raised_by: UserId,
    /// The conversation it is about (the caller checked it is theirs).
    pub conversation_id: Option<ConversationId>,
    /// What is happening.
    pub note: Option<String>,
    /// Now.
    pub now: Timestamp,
}

/// What the scam guard flagged, to raise or add to its alert.
#[derive(Debug, Clone)]
pub struct NewScamEvidence {
    /// The alert's id if this starts one.
    pub id: AlertId,
    /// The seeker the messages were to.
    pub seeker: UserId,
    /// Where.
    pub conversation_id: ConversationId,
    /// The flagged message.
    pub message_id: MessageId,
    /// Its sender.
    pub sender_id: UserId,
    /// What the guard saw.
    pub signs: Vec<ScamSign>,
    /// The kept text ([`helpline_core::alerts::evidence_excerpt`]).
    pub excerpt: String,
    /// Now.
    pub now: Timestamp,
}

/// Which alerts a listing holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertFilter {
    /// Every alert: unresolved first, then newest first.
    All,
    /// Not resolved yet, newest first.
    Unresolved,
    /// Resolved, most recently resolved first.
    Resolved,
    /// Those this person raised, newest first.
    RaisedBy(UserId),
}

/// Safety alerts. Each move (acknowledge, resolve, raise again) is a
/// conditional update, so exactly one of any racing callers makes it.
#[async_trait]
pub trait Alerts: Send + Sync {
    /// Stores a new open alert and returns it.
    async fn raise_alert(&self, new: &NewAlert) -> StoreResult<Alert>;

    /// Adds `new` to the conversation's unresolved scam-guard alert,
    /// raising one if there is none; returns the alert and whether it was
    /// raised now. Across racing callers and nodes a conversation has at
    /// most one unresolved scam-guard alert.
    async fn add_scam_evidence(&self, new: &NewScamEvidence) -> StoreResult<(Alert, bool)>;

    /// The alert with this id.
    async fn alert(&self, id: &AlertId) -> StoreResult<Option<Alert>>;

    /// Up to `limit` alerts of `filter`.
    async fn alerts(&self, filter: &AlertFilter, limit: i64) -> StoreResult<Vec<Alert>>;

    /// Marks an open alert acknowledged by `by`; `None` if it is missing,
    /// acknowledged already or resolved.
    async fn acknowledge_alert(
        &self,
        id: &AlertId,
        by: &UserId,
        now: Timestamp,
    ) -> StoreResult<Option<Alert>>;

    /// Resolves an unresolved alert with `note` (acknowledging it too if
    /// nobody had); `None` if it is missing or resolved already.
    async fn resolve_alert(
        &self,
        id: &AlertId,
        by: &UserId,
        note: &str,
        now: Timestamp,
    ) -> StoreResult<Option<Alert>>;

    /// Whether an unresolved alert names this conversation (support may
    /// then read it).
    async fn unresolved_alert_on(&self, conversation: &ConversationId) -> StoreResult<bool>;

    /// Takes up to `limit` alerts nobody has acknowledged and last raised
    /// at or before `due`, marks them raised again at `now`, and returns
    /// them; each due alert is returned by exactly one caller.
    async fn raise_unacknowledged_again(
        &self,
        due: Timestamp,
        now: Timestamp,
        limit: i64,
    ) -> StoreResult<Vec<Alert>>;
}

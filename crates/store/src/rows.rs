//! Turning database rows into domain values, once for both backends.
//! [`Columns`] is the few typed reads the mappers need; each backend's row
//! type implements it, so the mapping itself is written a single time.

use crate::StoreError;
use helpline_core::alerts::{AlertKind, ScamEvidence};
use helpline_core::attachment::{Attachment, AttachmentInfo};
use helpline_core::call::{Call, CallStats, CallStatus, EndReason, Media, StatsPair};
use helpline_core::checkins::{
    Checkin, CheckinKind, CheckinOutcome, CheckinPerson, CheckinStatus, Weekday,
};
use helpline_core::conversation::{Conversation, ConversationKind, ConversationStatus};
use helpline_core::message::{Message, MessageFlag, MessageType, Reaction, ReplyPreview};
use helpline_core::push::TimeOfDay;
use helpline_core::request::{HelpRequest, RequestStatus, RequestType, Topic};
use helpline_core::safety::{BlockedPerson, Report, ReportStatus};
use helpline_core::scam::ScamSign;
use helpline_core::user::{Role, User};
use helpline_core::welfare::{WelfareCause, WelfareTask};
use helpline_core::{
    AttachmentId, CallId, ConversationId, MessageId, ReportId, RequestId, Timestamp, UserId,
};
use helpline_core::{CheckinId, WelfareId};
use sqlx::Row;

/// Typed column reads that both backends' rows provide.
pub(crate) trait Columns {
    /// A non-null text column.
    fn text(&self, column: &str) -> Result<String, StoreError>;
    /// A nullable text column.
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    /// A non-null integer column.
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    /// A nullable integer column.
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
}

/// Implements [`Columns`] for a row type whose typed read is `$get`.
macro_rules! impl_columns {
    ($row:ty, $get:ident) => {
        impl Columns for $row {
            fn text(&self, column: &str) -> Result<String, StoreError> {
                Ok(self.$get(column)?)
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
                Ok(self.$get(column)?)
            }
            fn int(&self, column: &str) -> Result<i64, StoreError> {
                Ok(self.$get(column)?)
            }
            fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
                Ok(self.$get(column)?)
            }
        }
    };
}
impl_columns!(sqlx::sqlite::SqliteRow, try_get);
impl_columns!(sqlx::postgres::PgRow, try_get);
// The SQLite writer's direct connection.
impl_columns!(rusqlite::Row<'_>, get);

fn parsed<T>(value: &str, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<T, StoreError> {
    parse(value).ok_or_else(|| StoreError::Corrupt(format!("{what}: {value:?}")))
}

/// A `users.languages` column (a JSON array).
fn languages(row: &impl Columns) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(&row.text("languages")?)
        .map_err(|e| StoreError::Corrupt(format!("languages: {e}")))
}

/// A `users` row.
pub(crate) fn user(row: &impl Columns) -> Result<User, StoreError> {
    let languages = languages(row)?;
    Ok(User {
        id: UserId::from_trusted(row.text("id")?),
        username: row.text("username")?,
        display_name: row.text("display_name")?,
        role: parsed(&row.text("role")?, Role::parse, "role")?,
        languages,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        availability: parsed(
            &row.text("availability")?,
            helpline_core::user::Availability::parse,
            "availability",
        )?,
    })
}

/// A `help_requests` row.
pub(crate) fn help_request(row: &impl Columns) -> Result<HelpRequest, StoreError> {
    let topic = match row.opt_text("topic")? {
        Some(t) => Some(parsed(&t, Topic::parse, "topic")?),
        None => None,
    };
    Ok(HelpRequest {
        id: RequestId::from_trusted(row.text("id")?),
        senior_id: UserId::from_trusted(row.text("senior_id")?),
        target_volunteer_id: row
            .opt_text("target_volunteer_id")?
            .map(UserId::from_trusted),
        volunteer_id: row.opt_text("volunteer_id")?.map(UserId::from_trusted),
        conversation_id: row
            .opt_text("conversation_id")?
            .map(ConversationId::from_trusted),
        request_type: parsed(
            &row.text("request_type")?,
            RequestType::parse,
            "request_type",
        )?,
        topic,
        note: row.opt_text("note")?,
        status: parsed(&row.text("status")?, RequestStatus::parse, "status")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        expires_at: Timestamp::from_millis(row.int("expires_at")?),
        escalated_at: row.opt_int("escalated_at")?.map(Timestamp::from_millis),
        accepted_at: row.opt_int("accepted_at")?.map(Timestamp::from_millis),
        completed_at: row.opt_int("completed_at")?.map(Timestamp::from_millis),
        rating: row.opt_int("rating")?,
        feedback: row.opt_text("feedback")?,
        pushed: row.int("pushed")? != 0,
    })
}

/// A `conversations` row.
pub(crate) fn conversation(row: &impl Columns) -> Result<Conversation, StoreError> {
    Ok(Conversation {
        id: ConversationId::from_trusted(row.text("id")?),
        status: parsed(
            &row.text("status")?,
            ConversationStatus::parse,
            "conversation status",
        )?,
        kind: parsed(
            &row.text("kind")?,
            ConversationKind::parse,
            "conversation kind",
        )?,
        request_id: row.opt_text("request_id")?.map(RequestId::from_trusted),
        auto_delete_secs: row.opt_int("auto_delete_secs")?,
        last_seq: row.int("last_seq")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        ended_at: row.opt_int("ended_at")?.map(Timestamp::from_millis),
        ended_by: row.opt_text("ended_by")?.map(UserId::from_trusted),
    })
}

/// A `messages` row.
pub(crate) fn message(row: &impl Columns) -> Result<Message, StoreError> {
    Ok(Message {
        id: MessageId::from_trusted(row.text("id")?),
        conversation_id: ConversationId::from_trusted(row.text("conversation_id")?),
        seq: row.int("seq")?,
        sender_id: UserId::from_trusted(row.text("sender_id")?),
        content: row.text("content")?,
        message_type: parsed(&row.text("type")?, MessageType::parse, "message type")?,
        client_message_id: row.text("client_message_id")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        reply_to: match row.opt_text("reply_to_id")? {
            Some(id) => Some(ReplyPreview {
                id: MessageId::from_trusted(id),
                seq: row.int("reply_seq")?,
                sender_id: UserId::from_trusted(row.text("reply_sender_id")?),
                preview: row.opt_text("reply_preview")?.unwrap_or_default(),
                deleted: row.opt_int("reply_deleted_at")?.is_some(),
            }),
            None => None,
        },
        edited_at: row.opt_int("edited_at")?.map(Timestamp::from_millis),
        deleted_at: row.opt_int("deleted_at")?.map(Timestamp::from_millis),
        reactions: reactions(&row.text("reactions")?)?,
        expires_at: row.opt_int("expires_at")?.map(Timestamp::from_millis),
        view_once: row.int("view_once")? != 0,
        attachment: match row.opt_text("att_id")? {
            Some(id) => Some(AttachmentInfo {
                id: AttachmentId::from_trusted(id),
                name: row.text("att_name")?,
                mime: row.text("att_mime")?,
                size: row.int("att_size")?,
                thumbnail: row.opt_text("att_thumbnail")?.is_some(),
            }),
            None => None,
        },
        flags: MessageFlag::from_bits(row.int("flags")?),
    })
}

/// An `attachments` row.
pub(crate) fn attachment(row: &impl Columns) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        id: AttachmentId::from_trusted(row.text("id")?),
        conversation_id: ConversationId::from_trusted(row.text("conversation_id")?),
        uploader_id: UserId::from_trusted(row.text("uploader_id")?),
        name: row.text("name")?,
        mime: row.text("mime")?,
        size: row.int("size")?,
        storage_key: row.text("storage_key")?,
        thumbnail_key: row.opt_text("thumbnail_key")?,
        message_id: row.opt_text("message_id")?.map(MessageId::from_trusted),
        created_at: Timestamp::from_millis(row.int("created_at")?),
    })
}

/// The `reactions` column: a JSON array built by the query.
pub(crate) fn reactions(json: &str) -> Result<Vec<Reaction>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("reactions: {e}")))
}

/// A `reports` row.
pub(crate) fn report(row: &impl Columns) -> Result<Report, StoreError> {
    Ok(Report {
        id: ReportId::from_trusted(row.text("id")?),
        reporter_id: UserId::from_trusted(row.text("reporter_id")?),
        user_id: UserId::from_trusted(row.text("user_id")?),
        message_id: row.opt_text("message_id")?.map(MessageId::from_trusted),
        conversation_id: row
            .opt_text("conversation_id")?
            .map(ConversationId::from_trusted),
        message_excerpt: row.opt_text("message_excerpt")?,
        reason: row.text("reason")?,
        status: parsed(&row.text("status")?, ReportStatus::parse, "report status")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        resolved_at: row.opt_int("resolved_at")?.map(Timestamp::from_millis),
        resolved_by: row.opt_text("resolved_by")?.map(UserId::from_trusted),
    })
}

/// A blocked person: `id` and `display_name` of the user, `created_at` of the block.
pub(crate) fn blocked_person(row: &impl Columns) -> Result<BlockedPerson, StoreError> {
    Ok(BlockedPerson {
        id: UserId::from_trusted(row.text("id")?),
        display_name: row.text("display_name")?,
        blocked_at: Timestamp::from_millis(row.int("created_at")?),
    })
}

/// A `calls` row.
pub(crate) fn call(row: &impl Columns) -> Result<Call, StoreError> {
    let stats = |column: &str| -> Result<Option<CallStats>, StoreError> {
        row.opt_text(column)?
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
            })
            .transpose()
    };
    let reason = match row.opt_text("reason")? {
        Some(r) => Some(parsed(&r, EndReason::parse, "call reason")?),
        None => None,
    };
    Ok(Call {
        id: CallId::from_trusted(row.text("id")?),
        conversation_id: ConversationId::from_trusted(row.text("conversation_id")?),
        caller_id: UserId::from_trusted(row.text("caller_id")?),
        callee_id: UserId::from_trusted(row.text("callee_id")?),
        media: parsed(&row.text("media")?, Media::parse, "call media")?,
        status: parsed(&row.text("status")?, CallStatus::parse, "call status")?,
        reason,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        rings_until: Timestamp::from_millis(row.int("rings_until")?),
        answered_at: row.opt_int("answered_at")?.map(Timestamp::from_millis),
        ended_at: row.opt_int("ended_at")?.map(Timestamp::from_millis),
        duration_secs: row.opt_int("duration_secs")?,
        stats: StatsPair {
            caller: stats("caller_stats")?,
            callee: stats("callee_stats")?,
        },
        caller_device: row.opt_text("caller_device")?,
        answered_device: row.opt_text("answered_device")?,
    })
}

/// Maps every row with `map`.
pub(crate) fn all<R, T>(
    rows: &[R],
    map: impl Fn(&R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(map).collect()
}

/// A `push_subscriptions` row as its owner sees it.
pub(crate) fn subscription_info(
    row: &impl Columns,
) -> Result<helpline_core::push::SubscriptionInfo, StoreError> {
    Ok(helpline_core::push::SubscriptionInfo {
        endpoint: row.text("endpoint")?,
        expiration_time: row.opt_int("expiration_time")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
    })
}

/// A `user_settings` row (also the settings columns of an on-call read).
pub(crate) fn user_settings(
    row: &impl Columns,
) -> Result<helpline_core::push::UserSettings, StoreError> {
    let quiet_hours = match (
        row.opt_text("quiet_from")?,
        row.opt_text("quiet_to")?,
        row.opt_text("quiet_tz")?,
    ) {
        (Some(from), Some(to), Some(zone)) => Some(
            helpline_core::push::QuietHours::new(&from, &to, &zone)
                .map_err(|e| StoreError::Corrupt(format!("quiet hours: {e}")))?,
        ),
        _ => None,
    };
    Ok(helpline_core::push::UserSettings {
        quiet_hours,
        push_show_names: row.int("push_show_names")? != 0,
        prefer_familiar: row.int("prefer_familiar")? != 0,
    })
}

/// A `push_outbox` row claimed for sending, with its device's keys.
pub(crate) fn queued_push(
    row: &impl Columns,
) -> Result<helpline_core::push::QueuedPush, StoreError> {
    use helpline_core::push::{PushKind, Urgency};
    Ok(helpline_core::push::QueuedPush {
        id: row.int("id")?,
        endpoint: row.text("endpoint")?,
        user: UserId::from_trusted(row.text("user_id")?),
        p256dh: row.text("p256dh")?,
        auth: row.text("auth")?,
        kind: parsed(&row.text("kind")?, PushKind::parse, "push kind")?,
        payload: row.text("payload")?,
        urgency: parsed(&row.text("urgency")?, Urgency::parse, "urgency")?,
        topic: row.opt_text("topic")?,
        expires_at: Timestamp::from_millis(row.int("expires_at")?),
        attempts: i32::try_from(row.int("attempts")?).unwrap_or(i32::MAX),
    })
}

/// A volunteer on call, with their settings.
pub(crate) fn on_call(row: &impl Columns) -> Result<crate::areas::OnCall, StoreError> {
    Ok(crate::areas::OnCall {
        volunteer: UserId::from_trusted(row.text("id")?),
        settings: user_settings(row)?,
    })
}

/// `(volunteer_id, topic)` rows, ordered by volunteer, as each volunteer's
/// credentials in [`helpline_core::credentials::CREDENTIALED_TOPICS`] order.
pub(crate) fn credentials(
    found: Vec<(String, String)>,
) -> Result<Vec<(UserId, Vec<Topic>)>, StoreError> {
    let mut grouped: Vec<(UserId, Vec<Topic>)> = Vec::new();
    for (volunteer, topic) in found {
        let topic = parsed(&topic, Topic::parse, "credential topic")?;
        match grouped.last_mut() {
            Some((last, topics)) if last.as_str() == volunteer => topics.push(topic),
            _ => grouped.push((UserId::from_trusted(volunteer), vec![topic])),
        }
    }
    let order = |t: &Topic| {
        helpline_core::credentials::CREDENTIALED_TOPICS
            .iter()
            .position(|c| c == t)
    };
    for (_, topics) in &mut grouped {
        topics.sort_by_key(order);
    }
    Ok(grouped)
}

/// A seeker's side of the ranking ([`crate::sql::volunteers::SEEKER_FACTS`]).
pub(crate) fn seeker_facts(
    row: &impl Columns,
) -> Result<helpline_core::dispatch::SeekerFacts, StoreError> {
    Ok(helpline_core::dispatch::SeekerFacts {
        languages: languages(row)?,
        prefer_familiar: row.int("prefer_familiar")? != 0,
    })
}

/// A volunteer's side of the ranking ([`crate::sql::volunteers`]'s candidate facts).
pub(crate) fn candidate_facts(
    row: &impl Columns,
) -> Result<helpline_core::dispatch::CandidateFacts, StoreError> {
    Ok(helpline_core::dispatch::CandidateFacts {
        volunteer: UserId::from_trusted(row.text("id")?),
        rated_well: row.int("rated_well")? != 0,
        languages: languages(row)?,
        last_helped_at: row.opt_int("last_helped_at")?.map(Timestamp::from_millis),
    })
}

/// A person named by an alert, from its `<prefix>_name`/`<prefix>_role`
/// columns and the id in `id_column`; `None` when the id is empty.
fn alert_person(
    row: &impl Columns,
    id_column: &str,
    prefix: &str,
) -> Result<Option<helpline_core::safety::PersonRef>, StoreError> {
    let Some(id) = row.opt_text(id_column)? else {
        return Ok(None);
    };
    let role = row.opt_text(&format!("{prefix}_role"))?.unwrap_or_default();
    Ok(Some(helpline_core::safety::PersonRef {
        id: UserId::from_trusted(id),
        display_name: row.opt_text(&format!("{prefix}_name"))?.unwrap_or_default(),
        role: parsed(&role, Role::parse, "role")?,
    }))
}

/// A `safety_alerts` row with its people's names
/// ([`crate::sql::alerts`]'s selects).
pub(crate) fn alert(row: &impl Columns) -> Result<helpline_core::alerts::Alert, StoreError> {
    let acknowledged_at = row.opt_int("acknowledged_at")?.map(Timestamp::from_millis);
    let resolved_at = row.opt_int("resolved_at")?.map(Timestamp::from_millis);
    let raised_by = alert_person(row, "raised_by", "raised_by")?
        .ok_or_else(|| StoreError::Corrupt("an alert without its raiser".into()))?;
    Ok(helpline_core::alerts::Alert {
        id: helpline_core::AlertId::from_trusted(row.text("id")?),
        raised_by,
        conversation_id: row
            .opt_text("conversation_id")?
            .map(ConversationId::from_trusted),
        note: row.opt_text("note")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
        last_raised_at: Timestamp::from_millis(row.int("last_raised_at")?),
        status: helpline_core::alerts::status_of(acknowledged_at.is_some(), resolved_at.is_some()),
        acknowledged_at,
        acknowledged_by: alert_person(row, "acknowledged_by", "acknowledged_by")?,
        resolved_at,
        resolved_by: alert_person(row, "resolved_by", "resolved_by")?,
        resolution: row.opt_text("resolution")?,
        kind: parsed(&row.text("kind")?, AlertKind::parse, "alert kind")?,
        evidence: Vec::new(),
    })
}

/// An `alert_evidence` row with its sender's name and role
/// ([`crate::sql::alerts::EVIDENCE_OF`]).
pub(crate) fn evidence(row: &impl Columns) -> Result<ScamEvidence, StoreError> {
    let sender = alert_person(row, "sender_id", "sender")?
        .ok_or_else(|| StoreError::Corrupt("evidence without its sender".into()))?;
    let signs = row
        .text("signs")?
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parsed(s, ScamSign::parse, "scam sign"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ScamEvidence {
        message_id: MessageId::from_trusted(row.text("message_id")?),
        sender,
        signs,
        excerpt: row.text("excerpt")?,
        created_at: Timestamp::from_millis(row.int("created_at")?),
    })
}

/// A `welfare_checks` row with its people's names
/// ([`crate::sql::welfare`]'s selects).
pub(crate) fn welfare(row: &impl Columns) -> Result<WelfareTask, StoreError> {
    let raised_at = row.opt_int("raised_at")?.map(Timestamp::from_millis);
    let cleared = row.opt_int("cleared_at")?.is_some();
    let resolved_at = row.opt_int("resolved_at")?.map(Timestamp::from_millis);
    let person = |column: &str, prefix: &str| {
        alert_person(row, column, prefix)?
            .ok_or_else(|| StoreError::Corrupt(format!("a welfare check without its {prefix}")))
    };
    Ok(WelfareTask {
        id: WelfareId::from_trusted(row.text("id")?),
        cause: parsed(&row.text("cause")?, WelfareCause::parse, "welfare cause")?,
        seeker: person("seeker_id", "seeker")?,
        volunteer: person("volunteer_id", "volunteer")?,
        conversation_id: row
            .opt_text("conversation_id")?
            .map(ConversationId::from_trusted),
        since: Timestamp::from_millis(row.int("since")?),
        raised_at,
        status: helpline_core::welfare::status_of(
            raised_at.is_some(),
            cleared,
            resolved_at.is_some(),
        ),
        resolved_at,
        resolved_by: alert_person(row, "resolved_by", "resolved_by")?,
        resolution: row.opt_text("resolution")?,
    })
}

/// A `checkins` row with its people's names ([`crate::sql::checkins`]).
pub(crate) fn checkin(row: &impl Columns) -> Result<Checkin, StoreError> {
    let minutes = u16::try_from(row.int("time_minutes")?).ok();
    Ok(Checkin {
        id: CheckinId::from_trusted(row.text("id")?),
        seeker: CheckinPerson {
            id: UserId::from_trusted(row.text("seeker_id")?),
            display_name: row.text("seeker_name")?,
        },
        volunteer: CheckinPerson {
            id: UserId::from_trusted(row.text("volunteer_id")?),
            display_name: row.text("volunteer_name")?,
        },
        proposed_by: UserId::from_trusted(row.text("proposed_by")?),
        weekday: parsed(&row.text("weekday")?, Weekday::parse, "weekday")?,
        time: minutes
            .and_then(TimeOfDay::from_minutes)
            .ok_or_else(|| StoreError::Corrupt("a check-in's time".into()))?,
        time_zone: row.text("time_zone")?,
        kind: parsed(&row.text("kind")?, CheckinKind::parse, "check-in kind")?,
        status: parsed(
            &row.text("status")?,
            CheckinStatus::parse,
            "check-in status",
        )?,
        next_at: row.opt_int("next_at")?.map(Timestamp::from_millis),
        missed_in_a_row: row.int("missed_in_a_row")?,
        last_outcome: match row.opt_text("last_outcome")? {
            Some(outcome) => Some(parsed(&outcome, CheckinOutcome::parse, "check-in outcome")?),
            None => None,
        },
        last_at: row.opt_int("last_at")?.map(Timestamp::from_millis),
        created_at: Timestamp::from_millis(row.int("created_at")?),
    })
}

//! Typed identifiers. Ids are opaque strings on the wire; inside the server a
//! `UserId` can never be passed where a `ConversationId` is meant. New ids are
//! UUIDv7, so they sort by creation time.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Wraps an id read from storage or already validated input.
            pub fn from_trusted(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// Identifies an account.
    UserId
);
id_type!(
    /// Identifies a help request.
    RequestId
);
id_type!(
    /// Identifies a conversation.
    ConversationId
);
id_type!(
    /// Identifies a stored message.
    MessageId
);
id_type!(
    /// Identifies a report to support.
    ReportId
);
id_type!(
    /// Identifies a voice or video call.
    CallId
);
id_type!(
    /// Identifies a safety alert to staff.
    AlertId
);
id_type!(
    /// Identifies a welfare check (a dropped call or missed check-ins).
    WelfareId
);
id_type!(
    /// Identifies a recurring check-in between a seeker and a volunteer.
    CheckinId
);
id_type!(
    /// Identifies a seeker's invitation to a caregiver.
    InvitationId
);
id_type!(
    /// Identifies an uploaded attachment.
    AttachmentId
);

/// The longest id string accepted from a client.
pub const MAX_ID_LEN: usize = 128;

//! Web Push, the domain part: a browser's subscription as the server
//! accepts it (`subscription`), a user's notification settings (quiet
//! hours, whether names may show: `settings`), and the notices that are
//! pushed — their kinds, words and links (`notice`). A notice never carries
//! what anyone wrote: no message text, no request note, no file name; a
//! display name only when the recipient allows it (a lock screen is not
//! private).

mod notice;
mod settings;
mod subscription;

pub use notice::{Notice, OutgoingPush, PushKind, QueuedPush, Urgency, topic_of};
pub use settings::{QuietHours, SettingsPatch, TimeOfDay, UserSettings};
pub use subscription::{
    AUTH_BYTES, MAX_ENDPOINT_CHARS, MAX_SUBSCRIPTIONS_PER_USER, P256DH_BYTES, SubscriptionDraft,
    SubscriptionInfo, check_endpoint, decode_key, is_public, normalize_endpoint,
};

//! The store's interface, one trait per area, each small enough to read in
//! one sitting. [`crate::Store`] is all of them together; both backends
//! implement each trait in the file of their own that holds that area.

mod accounts;
mod alerts;
mod attachments;
mod calls;
mod caregivers;
mod checkins;
mod conversations;
mod lifecycle;
mod messages;
mod push;
mod requests;
mod safety;
mod support;
mod volunteers;
mod welfare;
pub use accounts::Accounts;
pub use alerts::{AlertFilter, Alerts, NewAlert, NewScamEvidence};
pub use attachments::Attachments;
pub use calls::Calls;
pub use caregivers::{Caregivers, NewInvitation, Redeemed};
pub use checkins::{CheckinStep, Checkins, NewCheckin};
pub use conversations::Conversations;
pub use lifecycle::Lifecycle;
pub use messages::Messages;
pub use push::{MessageSlot, OnCall, Push};
pub use requests::Requests;
pub use safety::Safety;
pub use support::Support;
pub use volunteers::Volunteers;
pub use welfare::{NewWelfare, Welfare, WelfareFilter};

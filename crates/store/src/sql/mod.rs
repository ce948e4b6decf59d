//! SQL that is the same on both backends, written once: SQLite reads `$1`
//! as the first parameter, as PostgreSQL does (every statement here first
//! names its parameters in rising order, so the two agree on the binding).
//! One module per backend file that uses it.

pub(crate) mod accounts;
pub(crate) mod alerts;
pub(crate) mod append;
pub(crate) mod attachments;
pub(crate) mod calls;
pub(crate) mod caregivers;
pub(crate) mod checkins;
pub(crate) mod conversations;
pub(crate) mod edits;
pub(crate) mod push;
pub(crate) mod receipts;
pub(crate) mod requests;
pub(crate) mod safety;
pub(crate) mod store;
pub(crate) mod support;
pub(crate) mod timers;
pub(crate) mod volunteers;
pub(crate) mod welfare;

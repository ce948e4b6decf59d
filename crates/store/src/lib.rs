//! Helpline's storage: one trait per area ([`Accounts`], [`Requests`],
//! [`Conversations`], [`Messages`], [`Attachments`], [`Safety`],
//! [`Support`], [`Volunteers`], [`Calls`], [`Push`], [`Caregivers`], [`Lifecycle`], in `areas/`), together the
//! [`Store`], implemented for SQLite (the embedded default) and PostgreSQL
//! (for several server processes sharing one database). Each backend
//! implements each area's trait in the file of its own that holds that
//! area (`sqlite/requests.rs`, `postgres/requests.rs`, …); both run the same
//! conformance suite (`tests/conformance.rs`) and carry their own
//! migrations under `migrations/<backend>/`.
//!
//! Rules that must hold across processes are decided by the database, not by
//! the caller: a claim is a conditional update, expiry a conditional update
//! on the stored deadline, and `seq` is assigned inside the insert
//! transaction.

mod areas;
mod calls;
mod caregiving;
mod error;
mod migrate;
mod offers;
pub mod postgres;
mod push_steps;
mod rows;
mod sql;
pub mod sqlite;
mod types;
mod waiting;

pub use areas::{
    Accounts, AlertFilter, Alerts, Attachments, Calls, Caregivers, CheckinStep, Checkins,
    Conversations, Lifecycle, MessageSlot, Messages, NewAlert, NewCheckin, NewInvitation,
    NewScamEvidence, NewWelfare, OnCall, Push, Redeemed, Requests, Safety, Support, Volunteers,
    Welfare, WelfareFilter,
};
pub use calls::CallPlaced;
pub use error::StoreError;
pub use types::{
    ActiveSession, AppendRefusal, ClaimOutcome, Credentials, OfferableRequest, OnWritten,
    OpenedRequest, StoreOptions,
};

use std::sync::Arc;

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything Helpline keeps: every area's trait together. Implementations
/// must be safe to share between tasks and, for PostgreSQL, between
/// processes. The server holds one as `Arc<dyn Store>`.
pub trait Store:
    Accounts
    + Requests
    + Conversations
    + Messages
    + Attachments
    + Safety
    + Alerts
    + Welfare
    + Checkins
    + Support
    + Volunteers
    + Calls
    + Push
    + Caregivers
    + Lifecycle
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: Accounts
        + Requests
        + Conversations
        + Messages
        + Attachments
        + Safety
        + Alerts
        + Welfare
        + Checkins
        + Support
        + Volunteers
        + Calls
        + Push
        + Caregivers
        + Lifecycle
        + Send
        + Sync
        + 'static
{
}

/// Opens the store a database URL names (`sqlite://PATH`, `postgres://…`)
/// and brings its schema up to date.
pub async fn open(url: &str, options: &StoreOptions) -> StoreResult<Arc<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PostgresStore::open(url, options).await?))
    } else if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok(Arc::new(sqlite::SqliteStore::open(path, options).await?))
    } else {
        Err(StoreError::Config(format!(
            "unsupported database URL scheme (use sqlite://PATH or postgres://…): {}",
            url.split(':').next().unwrap_or("")
        )))
    }
}

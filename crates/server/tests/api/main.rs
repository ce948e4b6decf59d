//! Helpline's integration tests, in one test binary (so the server is linked
//! once, not once per file): each module below was its own `tests/*.rs` file
//! and starts the real server through `common`, on SQLite and, where a test
//! says so, on PostgreSQL (`HELPLINE_TEST_POSTGRES_URL`).
//!
//! Run all of them with `cargo test -p helpline-server --test api`, or one
//! module with its path as the filter, e.g.
//! `cargo test -p helpline-server --test api safety::`.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

#[macro_use]
mod common;

mod attachment_rules;
mod attachments;
mod auto_away;
mod bad_input;
mod batched_dispatch;
mod broker;
mod calls;
mod calls_records;
mod calls_signaling;
mod caregivers;
mod chaos;
mod checkins;
mod cluster;
mod cluster_care;
mod cluster_dispatch;
mod credentials;
mod direct;
mod edits;
mod escalation;
mod flow;
mod limits;
mod messages;
mod offers;
mod opening;
mod permission_table;
mod presence_events;
mod process;
mod push;
mod push_mock_selftest;
mod race;
mod receipts;
mod safety;
mod safety_alerts;
mod scam_guard;
mod search;
mod support;
mod system_messages;
mod timers;
mod typing;
mod waiting_line;
mod web;
mod welfare;
mod wellbeing;

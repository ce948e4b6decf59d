//! The store conformance suite: one set of cases, written against
//! `Arc<dyn Store>`, run against every backend. Each case becomes one test
//! per backend (`sqlite::<case>`, `postgres::<case>`), each on a store of its
//! own: a fresh SQLite file in a temporary directory, or a freshly created
//! PostgreSQL database (`HELPLINE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`) that is dropped when the
//! case ends, whether it passed or not.

#[path = "conformance/harness.rs"]
mod harness;
#[path = "conformance/fixtures.rs"]
mod fixtures;
#[path = "conformance/accounts.rs"]
mod accounts;
#[path = "conformance/requests.rs"]
mod requests;
#[path = "conformance/claims.rs"]
mod claims;
#[path = "conformance/conversations.rs"]
mod conversations;
#[path = "conformance/messages.rs"]
mod messages;

/// Declares every case once per backend.
macro_rules! conformance {
    ($($module:ident :: $case:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::harness::run(crate::harness::Backend::Sqlite, crate::$module::$case).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::harness::run(crate::harness::Backend::Postgres, crate::$module::$case).await;
                }
            )+
        }
    };
}

conformance! {
    accounts::users_are_created_and_read_back,
    accounts::usernames_are_unique,
    accounts::volunteers_are_ordered_by_display_name,
    accounts::first_setting_wins_forever,
    requests::one_pending_request_per_seeker,
    requests::cancel_and_reject_move_only_pending,
    requests::listings_are_newest_first,
    requests::offers_and_declines_shape_what_is_offerable,
    claims::one_of_many_concurrent_claims_wins,
    claims::late_or_missing_claims_lose,
    claims::expiry_takes_only_due_pending_requests,
    claims::concurrent_sweeps_expire_each_request_once,
    conversations::ending_completes_the_request_once,
    conversations::feedback_only_once_and_only_when_completed,
    conversations::read_marks_are_capped_and_never_lowered,
    conversations::summaries_count_unread_and_follow_activity,
    conversations::active_conversations_are_listed_per_user,
    messages::concurrent_appends_get_gapless_seqs,
    messages::retries_return_the_stored_message,
    messages::concurrent_retries_store_one_message,
    messages::appends_are_refused_when_ended_or_missing,
    messages::history_pages_both_ways,
    messages::data_survives_close_and_reopen,
}

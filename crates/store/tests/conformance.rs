//! The store conformance suite: one set of cases, written against
//! `Arc<dyn Store>`, run against every backend. Each case becomes one test
//! per backend (`sqlite::<case>`, `postgres::<case>`), each on a store of its
//! own: a fresh SQLite file in a temporary directory, or a freshly created
//! PostgreSQL database (`HELPLINE_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`) that is dropped when the
//! case ends, whether it passed or not.

#[path = "conformance/accounts.rs"]
mod accounts;
#[path = "conformance/alerts.rs"]
mod alerts;
#[path = "conformance/attachments.rs"]
mod attachments;
#[path = "conformance/batches.rs"]
mod batches;
#[path = "conformance/calls.rs"]
mod calls;
#[path = "conformance/care.rs"]
mod care;
#[path = "conformance/caregivers.rs"]
mod caregivers;
#[path = "conformance/claims.rs"]
mod claims;
#[path = "conformance/conversations.rs"]
mod conversations;
#[path = "conformance/direct.rs"]
mod direct;
#[path = "conformance/dispatch.rs"]
mod dispatch;
#[path = "conformance/edits.rs"]
mod edits;
#[path = "conformance/fixtures.rs"]
mod fixtures;
#[path = "conformance/harness.rs"]
mod harness;
#[path = "conformance/lifecycle.rs"]
mod lifecycle;
#[path = "conformance/messages.rs"]
mod messages;
#[path = "conformance/offers.rs"]
mod offers;
#[path = "conformance/participants.rs"]
mod participants;
#[path = "conformance/push.rs"]
mod push;
#[path = "conformance/receipts.rs"]
mod receipts;
#[path = "conformance/requests.rs"]
mod requests;
#[path = "conformance/safety.rs"]
mod safety;
#[path = "conformance/search.rs"]
mod search;
#[path = "conformance/support.rs"]
mod support;
#[path = "conformance/timers.rs"]
mod timers;
#[path = "conformance/volunteers.rs"]
mod volunteers;

/// Declares every case once per backend. `run` cases get a migrated store,
/// `run_on_empty` cases only the URL of an empty database.
macro_rules! conformance {
    ($($runner:ident($module:ident :: $case:ident)),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::harness::$runner(crate::harness::Backend::Sqlite, crate::$module::$case).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    crate::harness::$runner(crate::harness::Backend::Postgres, crate::$module::$case).await;
                }
            )+
        }
    };
}

conformance! {
    run(accounts::users_are_created_and_read_back),
    run(accounts::usernames_are_unique),
    run(accounts::volunteers_are_ordered_by_display_name),
    run(accounts::users_are_found_by_name),
    run(accounts::first_setting_wins_forever),
    run(requests::one_pending_request_per_seeker),
    run(requests::cancel_and_reject_move_only_pending),
    run(requests::listings_are_newest_first),
    run(requests::the_waiting_line_is_told_once_per_change),
    run(volunteers::credentials_are_set_whole_and_only_for_volunteers),
    run(volunteers::loads_count_active_chats),
    run(volunteers::missed_offers_reach_the_limit_once),
    run(volunteers::emotional_sessions_are_counted_since),
    run(dispatch::the_ranking_reads_ratings_languages_and_recency),
    run(dispatch::a_widening_request_reaches_only_its_batches),
    run(dispatch::widening_is_taken_once),
    run(dispatch::declines_bring_the_next_batch_forward),
    run(alerts::alerts_are_acknowledged_and_resolved_once),
    run(alerts::unacknowledged_alerts_are_raised_again_once),
    run(alerts::an_alert_keeps_its_conversation),
    run(alerts::scam_evidence_gathers_on_one_alert_per_conversation),
    run(alerts::message_flags_are_kept_edited_and_cleared),
    run(care::welfare_checks_are_cleared_or_raised_once),
    run(care::checkins_move_and_each_step_happens_once),
    run(caregivers::invitations_link_once),
    run(caregivers::a_look_shows_facts_and_is_recorded),
    run(caregivers::racing_redeemers_one_wins),
    run(offers::offers_and_declines_shape_what_is_offerable),
    run(offers::opening_offers_to_unblocked_candidates_once),
    run(offers::opening_announces_once_and_settles),
    run(offers::settle_waits_for_a_commit_under_way),
    run(claims::one_of_many_concurrent_claims_wins),
    run(claims::late_or_missing_claims_lose),
    run(claims::expiry_takes_only_due_pending_requests),
    run(claims::concurrent_sweeps_expire_each_request_once),
    run(claims::the_chat_cap_holds_at_offers_and_claims),
    run(claims::concurrent_sweeps_escalate_each_request_once),
    run(conversations::ending_completes_the_request_once),
    run(conversations::feedback_only_once_and_only_when_completed),
    run(participants::read_marks_are_capped_and_never_lowered),
    run(participants::summaries_count_unread_and_follow_activity),
    run(participants::active_conversations_are_listed_per_user),
    run(direct::one_active_direct_conversation_per_pair),
    run(direct::concurrent_starts_agree),
    run(edits::replies_show_what_they_answer),
    run(edits::edits_replace_text),
    run(edits::deletion_leaves_a_tombstone),
    run(edits::reactions_toggle),
    run(messages::concurrent_appends_get_gapless_seqs),
    run(batches::appends_from_two_stores_stay_gapless),
    run(batches::appends_sent_together_get_their_own_answers),
    run(batches::an_unstorable_message_fails_alone),
    run(batches::appends_acknowledged_before_close_survive),
    run(messages::retries_return_the_stored_message),
    run(messages::concurrent_retries_store_one_message),
    run(messages::appends_are_refused_when_ended_or_missing),
    run(messages::history_pages_both_ways),
    run(receipts::delivered_marks_rise_and_reading_implies_delivery),
    run(receipts::concurrent_delivered_marks_all_land),
    run(receipts::archiving_is_per_person_until_the_next_message),
    run(receipts::deleted_messages_are_not_unread),
    run(search::search_finds_words_only_in_ones_conversations),
    run(search::search_forgets_deleted_and_edited_text_and_pages),
    run(push::subscriptions_are_per_endpoint),
    run(push::a_renewed_subscription_keeps_its_pushes),
    run(push::on_call_volunteers_are_available_subscribed_and_unblocked),
    run(push::claims_take_each_push_once),
    run(push::the_message_throttle_holds),
    run(push::pushed_marks_are_taken_once),
    run(push::request_pushes_need_a_pending_request),
    run(push::taking_back_drops_unsent_pushes),
    run(safety::blocks_keep_requests_apart_both_ways),
    run(safety::a_block_and_a_claim_never_pass_each_other),
    run(safety::a_claim_waiting_on_a_block_sees_it),
    run(safety::reports_resolve_once),
    run(safety::blocked_lists_names_newest_first),
    run(safety::blocked_sender_is_refused),
    run(support::pending_requests_are_listed_oldest_first),
    run(support::active_sessions_name_both_people),
    run(timers::timers_pick_deadlines_and_sweeps_take_them_once),
    run(timers::view_once_waits_for_readers_and_reports_hold),
    run(calls::placing_checks_live_calls_and_busy),
    run(calls::one_accept_and_one_end_win),
    run(calls::ring_sweeps_take_each_call_once),
    run(calls::devices_bind_once_and_stats_once_per_side),
    run(calls::devices_move_while_the_call_lives),
    run(attachments::uploads_are_stored_within_the_quota),
    run(attachments::concurrent_uploads_respect_the_quota),
    run(attachments::an_attachment_goes_with_one_message),
    run(attachments::dead_attachments_are_swept_once),
    run(lifecycle::data_survives_close_and_reopen),
    run_on_empty(lifecycle::concurrent_first_opens_migrate_once),
}

//! Small builders the cases share: accounts, requests, a claimed
//! conversation, a sent message. Times are fixed, relative to one fixed instant, so
//! every backend sees the same values: [`at`]`(0)` is the tests' "now".

use helpline_core::message::{Appended, MessageDraft, MessageType, NewMessage};
use helpline_core::notice::SystemNote;
use helpline_core::request::ChatCap;
use helpline_core::request::{HelpRequest, NewHelpRequest, RequestDraft, RequestType, Topic};
use helpline_core::user::{NewAccount, Role, User};
use helpline_core::{ConversationId, MessageId, RequestId, Timestamp, UserId};
use helpline_store::{AppendRefusal, ClaimOutcome, Store};
use std::sync::Arc;

/// The note a claim stores as the conversation's first message.
pub fn accepted_note() -> SystemNote {
    SystemNote::request_accepted("Volunteer")
}

/// The note ending a conversation stores as its last message.
pub fn ended_note() -> SystemNote {
    SystemNote::chat_ended("Someone")
}

/// The tests' "now", in milliseconds.
const T0_MS: i64 = 1_769_335_200_000;
/// A request's lifetime unless a case says otherwise.
pub const TTL_MS: i64 = 60_000;

/// "Now" moved by `ms` milliseconds (either way).
pub fn at(ms: i64) -> Timestamp {
    Timestamp::from_millis(T0_MS + ms)
}

/// Creates an account with a generated id.
pub async fn account(
    store: &Arc<dyn Store>,
    username: &str,
    display_name: &str,
    role: Role,
) -> User {
    account_with_id(store, &UserId::generate(), username, display_name, role).await
}

/// Creates an account with the given id.
pub async fn account_with_id(
    store: &Arc<dyn Store>,
    id: &UserId,
    username: &str,
    display_name: &str,
    role: Role,
) -> User {
    let new = NewAccount {
        username: username.to_owned(),
        password: "not stored".to_owned(),
        display_name: display_name.to_owned(),
        role,
        languages: vec!["en".to_owned(), "Français".to_owned()],
    };
    store
        .create_user(&new, &format!("hash-of-{username}"), id, at(0))
        .await
        .expect("create account")
}

/// A seeker named after `username`.
pub async fn seeker(store: &Arc<dyn Store>, username: &str) -> User {
    account(store, username, &format!("Seeker {username}"), Role::Seeker).await
}

/// A volunteer named after `username`.
pub async fn volunteer(store: &Arc<dyn Store>, username: &str) -> User {
    account(
        store,
        username,
        &format!("Volunteer {username}"),
        Role::Volunteer,
    )
    .await
}

/// The values of a new request made at `created` that expires at `expires`.
pub fn new_request(
    seeker: &User,
    target: Option<&User>,
    created: Timestamp,
    expires: Timestamp,
) -> NewHelpRequest {
    NewHelpRequest {
        id: RequestId::generate(),
        seeker_id: seeker.id.clone(),
        draft: RequestDraft {
            request_type: RequestType::Chat,
            topic: Some(Topic::Daily),
            note: Some("a note".to_owned()),
            target_volunteer_id: target.map(|t| t.id.clone()),
        },
        created_at: created,
        expires_at: expires,
        widen_at: None,
    }
}

/// Stores a request made at `created`, expiring `TTL_MS` later.
pub async fn request_at(
    store: &Arc<dyn Store>,
    seeker: &User,
    target: Option<&User>,
    created: Timestamp,
) -> HelpRequest {
    let new = new_request(
        seeker,
        target,
        created,
        Timestamp::from_millis(created.millis() + TTL_MS),
    );
    store
        .open_request(&new, &[], ChatCap::none(), None)
        .await
        .expect("create request")
        .request
}

/// Claims `request` for `volunteer` at `now`, expecting to win.
pub async fn claim(
    store: &Arc<dyn Store>,
    request: &HelpRequest,
    volunteer: &User,
    now: Timestamp,
) -> ConversationId {
    let conversation = ConversationId::generate();
    match store
        .claim_request(
            &request.id,
            &volunteer.id,
            &conversation,
            &accepted_note(),
            now,
            ChatCap::none(),
        )
        .await
        .expect("claim")
    {
        ClaimOutcome::Claimed {
            conversation: opened,
            ..
        } => {
            assert_eq!(opened.id, conversation);
            conversation
        }
        other => panic!("expected to win the claim, got {other:?}"),
    }
}

/// A seeker, a volunteer and the active conversation between them, opened at `at(0)`.
#[derive(Clone)]
pub struct Chat {
    /// Who asked (`seeker-<tag>`).
    pub seeker: User,
    /// Who accepted (`volunteer-<tag>`).
    pub volunteer: User,
    /// The request, as stored after the claim.
    pub request: HelpRequest,
    /// The conversation the claim opened.
    pub conversation: ConversationId,
}

/// Sets up a [`Chat`]; `tag` keeps usernames unique within a case.
pub async fn chat(store: &Arc<dyn Store>, tag: &str) -> Chat {
    let seeker = seeker(store, &format!("seeker-{tag}")).await;
    let volunteer = volunteer(store, &format!("volunteer-{tag}")).await;
    let request = request_at(store, &seeker, None, at(-1000)).await;
    let conversation = claim(store, &request, &volunteer, at(0)).await;
    let request = store
        .request(&request.id)
        .await
        .expect("read")
        .expect("request exists");
    Chat {
        seeker,
        volunteer,
        request,
        conversation,
    }
}

/// The values of a text message.
pub fn new_message(
    conversation: &ConversationId,
    sender: &User,
    client_id: &str,
    content: &str,
    now: Timestamp,
) -> NewMessage {
    NewMessage {
        id: MessageId::generate(),
        sender_id: sender.id.clone(),
        draft: MessageDraft {
            conversation_id: conversation.clone(),
            content: content.to_owned(),
            message_type: MessageType::Text,
            client_message_id: client_id.to_owned(),
            reply_to_id: None,
            expires_in_secs: None,
            attachment_id: None,
        },
        created_at: now,
        flags: Vec::new(),
    }
}

/// Appends a message, expecting it to be accepted.
pub async fn send(
    store: &Arc<dyn Store>,
    conversation: &ConversationId,
    sender: &User,
    client_id: &str,
    now: Timestamp,
) -> Appended {
    try_send(store, conversation, sender, client_id, now)
        .await
        .expect("append accepted")
}

/// Appends a message and returns what the store said.
pub async fn try_send(
    store: &Arc<dyn Store>,
    conversation: &ConversationId,
    sender: &User,
    client_id: &str,
    now: Timestamp,
) -> Result<Appended, AppendRefusal> {
    let new = new_message(
        conversation,
        sender,
        client_id,
        &format!("content of {client_id}"),
        now,
    );
    store.append_message(&new).await.expect("append")
}

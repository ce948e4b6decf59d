//! Cases for attachments: uploads within a per-user quota, sending one with
//! exactly one message of its uploader in its conversation, the attachment
//! shown on the message everywhere it is read, and the sweep that takes
//! attachments of deleted or expired messages and unsent old uploads once.

use crate::fixtures::{Chat, at, chat, new_message, send};
use crate::harness::Env;
use helpline_core::attachment::Attachment;
use helpline_core::message::{MessageType, NewMessage};
use helpline_core::user::User;
use helpline_core::{AttachmentId, Timestamp};
use helpline_store::{AppendRefusal, Store};
use std::collections::HashSet;
use std::sync::Arc;

/// An upload by `uploader` of `size` bytes into the chat's conversation.
fn upload(c: &Chat, uploader: &User, size: i64, now: Timestamp) -> Attachment {
    let id = AttachmentId::generate();
    Attachment {
        storage_key: format!("key-{id}"),
        thumbnail_key: Some(format!("key-{id}.thumb")),
        id,
        conversation_id: c.conversation.clone(),
        uploader_id: uploader.id.clone(),
        name: "photo.png".into(),
        mime: "image/png".into(),
        size,
        message_id: None,
        created_at: now,
    }
}

/// A message sending `attachment`.
fn with_attachment(c: &Chat, sender: &User, key: &str, attachment: &Attachment) -> NewMessage {
    let mut m = new_message(&c.conversation, sender, key, "caption", at(5));
    m.draft.message_type = MessageType::Image;
    m.draft.attachment_id = Some(attachment.id.clone());
    m
}

async fn stored(store: &Arc<dyn Store>, a: &Attachment, quota: i64) -> bool {
    store.create_attachment(a, quota).await.expect("create")
}

/// The quota counts every stored upload of one person, and nobody else's.
pub async fn uploads_are_stored_within_the_quota(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let first = upload(&c, &c.seeker, 600, at(1));
    assert!(stored(store, &first, 1000).await);
    assert_eq!(
        store.attachment(&first.id).await.expect("read"),
        Some(first.clone())
    );
    let over = upload(&c, &c.seeker, 401, at(2));
    assert!(!stored(store, &over, 1000).await, "600 + 401 > 1000");
    assert_eq!(store.attachment(&over.id).await.expect("read"), None);
    assert!(stored(store, &upload(&c, &c.seeker, 400, at(3)), 1000).await);
    assert!(
        stored(store, &upload(&c, &c.volunteer, 1000, at(4)), 1000).await,
        "quotas are per person"
    );
    assert_eq!(
        store
            .attachment(&AttachmentId::generate())
            .await
            .expect("read"),
        None
    );
}

/// Concurrent uploads by one person never overshoot the quota together.
pub async fn concurrent_uploads_respect_the_quota(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let attempts = (0..8).map(|i| {
        let (store, a) = (store.clone(), upload(&c, &c.seeker, 300, at(i)));
        tokio::spawn(async move { store.create_attachment(&a, 1000).await.expect("create") })
    });
    let mut accepted = 0;
    for attempt in attempts {
        accepted += usize::from(attempt.await.expect("task"));
    }
    assert_eq!(accepted, 3, "3 × 300 fit in 1000, a fourth does not");
}

/// Only its uploader may send it, only in its conversation, only once; the
/// message carries it in the append's answer, history, sync and reads.
pub async fn an_attachment_goes_with_one_message(env: Env) {
    let store = &env.store;
    let (c, other) = (chat(store, "a").await, chat(store, "b").await);
    let a = upload(&c, &c.seeker, 10, at(1));
    assert!(stored(store, &a, 1000).await);
    let refused = |m: NewMessage| {
        let store = store.clone();
        async move { store.append_message(&m).await.expect("append").err() }
    };
    assert_eq!(
        refused(with_attachment(&c, &c.volunteer, "v", &a)).await,
        Some(AppendRefusal::BadAttachment),
        "not the uploader"
    );
    let mut elsewhere = with_attachment(&c, &c.seeker, "o", &a);
    elsewhere.draft.conversation_id = other.conversation.clone();
    assert_eq!(
        refused(elsewhere).await,
        Some(AppendRefusal::BadAttachment),
        "another conversation"
    );
    let sent = store
        .append_message(&with_attachment(&c, &c.seeker, "s", &a))
        .await
        .expect("append")
        .expect("accepted");
    assert!(sent.created);
    let info = sent.message.attachment.clone().expect("carries it");
    assert_eq!(info, a.info());
    assert!(info.thumbnail);
    let retry = store
        .append_message(&with_attachment(&c, &c.seeker, "s", &a))
        .await
        .expect("append")
        .expect("a retry");
    assert_eq!(
        (retry.created, retry.message),
        (false, sent.message.clone())
    );
    assert_eq!(
        refused(with_attachment(&c, &c.seeker, "again", &a)).await,
        Some(AppendRefusal::BadAttachment),
        "already sent"
    );
    let read = store.message(&sent.message.id).await.expect("read");
    assert_eq!(read.and_then(|m| m.attachment), Some(info.clone()));
    let history = store
        .messages_before(&c.conversation, None, 10)
        .await
        .expect("history");
    assert_eq!(
        history.last().and_then(|m| m.attachment.clone()),
        Some(info.clone())
    );
    let synced = store
        .messages_after(&c.conversation, 0, 10)
        .await
        .expect("sync");
    assert_eq!(synced.iter().filter(|m| m.attachment.is_some()).count(), 1);
    let text = send(store, &c.conversation, &c.seeker, "t", at(6)).await;
    assert_eq!(text.message.attachment, None);
    let now = store.attachment(&a.id).await.expect("read").expect("live");
    assert_eq!(now.message_id, Some(sent.message.id));
}

/// Deleting or expiring a message leaves its attachment to the sweep, which
/// also takes unsent uploads older than the cut-off; each is taken once.
pub async fn dead_attachments_are_swept_once(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let deleted = upload(&c, &c.seeker, 10, at(1));
    let expiring = upload(&c, &c.seeker, 10, at(1));
    let kept = upload(&c, &c.seeker, 10, at(1));
    let old_unsent = upload(&c, &c.volunteer, 10, at(1));
    let new_unsent = upload(&c, &c.volunteer, 10, at(50));
    for a in [&deleted, &expiring, &kept, &old_unsent, &new_unsent] {
        assert!(stored(store, a, 1000).await);
    }
    let gone = store
        .append_message(&with_attachment(&c, &c.seeker, "d", &deleted))
        .await
        .expect("append")
        .expect("accepted")
        .message;
    let mut timed = with_attachment(&c, &c.seeker, "e", &expiring);
    timed.draft.expires_in_secs = Some(30);
    store
        .append_message(&timed)
        .await
        .expect("append")
        .expect("accepted");
    store
        .append_message(&with_attachment(&c, &c.seeker, "k", &kept))
        .await
        .expect("append")
        .expect("accepted");
    assert_eq!(
        store
            .take_dead_attachments(at(10), 100)
            .await
            .expect("sweep"),
        vec![old_unsent.clone()],
        "only the unsent upload made before the cut-off"
    );
    let tombstone = store
        .delete_message(&gone.id, at(20))
        .await
        .expect("delete")
        .expect("deleted");
    assert_eq!(tombstone.attachment, None, "a tombstone carries nothing");
    assert_eq!(store.attachment(&deleted.id).await.expect("read"), None);
    let expired = store
        .expire_messages(at(40_000), 100)
        .await
        .expect("expire");
    assert_eq!(expired.len(), 1);
    assert_eq!(store.attachment(&expiring.id).await.expect("read"), None);
    let (a, b) = tokio::join!(
        store.take_dead_attachments(at(10), 100),
        store.take_dead_attachments(at(10), 100)
    );
    let mut taken: Vec<AttachmentId> = a
        .expect("sweep")
        .into_iter()
        .chain(b.expect("sweep"))
        .map(|a| a.id)
        .collect();
    taken.sort();
    let mut expected = vec![deleted.id.clone(), expiring.id.clone()];
    expected.sort();
    assert_eq!(taken, expected, "each once, across concurrent sweeps");
    let remaining: HashSet<_> = [&kept, &new_unsent]
        .into_iter()
        .map(|a| a.id.clone())
        .collect();
    for id in &remaining {
        assert!(store.attachment(id).await.expect("read").is_some());
    }
    assert_eq!(
        store
            .take_dead_attachments(at(100), 100)
            .await
            .expect("sweep"),
        vec![new_unsent],
        "a later cut-off takes the newer unsent upload"
    );
    assert!(
        stored(store, &upload(&c, &c.seeker, 980, at(200)), 1000).await,
        "removed attachments free the quota"
    );
}

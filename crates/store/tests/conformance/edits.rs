//! Cases for changing messages: replies carry a preview, edits replace the
//! text, deletion leaves a tombstone with the seq and erases content and
//! reactions everywhere, reactions toggle per person and emoji.

use crate::fixtures::{at, chat, new_message, send};
use crate::harness::Env;
use helpline_core::MessageId;
use helpline_store::AppendRefusal;

/// A reply names a live message of the same conversation and shows its start.
pub async fn replies_show_what_they_answer(env: Env) {
    let store = &env.store;
    let (c, other) = (chat(store, "a").await, chat(store, "b").await);
    let original = send(store, &c.conversation, &c.seeker, "q", at(1))
        .await
        .message;
    let mut reply = new_message(&c.conversation, &c.volunteer, "r", "an answer", at(2));
    reply.draft.reply_to_id = Some(original.id.clone());
    let stored = store
        .append_message(&reply)
        .await
        .expect("append")
        .expect("accepted")
        .message;
    let preview = stored.reply_to.clone().expect("reply preview");
    assert_eq!(
        (preview.id, preview.seq, preview.deleted),
        (original.id.clone(), original.seq, false)
    );
    assert_eq!(preview.sender_id, c.seeker.id);
    assert_eq!(preview.preview, original.content);
    let read = store
        .messages_after(&c.conversation, 0, 10)
        .await
        .expect("read");
    assert_eq!(read[2], stored, "what was acked is what is read back");

    for bad in [
        MessageId::generate(),
        send(store, &other.conversation, &other.seeker, "x", at(3))
            .await
            .message
            .id,
    ] {
        let mut stray = new_message(
            &c.conversation,
            &c.volunteer,
            &format!("s-{bad}"),
            "stray",
            at(4),
        );
        stray.draft.reply_to_id = Some(bad);
        assert_eq!(
            store.append_message(&stray).await.expect("append").err(),
            Some(AppendRefusal::BadReply)
        );
    }
    assert_eq!(
        store
            .conversation(&c.conversation)
            .await
            .expect("read")
            .expect("exists")
            .last_seq,
        3,
        "refusals take no seq"
    );
}

/// Edits replace the text of live messages only.
pub async fn edits_replace_text(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let m = send(store, &c.conversation, &c.seeker, "1", at(1))
        .await
        .message;
    let edited = store
        .edit_message(&m.id, "better words", &[], at(5))
        .await
        .expect("edit")
        .expect("live");
    assert_eq!(
        (edited.content.as_str(), edited.edited_at, edited.seq),
        ("better words", Some(at(5)), m.seq)
    );
    assert_eq!(store.message(&m.id).await.expect("read"), Some(edited));
    store
        .delete_message(&m.id, at(6))
        .await
        .expect("delete")
        .expect("live");
    assert_eq!(
        store
            .edit_message(&m.id, "again", &[], at(7))
            .await
            .expect("edit"),
        None
    );
    assert_eq!(
        store
            .edit_message(&MessageId::generate(), "x", &[], at(7))
            .await
            .expect("edit"),
        None
    );
}

/// Deleting leaves a tombstone: the seq stays, the content and reactions go,
/// replies to it show nothing of it, and it cannot be deleted twice.
pub async fn deletion_leaves_a_tombstone(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let m = send(store, &c.conversation, &c.seeker, "1", at(1))
        .await
        .message;
    let mut reply = new_message(&c.conversation, &c.volunteer, "r", "answer", at(2));
    reply.draft.reply_to_id = Some(m.id.clone());
    store
        .append_message(&reply)
        .await
        .expect("append")
        .expect("accepted");
    store
        .toggle_reaction(&m.id, &c.volunteer.id, "👍", at(3))
        .await
        .expect("react")
        .expect("live");

    let tombstone = store
        .delete_message(&m.id, at(4))
        .await
        .expect("delete")
        .expect("live");
    assert_eq!(
        (
            tombstone.seq,
            tombstone.content.as_str(),
            tombstone.deleted_at
        ),
        (m.seq, "", Some(at(4)))
    );
    assert!(tombstone.reactions.is_empty());
    assert_eq!(
        store.delete_message(&m.id, at(5)).await.expect("delete"),
        None
    );
    let history = store
        .messages_before(&c.conversation, None, 10)
        .await
        .expect("history");
    assert_eq!(
        history.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [1, 2, 3],
        "the seq stays"
    );
    assert_eq!(history[1].content, "");
    let preview = history[2].reply_to.clone().expect("still a reply");
    assert!(preview.deleted && preview.preview.is_empty(), "{preview:?}");
    assert_eq!(
        store
            .toggle_reaction(&m.id, &c.seeker.id, "👍", at(6))
            .await
            .expect("react"),
        None
    );
    // The stored row itself holds no content any more.
    let sync = store
        .messages_after(&c.conversation, 0, 10)
        .await
        .expect("sync");
    assert_eq!(sync[1].content, "");
}

/// Reactions toggle per person and emoji, ordered by their earliest standing reaction.
pub async fn reactions_toggle(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let m = send(store, &c.conversation, &c.seeker, "1", at(1))
        .await
        .message;
    let r = store
        .toggle_reaction(&m.id, &c.volunteer.id, "❤️", at(2))
        .await
        .expect("react")
        .expect("live");
    assert_eq!((r.len(), r[0].emoji.as_str(), r[0].count), (1, "❤️", 1));
    store
        .toggle_reaction(&m.id, &c.seeker.id, "👍", at(3))
        .await
        .expect("react");
    let r = store
        .toggle_reaction(&m.id, &c.seeker.id, "❤️", at(4))
        .await
        .expect("react")
        .expect("live");
    assert_eq!(
        r.iter()
            .map(|x| (x.emoji.as_str(), x.count))
            .collect::<Vec<_>>(),
        [("❤️", 2), ("👍", 1)]
    );
    assert_eq!(r[0].user_ids, [c.volunteer.id.clone(), c.seeker.id.clone()]);
    let r = store
        .toggle_reaction(&m.id, &c.volunteer.id, "❤️", at(5))
        .await
        .expect("react")
        .expect("live");
    // Order follows the earliest reaction still standing: 👍 (t3) before ❤️ (t4).
    assert_eq!(
        r.iter()
            .map(|x| (x.emoji.as_str(), x.count))
            .collect::<Vec<_>>(),
        [("👍", 1), ("❤️", 1)]
    );
    let read = store.message(&m.id).await.expect("read").expect("exists");
    assert_eq!(read.reactions, r, "reads carry the reactions");
    assert_eq!(
        store
            .toggle_reaction(&MessageId::generate(), &c.seeker.id, "👍", at(6))
            .await
            .expect("react"),
        None
    );
}

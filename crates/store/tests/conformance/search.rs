//! Cases for full-text search: all words must match, in any order and
//! case; only the searcher's conversations; never deleted text, nor the
//! old text of an edited message; relevance first, then paging.

use crate::fixtures::{at, chat, send};
use crate::harness::Env;
use helpline_core::message::Message;
use helpline_core::search::SearchQuery;

fn query(q: &str) -> SearchQuery {
    SearchQuery::new(q, None, None, None, None).expect("valid query")
}

fn contents(found: &[Message]) -> Vec<&str> {
    found.iter().map(|m| m.content.as_str()).collect()
}

/// Words match regardless of case and order, only within one's own conversations.
pub async fn search_finds_words_only_in_ones_conversations(env: Env) {
    let store = &env.store;
    let (mine, theirs) = (chat(store, "a").await, chat(store, "b").await);
    let texts = [
        "The garden tomatoes are red",
        "Tomatoes need sun",
        "Red roses in the garden",
    ];
    for (i, text) in texts.iter().enumerate() {
        let mut m = crate::fixtures::new_message(
            &mine.conversation,
            &mine.seeker,
            &format!("m{i}"),
            text,
            at(i as i64),
        );
        m.draft.content = (*text).to_owned();
        store
            .append_message(&m)
            .await
            .expect("append")
            .expect("accepted");
    }
    let secret = crate::fixtures::new_message(
        &theirs.conversation,
        &theirs.seeker,
        "s",
        "secret garden tomatoes",
        at(10),
    );
    store
        .append_message(&secret)
        .await
        .expect("append")
        .expect("accepted");

    let found = store
        .search_messages(&mine.seeker.id, &query("RED garden"))
        .await
        .expect("search");
    let mut got = contents(&found);
    got.sort_unstable();
    assert_eq!(
        got,
        ["Red roses in the garden", "The garden tomatoes are red"]
    );
    let found = store
        .search_messages(&mine.volunteer.id, &query("tomatoes"))
        .await
        .expect("search");
    assert_eq!(found.len(), 2, "the other participant finds them too");
    assert!(
        found.iter().all(|m| m.conversation_id == mine.conversation),
        "never another conversation"
    );
    let found = store
        .search_messages(&theirs.seeker.id, &query("garden"))
        .await
        .expect("search");
    assert_eq!(contents(&found), ["secret garden tomatoes"]);
    assert!(
        store
            .search_messages(&mine.seeker.id, &query("secret"))
            .await
            .expect("search")
            .is_empty()
    );

    let within = SearchQuery::new(
        "garden",
        Some(mine.conversation.clone()),
        Some(3),
        None,
        None,
    )
    .expect("valid");
    assert_eq!(
        contents(
            &store
                .search_messages(&mine.seeker.id, &within)
                .await
                .expect("search")
        ),
        ["The garden tomatoes are red"]
    );
    let elsewhere = SearchQuery::new(
        "garden",
        Some(theirs.conversation.clone()),
        None,
        None,
        None,
    )
    .expect("valid");
    assert!(
        store
            .search_messages(&mine.seeker.id, &elsewhere)
            .await
            .expect("search")
            .is_empty(),
        "not a participant there"
    );
}

/// Deleted and replaced text is not found; pages follow the ranking.
pub async fn search_forgets_deleted_and_edited_text_and_pages(env: Env) {
    let store = &env.store;
    let c = chat(store, "a").await;
    let doomed = send(store, &c.conversation, &c.seeker, "1", at(1))
        .await
        .message;
    let edited = send(store, &c.conversation, &c.seeker, "2", at(2))
        .await
        .message;
    let word = |m: &Message| {
        m.content
            .split_whitespace()
            .last()
            .expect("word")
            .to_owned()
    };
    let (doomed_word, edited_word) = (word(&doomed), word(&edited));
    store
        .delete_message(&doomed.id, at(3))
        .await
        .expect("delete");
    store
        .edit_message(&edited.id, "entirely different words", &[], at(4))
        .await
        .expect("edit");
    assert!(
        store
            .search_messages(&c.seeker.id, &query(&doomed_word))
            .await
            .expect("search")
            .is_empty()
    );
    assert!(
        store
            .search_messages(&c.seeker.id, &query(&edited_word))
            .await
            .expect("search")
            .is_empty()
    );
    assert_eq!(
        store
            .search_messages(&c.seeker.id, &query("different"))
            .await
            .expect("search")
            .len(),
        1
    );

    for i in 0..5 {
        let m = crate::fixtures::new_message(
            &c.conversation,
            &c.seeker,
            &format!("p{i}"),
            "walk in the park",
            at(10 + i),
        );
        store
            .append_message(&m)
            .await
            .expect("append")
            .expect("accepted");
    }
    let page = |offset| SearchQuery::new("park", None, None, Some(2), Some(offset)).expect("valid");
    let mut seen = Vec::new();
    for offset in [0, 2, 4] {
        let found = store
            .search_messages(&c.seeker.id, &page(offset))
            .await
            .expect("search");
        seen.extend(found.into_iter().map(|m| m.seq));
    }
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 5, "pages cover every match once");
}

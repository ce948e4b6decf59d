//! Cases for accounts and settings.

use crate::fixtures::{account, account_with_id, at};
use crate::harness::Env;
use helpline_core::UserId;
use helpline_core::user::{NewAccount, Role};
use helpline_store::StoreError;

/// Accounts read back as stored, by id and by username (with the hash).
pub async fn users_are_created_and_read_back(env: Env) {
    let store = &env.store;
    let id = UserId::from_trusted("user-ann");
    let ann = account_with_id(store, &id, "ann", "Ann Émilie", Role::Seeker).await;
    assert_eq!(ann.id, id);
    assert_eq!(ann.username, "ann");
    assert_eq!(ann.display_name, "Ann Émilie");
    assert_eq!(ann.role, Role::Seeker);
    assert_eq!(ann.languages, ["en", "Français"]);
    assert_eq!(ann.created_at, at(0));
    assert_eq!(store.user(&id).await.expect("user"), Some(ann.clone()));

    let credentials = store
        .credentials("ann")
        .await
        .expect("credentials")
        .expect("ann has credentials");
    assert_eq!(credentials.user, ann);
    assert_eq!(credentials.password_hash, "hash-of-ann");

    let support = account(store, "staff", "Staff", Role::Support).await;
    assert_eq!(
        store.user(&support.id).await.expect("user").map(|u| u.role),
        Some(Role::Support)
    );
    assert!(
        store
            .user(&UserId::from_trusted("nobody"))
            .await
            .expect("user")
            .is_none()
    );
    assert!(
        store
            .credentials("nobody")
            .await
            .expect("credentials")
            .is_none()
    );
    assert!(
        store
            .credentials("ANN")
            .await
            .expect("credentials")
            .is_none(),
        "usernames match exactly"
    );
}

/// A taken username is `UsernameTaken`, also when registrations race.
pub async fn usernames_are_unique(env: Env) {
    let store = &env.store;
    let first = account(store, "ann", "Ann", Role::Seeker).await;
    let again = NewAccount {
        username: "ann".into(),
        password: "irrelevant".into(),
        display_name: "Other Ann".into(),
        role: Role::Volunteer,
        languages: vec![],
    };
    let refused = store
        .create_user(&again, "other-hash", &UserId::generate(), at(1))
        .await;
    assert!(
        matches!(refused, Err(StoreError::UsernameTaken)),
        "{refused:?}"
    );
    let kept = store
        .credentials("ann")
        .await
        .expect("credentials")
        .expect("ann exists");
    assert_eq!(
        (kept.user, kept.password_hash.as_str()),
        (first, "hash-of-ann")
    );

    // Racing registrations of one name: exactly one gets it.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = store.clone();
        let new = NewAccount {
            username: "bob".into(),
            password: "irrelevant".into(),
            display_name: format!("Bob {i}"),
            role: Role::Seeker,
            languages: vec![],
        };
        tasks.push(tokio::spawn(async move {
            store
                .create_user(&new, "h", &UserId::generate(), at(i))
                .await
        }));
    }
    let mut created = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => created += 1,
            Err(StoreError::UsernameTaken) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(created, 1);
}

/// Only volunteers are listed, by display name then id, compared byte-wise.
pub async fn volunteers_are_ordered_by_display_name(env: Env) {
    let store = &env.store;
    // Byte order, as SQLite compares text: upper case before lower case,
    // accented letters last; equal names by id, again byte-wise
    // ("vol-B" < "vol-a" because 'B' < 'a').
    let people = [
        ("vol-c", "bob", "bob"),
        ("vol-a", "alice1", "Alice"),
        ("vol-B", "alice2", "Alice"),
        ("vol-d", "alice3", "alice"),
        ("vol-e", "zed", "Zed"),
        ("vol-f", "emile", "Émile"),
    ];
    for (id, username, name) in people {
        account_with_id(
            store,
            &UserId::from_trusted(id),
            username,
            name,
            Role::Volunteer,
        )
        .await;
    }
    account(store, "aaron", "Aaron", Role::Seeker).await;
    account(store, "aardvark", "Aardvark", Role::Support).await;
    let listed: Vec<(String, String)> = store
        .volunteers()
        .await
        .expect("volunteers")
        .into_iter()
        .map(|u| (u.id.as_str().to_owned(), u.display_name))
        .collect();
    let expected = [
        ("vol-B", "Alice"),
        ("vol-a", "Alice"),
        ("vol-e", "Zed"),
        ("vol-d", "alice"),
        ("vol-c", "bob"),
        ("vol-f", "Émile"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(i, n)| ((*i).to_owned(), (*n).to_owned()))
        .collect();
    assert_eq!(listed, expected);
}

/// `setting_or_insert` keeps the first value, also when callers race.
pub async fn first_setting_wins_forever(env: Env) {
    let store = &env.store;
    assert_eq!(
        store
            .setting_or_insert("token_secret", "first")
            .await
            .expect("setting"),
        "first"
    );
    assert_eq!(
        store
            .setting_or_insert("token_secret", "second")
            .await
            .expect("setting"),
        "first"
    );
    assert_eq!(
        store
            .setting_or_insert("other", "x")
            .await
            .expect("setting"),
        "x"
    );
    assert_eq!(
        store
            .setting_or_insert("token_secret", "third")
            .await
            .expect("setting"),
        "first"
    );

    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .setting_or_insert("race", &format!("candidate-{i}"))
                .await
        }));
    }
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.expect("task").expect("setting"));
    }
    assert!(seen[0].starts_with("candidate-"));
    assert!(
        seen.iter().all(|v| *v == seen[0]),
        "everyone reads the winner: {seen:?}"
    );
    assert_eq!(
        store
            .setting_or_insert("race", "late")
            .await
            .expect("setting"),
        seen[0]
    );
}

/// Users are found by a part of their display name or username, ASCII
/// letters in any case, by display name and at most `limit`; `%` and `_`
/// match only themselves.
pub async fn users_are_found_by_name(env: Env) {
    let store = &env.store;
    let names = |users: Vec<helpline_core::user::User>| -> Vec<String> {
        users.into_iter().map(|u| u.username).collect()
    };
    account(store, "ann_b", "Ann B", Role::Seeker).await;
    account(store, "annxb", "Annie", Role::Volunteer).await;
    account(store, "bob", "100% Bob", Role::Support).await;
    account(store, "bert", "1000 Bert", Role::Seeker).await;
    let found = |text: &'static str, limit: i64| {
        let store = store.clone();
        async move { names(store.search_users(text, limit).await.expect("search")) }
    };
    assert_eq!(
        found("ANN", 20).await,
        ["ann_b", "annxb"],
        "any case, by name"
    );
    assert_eq!(found("n_b", 20).await, ["ann_b"], "_ is no wildcard");
    assert_eq!(found("0%", 20).await, ["bob"], "% is no wildcard");
    assert_eq!(found("%", 20).await, ["bob"]);
    assert_eq!(found("bo", 20).await, ["bob"], "by username too");
    assert_eq!(found("a", 1).await, ["ann_b"], "at most the limit");
    assert!(found("zed", 20).await.is_empty());
    assert!(found("\\", 20).await.is_empty(), "a backslash is plain too");
}

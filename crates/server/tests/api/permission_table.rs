//! The permission table of `helpline_core::permissions`, run through the
//! real edges: for every pair of roles that can share a conversation, every
//! action (send, read history, search, upload, download, edit, delete, react,
//! report) is tried by a participant — on their own message and on the other
//! person's — by an outsider of every role, and again after the conversation
//! ended. REST answers 403/404 where the socket answers `forbidden`; the
//! outcome must be what `check_conversation_action` decides.

use crate::common::attachments::upload;
use crate::common::{Account, Backend, TestApp, ok, session, unique};
use helpline_client::Client;
use helpline_core::UserId;
use helpline_core::permissions::{
    ConversationAction, ConversationFacts, check_conversation_action,
};
use helpline_core::user::Role;
use serde_json::{Value, json};

both_backends!(every_action_for_every_role_pair_through_the_edges);

/// A fresh account of `role`.
async fn account(app: &TestApp, role: Role) -> Account {
    match role {
        Role::Support => app.create_account(Role::Support).await,
        other => app.register(other.as_str()).await,
    }
}

/// Two people of these roles in one active conversation: a seeker and a
/// volunteer meet through a request, everyone else directly.
async fn conversation(app: &TestApp, a: Role, b: Role) -> (Account, Account, Value) {
    if (a, b) == (Role::Seeker, Role::Volunteer) {
        let (seeker, volunteer, _, _, conversation) = session(app).await;
        return (seeker, volunteer, conversation);
    }
    let (first, second) = (account(app, a).await, account(app, b).await);
    let (status, body) = app
        .post(
            "/api/conversations",
            Some(&first.token),
            json!({"participantId": second.id}),
        )
        .await;
    assert_eq!(status, 201, "{a:?} starts with {b:?}: {body}");
    (first, second, body["id"].clone())
}

/// What the edges answered for one action: allowed, or the refusal's code.
type Outcome = Result<(), String>;

fn rest(status: u16, body: &Value, success: u16) -> Outcome {
    if status == success {
        Ok(())
    } else {
        Err(body["error"]["code"].as_str().unwrap_or("?").to_owned())
    }
}

fn socket(ack: Value) -> Outcome {
    if ack["ok"] == true {
        Ok(())
    } else {
        Err(ack["error"]["code"].as_str().unwrap_or("?").to_owned())
    }
}

/// One person acting in the conversation.
struct Actor<'a> {
    app: &'a TestApp,
    account: &'a Account,
    client: Client,
    conversation: &'a Value,
}

impl Actor<'_> {
    async fn emit(&self, event: &str, mut payload: Value) -> Outcome {
        payload["conversationId"] = self.conversation.clone();
        socket(self.client.ack(event, payload).await.unwrap())
    }

    /// Runs `action` on `message` (another upload's id for Download); both
    /// history reads and both search forms must agree.
    async fn act(
        &self,
        action: ConversationAction,
        message: &Value,
        attachment: &Value,
    ) -> Outcome {
        let id = self.conversation.as_str().unwrap();
        let token = &self.account.token;
        match action {
            ConversationAction::Send => {
                self.emit(
                    "message:send",
                    json!({"content": "apple pie", "clientMessageId": unique("p")}),
                )
                .await
            }
            ConversationAction::ReadHistory => {
                let (status, body) = self
                    .app
                    .get(&format!("/api/conversations/{id}/messages"), Some(token))
                    .await;
                let by_rest = rest(status, &body, 200);
                let by_socket = self.emit("message:sync", json!({"afterSeq": 0})).await;
                assert_eq!(
                    by_rest.is_ok(),
                    by_socket.is_ok(),
                    "history: {by_rest:?} {by_socket:?}"
                );
                by_socket
            }
            ConversationAction::Search => {
                let path = format!("/api/search?q=orchard&conversationId={id}");
                let (status, body) = self.app.get(&path, Some(token)).await;
                if status == 200 {
                    assert!(
                        !body["results"].as_array().unwrap().is_empty(),
                        "found: {body}"
                    );
                }
                // Searching everywhere never shows a stranger this conversation.
                let (_, all) = self.app.get("/api/search?q=orchard", Some(token)).await;
                let leaked = all["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["conversationId"] == *self.conversation);
                assert_eq!(leaked, status == 200, "search everywhere: {all}");
                rest(status, &body, 200)
            }
            ConversationAction::Upload => {
                let (status, body) = upload(
                    self.app,
                    self.account,
                    self.conversation,
                    "n.txt",
                    "text/plain",
                    b"note",
                )
                .await;
                rest(status, &body, 201)
            }
            ConversationAction::Download => {
                let path = format!("/api/attachments/{}", attachment["id"].as_str().unwrap());
                let (status, _, _) = self.app.get_bytes(&path, token).await;
                rest(status, &json!({"error": {"code": status.to_string()}}), 200)
            }
            ConversationAction::Edit => {
                self.emit(
                    "message:edit",
                    json!({"messageId": message["id"], "content": "apple orchard, edited"}),
                )
                .await
            }
            ConversationAction::Delete => {
                self.emit("message:delete", json!({"messageId": message["id"]}))
                    .await
            }
            ConversationAction::React => {
                self.emit(
                    "message:react",
                    json!({"messageId": message["id"], "emoji": "👍"}),
                )
                .await
            }
            ConversationAction::Report => {
                let (status, body) = self
                    .app
                    .post(
                        "/api/reports",
                        Some(token),
                        json!({"messageId": message["id"], "reason": "checking the table"}),
                    )
                    .await;
                rest(status, &body, 201)
            }
        }
    }
}

/// The codes a refusal may carry at the edges for what the table decided.
fn matches_decision(outcome: &Outcome, decided: &Result<(), helpline_core::DomainError>) -> bool {
    match (outcome, decided) {
        (Ok(()), Ok(())) => true,
        (Err(code), Err(error)) => match error.code() {
            // A stranger is refused; REST may hide the conversation altogether.
            "forbidden" => ["forbidden", "not_found", "403", "404"].contains(&code.as_str()),
            other => code == other,
        },
        _ => false,
    }
}

async fn every_action_for_every_role_pair_through_the_edges(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let pairs = [
        (Role::Seeker, Role::Volunteer),
        (Role::Seeker, Role::Support),
        (Role::Volunteer, Role::Support),
        (Role::Support, Role::Support),
    ];
    for (role_a, role_b) in pairs {
        let (a, b, conversation) = conversation(&app, role_a, role_b).await;
        let people = [
            (a.clone(), role_a),
            (b.clone(), role_b),
            (account(&app, Role::Seeker).await, Role::Seeker),
            (account(&app, Role::Volunteer).await, Role::Volunteer),
            (account(&app, Role::Support).await, Role::Support),
        ];
        let members = [
            UserId::from_trusted(a.id.clone()),
            UserId::from_trusted(b.id.clone()),
        ];
        let sender = app.connect(&b).await;
        let mut kept_attachment = Value::Null;
        for active in [true, false] {
            if !active {
                ok(sender
                    .ack("chat:end", json!({"conversationId": conversation}))
                    .await
                    .unwrap());
            }
            for (person, role) in &people {
                let actor = Actor {
                    app: &app,
                    account: person,
                    client: app.connect(person).await,
                    conversation: &conversation,
                };
                let me = UserId::from_trusted(person.id.clone());
                // Fresh material each round while the conversation is open:
                // a message of b's, one of a's, and a's upload in a message.
                let (b_message, a_message, attachment) = if active {
                    let b_message = ok(sender
                        .ack("message:send", json!({"conversationId": conversation, "content": "apple orchard", "clientMessageId": unique("b")}))
                        .await
                        .unwrap())["message"]
                        .clone();
                    let a_client = app.connect(&a).await;
                    let a_message = ok(a_client
                        .ack("message:send", json!({"conversationId": conversation, "content": "orchard walk", "clientMessageId": unique("a")}))
                        .await
                        .unwrap())["message"]
                        .clone();
                    let (status, attachment) =
                        upload(&app, &a, &conversation, "a.txt", "text/plain", b"a's file").await;
                    assert_eq!(status, 201, "{attachment}");
                    ok(crate::common::attachments::send(
                        &a_client,
                        &conversation,
                        "file",
                        &attachment,
                        &unique("f"),
                    )
                    .await);
                    kept_attachment = attachment.clone();
                    (b_message, a_message, attachment)
                } else {
                    let (_, page) = app
                        .get(
                            &format!(
                                "/api/conversations/{}/messages",
                                conversation.as_str().unwrap()
                            ),
                            Some(&a.token),
                        )
                        .await;
                    let list = page["messages"].as_array().unwrap().clone();
                    let find = |who: &str| {
                        list.iter()
                            .rev()
                            .find(|m| {
                                m["senderId"] == who
                                    && m["type"] == "text"
                                    && m["deletedAt"].is_null()
                            })
                            .cloned()
                            .unwrap()
                    };
                    (find(&b.id), find(&a.id), kept_attachment.clone())
                };
                // Delete last, so the other actions still find the message.
                let mut actions = ConversationAction::ALL.to_vec();
                actions.sort_by_key(|a| *a == ConversationAction::Delete);
                for action in actions {
                    let facts = ConversationFacts {
                        participants: &members,
                        active,
                    };
                    // Each person tries the action on b's message; a also on a's own.
                    let mut tries = vec![(&b_message, UserId::from_trusted(b.id.clone()))];
                    if person.id == a.id {
                        tries.push((&a_message, me.clone()));
                    }
                    for (message, author) in tries {
                        let decided = check_conversation_action(action, &me, facts, Some(&author));
                        let outcome = actor.act(action, message, &attachment).await;
                        assert!(
                            matches_decision(&outcome, &decided),
                            "{role_a:?}+{role_b:?} conversation, active={active}: {role:?} {action:?} \
                             on {} message → {outcome:?}, table says {decided:?}",
                            if author == me {
                                "their own"
                            } else {
                                "the other person's"
                            }
                        );
                    }
                }
            }
        }
    }
}

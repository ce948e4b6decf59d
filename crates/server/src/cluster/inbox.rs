//! What the other nodes publish, applied here: events delivered to this
//! node's sockets, room changes, presence. News from this node itself
//! comes back on the channel too and is skipped.

use super::Echo;
use super::news::{Envelope, News, NodeId};
use crate::app::App;
use crate::realtime::outbound::SupportChange;
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use helpline_core::UserId;
use std::time::Instant;
use tokio::sync::watch;

/// Applies news from the other nodes until stopped or the stream ends.
pub async fn listen(
    app: App,
    node: NodeId,
    mut heard: BoxStream<'static, Bytes>,
    echo: Echo,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let payload = tokio::select! {
            payload = heard.next() => payload,
            _ = stopped.changed() => return,
        };
        let Some(payload) = payload else {
            // The node goes on serving its own sockets; without echoes it
            // forgets no other node (see the heartbeat).
            tracing::error!("the broker subscription ended; other nodes are no longer heard");
            return;
        };
        let Some(Envelope { from, news }) = Envelope::decode(&payload) else {
            continue;
        };
        if from == node {
            echo.heard();
        } else {
            apply(&app, from, news).await;
        }
    }
}

async fn apply(app: &App, from: NodeId, news: News) {
    let heard = app.presence.heard(from, &news, Instant::now());
    // A user leaving a live node is that node's to handle (it watches
    // their calls and tells support); a node that stops cannot.
    let node_left = matches!(news, News::Leaving);
    if heard.new_node {
        // A node just started (or came back): it learns who is here.
        app.presence.announce_snapshot();
    }
    match news {
        News::Event { to, body } => app.fanout.deliver_here(&to, &body),
        News::Message {
            conversation,
            sender,
            seq,
            body,
        } => {
            let receipts = crate::receipts::on_delivered(app, &conversation, &sender, seq);
            app.fanout
                .deliver_message_here(&conversation, &body, || receipts);
        }
        News::Join {
            users,
            conversation,
        } => app.fanout.rooms().join_users(&users, &conversation),
        News::Close { conversation } => app.fanout.rooms().close(&conversation),
        News::Snapshot { .. }
        | News::Present(_)
        | News::Absent(_)
        | News::Leaving
        | News::Chose { .. } => {}
    }
    if !heard.gone.is_empty() {
        // Looked up off the inbox, which must keep reading.
        let app = app.clone();
        tokio::spawn(async move {
            match node_left {
                true => users_gone(&app, heard.gone).await,
                // Left from a node that said so itself: it watches their
                // calls and tells its support agents.
                false => {
                    for user in heard.gone {
                        crate::push::told::user_gone(&app, &user).await;
                    }
                }
            }
        });
    }
}

/// Users of a node that stopped or fell silent, now online nowhere: their
/// live calls are watched, and this node's support agents see them go
/// (the node they were on can no longer say so itself).
pub async fn users_gone(app: &App, gone: Vec<UserId>) {
    if gone.is_empty() {
        return;
    }
    app.fanout.support_changed_here(SupportChange::Presence);
    for user in gone {
        crate::calls::watch::user_gone(app, &user).await;
        crate::push::told::user_gone(app, &user).await;
    }
}

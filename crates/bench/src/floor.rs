//! F, the floor: the least a server can do for these scenarios. A raw
//! tokio-tungstenite server that does the same fan-out as Helpline with no
//! protocol library, no authentication and no storage. It writes the few
//! Engine.IO/Socket.IO prefixes the generator expects (`0{…}`, `40{…}`,
//! `43<id>[…]`, `42[…]`) so the very same clients drive it, takes the
//! handshake token as the user id (`s-…` seekers, `v-…` volunteers), keeps
//! rooms and requests in one in-memory map, and answers every event with an
//! ack. No heartbeats, no validation, no persistence.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

type Tx = mpsc::UnboundedSender<Utf8Bytes>;

#[derive(Default)]
struct State {
    /// Each user's connections (connection id, sender).
    users: HashMap<String, Vec<(u64, Tx)>>,
    /// Requests: id → (seeker, offered volunteers, still pending).
    requests: HashMap<u64, (String, Vec<String>, bool)>,
    /// Conversations: id → (members, last seq).
    conversations: HashMap<u64, (Vec<String>, u64)>,
    next_id: u64,
}

type Shared = Arc<Mutex<State>>;

/// Runs the floor server on `addr` until the process is killed.
pub async fn run(addr: &str) -> Result<(), String> {
    let listener = TcpListener::bind(addr).await.map_err(|e| e.to_string())?;
    let state = Shared::default();
    let mut next_conn = 0_u64;
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        next_conn += 1;
        tokio::spawn(serve(stream, state.clone(), next_conn));
    }
}

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

async fn serve(stream: TcpStream, state: Shared, conn: u64) {
    let _ = stream.set_nodelay(true);
    // Small buffers, as a server meant for many idle sockets would use
    // (tungstenite's defaults allocate 128 KiB per connection up front).
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(stream, Some(config)).await else {
        return;
    };
    let open = r#"0{"sid":"floor","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
    if ws.send(Message::text(open)).await.is_err() {
        return;
    }
    // The CONNECT packet's token is the user id.
    let user = loop {
        match ws.next().await {
            Some(Ok(Message::Text(text))) if text.starts_with("40") => {
                let auth: Value = serde_json::from_str(&text[2..]).unwrap_or(Value::Null);
                break auth["token"].as_str().unwrap_or("anonymous").to_owned();
            }
            Some(Ok(_)) => continue,
            _ => return,
        }
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<Utf8Bytes>();
    lock(&state)
        .users
        .entry(user.clone())
        .or_default()
        .push((conn, tx.clone()));
    if ws.send(Message::text(r#"40{"sid":"floor"}"#)).await.is_ok() {
        loop {
            tokio::select! {
                frame = ws.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if let Some(rest) = text.strip_prefix("42") {
                            handle(&state, &user, &tx, rest);
                        } else if text.starts_with("41") {
                            break;
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                out = rx.recv() => {
                    let Some(first) = out else { break };
                    let mut ok = ws.feed(Message::Text(first)).await.is_ok();
                    while ok && let Ok(more) = rx.try_recv() {
                        ok = ws.feed(Message::Text(more)).await.is_ok();
                    }
                    if !ok || ws.flush().await.is_err() { break }
                }
            }
        }
    }
    let mut state = lock(&state);
    if let Some(conns) = state.users.get_mut(&user) {
        conns.retain(|(id, _)| *id != conn);
        if conns.is_empty() {
            state.users.remove(&user);
        }
    }
}

/// Sends one encoded frame to every connection of each of `users`.
fn to_users<'a>(state: &State, users: impl IntoIterator<Item = &'a String>, frame: &Utf8Bytes) {
    for user in users {
        for (_, tx) in state.users.get(user).into_iter().flatten() {
            let _ = tx.send(frame.clone());
        }
    }
}

fn event(name: &str, payload: &Value) -> Utf8Bytes {
    Utf8Bytes::from(format!("42[\"{name}\",{payload}]"))
}

/// One `42<id>["name",payload]`: route it, then ack it.
fn handle(state: &Shared, user: &str, tx: &Tx, rest: &str) {
    let start = rest.find('[').unwrap_or(rest.len());
    let ack_id = &rest[..start];
    let args: Vec<Value> = serde_json::from_str(&rest[start..]).unwrap_or_default();
    let name = args.first().and_then(Value::as_str).unwrap_or_default();
    let payload = args.get(1).cloned().unwrap_or(Value::Null);
    let reply = route(&mut lock(state), user, name, &payload);
    if !ack_id.is_empty() {
        let _ = tx.send(Utf8Bytes::from(format!("43{ack_id}[{reply}]")));
    }
}

fn route(state: &mut State, user: &str, name: &str, p: &Value) -> Value {
    let id_of = |key: &str| -> u64 {
        p[key]
            .as_str()
            .and_then(|s| s.get(1..))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    };
    match name {
        "seeker:request" => {
            state.next_id += 1;
            let id = state.next_id;
            let offered: Vec<String> = match p["volunteerId"].as_str() {
                Some(target) => vec![target.to_owned()],
                None => state
                    .users
                    .keys()
                    .filter(|u| u.starts_with('v'))
                    .cloned()
                    .collect(),
            };
            let incoming = json!({"requestId": format!("r{id}"), "seniorId": user,
                "seeker": {"id": user, "displayName": user}, "requestType": p["requestType"]});
            to_users(state, &offered, &event("seeker:incoming", &incoming));
            let n = offered.len();
            state.requests.insert(id, (user.to_owned(), offered, true));
            json!({"ok": true, "requestId": format!("r{id}"), "status": "pending", "onlineVolunteers": n})
        }
        "volunteer:accept" => {
            let id = id_of("requestId");
            let Some((seeker, offered, pending)) = state.requests.get_mut(&id) else {
                return json!({"ok": false, "error": {"code": "not_found", "message": "no such request"}});
            };
            if !*pending {
                return json!({"ok": false, "error": {"code": "already_claimed", "message": "taken"}});
            }
            *pending = false;
            let (seeker, others) = (seeker.clone(), offered.clone());
            state.next_id += 1;
            let conversation = state.next_id;
            let members = vec![seeker.clone(), user.to_owned()];
            let started = json!({"conversationId": format!("c{conversation}"), "requestId": format!("r{id}"),
                "seniorId": seeker, "volunteerId": user, "requestType": "chat"});
            to_users(state, &members, &event("session:started", &started));
            let claimed =
                json!({"requestId": format!("r{id}"), "seniorId": seeker, "volunteerId": user});
            let others: Vec<String> = others.into_iter().filter(|v| v != user).collect();
            to_users(state, &others, &event("request:claimed", &claimed));
            state.conversations.insert(conversation, (members, 0));
            json!({"ok": true, "requestId": format!("r{id}"), "conversationId": format!("c{conversation}")})
        }
        "request:cancel" => {
            let mine = state
                .requests
                .iter_mut()
                .find(|(_, (seeker, _, pending))| seeker == user && *pending);
            let Some((id, (_, offered, pending))) = mine else {
                return json!({"ok": false, "error": {"code": "not_pending", "message": "not pending"}});
            };
            *pending = false;
            let (id, offered) = (*id, offered.clone());
            let notice = json!({"requestId": format!("r{id}"), "seniorId": user});
            to_users(state, &offered, &event("request:cancelled", &notice));
            json!({"ok": true, "requestId": format!("r{id}"), "status": "cancelled"})
        }
        "message:send" => {
            let id = id_of("conversationId");
            let Some((members, seq)) = state.conversations.get_mut(&id) else {
                return json!({"ok": false, "error": {"code": "not_found", "message": "no such conversation"}});
            };
            *seq += 1;
            let message = json!({"id": format!("m{id}-{seq}"), "conversationId": p["conversationId"], "seq": *seq,
                "senderId": user, "content": p["content"], "type": "text", "clientMessageId": p["clientMessageId"]});
            let members = members.clone();
            to_users(state, &members, &event("message:new", &message));
            json!({"ok": true, "message": message})
        }
        "chat:end" => {
            let id = id_of("conversationId");
            if let Some((members, _)) = state.conversations.remove(&id) {
                let ended = json!({"conversationId": p["conversationId"], "endedBy": user});
                to_users(state, &members, &event("chat:ended", &ended));
            }
            json!({"ok": true})
        }
        _ => json!({"ok": true}),
    }
}

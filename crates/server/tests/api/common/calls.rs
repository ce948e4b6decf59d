//! Call helpers shared by the call tests.

use super::{Account, ok};
use helpline_client::Client;
use serde_json::{Value, json};

/// Opens a request conversation between a connected seeker and volunteer.
pub async fn converse(s: &Client, v: &Client, volunteer: &Account) -> Value {
    let request = ok(s
        .ack(
            "seeker:request",
            json!({"requestType": "chat", "volunteerId": volunteer.id}),
        )
        .await
        .expect("call helper"));
    let accepted = ok(v
        .ack(
            "volunteer:accept",
            json!({"requestId": request["requestId"]}),
        )
        .await
        .expect("call helper"));
    accepted["conversationId"].clone()
}

/// Places a call and returns it (ack's `call`).
pub async fn invite(client: &Client, conversation: &Value, media: &str) -> Value {
    ok(client
        .ack(
            "call:invite",
            json!({"conversationId": conversation, "media": media}),
        )
        .await
        .expect("call helper"))["call"]
        .clone()
}

pub fn ended(call: &Value, status: &str, reason: &str, duration: Value) -> Value {
    json!({"callId": call["id"], "status": status, "reason": reason, "durationSecs": duration})
}

pub async fn notice(client: &mut Client) -> String {
    loop {
        let message = client.event("message:new").await.expect("call helper");
        if message["type"] == "system"
            && message["clientMessageId"]
                .as_str()
                .expect("call helper")
                .starts_with("call:")
        {
            return message["content"].as_str().expect("call helper").to_owned();
        }
    }
}

/// Places a video call and returns the raw ack.
pub async fn invite_raw(client: &Client, conversation: &Value) -> Value {
    client
        .ack(
            "call:invite",
            json!({"conversationId": conversation, "media": "video"}),
        )
        .await
        .expect("call helper")
}

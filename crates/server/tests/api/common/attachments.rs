//! Helpers for the attachment tests: pictures to upload, multipart
//! uploads, sending an upload, and waiting for files to leave the disk.

use super::{Account, TestApp};
use serde_json::{Value, json};
use std::io::Cursor;
use std::time::Duration;

/// A `width`×`height` picture encoded as `format`.
pub fn picture(width: u32, height: u32, format: image::ImageOutputFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::RgbImage::from_pixel(width, height, image::Rgb([200, 80, 20]))
        .write_to(&mut out, format)
        .expect("test helper");
    out.into_inner()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    picture(width, height, image::ImageOutputFormat::Png)
}

/// Uploads `bytes` as `name` to `conversation`.
pub async fn upload(
    app: &TestApp,
    who: &Account,
    conversation: &Value,
    name: &str,
    mime: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let path = format!(
        "/api/conversations/{}/attachments",
        conversation.as_str().expect("test helper")
    );
    app.upload(&path, &who.token, &[("file", Some(name), mime, bytes)])
        .await
}

/// Sends `attachment` as a message of `kind`.
pub async fn send(
    client: &helpline_client::Client,
    conversation: &Value,
    kind: &str,
    attachment: &Value,
    key: &str,
) -> Value {
    client
        .ack(
            "message:send",
            json!({"conversationId": conversation, "type": kind, "attachmentId": attachment["id"], "clientMessageId": key}),
        )
        .await
        .expect("test helper")
}

/// Waits until the attachments directory holds `count` files.
pub async fn files_become(app: &TestApp, count: usize) {
    for _ in 0..200 {
        if app.attachment_files().len() == count {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("expected {count} files, found {:?}", app.attachment_files());
}

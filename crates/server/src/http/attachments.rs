//! Attachments over REST: `POST /api/conversations/{id}/attachments`
//! (multipart, field `file`) stores an upload; `GET /api/attachments/{id}`
//! and `/thumbnail` serve it to participants, always as a download of the
//! sniffed type that browsers must not second-guess.

use super::AuthUser;
use super::error::ApiError;
use crate::app::App;
use crate::attachments;
use axum::Json;
use axum::extract::multipart::{Field, MultipartError, MultipartRejection};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use helpline_core::attachment::content_disposition;
use helpline_core::sniff::TEXT_PLAIN;
use helpline_core::{AttachmentId, ConversationId, DomainError};
use serde_json::{Value, json};

/// Most bytes read of a multipart field other than `file` (which is ignored).
const MAX_OTHER_FIELD_BYTES: usize = 64 * 1024;
/// Most fields read while looking for `file`.
const MAX_FIELDS: usize = 16;

/// `POST /api/conversations/{id}/attachments`: 201 with the stored
/// attachment. The caller is checked before the body is read.
pub async fn upload(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let conversation = ConversationId::from_trusted(id);
    attachments::check_upload(&app, &user, &conversation).await?;
    let mut multipart = multipart.map_err(|_| {
        DomainError::invalid("the body must be multipart/form-data with a file field")
    })?;
    let max = usize::try_from(app.settings.attachment_max_bytes).unwrap_or(usize::MAX);
    for _ in 0..MAX_FIELDS {
        let Some(mut field) = multipart.next_field().await.map_err(malformed)? else {
            break;
        };
        if field.name() != Some("file") {
            read(&mut field, MAX_OTHER_FIELD_BYTES).await?;
            continue;
        }
        let name = field.file_name().map(str::to_owned);
        let bytes = read(&mut field, max).await?;
        let stored =
            attachments::store_upload(&app, &user, &conversation, name.as_deref(), bytes.freeze())
                .await?;
        return Ok((StatusCode::CREATED, Json(json!(stored.info()))));
    }
    Err(DomainError::invalid("the multipart body needs a file field").into())
}

/// A field's bytes, refusing more than `max` as `too_large`.
async fn read(field: &mut Field<'_>, max: usize) -> Result<BytesMut, ApiError> {
    let mut bytes = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(malformed)? {
        if bytes.len() + chunk.len() > max {
            return Err(DomainError::TooLarge("the file").into());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn malformed(error: MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        DomainError::TooLarge("the file").into()
    } else {
        DomainError::invalid("malformed multipart body").into()
    }
}

/// `GET /api/attachments/{id}`: the file, for participants of its conversation.
pub async fn download(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (attachment, bytes) =
        attachments::fetch(&app, &user, &AttachmentId::from_trusted(id), false).await?;
    let content_type = if attachment.mime == TEXT_PLAIN {
        "text/plain; charset=utf-8".to_owned()
    } else {
        attachment.mime.clone()
    };
    Ok(served(&content_type, &attachment.name, bytes))
}

/// `GET /api/attachments/{id}/thumbnail`: a picture's JPEG preview.
pub async fn thumbnail(
    State(app): State<App>,
    AuthUser(user): AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (attachment, bytes) =
        attachments::fetch(&app, &user, &AttachmentId::from_trusted(id), true).await?;
    let name = format!("{}.thumbnail.jpg", attachment.name);
    Ok(served("image/jpeg", &name, bytes))
}

/// A download: never rendered as a page, never cached by shared caches.
fn served(content_type: &str, name: &str, bytes: bytes::Bytes) -> Response {
    let header_value = |value: &str| {
        HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("application/octet-stream"))
    };
    let disposition = HeaderValue::from_str(&content_disposition(name))
        .unwrap_or(HeaderValue::from_static("attachment"));
    (
        [
            (header::CONTENT_TYPE, header_value(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=300"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response()
}

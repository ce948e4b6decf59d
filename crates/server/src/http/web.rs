//! The web app: every file under the repository's `web/`, embedded at
//! compile time by `build.rs`, served at `/`.
//!
//! - A path naming an embedded file gets that file; `/` gets `index.html`.
//! - Any other `GET`/`HEAD` path whose last segment has no dot (`/chats/…`)
//!   gets the app shell, so the app's own routes survive a reload.
//! - `/api/…` paths, and other methods, keep the API's JSON `404 not_found`.
//!
//! Every file is sent with `Cache-Control: no-cache` and a content-hash
//! `ETag`, so browsers revalidate cheaply (`304`) and never run stale code.
//! `sw.js` gets the build's hash and the list of shell files written in, so a
//! new build installs a new service worker and a fresh offline cache.
//! Every response carries a strict Content-Security-Policy (scripts, styles
//! and connections from this origin only; no inline code) and the usual
//! hardening headers.

use super::error::ApiError;
use axum::body::Body;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use helpline_core::DomainError;
use std::sync::LazyLock;

/// One embedded file.
pub(super) struct Asset {
    /// URL path, starting with `/`.
    path: &'static str,
    /// The file's bytes.
    body: &'static [u8],
    /// Hash of the bytes, for the `ETag`.
    hash: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// The policy: everything from this origin only. `connect-src 'self'` covers
/// REST and the Socket.IO WebSocket on the same host (CSP level 3). Calls
/// need nothing more: WebRTC's ICE/STUN/TURN traffic is not governed by
/// `connect-src`, and remote streams are attached with `srcObject`, which
/// `media-src` does not restrict. Attachments are fetched with the token and
/// shown from `blob:` URLs (pictures, voice notes), hence `blob:` in `img-src`
/// and `media-src`. The microphone and camera are allowed to this origin by
/// the `Permissions-Policy` header below.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; media-src 'self' blob:; \
    manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// The placeholders `sw.js` carries, replaced when it is served.
const SW_VERSION: &str = "__HELPLINE_BUILD__";
const SW_SHELL: &str = "[\"__HELPLINE_SHELL__\"]";

/// `sw.js` with the build's version and shell list written in.
static SERVICE_WORKER: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let source = find("/sw.js").map_or("", |a| std::str::from_utf8(a.body).unwrap_or(""));
    let shell: Vec<&str> = std::iter::once("/")
        .chain(
            ASSETS
                .iter()
                .map(|a| a.path)
                .filter(|p| *p != "/sw.js" && !p.ends_with(".md")),
        )
        .collect();
    let shell = serde_json::to_string(&shell).unwrap_or_else(|_| "[]".into());
    source
        .replace(SW_VERSION, BUILD)
        .replace(SW_SHELL, &shell)
        .into_bytes()
});

/// The router's fallback: the app for browser paths, JSON 404 for the API.
pub async fn fallback(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    let is_api = path == "/api" || path.starts_with("/api/");
    if is_api || (method != Method::GET && method != Method::HEAD) {
        return ApiError(DomainError::NotFound("no such route")).into_response();
    }
    let asset = match path {
        "/" => find("/index.html"),
        _ => find(path).or_else(|| is_app_route(path).then(|| find("/index.html")).flatten()),
    };
    let Some(asset) = asset else {
        return with_security(
            (
                StatusCode::NOT_FOUND,
                [(CONTENT_TYPE, "text/plain; charset=utf-8")],
                "not found\n",
            )
                .into_response(),
        );
    };
    let (body, etag): (&'static [u8], String) = if asset.path == "/sw.js" {
        (SERVICE_WORKER.as_slice(), format!("\"{BUILD}\""))
    } else {
        (asset.body, format!("\"{}\"", asset.hash))
    };
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else if method == Method::HEAD {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(body))
    };
    let out = response.headers_mut();
    out.insert(
        CONTENT_TYPE,
        HeaderValue::from_static(content_type(asset.path)),
    );
    out.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        out.insert(ETAG, value);
    }
    with_security(response)
}

/// The embedded file at `path`.
fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

/// A path the app routes itself: its last segment has no file extension.
fn is_app_route(path: &str) -> bool {
    !path.rsplit('/').next().unwrap_or("").contains('.') && !path.starts_with("/socket.io")
}

/// Adds the policy and hardening headers.
fn with_security(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(self), microphone=(self), geolocation=(), payment=()"),
    );
    response
}

/// The `Content-Type` for a file, by its extension.
fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_routes_are_paths_without_extensions() {
        assert!(is_app_route("/chats/0194a0c1"));
        assert!(is_app_route("/support"));
        assert!(!is_app_route("/js/missing.js"));
        assert!(!is_app_route("/socket.io/x"));
    }

    #[test]
    fn every_file_has_a_known_type() {
        for asset in ASSETS {
            assert_ne!(
                content_type(asset.path),
                "application/octet-stream",
                "{}",
                asset.path
            );
        }
    }
}

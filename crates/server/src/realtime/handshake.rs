//! The HTTP request that opens a Socket.IO session, cut down to what the
//! transport reads before socketioxide sees it.
//!
//! engineioxide keeps the opening request's head (`Parts`) for the whole
//! life of the session. hyper parses a request's URI and header values as
//! slices of the connection's read buffer, so that head alone would keep
//! the whole buffer (16 KiB per websocket connection, measured with
//! heaptrack) alive long after the upgrade, plus every header the client
//! sent and every extension the layers in front added. [`detach`] gives
//! the transport a copy in allocations of its own holding only what it
//! reads: the URI (protocol version, transport, session id), the method,
//! `Sec-WebSocket-Key` (to answer the upgrade), `Content-Type` (how a
//! polling POST is encoded) and hyper's upgrade handle. No Helpline code
//! reads a session's request head (`SocketRef::req_parts`); code that
//! needs another header must add it to [`TRANSPORT_HEADERS`].

use axum::extract::Request;
use axum::http::header::{CONTENT_TYPE, SEC_WEBSOCKET_KEY};
use axum::http::{Extensions, HeaderMap, HeaderName, HeaderValue, Uri};
use hyper::upgrade::OnUpgrade;

/// Where Socket.IO is served (socketioxide's default, set explicitly so
/// that [`detach`] and the transport agree).
pub const SOCKET_IO_PATH: &str = "/socket.io";

/// The request headers the Engine.IO transport reads; a session keeps
/// no others.
pub const TRANSPORT_HEADERS: [HeaderName; 2] = [SEC_WEBSOCKET_KEY, CONTENT_TYPE];

/// Whether `path` is one the Socket.IO transport answers (the same rule
/// as engineioxide's: the path itself or anything below it).
fn is_socket_io(path: &str) -> bool {
    path.strip_prefix(SOCKET_IO_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Passes a Socket.IO request on with only what the transport reads, in
/// allocations of its own; any other request is passed on as it is.
pub async fn detach(request: Request) -> Request {
    if !is_socket_io(request.uri().path()) {
        return request;
    }
    let (mut parts, body) = request.into_parts();
    parts.uri = copied_uri(&parts.uri);
    parts.headers = transport_headers(&parts.headers);
    let upgrade = parts.extensions.remove::<OnUpgrade>();
    parts.extensions = Extensions::new();
    if let Some(upgrade) = upgrade {
        parts.extensions.insert(upgrade);
    }
    Request::from_parts(parts, body)
}

/// `uri` in an allocation of its own.
fn copied_uri(uri: &Uri) -> Uri {
    Uri::try_from(uri.to_string()).unwrap_or_else(|_| uri.clone())
}

/// The [`TRANSPORT_HEADERS`] of `headers`, each value in an allocation of
/// its own.
fn transport_headers(headers: &HeaderMap) -> HeaderMap {
    // Sized to fit: an empty map's first insert makes room for six.
    let count = TRANSPORT_HEADERS
        .iter()
        .map(|name| headers.get_all(name).iter().count())
        .sum();
    let mut kept = HeaderMap::with_capacity(count);
    for name in TRANSPORT_HEADERS {
        for value in headers.get_all(&name) {
            let owned = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
            kept.append(name.clone(), owned);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::extract::OriginalUri;
    use bytes::Bytes;

    /// A request whose URI and header value share one buffer, as hyper
    /// parses them.
    fn shared_request(path: &str) -> (Request, Bytes) {
        let buffer = Bytes::from(format!("{path}|key-value"));
        let split = path.len();
        let uri = Uri::from_maybe_shared(buffer.slice(..split)).expect("valid uri");
        let value = HeaderValue::from_maybe_shared(buffer.slice(split + 1..)).expect("valid value");
        let mut request = Request::new(Body::empty());
        *request.uri_mut() = uri.clone();
        request.headers_mut().insert(SEC_WEBSOCKET_KEY, value);
        request
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        request
            .headers_mut()
            .insert("cookie", HeaderValue::from_static("a=b"));
        request.extensions_mut().insert(OriginalUri(uri));
        (request, buffer)
    }

    /// Whether `inner` points into `outer`'s bytes.
    fn points_into(inner: &[u8], outer: &[u8]) -> bool {
        outer.as_ptr_range().contains(&inner.as_ptr())
    }

    #[tokio::test]
    async fn socket_io_requests_keep_only_what_the_transport_reads() {
        let (request, buffer) = shared_request("/socket.io/?EIO=4&transport=websocket");
        assert!(points_into(
            request.headers()[SEC_WEBSOCKET_KEY].as_bytes(),
            &buffer
        ));
        let detached = detach(request).await;
        assert_eq!(
            detached.uri().to_string(),
            "/socket.io/?EIO=4&transport=websocket"
        );
        let query = detached.uri().query().expect("query kept");
        assert!(!points_into(query.as_bytes(), &buffer));
        let key = &detached.headers()[SEC_WEBSOCKET_KEY];
        assert_eq!(key.as_bytes(), b"key-value");
        assert!(!points_into(key.as_bytes(), &buffer));
        assert_eq!(detached.headers()[CONTENT_TYPE], "text/plain");
        assert_eq!(detached.headers().len(), 2);
        assert!(detached.extensions().get::<OriginalUri>().is_none());
    }

    #[tokio::test]
    async fn other_requests_pass_unchanged() {
        let (request, buffer) = shared_request("/api/me?x=1");
        let passed = detach(request).await;
        assert!(points_into(
            passed.headers()[SEC_WEBSOCKET_KEY].as_bytes(),
            &buffer
        ));
        assert_eq!(passed.headers().len(), 3);
        assert!(passed.extensions().get::<OriginalUri>().is_some());
    }

    #[test]
    fn socket_io_paths() {
        assert!(is_socket_io("/socket.io"));
        assert!(is_socket_io("/socket.io/"));
        assert!(!is_socket_io("/socket.iox"));
        assert!(!is_socket_io("/api/socket.io"));
    }
}

//! Reading what a client still sends after its request was answered.
//!
//! A handler may answer before it has read the whole body: `413 too_large`
//! for a JSON body or a file over the limit (told from `Content-Length`
//! before a byte is read), `401` for a missing token, `403` from the
//! permission table, `invalid` for a NUL in the URL. Closing the
//! connection with the client's bytes still unread makes the kernel send a
//! TCP reset, and a client that is still writing (browsers, Node's fetch,
//! mobile HTTP stacks) then fails with `EPIPE` or "connection reset"
//! without ever reading the answer it was sent.
//!
//! So every REST request body is a [`Lingering`] one: dropped before its
//! end, it hands what is left to a task that reads and discards it while
//! the answer goes out, as mature HTTP servers linger on a close. The task
//! stops after [`LINGER_BYTES`] or [`LINGER_TIME`], whichever comes first,
//! and keeps nothing it reads, so a client that sends forever holds neither
//! the connection nor memory past those bounds, and it stops at once when
//! the server shuts down, so a refused upload never holds the graceful
//! shutdown. A body read to its end leaves the connection open for the
//! next request, as usual.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;
use futures::StreamExt;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::watch;

/// The most a refused request's remaining body is read for.
pub const LINGER_BYTES: u64 = 64 * 1024 * 1024;
/// The longest a refused request's remaining body is read for.
pub const LINGER_TIME: Duration = Duration::from_secs(10);

/// Middleware: makes the request's body a [`Lingering`] one. `stop`
/// turns true when the server shuts down.
pub async fn linger_on_unread_body(
    State(stop): State<watch::Receiver<bool>>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    if http_body::Body::is_end_stream(&body) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let body = Body::new(Lingering {
        inner: Some(body),
        stop,
    });
    next.run(Request::from_parts(parts, body)).await
}

/// A request body that, dropped before its end, is drained in the
/// background (see the module's comment).
pub struct Lingering {
    /// `None` once the body has ended.
    inner: Option<Body>,
    /// True once the server shuts down.
    stop: watch::Receiver<bool>,
}

impl http_body::Body for Lingering {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(inner).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            this.inner = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner
            .as_ref()
            .is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), http_body::Body::size_hint)
    }
}

impl Drop for Lingering {
    fn drop(&mut self) {
        let Some(rest) = self.inner.take() else {
            return;
        };
        if http_body::Body::is_end_stream(&rest) {
            return;
        }
        // Bodies are only dropped on the runtime's threads; outside one
        // there is nothing to linger for.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(drain(rest, LINGER_BYTES, LINGER_TIME, self.stop.clone()));
        }
    }
}

/// Reads and discards `body` until it ends, fails, passes `max_bytes`,
/// `max_time` has gone by or `stop` turns true; returns how many bytes it
/// read.
async fn drain(
    body: Body,
    max_bytes: u64,
    max_time: Duration,
    mut stop: watch::Receiver<bool>,
) -> u64 {
    let mut data = body.into_data_stream();
    let mut read = 0u64;
    let reading = async {
        while let Some(Ok(chunk)) = data.next().await {
            read += chunk.len() as u64;
            if read > max_bytes {
                break;
            }
        }
    };
    let stopping = async {
        // A closed sender means the server is gone too.
        let _ = stop.wait_for(|stop| *stop).await;
    };
    tokio::select! {
        () = reading => {}
        () = stopping => {}
        () = tokio::time::sleep(max_time) => {
            tracing::debug!(read, "stopped reading a refused request's body: too slow");
        }
    }
    read
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    /// A stop signal that never fires (its sender lives on).
    fn running() -> watch::Receiver<bool> {
        let (sender, receiver) = watch::channel(false);
        std::mem::forget(sender);
        receiver
    }

    fn endless() -> Body {
        Body::from_stream(stream::repeat_with(|| {
            Ok::<_, std::io::Error>(Bytes::from_static(&[b'x'; 1024]))
        }))
    }

    #[tokio::test]
    async fn stops_past_the_byte_bound() {
        let read = drain(endless(), 10_000, Duration::from_secs(60), running()).await;
        assert!((10_000..=11_024).contains(&read), "read {read}");
    }

    #[tokio::test]
    async fn stops_at_the_time_bound() {
        let stalled = Body::from_stream(stream::pending::<Result<Bytes, std::io::Error>>());
        let read = drain(stalled, LINGER_BYTES, Duration::from_millis(50), running()).await;
        assert_eq!(read, 0);
    }

    #[tokio::test]
    async fn reads_a_short_body_to_its_end() {
        let body = Body::from_stream(stream::iter(vec![
            Ok::<_, std::io::Error>(Bytes::from_static(b"abc")),
            Ok(Bytes::from_static(b"de")),
        ]));
        assert_eq!(drain(body, LINGER_BYTES, LINGER_TIME, running()).await, 5);
    }

    #[tokio::test]
    async fn stops_when_the_server_shuts_down() {
        let (stop, stopped) = watch::channel(false);
        let stalled = Body::from_stream(stream::pending::<Result<Bytes, std::io::Error>>());
        let draining = tokio::spawn(drain(
            stalled,
            LINGER_BYTES,
            Duration::from_secs(600),
            stopped,
        ));
        stop.send_replace(true);
        let read = tokio::time::timeout(Duration::from_secs(5), draining)
            .await
            .expect("stopped at once")
            .expect("task");
        assert_eq!(read, 0);
    }
}

//! One push as an HTTP request, and what the answer means. The body is the
//! notice's JSON encrypted for the device (RFC 8291 aes128gcm, by
//! `web-push-native`); the headers are RFC 8030's `TTL` (time left until the
//! push is not worth delivering), `Urgency` and `Topic`, and RFC 8292's
//! VAPID `Authorization`.

use super::vapid::Vapid;
use helpline_core::Timestamp;
use helpline_core::push::{QueuedPush, decode_key, is_public};
use reqwest::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use web_push_native::Auth;
use web_push_native::p256::PublicKey;

/// Attempts before a push is given up on.
pub const MAX_ATTEMPTS: i32 = 8;
/// The longest a push service may ask us to wait (`Retry-After`).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The push service took it.
    Sent,
    /// The subscription is gone (404, 410): delete it.
    Gone,
    /// Try again after this long (5xx, 429, a timeout).
    Retry(Duration),
    /// Not worth another try; why, for the log.
    Dropped(String),
}

/// Sends pushes over one shared HTTPS client (rustls). Endpoints come
/// from users, so the client follows no redirects and connects only to
/// public addresses ([`PublicOnly`]): a subscription cannot point the
/// server at the operator's own network.
pub struct Sender {
    http: reqwest::Client,
}

impl Sender {
    /// A sender with its own connection pool; `allow_loopback` (tests)
    /// also lets it connect to loopback addresses.
    pub fn new(allow_loopback: bool) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(PublicOnly { allow_loopback }))
            .user_agent("helpline-push")
            .build()?;
        Ok(Self { http })
    }

    /// Sends `push` once, as of `now`.
    pub async fn send(&self, vapid: &Vapid, push: &QueuedPush, now: Timestamp) -> Outcome {
        let left_ms = push.expires_at.millis() - now.millis();
        if left_ms <= 0 {
            return Outcome::Dropped("expired before it could be sent".into());
        }
        let request = match self.request(vapid, push, Duration::from_millis(left_ms as u64)) {
            Ok(request) => request,
            Err(why) => return Outcome::Dropped(why),
        };
        let answer = match request.send().await {
            Ok(answer) => answer,
            Err(error) => {
                // Without the URL: an endpoint's path is a capability.
                let error = error.without_url();
                tracing::info!(%error, service = %origin(&push.endpoint), "push service unreachable");
                return retry(push, None, now);
            }
        };
        let status = answer.status();
        let wait = retry_after(answer.headers(), Timestamp::now());
        match status {
            s if s.is_success() => Outcome::Sent,
            StatusCode::NOT_FOUND | StatusCode::GONE => Outcome::Gone,
            StatusCode::PAYLOAD_TOO_LARGE => Outcome::Dropped("413: payload too large".into()),
            StatusCode::TOO_MANY_REQUESTS => retry(push, wait, now),
            s if s.is_server_error() => retry(push, wait, now),
            s => Outcome::Dropped(format!("refused with {s}")),
        }
    }

    fn request(
        &self,
        vapid: &Vapid,
        push: &QueuedPush,
        ttl: Duration,
    ) -> Result<reqwest::RequestBuilder, String> {
        let endpoint =
            url::Url::parse(&push.endpoint).map_err(|_| "unreadable endpoint".to_owned())?;
        let device = decode_key(&push.p256dh)
            .and_then(|bytes| PublicKey::from_sec1_bytes(&bytes).ok())
            .ok_or("the device's key is not a P-256 point")?;
        let auth = decode_key(&push.auth)
            .filter(|bytes| bytes.len() == 16)
            .map(|bytes| Auth::clone_from_slice(&bytes))
            .ok_or("the device's auth secret is not 16 bytes")?;
        let body = web_push_native::encrypt(push.payload.as_bytes().to_vec(), &device, &auth)
            .map_err(|error| format!("encryption failed: {error}"))?;
        let authorization = vapid
            .authorization(&endpoint)
            .map_err(|_| "VAPID signing failed".to_owned())?;
        let mut request = self
            .http
            .post(endpoint)
            .header("TTL", ttl.as_secs().max(1))
            .header("Content-Encoding", "aes128gcm")
            .header("Content-Type", "application/octet-stream")
            .header("Urgency", push.urgency.as_str())
            .header("Authorization", authorization);
        if let Some(topic) = &push.topic {
            request = request.header("Topic", topic);
        }
        Ok(request.body(body))
    }
}

/// Resolves names to public addresses only (loopback too in tests).
struct PublicOnly {
    allow_loopback: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let usable: Vec<SocketAddr> = found
                .filter(|addr| is_public(addr.ip()) || (allow_loopback && addr.ip().is_loopback()))
                .collect();
            if usable.is_empty() {
                return Err("the push service's name has no public address".into());
            }
            let addrs: Addrs = Box::new(usable.into_iter());
            Ok(addrs)
        })
    }
}

/// A retry after the push service's `Retry-After`, or after the backoff for
/// this attempt; given up after [`MAX_ATTEMPTS`] or once it would arrive
/// too late.
fn retry(push: &QueuedPush, asked: Option<Duration>, now: Timestamp) -> Outcome {
    if push.attempts >= MAX_ATTEMPTS {
        return Outcome::Dropped(format!("gave up after {} attempts", push.attempts));
    }
    let wait = asked.unwrap_or_else(|| backoff(push.attempts));
    if now.plus(wait) >= push.expires_at {
        return Outcome::Dropped("would arrive after it expires".into());
    }
    Outcome::Retry(wait)
}

/// 5 s, 15 s, 45 s, … up to 10 minutes.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 6) as u32 - 1;
    Duration::from_secs((5 * 3u64.pow(exponent)).min(600))
}

/// `Retry-After` as seconds or as an HTTP date (against the wall clock
/// `now`, as the push service meant it), capped at an hour.
fn retry_after(headers: &reqwest::header::HeaderMap, now: Timestamp) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    let wait = match value.parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => {
            let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
            let ms = at.as_millisecond() - now.millis();
            Duration::from_millis(ms.max(0) as u64)
        }
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// An endpoint's origin, for logs (the path is a secret capability).
pub fn origin(endpoint: &str) -> String {
    url::Url::parse(endpoint)
        .map(|url| url.origin().ascii_serialization())
        .unwrap_or_else(|_| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    #[test]
    fn backoff_grows_and_stops_at_ten_minutes() {
        let secs: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, [5, 15, 45, 135, 405, 600, 600, 600]);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now = Timestamp::from_millis(1_796_115_600_000); // 2026-12-01 09:00:00 UTC
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(120)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Tue, 01 Dec 2026 09:00:30 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(30)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("999999"));
        assert_eq!(retry_after(&headers, now), Some(MAX_RETRY_AFTER));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers, now), None);
    }
}

//! A mock Web Push service: the part the browser vendors' push services
//! (FCM, Mozilla autopush, Apple) play when the server delivers a
//! notification, so the tests can see what actually leaves the server.
//!
//! It owns the push *endpoints* and the *browser side* of each subscription:
//! [`MockPush::device`] makes a subscription with a fresh P-256 key pair and
//! auth secret, exactly as `PushSubscription.toJSON()` hands it to the page.
//! Every `POST /push/<id>` is checked the way a strict push service would
//! check it — VAPID (RFC 8292) signed by the expected key, `aud` the
//! endpoint's origin *with its port*, `exp` in the future and at most 24 h
//! away, a `mailto:`/`https:` subject, a `TTL`, `Content-Encoding:
//! aes128gcm` — and its body is decrypted (RFC 8291) with the device's keys.
//! Anything wrong is recorded in [`MockPush::failures`] and answered 400/403,
//! so a test that ends with [`MockPush::assert_clean`] proves the server
//! speaks the protocol, not just that it made a request.
//!
//! Answers can be scripted per device ([`Reply`]) to simulate throttling and
//! gone subscriptions; waiting for a push ([`MockPush::next`]) wakes on
//! arrival instead of polling.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;
use web_push_native::jwt_simple::prelude::{
    Audiences, ECDSAP256PublicKeyLike as _, ES256PublicKey, NoCustomClaims, Token,
    VerificationOptions, coarsetime,
};
use web_push_native::p256;
use web_push_native::p256::elliptic_curve::rand_core::{OsRng, RngCore as _};
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint as _;

/// How long [`MockPush::next`] waits before failing the test.
const WAIT: Duration = Duration::from_secs(10);
/// The payload size every push service must accept (RFC 8030 §7.2).
const MAX_BODY: usize = 4096;
const URGENCIES: [&str; 4] = ["very-low", "low", "normal", "high"];

/// A scripted answer to one push request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// Answer with this status code (e.g. 410 for a gone subscription).
    Status(u16),
    /// Answer `429 Too Many Requests` with `Retry-After: <secs>`.
    RetryAfter(u64),
}

/// One push that passed verification, decrypted.
#[derive(Debug, Clone)]
pub struct Push {
    /// The decrypted body, parsed as JSON.
    pub payload: Value,
    /// The decrypted body as sent.
    pub plaintext: String,
    pub ttl: u64,
    pub urgency: Option<String>,
    pub topic: Option<String>,
    /// The status the mock answered with (scripted, or 201).
    pub status: u16,
    pub at: Instant,
}

/// A simulated browser's push subscription.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub endpoint: String,
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Device {
    /// The subscription as the browser's `PushSubscription.toJSON()` gives it.
    pub fn json(&self) -> Value {
        let point = self.secret.public_key().to_encoded_point(false);
        json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(point.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            },
        })
    }
}

/// The running mock; clones share it. The server task stops when the last
/// clone is dropped.
#[derive(Clone)]
pub struct MockPush {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    origin: String,
    state: Mutex<MockState>,
    /// Bumped on every recorded push; waiters subscribe before looking.
    arrived: watch::Sender<u64>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Default)]
struct MockState {
    vapid_key: Option<Vec<u8>>,
    devices: HashMap<String, (p256::SecretKey, [u8; 16])>,
    scripts: HashMap<String, VecDeque<Reply>>,
    pushes: HashMap<String, Vec<(Push, bool)>>, // (push, taken)
    plaintexts: Vec<String>,
    failures: Vec<String>,
}

impl MockPush {
    /// Starts the service on `127.0.0.1`, port 0.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the mock push service");
        let origin = format!("http://{}", listener.local_addr().expect("local addr"));
        let shared = Arc::new(Shared {
            origin,
            state: Mutex::default(),
            arrived: watch::channel(0).0,
        });
        let app = Router::new()
            .route("/push/{id}", post(receive))
            .with_state(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("mock push service");
        });
        Self {
            inner: Arc::new(Inner { shared, task }),
        }
    }

    /// `http://127.0.0.1:PORT`, which is also the origin VAPID's `aud` must name.
    pub fn base(&self) -> &str {
        &self.inner.shared.origin
    }

    /// A new subscription with its own endpoint, key pair and auth secret.
    pub fn device(&self) -> Device {
        let mut id = [0u8; 12];
        OsRng.fill_bytes(&mut id);
        let id = URL_SAFE_NO_PAD.encode(id);
        let mut auth = [0u8; 16];
        OsRng.fill_bytes(&mut auth);
        let secret = p256::SecretKey::random(&mut OsRng);
        let mut state = self.inner.shared.state();
        state.devices.insert(id.clone(), (secret.clone(), auth));
        Device {
            endpoint: format!("{}/push/{id}", self.base()),
            id,
            secret,
            auth,
        }
    }

    /// Unsubscribes `device`: from now on its endpoint answers 404.
    pub fn forget(&self, device: &Device) {
        self.inner.shared.state().devices.remove(&device.id);
    }

    /// The server's VAPID public key (base64url of the 65-byte uncompressed
    /// point); every push must be signed by it.
    pub fn expect_vapid_key(&self, public_key_b64url: &str) {
        let key = URL_SAFE_NO_PAD
            .decode(public_key_b64url)
            .expect("the VAPID public key is base64url without padding");
        assert!(
            key.len() == 65 && key[0] == 4,
            "the VAPID public key is not an uncompressed P-256 point: {public_key_b64url}"
        );
        self.inner.shared.state().vapid_key = Some(key);
    }

    /// Appends answers for `device`'s next requests, one per request that
    /// passes verification; when they run out the answer is `201 Created`.
    pub fn script(&self, device: &Device, replies: Vec<Reply>) {
        for reply in &replies {
            if let Reply::Status(n) = reply {
                StatusCode::from_u16(*n).expect("a scripted status is a valid status code");
            }
        }
        let mut state = self.inner.shared.state();
        state
            .scripts
            .entry(device.id.clone())
            .or_default()
            .extend(replies);
    }

    /// The next not-yet-taken push to `device` that was answered 2xx; panics
    /// after 10 s.
    pub async fn next(&self, device: &Device) -> Push {
        self.take(device, false).await
    }

    /// Like [`MockPush::next`], but also takes pushes answered non-2xx.
    pub async fn next_any(&self, device: &Device) -> Push {
        self.take(device, true).await
    }

    /// Every verified push to `device` so far, taken or not, in arrival order.
    pub fn received(&self, device: &Device) -> Vec<Push> {
        let state = self.inner.shared.state();
        let pushes = state.pushes.get(&device.id).into_iter().flatten();
        pushes.map(|(push, _)| push.clone()).collect()
    }

    /// Every decrypted body sent to any device, in arrival order.
    pub fn all_plaintexts(&self) -> Vec<String> {
        self.inner.shared.state().plaintexts.clone()
    }

    /// Why each rejected request was rejected.
    pub fn failures(&self) -> Vec<String> {
        self.inner.shared.state().failures.clone()
    }

    /// Panics if any request failed verification.
    pub fn assert_clean(&self) {
        let failures = self.failures();
        assert!(
            failures.is_empty(),
            "the mock push service rejected requests:\n  {}",
            failures.join("\n  ")
        );
    }

    /// Asserts that no push to `device` is answered 2xx within `within`.
    pub async fn quiet(&self, device: &Device, within: Duration) {
        let delivered = |mock: &Self| {
            let received = mock.received(device);
            let ok = received.into_iter().filter(|push| is_success(push.status));
            ok.map(|push| push.plaintext).collect::<Vec<_>>()
        };
        let before = delivered(self).len();
        let mut arrived = self.inner.shared.arrived.subscribe();
        let deadline = tokio::time::Instant::now() + within;
        while tokio::time::timeout_at(deadline, arrived.changed())
            .await
            .is_ok()
        {
            let now = delivered(self);
            assert!(
                now.len() == before,
                "expected no push to {} but got {:?}",
                device.id,
                &now[before..]
            );
        }
    }

    async fn take(&self, device: &Device, any: bool) -> Push {
        let mut arrived = self.inner.shared.arrived.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if let Some(push) = self.try_take(&device.id, any) {
                return push;
            }
            if tokio::time::timeout_at(deadline, arrived.changed())
                .await
                .is_err()
            {
                let statuses: Vec<_> = self.received(device).iter().map(|p| p.status).collect();
                panic!(
                    "no {}push to device {} within {WAIT:?}; answered so far: {statuses:?}; \
                     rejected requests: {:?}",
                    if any { "" } else { "2xx " },
                    device.id,
                    self.failures()
                );
            }
        }
    }

    fn try_take(&self, id: &str, any: bool) -> Option<Push> {
        let mut state = self.inner.shared.state();
        let pushes = state.pushes.get_mut(id)?;
        let (push, taken) = pushes
            .iter_mut()
            .find(|(push, taken)| !*taken && (any || is_success(push.status)))?;
        *taken = true;
        Some(push.clone())
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut state = shared.state();
    let Some((secret, auth)) = state.devices.get(&id).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let verified = verify(
        &shared.origin,
        state.vapid_key.as_deref(),
        &headers,
        &body,
        &secret,
        &auth,
    );
    let mut push = match verified {
        Ok(push) => push,
        Err((status, why)) => {
            state.failures.push(format!("POST /push/{id}: {why}"));
            return (status, why).into_response();
        }
    };
    let (status, response) = match state.scripts.get_mut(&id).and_then(VecDeque::pop_front) {
        None => (201, StatusCode::CREATED.into_response()),
        Some(Reply::Status(n)) => {
            let status = StatusCode::from_u16(n).expect("checked by script");
            (n, status.into_response())
        }
        Some(Reply::RetryAfter(secs)) => {
            let retry_after = [(header::RETRY_AFTER, secs.to_string())];
            let response = (StatusCode::TOO_MANY_REQUESTS, retry_after).into_response();
            (429, response)
        }
    };
    push.status = status;
    state.plaintexts.push(push.plaintext.clone());
    state.pushes.entry(id).or_default().push((push, false));
    drop(state);
    shared.arrived.send_modify(|n| *n += 1);
    response
}

type Rejection = (StatusCode, String);

/// Checks one request as a strict push service would; the push's status is
/// left for the caller to fill in.
fn verify(
    origin: &str,
    vapid_key: Option<&[u8]>,
    headers: &HeaderMap,
    body: &[u8],
    secret: &p256::SecretKey,
    auth: &[u8; 16],
) -> Result<Push, Rejection> {
    let bad = |why: String| (StatusCode::BAD_REQUEST, why);
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());

    let expected = vapid_key.ok_or_else(|| {
        let why = "no VAPID key expected: call MockPush::expect_vapid_key first";
        (StatusCode::FORBIDDEN, why.to_owned())
    })?;
    let authorization = text("authorization").ok_or_else(|| {
        let why = "no (ASCII) Authorization header";
        (StatusCode::FORBIDDEN, why.to_owned())
    })?;
    check_vapid(origin, expected, authorization).map_err(|why| (StatusCode::FORBIDDEN, why))?;

    let ttl = match text("ttl") {
        Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => t
            .parse()
            .map_err(|_| bad(format!("TTL {t:?} is out of range")))?,
        other => return Err(bad(format!("TTL is {other:?}, not an integer >= 0"))),
    };
    let encoding = text("content-encoding");
    if encoding != Some("aes128gcm") {
        return Err(bad(format!(
            "Content-Encoding is {encoding:?}, not aes128gcm"
        )));
    }
    let urgency = text("urgency");
    if let Some(urgency) = urgency
        && !URGENCIES.contains(&urgency)
    {
        return Err(bad(format!(
            "Urgency {urgency:?} is not one of {URGENCIES:?}"
        )));
    }
    let topic = text("topic");
    if let Some(topic) = topic {
        let alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        if topic.is_empty() || topic.len() > 32 || !topic.bytes().all(alphabet) {
            return Err(bad(format!("Topic {topic:?} is not 1-32 base64url chars")));
        }
    }

    if body.len() > MAX_BODY {
        let why = format!("body is {} bytes, over {MAX_BODY}", body.len());
        return Err((StatusCode::PAYLOAD_TOO_LARGE, why));
    }
    let auth = web_push_native::Auth::clone_from_slice(auth);
    let plain = web_push_native::decrypt(body.to_vec(), secret, &auth)
        .map_err(|e| bad(format!("body does not decrypt (RFC 8291): {e}")))?;
    let plaintext =
        String::from_utf8(plain).map_err(|e| bad(format!("decrypted body is not UTF-8: {e}")))?;
    let payload = serde_json::from_str(&plaintext)
        .map_err(|e| bad(format!("decrypted body is not JSON: {e}: {plaintext}")))?;
    Ok(Push {
        payload,
        plaintext,
        ttl,
        urgency: urgency.map(str::to_owned),
        topic: topic.map(str::to_owned),
        status: 0,
        at: Instant::now(),
    })
}

/// RFC 8292: `Authorization: vapid t=<JWT>, k=<key>`.
fn check_vapid(origin: &str, expected: &[u8], authorization: &str) -> Result<(), String> {
    let (scheme, params) = authorization.split_once(' ').unwrap_or((authorization, ""));
    if !scheme.eq_ignore_ascii_case("vapid") {
        return Err(format!("Authorization scheme is {scheme:?}, not vapid"));
    }
    let (mut token, mut key) = (None, None);
    for param in params.split(',') {
        let Some((name, value)) = param.trim().split_once('=') else {
            return Err(format!(
                "Authorization parameter {param:?} is not name=value"
            ));
        };
        match name.trim() {
            "t" => token = Some(value.trim()),
            "k" => key = Some(value.trim()),
            _ => {}
        }
    }
    let token = token.ok_or("Authorization has no t= (the JWT)")?;
    let key = key.ok_or("Authorization has no k= (the public key)")?;
    let key_bytes = URL_SAFE_NO_PAD
        .decode(key)
        .map_err(|e| format!("k={key} is not base64url without padding: {e}"))?;
    if key_bytes != expected {
        return Err(format!("k={key} is not the expected VAPID public key"));
    }

    let metadata = Token::decode_metadata(token).map_err(|e| format!("JWT unreadable: {e}"))?;
    if metadata.algorithm() != "ES256" || metadata.signature_type() != Some("JWT") {
        let (alg, typ) = (metadata.algorithm(), metadata.signature_type());
        return Err(format!(
            "JWT header has alg {alg:?}, typ {typ:?}; want ES256, JWT"
        ));
    }
    let public = ES256PublicKey::from_bytes(&key_bytes).map_err(|e| format!("k: {e}"))?;
    let options = VerificationOptions {
        // Only for iat/nbf; exp is checked strictly below.
        time_tolerance: Some(coarsetime::Duration::from_secs(60)),
        ..VerificationOptions::default()
    };
    let claims = public
        .verify_token::<NoCustomClaims>(token, Some(options))
        .map_err(|e| format!("JWT does not verify against the VAPID key: {e}"))?;
    match &claims.audiences {
        Some(Audiences::AsString(aud)) if aud == origin => {}
        aud => {
            return Err(format!(
                "JWT aud is {aud:?}; want {origin:?}, the endpoint's origin with its port"
            ));
        }
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    let exp = claims.expires_at.ok_or("JWT has no exp")?.as_secs();
    if exp <= now || exp > now + 24 * 3600 {
        return Err(format!(
            "JWT exp is {exp}, now is {now}: it must be in the future and at most 24 h away"
        ));
    }
    match claims.subject.as_deref() {
        Some(sub) if sub.starts_with("mailto:") || sub.starts_with("https:") => Ok(()),
        sub => Err(format!("JWT sub is {sub:?}; want a mailto: or https: URL")),
    }
}

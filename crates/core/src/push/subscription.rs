//! A browser's subscription as the server accepts it: an endpoint on a
//! public host (the server POSTs to it), keys of the right sizes.

use crate::error::DomainError;
use crate::input::Fields;
use crate::time::Timestamp;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::Value;

/// Most subscriptions (devices) one user may have.
pub const MAX_SUBSCRIPTIONS_PER_USER: usize = 10;
/// Longest endpoint URL accepted (real ones are 150–500 characters).
pub const MAX_ENDPOINT_CHARS: usize = 2048;
/// Length of the browser's P-256 public key, uncompressed (`0x04 ‖ x ‖ y`).
pub const P256DH_BYTES: usize = 65;
/// Length of the browser's authentication secret.
pub const AUTH_BYTES: usize = 16;

/// A browser's `PushSubscription.toJSON()`, checked: an `https://`
/// endpoint (or `http://` on loopback when the operator allows it, for
/// tests), and keys of the right sizes. The key bytes are kept as the
/// browser sent them (base64url); whether `p256dh` is a point on the curve
/// is checked where the curve is known (the server's push module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionDraft {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    /// When the browser says the subscription lapses, if it says.
    pub expiration_time: Option<Timestamp>,
}

impl SubscriptionDraft {
    /// Parses a subscription; `allow_insecure` also admits `http://`
    /// endpoints on a loopback address.
    pub fn parse(value: &Value, allow_insecure: bool) -> Result<Self, DomainError> {
        let fields = Fields::of(value)?;
        let endpoint = fields.str("endpoint", 1, MAX_ENDPOINT_CHARS)?;
        let endpoint = check_endpoint(endpoint, allow_insecure)?;
        let expiration_time = match value.get("expirationTime") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_f64() {
                Some(ms) if (0.0..1e15).contains(&ms) => Some(Timestamp::from_millis(ms as i64)),
                _ => return Err(DomainError::invalid("expirationTime must be a time in ms")),
            },
            Some(_) => {
                return Err(DomainError::invalid(
                    "expirationTime must be a number or null",
                ));
            }
        };
        let keys = Fields::of(
            value
                .get("keys")
                .ok_or_else(|| DomainError::invalid("keys is required"))?,
        )
        .map_err(|_| DomainError::invalid("keys must be an object"))?;
        let p256dh = key(&keys, "p256dh", P256DH_BYTES)?;
        if p256dh.first() != Some(&0x04) {
            return Err(DomainError::invalid(
                "keys.p256dh must be an uncompressed P-256 point",
            ));
        }
        key(&keys, "auth", AUTH_BYTES)?;
        Ok(Self {
            endpoint,
            p256dh: canonical(&keys, "p256dh")?,
            auth: canonical(&keys, "auth")?,
            expiration_time,
        })
    }
}

/// Decodes base64url, padded or not (browsers send it unpadded).
pub fn decode_key(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

fn key(keys: &Fields<'_>, name: &str, bytes: usize) -> Result<Vec<u8>, DomainError> {
    let text = keys
        .str(name, 1, 200)
        .map_err(|_| DomainError::invalid(format!("keys.{name} must be a base64url string")))?;
    match decode_key(text) {
        Some(decoded) if decoded.len() == bytes => Ok(decoded),
        Some(_) => Err(DomainError::invalid(format!(
            "keys.{name} must be {bytes} bytes"
        ))),
        None => Err(DomainError::invalid(format!(
            "keys.{name} must be base64url"
        ))),
    }
}

fn canonical(keys: &Fields<'_>, name: &str) -> Result<String, DomainError> {
    let text = keys.str(name, 1, 200)?;
    Ok(text.trim_end_matches('=').to_owned())
}

/// Checks an endpoint and returns it normalized (as the `url` crate
/// writes it: ASCII, lower-case host, no default port), which is how it is
/// stored and looked up. It must be an absolute `https://` URL with a host
/// and no credentials, naming a public host: the server POSTs to it, so an
/// address inside the operator's network (loopback, private, link-local,
/// …) is refused. With `allow_insecure` (tests), loopback is allowed, over
/// `http://` too.
pub fn check_endpoint(endpoint: &str, allow_insecure: bool) -> Result<String, DomainError> {
    let url = url::Url::parse(endpoint)
        .map_err(|_| DomainError::invalid("endpoint must be an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DomainError::invalid("endpoint must not carry credentials"));
    }
    let (loopback, public) = match url.host() {
        Some(url::Host::Ipv4(ip)) => (ip.is_loopback(), is_public(ip.into())),
        Some(url::Host::Ipv6(ip)) => (ip.is_loopback(), is_public(ip.into())),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.');
            let local = name == "localhost" || name.ends_with(".localhost");
            (local, !local)
        }
        None => return Err(DomainError::invalid("endpoint must have a host")),
    };
    if !(public || (allow_insecure && loopback)) {
        return Err(DomainError::invalid(
            "endpoint must be on a public host (a push service)",
        ));
    }
    let normalized = url.as_str().to_owned();
    if normalized.len() > MAX_ENDPOINT_CHARS {
        return Err(DomainError::invalid(format!(
            "endpoint must be at most {MAX_ENDPOINT_CHARS} bytes"
        )));
    }
    match url.scheme() {
        "https" => Ok(normalized),
        "http" if allow_insecure && loopback => Ok(normalized),
        _ => Err(DomainError::invalid("endpoint must be an https:// URL")),
    }
}

/// An endpoint as it is stored ([`check_endpoint`]'s normal form), for
/// looking one up; text that is not a URL is kept as it is (it matches
/// nothing).
pub fn normalize_endpoint(endpoint: &str) -> String {
    url::Url::parse(endpoint).map_or_else(|_| endpoint.to_owned(), |url| url.as_str().to_owned())
}

/// Whether an address is on the public internet: not loopback, private,
/// link-local, shared (CGNAT), documentation, benchmarking, multicast,
/// broadcast, reserved or unspecified. The server connects to push
/// services only at such addresses.
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            // Addresses that carry an IPv4 one: mapped (::ffff:a.b.c.d),
            // compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4
            // (2002:aabb:ccdd::) are as public as the address they carry.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let embedded = |hi: u16, lo: u16| {
                std::net::Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            if segments[..6] == [0, 0, 0, 0, 0, 0] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_public(IpAddr::V4(embedded(segments[6], segments[7])));
            }
            if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(IpAddr::V4(embedded(segments[6], segments[7])));
            }
            if segments[0] == 0x2002 {
                return is_public(IpAddr::V4(embedded(segments[1], segments[2])));
            }
            let first = segments[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// What a subscription looks like to its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionInfo {
    pub endpoint: String,
    pub expiration_time: Option<i64>,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subscription(endpoint: &str) -> Value {
        json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode([4u8; 65]),
                "auth": URL_SAFE_NO_PAD.encode([7u8; 16]),
            }
        })
    }

    #[test]
    fn endpoints_must_be_https_unless_loopback_is_allowed() {
        let ok = subscription("https://push.example.net/send/abc");
        assert!(SubscriptionDraft::parse(&ok, false).is_ok());
        let plain = subscription("http://127.0.0.1:9000/push/abc");
        assert!(SubscriptionDraft::parse(&plain, false).is_err());
        assert!(SubscriptionDraft::parse(&plain, true).is_ok());
        let remote = subscription("http://push.example.net/abc");
        assert!(SubscriptionDraft::parse(&remote, true).is_err());
        let normal =
            SubscriptionDraft::parse(&subscription("https://PUSH.Example.net:443/a"), false)
                .expect("valid");
        assert_eq!(normal.endpoint, "https://push.example.net/a");
        assert_eq!(
            normalize_endpoint("https://PUSH.example.net:443/a"),
            normal.endpoint
        );
        let nat64 = subscription("https://[64:ff9b::808:808]/a");
        assert!(
            SubscriptionDraft::parse(&nat64, false).is_ok(),
            "8.8.8.8 through NAT64"
        );
        for bad in [
            "ftp://x/y",
            "not a url",
            "https://user:pw@push.example.net/a",
            "https://127.0.0.1/a",
            "https://localhost/a",
            "https://10.1.2.3/a",
            "https://169.254.169.254/latest",
            "https://[::1]/a",
            "https://[fd00::1]/a",
            "https://[::ffff:192.168.0.1]/a",
            "https://100.64.0.1/a",
            "https://localhost./a",
            "https://[64:ff9b::a00:1]/a",
            "https://[2002:c0a8:1::]/a",
            "https://[::10.0.0.1]/a",
        ] {
            assert!(
                SubscriptionDraft::parse(&subscription(bad), false).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn keys_must_have_their_sizes() {
        let mut value = subscription("https://push.example.net/a");
        value["keys"]["auth"] = json!(URL_SAFE_NO_PAD.encode([1u8; 15]));
        assert!(SubscriptionDraft::parse(&value, false).is_err());
        let mut value = subscription("https://push.example.net/a");
        value["keys"]["p256dh"] = json!(URL_SAFE_NO_PAD.encode([2u8; 65]));
        assert!(SubscriptionDraft::parse(&value, false).is_err());
        let mut value = subscription("https://push.example.net/a");
        value["keys"]["p256dh"] = json!("***");
        assert!(SubscriptionDraft::parse(&value, false).is_err());
        let mut value = subscription("https://push.example.net/a");
        value["keys"] = json!(null);
        assert!(SubscriptionDraft::parse(&value, false).is_err());
        let mut value = subscription("https://push.example.net/a");
        value["keys"]["auth"] = json!(format!("{}==", URL_SAFE_NO_PAD.encode([1u8; 16])));
        let parsed = SubscriptionDraft::parse(&value, false).expect("padded is fine");
        assert!(!parsed.auth.ends_with('='));
    }
}

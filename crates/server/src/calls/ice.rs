//! The ICE servers a call participant gets: STUN as configured, and TURN
//! with time-limited credentials in coturn's REST form (`use-auth-secret`):
//! username `expiry:userId`, credential base64(HMAC-SHA1(secret, username)).

use super::config::CallSettings;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use helpline_core::{Timestamp, UserId};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha1::Sha1;

/// One `RTCIceServer`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IceServer {
    /// Its URLs.
    pub urls: Vec<String>,
    /// TURN username.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// TURN password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// The body of `GET /api/calls/{id}/ice-servers`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IceServers {
    /// STUN, then TURN.
    pub ice_servers: Vec<IceServer>,
    /// How long the TURN credentials stay valid.
    pub ttl_secs: u64,
}

/// coturn REST credentials for `user`, valid until `expiry` (Unix seconds).
pub fn turn_credentials(secret: &str, user: &UserId, expiry: i64) -> (String, String) {
    let username = format!("{expiry}:{user}");
    // HMAC accepts keys of any length; this cannot fail.
    let credential = match <Hmac<Sha1> as KeyInit>::new_from_slice(secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(username.as_bytes());
            STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    (username, credential)
}

/// The servers for `user` at `now`.
pub fn ice_servers(settings: &CallSettings, user: &UserId, now: Timestamp) -> IceServers {
    let mut servers = Vec::new();
    if !settings.stun_urls.is_empty() {
        servers.push(IceServer {
            urls: settings.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if let Some(secret) = &settings.turn_secret
        && !settings.turn_urls.is_empty()
    {
        let expiry = now.millis() / 1000 + settings.turn_ttl_secs as i64;
        let (username, credential) = turn_credentials(secret, user, expiry);
        servers.push(IceServer {
            urls: settings.turn_urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
    }
    IceServers {
        ice_servers: servers,
        ttl_secs: settings.turn_ttl_secs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coturn_rest_credentials_match_a_known_vector() {
        // python3 -c 'import hmac,hashlib,base64; u="1769335800:0194a0b2-user";
        //   print(base64.b64encode(hmac.new(b"helpline-turn-secret",u.encode(),hashlib.sha1).digest()).decode())'
        let (username, credential) = turn_credentials(
            "helpline-turn-secret",
            &UserId::from_trusted("0194a0b2-user"),
            1_769_335_800,
        );
        assert_eq!(username, "1769335800:0194a0b2-user");
        assert_eq!(credential, "RHm/oWPLCjGMeNfP2Pgozt0AhR4=");
    }

    #[test]
    fn lists_stun_then_turn_with_expiry() {
        let settings = CallSettings {
            stun_urls: vec!["stun:s:3478".into()],
            turn_urls: vec!["turn:t:3478".into()],
            turn_secret: Some("k".into()),
            turn_ttl_secs: 600,
            ..CallSettings::default()
        };
        let user = UserId::from_trusted("u");
        let servers = ice_servers(&settings, &user, Timestamp::from_millis(1_000_000_500));
        assert_eq!(servers.ttl_secs, 600);
        assert_eq!(servers.ice_servers[0].urls, ["stun:s:3478"]);
        assert_eq!(
            servers.ice_servers[1].username.as_deref(),
            Some("1000600:u")
        );
        let none = ice_servers(&CallSettings::default(), &user, Timestamp::from_millis(0));
        assert!(none.ice_servers.is_empty());
    }
}

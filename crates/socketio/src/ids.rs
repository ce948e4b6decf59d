//! Session and socket ids: random, URL-safe, unguessable.
//!
//! The Engine.IO id authenticates every long-polling request of a session,
//! so it is never shown to anyone but its client. The socket id is the
//! public name the application may store and share.

use base64::Engine as _;
use rand::RngCore;

/// 15 random bytes as 20 URL-safe characters.
fn random_id() -> String {
    let mut bytes = [0u8; 15];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A new Engine.IO session id.
pub(crate) fn engine_id() -> String {
    random_id()
}

/// A new Socket.IO socket id.
pub(crate) fn socket_id() -> String {
    random_id()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_safe_and_distinct() {
        let (a, b) = (engine_id(), socket_id());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }
}

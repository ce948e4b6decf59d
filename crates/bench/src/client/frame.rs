//! Reading Engine.IO v4 / Socket.IO v5 text frames without a JSON parser:
//! the load generator only needs the packet type, the event name, the ack id
//! and a few string or number fields, and it reads them by position.

/// One incoming text frame, classified.
#[derive(Debug, PartialEq, Eq)]
pub enum Packet<'a> {
    /// Engine.IO open packet `0{…}`.
    Open,
    /// Engine.IO ping `2`; the answer is `3`.
    Ping,
    /// Socket.IO CONNECT `40{"sid":…}`.
    Connect,
    /// Socket.IO CONNECT_ERROR `44{"message":…}`; carries the JSON object.
    ConnectError(&'a str),
    /// Socket.IO DISCONNECT `41` or Engine.IO close `1`.
    Disconnect,
    /// Socket.IO EVENT `42[<id>]["name",payload]`; `body` is the payload
    /// text, `ack` the id when the server asks for an acknowledgement.
    Event {
        name: &'a str,
        body: &'a str,
        ack: Option<u64>,
    },
    /// Socket.IO ACK `43<id>[payload]`; `body` is the payload text.
    Ack { id: u64, body: &'a str },
    /// Anything else (Engine.IO noop, pong, binary placeholders…).
    Other,
}

/// Classifies one text frame.
pub fn parse(text: &str) -> Packet<'_> {
    let bytes = text.as_bytes();
    match bytes {
        [b'2'] => Packet::Ping,
        [b'0', ..] => Packet::Open,
        [b'1'] | [b'4', b'1', ..] => Packet::Disconnect,
        [b'4', b'0', ..] => Packet::Connect,
        [b'4', b'4', ..] => Packet::ConnectError(&text[2..]),
        [b'4', b'2', ..] => event(&text[2..]).unwrap_or(Packet::Other),
        [b'4', b'3', ..] => ack(&text[2..]).unwrap_or(Packet::Other),
        _ => Packet::Other,
    }
}

/// `[<id>]["name",payload]` → the name and the payload text.
fn event(rest: &str) -> Option<Packet<'_>> {
    let start = rest.find('[')?;
    let ack = rest[..start].parse().ok();
    let inner = rest[start + 1..].strip_suffix(']')?;
    let inner = inner.strip_prefix('"')?;
    let end = inner.find('"')?;
    let name = &inner[..end];
    let body = inner[end + 1..].strip_prefix(',').unwrap_or("");
    Some(Packet::Event { name, body, ack })
}

/// `<id>[payload]` → the id and the payload text.
fn ack(rest: &str) -> Option<Packet<'_>> {
    let start = rest.find('[')?;
    let id = rest[..start].parse().ok()?;
    let body = rest[start + 1..].strip_suffix(']')?;
    Some(Packet::Ack { id, body })
}

/// The value of the first `"key":"value"` in `body` (values without escapes:
/// ids, codes and the generator's own client message ids).
pub fn str_field<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    let at = find_key(body, key)?;
    let rest = body[at..].strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

/// The value of the first `"key":<integer>` in `body`.
pub fn int_field(body: &str, key: &str) -> Option<i64> {
    let at = find_key(body, key)?;
    let rest = &body[at..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Whether an ack body says `"ok":true`.
pub fn is_ok(body: &str) -> bool {
    body.contains("\"ok\":true")
}

/// Offset just past `"key":` (and any spaces) in `body`.
fn find_key(body: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(pos) = body[from..].find(key) {
        let start = from + pos;
        let end = start + key.len();
        let quoted = start > 0 && body.as_bytes()[start - 1] == b'"';
        if quoted && body[end..].starts_with("\":") {
            let value = end + 2;
            let spaces = body[value..].len() - body[value..].trim_start().len();
            return Some(value + spaces);
        }
        from = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_packets() {
        assert_eq!(parse("2"), Packet::Ping);
        assert_eq!(parse("0{\"sid\":\"x\"}"), Packet::Open);
        assert_eq!(parse("40{\"sid\":\"a\"}"), Packet::Connect);
        assert_eq!(
            parse("44{\"message\":\"unauthorized\"}"),
            Packet::ConnectError("{\"message\":\"unauthorized\"}")
        );
        assert_eq!(
            parse("42[\"message:new\",{\"seq\":3}]"),
            Packet::Event {
                name: "message:new",
                body: "{\"seq\":3}",
                ack: None
            }
        );
        assert_eq!(
            parse("427[\"bare\"]"),
            Packet::Event {
                name: "bare",
                body: "",
                ack: Some(7)
            }
        );
        assert_eq!(
            parse("4317[{\"ok\":true}]"),
            Packet::Ack {
                id: 17,
                body: "{\"ok\":true}"
            }
        );
        assert_eq!(parse("41"), Packet::Disconnect);
        assert_eq!(parse("6"), Packet::Other);
    }

    #[test]
    fn reads_fields() {
        let body = r#"{"ok":true,"message":{"id":"m1","seq": 42,"clientMessageId":"b7-1-99","xconversationId":"no","conversationId":"c9"}}"#;
        assert_eq!(str_field(body, "clientMessageId"), Some("b7-1-99"));
        assert_eq!(str_field(body, "conversationId"), Some("c9"));
        assert_eq!(int_field(body, "seq"), Some(42));
        assert_eq!(str_field(body, "missing"), None);
        assert!(is_ok(body));
        assert!(!is_ok(r#"{"ok":false,"error":{"code":"already_claimed"}}"#));
    }
}

//! Engine.IO v4 and Socket.IO v5 packets as text: reading what clients
//! send, and the [`Packet`]s the server queues for them.
//!
//! An outgoing packet is a small inline head (`42`, `43<ack id>`, `2`, …)
//! and a shared body. A broadcast encodes its body (`["event",{…}]`) once;
//! each receiver's queue holds the same [`Bytes`], and the head carries
//! what differs per socket (an ack id). The websocket writer frames head
//! and body together; the polling writer joins packets with `\x1e`.

use bytes::Bytes;
use serde::Serialize;
use serde_json::value::RawValue;
use std::cell::RefCell;

/// The separator of packets in one long-polling body.
pub const RECORD_SEPARATOR: u8 = 0x1e;

/// Longest head a packet carries inline: a packet type and an ack id.
const HEAD_CAPACITY: usize = 23;

/// One Engine.IO packet queued for a client.
#[derive(Clone, Debug)]
pub struct Packet {
    head: [u8; HEAD_CAPACITY],
    head_len: u8,
    body: Bytes,
}

impl Packet {
    fn with_head(head: &[u8], body: Bytes) -> Self {
        let mut inline = [0u8; HEAD_CAPACITY];
        let len = head.len().min(HEAD_CAPACITY);
        inline[..len].copy_from_slice(&head[..len]);
        Self {
            head: inline,
            head_len: len as u8,
            body,
        }
    }

    /// A Socket.IO EVENT whose body ([`encode_event`]) may be shared.
    pub fn event(body: Bytes) -> Self {
        Self::with_head(b"42", body)
    }

    /// A Socket.IO EVENT that asks the client to acknowledge it as `id`.
    pub fn event_with_ack(id: u64, body: Bytes) -> Self {
        Self::with_head(&itoa_head(b"42", id), body)
    }

    /// The Socket.IO ACK of the client's event `id`, carrying `body` (a
    /// JSON array, [`encode_ack_args`]).
    pub fn ack(id: u64, body: Bytes) -> Self {
        Self::with_head(&itoa_head(b"43", id), body)
    }

    /// Engine.IO PING (the server's heartbeat).
    pub fn ping() -> Self {
        Self::with_head(b"2", Bytes::new())
    }

    /// Engine.IO NOOP (ends a pending poll during an upgrade).
    pub fn noop() -> Self {
        Self::with_head(b"6", Bytes::new())
    }

    /// Engine.IO CLOSE.
    pub fn close() -> Self {
        Self::with_head(b"1", Bytes::new())
    }

    /// Engine.IO OPEN with its handshake JSON.
    pub fn open(handshake: String) -> Self {
        Self::with_head(b"0", Bytes::from(handshake))
    }

    /// Socket.IO CONNECT of the default namespace, naming the socket.
    pub fn connected(socket_id: &str) -> Self {
        let body = serde_json::json!({ "sid": socket_id }).to_string();
        Self::with_head(b"40", Bytes::from(body))
    }

    /// Socket.IO CONNECT_ERROR of namespace `namespace` with `message`.
    pub fn connect_error(namespace: &str, message: &str) -> Self {
        let body = serde_json::json!({ "message": message }).to_string();
        if namespace == "/" {
            Self::with_head(b"44", Bytes::from(body))
        } else {
            Self::with_head(b"44", Bytes::from(format!("{namespace},{body}")))
        }
    }

    /// Socket.IO DISCONNECT of the default namespace (the server let go).
    pub fn disconnect() -> Self {
        Self::with_head(b"41", Bytes::new())
    }

    /// The packet's head.
    pub fn head(&self) -> &[u8] {
        &self.head[..usize::from(self.head_len)]
    }

    /// The packet's body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Head and body together, in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.head_len) + self.body.len()
    }

    /// Whether the packet is empty (never, for a valid packet).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `prefix` followed by the decimal digits of `id`.
fn itoa_head(prefix: &[u8], id: u64) -> Vec<u8> {
    let mut head = Vec::with_capacity(prefix.len() + 20);
    head.extend_from_slice(prefix);
    head.extend_from_slice(id.to_string().as_bytes());
    head
}

thread_local! {
    /// Where bodies are encoded before they are copied out at their exact
    /// size: encoding straight into a new buffer grows (reallocates) it
    /// several times per body.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(4096));
}

/// Largest scratch buffer kept between encodings.
const KEEP_SCRATCH_BYTES: usize = 256 * 1024;

/// Runs `write` on an empty buffer and returns what it wrote.
fn encode_with(
    write: impl FnOnce(&mut Vec<u8>) -> serde_json::Result<()>,
) -> serde_json::Result<Bytes> {
    SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut buffer) => {
            buffer.clear();
            let written = write(&mut buffer).map(|()| Bytes::copy_from_slice(&buffer));
            if buffer.capacity() > KEEP_SCRATCH_BYTES {
                *buffer = Vec::with_capacity(4096);
            }
            written
        }
        // A payload whose serialization encodes another body.
        Err(_) => {
            let mut buffer = Vec::with_capacity(256);
            write(&mut buffer).map(|()| Bytes::from(buffer))
        }
    })
}

/// The body of an EVENT: `["name",payload]`.
pub fn encode_event<T: Serialize + ?Sized>(name: &str, payload: &T) -> serde_json::Result<Bytes> {
    encode_with(|out| {
        out.push(b'[');
        serde_json::to_writer(&mut *out, name)?;
        out.push(b',');
        serde_json::to_writer(&mut *out, payload)?;
        out.push(b']');
        Ok(())
    })
}

/// The body of an EVENT whose payload is already JSON: `["name",json]`.
pub fn encode_event_json(name: &str, json: &str) -> serde_json::Result<Bytes> {
    encode_with(|out| {
        out.push(b'[');
        serde_json::to_writer(&mut *out, name)?;
        out.push(b',');
        out.extend_from_slice(json.as_bytes());
        out.push(b']');
        Ok(())
    })
}

/// The body of an ACK carrying one argument: `[payload]`.
pub fn encode_ack_args<T: Serialize + ?Sized>(payload: &T) -> serde_json::Result<Bytes> {
    encode_with(|out| {
        out.push(b'[');
        serde_json::to_writer(&mut *out, payload)?;
        out.push(b']');
        Ok(())
    })
}

/// The body of an ACK made of JSON pieces already encoded, in order
/// (`[` and `]` around them are added).
pub fn encode_ack_json(pieces: &[&str]) -> Bytes {
    let size = pieces.iter().map(|p| p.len()).sum::<usize>() + 2;
    let mut out = Vec::with_capacity(size);
    out.push(b'[');
    for piece in pieces {
        out.extend_from_slice(piece.as_bytes());
    }
    out.push(b']');
    Bytes::from(out)
}

/// What an Engine.IO packet from a client says.
#[derive(Debug, PartialEq, Eq)]
pub enum EnginePacket<'a> {
    /// `1`: the client closes the session.
    Close,
    /// `2…`: a ping (`2probe` starts an upgrade).
    Ping(&'a str),
    /// `3…`: the answer to the server's ping.
    Pong,
    /// `4…`: a Socket.IO packet.
    Message(&'a str),
    /// `5`: the upgrade to websocket is complete.
    Upgrade,
    /// `6`: nothing.
    Noop,
}

/// Reads an Engine.IO text packet; `None` for an unknown type.
pub fn parse_engine(text: &str) -> Option<EnginePacket<'_>> {
    let mut chars = text.chars();
    let kind = chars.next()?;
    let rest = chars.as_str();
    Some(match kind {
        '1' => EnginePacket::Close,
        '2' => EnginePacket::Ping(rest),
        '3' => EnginePacket::Pong,
        '4' => EnginePacket::Message(rest),
        '5' => EnginePacket::Upgrade,
        '6' => EnginePacket::Noop,
        _ => return None,
    })
}

/// The kinds of Socket.IO packet a client sends.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum SocketKind {
    /// `0`: join a namespace (with auth data).
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event.
    Event,
    /// `3`: the answer to the server's event.
    Ack,
    /// `5`: an event with binary attachments.
    BinaryEvent,
    /// `6`: an answer with binary attachments.
    BinaryAck,
}

/// A Socket.IO packet from a client, borrowed from its text.
#[derive(Debug, PartialEq, Eq)]
pub struct SocketPacket<'a> {
    /// What it is.
    pub kind: SocketKind,
    /// Binary attachments that follow (binary kinds only).
    pub attachments: usize,
    /// The namespace (`/` when not given).
    pub namespace: &'a str,
    /// The ack id, when the sender wants an answer (or answers one).
    pub ack: Option<u64>,
    /// The JSON data, possibly empty.
    pub data: &'a str,
}

/// Reads a Socket.IO packet; `None` when it is malformed.
pub fn parse_socket(text: &str) -> Option<SocketPacket<'_>> {
    let bytes = text.as_bytes();
    let kind = match bytes.first()? {
        b'0' => SocketKind::Connect,
        b'1' => SocketKind::Disconnect,
        b'2' => SocketKind::Event,
        b'3' => SocketKind::Ack,
        b'5' => SocketKind::BinaryEvent,
        b'6' => SocketKind::BinaryAck,
        _ => return None,
    };
    let mut at = 1;
    let mut attachments = 0;
    if matches!(kind, SocketKind::BinaryEvent | SocketKind::BinaryAck) {
        let digits = digits_at(bytes, at);
        let dash = at + digits;
        if digits == 0 || bytes.get(dash) != Some(&b'-') {
            return None;
        }
        attachments = text[at..dash].parse().ok()?;
        at = dash + 1;
    }
    let mut namespace = "/";
    if bytes.get(at) == Some(&b'/') {
        let end = text[at..].find(',').map_or(text.len(), |comma| at + comma);
        namespace = &text[at..end];
        at = (end + 1).min(text.len());
    }
    let digits = digits_at(bytes, at);
    let ack = if digits > 0 {
        let id = text[at..at + digits].parse().ok()?;
        at += digits;
        Some(id)
    } else {
        None
    };
    Some(SocketPacket {
        kind,
        attachments,
        namespace,
        ack,
        data: &text[at..],
    })
}

/// How many ASCII digits start at `at`.
fn digits_at(bytes: &[u8], at: usize) -> usize {
    bytes.get(at..).map_or(0, |rest| {
        rest.iter().take_while(|b| b.is_ascii_digit()).count()
    })
}

/// Why an event's arguments could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadArguments {
    /// Not valid JSON, not an array, or nested too deeply.
    Invalid,
    /// The event carried binary attachments.
    Binary,
}

/// An event's name and first argument, read from its data
/// (`["name", first, …]`).
pub struct EventArgs {
    /// The event's name; empty when even that could not be read.
    pub name: String,
    /// The first argument's JSON (`None` when there is none).
    pub first: Result<Option<Box<RawValue>>, BadArguments>,
}

/// Reads an event's data. The name is read on its own first, so an event
/// whose arguments are malformed can still be answered by name.
pub fn parse_event_args(data: &str) -> EventArgs {
    let name = leading_name(data).unwrap_or_default();
    let first = match serde_json::from_str::<Vec<&RawValue>>(data) {
        Ok(args) => Ok(args.get(1).map(|raw| (*raw).to_owned())),
        Err(_) => Err(BadArguments::Invalid),
    };
    EventArgs { name, first }
}

/// The string that opens a JSON array, however malformed the rest is.
fn leading_name(data: &str) -> Option<String> {
    let rest = data.trim_start().strip_prefix('[')?.trim_start();
    // Reads the first value only; whatever follows is left unread.
    let mut de = serde_json::Deserializer::from_str(rest);
    serde::Deserialize::deserialize(&mut de).ok()
}

#[cfg(test)]
#[path = "packet_tests.rs"]
mod tests;

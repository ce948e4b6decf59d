//! The websocket protocol (RFC 6455) as this server needs it: the
//! handshake's accept key, reading client frames (always masked, no
//! extensions) in place, and writing unmasked server frames.
//!
//! No extension is negotiated: clients that offer permessage-deflate get
//! plain frames, which every client must accept. Frames are read from a
//! buffer the caller owns and unmasked where they lie, so a read of many
//! small frames costs no copy and no allocation.

use base64::Engine as _;
use sha1::{Digest, Sha1};

/// The GUID RFC 6455 appends to the client's key.
const ACCEPT_GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
pub fn accept_key(key: &[u8]) -> String {
    let mut sha = Sha1::new();
    sha.update(key);
    sha.update(ACCEPT_GUID);
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// What a frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opcode {
    /// The next fragment of a message.
    Continuation,
    /// A text message (or its first fragment).
    Text,
    /// A binary message (or its first fragment).
    Binary,
    /// The closing handshake.
    Close,
    /// A ping; answered with a pong.
    Ping,
    /// A pong.
    Pong,
}

impl Opcode {
    fn from_bits(bits: u8) -> Option<Self> {
        Some(match bits {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            _ => return None,
        })
    }

    fn bits(self) -> u8 {
        match self {
            Self::Continuation => 0x0,
            Self::Text => 0x1,
            Self::Binary => 0x2,
            Self::Close => 0x8,
            Self::Ping => 0x9,
            Self::Pong => 0xA,
        }
    }

    /// Whether this is a control frame (close, ping, pong).
    pub fn is_control(self) -> bool {
        matches!(self, Self::Close | Self::Ping | Self::Pong)
    }
}

/// A frame read from a buffer; its payload, unmasked, is
/// `buffer[payload.start..payload.end]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Whether this is the last fragment of its message.
    pub fin: bool,
    /// What it carries.
    pub opcode: Opcode,
    /// Where its payload lies in the buffer.
    pub payload: std::ops::Range<usize>,
    /// Where the next frame starts.
    pub end: usize,
}

/// Why a connection must be closed, as a websocket close code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation {
    /// 1002: a frame breaks the protocol.
    Protocol,
    /// 1007: a text message is not UTF-8.
    NotUtf8,
    /// 1009: a message is larger than allowed.
    TooBig,
}

impl Violation {
    /// The close code.
    pub fn code(self) -> u16 {
        match self {
            Self::Protocol => 1002,
            Self::NotUtf8 => 1007,
            Self::TooBig => 1009,
        }
    }
}

/// Reads the frame at the start of `buffer`, unmasking its payload in
/// place. `Ok(None)` when the buffer does not hold the whole frame yet.
/// Payloads longer than `max_payload` are refused before they arrive.
pub fn read_frame(buffer: &mut [u8], max_payload: usize) -> Result<Option<Frame>, Violation> {
    let [first, second, ..] = *buffer else {
        return Ok(None);
    };
    let fin = first & 0x80 != 0;
    if first & 0x70 != 0 {
        // Reserved bits mean an extension, and none was agreed.
        return Err(Violation::Protocol);
    }
    let opcode = Opcode::from_bits(first & 0x0F).ok_or(Violation::Protocol)?;
    if second & 0x80 == 0 {
        // Clients must mask every frame.
        return Err(Violation::Protocol);
    }
    let (length, mut at) = match second & 0x7F {
        126 => match buffer.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buffer.get(2..10) {
            Some(b) => {
                let mut be = [0u8; 8];
                be.copy_from_slice(b);
                (u64::from_be_bytes(be), 10)
            }
            None => return Ok(None),
        },
        short => (u64::from(short), 2),
    };
    if opcode.is_control() && (!fin || length > 125) {
        return Err(Violation::Protocol);
    }
    let length = usize::try_from(length).map_err(|_| Violation::TooBig)?;
    if length > max_payload {
        return Err(Violation::TooBig);
    }
    let Some(mask) = buffer.get(at..at + 4) else {
        return Ok(None);
    };
    let mask = [mask[0], mask[1], mask[2], mask[3]];
    at += 4;
    let end = at + length;
    let Some(payload) = buffer.get_mut(at..end) else {
        return Ok(None);
    };
    unmask(payload, mask);
    Ok(Some(Frame {
        fin,
        opcode,
        payload: at..end,
        end,
    }))
}

/// XORs `payload` with the repeating `mask`, eight bytes at a time.
fn unmask(payload: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = payload.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let unmasked = u64::from_ne_bytes(word) ^ wide;
        chunk.copy_from_slice(&unmasked.to_ne_bytes());
    }
    for (byte, key) in chunks.into_remainder().iter_mut().zip(mask.iter().cycle()) {
        *byte ^= key;
    }
}

/// Appends the header of an unmasked, final frame of `length` bytes.
pub fn write_header(out: &mut Vec<u8>, opcode: Opcode, length: usize) {
    out.push(0x80 | opcode.bits());
    match length {
        0..=125 => out.push(length as u8),
        126..=0xFFFF => {
            out.push(126);
            out.extend_from_slice(&(length as u16).to_be_bytes());
        }
        _ => {
            out.push(127);
            out.extend_from_slice(&(length as u64).to_be_bytes());
        }
    }
}

/// Appends a whole unmasked frame.
pub fn write_frame(out: &mut Vec<u8>, opcode: Opcode, payload: &[u8]) {
    write_header(out, opcode, payload.len());
    out.extend_from_slice(payload);
}

/// Appends a close frame with `code`.
pub fn write_close(out: &mut Vec<u8>, code: u16) {
    write_frame(out, Opcode::Close, &code.to_be_bytes());
}

#[cfg(test)]
#[path = "ws_tests.rs"]
mod tests;

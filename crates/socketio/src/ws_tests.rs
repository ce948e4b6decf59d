//! Tests of the websocket codec.

#![allow(clippy::unwrap_used)]

use super::*;

/// A masked client frame.
fn client_frame(first: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let mut out = vec![first];
    match payload.len() {
        0..=125 => out.push(0x80 | payload.len() as u8),
        126..=0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
        }
        _ => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    out
}

#[test]
fn accept_key_of_the_rfc_example() {
    assert_eq!(
        accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

#[test]
fn reads_masked_frames_of_every_length_form() {
    for size in [0usize, 5, 125, 126, 300, 65_535, 65_536, 70_000] {
        let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let mut bytes = client_frame(0x81, &payload, [1, 2, 3, 250]);
        bytes.extend_from_slice(b"next");
        let frame = read_frame(&mut bytes, 1 << 20).unwrap().unwrap();
        assert!(frame.fin);
        assert_eq!(frame.opcode, Opcode::Text);
        assert_eq!(&bytes[frame.payload.clone()], &payload[..], "size {size}");
        assert_eq!(&bytes[frame.end..], b"next");
    }
}

#[test]
fn waits_for_the_rest_of_a_frame() {
    let whole = client_frame(0x81, &[7u8; 300], [9, 8, 7, 6]);
    for cut in 0..whole.len() {
        let mut part = whole[..cut].to_vec();
        assert_eq!(read_frame(&mut part, 1 << 20), Ok(None), "cut at {cut}");
    }
}

#[test]
fn refuses_what_the_protocol_forbids() {
    // Unmasked.
    let mut unmasked = vec![0x81, 0x01, b'a'];
    assert_eq!(read_frame(&mut unmasked, 100), Err(Violation::Protocol));
    // A reserved bit.
    let mut reserved = client_frame(0xC1, b"a", [1, 1, 1, 1]);
    assert_eq!(read_frame(&mut reserved, 100), Err(Violation::Protocol));
    // An unknown opcode.
    let mut unknown = client_frame(0x83, b"a", [1, 1, 1, 1]);
    assert_eq!(read_frame(&mut unknown, 100), Err(Violation::Protocol));
    // A fragmented or long control frame.
    let mut fragmented = client_frame(0x09, b"a", [1, 1, 1, 1]);
    assert_eq!(read_frame(&mut fragmented, 100), Err(Violation::Protocol));
    let mut long_ping = client_frame(0x89, &[0; 126], [1, 1, 1, 1]);
    assert_eq!(read_frame(&mut long_ping, 1000), Err(Violation::Protocol));
    // Too big, known from the header alone.
    let mut big = client_frame(0x82, &[0; 200], [1, 1, 1, 1]);
    big.truncate(8);
    assert_eq!(read_frame(&mut big, 100), Err(Violation::TooBig));
    let mut huge = vec![0x82, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];
    assert_eq!(read_frame(&mut huge, 100), Err(Violation::TooBig));
}

#[test]
fn writes_unmasked_frames() {
    for (size, header) in [
        (5usize, 2usize),
        (125, 2),
        (126, 4),
        (65_535, 4),
        (65_536, 10),
    ] {
        let mut out = Vec::new();
        write_frame(&mut out, Opcode::Text, &vec![b'x'; size]);
        assert_eq!(out.len(), header + size);
        assert_eq!(out[0], 0x81);
        assert_eq!(out[1] & 0x80, 0, "servers never mask");
    }
    let mut close = Vec::new();
    write_close(&mut close, 1000);
    assert_eq!(close, [0x88, 2, 0x03, 0xE8]);
}

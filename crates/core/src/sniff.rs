//! What a file really is, decided from its first bytes (magic numbers),
//! never from the name or `Content-Type` a client sends: a client that
//! calls an HTML page `photo.png` still gets `application/octet-stream`.
//! Only the types the apps use are recognised; anything else is
//! `application/octet-stream`, which clients download but never display.

/// The MIME type of unrecognised content.
pub const OCTET_STREAM: &str = "application/octet-stream";
/// The MIME type of UTF-8 text (served with `charset=utf-8`).
pub const TEXT_PLAIN: &str = "text/plain";

/// How far into a WebM file to look for a video track's codec id.
const WEBM_SCAN: usize = 64 * 1024;

/// The MIME type of `bytes`, from their magic number.
pub fn sniff(bytes: &[u8]) -> &'static str {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let at = |offset: usize, magic: &[u8]| {
        bytes
            .get(offset..offset + magic.len())
            .is_some_and(|b| b == magic)
    };
    if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"\xff\xd8\xff") {
        "image/jpeg"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if starts(b"RIFF") && at(8, b"WEBP") {
        "image/webp"
    } else if starts(b"RIFF") && at(8, b"WAVE") {
        "audio/wav"
    } else if starts(b"%PDF-") {
        "application/pdf"
    } else if starts(b"OggS") {
        "audio/ogg"
    } else if starts(b"\x1a\x45\xdf\xa3") {
        webm(bytes)
    } else if at(4, b"ftyp") {
        if at(8, b"M4A ") || at(8, b"M4B ") {
            "audio/mp4"
        } else {
            "video/mp4"
        }
    } else if starts(b"ID3") || is_mpeg_audio_frame(bytes) {
        "audio/mpeg"
    } else if is_text(bytes) {
        TEXT_PLAIN
    } else {
        OCTET_STREAM
    }
}

/// An EBML file: WebM audio (a voice note) unless a video codec appears
/// among its first tracks; other Matroska files are not recognised.
fn webm(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(WEBM_SCAN)];
    let contains = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if !contains(b"webm") {
        OCTET_STREAM
    } else if contains(b"V_VP8") || contains(b"V_VP9") || contains(b"V_AV1") || contains(b"V_MPEG")
    {
        "video/webm"
    } else {
        "audio/webm"
    }
}

/// An MPEG audio frame header: 11 sync bits, then a layer that is not the
/// reserved `00` (which would be AAC's ADTS).
fn is_mpeg_audio_frame(bytes: &[u8]) -> bool {
    matches!(bytes, [0xff, b, ..] if b & 0xe0 == 0xe0 && b & 0x06 != 0)
}

/// Valid UTF-8 without NULs or control characters other than whitespace.
fn is_text(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(text) => !text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')),
        // A cut in the middle of the last character still counts as text.
        Err(e) => e.error_len().is_none() && is_text(&bytes[..e.valid_up_to()]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_types_the_apps_use() {
        let mut webp = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
        webp.extend([0; 8]);
        let cases: &[(&[u8], &str)] = &[
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png"),
            (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
            (b"GIF89a\x01\0\x01\0", "image/gif"),
            (&webp, "image/webp"),
            (b"RIFF\x24\0\0\0WAVEfmt ", "audio/wav"),
            (b"%PDF-1.7\n%\xe2\xe3", "application/pdf"),
            (b"OggS\0\x02\0\0\0\0\0\0\0\0OpusHead", "audio/ogg"),
            (
                b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm\x16\x54\xaeA_OPUS",
                "audio/webm",
            ),
            (
                b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm\x16\x54\xaeV_VP8",
                "video/webm",
            ),
            (
                b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01matroska",
                OCTET_STREAM,
            ),
            (b"\0\0\0\x20ftypM4A \0\0\0\0", "audio/mp4"),
            (b"\0\0\0\x20ftypisom\0\0\x02\0", "video/mp4"),
            (b"ID3\x04\0\0\0\0\0\0", "audio/mpeg"),
            (b"\xff\xfb\x90\x64\0\0", "audio/mpeg"),
            (b"\xff\xf1\x50\x80", OCTET_STREAM),
            (b"Hello, world!\r\n\tTabs and \xc3\xa9", TEXT_PLAIN),
            (b"cut \xe2\x82", TEXT_PLAIN),
            (b"<html><script>alert(1)</script>", TEXT_PLAIN),
            (b"nul\0inside", OCTET_STREAM),
            (b"bell\x07", OCTET_STREAM),
            (b"\xc3\x28 invalid", OCTET_STREAM),
            (b"MZ\x90\0\x03\0\0\0", OCTET_STREAM),
        ];
        for (bytes, expected) in cases {
            assert_eq!(sniff(bytes), *expected, "{bytes:?}");
        }
    }
}

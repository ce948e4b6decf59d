//! Parsed WebRTC signaling. The
//! server never interprets SDP or candidates; it only bounds their size.

use crate::input::Fields;
use crate::{CallId, DomainError};
use serde_json::{Map, Value};

/// Largest `sdp` accepted in `webrtc:offer` / `webrtc:answer`, in bytes.
pub const MAX_SDP_BYTES: usize = 64 * 1024;
/// Largest `candidate` accepted in `webrtc:ice`, in bytes of JSON.
pub const MAX_CANDIDATE_BYTES: usize = 2048;

/// A parsed `webrtc:offer` / `webrtc:answer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// The call.
    pub call_id: CallId,
    /// The SDP text, relayed unchanged.
    pub sdp: String,
}

impl SessionDescription {
    /// Reads `{"callId","sdp"}`: `sdp` a string of 1–65 536 bytes.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let call_id = CallId::from_trusted(fields.id("callId")?);
        let sdp = fields.str("sdp", 1, MAX_SDP_BYTES)?;
        if sdp.len() > MAX_SDP_BYTES {
            return Err(DomainError::invalid(format!(
                "sdp must be at most {MAX_SDP_BYTES} bytes"
            )));
        }
        Ok(Self {
            call_id,
            sdp: sdp.to_owned(),
        })
    }
}

/// A parsed `webrtc:ice`.
#[derive(Debug, Clone, PartialEq)]
pub struct IceCandidate {
    /// The call.
    pub call_id: CallId,
    /// `RTCIceCandidate.toJSON()`, relayed unchanged.
    pub candidate: Map<String, Value>,
}

impl IceCandidate {
    /// Reads `{"callId","candidate"}`: `candidate` an object of at most
    /// 2 048 bytes as JSON.
    pub fn parse(fields: &Fields<'_>) -> Result<Self, DomainError> {
        let call_id = CallId::from_trusted(fields.id("callId")?);
        let candidate = fields.object("candidate")?;
        let size = serde_json::to_vec(candidate)
            .map(|b| b.len())
            .unwrap_or(usize::MAX);
        if size > MAX_CANDIDATE_BYTES {
            return Err(DomainError::invalid(format!(
                "candidate must be at most {MAX_CANDIDATE_BYTES} bytes"
            )));
        }
        Ok(Self {
            call_id,
            candidate: candidate.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T>(
        value: Value,
        f: impl Fn(&Fields<'_>) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        f(&Fields::of(&value)?)
    }

    #[test]
    fn sdp_limits_are_bytes() {
        let max = "a".repeat(MAX_SDP_BYTES);
        assert!(parse(json!({"callId":"x","sdp":max}), SessionDescription::parse).is_ok());
        let over = "a".repeat(MAX_SDP_BYTES + 1);
        assert!(parse(json!({"callId":"x","sdp":over}), SessionDescription::parse).is_err());
        // 3-byte characters: few code points, too many bytes.
        let wide = "€".repeat(MAX_SDP_BYTES / 3 + 1);
        assert!(parse(json!({"callId":"x","sdp":wide}), SessionDescription::parse).is_err());
        assert!(parse(json!({"callId":"x","sdp":""}), SessionDescription::parse).is_err());
        assert!(parse(json!({"callId":"x","sdp":{}}), SessionDescription::parse).is_err());
    }

    #[test]
    fn candidates() {
        let candidate = json!({"candidate":"candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host","sdpMid":"0","sdpMLineIndex":0});
        let ok = parse(
            json!({"callId":"x","candidate":candidate}),
            IceCandidate::parse,
        )
        .expect("ok");
        assert_eq!(Value::Object(ok.candidate), candidate);
        let big = json!({"candidate":"a".repeat(MAX_CANDIDATE_BYTES)});
        assert!(parse(json!({"callId":"x","candidate":big}), IceCandidate::parse).is_err());
        assert!(
            parse(
                json!({"callId":"x","candidate":"candidate:1"}),
                IceCandidate::parse
            )
            .is_err()
        );
        assert!(parse(json!({"callId":"x"}), IceCandidate::parse).is_err());
    }
}

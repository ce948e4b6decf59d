//! `call:stats`: one side's quality summary at the end of a call, checked
//! field by field and stored as JSON with the call.

use crate::input::Fields;
use crate::{CallId, DomainError};
use serde::{Deserialize, Serialize};

/// Largest accepted round-trip time or jitter, in milliseconds.
const MAX_MS: f64 = 600_000.0;
/// Largest accepted packet or byte count.
const MAX_COUNT: i64 = 1_000_000_000_000_000;

/// One side's reported call quality. Absent metrics stay absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallStats {
    /// Round-trip time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// Inbound jitter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_ms: Option<f64>,
    /// Packets lost (inbound).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packets_lost: Option<i64>,
    /// Packets sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packets_sent: Option<i64>,
    /// Packets received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub packets_received: Option<i64>,
    /// Bytes sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_sent: Option<i64>,
    /// Bytes received.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_received: Option<i64>,
}

impl CallStats {
    /// Reads `{"callId", metrics…}`; at least one metric is required.
    pub fn parse(fields: &Fields<'_>) -> Result<(CallId, Self), DomainError> {
        let call_id = CallId::from_trusted(fields.id("callId")?);
        let count = |name| fields.opt_int(name, 0, MAX_COUNT);
        let stats = Self {
            rtt_ms: fields.opt_number("rttMs", 0.0, MAX_MS)?,
            jitter_ms: fields.opt_number("jitterMs", 0.0, MAX_MS)?,
            packets_lost: count("packetsLost")?,
            packets_sent: count("packetsSent")?,
            packets_received: count("packetsReceived")?,
            bytes_sent: count("bytesSent")?,
            bytes_received: count("bytesReceived")?,
        };
        if stats == Self::default() {
            return Err(DomainError::invalid("at least one metric is required"));
        }
        Ok((call_id, stats))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn parse(value: Value) -> Result<(CallId, CallStats), DomainError> {
        CallStats::parse(&Fields::of(&value)?)
    }

    #[test]
    fn reads_and_bounds_metrics() {
        let (id, stats) =
            parse(json!({"callId":"c","rttMs":38.5,"packetsLost":3,"bytesSent":100})).expect("ok");
        assert_eq!(id.as_str(), "c");
        assert_eq!(
            serde_json::to_value(&stats).expect("json"),
            json!({"rttMs":38.5,"packetsLost":3,"bytesSent":100})
        );
        for bad in [
            json!({"callId":"c"}),
            json!({"callId":"c","rttMs":-1}),
            json!({"callId":"c","jitterMs":"2"}),
            json!({"callId":"c","packetsLost":1.5}),
            json!({"callId":"c","bytesSent":-3}),
            json!({"rttMs":1}),
        ] {
            assert!(matches!(parse(bad), Err(DomainError::Invalid(_))));
        }
    }
}

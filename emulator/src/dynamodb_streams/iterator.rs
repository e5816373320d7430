//! Shard iterators: opaque to clients, shaped like the service's
//! (`<stream ARN>|1|<base64>`), and checked when they come back.
//!
//! The base64 part holds the stream's id, the sequence number to read from and the time the
//! iterator was issued (each a big-endian u64), then a CRC32 of those 24 bytes, so that an
//! altered or made-up iterator is refused rather than read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// How long an iterator may be used: the service's 15 minutes.
pub const LIFETIME_MS: u64 = 15 * 60 * 1000;

const PAYLOAD: usize = 28;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardIterator {
    pub stream_arn: String,
    pub stream_id: u64,
    /// The sequence number to read from.
    pub next: u64,
    /// Epoch milliseconds.
    pub issued_ms: u64,
}

impl ShardIterator {
    pub fn encode(&self) -> String {
        let mut payload = Vec::with_capacity(PAYLOAD);
        payload.extend_from_slice(&self.stream_id.to_be_bytes());
        payload.extend_from_slice(&self.next.to_be_bytes());
        payload.extend_from_slice(&self.issued_ms.to_be_bytes());
        let crc = crc32fast::hash(&payload);
        payload.extend_from_slice(&crc.to_be_bytes());
        format!("{}|1|{}", self.stream_arn, STANDARD.encode(payload))
    }

    /// The iterator `text` encodes, or `None` if it is not one this emulator issued.
    pub fn decode(text: &str) -> Option<ShardIterator> {
        let (rest, encoded) = text.rsplit_once('|')?;
        let stream_arn = rest.strip_suffix("|1")?;
        let payload = STANDARD.decode(encoded).ok()?;
        let payload: [u8; PAYLOAD] = payload.try_into().ok()?;
        let (fields, crc) = payload.split_at(24);
        if crc32fast::hash(fields).to_be_bytes() != crc {
            return None;
        }
        let field =
            |i: usize| u64::from_be_bytes(fields[i * 8..i * 8 + 8].try_into().unwrap_or_default());
        Some(ShardIterator {
            stream_arn: stream_arn.to_owned(),
            stream_id: field(0),
            next: field(1),
            issued_ms: field(2),
        })
    }

    /// Whether the iterator is older than [`LIFETIME_MS`] at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.issued_ms) > LIFETIME_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str =
        "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-12-07T13:42:40.516";

    fn sample() -> ShardIterator {
        ShardIterator {
            stream_arn: ARN.to_owned(),
            stream_id: 42,
            next: 1_000_000_000_007,
            issued_ms: 1_796_650_960_516,
        }
    }

    #[test]
    fn iterators_round_trip_and_look_like_the_services() {
        let text = sample().encode();
        assert!(text.starts_with(&format!("{ARN}|1|")), "{text}");
        assert_eq!(ShardIterator::decode(&text), Some(sample()));
    }

    #[test]
    fn altered_or_foreign_iterators_are_refused() {
        let text = sample().encode();
        let mut altered = text.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            ShardIterator::decode(std::str::from_utf8(&altered).unwrap()),
            None
        );
        for garbage in [
            "",
            "garbage",
            "a|1|b",
            &format!("{ARN}|2|AAAA"),
            &text.replace("|1|", "|"),
        ] {
            assert_eq!(ShardIterator::decode(garbage), None, "{garbage}");
        }
    }

    #[test]
    fn iterators_expire_after_fifteen_minutes() {
        let it = sample();
        assert!(!it.is_expired(it.issued_ms + LIFETIME_MS));
        assert!(it.is_expired(it.issued_ms + LIFETIME_MS + 1));
        assert!(
            !it.is_expired(it.issued_ms - 5),
            "a clock step back is no expiry"
        );
    }
}

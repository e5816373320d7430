//! The JSON edge of Timestream: request bodies decoded into an operation's input type with
//! the front end's errors, outputs encoded.
//!
//! Input types make every member an `Option` (and enums plain strings), so that missing
//! members and bad enum values are reported by the operation with the coral texts; what is
//! left to serde is malformed JSON and JSON of the wrong type, both `SerializationException`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::{ErrorCode, TimestreamError};

pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, TimestreamError> {
    // An empty body is an empty request, as the SDKs send `{}` for operations without input.
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        let message = match e.classify() {
            serde_json::error::Category::Data => strip_position(&e.to_string()).to_owned(),
            _ => String::new(),
        };
        TimestreamError::new(ErrorCode::SerializationException, message)
    })
}

pub fn encode<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("output types always serialize to JSON")
}

/// serde_json appends " at line L column C"; the service's messages carry no position.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "PascalCase")]
    struct Probe {
        database_name: Option<String>,
    }

    #[test]
    fn malformed_and_mistyped_bodies_are_serialization_errors() {
        let e = decode::<Probe>(b"{").expect_err("truncated");
        assert_eq!(e.code, ErrorCode::SerializationException);
        assert_eq!(e.message, "");
        let e = decode::<Probe>(br#"{"DatabaseName": 5}"#).expect_err("number");
        assert_eq!(e.code, ErrorCode::SerializationException);
        assert_eq!(e.message, "invalid type: integer `5`, expected a string");
        let probe = decode::<Probe>(b"").expect("empty body");
        assert!(probe.database_name.is_none());
    }
}

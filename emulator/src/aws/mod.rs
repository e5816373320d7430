//! The awsJson1_0 protocol plumbing shared by DynamoDB and Timestream: targets, request
//! ids, the region of a request, and the shape of success and error responses.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};

pub const CONTENT_TYPE_JSON_1_0: &str = "application/x-amz-json-1.0";
pub const HEADER_TARGET: &str = "x-amz-target";
pub const HEADER_REQUEST_ID: &str = "x-amzn-requestid";
pub const HEADER_CRC32: &str = "x-amz-crc32";

/// A fresh request id: 52 characters of `[0-9A-Z]`, the shape DynamoDB uses.
/// A process-wide random prefix plus a counter keeps ids unique without a random draw per request.
pub fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static PREFIX: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    let prefix = *PREFIX.get_or_init(|| uuid::Uuid::new_v4().as_u128());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut out = String::with_capacity(52);
    push_base32(&mut out, prefix, 26);
    push_base32(&mut out, u128::from(n) ^ (prefix >> 64), 26);
    out
}

fn push_base32(out: &mut String, mut value: u128, digits: usize) {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";
    for _ in 0..digits {
        out.push(ALPHABET[(value & 31) as usize] as char);
        value >>= 5;
    }
}

/// The region named in a SigV4 `Authorization` header's credential scope
/// (`Credential=AKID/20260101/us-west-2/dynamodb/aws4_request`), if any.
pub fn region_from_headers(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?;
    let scope = scope.split([',', ' ']).next()?;
    let mut parts = scope.split('/');
    let _access_key = parts.next()?;
    let _date = parts.next()?;
    parts.next().filter(|r| !r.is_empty())
}

/// A JSON 1.0 response with a fresh request id; `with_crc32` adds DynamoDB's checksum header.
pub fn json_response(status: StatusCode, body: Vec<u8>, with_crc32: bool) -> Response<Body> {
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, CONTENT_TYPE_JSON_1_0)
        .header(HEADER_REQUEST_ID, request_id());
    if with_crc32 {
        builder = builder.header(HEADER_CRC32, HeaderValue::from(crc32fast::hash(&body)));
    }
    builder
        .body(Body::from(body))
        .expect("static headers are always valid")
}

/// An error response in the awsJson1_0 envelope.
pub fn error_response(
    status: u16,
    type_name: &str,
    message: &str,
    with_crc32: bool,
) -> Response<Body> {
    // AWS leaves `message` out rather than sending an empty one.
    let body = if message.is_empty() {
        serde_json::json!({ "__type": type_name })
    } else {
        serde_json::json!({ "__type": type_name, "message": message })
    };
    let body = serde_json::to_vec(&body).expect("a JSON object always serializes");
    json_response(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        body,
        with_crc32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_unique_and_shaped_like_dynamodb() {
        let a = request_id();
        let b = request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 52);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        );
    }

    #[test]
    fn region_comes_from_the_credential_scope() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc",
            ),
        );
        assert_eq!(region_from_headers(&headers), Some("eu-west-1"));
        assert_eq!(region_from_headers(&HeaderMap::new()), None);
    }
}

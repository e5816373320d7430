//! The awsJson1_0 protocol plumbing shared by DynamoDB, DynamoDB Streams and Timestream:
//! targets, request ids, the region of a request, the shape of success and error responses,
//! and times as the services write them (`time`).

pub mod time;

use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Response, StatusCode, header};

pub const CONTENT_TYPE_JSON_1_0: &str = "application/x-amz-json-1.0";
pub const HEADER_TARGET: &str = "x-amz-target";
pub const HEADER_REQUEST_ID: &str = "x-amzn-requestid";
pub const HEADER_CRC32: &str = "x-amz-crc32";

/// The address the server listens on, recorded once it is bound: what DescribeEndpoints
/// answers, so that clients using endpoint discovery stay on the emulator. Each service
/// renders it in its own shape (DynamoDB `host:port`, Timestream `http://host:port`).
#[derive(Debug, Default)]
pub struct EndpointAddress(std::sync::OnceLock<String>);

impl EndpointAddress {
    /// Records `host:port`. Only the first call counts.
    pub fn set(&self, address: String) {
        let _ = self.0.set(address);
    }

    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

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

/// Why a request's signature header was refused before any signature math.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization` header, or not a SigV4 one.
    Missing,
    /// A SigV4 header lacking parts; the message lists them as the service does.
    Incomplete(String),
}

impl AuthFailure {
    pub fn type_name(&self) -> &'static str {
        match self {
            AuthFailure::Missing => "com.amazon.coral.service#MissingAuthenticationTokenException",
            AuthFailure::Incomplete(_) => "com.amazon.coral.service#IncompleteSignatureException",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            AuthFailure::Missing => "Request is missing Authentication Token",
            AuthFailure::Incomplete(message) => message,
        }
    }
}

/// Checks that a request carries a complete SigV4 `Authorization` header, as the AWS front
/// end does before anything else, and returns the region of its credential scope
/// (`Credential=AKID/20260101/us-west-2/dynamodb/aws4_request`). Signatures themselves are
/// not verified: any credentials are accepted.
pub fn signed_region(headers: &HeaderMap) -> Result<Option<&str>, AuthFailure> {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|a| a.starts_with("AWS4-"))
        .ok_or(AuthFailure::Missing)?;
    let mut credential = None;
    let mut signature = false;
    let mut signed_headers = false;
    let params = auth.split_once(' ').map_or("", |(_, rest)| rest);
    for param in params.split(',') {
        match param.trim().split_once('=') {
            Some(("Credential", v)) if !v.is_empty() => credential = Some(v),
            Some(("Signature", v)) if !v.is_empty() => signature = true,
            Some(("SignedHeaders", v)) if !v.is_empty() => signed_headers = true,
            _ => {}
        }
    }
    let has_date = headers.contains_key("x-amz-date") || headers.contains_key(header::DATE);
    if credential.is_none() || !signature || !signed_headers || !has_date {
        let mut message = String::new();
        for (present, name) in [
            (credential.is_some(), "Credential"),
            (signature, "Signature"),
            (signed_headers, "SignedHeaders"),
        ] {
            if !present {
                message.push_str(&format!(
                    "Authorization header requires '{name}' parameter. "
                ));
            }
        }
        if !has_date {
            message.push_str(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
            );
        }
        message.push_str("Authorization=");
        message.push_str(auth);
        return Err(AuthFailure::Incomplete(message));
    }
    let mut scope = credential.unwrap_or_default().split('/');
    let _access_key = scope.next();
    let _date = scope.next();
    Ok(scope.next().filter(|r| !r.is_empty()))
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

    fn signed(auth: &'static str, date: bool) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static(auth));
        if date {
            headers.insert("x-amz-date", HeaderValue::from_static("20260101T000000Z"));
        }
        headers
    }

    #[test]
    fn region_comes_from_the_credential_scope() {
        let headers = signed(
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=abc",
            true,
        );
        assert_eq!(signed_region(&headers), Ok(Some("eu-west-1")));
    }

    #[test]
    fn a_missing_or_foreign_authorization_is_a_missing_token() {
        assert_eq!(signed_region(&HeaderMap::new()), Err(AuthFailure::Missing));
        let basic = signed("Basic dXNlcjpwYXNz", true);
        assert_eq!(signed_region(&basic), Err(AuthFailure::Missing));
    }

    #[test]
    fn an_incomplete_signature_names_every_missing_part() {
        let headers = signed(
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request",
            false,
        );
        let Err(AuthFailure::Incomplete(message)) = signed_region(&headers) else {
            panic!("expected an incomplete signature");
        };
        assert_eq!(
            message,
            "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request"
        );
    }
}

//! Shared helpers: an in-process emulator, SDK clients pointed at it, item builders, error
//! inspection and a minimal raw HTTP/1.1 client.
//!
//! Every test starts its own emulator (in memory, ephemeral loopback port), so tests share
//! nothing and may run in parallel.
//!
//! Checking the tests themselves: with `DRYDOCK_IT_ENDPOINT=http://127.0.0.1:PORT` set, the
//! SDK tests run against that endpoint instead (e.g. DynamoDB Local), with table names made
//! unique per test. It is a way to verify an expectation against a reference implementation;
//! CI never sets it, and tests that need the emulator itself (protocol, metrics, regions,
//! crash) ignore it.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, Tag,
};
use emulator::{Config, Emulator, RunningEmulator};

pub const REGION: &str = "us-east-1";

/// An item or key as the SDK takes it.
pub type Item = HashMap<String, AttributeValue>;

/// One emulator plus a client for it. Table names go through [`Harness::table`].
pub struct Harness {
    running: Option<RunningEmulator>,
    endpoint: String,
    prefix: String,
    pub client: Client,
}

impl Harness {
    /// An in-memory emulator (or the `DRYDOCK_IT_ENDPOINT` override) and a client in
    /// [`REGION`].
    pub async fn start() -> Harness {
        if let Ok(endpoint) = std::env::var("DRYDOCK_IT_ENDPOINT") {
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let prefix = format!(
                "t{}-{}-",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let client = client(&endpoint, REGION);
            return Harness {
                running: None,
                endpoint,
                prefix,
                client,
            };
        }
        Harness::start_with(Config::ephemeral()).await
    }

    /// An emulator with this configuration (always in-process; ignores the override).
    pub async fn start_with(config: Config) -> Harness {
        let running = Emulator::start(config).await.expect("the emulator starts");
        let endpoint = running.endpoint_url();
        Harness {
            client: client(&endpoint, REGION),
            running: Some(running),
            endpoint,
            prefix: String::new(),
        }
    }

    /// The name to use for a table called `name` in this test (unique per test when running
    /// against a shared external endpoint).
    pub fn table(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Whether this harness runs the emulator in-process (false under the override).
    pub fn is_emulator(&self) -> bool {
        self.running.is_some()
    }

    /// The socket address of the endpoint.
    pub fn addr(&self) -> SocketAddr {
        let hostport = self
            .endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/');
        hostport.parse().expect("endpoint is http://ip:port")
    }

    /// A Timestream Write client on the same endpoint, in [`REGION`].
    pub fn timestream(&self) -> aws_sdk_timestreamwrite::Client {
        timestream_client(&self.endpoint, REGION)
    }

    /// A DynamoDB Streams client on the same endpoint, in [`REGION`].
    pub fn streams(&self) -> aws_sdk_dynamodbstreams::Client {
        streams_client(&self.endpoint, REGION)
    }

    /// A Timestream Query client on the same endpoint, in [`REGION`].
    pub fn timestream_query(&self) -> aws_sdk_timestreamquery::Client {
        let http = aws_smithy_http_client::Builder::new().build_http();
        let config = aws_sdk_timestreamquery::Config::builder()
            .behavior_version(aws_sdk_timestreamquery::config::BehaviorVersion::latest())
            .region(aws_sdk_timestreamquery::config::Region::new(REGION))
            .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
            .endpoint_url(&self.endpoint)
            .http_client(http)
            .retry_config(aws_sdk_timestreamquery::config::retry::RetryConfig::disabled())
            .build();
        aws_sdk_timestreamquery::Client::from_conf(config)
    }

    /// Another client on the same endpoint, in another region.
    pub fn client_in(&self, region: &str) -> Client {
        client(&self.endpoint, region)
    }

    /// Stops the emulator and waits for storage to close.
    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

/// An SDK client for `endpoint`: static test credentials, plain HTTP, no retries (so every
/// error surfaces as it was answered).
pub fn client(endpoint: &str, region: &str) -> Client {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(endpoint)
        .http_client(http)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .build();
    Client::from_conf(config)
}

/// A DynamoDB Streams client for `endpoint`, configured like [`client`].
pub fn streams_client(endpoint: &str, region: &str) -> aws_sdk_dynamodbstreams::Client {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let config = aws_sdk_dynamodbstreams::Config::builder()
        .behavior_version(aws_sdk_dynamodbstreams::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodbstreams::config::Region::new(
            region.to_owned(),
        ))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(endpoint)
        .http_client(http)
        .retry_config(aws_sdk_dynamodbstreams::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_dynamodbstreams::Client::from_conf(config)
}

/// A Timestream Write client for `endpoint`, configured like [`client`]. Endpoint discovery
/// stays off (the SDK enables it only on request): the endpoint URL is used as given.
pub fn timestream_client(endpoint: &str, region: &str) -> aws_sdk_timestreamwrite::Client {
    let http = aws_smithy_http_client::Builder::new().build_http();
    let config = aws_sdk_timestreamwrite::Config::builder()
        .behavior_version(aws_sdk_timestreamwrite::config::BehaviorVersion::latest())
        .region(aws_sdk_timestreamwrite::config::Region::new(
            region.to_owned(),
        ))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(endpoint)
        .http_client(http)
        .retry_config(aws_sdk_timestreamwrite::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_timestreamwrite::Client::from_conf(config)
}

// ---- attribute values and items ----

pub fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

pub fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_owned())
}

pub fn b(v: &[u8]) -> AttributeValue {
    AttributeValue::B(Blob::new(v.to_vec()))
}

pub fn ss(v: &[&str]) -> AttributeValue {
    AttributeValue::Ss(v.iter().map(|x| (*x).to_owned()).collect())
}

pub fn ns(v: &[&str]) -> AttributeValue {
    AttributeValue::Ns(v.iter().map(|x| (*x).to_owned()).collect())
}

pub fn bs(v: &[&[u8]]) -> AttributeValue {
    AttributeValue::Bs(v.iter().map(|x| Blob::new(x.to_vec())).collect())
}

pub fn l(v: Vec<AttributeValue>) -> AttributeValue {
    AttributeValue::L(v)
}

pub fn m(pairs: &[(&str, AttributeValue)]) -> AttributeValue {
    AttributeValue::M(item(pairs))
}

/// An item (or key) from name/value pairs.
pub fn item(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

/// Sorts the members of every set in an item (sets have no order on the wire).
pub fn sorted_sets(mut it: Item) -> Item {
    for v in it.values_mut() {
        sort_sets(v);
    }
    it
}

fn sort_sets(v: &mut AttributeValue) {
    match v {
        AttributeValue::Ss(x) => x.sort(),
        AttributeValue::Ns(x) => x.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap()
                .partial_cmp(&b.parse::<f64>().unwrap())
                .unwrap()
        }),
        AttributeValue::Bs(x) => x.sort_by(|a, b| a.as_ref().cmp(b.as_ref())),
        AttributeValue::L(x) => x.iter_mut().for_each(sort_sets),
        AttributeValue::M(x) => x.values_mut().for_each(sort_sets),
        _ => {}
    }
}

// ---- tables ----

pub fn attr_def(name: &str, t: ScalarAttributeType) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(t)
        .build()
        .unwrap()
}

pub fn key_elem(name: &str, t: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(t)
        .build()
        .unwrap()
}

/// Creates an on-demand table with a partition key `pk` of type `t`.
pub async fn create_hash_table(client: &Client, table: &str, pk: &str, t: ScalarAttributeType) {
    client
        .create_table()
        .table_name(table)
        .attribute_definitions(attr_def(pk, t))
        .key_schema(key_elem(pk, KeyType::Hash))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create_table succeeds");
}

/// Creates an on-demand table with partition key `pk` and sort key `sk`.
pub async fn create_range_table(
    client: &Client,
    table: &str,
    (pk, pk_type): (&str, ScalarAttributeType),
    (sk, sk_type): (&str, ScalarAttributeType),
) {
    client
        .create_table()
        .table_name(table)
        .attribute_definitions(attr_def(pk, pk_type))
        .attribute_definitions(attr_def(sk, sk_type))
        .key_schema(key_elem(pk, KeyType::Hash))
        .key_schema(key_elem(sk, KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create_table succeeds");
}

/// The seed document's `ml-features` table: `user_id` (S, HASH), `feature_name` (S, RANGE),
/// on demand, tagged `Environment=production`.
pub async fn create_ml_features(client: &Client, table: &str) {
    client
        .create_table()
        .table_name(table)
        .attribute_definitions(attr_def("user_id", ScalarAttributeType::S))
        .attribute_definitions(attr_def("feature_name", ScalarAttributeType::S))
        .key_schema(key_elem("user_id", KeyType::Hash))
        .key_schema(key_elem("feature_name", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest)
        .tags(
            Tag::builder()
                .key("Environment")
                .value("production")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create_table ml-features succeeds");
}

// ---- errors ----

/// The error code and message of a failed SDK call; panics on success.
pub fn error_of<T: std::fmt::Debug, E, R>(result: Result<T, SdkError<E, R>>) -> (String, String)
where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    match result {
        Ok(v) => panic!("expected an error, the call succeeded with {v:?}"),
        Err(SdkError::ServiceError(ctx)) => {
            let service = ctx.err();
            (
                service.code().unwrap_or_default().to_owned(),
                service.message().unwrap_or_default().to_owned(),
            )
        }
        Err(other) => panic!("expected a service error, got {other:?}"),
    }
}

/// Asserts a failed call answered `code` with exactly `message`.
#[track_caller]
pub fn assert_error<T: std::fmt::Debug, E, R>(
    result: Result<T, SdkError<E, R>>,
    code: &str,
    message: &str,
) where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let (got_code, got_message) = error_of(result);
    assert_eq!(
        (got_code.as_str(), got_message.as_str()),
        (code, message),
        "error code and message"
    );
}

/// Asserts a failed call answered `code` with a message starting with `prefix`.
#[track_caller]
pub fn assert_error_starts<T: std::fmt::Debug, E, R>(
    result: Result<T, SdkError<E, R>>,
    code: &str,
    prefix: &str,
) where
    E: ProvideErrorMetadata + std::fmt::Debug,
    R: std::fmt::Debug,
{
    let (got_code, got_message) = error_of(result);
    assert_eq!(got_code, code, "error code (message: {got_message})");
    assert!(
        got_message.starts_with(prefix),
        "message {got_message:?} should start with {prefix:?}"
    );
}

// ---- raw HTTP ----

/// A response read off the wire.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`), read to the end.
/// Runs on the blocking pool so the in-process server keeps running on the test's runtime.
pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> RawResponse {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for (k, v) in headers {
        request.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(&request).expect("send request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read response");
        parse_response(&raw)
    })
    .await
    .expect("raw request task")
}

fn parse_response(raw: &[u8]) -> RawResponse {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete header block");
    let head = std::str::from_utf8(&raw[..end]).expect("ASCII headers");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        match headers.iter().find(|(k, _)| k == "content-length") {
            Some((_, len)) => rest[..len.parse::<usize>().unwrap()].to_vec(),
            None => rest.to_vec(),
        }
    };
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = std::str::from_utf8(&rest[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        rest = &rest[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// The SigV4 headers an SDK sends, with a signature nobody checks.
pub const SIGV4_HEADERS: [(&str, &str); 2] = [
    (
        "Authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
    ),
    ("X-Amz-Date", "20260101T000000Z"),
];

/// A DynamoDB JSON 1.0 POST of `body` for `target` (`DynamoDB_20120810.Op`), with
/// SigV4-shaped headers.
pub async fn post_target(addr: SocketAddr, target: Option<&str>, body: &[u8]) -> RawResponse {
    let mut headers = vec![("Content-Type", "application/x-amz-json-1.0")];
    headers.extend(SIGV4_HEADERS);
    if let Some(t) = target {
        headers.push(("X-Amz-Target", t));
    }
    raw_request(addr, "POST", "/", &headers, body).await
}

//! The wire protocol seen raw: headers, checksums, status codes, and the operator endpoints.
//! Always in-process: it tests the emulator's own HTTP surface.

use emulator::Config;

use crate::util::*;

const JSON_1_0: &str = "application/x-amz-json-1.0";

async fn harness() -> Harness {
    Harness::start_with(Config::ephemeral()).await
}

fn assert_request_id(r: &RawResponse) {
    let id = r.header("x-amzn-requestid").expect("x-amzn-RequestId");
    assert_eq!(id.len(), 52, "{id}");
    assert!(
        id.bytes()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()),
        "{id}"
    );
}

fn assert_crc32(r: &RawResponse) {
    let crc: u32 = r
        .header("x-amz-crc32")
        .expect("x-amz-crc32")
        .parse()
        .expect("a decimal CRC32");
    assert_eq!(
        crc,
        crc32fast::hash(&r.body),
        "CRC32 of the exact body bytes"
    );
}

#[tokio::test]
async fn success_has_json_content_type_request_id_and_body_crc32() {
    let h = harness().await;
    let r = post_target(h.addr(), Some("DynamoDB_20120810.ListTables"), b"{}").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some(JSON_1_0));
    assert_request_id(&r);
    assert_crc32(&r);
    assert_eq!(r.json(), serde_json::json!({"TableNames": []}));
}

#[tokio::test]
async fn request_ids_are_fresh_per_request() {
    let h = harness().await;
    let a = post_target(h.addr(), Some("DynamoDB_20120810.ListTables"), b"{}").await;
    let b = post_target(h.addr(), Some("DynamoDB_20120810.ListTables"), b"{}").await;
    assert_ne!(a.header("x-amzn-requestid"), b.header("x-amzn-requestid"));
}

#[tokio::test]
async fn crc32_covers_non_ascii_bodies() {
    let h = harness().await;
    create_hash_table(
        &h.client,
        "tbl",
        "id",
        aws_sdk_dynamodb::types::ScalarAttributeType::S,
    )
    .await;
    h.client
        .put_item()
        .table_name("tbl")
        .item("id", s("ключ ✓ 🚀"))
        .item("v", s("\u{0}\"\\ é"))
        .send()
        .await
        .unwrap();
    let r = post_target(
        h.addr(),
        Some("DynamoDB_20120810.Scan"),
        br#"{"TableName":"tbl"}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_crc32(&r);
    let body = r.json();
    assert_eq!(body["Items"][0]["id"]["S"], "ключ ✓ 🚀");
    assert_eq!(body["Items"][0]["v"]["S"], "\u{0}\"\\ é");
}

#[tokio::test]
async fn service_errors_are_400_with_a_namespaced_type_and_crc32() {
    let h = harness().await;
    let r = post_target(
        h.addr(),
        Some("DynamoDB_20120810.GetItem"),
        br#"{"TableName":"nope","Key":{"id":{"S":"a"}}}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some(JSON_1_0));
    assert_request_id(&r);
    assert_crc32(&r);
    let body = r.json();
    assert_eq!(
        body["__type"],
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    assert_eq!(body["message"], "Requested resource not found");
}

#[tokio::test]
async fn validation_errors_use_the_coral_validate_namespace() {
    let h = harness().await;
    create_hash_table(
        &h.client,
        "tbl",
        "id",
        aws_sdk_dynamodb::types::ScalarAttributeType::S,
    )
    .await;
    let r = post_target(
        h.addr(),
        Some("DynamoDB_20120810.GetItem"),
        br#"{"TableName":"tbl","Key":{"id":{"N":"1"}}}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    assert_crc32(&r);
    let body = r.json();
    assert_eq!(
        body["__type"],
        "com.amazon.coral.validate#ValidationException"
    );
    assert_eq!(
        body["message"],
        "The provided key element does not match the schema"
    );
}

#[tokio::test]
async fn conditional_check_failures_are_400() {
    let h = harness().await;
    create_hash_table(
        &h.client,
        "tbl",
        "id",
        aws_sdk_dynamodb::types::ScalarAttributeType::S,
    )
    .await;
    let body = br#"{"TableName":"tbl","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_exists(id)"}"#;
    let r = post_target(h.addr(), Some("DynamoDB_20120810.PutItem"), body).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json()["__type"],
        "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"
    );
}

#[tokio::test]
async fn get_item_of_an_absent_key_answers_an_empty_object() {
    let h = harness().await;
    create_hash_table(
        &h.client,
        "tbl",
        "id",
        aws_sdk_dynamodb::types::ScalarAttributeType::S,
    )
    .await;
    let r = post_target(
        h.addr(),
        Some("DynamoDB_20120810.GetItem"),
        br#"{"TableName":"tbl","Key":{"id":{"S":"absent"}}}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({}));
}

#[tokio::test]
async fn health_answers_ok() {
    let h = harness().await;
    let r = raw_request(h.addr(), "GET", "/health", &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"status": "ok"}));
}

#[tokio::test]
async fn metrics_count_requests_and_errors_by_operation() {
    let h = harness().await;
    h.client.list_tables().send().await.unwrap();
    h.client.list_tables().send().await.unwrap();
    let _ = h.client.describe_table().table_name("missing").send().await;
    let r = raw_request(h.addr(), "GET", "/metrics", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain"),
        "{:?}",
        r.header("content-type")
    );
    let text = r.text();
    assert!(
        text.lines()
            .any(|l| l == "drydock_requests_total{service=\"dynamodb\",operation=\"ListTables\"} 2"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l
            == "drydock_errors_total{service=\"dynamodb\",operation=\"DescribeTable\",code=\"ResourceNotFoundException\"} 1"),
        "{text}"
    );
    assert!(text.contains("drydock_request_duration_seconds_bucket{service=\"dynamodb\",operation=\"ListTables\",le=\"+Inf\"} 2"));
}

#[tokio::test]
async fn unknown_paths_and_methods_are_not_served() {
    let h = harness().await;
    let r = raw_request(h.addr(), "GET", "/nothing-here", &[], b"").await;
    assert_eq!(r.status, 404);
    let r = raw_request(h.addr(), "GET", "/", &[], b"").await;
    assert!(
        r.status == 404 || r.status == 405,
        "GET / is not an API call: {}",
        r.status
    );
}

#[tokio::test]
async fn unsigned_requests_are_missing_an_authentication_token() {
    let h = harness().await;
    let headers = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", "DynamoDB_20120810.ListTables"),
    ];
    let r = raw_request(h.addr(), "POST", "/", &headers, b"{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        serde_json::json!({
            "__type": "com.amazon.coral.service#MissingAuthenticationTokenException",
            "message": "Request is missing Authentication Token",
        })
    );
}

#[tokio::test]
async fn a_signature_without_a_date_is_incomplete() {
    let h = harness().await;
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0";
    let headers = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", "DynamoDB_20120810.ListTables"),
        ("Authorization", auth),
    ];
    let r = raw_request(h.addr(), "POST", "/", &headers, b"{}").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        serde_json::json!({
            "__type": "com.amazon.coral.service#IncompleteSignatureException",
            "message": format!("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={auth}"),
        })
    );
}

#[tokio::test]
async fn malformed_json_is_reported_before_a_missing_signature() {
    let h = harness().await;
    let headers = [
        ("Content-Type", "application/x-amz-json-1.0"),
        ("X-Amz-Target", "DynamoDB_20120810.ListTables"),
    ];
    let r = raw_request(h.addr(), "POST", "/", &headers, b"{\"TableName\":").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        serde_json::json!({ "__type": "com.amazon.coral.service#SerializationException" })
    );
}

#[tokio::test]
async fn bodies_over_16_mb_are_refused_with_413() {
    let h = harness().await;
    let body = vec![b' '; 16 * 1024 * 1024 + 1];
    let r = post_target(h.addr(), Some("DynamoDB_20120810.ListTables"), &body).await;
    assert_eq!(r.status, 413);
    assert!(r.body.is_empty());
}

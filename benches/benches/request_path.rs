//! GetItem and PutItem through the whole in-process request path (router, decode, storage,
//! encode, checksum), without a socket: what the emulator adds above the HTTP floor.

use std::hint::black_box;

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use emulator::{Config, Emulator};
use tower::ServiceExt;

const ITEMS: usize = 10_000;

fn request(operation: &str, body: String) -> Request<Body> {
    Request::post("/")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("DynamoDB_20120810.{operation}"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
        )
        .header("x-amz-date", "20260101T000000Z")
        .body(Body::from(body))
        .unwrap()
}

async fn call(router: &axum::Router, operation: &str, body: String) {
    let response = router
        .clone()
        .oneshot(request(operation, body))
        .await
        .unwrap();
    assert!(response.status().is_success(), "{operation} failed");
    axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
}

fn put_body(key: &str) -> String {
    format!(
        r#"{{"TableName":"bench","Item":{{"pk":{{"S":"{key}"}},"payload":{{"S":"{}"}}}}}}"#,
        "x".repeat(200)
    )
}

async fn load(router: &axum::Router) {
    call(
        router,
        "CreateTable",
        r#"{"TableName":"bench","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#.into(),
    )
    .await;
    for i in 0..ITEMS {
        call(router, "PutItem", put_body(&format!("user-{i:06}"))).await;
    }
}

fn bench_request_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let data_dir = tempfile::tempdir().unwrap();
    for (label, config) in [
        ("memory", Config::ephemeral()),
        ("durable", Config::ephemeral_on_disk(data_dir.path())),
    ] {
        let running = runtime.block_on(Emulator::start(config)).unwrap();
        let router = running.router();
        runtime.block_on(load(&router));

        let mut i = 0usize;
        c.bench_function(&format!("request_path/get_item/{label}"), |b| {
            b.to_async(&runtime).iter(|| {
                i = (i + 7919) % ITEMS;
                let body =
                    format!(r#"{{"TableName":"bench","Key":{{"pk":{{"S":"user-{i:06}"}}}}}}"#);
                let router = &router;
                async move { call(router, "GetItem", black_box(body)).await }
            })
        });

        let mut n = 0usize;
        c.bench_function(&format!("request_path/put_item/{label}"), |b| {
            b.to_async(&runtime).iter(|| {
                n += 1;
                let body = put_body(&format!("write-{n:09}"));
                let router = &router;
                async move { call(router, "PutItem", black_box(body)).await }
            })
        });
        runtime.block_on(running.shutdown());
    }
}

criterion_group!(benches, bench_request_path);
criterion_main!(benches);

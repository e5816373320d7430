//! The seed's drift query (in Timestream's dialect) over 1M and 10M points of the last
//! hour, through the whole in-process request path: Query's decode, SQL planning, the scan
//! of the in-memory columns, DataFusion's aggregation and the encoded answer.
//!
//! The points are written first through WriteRecords (100 records a request) into an
//! in-memory store: 1,000 series (`model_id` × `feature`) of `prediction_accuracy`, evenly
//! spread over the last 55 minutes. `DRIFT_POINTS=1000000` picks one size.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use emulator::{Config, Emulator};
use tower::ServiceExt;

const SERIES: usize = 1_000;
const DRIFT: &str = "SELECT measure_name, bin(time, 5m) AS bucket, \
    avg(measure_value::double) AS avg_value, stddev(measure_value::double) AS std_dev \
    FROM \"ml-monitoring\".\"metrics\" \
    WHERE measure_name = 'prediction_accuracy' AND time > ago(1h) \
    GROUP BY measure_name, bin(time, 5m) ORDER BY bucket";

fn request(operation: &str, body: String) -> Request<Body> {
    Request::post("/")
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("Timestream_20181101.{operation}"))
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/timestream/aws4_request, SignedHeaders=host, Signature=0",
        )
        .header("x-amz-date", "20260101T000000Z")
        .body(Body::from(body))
        .unwrap()
}

async fn call(router: &axum::Router, operation: &str, body: String) -> Vec<u8> {
    let response = router
        .clone()
        .oneshot(request(operation, body))
        .await
        .unwrap();
    let ok = response.status().is_success();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(
        ok,
        "{operation} failed: {}",
        String::from_utf8_lossy(&bytes)
    );
    bytes.to_vec()
}

async fn load(router: &axum::Router, points: usize) {
    call(
        router,
        "CreateDatabase",
        r#"{"DatabaseName":"ml-monitoring"}"#.into(),
    )
    .await;
    call(
        router,
        "CreateTable",
        r#"{"DatabaseName":"ml-monitoring","TableName":"metrics"}"#.into(),
    )
    .await;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let per_series = points / SERIES;
    let span_ms = 55 * 60 * 1000;
    let step_ms = (span_ms / per_series as u64).max(1);
    let mut records = Vec::with_capacity(100);
    for point in 0..per_series {
        let time = now_ms - span_ms + point as u64 * step_ms;
        for series in 0..SERIES {
            let value = 0.9 + ((point * 31 + series * 17) % 100) as f64 / 1000.0;
            records.push(format!(
                r#"{{"Dimensions":[{{"Name":"model_id","Value":"model-{}"}},{{"Name":"feature","Value":"f{}"}}],"MeasureValue":"{value}","Time":"{time}"}}"#,
                series / 50,
                series % 50
            ));
            if records.len() == 100 {
                let body = format!(
                    r#"{{"DatabaseName":"ml-monitoring","TableName":"metrics","CommonAttributes":{{"MeasureName":"prediction_accuracy","MeasureValueType":"DOUBLE"}},"Records":[{}]}}"#,
                    records.join(",")
                );
                call(router, "WriteRecords", body).await;
                records.clear();
            }
        }
    }
}

fn bench_drift_query(c: &mut Criterion) {
    let sizes: Vec<usize> = match std::env::var("DRIFT_POINTS") {
        Ok(n) => vec![n.parse().expect("DRIFT_POINTS is a number of points")],
        Err(_) => vec![1_000_000, 10_000_000],
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("drift_query");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for points in sizes {
        let running = runtime
            .block_on(Emulator::start(Config::ephemeral()))
            .unwrap();
        let router = running.router();
        runtime.block_on(load(&router, points));
        let body = serde_json::json!({ "QueryString": DRIFT }).to_string();
        let answer = runtime.block_on(call(&router, "Query", body.clone()));
        let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
        let buckets = answer["Rows"].as_array().map_or(0, Vec::len);
        assert!((11..=12).contains(&buckets), "{answer}");
        group.bench_function(format!("{points}_points"), |b| {
            b.to_async(&runtime).iter(|| {
                let router = &router;
                let body = body.clone();
                async move { black_box(call(router, "Query", body).await) }
            })
        });
        runtime.block_on(running.shutdown());
    }
    group.finish();
}

criterion_group!(benches, bench_drift_query);
criterion_main!(benches);

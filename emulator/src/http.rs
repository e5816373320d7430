//! The HTTP surface: one router for every service on the emulator's one port.
//!
//! `POST /` carries the AWS JSON 1.0 services, told apart by the `X-Amz-Target` prefix;
//! `/registry/v1/...` is the model registry; `/health` and `/metrics` serve operators.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Response, StatusCode, header};
use axum::routing::{get, post};

use crate::aws::{self, HEADER_TARGET};
use crate::dynamodb;
use crate::dynamodb_streams;
use crate::registry;
use crate::state::AppState;
use crate::timestream;

/// Bodies beyond this are refused before parsing. DynamoDB's own request limit is 16 MB
/// (a BatchWriteItem of 25 items of 400 KB plus overhead fits well within it).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", post(aws_json))
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .merge(registry::routes())
        .with_state(state)
}

/// Dispatches an awsJson1_0 request on the service prefix of `X-Amz-Target`.
async fn aws_json(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response<Body> {
    let started = Instant::now();
    let body = match body {
        Ok(body) => body,
        // Past the size limit the front end answers 413 with an empty body.
        Err(rejection) => {
            return Response::builder()
                .status(rejection.status())
                .body(Body::empty())
                .expect("static response");
        }
    };
    let Some(target) = headers.get(HEADER_TARGET).and_then(|v| v.to_str().ok()) else {
        return unknown_operation();
    };
    let Some((service, operation)) = target.split_once('.') else {
        return unknown_operation();
    };
    if ![
        dynamodb::TARGET_PREFIX,
        dynamodb_streams::TARGET_PREFIX,
        timestream::TARGET_PREFIX,
    ]
    .contains(&service)
    {
        return unknown_operation();
    }
    let region = match aws::signed_region(&headers) {
        Ok(region) => region.unwrap_or(&state.config.region),
        Err(failure) => return refused(&failure, &body),
    };
    match service {
        timestream::TARGET_PREFIX => {
            timestream::handle(&state, region, operation, body, started).await
        }
        dynamodb_streams::TARGET_PREFIX => {
            dynamodb_streams::handle(&state, region, operation, body, started).await
        }
        _ => dynamodb::handle(&state, region, operation, body, started).await,
    }
}

/// An unsigned request is refused, except that a body that isn't JSON at all is reported as
/// such first: the service parses before it looks at the signature.
fn refused(failure: &aws::AuthFailure, body: &[u8]) -> Response<Body> {
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        return aws::error_response(
            400,
            "com.amazon.coral.service#SerializationException",
            "",
            true,
        );
    }
    aws::error_response(400, failure.type_name(), failure.message(), true)
}

/// A missing `X-Amz-Target` or one naming no service here: the answer the AWS front end
/// gives, which carries no message.
fn unknown_operation() -> Response<Body> {
    aws::error_response(
        400,
        "com.amazon.coral.service#UnknownOperationException",
        "",
        false,
    )
}

async fn health(State(state): State<Arc<AppState>>) -> Response<Body> {
    let (status, body) = match state.store.read() {
        Ok(_) => (StatusCode::OK, r#"{"status":"ok"}"#),
        Err(e) => {
            tracing::error!(error = %e, "health check cannot read storage");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"storage unavailable"}"#,
            )
        }
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("static response")
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response<Body> {
    let writer = state.store.writer_stats();
    let throttled = crate::metrics::Counter {
        name: "drydock_throttled_total",
        help: "DynamoDB requests refused, and batch requests left unprocessed, for want of \
               capacity (--throttle), by region, table and operation.",
        samples: state
            .dynamodb
            .throttle
            .throttled_counts()
            .into_iter()
            .map(|(region, table, operation, n)| {
                let labels = format!(
                    "service=\"dynamodb\",region=\"{region}\",table=\"{table}\",operation=\"{operation}\""
                );
                (labels, n)
            })
            .collect(),
    };
    let cache = state.registry.cache_stats();
    let cache_counter =
        |name, help, pick: fn(&registry::CacheStats) -> u64| crate::metrics::Counter {
            name,
            help,
            samples: cache
                .iter()
                .map(|c| (format!("cache=\"{}\"", c.name), pick(c)))
                .collect(),
        };
    let cache_hits = cache_counter(
        "drydock_registry_cache_hits_total",
        "Model-registry lookups answered from the read cache, by cache.",
        |c| c.hits,
    );
    let cache_misses = cache_counter(
        "drydock_registry_cache_misses_total",
        "Model-registry lookups the read cache could not answer, by cache.",
        |c| c.misses,
    );
    let (hits, lookups) = cache
        .iter()
        .fold((0, 0), |(h, n), c| (h + c.hits, n + c.hits + c.misses));
    let hit_ratio = if lookups == 0 {
        0.0
    } else {
        hits as f64 / lookups as f64
    };
    let text = state.metrics.render(
        &[
            (
                "drydock_storage_file_bytes",
                "Size of the database file in bytes.",
                state.store.file_size() as f64,
            ),
            (
                "drydock_storage_commits",
                "Write transactions committed by the group-commit writer.",
                writer.commits as f64,
            ),
            (
                "drydock_storage_mutations",
                "Mutations applied by the group-commit writer.",
                writer.mutations as f64,
            ),
            (
                "drydock_registry_cache_hit_ratio",
                "Share of model-registry cache lookups answered from the cache.",
                hit_ratio,
            ),
        ],
        &[throttled, cache_hits, cache_misses],
    );
    Response::builder()
        .header(header::CONTENT_TYPE, "text/plain; version=0.0.4")
        .body(Body::from(text))
        .expect("static response")
}

//! The model registry over plain HTTP, split by concern.
//!
//! - `native`: the `/registry/v1` API: rows, errors, ETags, the lifecycle, durability.
//! - `mlflow`: the MLflow registry API: its errors, and its mapping onto the rows.
//! - `search`: search filters, the indexes behind them, pagination, the read cache.

mod mlflow;
mod native;
mod search;

use std::net::SocketAddr;

use serde_json::Value;

use crate::util::{RawResponse, raw_request};

/// A JSON request to the registry; `body` None sends none.
pub async fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> RawResponse {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    let bytes = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    raw_request(addr, method, path, &all, &bytes).await
}

pub async fn get(addr: SocketAddr, path: &str) -> RawResponse {
    call(addr, "GET", path, &[], None).await
}

/// Creates a model version; panics unless it answers 201.
pub async fn create(addr: SocketAddr, body: Value) -> Value {
    let response = call(addr, "POST", "/registry/v1/models", &[], Some(&body)).await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()
}

/// Asserts the registry's error shape, status, code and message.
#[track_caller]
pub fn assert_error(response: &RawResponse, status: u16, code: &str, message: &str) {
    assert_eq!(
        (response.status, response.json()),
        (
            status,
            serde_json::json!({"error": {"code": code, "message": message}})
        ),
        "status and error body"
    );
}

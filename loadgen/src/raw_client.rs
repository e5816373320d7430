//! A lean DynamoDB client for endpoints that do not verify signatures (the emulator,
//! DynamoDB Local and the like): JSON bodies behind request heads serialized once per
//! operation, with SigV4-shaped headers, over the pooled keep-alive connections of
//! [`http1`](crate::http1), so that the generator, not the SDK's per-request signing and
//! serialization, sets how much load one core can drive. Real AWS needs the SDK client.

use std::sync::Arc;

use anyhow::{Result, bail};
use axum::http::StatusCode;
use bytes::Bytes;

use crate::http1::{self, Head};

/// The operations the load sends, each with its request head built once.
const OPERATIONS: [&str; 5] = ["GetItem", "Query", "BatchGetItem", "PutItem", "UpdateItem"];

#[derive(Clone)]
pub struct RawClient {
    http: http1::Client,
    heads: Arc<[(&'static str, Head)]>,
}

impl RawClient {
    pub fn new(endpoint: &str, region: &str) -> Result<RawClient> {
        let http = http1::Client::new(endpoint)?;
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDLOADGEN/20260101/{region}/dynamodb/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-target, Signature=0"
        );
        let heads = OPERATIONS
            .iter()
            .map(|&operation| {
                let target = format!("DynamoDB_20120810.{operation}");
                let head = http.head(
                    "POST",
                    "/",
                    &[
                        ("content-type", "application/x-amz-json-1.0"),
                        ("x-amz-target", &target),
                        ("x-amz-date", "20260101T000000Z"),
                        ("authorization", &authorization),
                    ],
                );
                (operation, head)
            })
            .collect();
        Ok(RawClient { http, heads })
    }

    /// Sends one DynamoDB operation and reads its whole answer; the answer's body when the
    /// status is 200, an error naming the status and body otherwise.
    pub async fn call(&self, operation: &str, body: &[u8]) -> Result<Bytes> {
        self.call_with(operation, |out| out.extend_from_slice(body))
            .await
    }

    /// [`call`](Self::call) with the body written by `write_body` straight into the
    /// request's buffer.
    pub async fn call_with(
        &self,
        operation: &str,
        write_body: impl FnOnce(&mut Vec<u8>),
    ) -> Result<Bytes> {
        let Some((_, head)) = self.heads.iter().find(|(name, _)| *name == operation) else {
            bail!("the raw client does not send {operation}");
        };
        let response = self.http.send_with(head, write_body).await?;
        if !response.is_success() {
            let status = StatusCode::from_u16(response.status)?;
            bail!("{status}: {}", String::from_utf8_lossy(&response.body));
        }
        Ok(response.body)
    }
}

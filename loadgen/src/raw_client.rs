//! A lean DynamoDB client for endpoints that do not verify signatures (the emulator,
//! DynamoDB Local and the like): pre-built JSON bodies over pooled HTTP/1.1 connections with
//! SigV4-shaped headers, so that the generator, not the SDK's per-request signing and
//! serialization, sets how much load one core can drive. Real AWS needs the SDK client.

use anyhow::{Result, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::http::uri::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

#[derive(Clone)]
pub struct RawClient {
    client: Client<HttpConnector, Full<Bytes>>,
    uri: Uri,
    authorization: String,
}

impl RawClient {
    pub fn new(endpoint: &str, region: &str) -> Result<RawClient> {
        let uri: Uri = endpoint.parse()?;
        if uri.scheme_str() != Some("http") {
            bail!("the raw client speaks plain HTTP only; use --client sdk for {endpoint}");
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(usize::MAX)
            .build(connector);
        Ok(RawClient {
            client,
            uri,
            authorization: format!(
                "AWS4-HMAC-SHA256 Credential=AKIDLOADGEN/20260101/{region}/dynamodb/aws4_request, \
                 SignedHeaders=host;x-amz-date;x-amz-target, Signature=0"
            ),
        })
    }

    /// Sends one DynamoDB operation and reads its whole answer; the answer's body when the
    /// status is 200, an error naming the status and body otherwise.
    pub async fn call(&self, operation: &str, body: String) -> Result<Bytes> {
        let request = Request::post(self.uri.clone())
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDB_20120810.{operation}"))
            .header("x-amz-date", "20260101T000000Z")
            .header("authorization", &self.authorization)
            .body(Full::new(Bytes::from(body)))?;
        let response = self.client.request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("{status}: {}", String::from_utf8_lossy(&body));
        }
        Ok(body)
    }
}

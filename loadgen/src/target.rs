//! Where the load goes, and the official SDK clients that reach it: an endpoint URL (the
//! embedded emulator, a running one, DynamoDB Local) with static credentials, or real AWS
//! with the default credential chain and Timestream's endpoint discovery. Retries are off
//! either way: a retry would hide a failure inside a longer latency.

use std::time::Duration;

use anyhow::{Context, Result};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

/// The system under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Any endpoint speaking the services' protocols over plain HTTP.
    Endpoint { url: String, region: String },
    /// Real AWS in `region`.
    Aws { region: String },
}

/// The SDK clients a run uses.
#[derive(Clone)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub timestream_write: aws_sdk_timestreamwrite::Client,
    pub timestream_query: aws_sdk_timestreamquery::Client,
}

impl Target {
    pub fn region(&self) -> &str {
        match self {
            Target::Endpoint { region, .. } | Target::Aws { region } => region,
        }
    }

    /// The SDK configuration for the target.
    pub async fn sdk_config(&self) -> SdkConfig {
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(Duration::from_secs(30))
            .build();
        match self {
            Target::Endpoint { url, region } => SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .region(Region::new(region.clone()))
                .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                    "AKIDLOADGEN",
                    "secret",
                    None,
                    None,
                    "loadgen",
                )))
                .endpoint_url(url)
                .http_client(aws_smithy_http_client::Builder::new().build_http())
                .retry_config(RetryConfig::disabled())
                .timeout_config(timeouts)
                .build(),
            Target::Aws { region } => {
                aws_config::defaults(BehaviorVersion::latest())
                    .region(Region::new(region.clone()))
                    .retry_config(RetryConfig::disabled())
                    .timeout_config(timeouts)
                    .load()
                    .await
            }
        }
    }

    /// The clients. Against AWS, Timestream's clients discover their endpoints (a task
    /// refreshes them while the clients live); against an endpoint URL they use it as is.
    pub async fn clients(&self) -> Result<Clients> {
        let config = self.sdk_config().await;
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let write = aws_sdk_timestreamwrite::Client::new(&config);
        let query = aws_sdk_timestreamquery::Client::new(&config);
        let (timestream_write, timestream_query) = match self {
            Target::Endpoint { .. } => (write, query),
            Target::Aws { .. } => {
                let (write, reload_write) = write
                    .with_endpoint_discovery_enabled()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))
                    .context("discovering Timestream's write endpoint")?;
                let (query, reload_query) = query
                    .with_endpoint_discovery_enabled()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))
                    .context("discovering Timestream's query endpoint")?;
                tokio::spawn(reload_write.reload_task());
                tokio::spawn(reload_query.reload_task());
                (write, query)
            }
        };
        Ok(Clients {
            dynamodb,
            timestream_write,
            timestream_query,
        })
    }
}

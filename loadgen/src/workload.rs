//! A scenario's workloads together: the feature-serving, registry and monitoring patterns
//! it uses, each set up before the load and each running its own operations.

use anyhow::{Context, Result};

use crate::feature_serving::FeatureServing;
use crate::monitoring::Monitoring;
use crate::plan::Planned;
use crate::raw_client::RawClient;
use crate::registry::Registry;
use crate::scenario::{Scenario, Service};
use crate::target::{Clients, Target};

/// How DynamoDB load is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamoDbClient {
    /// Pre-built requests over pooled connections (endpoints that do not verify signatures).
    Raw,
    /// The official SDK, signing every request.
    Sdk,
}

#[derive(Clone)]
pub struct Workload {
    feature_serving: Option<FeatureServing>,
    registry: Option<Registry>,
    monitoring: Option<Monitoring>,
}

impl Workload {
    /// The workloads `scenario` needs, reaching `target`; the registry is served at
    /// `registry_url` (by default the target's endpoint).
    pub async fn connect(
        scenario: &Scenario,
        target: &Target,
        dynamodb_client: DynamoDbClient,
        registry_url: Option<&str>,
    ) -> Result<Workload> {
        let Clients {
            dynamodb,
            timestream_write,
            timestream_query,
        } = target.clients().await?;
        let feature_serving = match &scenario.dynamodb {
            Some(table) => {
                let raw = match (dynamodb_client, target) {
                    (DynamoDbClient::Raw, Target::Endpoint { url, region }) => {
                        Some(RawClient::new(url, region)?)
                    }
                    (DynamoDbClient::Raw, Target::Aws { .. }) => anyhow::bail!(
                        "real AWS verifies signatures: use --client sdk with --target aws"
                    ),
                    (DynamoDbClient::Sdk, _) => None,
                };
                Some(FeatureServing::new(dynamodb, raw, table.clone()))
            }
            None => None,
        };
        let registry = match &scenario.registry {
            Some(setup) => {
                let url = match (registry_url, target) {
                    (Some(url), _) => url,
                    (None, Target::Endpoint { url, .. }) => url.as_str(),
                    (None, Target::Aws { .. }) => anyhow::bail!(
                        "the model registry is not an AWS API: give --registry-url (the \
                         emulator's, or a service of yours speaking /registry/v1)"
                    ),
                };
                Some(Registry::new(url, setup.clone(), scenario.seed)?)
            }
            None => None,
        };
        let monitoring = scenario
            .timestream
            .as_ref()
            .map(|setup| Monitoring::new(timestream_write, timestream_query, setup.clone()));
        Ok(Workload {
            feature_serving,
            registry,
            monitoring,
        })
    }

    /// Loads every workload's data, `concurrency` calls at a time each.
    pub async fn set_up(&self, concurrency: usize) -> Result<()> {
        if let Some(w) = &self.feature_serving {
            w.set_up(concurrency)
                .await
                .context("setting up the feature table")?;
        }
        if let Some(w) = &self.registry {
            w.set_up(concurrency)
                .await
                .context("setting up the model registry")?;
        }
        if let Some(w) = &self.monitoring {
            w.set_up(concurrency)
                .await
                .context("setting up the monitoring table")?;
        }
        Ok(())
    }

    /// Runs one planned operation; answers the capacity units it consumed as the service
    /// reported them (DynamoDB), as Timestream meters writes, or zero (the registry).
    pub async fn execute(&self, planned: &Planned) -> Result<f64> {
        let operation = planned.operation;
        let missing = || anyhow::anyhow!("{} has no workload set up", operation.name());
        match operation.service() {
            Service::DynamoDb => {
                let w = self.feature_serving.as_ref().ok_or_else(missing)?;
                w.execute(operation, &planned.keys, planned.sub_key).await
            }
            Service::Registry => {
                let w = self.registry.as_ref().ok_or_else(missing)?;
                w.execute(operation, planned.keys[0], planned.sub_key).await
            }
            Service::Timestream => {
                let w = self.monitoring.as_ref().ok_or_else(missing)?;
                w.execute(operation, planned.keys.first().copied().unwrap_or(0))
                    .await
            }
        }
    }
}

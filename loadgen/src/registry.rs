//! The model-registry pattern on the seed's `model_registry` rows, through the registry's
//! REST API (`/registry/v1`): serving nodes resolve models by (name, version) and ask for the
//! version in production, discovery searches by tag and status, training registers new
//! versions and releases promote them along the lifecycle.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::http1;
use crate::scenario::{Operation, RegistrySetup};

/// The lifecycle, in promotion order.
const LIFECYCLE: [&str; 4] = ["draft", "testing", "staging", "production"];

/// The registry's rows and an HTTP client for its API.
#[derive(Clone)]
pub struct Registry {
    /// Reaches `/registry/v1` at the endpoint.
    http: http1::Client,
    setup: RegistrySetup,
    /// Names versions created during the run apart from the set-up's and other runs'.
    run_id: u64,
    created: Arc<AtomicU64>,
    /// Versions waiting for promotion (model_id and lifecycle step), oldest first.
    candidates: Arc<Mutex<VecDeque<(String, usize)>>>,
}

pub fn model_name(index: u64) -> String {
    format!("model-{index:05}")
}

/// The set-up's version labels are 1..=versions_per_model.
pub fn version_label(index: u64) -> String {
    (index + 1).to_string()
}

pub fn tag(index: u64) -> String {
    format!("team:{index:03}")
}

impl Registry {
    /// A client for the registry served at `endpoint` (scheme, host and port).
    pub fn new(endpoint: &str, setup: RegistrySetup, seed: u64) -> Result<Registry> {
        Ok(Registry {
            http: http1::Client::new(&format!("{}/registry/v1", endpoint.trim_end_matches('/')))?,
            setup,
            run_id: seed ^ std::process::id() as u64,
            created: Arc::new(AtomicU64::new(0)),
            candidates: Arc::default(),
        })
    }

    /// The tags of a version: `tags_per_version` distinct tags of the pool.
    fn tags(&self, model: u64, version: u64) -> Vec<String> {
        let start = (model * 7 + version * 3) % self.setup.tag_pool;
        (0..self.setup.tags_per_version)
            .map(|i| tag((start + i) % self.setup.tag_pool))
            .collect()
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Result<Value> {
        let head = self.http.head(
            method.as_str(),
            path,
            &[("content-type", "application/json")],
        );
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let response = self.http.send(&head, body.as_bytes()).await?;
        if !response.is_success() {
            let status = StatusCode::from_u16(response.status)?;
            bail!("{status}: {}", String::from_utf8_lossy(&response.body));
        }
        Ok(serde_json::from_slice(&response.body)?)
    }

    async fn create(&self, model: u64, version: &str, tags: Vec<String>) -> Result<String> {
        let row = self
            .send(
                Method::POST,
                "/models",
                Some(json!({
                    "model_name": model_name(model),
                    "version": version,
                    "owner": "loadgen",
                    "tags": tags,
                    "metadata": {"framework": "xgboost", "auc": 0.91},
                })),
            )
            .await?;
        row["model_id"]
            .as_str()
            .map(str::to_owned)
            .context("the created row has no model_id")
    }

    async fn transition(&self, model_id: &str, step: usize) -> Result<()> {
        self.send(
            Method::POST,
            &format!("/models/{model_id}/transitions"),
            Some(json!({"status": LIFECYCLE[step], "changed_by": "loadgen"})),
        )
        .await?;
        Ok(())
    }

    /// Registers every model's versions (each moved along the lifecycle: the newest to
    /// production, the one before to staging, the rest left in draft and queued as
    /// candidates for promotion), `concurrency` models at a time.
    pub async fn set_up(&self, concurrency: usize) -> Result<()> {
        let mut models = 0..self.setup.models;
        let mut in_flight = tokio::task::JoinSet::new();
        loop {
            while in_flight.len() < concurrency.max(1) {
                let Some(model) = models.next() else { break };
                let this = self.clone();
                in_flight.spawn(async move { this.set_up_model(model).await });
            }
            match in_flight.join_next().await {
                Some(done) => done.context("a loading task panicked")??,
                None => return Ok(()),
            }
        }
    }

    async fn set_up_model(&self, model: u64) -> Result<()> {
        let versions = self.setup.versions_per_model;
        for version in 0..versions {
            let id = self
                .create(model, &version_label(version), self.tags(model, version))
                .await
                .with_context(|| format!("registering {} {}", model_name(model), version + 1))?;
            let target = match versions - 1 - version {
                0 => 3,
                1 => 2,
                _ => 0,
            };
            for step in 1..=target {
                self.transition(&id, step).await?;
            }
            if target == 0 {
                lock(&self.candidates).push_back((id, 0));
            }
        }
        Ok(())
    }

    /// Runs one operation on `model` and its `version` (an index into the set-up's).
    pub async fn execute(&self, operation: Operation, model: u64, version: u64) -> Result<f64> {
        let name = model_name(model);
        match operation {
            Operation::GetModelVersion => {
                self.send(
                    Method::GET,
                    &format!("/names/{name}/versions/{}", version_label(version)),
                    None,
                )
                .await?;
            }
            Operation::LatestProduction => {
                self.send(Method::GET, &format!("/names/{name}/latest"), None)
                    .await?;
            }
            Operation::SearchByTag => {
                let tag = tag((model + version) % self.setup.tag_pool);
                self.send(Method::GET, &format!("/models?tag={tag}&limit=50"), None)
                    .await?;
            }
            Operation::SearchByStatus => {
                self.send(Method::GET, "/models?status=staging&limit=50", None)
                    .await?;
            }
            Operation::CreateModelVersion => {
                let n = self.created.fetch_add(1, Ordering::Relaxed);
                let label = format!("run-{:x}-{n}", self.run_id);
                let id = self.create(model, &label, self.tags(model, n)).await?;
                lock(&self.candidates).push_back((id, 0));
            }
            Operation::PromoteModelVersion => {
                let next = lock(&self.candidates).pop_front();
                let Some((id, step)) = next else {
                    bail!("no version left in draft, testing or staging to promote");
                };
                self.transition(&id, step + 1).await?;
                if step + 1 < LIFECYCLE.len() - 1 {
                    lock(&self.candidates).push_back((id, step + 1));
                }
            }
            other => bail!("{} is not a registry operation", other.name()),
        }
        Ok(0.0)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

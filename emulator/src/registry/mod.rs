//! The model registry: the seed's `model_registry` table as a REST API (`/registry/v1`) and
//! as MLflow's registry API (`/api/2.0/mlflow/`), durable in redb, with a read cache in
//! front of its hot lookups.
//!
//! - `status`: the status column and the lifecycle moves allowed.
//! - `rows`: rows and their indexes in redb, written in one transaction.
//! - `ops`: the operations both APIs share (reads, and writes through the group-commit writer).
//! - `search`: index-driven search with cursor pagination.
//! - `cache`: the (model_name, version) and latest-in-production cache.
//! - `native`: the `/registry/v1` routes; `types`: their JSON shapes; `error`: their errors.
//! - `models`: registered models and aliases, the MLflow surface's own small tables.
//! - `mlflow`: MLflow's registry REST API (`/api/2.0/mlflow/`) over the same rows.
//! - `validate`, `clock`: the seed's column sizes; RFC 3339 times.

mod cache;
mod clock;
mod error;
mod mlflow;
mod models;
mod native;
mod ops;
mod rows;
mod search;
mod status;
mod types;
mod validate;

use std::sync::Arc;

use axum::Router;

use crate::state::AppState;
use crate::storage::{StorageError, Store};
pub use cache::CacheStats;

pub struct Registry {
    store: Arc<Store>,
    cache: cache::Cache,
}

impl Registry {
    pub fn open(store: Arc<Store>) -> Registry {
        Registry {
            store,
            cache: cache::Cache::default(),
        }
    }

    fn snapshot(&self) -> Result<rows::Snapshot, StorageError> {
        Ok(rows::Snapshot::new(self.store.read()?))
    }

    /// Hits and misses of each read cache.
    pub fn cache_stats(&self) -> [CacheStats; 2] {
        self.cache.stats()
    }
}

/// Every registry route, to merge into the server's router.
pub fn routes() -> Router<Arc<AppState>> {
    native::routes().merge(mlflow::routes())
}

//! `AppState`: what every request handler shares.

use crate::config::Config;
use crate::dynamodb::DynamoDb;
use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::storage::Store;
use crate::timestream::Timestream;
use std::sync::Arc;

pub struct AppState {
    pub config: Config,
    pub store: Arc<Store>,
    pub metrics: Metrics,
    pub dynamodb: Arc<DynamoDb>,
    pub timestream: Arc<Timestream>,
    pub registry: Registry,
}

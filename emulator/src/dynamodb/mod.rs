//! DynamoDB (`X-Amz-Target: DynamoDB_20120810.*`).
//!
//! A request is decoded into its operation's input type (`types`), run by the operation's
//! function in `ops/` and encoded back. Operations that read run inline on the async worker
//! (a point read costs about a microsecond); operations that write hand a closure to the
//! storage's group-commit writer.
//!
//! - `value`, `number`, `attribute_json`: the data model and its JSON form.
//! - `keys`: stored-key encoding (partition hash, partition key, sort key).
//! - `size`: item size as the service computes it.
//! - `item`, `capacity`: what the item operations share (keys, stored form, limits, member
//!   checks) and consumed capacity.
//! - `expr`: the expression language.
//! - `index`: secondary indexes: their definitions and entries.
//! - `catalog`: table descriptions, durable and cached.
//! - `page`: what Query and Scan share: their common checks and the page loop.
//! - `streams`: stream settings, the streams of each table, and their change records.
//! - `table_writer`: every item write, with what must change in the same transaction.
//! - `throttle`: capacity limits, when `--throttle` asks for them.
//! - `transaction`: TransactWriteItems' engine (all-or-nothing writes, cancellation
//!   reasons, idempotency tokens) and what TransactGetItems shares with it.
//! - `partiql`: PartiQL statements: lexer, parser, and the planner that maps them onto the
//!   operations above.
//! - `ttl`: Time to Live: the setting, expiry, and the background sweeper.
//! - `ops`: one file per operation.

pub mod attribute_json;
pub mod capacity;
pub mod catalog;
pub mod error;
pub mod expr;
pub mod index;
pub mod item;
pub mod json;
pub mod keys;
pub mod legacy;
pub mod number;
pub mod ops;
pub mod page;
pub mod partiql;
pub mod size;
pub mod streams;
pub mod table_writer;
pub mod throttle;
pub mod transaction;
pub mod ttl;
pub mod types;
pub mod value;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode};

use crate::aws;
use crate::config::Config;
use crate::state::AppState;
use crate::storage::{StorageError, Store};
use catalog::Catalog;
use error::{DynamoError, ErrorCode, Result};

/// The `X-Amz-Target` prefix of DynamoDB operations.
pub const TARGET_PREFIX: &str = "DynamoDB_20120810";

/// The service: its catalog and the store it writes to.
pub struct DynamoDb {
    pub(crate) store: Arc<Store>,
    pub(crate) catalog: Catalog,
    pub(crate) account_id: String,
    pub(crate) activation_delay: Duration,
    pub(crate) throttle: throttle::Throttle,
    /// How long stream records stay readable (`--stream-retention`).
    pub(crate) stream_retention: Duration,
    /// The server's `host:port`, once bound: what DescribeEndpoints names.
    endpoint_address: aws::EndpointAddress,
}

impl DynamoDb {
    pub fn open(store: Arc<Store>, config: &Config) -> std::result::Result<DynamoDb, StorageError> {
        let catalog = Catalog::load(&store)?;
        Ok(DynamoDb {
            store,
            catalog,
            account_id: config.account_id.clone(),
            activation_delay: config.table_activation_delay(),
            throttle: throttle::Throttle::new(config.throttle),
            stream_retention: config.stream_retention(),
            endpoint_address: aws::EndpointAddress::default(),
        })
    }

    /// Records the address the server listens on (`host:port`), which DescribeEndpoints
    /// answers with so that clients using endpoint discovery stay on the emulator. Only the
    /// first call counts.
    pub fn set_endpoint_address(&self, address: String) {
        self.endpoint_address.set(address);
    }

    pub(crate) fn endpoint_address(&self) -> Option<&str> {
        self.endpoint_address.get()
    }

    pub(crate) fn table_arn(&self, region: &str, table: &str) -> String {
        format!(
            "arn:aws:dynamodb:{region}:{}:table/{table}",
            self.account_id
        )
    }
}

impl From<StorageError> for DynamoError {
    fn from(e: StorageError) -> Self {
        tracing::error!(error = %e, "storage failure");
        DynamoError::internal("Internal server error")
    }
}

macro_rules! operations {
    ($($name:ident),* $(,)?) => {
        /// The operations this emulator answers, named as the service names them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Operation { $($name),* }

        impl Operation {
            pub fn from_name(name: &str) -> Option<Operation> {
                match name {
                    $(stringify!($name) => Some(Operation::$name),)*
                    _ => None,
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Operation::$name => stringify!($name),)*
                }
            }
        }
    };
}

operations!(
    BatchExecuteStatement,
    BatchGetItem,
    BatchWriteItem,
    CreateTable,
    DeleteItem,
    DeleteTable,
    DescribeEndpoints,
    DescribeLimits,
    DescribeTable,
    DescribeTimeToLive,
    ExecuteStatement,
    ExecuteTransaction,
    GetItem,
    ListTables,
    ListTagsOfResource,
    PutItem,
    Query,
    Scan,
    TagResource,
    TransactGetItems,
    TransactWriteItems,
    UntagResource,
    UpdateItem,
    UpdateTable,
    UpdateTimeToLive,
);

/// Answers one `DynamoDB_20120810.<operation>` request.
pub async fn handle(
    state: &AppState,
    region: &str,
    operation: &str,
    body: Bytes,
    started: Instant,
) -> Response<Body> {
    let Some(op) = Operation::from_name(operation) else {
        let e = DynamoError::new(ErrorCode::UnknownOperationException, "");
        return aws::json_response(StatusCode::BAD_REQUEST, e.to_body(), true);
    };
    let result = state.dynamodb.execute(region, op, &body).await;
    respond(state, "dynamodb", op.as_str(), result, started)
}

/// The HTTP answer to a DynamoDB or DynamoDB Streams operation (`service` names it in the
/// metrics), with the request's latency and any error recorded.
pub(crate) fn respond(
    state: &AppState,
    service: &'static str,
    operation: &'static str,
    result: Result<Vec<u8>>,
    started: Instant,
) -> Response<Body> {
    let response = match result {
        Ok(bytes) => aws::json_response(StatusCode::OK, bytes, true),
        Err(e) => {
            state
                .metrics
                .record_error(service, operation, e.code.as_str());
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            aws::json_response(status, e.to_body(), true)
        }
    };
    state.metrics.record(service, operation, started.elapsed());
    response
}

impl DynamoDb {
    async fn execute(&self, region: &str, op: Operation, body: &[u8]) -> Result<Vec<u8>> {
        match op {
            Operation::CreateTable => Ok(json::encode(
                &ops::create_table::create_table(self, region, json::decode(body)?).await?,
            )),
            Operation::DescribeTable => Ok(json::encode(
                &ops::describe_table::describe_table(self, region, json::decode(body)?).await?,
            )),
            Operation::ListTables => Ok(json::encode(
                &ops::list_tables::list_tables(self, region, json::decode(body)?).await?,
            )),
            Operation::DeleteTable => Ok(json::encode(
                &ops::delete_table::delete_table(self, region, json::decode(body)?).await?,
            )),
            Operation::UpdateTable => Ok(json::encode(
                &ops::update_table::update_table(self, region, json::decode(body)?).await?,
            )),
            Operation::UpdateTimeToLive => Ok(json::encode(
                &ops::update_time_to_live::update_time_to_live(self, region, json::decode(body)?)
                    .await?,
            )),
            Operation::DescribeTimeToLive => Ok(json::encode(
                &ops::describe_time_to_live::describe_time_to_live(
                    self,
                    region,
                    json::decode(body)?,
                )
                .await?,
            )),
            Operation::TagResource => Ok(json::encode(
                &ops::tag_resource::tag_resource(self, region, json::decode(body)?).await?,
            )),
            Operation::UntagResource => Ok(json::encode(
                &ops::untag_resource::untag_resource(self, region, json::decode(body)?).await?,
            )),
            Operation::ListTagsOfResource => Ok(json::encode(
                &ops::list_tags_of_resource::list_tags_of_resource(
                    self,
                    region,
                    json::decode(body)?,
                )
                .await?,
            )),
            Operation::DescribeEndpoints => Ok(json::encode(
                &ops::describe_endpoints::describe_endpoints(self, region, json::decode(body)?)
                    .await?,
            )),
            Operation::Query => {
                Ok(ops::query::query(self, region, json::decode_deferred(body)?)?.to_body())
            }
            Operation::Scan => {
                Ok(ops::scan::scan(self, region, json::decode_deferred(body)?)?.to_body())
            }
            Operation::DescribeLimits => Ok(json::encode(
                &ops::describe_limits::describe_limits(self, region, json::decode(body)?).await?,
            )),
            Operation::PutItem => Ok(json::encode(
                &ops::put_item::put_item(self, region, json::decode_deferred(body)?).await?,
            )),
            Operation::GetItem => {
                ops::get_item::get_item(self, region, json::decode_deferred(body)?)
            }
            Operation::UpdateItem => Ok(json::encode(
                &ops::update_item::update_item(self, region, json::decode_deferred(body)?).await?,
            )),
            Operation::DeleteItem => Ok(json::encode(
                &ops::delete_item::delete_item(self, region, json::decode_deferred(body)?).await?,
            )),
            Operation::BatchGetItem => {
                ops::batch_get_item::batch_get_item(self, region, json::decode_deferred(body)?)
            }
            Operation::BatchWriteItem => Ok(json::encode(
                &ops::batch_write_item::batch_write_item(
                    self,
                    region,
                    json::decode_deferred(body)?,
                )
                .await?,
            )),
            Operation::TransactWriteItems => Ok(json::encode(
                &ops::transact_write_items::transact_write_items(
                    self,
                    region,
                    json::decode_deferred(body)?,
                )
                .await?,
            )),
            Operation::ExecuteTransaction => {
                ops::execute_transaction::execute_transaction(
                    self,
                    region,
                    json::decode_deferred(body)?,
                )
                .await
            }
            Operation::BatchExecuteStatement => Ok(json::encode(
                &ops::batch_execute_statement::batch_execute_statement(
                    self,
                    region,
                    json::decode_deferred(body)?,
                )
                .await?,
            )),
            Operation::ExecuteStatement => Ok(ops::execute_statement::execute_statement(
                self,
                region,
                json::decode_deferred(body)?,
            )
            .await?
            .to_body()),
            Operation::TransactGetItems => ops::transact_get_items::transact_get_items(
                self,
                region,
                json::decode_deferred(body)?,
            ),
        }
    }
}

//! Timestream for LiveAnalytics, Write API (`X-Amz-Target: Timestream_20181101.*`).
//!
//! A request is decoded into its operation's input type (`types`), run by the operation's
//! function in `ops/` and encoded back, as for DynamoDB. Reads run inline on a redb
//! snapshot; writes hand a closure to the storage's group-commit writer, which re-checks
//! inside the write transaction everything the write depends on.
//!
//! - `catalog`: databases and tables, durable in redb.
//! - `records`: the stored records, their read API and the observers of their changes.
//! - `ingest`: WriteRecords' records read, merged with CommonAttributes and checked.
//! - `retention`: the sweeper thread removing records past their table's retention.
//! - `validate`: the front end's constraint messages, names, tags, resource ARNs.
//! - `ops`: one file per operation.

pub mod catalog;
pub mod error;
pub mod ingest;
pub mod json;
pub mod ops;
#[cfg(feature = "timestream-query")]
pub mod query;
pub mod records;
pub mod retention;
pub mod types;
pub mod validate;

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode};

use crate::aws;
use crate::config::Config;
use crate::state::AppState;
use crate::storage::{StorageError, Store};
use error::{ErrorCode, Result, TimestreamError};

/// The `X-Amz-Target` prefix of Timestream operations (Write and Query share it).
pub const TARGET_PREFIX: &str = "Timestream_20181101";

/// The service: the store it reads and writes, and what its answers name.
pub struct Timestream {
    pub(crate) store: Arc<Store>,
    pub(crate) account_id: String,
    endpoint_address: aws::EndpointAddress,
    pub(crate) observers: records::Observers,
    #[cfg(feature = "timestream-query")]
    pub(crate) query: query::QueryService,
}

impl Timestream {
    /// Opens the service on `store`; with the Query API, loads every table's records into
    /// its in-memory copy.
    pub fn open(
        store: Arc<Store>,
        config: &Config,
    ) -> std::result::Result<Timestream, StorageError> {
        let ts = Timestream {
            store,
            account_id: config.account_id.clone(),
            endpoint_address: aws::EndpointAddress::default(),
            observers: records::Observers::default(),
            #[cfg(feature = "timestream-query")]
            query: query::QueryService::default(),
        };
        #[cfg(feature = "timestream-query")]
        {
            // Observe first: a write committed while loading then arrives twice, harmlessly.
            ts.observe(Arc::clone(&ts.query.columns) as Arc<dyn records::RecordObserver>);
            let loaded = ts.query.columns.load(&ts.snapshot()?)?;
            tracing::info!(records = loaded, "Timestream records loaded for queries");
        }
        Ok(ts)
    }

    /// Registers `observer` to hear of every committed change to records (see
    /// `records::RecordObserver` for the order of notifications and how to apply them).
    pub fn observe(&self, observer: Arc<dyn records::RecordObserver>) {
        self.observers.register(observer);
    }

    /// Records the address the server listens on (`host:port`) for DescribeEndpoints.
    pub fn set_endpoint_address(&self, address: String) {
        self.endpoint_address.set(address);
    }

    pub(crate) fn endpoint_address(&self) -> Option<&str> {
        self.endpoint_address.get()
    }

    pub(crate) fn snapshot(&self) -> std::result::Result<catalog::Snapshot, StorageError> {
        Ok(catalog::Snapshot::new(self.store.read()?))
    }

    pub(crate) fn database_arn(&self, region: &str, database: &str) -> String {
        format!(
            "arn:aws:timestream:{region}:{}:database/{database}",
            self.account_id
        )
    }

    pub(crate) fn table_arn(&self, region: &str, database: &str, table: &str) -> String {
        format!(
            "arn:aws:timestream:{region}:{}:database/{database}/table/{table}",
            self.account_id
        )
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
    CreateDatabase,
    CreateTable,
    DeleteDatabase,
    DeleteTable,
    DescribeDatabase,
    DescribeEndpoints,
    DescribeTable,
    ListDatabases,
    ListTables,
    ListTagsForResource,
    TagResource,
    UntagResource,
    UpdateDatabase,
    UpdateTable,
    WriteRecords,
    Query,
    CancelQuery,
    PrepareQuery,
    DescribeAccountSettings,
    UpdateAccountSettings,
    CreateScheduledQuery,
    DeleteScheduledQuery,
    DescribeScheduledQuery,
    ExecuteScheduledQuery,
    ListScheduledQueries,
    UpdateScheduledQuery,
);

/// Answers one `Timestream_20181101.<operation>` request.
pub async fn handle(
    state: &AppState,
    region: &str,
    operation: &str,
    body: Bytes,
    started: Instant,
) -> Response<Body> {
    let Some(op) = Operation::from_name(operation) else {
        let e = TimestreamError::new(ErrorCode::UnknownOperationException, "");
        return aws::json_response(StatusCode::BAD_REQUEST, e.to_body(), false);
    };
    let response = match state.timestream.execute(region, op, &body).await {
        Ok(bytes) => aws::json_response(StatusCode::OK, bytes, false),
        Err(e) => {
            state
                .metrics
                .record_error("timestream", op.as_str(), e.code.as_str());
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            aws::json_response(status, e.to_body(), false)
        }
    };
    state
        .metrics
        .record("timestream", op.as_str(), started.elapsed());
    response
}

impl Timestream {
    async fn execute(&self, region: &str, op: Operation, body: &[u8]) -> Result<Vec<u8>> {
        use json::{decode, encode};
        match op {
            Operation::CreateDatabase => Ok(encode(
                &ops::create_database::create_database(self, region, decode(body)?).await?,
            )),
            Operation::DescribeDatabase => Ok(encode(&ops::describe_database::describe_database(
                self,
                region,
                decode(body)?,
            )?)),
            Operation::ListDatabases => Ok(encode(&ops::list_databases::list_databases(
                self,
                region,
                decode(body)?,
            )?)),
            Operation::UpdateDatabase => Ok(encode(
                &ops::update_database::update_database(self, region, decode(body)?).await?,
            )),
            Operation::DeleteDatabase => Ok(encode(
                &ops::delete_database::delete_database(self, region, decode(body)?).await?,
            )),
            Operation::CreateTable => Ok(encode(
                &ops::create_table::create_table(self, region, decode(body)?).await?,
            )),
            Operation::DescribeTable => Ok(encode(&ops::describe_table::describe_table(
                self,
                region,
                decode(body)?,
            )?)),
            Operation::ListTables => Ok(encode(&ops::list_tables::list_tables(
                self,
                region,
                decode(body)?,
            )?)),
            Operation::UpdateTable => Ok(encode(
                &ops::update_table::update_table(self, region, decode(body)?).await?,
            )),
            Operation::DeleteTable => Ok(encode(
                &ops::delete_table::delete_table(self, region, decode(body)?).await?,
            )),
            Operation::TagResource => Ok(encode(
                &ops::tag_resource::tag_resource(self, region, decode(body)?).await?,
            )),
            Operation::UntagResource => Ok(encode(
                &ops::untag_resource::untag_resource(self, region, decode(body)?).await?,
            )),
            Operation::ListTagsForResource => Ok(encode(
                &ops::list_tags_for_resource::list_tags_for_resource(self, region, decode(body)?)?,
            )),
            Operation::WriteRecords => Ok(encode(
                &ops::write_records::write_records(self, region, decode(body)?).await?,
            )),
            Operation::DescribeEndpoints => Ok(encode(
                &ops::describe_endpoints::describe_endpoints(self, region, decode(body)?),
            )),
            Operation::DescribeAccountSettings => Ok(encode(
                &ops::describe_account_settings::describe_account_settings(decode(body)?),
            )),
            Operation::Query | Operation::CancelQuery | Operation::PrepareQuery => {
                self.execute_query(region, op, body).await
            }
            Operation::UpdateAccountSettings
            | Operation::CreateScheduledQuery
            | Operation::DeleteScheduledQuery
            | Operation::DescribeScheduledQuery
            | Operation::ExecuteScheduledQuery
            | Operation::ListScheduledQueries
            | Operation::UpdateScheduledQuery => Err(TimestreamError::validation(format!(
                "{} is not supported by this emulator: it runs queries on demand only \
                 (scheduled queries and account settings are not emulated)",
                op.as_str()
            ))),
        }
    }

    #[cfg(feature = "timestream-query")]
    async fn execute_query(&self, region: &str, op: Operation, body: &[u8]) -> Result<Vec<u8>> {
        use json::{decode, encode};
        match op {
            Operation::Query => Ok(encode(
                &ops::query::query(self, region, decode(body)?).await?,
            )),
            Operation::CancelQuery => Ok(encode(&ops::cancel_query::cancel_query(
                self,
                decode(body)?,
            )?)),
            Operation::PrepareQuery => Ok(encode(
                &ops::prepare_query::prepare_query(self, region, decode(body)?).await?,
            )),
            _ => unreachable!("only query operations are routed here"),
        }
    }

    /// Without the `timestream-query` feature the emulator has no SQL engine.
    #[cfg(not(feature = "timestream-query"))]
    async fn execute_query(&self, _region: &str, op: Operation, _body: &[u8]) -> Result<Vec<u8>> {
        Err(TimestreamError::validation(format!(
            "{} needs the emulator built with the timestream-query feature",
            op.as_str()
        )))
    }
}

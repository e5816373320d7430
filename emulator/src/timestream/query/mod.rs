//! The Query API's engine room: Timestream SQL (`timestream-sql`, on DataFusion) over the
//! in-memory copy of the records, and the results of past queries kept for their pages.
//!
//! - `columns`: every table's records by series, fed by the write path, rebuilt at start.
//! - `provider`: a table as DataFusion reads it, with time, measure and dimension filters
//!   applied before any value is copied.
//! - `pages`: finished results, their pages and tokens, client-token reuse.
//!
//! A query runs to completion on a blocking thread when it is first asked for; its rows are
//! then served page by page. Results are kept for an hour, as the service's pagination
//! tokens last.

pub mod columns;
pub mod pages;
pub mod provider;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use timestream_sql::datafusion::catalog::TableProvider;
use timestream_sql::{Catalog, Engine, QueryError, QueryErrorKind, ResultSet};

use super::catalog::Snapshot;
use super::error::{ErrorCode, TimestreamError};
use super::records;
use columns::ColumnStore;
use provider::RecordsTable;

/// Nanoseconds in a day, for retention periods.
const DAY_NANOS: i64 = 86_400_000_000_000;

/// The query side of the service.
pub struct QueryService {
    /// Built by the first query: DataFusion's session state (its function registry above
    /// all) pages in megabytes of code and data that an emulator never asked a query need
    /// not start with or keep resident.
    engine: OnceLock<Arc<Engine>>,
    pub columns: Arc<ColumnStore>,
    pub pages: pages::Results,
}

impl Default for QueryService {
    fn default() -> Self {
        QueryService {
            engine: OnceLock::new(),
            columns: Arc::new(ColumnStore::default()),
            pages: pages::Results::default(),
        }
    }
}

/// A finished query: its rows and how many bytes of records it read.
pub struct Outcome {
    pub result: ResultSet,
    pub bytes_scanned: u64,
}

impl QueryService {
    /// Runs `sql` against `region`'s tables as they are in `snapshot`, off the async workers.
    pub async fn run(
        &self,
        region: &str,
        sql: String,
        snapshot: Snapshot,
    ) -> Result<Outcome, TimestreamError> {
        let engine = Arc::clone(self.engine());
        let tables = Tables::new(region, snapshot, Arc::clone(&self.columns));
        let scanned = Arc::clone(&tables.scanned);
        let handle = tokio::runtime::Handle::current();
        let result = tokio::task::spawn_blocking(move || {
            handle.block_on(async move { engine.query(&sql, &tables).await })
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "query task failed");
            TimestreamError::internal()
        })?
        .map_err(query_error)?;
        Ok(Outcome {
            result,
            bytes_scanned: scanned.load(Ordering::Relaxed),
        })
    }

    fn engine(&self) -> &Arc<Engine> {
        self.engine.get_or_init(|| Arc::new(Engine::new()))
    }

    /// Plans `sql` without running it: its columns.
    pub async fn describe(
        &self,
        region: &str,
        sql: &str,
        snapshot: Snapshot,
    ) -> Result<Vec<timestream_sql::Column>, TimestreamError> {
        let tables = Tables::new(region, snapshot, Arc::clone(&self.columns));
        self.engine()
            .describe(sql, &tables)
            .await
            .map_err(query_error)
    }
}

/// The engine's error as the service's exception.
fn query_error(e: QueryError) -> TimestreamError {
    match e.kind {
        QueryErrorKind::Validation => TimestreamError::validation(e.message),
        QueryErrorKind::Execution => {
            TimestreamError::new(ErrorCode::QueryExecutionException, e.message)
        }
        QueryErrorKind::Internal => {
            tracing::error!(error = %e.message, "query engine failure");
            TimestreamError::internal()
        }
    }
}

/// A region's databases and tables as one query sees them.
struct Tables {
    region: String,
    snapshot: Snapshot,
    columns: Arc<ColumnStore>,
    now: i64,
    /// Bytes of the columns the query's scans produced (the service's "bytes scanned").
    scanned: Arc<AtomicU64>,
}

impl Tables {
    fn new(region: &str, snapshot: Snapshot, columns: Arc<ColumnStore>) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Tables {
            region: region.to_owned(),
            snapshot,
            columns,
            now,
            scanned: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl Catalog for Tables {
    fn database_exists(&self, database: &str) -> bool {
        match self.snapshot.database(&self.region, database) {
            Ok(found) => found.is_some(),
            Err(e) => {
                tracing::error!(error = %e, "reading the Timestream catalog");
                false
            }
        }
    }

    fn table(&self, database: &str, table: &str) -> Option<Arc<dyn TableProvider>> {
        let found = self
            .snapshot
            .table(&self.region, database, table)
            .and_then(|t| {
                let Some(t) = t else { return Ok(None) };
                let schema = records::schema(self.snapshot.transaction(), t.id)?;
                Ok(Some((t, schema)))
            });
        match found {
            Ok(Some((record, schema))) => {
                let oldest = self
                    .now
                    .saturating_sub(record.magnetic_days.saturating_mul(DAY_NANOS));
                Some(Arc::new(RecordsTable::new(
                    self.columns.table(record.id),
                    &schema,
                    oldest,
                    Arc::clone(&self.scanned),
                )))
            }
            Ok(None) => None,
            Err(e) => {
                tracing::error!(error = %e, "reading the Timestream catalog");
                None
            }
        }
    }
}

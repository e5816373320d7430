//! DeleteTable.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "TableName": "drift"} → {}
//! ```
//!
//! The table's description, its records and its schema entries go in one transaction.

use redb::ReadableTable;

use super::describe_table::required_table;
use crate::storage::tables::{self, TIMESTREAM_SCHEMA};
use crate::timestream::Timestream;
use crate::timestream::catalog;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{EmptyResponse, TableNameRequest};

pub async fn delete_table(
    ts: &Timestream,
    region: &str,
    input: TableNameRequest,
) -> Result<EmptyResponse> {
    let (database, table) = required_table(&input.database_name, &input.table_name)?;
    let (database, table) = (database.to_owned(), table.to_owned());
    let region = region.to_owned();
    ts.store
        .write(move |txn| -> Result<()> {
            let catalog = catalog::Writer(txn);
            let Some(record) = catalog.table(&region, &database, &table)? else {
                return Err(if catalog.database(&region, &database)?.is_none() {
                    TimestreamError::database_not_found(&database)
                } else {
                    TimestreamError::table_not_found(&table)
                });
            };
            let prefix = record.id.to_be_bytes();
            let mut schema = txn.open(TIMESTREAM_SCHEMA)?;
            let mut doomed = Vec::new();
            for entry in schema.read().range(prefix.as_slice()..)? {
                let (key, _) = entry?;
                if !key.value().starts_with(&prefix) {
                    break;
                }
                doomed.push(key.value().to_vec());
            }
            for key in doomed {
                schema.remove(key.as_slice())?;
            }
            drop(schema);
            let name = tables::timestream_records_name(record.id);
            txn.delete_table(tables::timestream_records(&name))?;
            catalog.remove_table(&region, &database, &table)?;
            Ok(())
        })
        .await??;
    Ok(EmptyResponse {})
}

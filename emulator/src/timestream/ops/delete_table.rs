//! DeleteTable.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "TableName": "drift"} → {}
//! ```
//!
//! The table's description, its records and its schema entries go in one transaction;
//! record observers hear of it once it has committed.

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
    let table_id = ts
        .store
        .write(move |txn| -> Result<u64> {
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
            Ok(record.id)
        })
        .await??;
    ts.observers.table_dropped(table_id);
    Ok(EmptyResponse {})
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use serde_json::json;

    use super::*;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::create_table::create_table;
    use crate::timestream::ops::tests::{REGION, input, service};
    use crate::timestream::records::{RecordObserver, StoredRecord};

    #[derive(Default)]
    struct Dropped(Mutex<Vec<u64>>);

    impl RecordObserver for Dropped {
        fn records_written(&self, _: u64, _: &[StoredRecord]) {}
        fn table_dropped(&self, table_id: u64) {
            self.0.lock().expect("lock").push(table_id);
        }
        fn records_expired(&self, _: u64, _: i64) {}
    }

    #[tokio::test]
    async fn observers_hear_of_a_dropped_table() {
        let ts = service();
        let dropped = Arc::new(Dropped::default());
        ts.observe(dropped.clone());
        create_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect("database");
        let names = json!({"DatabaseName": "metrics", "TableName": "drift"});
        create_table(&ts, REGION, input(names.clone()))
            .await
            .expect("table");
        let id = ts
            .snapshot()
            .expect("snapshot")
            .table(REGION, "metrics", "drift")
            .expect("read")
            .expect("table")
            .id;
        delete_table(&ts, REGION, input(names.clone()))
            .await
            .expect("deleted");
        assert_eq!(*dropped.0.lock().expect("lock"), [id]);
        delete_table(&ts, REGION, input(names))
            .await
            .expect_err("already gone");
        assert_eq!(dropped.0.lock().expect("lock").len(), 1);
    }
}

//! DescribeTable.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring", "TableName": "drift"} → {"Table": {...}}
//! ```
//!
//! A missing database is reported before a missing table.

use crate::timestream::Timestream;
use crate::timestream::catalog::{Snapshot, TableRecord};
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{TableNameRequest, TableResponse};
use crate::timestream::validate::{self, Violations};

pub fn describe_table(
    ts: &Timestream,
    region: &str,
    input: TableNameRequest,
) -> Result<TableResponse> {
    let (database, table) = required_table(&input.database_name, &input.table_name)?;
    let record = existing_table(&ts.snapshot()?, region, database, table)?;
    Ok(TableResponse {
        table: record.to_wire(ts.table_arn(region, database, table)),
    })
}

/// The `DatabaseName` and `TableName` members of the operations naming an existing table.
pub(crate) fn required_table<'a>(
    database: &'a Option<String>,
    table: &'a Option<String>,
) -> Result<(&'a str, &'a str)> {
    let mut v = Violations::new();
    let database = validate::required(database, "databaseName", &mut v);
    if let Some(database) = database {
        validate::check_existing_name(database, "databaseName", &mut v);
    }
    let table = validate::required(table, "tableName", &mut v);
    if let Some(table) = table {
        validate::check_existing_name(table, "tableName", &mut v);
    }
    v.into_result()?;
    Ok((database.unwrap_or_default(), table.unwrap_or_default()))
}

/// The table's record, or the ResourceNotFoundException naming the database or the table.
pub(crate) fn existing_table(
    snapshot: &Snapshot,
    region: &str,
    database: &str,
    table: &str,
) -> Result<TableRecord> {
    if let Some(record) = snapshot.table(region, database, table)? {
        return Ok(record);
    }
    if snapshot.database(region, database)?.is_none() {
        return Err(TimestreamError::database_not_found(database));
    }
    Err(TimestreamError::table_not_found(table))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn names_what_is_missing() {
        let ts = service();
        let request = || input(json!({"DatabaseName": "metrics", "TableName": "drift"}));
        let e = describe_table(&ts, REGION, request()).expect_err("no database");
        assert_eq!(e.message, "The database metrics does not exist.");
        create_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect("created");
        let e = describe_table(&ts, REGION, request()).expect_err("no table");
        assert_eq!(e.message, "The table drift does not exist.");
    }
}

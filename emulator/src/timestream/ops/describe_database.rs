//! DescribeDatabase.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring"} → {"Database": {..., "TableCount": 2}}
//! ```

use super::create_database::database_wire;
use crate::timestream::Timestream;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{DatabaseNameRequest, DatabaseResponse};
use crate::timestream::validate::{self, Violations};

pub fn describe_database(
    ts: &Timestream,
    region: &str,
    input: DatabaseNameRequest,
) -> Result<DatabaseResponse> {
    let name = required_database(&input.database_name)?;
    let snapshot = ts.snapshot()?;
    let record = snapshot
        .database(region, name)?
        .ok_or_else(|| TimestreamError::database_not_found(name))?;
    let count = snapshot.table_count(region, name)?;
    Ok(DatabaseResponse {
        database: database_wire(ts, region, &record, count),
    })
}

/// The `DatabaseName` member of the operations that name an existing database.
pub(crate) fn required_database(name: &Option<String>) -> Result<&str> {
    let mut v = Violations::new();
    let name = validate::required(name, "databaseName", &mut v);
    if let Some(name) = name {
        validate::check_existing_name(name, "databaseName", &mut v);
    }
    v.into_result()?;
    Ok(name.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::error::ErrorCode;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn describes_an_existing_database_only() {
        let ts = service();
        let e = describe_database(&ts, REGION, input(json!({"DatabaseName": "ghost"})))
            .expect_err("missing");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(e.message, "The database ghost does not exist.");
        create_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect("created");
        let out = describe_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .expect("found");
        assert_eq!(out.database.database_name, "metrics");
    }
}

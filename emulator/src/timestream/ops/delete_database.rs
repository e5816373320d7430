//! DeleteDatabase.
//!
//! ```text
//! {"DatabaseName": "ml-monitoring"} → {}
//! ```
//!
//! As the service documents, a database that still has tables is refused with a
//! ValidationException (the text is this emulator's: no recording of the service's was
//! found). The check runs inside the write, so a table created concurrently is never
//! orphaned.

use super::describe_database::required_database;
use crate::timestream::Timestream;
use crate::timestream::catalog;
use crate::timestream::error::{Result, TimestreamError};
use crate::timestream::types::{DatabaseNameRequest, EmptyResponse};

pub async fn delete_database(
    ts: &Timestream,
    region: &str,
    input: DatabaseNameRequest,
) -> Result<EmptyResponse> {
    let name = required_database(&input.database_name)?.to_owned();
    let region = region.to_owned();
    ts.store
        .write(move |txn| -> Result<()> {
            let catalog = catalog::Writer(txn);
            if catalog.database(&region, &name)?.is_none() {
                return Err(TimestreamError::database_not_found(&name));
            }
            if catalog.has_tables(&region, &name)? {
                return Err(TimestreamError::validation(format!(
                    "The database {name} cannot be deleted because it contains tables. \
                     Delete its tables first."
                )));
            }
            catalog.remove_database(&region, &name)?;
            Ok(())
        })
        .await??;
    Ok(EmptyResponse {})
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::timestream::error::ErrorCode;
    use crate::timestream::ops::create_database::create_database;
    use crate::timestream::ops::create_table::create_table;
    use crate::timestream::ops::delete_table::delete_table;
    use crate::timestream::ops::tests::{REGION, input, service};

    #[tokio::test]
    async fn refused_while_tables_exist() {
        let ts = service();
        create_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect("created");
        create_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift"})),
        )
        .await
        .expect("table");
        let e = delete_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect_err("has tables");
        assert_eq!(e.code, ErrorCode::ValidationException);
        delete_table(
            &ts,
            REGION,
            input(json!({"DatabaseName": "metrics", "TableName": "drift"})),
        )
        .await
        .expect("table deleted");
        delete_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect("deleted");
        let e = delete_database(&ts, REGION, input(json!({"DatabaseName": "metrics"})))
            .await
            .expect_err("gone");
        assert_eq!(e.code, ErrorCode::ResourceNotFoundException);
    }
}
